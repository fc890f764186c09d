// Auto palettes: the kernels' host-built parameters and the CPU references that mirror shaders/autoPalette.wgsl.
// The histogram is integer sums (order-independent), the assignment integer OkLab distances, so both backends
// agree bit for bit.
import { srgbToLinearTable } from '../color/transfer.js';
import { spaceTransform, toSpace, type SpaceTransform } from '../color/space.js';

/** What the histogram reads of a Raster (src/formats/raster.ts): RGBA, 8 or 16 bits per sample. */
export interface HistogramImage {
  readonly width: number;
  readonly height: number;
  readonly depth: 8 | 16;
  readonly data: Uint8Array | Uint16Array;
  /** When true, pixels with alpha 0 are not counted. */
  readonly hasAlpha: boolean;
}

/** Bits per channel of a bin index by default: 32³ bins, Wu's classic grid. */
export const HISTOGRAM_BITS = 5;
/** u32 words per bin: count, sum R, sum G, sum B, each a (low, carry) pair. */
export const BIN_WORDS = 8;
/** The assignment kernel's centroid limit (the size of its uniform table). */
export const MAX_CENTROIDS = 256;

export interface HistogramParams {
  readonly bits: number;
  /** sample >> shift is the bin coordinate: the top `bits` of the sample (of the high byte for 16-bit). */
  readonly shift: number;
  readonly wide: 0 | 1;
  readonly skipTransparent: 0 | 1;
  /** sample → linear Q16, 256 or 65536 entries: 16-bit samples keep their full precision in the sums. */
  readonly toLinear: Uint32Array;
}

export function histogramParams(image: HistogramImage, bits = HISTOGRAM_BITS): HistogramParams {
  if (!Number.isInteger(bits) || bits < 1 || bits > 6) throw new RangeError(`histogram bits must be 1..6, not ${bits}`);
  if (image.depth !== 8 && image.depth !== 16) throw new RangeError(`depth must be 8 or 16, not ${String(image.depth)}`);
  return {
    bits,
    shift: image.depth - bits,
    wide: image.depth === 16 ? 1 : 0,
    skipTransparent: image.hasAlpha ? 1 : 0,
    toLinear: srgbToLinearTable(image.depth),
  };
}

const TWO32 = 2 ** 32;

/**
 * CPU reference: the histogram as the GPU leaves it, BIN_WORDS u32 per bin. Sums are kept in float64, exact up to
 * 2^53 (2^37 pixels of full white), then split into the (low, carry) words.
 */
export function histogramCpu(image: HistogramImage, params: HistogramParams): Uint32Array {
  const { bits, shift, toLinear } = params;
  const binCount = 2 ** (3 * bits);
  const acc = new Float64Array(4 * binCount);
  const src = image.data;
  const pixels = image.width * image.height;
  const skip = params.skipTransparent === 1;
  for (let p = 0, o = 0; p < pixels; p++, o += 4) {
    if (skip && src[o + 3] === 0) continue;
    const r = src[o]!;
    const g = src[o + 1]!;
    const b = src[o + 2]!;
    const at = 4 * (((r >> shift) << (2 * bits)) | ((g >> shift) << bits) | (b >> shift));
    acc[at]! += 1;
    acc[at + 1]! += toLinear[r]!;
    acc[at + 2]! += toLinear[g]!;
    acc[at + 3]! += toLinear[b]!;
  }
  const out = new Uint32Array(BIN_WORDS * binCount);
  for (let i = 0; i < acc.length; i++) {
    const v = acc[i]!;
    if (v === 0) continue;
    out[2 * i] = v % TWO32;
    out[2 * i + 1] = Math.floor(v / TWO32);
  }
  return out;
}

/** The non-empty bins of a histogram, in bin-index order. */
export interface Bins {
  readonly bits: number;
  readonly size: number;
  /** Bin index: r << 2·bits | g << bits | b. */
  readonly index: Uint32Array;
  /** Pixels per bin. */
  readonly count: Float64Array;
  /** 3 per bin: the exact sums of linear Q16 R, G, B. */
  readonly sums: Float64Array;
  /** 4 per bin (the GPU's vec4<u32>): the mean linear colour, floor(sum / count); 4th lane 0. */
  readonly reps: Uint32Array;
}

/** floor(a / b) for integers below 2^53, corrected where the float quotient rounded up to an integer. */
export function floorDiv(a: number, b: number): number {
  const q = Math.floor(a / b);
  return q * b > a ? q - 1 : q;
}

export function histogramBins(hist: Uint32Array, bits: number): Bins {
  const binCount = hist.length / BIN_WORDS;
  const word = (i: number, k: number): number => hist[BIN_WORDS * i + 2 * k]! + hist[BIN_WORDS * i + 2 * k + 1]! * TWO32;
  let size = 0;
  for (let i = 0; i < binCount; i++) if (hist[BIN_WORDS * i] !== 0 || hist[BIN_WORDS * i + 1] !== 0) size++;
  const index = new Uint32Array(size);
  const count = new Float64Array(size);
  const sums = new Float64Array(3 * size);
  const reps = new Uint32Array(4 * size);
  let j = 0;
  for (let i = 0; i < binCount; i++) {
    const n = word(i, 0);
    if (n === 0) continue;
    index[j] = i;
    count[j] = n;
    for (let c = 0; c < 3; c++) {
      const s = word(i, c + 1);
      sums[3 * j + c] = s;
      reps[4 * j + c] = floorDiv(s, n);
    }
    j++;
  }
  return { bits, size, index, count, sums, reps };
}

/** Coordinates in `space` (3 per colour) of colours given 4 lanes apiece in linear Q16. */
export function spaceCoords(linear: Uint32Array, space: SpaceTransform = spaceTransform('oklab')): Int32Array {
  const n = linear.length >> 2;
  const out = new Int32Array(3 * n);
  for (let i = 0; i < n; i++) toSpace(space, linear[4 * i]!, linear[4 * i + 1]!, linear[4 * i + 2]!, out, 3 * i);
  return out;
}

/**
 * CPU reference of `assign`: for each bin (4 lanes, linear Q16) the index of the nearest centroid (4 lanes, linear
 * Q16) by squared integer distance in `space`; ties go to the lowest index.
 */
export function assignCpu(reps: Uint32Array, centroids: Uint32Array, space: SpaceTransform = spaceTransform('oklab')): Uint32Array {
  const k = centroids.length >> 2;
  if (k < 1 || k > MAX_CENTROIDS) throw new RangeError(`assign needs 1..${MAX_CENTROIDS} centroids, not ${k}`);
  const c = spaceCoords(centroids, space);
  const b = spaceCoords(reps, space);
  const n = reps.length >> 2;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const x = b[3 * i]!;
    const y = b[3 * i + 1]!;
    const z = b[3 * i + 2]!;
    let best = 0;
    let bestD = 0x7fffffff;
    for (let j = 0; j < k; j++) {
      // Partial sums only grow, so a partial sum ≥ bestD cannot win (ties keep the earlier index): same result as
      // the full sum, fewer operations.
      const dx = x - c[3 * j]!;
      let d = dx * dx;
      if (d >= bestD) continue;
      const dy = y - c[3 * j + 1]!;
      d += dy * dy;
      if (d >= bestD) continue;
      const dz = z - c[3 * j + 2]!;
      d += dz * dz;
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}
