// `--palette auto:N`: an N-colour palette computed from the image. Histogram (GPU or CPU, identical) → Wu seeds
// (host) → k-means (Lloyd) in OkLab with linear-light averaging: the assignment is the GPU kernel (or its CPU
// reference), the update is host float64 rounded to linear Q16, so both backends give the same palette.
import type { Engine } from '../engine.js';
import type { GpuHandle } from '../host/device.js';
import { LINEAR_ONE, srgbEncode, srgbToLinearTable } from '../color/transfer.js';
import { spaceTransform } from '../color/space.js';
import {
  assignCpu,
  histogramBins,
  histogramCpu,
  histogramParams,
  spaceCoords,
  HISTOGRAM_BITS,
  type Bins,
  type HistogramImage,
  type HistogramParams,
} from '../kernels/autoPalette.js';
import { assignGpu, histogramGpu } from '../kernels/autoPalette.gpu.js';
import { makePalette, type Palette } from './palette.js';
import { wuSeeds } from './wu.js';
import { checkAutoPalette, DEFAULT_MAX_ITERATIONS, type AutoPaletteOptions } from './autoOptions.js';

export { DEFAULT_MAX_ITERATIONS, type AutoPaletteOptions };


export interface AutoPaletteResult {
  readonly palette: Palette;
  /** Non-empty histogram bins: the points k-means clusters. */
  readonly bins: number;
  /** Assignment passes run. */
  readonly iterations: number;
  /** True when the last pass changed no assignment (or no k-means was needed). */
  readonly converged: boolean;
}

/** The two kernels, on one backend. */
export interface AutoPaletteBackend {
  histogram(image: HistogramImage, params: HistogramParams): Uint32Array | Promise<Uint32Array>;
  assign(reps: Uint32Array, centroids: Uint32Array): Uint32Array | Promise<Uint32Array>;
}

export const cpuAutoBackend: AutoPaletteBackend = { histogram: histogramCpu, assign: (r, c) => assignCpu(r, c) };

export function gpuAutoBackend(gpu: GpuHandle): AutoPaletteBackend {
  return {
    histogram: async (image, params) => (await histogramGpu(gpu, image, params)).hist,
    assign: async (reps, centroids) => (await assignGpu(gpu, reps, centroids)).assignment,
  };
}

/** `auto:N` for `image` on the engine's backend. */
export async function autoPalette(engine: Engine, image: HistogramImage, n: number, options: AutoPaletteOptions = {}): Promise<Palette> {
  return (await autoPaletteRun(engine, image, n, options)).palette;
}

/** autoPalette with what happened (iterations, bins), for tests and reports. */
export async function autoPaletteRun(engine: Engine, image: HistogramImage, n: number, options: AutoPaletteOptions = {}): Promise<AutoPaletteResult> {
  checkAutoPalette(n, options);
  return await engine.run({
    cpu: () => autoPaletteWith(cpuAutoBackend, image, n, options),
    gpu: (gpu) => autoPaletteWith(gpuAutoBackend(gpu), image, n, options),
  });
}


const toSrgb8 = (v: number): number => Math.round(srgbEncode(v / LINEAR_ONE) * 255);

/** The driver on any backend (autoPaletteRun picks the engine's; benchmarks wrap one to time its kernels). */
export async function autoPaletteWith(be: AutoPaletteBackend, image: HistogramImage, n: number, options: AutoPaletteOptions = {}): Promise<AutoPaletteResult> {
  const lock = checkAutoPalette(n, options);
  const bits = options.bits ?? HISTOGRAM_BITS;
  const maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  const bins = histogramBins(await be.histogram(image, histogramParams(image, bits)), bits);
  const lab = spaceCoords(bins.reps, spaceTransform('oklab'));
  const locked = lock.length / 3;
  const free = n - locked;
  const toLinear = srgbToLinearTable(8);
  const centroids = new Uint32Array(4 * n);
  for (let i = 0; i < 3 * locked; i++) centroids[4 * Math.floor(i / 3) + (i % 3)] = toLinear[lock[i]!]!;
  // Bins that sit exactly on a locked colour are served already; the free colours are seeded from the rest.
  const lockedKeys = new Set(Array.from({ length: locked }, (_, j) => linearKey(centroids, j)));
  const use: number[] = [];
  for (let i = 0; i < bins.size; i++) if (!lockedKeys.has(linearKey(bins.reps, i))) use.push(i);
  if (use.length <= free) {
    // No more colours than free slots: each bin is its own colour, heaviest first.
    const order = use.sort((a, b) => bins.count[b]! - bins.count[a]! || a - b);
    const rgb = order.flatMap((i) => [0, 1, 2].map((c) => toSrgb8(bins.reps[4 * i + c]!)));
    return { palette: finish(n, lock, rgb, true), bins: bins.size, iterations: 0, converged: true };
  }
  centroids.set(wuSeeds(bins, lab, use, free), 4 * locked);
  let prev: Uint32Array | null = null;
  let weights: Float64Array | null = null;
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    const assignment = await be.assign(bins.reps, centroids);
    iterations++;
    // Unchanged assignment: the centroids are already its means.
    if (prev && same(prev, assignment)) {
      converged = true;
      break;
    }
    const step = update(bins, lab, assignment, centroids, locked);
    weights = step.weights;
    prev = step.reseeded ? null : assignment;
  }
  const order = Array.from({ length: free }, (_, j) => locked + j);
  if (weights) order.sort((a, b) => weights[b]! - weights[a]! || a - b);
  const rgb = order.flatMap((j) => [0, 1, 2].map((c) => toSrgb8(centroids[4 * j + c]!)));
  return { palette: finish(n, lock, rgb, false), bins: bins.size, iterations, converged };
}

