// GPU side of levels: uploads the tables once, runs the image in row chunks that fit one binding, and reads back
// one word of four code bytes per pixel.
import type { GpuHandle } from '../host/device.js';
import { getKernel } from '../host/pipelines.js';
import { runRowKernel } from '../host/rowKernel.js';
import type { LevelsImage, LevelsParams } from './levels.js';

export interface LevelsGpuOptions {
  /** Caps a chunk's input binding, in bytes (tests use it to force many chunks). */
  readonly maxChunkBytes?: number;
  /** Fills the output buffer with this word before the dispatch, so tests can prove every element is written. */
  readonly poison?: number;
  /** Where the codes go (4 bytes per pixel at least): `codes` is then a view of it, or of staged output memory. */
  readonly into?: Uint8Array;
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
  const bytesPerSample = params.bits === 16 ? 2 : 1;
  if (image.data.BYTES_PER_ELEMENT !== bytesPerSample) throw new RangeError(`levels params are for ${params.bits}-bit data`);
  const { output, gpuMs } = await runRowKernel(gpu, {
    kernel: await getKernel(gpu.device, 'levels', 'levels'),
    image,
    tables: { toLinear: params.toLinear, bracket: params.bracket, codes: params.codes, thresholds: params.thresholds },
    output: { name: 'outCodes', bytesPerPixel: 4 },
    uniforms: (chunk) => ({
      params: {
        width: image.width,
        firstRow: chunk.first,
        pixelCount: chunk.pixelCount,
        mapWidth: params.mapWidth,
        mapHeight: params.mapHeight,
        wide: params.bits === 16 ? 1 : 0,
        decodeBase: params.decodeBase,
        rowBase: params.rowBase,
      },
    }),
    pixelsPerWorkgroup: WORKGROUP,
    maxChunkBytes: options.maxChunkBytes,
    poison: options.poison,
    into: options.into,
  });
  return { codes: output, gpuMs };
}
