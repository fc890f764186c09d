// GPU side of orderedPalette: the shared row-chunk runner with this kernel's tables and uniforms.
import { spaceUniform } from '../color/space.js';
import type { GpuHandle } from '../host/device.js';
import { getKernel } from '../host/pipelines.js';
import { runRowKernel } from '../host/rowKernel.js';
import { leaseSplits, type SplitTableMode } from './splitCache.js';
import { inputTable, type OrderedPaletteParams, type RgbaImage } from './orderedPalette.js';

export interface GpuRunOptions {
  /** Caps a chunk's input binding, in bytes (tests use it to force many chunks). */
  readonly maxChunkBytes?: number;
  /** Fills the output buffer with this word before the dispatch, so tests can prove every element is written. */
  readonly poison?: number;
  /** The pair rule's per-colour table on the device (src/kernels/splitCache.ts). Default auto. */
  readonly splitTable?: SplitTableMode;
}

export interface GpuRunResult {
  readonly indices: Uint8Array;
  readonly gpuMs: number | null;
}

export async function orderedPaletteGpu(gpu: GpuHandle, image: RgbaImage, params: OrderedPaletteParams, options: GpuRunOptions = {}): Promise<GpuRunResult> {
  const wide = image.data instanceof Uint16Array;
  const splits = params.pair && !wide ? await leaseSplits(gpu.device, params, image.width * image.height, options.splitTable) : null;
  try {
    return await run(gpu, image, params, options, splits?.buffer ?? null);
  } finally {
    splits?.release();
  }
}

// Without a split table the binding still needs a buffer; the kernel never reads it then.
const unused = new WeakMap<GPUDevice, GPUBuffer>();
function placeholder(device: GPUDevice): GPUBuffer {
  let b = unused.get(device);
  if (!b) unused.set(device, (b = device.createBuffer({ label: 'no-splits', size: 4, usage: GPUBufferUsage.STORAGE })));
  return b;
}

async function run(gpu: GpuHandle, image: RgbaImage, params: OrderedPaletteParams, options: GpuRunOptions, splits: GPUBuffer | null): Promise<GpuRunResult> {
  const wide = image.data instanceof Uint16Array;
  const { output, gpuMs } = await runRowKernel(gpu, {
    kernel: await getKernel(gpu.device, 'orderedPalette', 'orderedPalette'),
    image,
    tables: {
      toLinear: inputTable(wide, params.gammaSpace),
      cells: params.cells,
      palette: params.palette,
      nearestGrid: params.grid.words,
      spaceCurve: params.space.curve,
    },
    buffers: { splits: { buffer: splits ?? placeholder(gpu.device) } },
    output: { name: 'indices', bytesPerPixel: 1 },
    uniforms: (chunk) => ({
      params: {
        width: image.width,
        firstRow: chunk.first,
        pixelCount: chunk.pixelCount,
        wide: wide ? 1 : 0,
        mapWidth: params.mapWidth,
        mapHeight: params.mapHeight,
        transparent: params.transparent,
        gridDim: params.grid.dim,
        pair: params.pair ? 1 : 0,
        paletteSize: params.paletteSize,
        cached: splits ? 1 : 0,
      },
      space: spaceUniform(params.space),
    }),
    pixelsPerWorkgroup: 64 * 4,
    maxChunkBytes: options.maxChunkBytes,
    poison: options.poison,
  });
  return { indices: output, gpuMs };
}
