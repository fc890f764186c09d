// Ordered dithering by palette mixing (after Yliluoma): every pixel takes one entry of a precomputed plan, a list
// of palette colours whose mean approximates the pixel's colour in linear light (or in encoded values with
// gammaSpace). Plans are built on the host in float64 for a grid of nodes over the sRGB-encoded cube; the kernel
// (shaders/orderedMix.wgsl) only looks integers up in host-built tables, and this file's CPU reference mirrors it.
//
// Between nodes the kernel does not round. A pixel's position between its two nodes per channel is a Q16
// fraction; tetrahedral interpolation turns the three fractions into 4 corner nodes with weights summing to 1, and
// the pixel takes the palette colour at quantile t of the weighted mixture of those corners' plans, walking them
// in luminance order. With t uniform this samples the mixture exactly, so the expected output is the weighted
// mean of the plans; fractions are measured in linear light, so that is the pixel's linear colour up to the plans'
// own error. And the colour picked never gets darker as t grows, so the threshold map's structure survives (a
// grey between black and white becomes the classic ordered pattern). Rounding to the nearest node instead
// (interpolate: false: one corner of weight 1, entry floor(t·planSize) of its plan) adds up to half a grid step,
// about 2.5% of linear full scale at mid grey with 32 nodes, and bands smooth gradients into 32 steps.
import { srgbDecode } from '../color/transfer.js';
import { InputError } from '../errors.js';
import type { ThresholdMap } from '../maps/thresholdMap.js';

/** RGBA pixels, R first; 8-bit (Uint8Array) or 16-bit (Uint16Array) samples. Alpha is ignored. */
export interface MixImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray | Uint16Array;
}

export interface OrderedMixOptions {
  /** Average encoded values instead of linear light. */
  readonly gammaSpace?: boolean;
  /** Nodes per channel, 2..64 (default 32). */
  readonly grid?: number;
  /** Palette entries per plan, 1..256 (default 64). */
  readonly planSize?: number;
  /** Mix the 4 nodes around a pixel by tetrahedral weights (default); false rounds each channel to its nearest node. */
  readonly interpolate?: boolean;
}

/** The palette-dependent tables, shared by every map. */
export interface MixPlans {
  readonly grid: number;
  readonly planSize: number;
  readonly paletteSize: number;
  readonly gammaSpace: boolean;
  readonly interpolate: boolean;
  /** grid³ plans of planSize palette indices, node (r·grid + g)·grid + b, each sorted by luminance. */
  readonly plans: Uint8Array;
  /**
   * The plans as the kernel reads them, two 16-bit entries per word (entry 0 low): the entry's luminance rank
   * (low byte) and how many entries after it have the same rank (high byte), so the walk skips whole runs.
   */
  readonly runs: Uint32Array;
  /** Luminance rank → palette index. */
  readonly rankToIndex: Uint32Array;
  /** Input code → lower node (low 8 bits) | Q16 fraction towards the next node (<< 8), for 8- and 16-bit codes. */
  readonly nodes8: Uint32Array;
  readonly nodes16: Uint32Array;
}

export interface OrderedMixParams extends MixPlans {
  readonly mapWidth: number;
  readonly mapHeight: number;
  /** Per map cell, floor(t · 2^16) with t = (value + 0.5) / scale. */
  readonly thresholds: Uint32Array;
}

export const MIX_ONE = 65536;
const DEFAULT_GRID = 32;
const DEFAULT_PLAN = 64;
const MAX_LUT = 1 << 24;

/** Builds (or reuses) the plans for `palette` and the threshold table for `map`. */
export function orderedMixParams(
  map: ThresholdMap,
  palette: Uint8Array,
  options: OrderedMixOptions = {},
): OrderedMixParams {
  if (map.size[2] !== 1) throw new InputError(map.name, 'a 3D map cannot drive 2D mix dithering');
  const thresholds = new Uint32Array(map.values.length);
  // Exact: (2v+1)·2^16 / (2·scale) is a ratio of integers below 2^53 and never within 2^-33 of the next integer.
  map.values.forEach((v, i) => (thresholds[i] = Math.floor(((2 * v + 1) * MIX_ONE) / (2 * map.scale))));
  return { ...mixPlans(palette, options), mapWidth: map.size[0], mapHeight: map.size[1], thresholds };
}

