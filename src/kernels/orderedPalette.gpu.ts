// GPU side of orderedPalette: uploads the tables once, runs the image in row chunks that fit one binding,
// and reads back packed indices.
import type { GpuHandle } from '../host/device.js';
import { getKernel } from '../host/pipelines.js';
import { Recorder } from '../host/recorder.js';
import { bindingLimit, rowChunks } from '../host/chunking.js';
import { spaceUniform } from '../color/space.js';
import { inputTable, type OrderedPaletteParams, type RgbaImage } from './orderedPalette.js';

export interface GpuRunOptions {
  /** Caps a chunk's input binding, in bytes (tests use it to force many chunks). */
  readonly maxChunkBytes?: number;
  /** Fills the output buffer with this word before the dispatch, so tests can prove every element is written. */
  readonly poison?: number;
}

export interface GpuRunResult {
  readonly indices: Uint8Array;
  readonly gpuMs: number | null;
}

const PIXELS_PER_WORKGROUP = 64 * 4;

export async function orderedPaletteGpu(
  gpu: GpuHandle,
  image: RgbaImage,
  params: OrderedPaletteParams,
  options: GpuRunOptions = {},
): Promise<GpuRunResult> {
  const { device } = gpu;
  const kernel = await getKernel(device, 'orderedPalette', 'orderedPalette');
  const { width, height } = image;
  const indices = new Uint8Array(width * height);
  const limit = Math.min(bindingLimit(device), options.maxChunkBytes ?? Infinity);
  const wide = image.data instanceof Uint16Array;
  const bytesPerPixel = wide ? 8 : 4;
  const chunks = rowChunks(height, width * bytesPerPixel, limit);
  const rec = new Recorder(gpu, Math.max(1, chunks.length));
  const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const tables = {
    toLinear: rec.input(inputTable(wide, params.gammaSpace), 'toLinear'),
    cells: rec.input(params.cells, 'cells'),
    palette: rec.input(params.palette, 'palette'),
    nearestGrid: rec.input(params.grid.words, 'nearestGrid'),
    spaceCurve: rec.input(params.space.curve, 'spaceCurve'),
  };
  const reads: Promise<void>[] = [];
  for (const chunk of chunks) {
    const pixelCount = chunk.count * width;
    const words = Math.ceil(pixelCount / 4);
    const src = new Uint8Array(image.data.buffer, image.data.byteOffset + chunk.first * width * bytesPerPixel, pixelCount * bytesPerPixel);
    const pixels = rec.input(src, 'pixels');
    const out = rec.buffer(words * 4, STORAGE | GPUBufferUsage.COPY_SRC, 'indices');
    if (options.poison !== undefined) rec.upload(out, new Uint32Array(words).fill(options.poison));
    rec.dispatch({
      kernel,
      buffers: { pixels, ...tables, indices: { buffer: out, offset: 0, size: words * 4 } },
      uniforms: {
        params: {
          width,
          firstRow: chunk.first,
          pixelCount,
          wide: wide ? 1 : 0,
          mapWidth: params.mapWidth,
          mapHeight: params.mapHeight,
          transparent: params.transparent,
          gridDim: params.grid.dim,
          pair: params.pair ? 1 : 0,
          paletteSize: params.paletteSize,
        },
        space: spaceUniform(params.space),
      },
      workgroups: Math.ceil(pixelCount / PIXELS_PER_WORKGROUP),
    });
    reads.push(rec.read(out, 0, pixelCount).then((b) => indices.set(b, chunk.first * width)));
  }
  const { gpuMs } = await rec.finish();
  await Promise.all(reads);
  return { indices, gpuMs };
}