function linearKey(v: Uint32Array, i: number): number {
  return (v[4 * i]! * 65536 + v[4 * i + 1]!) * 65536 + v[4 * i + 2]!;
}

function same(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return a.length === b.length;
}

/**
 * The k-means update of the free centroids (indices ≥ locked): the pixel-weighted mean of their bins' linear sums,
 * rounded to Q16. An empty cluster is re-seeded at the bin of largest weighted OkLab error (count · distance² to its
 * updated centroid; ties: lowest bin), one bin per empty cluster, in cluster order.
 */
function update(bins: Bins, lab: Int32Array, assignment: Uint32Array, centroids: Uint32Array, locked: number): { weights: Float64Array; reseeded: boolean } {
  const k = centroids.length >> 2;
  const acc = new Float64Array(4 * k);
  for (let i = 0; i < bins.size; i++) {
    const j = assignment[i]!;
    acc[4 * j]! += bins.count[i]!;
    for (let c = 0; c < 3; c++) acc[4 * j + 1 + c]! += bins.sums[3 * i + c]!;
  }
  const empty: number[] = [];
  const weights = new Float64Array(k);
  for (let j = locked; j < k; j++) {
    const w = acc[4 * j]!;
    weights[j] = w;
    if (w === 0) empty.push(j);
    else for (let c = 0; c < 3; c++) centroids[4 * j + c] = Math.round(acc[4 * j + 1 + c]! / w);
  }
  if (empty.length === 0) return { weights, reseeded: false };
  const cl = spaceCoords(centroids, spaceTransform('oklab'));
  const err = new Float64Array(bins.size);
  for (let i = 0; i < bins.size; i++) {
    const j = assignment[i]!;
    const d0 = lab[3 * i]! - cl[3 * j]!;
    const d1 = lab[3 * i + 1]! - cl[3 * j + 1]!;
    const d2 = lab[3 * i + 2]! - cl[3 * j + 2]!;
    err[i] = bins.count[i]! * (d0 * d0 + d1 * d1 + d2 * d2);
  }
  let reseeded = false;
  for (const j of empty) {
    let best = -1;
    for (let i = 0; i < bins.size; i++) if (err[i]! > 0 && (best < 0 || err[i]! > err[best]!)) best = i;
    if (best < 0) break; // every bin sits on a centroid: nothing better to seed with, the cluster stays empty
    for (let c = 0; c < 3; c++) centroids[4 * j + c] = bins.reps[4 * best + c]!;
    err[best] = 0;
    reseeded = true;
  }
  return { weights, reseeded };
}

/**
 * Locked colours first (as given), then `rgb`. With `distinct`, colours already present are dropped (bins of one
 * sRGB8 colour from a 16-bit image, or a bin equal to a locked colour); k-means output is kept whole, since two
 * centroids rarely round to one sRGB8 colour and dropping one would not make room for another. Fewer than N
 * colours (an image with fewer colours than N) are padded by repeating the last (black when nothing is visible).
 */
function finish(n: number, lock: Uint8Array, rgb: number[], distinct: boolean): Palette {
  const out: number[] = Array.from(lock);
  const seen = new Set<number>();
  const key = (a: ArrayLike<number>, i: number): number => (a[i]! << 16) | (a[i + 1]! << 8) | a[i + 2]!;
  for (let i = 0; i < lock.length; i += 3) seen.add(key(lock, i));
  for (let i = 0; i < rgb.length; i += 3) {
    if (distinct && seen.has(key(rgb, i))) continue;
    seen.add(key(rgb, i));
    out.push(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!);
  }
  if (out.length === 0) out.push(0, 0, 0);
  while (out.length < 3 * n) out.push(...out.slice(-3));
  return makePalette(`auto:${n}`, out, '--palette');
}