const memo = new Map<string, MixPlans>();

/**
 * Memoised buildMixPlans (the last 8 palettes and options): plans cost up to about a second and every image
 * reuses them. Only the node tables depend on `interpolate`, so both settings share one build.
 */
export function mixPlans(palette: Uint8Array, options: OrderedMixOptions = {}): MixPlans {
  const o = checkOptions(palette, options);
  const key = `${o.grid}/${o.planSize}/${o.gammaSpace}/${palette.join(',')}`;
  let plans = memo.get(key);
  if (!plans) {
    plans = buildMixPlans(palette, { ...o, interpolate: true });
    if (memo.size >= 8) memo.delete(memo.keys().next().value!);
    memo.set(key, plans);
  }
  return o.interpolate ? plans : { ...plans, ...nodeTables(o.grid, o.gammaSpace, false) };
}

function checkOptions(palette: Uint8Array, options: OrderedMixOptions): Required<OrderedMixOptions> {
  const n = palette.length / 3;
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new InputError('palette', `needs 1 to 256 RGB triplets, got ${palette.length} bytes`);
  }
  const grid = options.grid ?? DEFAULT_GRID;
  const planSize = options.planSize ?? DEFAULT_PLAN;
  if (!Number.isInteger(grid) || grid < 2 || grid > 64) {
    throw new InputError('grid', `${grid} must be an integer from 2 to 64`);
  }
  if (!Number.isInteger(planSize) || planSize < 1 || planSize > 256) {
    throw new InputError('planSize', `${planSize} must be an integer from 1 to 256`);
  }
  if (grid ** 3 * planSize > MAX_LUT) throw new InputError('planSize', `grid³ × planSize must not exceed ${MAX_LUT}`);
  return { grid, planSize, gammaSpace: options.gammaSpace ?? false, interpolate: options.interpolate ?? true };
}

// OkLab (Ottosson 2020): linear sRGB → LMS, and cube-rooted LMS → Lab.
const M1 = [
  0.4122214708, 0.5363325363, 0.0514459929, 0.2119034982, 0.6806995451, 0.1073969566, 0.0883024619, 0.2817188376,
  0.6299787005,
];
const M2 = [
  0.2104542553, 0.793617785, -0.0040720468, 1.9779984951, -2.428592205, 0.4505937099, 0.0259040371, 0.7827717662,
  -0.808675766,
];
const decodeSlope = (v: number): number => (v <= 0.04045 ? 1 / 12.92 : (2.4 / 1.055) * ((v + 0.055) / 1.055) ** 1.4);

/**
 * The plans, built greedily as in Yliluoma's algorithm: planSize times, add the palette colour that brings the
 * running mean (in the working space: linear light, or encoded values with gammaSpace) closest to the node. The
 * error is OkLab distance linearised at the node, |J·(mean − node)| with J the Jacobian of OkLab there: exact for
 * small errors, which is where a plan converges, and a plain quadratic form, so every step is an exact
 * nearest-neighbour query (see Sweep) over all palette colours. Ties go to the lowest palette index; each plan is
 * then sorted by linear luminance (ties by index), so low thresholds take its dark entries.
 */
