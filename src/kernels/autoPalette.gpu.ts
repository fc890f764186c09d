// GPU side of the auto palette: the histogram (image in row chunks that fit one binding, all adding into one
// histogram buffer) and one k-means assignment pass. Each is one Recorder batch.
import type { GpuHandle } from '../host/device.js';
import { getKernel } from '../host/pipelines.js';
import { Recorder } from '../host/recorder.js';
import { bindingLimit, rowChunks } from '../host/chunking.js';
import { spaceTransform, spaceUniform, type SpaceTransform } from '../color/space.js';
import { BIN_WORDS, MAX_CENTROIDS, spaceCoords, type HistogramImage, type HistogramParams } from './autoPalette.js';

export interface HistogramGpuOptions {
  /** Caps a chunk's pixel binding, in bytes (tests use it to force many chunks). */
  readonly maxChunkBytes?: number;
}

export interface AssignGpuOptions {
  /** Fills the output before the dispatch, so tests can prove every element is written. */
  readonly poison?: number;
}

const WORKGROUP = 64;
const RUN = 32; // pixels per invocation, as RUN in the WGSL

export async function histogramGpu(
  gpu: GpuHandle,
  image: HistogramImage,
  params: HistogramParams,
  options: HistogramGpuOptions = {},
): Promise<{ hist: Uint32Array; gpuMs: number | null }> {
  const { device } = gpu;
  const kernel = await getKernel(device, 'autoPalette', 'histogram');
  const { width, height } = image;
  const bytesPerPixel = params.wide ? 8 : 4;
  const limit = Math.min(bindingLimit(device), options.maxChunkBytes ?? Infinity);
  const chunks = rowChunks(height, width * bytesPerPixel, limit);
  const words = BIN_WORDS * 2 ** (3 * params.bits);
  const rec = new Recorder(gpu, Math.max(1, chunks.length));
  const hist = rec.buffer(4 * words, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC, 'hist');
  rec.upload(hist, new Uint32Array(words)); // pooled buffers come back dirty
  const toLinear = rec.input(params.toLinear, 'toLinear');
  const bytes = image.data;
  for (const chunk of chunks) {
    const pixelCount = chunk.count * width;
    const start = bytes.byteOffset + chunk.first * width * bytesPerPixel;
    const pixels = rec.input(new Uint8Array(bytes.buffer, start, pixelCount * bytesPerPixel), 'pixels');
    rec.dispatch({
      kernel,
      buffers: { pixels, toLinear, hist: { buffer: hist, offset: 0, size: 4 * words } },
      uniforms: {
        hp: { pixelCount, wide: params.wide, shift: params.shift, bits: params.bits, skipTransparent: params.skipTransparent },
      },
      workgroups: Math.ceil(pixelCount / (WORKGROUP * RUN)),
    });
  }
  const read = rec.read(hist, 0, 4 * words);
  const { gpuMs } = await rec.finish();
  const b = await read;
  return { hist: new Uint32Array(b.buffer, b.byteOffset, words), gpuMs };
}

/**
 * One assignment pass: bins and centroids are 4 lanes of linear Q16 apiece. Centroids are converted to the distance
 * space here by the CPU mirror of toSpace (a K-entry uniform table); bins by the kernel's toSpace.
 */
export async function assignGpu(
  gpu: GpuHandle,
  reps: Uint32Array,
  centroids: Uint32Array,
  options: AssignGpuOptions = {},
  space: SpaceTransform = spaceTransform('oklab'),
): Promise<{ assignment: Uint32Array; gpuMs: number | null }> {
  const k = centroids.length >> 2;
  if (k < 1 || k > MAX_CENTROIDS) throw new RangeError(`assign needs 1..${MAX_CENTROIDS} centroids, not ${k}`);
  const binCount = reps.length >> 2;
  if (binCount === 0) return { assignment: new Uint32Array(0), gpuMs: null };
  const kernel = await getKernel(gpu.device, 'autoPalette', 'assign');
  const lab = spaceCoords(centroids, space);
  const table = new Array<number>(4 * MAX_CENTROIDS).fill(0);
  for (let j = 0; j < k; j++) for (let c = 0; c < 3; c++) table[4 * j + c] = lab[3 * j + c]!;
  const rec = new Recorder(gpu, 1);
  const out = rec.buffer(4 * binCount, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC, 'assignment');
  if (options.poison !== undefined) rec.upload(out, new Uint32Array(binCount).fill(options.poison));
  rec.dispatch({
    kernel,
    buffers: {
      bins: rec.input(reps, 'bins'),
      assignment: { buffer: out, offset: 0, size: 4 * binCount },
      spaceCurve: rec.input(space.curve, 'spaceCurve'),
    },
    uniforms: { ap: { binCount, k, centroids: table }, space: spaceUniform(space) },
    workgroups: Math.ceil(binCount / WORKGROUP),
  });
  const read = rec.read(out, 0, 4 * binCount);
  const { gpuMs } = await rec.finish();
  const b = await read;
  return { assignment: new Uint32Array(b.buffer, b.byteOffset, binCount), gpuMs };
}
