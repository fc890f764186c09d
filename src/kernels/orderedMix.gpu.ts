// GPU side of orderedMix, and the public entry that runs it on an engine's backend: uploads the tables once,
// runs the image in row chunks that fit one binding, and reads back packed indices.
import type { Engine } from '../engine.js';
import type { GpuHandle } from '../host/device.js';
import { getKernel } from '../host/pipelines.js';
import { runRowKernel } from '../host/rowKernel.js';
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
  const { width, data } = image;
  const bits = data instanceof Uint16Array ? 16 : 8;
  const { output, gpuMs } = await runRowKernel(gpu, {
    kernel: await getKernel(gpu.device, 'orderedMix', 'orderedMix'),
    image,
    tables: {
      nodes: bits === 16 ? params.nodes16 : params.nodes8,
      thresholds: params.thresholds,
      runs: params.runs,
      rankToIndex: params.rankToIndex,
    },
    output: { name: 'indices', bytesPerPixel: 1 },
    uniforms: (chunk) => ({
      params: {
        width,
        firstRow: chunk.first,
        pixelCount: chunk.pixelCount,
        mapWidth: params.mapWidth,
        mapHeight: params.mapHeight,
        bits,
        grid: params.grid,
        planSize: params.planSize,
      },
    }),
    pixelsPerWorkgroup: PIXELS_PER_WORKGROUP,
    maxChunkBytes: options.maxChunkBytes,
    poison: options.poison,
  });
  return { indices: output, gpuMs };
}