export function buildMixPlans(palette: Uint8Array, options: OrderedMixOptions = {}): MixPlans {
  const { grid: G, planSize: P, gammaSpace, interpolate } = checkOptions(palette, options);
  const n = palette.length / 3;
  // Candidates: the first of each distinct colour (a later duplicate could only tie, and ties go to the lowest).
  const seen = new Set<number>();
  const cand: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = (palette[3 * i]! << 16) | (palette[3 * i + 1]! << 8) | palette[3 * i + 2]!;
    if (!seen.has(key)) seen.add(key), cand.push(i);
  }
  const M = cand.length;
  const work = new Float64Array(3 * M); // candidates in the working space
  const luma = new Float64Array(M);
  for (let k = 0; k < M; k++) {
    for (let c = 0; c < 3; c++) {
      const e = palette[3 * cand[k]! + c]! / 255;
      work[3 * k + c] = gammaSpace ? e : srgbDecode(e);
      luma[k] = luma[k]! + [0.2126, 0.7152, 0.0722][c]! * srgbDecode(e);
    }
  }
  const byLuma = [...cand.keys()].sort((a, b) => luma[a]! - luma[b]! || a - b);
  const enc = Array.from({ length: G }, (_, i) => i / (G - 1));
  const lin = enc.map(srgbDecode);
  const slope = enc.map(decodeSlope);
  const plans = new Uint8Array(G ** 3 * P);
  const runs = new Uint32Array(Math.ceil((G ** 3 * P) / 2));
  const jk = new Float64Array(3 * M); // J·candidate
  const count = new Int32Array(M);
  const J = new Float64Array(9);
  const A = new Float64Array(9);
  const sweep = new Sweep(M);
  for (let node = 0; node < G ** 3; node++) {
    const ri = Math.floor(node / (G * G));
    const gi = Math.floor(node / G) % G;
    const bi = node % G;
    const rgb = [lin[ri]!, lin[gi]!, lin[bi]!];
    const scale = gammaSpace ? [slope[ri]!, slope[gi]!, slope[bi]!] : [1, 1, 1];
    // J = M2 · diag(d/dx cbrt at the node's LMS) · M1 (· diag(decode slope) with gammaSpace). Black has LMS 0,
    // where cbrt's slope is infinite: a floor keeps J finite and only scales it.
    for (let r = 0; r < 3; r++) {
      const lms = Math.max(1e-9, M1[3 * r]! * rgb[0]! + M1[3 * r + 1]! * rgb[1]! + M1[3 * r + 2]! * rgb[2]!);
      const d = 1 / (3 * Math.cbrt(lms * lms));
      for (let c = 0; c < 3; c++) A[3 * r + c] = d * M1[3 * r + c]! * scale[c]!;
    }
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) {
        J[3 * r + c] = M2[3 * r]! * A[c]! + M2[3 * r + 1]! * A[3 + c]! + M2[3 * r + 2]! * A[6 + c]!;
      }
    }
    const t = gammaSpace ? [enc[ri]!, enc[gi]!, enc[bi]!] : rgb;
    const tx = J[0]! * t[0]! + J[1]! * t[1]! + J[2]! * t[2]!;
    const ty = J[3]! * t[0]! + J[4]! * t[1]! + J[5]! * t[2]!;
    const tz = J[6]! * t[0]! + J[7]! * t[1]! + J[8]! * t[2]!;
    for (let k = 0; k < 3 * M; k += 3) {
      const x = work[k]!, y = work[k + 1]!, z = work[k + 2]!;
      jk[k] = J[0]! * x + J[1]! * y + J[2]! * z;
      jk[k + 1] = J[3]! * x + J[4]! * y + J[5]! * z;
      jk[k + 2] = J[6]! * x + J[7]! * y + J[8]! * z;
    }
    sweep.load(jk);
    // After s steps with sum S, adding k leaves error |J·(S + k) − (s+1)·J·node| = |Jk − w| with
    // w = (s+1)·J·node − J·S: each step is a nearest-neighbour query for w among the points Jk.
    let wx = tx, wy = ty, wz = tz;
    for (let s = 0; s < P; s++) {
      const best = sweep.nearest(wx, wy, wz);
      wx += tx - jk[3 * best]!;
      wy += ty - jk[3 * best + 1]!;
      wz += tz - jk[3 * best + 2]!;
      count[best]!++;
    }
    let at = node * P;
    for (let rank = 0; rank < M; rank++) {
      const k = byLuma[rank]!;
      for (; count[k]! > 0; count[k]!--, at++) {
        plans[at] = cand[k]!;
        runs[at >> 1]! |= (rank | ((count[k]! - 1) << 8)) << (16 * (at & 1));
      }
    }
  }
  const rankToIndex = Uint32Array.from(byLuma, (k) => cand[k]!);
  return { grid: G, planSize: P, paletteSize: n, plans, runs, rankToIndex, ...nodeTables(G, gammaSpace, interpolate) };
}

