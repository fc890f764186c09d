// Xiaolin Wu's colour quantizer (Graphics Gems II, 1991) as the seed of the auto palette's k-means. Boxes live on
// the histogram's sRGB bin grid; the variance they minimise is measured in OkLab (the k-means metric), and a box's
// colour is the linear-light mean of its pixels (the k-means update). Deterministic tie rules:
// - the box split next is the one of largest variance among boxes holding at least two non-empty bins, lowest
//   index on ties (so a box is always splittable and no box comes out empty);
// - the cut is the one of largest score over axes R, G, B and positions ascending, the first found on ties;
// - the lower half keeps the box's index, the upper half is appended.
// Moments are integer-valued float64 sums, exact below 2^53 (images up to 2^28 pixels); beyond that they are still
// deterministic, this being host code that both backends share.
import type { Bins } from '../kernels/autoPalette.js';

// Moment planes: pixel count, non-empty bins, OkLab sums (3), sum of squared OkLab norms, linear sums (3).
const W = 0;
const NONEMPTY = 1;
const L = 2;
const M2 = 5;
const LIN = 6;
const PLANES = 9;

interface Box {
  r0: number; r1: number; g0: number; g1: number; b0: number; b1: number; // lower bounds exclusive
}

/**
 * Up to `k` seed colours (4 lanes apiece, linear Q16) for the bins `use` of `bins` (indices into it), whose OkLab
 * coordinates are `lab` (3 per bin). Fewer than `k` only when fewer than `k` bins are used.
 */
export function wuSeeds(bins: Bins, lab: Int32Array, use: readonly number[], k: number): Uint32Array {
  if (use.length === 0 || k < 1) return new Uint32Array(0);
  const side = 2 ** bins.bits + 1;
  const cell = (r: number, g: number, b: number): number => (r * side + g) * side + b;
  const m: Float64Array[] = Array.from({ length: PLANES }, () => new Float64Array(side ** 3));
  const mask = 2 ** bins.bits - 1;
  for (const i of use) {
    const ix = bins.index[i]!;
    const at = cell(((ix >> (2 * bins.bits)) & mask) + 1, ((ix >> bins.bits) & mask) + 1, (ix & mask) + 1);
    const w = bins.count[i]!;
    const l = lab[3 * i]!;
    const a = lab[3 * i + 1]!;
    const bb = lab[3 * i + 2]!;
    m[W]![at] = w;
    m[NONEMPTY]![at] = 1;
    m[L]![at] = w * l;
    m[L + 1]![at] = w * a;
    m[L + 2]![at] = w * bb;
    m[M2]![at] = w * (l * l + a * a + bb * bb);
    for (let c = 0; c < 3; c++) m[LIN + c]![at] = bins.sums[3 * i + c]!;
  }
  // Cumulative sums along each axis in turn: m[r,g,b] becomes the sum over the box (0,r]×(0,g]×(0,b].
  for (const plane of m) {
    for (let r = 1; r < side; r++) for (let g = 1; g < side; g++) for (let b = 1; b < side; b++) plane[cell(r, g, b)]! += plane[cell(r, g, b - 1)]!;
    for (let r = 1; r < side; r++) for (let g = 1; g < side; g++) for (let b = 1; b < side; b++) plane[cell(r, g, b)]! += plane[cell(r, g - 1, b)]!;
    for (let r = 1; r < side; r++) for (let g = 1; g < side; g++) for (let b = 1; b < side; b++) plane[cell(r, g, b)]! += plane[cell(r - 1, g, b)]!;
  }
  const vol = (x: Box, p: number): number => {
    const t = m[p]!;
    return (
      t[cell(x.r1, x.g1, x.b1)]! - t[cell(x.r1, x.g1, x.b0)]! - t[cell(x.r1, x.g0, x.b1)]! + t[cell(x.r1, x.g0, x.b0)]! -
      t[cell(x.r0, x.g1, x.b1)]! + t[cell(x.r0, x.g1, x.b0)]! + t[cell(x.r0, x.g0, x.b1)]! - t[cell(x.r0, x.g0, x.b0)]!
    );
  };
  const variance = (x: Box): number => {
    if (vol(x, NONEMPTY) < 2) return -1; // unsplittable
    const l = vol(x, L);
    const a = vol(x, L + 1);
    const b = vol(x, L + 2);
    return vol(x, M2) - (l * l + a * a + b * b) / vol(x, W);
  };
  const boxes: Box[] = [{ r0: 0, r1: side - 1, g0: 0, g1: side - 1, b0: 0, b1: side - 1 }];
  const vv: number[] = [variance(boxes[0]!)];
  while (boxes.length < k) {
    let next = -1;
    for (let i = 0; i < boxes.length; i++) if (vv[i]! >= 0 && (next < 0 || vv[i]! > vv[next]!)) next = i;
    if (next < 0) break;
    const [lo, hi] = cut(boxes[next]!, vol);
    boxes[next] = lo;
    vv[next] = variance(lo);
    boxes.push(hi);
    vv.push(variance(hi));
  }
  const seeds = new Uint32Array(4 * boxes.length);
  boxes.forEach((x, i) => {
    const w = vol(x, W);
    for (let c = 0; c < 3; c++) seeds[4 * i + c] = Math.round(vol(x, LIN + c) / w);
  });
  return seeds;
}

const AXES = [
  ['r0', 'r1'],
  ['g0', 'g1'],
  ['b0', 'b1'],
] as const;

/** The best cut of a box holding at least two non-empty bins: maximises Σ|sum|²/weight over the two halves. */
function cut(x: Box, vol: (x: Box, p: number) => number): [Box, Box] {
  const whole = [W, L, L + 1, L + 2].map((p) => vol(x, p));
  let best = -1;
  let bestAxis = 0;
  let bestPos = 0;
  AXES.forEach(([lo, hi], axis) => {
    for (let pos = x[lo] + 1; pos < x[hi]; pos++) {
      const half: Box = { ...x, [hi]: pos };
      const w = vol(half, W);
      const rw = whole[0]! - w;
      if (w === 0 || rw === 0) continue;
      const l = vol(half, L);
      const a = vol(half, L + 1);
      const b = vol(half, L + 2);
      const rl = whole[1]! - l;
      const ra = whole[2]! - a;
      const rb = whole[3]! - b;
      const score = (l * l + a * a + b * b) / w + (rl * rl + ra * ra + rb * rb) / rw;
      if (score > best) {
        best = score;
        bestAxis = axis;
        bestPos = pos;
      }
    }
  });
  const [lo, hi] = AXES[bestAxis]!;
  return [
    { ...x, [hi]: bestPos },
    { ...x, [lo]: bestPos },
  ];
}
