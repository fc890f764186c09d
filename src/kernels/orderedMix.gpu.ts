// GPU side of orderedMix, and the public entry that runs it on an engine's backend: uploads the tables once,
// runs the image in row chunks that fit one binding, and reads back packed indices.
import type { Engine } from '../engine.js';
import type { GpuHandle } from '../host/device.js';
import { getKernel } from '../host/pipelines.js';
import { Recorder } from '../host/recorder.js';
import { bindingLimit, rowChunks } from '../host/chunking.js';
import { orderedMixCpu, type MixImage, type OrderedMixParams } from './orderedMix.js';

export interface MixRunOptions {
  /** Caps a chunk's input binding, in bytes (tests use it to force many chunks). */
  readonly maxChunkBytes?: number;
  /** Fills the output buffer with this word before the dispatch, so tests can prove every element is written. */
  readonly poison?: number;
}

export interface MixRunResult {
  readonly indices: Uint8Array;
  /** Kernel time from GPU timestamps; null on the CPU backend or without timestamp queries. */
  readonly gpuMs: number | null;
}

const PIXELS_PER_WORKGROUP = 64 * 4;

/** Palette indices for `image`, one byte per pixel, on the engine's backend (GPU and CPU give the same bytes). */
export function orderedMix(
  engine: Engine,
  image: MixImage,
  params: OrderedMixParams,
  options: MixRunOptions = {},
): Promise<MixRunResult> {
  return engine.run({
    cpu: () => ({ indices: orderedMixCpu(image, params), gpuMs: null }),
    gpu: (gpu) => orderedMixGpu(gpu, image, params, options),
  });
}

export async function orderedMixGpu(
  gpu: GpuHandle,
  image: MixImage,
  params: OrderedMixParams,
  options: MixRunOptions = {},
): Promise<MixRunResult> {
  const { device } = gpu;
  const kernel = await getKernel(device, 'orderedMix', 'orderedMix');
  const { width, height, data } = image;
  const bits = data instanceof Uint16Array ? 16 : 8;
  const bytesPerPixel = bits / 2; // RGBA
  const indices = new Uint8Array(width * height);
  const limit = Math.min(bindingLimit(device), options.maxChunkBytes ?? Infinity);
  const chunks = rowChunks(height, width * bytesPerPixel, limit);
  const rec = new Recorder(gpu, Math.max(1, chunks.length));
  const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const tables = {
    nodes: rec.input(bits === 16 ? params.nodes16 : params.nodes8, 'nodes'),
    thresholds: rec.input(params.thresholds, 'thresholds'),
    runs: rec.input(params.runs, 'runs'),
    rankToIndex: rec.input(params.rankToIndex, 'rankToIndex'),
  };
  const reads: Promise<void>[] = [];
  for (const chunk of chunks) {
    const pixelCount = chunk.count * width;
    const words = Math.ceil(pixelCount / 4);
    const first = data.byteOffset + chunk.first * width * bytesPerPixel;
    const src = new Uint8Array(data.buffer, first, pixelCount * bytesPerPixel);
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
          mapWidth: params.mapWidth,
          mapHeight: params.mapHeight,
          bits,
          grid: params.grid,
          planSize: params.planSize,
        },
      },
      workgroups: Math.ceil(pixelCount / PIXELS_PER_WORKGROUP),
    });
    reads.push(rec.read(out, 0, pixelCount).then((b) => indices.set(b, chunk.first * width)));
  }
  const { gpuMs } = await rec.finish();
  await Promise.all(reads);
  return { indices, gpuMs };
}