/**
 * Exact nearest neighbour among M points, ties to the lowest index, by a sweep along x: points sorted by x are
 * visited outwards from the query's x until the x gap alone exceeds the best squared distance. Rounding is
 * monotone, so fl(dx²) <= fl(dx² + dy² + dz²) and the cut never drops a point that could win or tie: the result
 * is that of trying every point, with about 4x fewer distance evaluations for 256 random colours. Consecutive
 * nodes are mostly neighbours and J varies slowly, so the previous order is nearly sorted and insertion sort
 * restores it in about linear time.
 */
class Sweep {
  private readonly order: Int32Array;
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private readonly zs: Float64Array;

  constructor(private readonly m: number) {
    this.order = Int32Array.from({ length: m }, (_, i) => i);
    this.xs = new Float64Array(m);
    this.ys = new Float64Array(m);
    this.zs = new Float64Array(m);
  }

  /** Takes the points (x, y, z triplets) for a new series of queries. */
  load(p: Float64Array): void {
    const { order, m } = this;
    for (let i = 1; i < m; i++) {
      const k = order[i]!;
      const x = p[3 * k]!;
      let j = i - 1;
      for (; j >= 0 && p[3 * order[j]!]! > x; j--) order[j + 1] = order[j]!;
      order[j + 1] = k;
    }
    for (let i = 0; i < m; i++) {
      const k = order[i]!;
      this.xs[i] = p[3 * k]!;
      this.ys[i] = p[3 * k + 1]!;
      this.zs[i] = p[3 * k + 2]!;
    }
  }

