// GPU side of levels: uploads the tables once, runs the image in row chunks that fit one binding, and reads back
// one word of four code bytes per pixel.
import type { GpuHandle } from '../host/device.js';
import { getKernel } from '../host/pipelines.js';
import { Recorder } from '../host/recorder.js';
import { bindingLimit, rowChunks } from '../host/chunking.js';
import type { LevelsImage, LevelsParams } from './levels.js';

export interface LevelsGpuOptions {
  /** Caps a chunk's input binding, in bytes (tests use it to force many chunks). */
  readonly maxChunkBytes?: number;
  /** Fills the output buffer with this word before the dispatch, so tests can prove every element is written. */
  readonly poison?: number;
}

export interface LevelsGpuResult {
  /** 4 bytes per pixel: R, G, B, A code values. */
  readonly codes: Uint8Array;
  readonly gpuMs: number | null;
}

const WORKGROUP = 64;

export async function levelsGpu(
  gpu: GpuHandle,
  image: LevelsImage,
  params: LevelsParams,
  options: LevelsGpuOptions = {},
): Promise<LevelsGpuResult> {
  const { device } = gpu;
  const kernel = await getKernel(device, 'levels', 'levels');
  const { width, height } = image;
  const samplesPerRow = 4 * width;
  const bytesPerSample = params.bits === 16 ? 2 : 1;
  if (image.data.BYTES_PER_ELEMENT !== bytesPerSample) throw new RangeError(`levels params are for ${params.bits}-bit data`);
  const codes = new Uint8Array(4 * width * height);
  const limit = Math.min(bindingLimit(device), options.maxChunkBytes ?? Infinity);
  const chunks = rowChunks(height, samplesPerRow * bytesPerSample, limit);
  const rec = new Recorder(gpu, Math.max(1, chunks.length));
  const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const tables = {
    toLinear: rec.input(params.toLinear, 'toLinear'),
    bracket: rec.input(params.bracket, 'bracket'),
    codes: rec.input(params.codes, 'codes'),
    thresholds: rec.input(params.thresholds, 'thresholds'),
  };
  const reads: Promise<void>[] = [];
  for (const chunk of chunks) {
    const pixelCount = chunk.count * width;
    const src = image.data.subarray(chunk.first * samplesPerRow, (chunk.first + chunk.count) * samplesPerRow);
    const pixels = rec.input(src, 'pixels');
    const out = rec.buffer(pixelCount * 4, STORAGE | GPUBufferUsage.COPY_SRC, 'outCodes');
    if (options.poison !== undefined) rec.upload(out, new Uint32Array(pixelCount).fill(options.poison));
    rec.dispatch({
      kernel,
      buffers: { pixels, ...tables, outCodes: { buffer: out, offset: 0, size: pixelCount * 4 } },
      uniforms: {
        params: {
          width,
          firstRow: chunk.first,
          pixelCount,
          mapWidth: params.mapWidth,
          mapHeight: params.mapHeight,
          wide: params.bits === 16 ? 1 : 0,
          decodeBase: params.decodeBase,
          rowBase: params.rowBase,
        },
      },
      workgroups: Math.ceil(pixelCount / WORKGROUP),
    });
    reads.push(rec.read(out, 0, pixelCount * 4).then((b) => codes.set(b, chunk.first * samplesPerRow)));
  }
  const { gpuMs } = await rec.finish();
  await Promise.all(reads);
  return { codes, gpuMs };
}
