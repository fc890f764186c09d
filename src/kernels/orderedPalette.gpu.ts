// GPU side of orderedPalette: the shared row-chunk runner with this kernel's tables and uniforms, and with the
// split table, either its fused entry or its two passes (applySplits, then fillSplits over the misses).
import { spaceUniform } from '../color/space.js';
import type { GpuHandle } from '../host/device.js';
import { bindingLimit } from '../host/chunking.js';
import { getKernel } from '../host/pipelines.js';
import { runRowKernel, type ChunkInfo, type ChunkPasses, type RowKernelSpec } from '../host/rowKernel.js';
import { leaseSplits, type SplitTableMode } from './splitCache.js';
import { inputTable, type OrderedPaletteParams, type RgbaImage } from './orderedPalette.js';

export interface GpuRunOptions {
  /** Caps a chunk's input binding, in bytes (tests use it to force many chunks). */
  readonly maxChunkBytes?: number;
  /** Fills the output buffer with this word before the dispatch, so tests can prove every element is written. */
  readonly poison?: number;
  /** The pair rule's per-colour table on the device (src/kernels/splitCache.ts). Default auto. */
  readonly splitTable?: SplitTableMode;
  /** With the table: one fused kernel or two passes (below). The same bytes either way. Default warm. */
  readonly splitPasses?: SplitPasses;
  /** Where the indices go (one byte per pixel at least; not the image's memory): `indices` is then a view of it. */
  readonly into?: Uint8Array;
}

/**
 * fused: the `orderedPalette` entry, searching inline where the table lacks a colour. two: applySplits, then
 * fillSplits over the pixels whose colour the table lacked (shaders/orderedPalette.wgsl). warm: two passes when
 * the table already holds this palette's splits from an earlier call (few misses), fused on a first call (where
 * every pixel would be queued).
 */
export const SPLIT_PASSES = ['fused', 'two', 'warm'] as const;
export type SplitPasses = (typeof SPLIT_PASSES)[number];

export interface GpuRunResult {
  readonly indices: Uint8Array;
  readonly gpuMs: number | null;
}

export async function orderedPaletteGpu(gpu: GpuHandle, image: RgbaImage, params: OrderedPaletteParams, options: GpuRunOptions = {}): Promise<GpuRunResult> {
  const wide = image.data instanceof Uint16Array;
  const splits = params.pair && !wide ? await leaseSplits(gpu.device, params, image.width * image.height, options.splitTable) : null;
  try {
    const passes = options.splitPasses ?? 'warm';
    // The miss queue holds a count and up to every pixel of a chunk: one word more than the chunk's input, so
    // chunks shrink by a word, and rows too wide for that go fused.
    const queueLimit = bindingLimit(gpu.device) - 4;
    const twoPass = splits !== null && (passes === 'two' || (passes === 'warm' && splits.warm)) && 4 * image.width <= queueLimit;
    const chunking = twoPass ? { ...options, maxChunkBytes: Math.min(options.maxChunkBytes ?? Infinity, queueLimit) } : options;
    return await run(gpu, image, params, chunking, splits ? { buffer: splits.buffer, twoPass } : null);
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

async function run(gpu: GpuHandle, image: RgbaImage, params: OrderedPaletteParams, options: GpuRunOptions, table: { buffer: GPUBuffer; twoPass: boolean } | null): Promise<GpuRunResult> {
  const wide = image.data instanceof Uint16Array;
  const uniforms = (chunk: ChunkInfo) => ({
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
      cached: table ? 1 : 0,
      maxGroupsX: gpu.device.limits.maxComputeWorkgroupsPerDimension,
    },
    space: spaceUniform(params.space),
  });
  const { output, gpuMs } = await runRowKernel(gpu, {
    kernel: await getKernel(gpu.device, 'orderedPalette', table?.twoPass ? 'applySplits' : 'orderedPalette'),
    image,
    tables: {
      toLinear: inputTable(wide, params.gammaSpace),
      cells: params.cells,
      palette: params.palette,
      nearestGrid: params.grid.words,
      spaceCurve: params.space.curve,
    },
    buffers: table?.twoPass ? { knownSplits: { buffer: table.buffer } } : { splits: { buffer: table?.buffer ?? placeholder(gpu.device) } },
    output: { name: 'indices', bytesPerPixel: 1 },
    uniforms,
    pixelsPerWorkgroup: 64 * 4,
    maxChunkBytes: options.maxChunkBytes,
    poison: options.poison,
    into: options.into,
    ...(table?.twoPass ? { passes: await fillPasses(gpu.device, table.buffer, uniforms) } : {}),
  });
  return { indices: output, gpuMs };
}

/**
 * After applySplits: missDispatch sizes the second pass's grid from the queue of misses, fillSplits computes
 * their splits into the table, patchMisses writes their indices.
 */
async function fillPasses(device: GPUDevice, splits: GPUBuffer, uniforms: (chunk: ChunkInfo) => ReturnType<RowKernelSpec['uniforms']>): Promise<ChunkPasses> {
  const kernel = (entry: string) => getKernel(device, 'orderedPalette', entry);
  const [grid, fill, patch] = await Promise.all([kernel('missDispatch'), kernel('fillSplits'), kernel('patchMisses')]);
  return {
    extra: 3,
    before(rec, chunk) {
      const size = 4 * (1 + chunk.pixelCount); // the count, then at most every pixel
      const misses = rec.buffer(size, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, 'misses');
      rec.clear(misses, 0, 4);
      return { misses: { buffer: misses, offset: 0, size } };
    },
    after(rec, chunk, bound) {
      const groups = rec.buffer(12, GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT, 'missGroups');
      rec.dispatch({ kernel: grid, buffers: { ...bound, missGroups: { buffer: groups, offset: 0, size: 12 } }, uniforms: uniforms(chunk), workgroups: 1 });
      const buffers = { ...bound, splits: { buffer: splits }, patched: bound.indices! };
      for (const k of [fill, patch]) rec.dispatch({ kernel: k, buffers, uniforms: uniforms(chunk), workgroups: 0, indirect: groups });
    },
  };
}