  nearest(x: number, y: number, z: number): number {
    const { xs, ys, zs, order, m } = this;
    let lo = 0;
    for (let hi = m; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      if (xs[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    // Right of the query first (the nearest x is there or just left), then left; each stops at the cut.
    let best = 0;
    let bestD = Infinity;
    for (let i = lo; i < m; i++) {
      const dx = xs[i]! - x;
      const d0 = dx * dx;
      if (d0 > bestD) break;
      const dy = y - ys[i]!;
      const dz = z - zs[i]!;
      const d = d0 + dy * dy + dz * dz;
      if (d < bestD || (d === bestD && order[i]! < order[best]!)) (bestD = d), (best = i);
    }
    for (let i = lo - 1; i >= 0; i--) {
      const dx = x - xs[i]!;
      const d0 = dx * dx;
      if (d0 > bestD) break;
      const dy = y - ys[i]!;
      const dz = z - zs[i]!;
      const d = d0 + dy * dy + dz * dz;
      if (d < bestD || (d === bestD && order[i]! < order[best]!)) (bestD = d), (best = i);
    }
    return order[best]!;
  }
}

const nodeMemo = new Map<string, Uint32Array>();

function nodeTables(G: number, gammaSpace: boolean, interpolate: boolean) {
  const nodes8 = nodeTable(8, G, gammaSpace, interpolate);
  return { gammaSpace, interpolate, nodes8, nodes16: nodeTable(16, G, gammaSpace, interpolate) };
}

/**
 * Code → lower node | Q16 fraction << 8. Nodes are evenly spaced in encoded values; the fraction is measured in
 * the working space (linear light, or encoded with gammaSpace), so that interpolation reproduces the pixel's
 * value there exactly. The top code maps to node grid−2 with fraction 1, so the upper node always exists.
 */
function nodeTable(bits: 8 | 16, G: number, gammaSpace: boolean, interpolate: boolean): Uint32Array {
  const key = `${bits}/${G}/${gammaSpace}/${interpolate}`;
  let table = nodeMemo.get(key);
  if (table) return table;
  const max = 2 ** bits - 1;
  table = new Uint32Array(max + 1);
  for (let code = 0; code <= max; code++) {
    const pos = code * (G - 1); // node position × max, an exact integer
    const i = Math.min(Math.floor(pos / max), G - 2);
    const rest = pos - i * max; // 0..max: the encoded fraction × max
    let f: number;
    if (!interpolate) f = 2 * rest >= max ? 1 : 0; // nearest node in encoded values, halves go up
    else if (gammaSpace) f = rest / max;
    else {
      const lo = srgbDecode(i / (G - 1));
      f = (srgbDecode(code / max) - lo) / (srgbDecode((i + 1) / (G - 1)) - lo);
    }
    table[code] = i | (Math.min(MIX_ONE, Math.max(0, Math.round(f * MIX_ONE))) << 8);
  }
  nodeMemo.set(key, table);
  return table;
}

const corner = { start: [0, 0, 0, 0], end: [0, 0, 0, 0], weight: [0, 0, 0, 0] };

/**
 * The palette index for input codes (r, g, b) at Q16 threshold t. Mirrors mixIndex in shaders/orderedMix.wgsl.
 * Corners: sort the fractions, f0 >= f1 >= f2 (ties by channel); corner k steps up the channels of the k largest
 * and weighs f(k−1) − f(k), with f(−1) = 1 and f(3) = 0. Walk: take the lowest rank at the head of any plan,
 * add weight × run length of every plan whose head has it, and stop once the mass passes t·planSize.
 */
function mixIndex(p: OrderedMixParams, nodes: Uint32Array, r: number, g: number, b: number, t: number): number {
  const P = p.planSize;
  const e0 = nodes[r]!, e1 = nodes[g]!, e2 = nodes[b]!;
  const f0 = e0 >>> 8, f1 = e1 >>> 8, f2 = e2 >>> 8;
  // Position of each channel in descending order of fraction, ties to the lower channel.
  const a01 = f0 >= f1 ? 1 : 0, a02 = f0 >= f2 ? 1 : 0, a12 = f1 >= f2 ? 1 : 0;
  const k0 = 2 - a01 - a02, k1 = a01 + 1 - a12, k2 = a02 + a12;
  const hi = Math.max(f0, f1, f2);
  const lo = Math.min(f0, f1, f2);
  const sorted = [MIX_ONE, hi, f0 + f1 + f2 - hi - lo, lo, 0];
  const G = p.grid;
  for (let k = 0; k < 4; k++) {
    const nr = (e0 & 0xff) + (k0 < k ? 1 : 0);
    const ng = (e1 & 0xff) + (k1 < k ? 1 : 0);
    const node = (nr * G + ng) * G + (e2 & 0xff) + (k2 < k ? 1 : 0);
    const w = sorted[k]! - sorted[k + 1]!;
    corner.weight[k] = w;
    corner.start[k] = node * P;
    corner.end[k] = w > 0 ? node * P + P : node * P; // a corner of weight 0 is skipped
  }
  const goal = t * P; // < 2^24, and so is the mass: weights sum to 2^16, runs to P <= 256
  let mass = 0;
  for (;;) {
    let rank = 256;
    for (let k = 0; k < 4; k++) {
      if (corner.start[k]! < corner.end[k]!) rank = Math.min(rank, entry(p.runs, corner.start[k]!) & 0xff);
    }
    for (let k = 0; k < 4; k++) {
      const at = corner.start[k]!;
      if (at >= corner.end[k]!) continue;
      const e = entry(p.runs, at);
      if ((e & 0xff) !== rank) continue;
      mass += corner.weight[k]! * ((e >> 8) + 1);
      corner.start[k] = at + (e >> 8) + 1;
    }
    if (mass > goal) return p.rankToIndex[rank]!; // the total mass 2^16·P exceeds any goal, so this is reached
  }
}

const entry = (runs: Uint32Array, at: number): number => (runs[at >> 1]! >>> (16 * (at & 1))) & 0xffff;

/** CPU reference: one palette index per pixel, row-major; thresholds tile over absolute coordinates. */
export function orderedMixCpu(image: MixImage, params: OrderedMixParams): Uint8Array {
  const { width, height, data } = image;
  const nodes = data instanceof Uint16Array ? params.nodes16 : params.nodes8;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = (y % params.mapHeight) * params.mapWidth;
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const t = params.thresholds[row + (x % params.mapWidth)]!;
      out[p] = mixIndex(params, nodes, data[4 * p]!, data[4 * p + 1]!, data[4 * p + 2]!, t);
    }
  }
  return out;
}
