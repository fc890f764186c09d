// Ordered dithering by palette mixing (after Yliluoma): every pixel takes one entry of a precomputed plan, a list
// of palette colours whose mean approximates the pixel's colour in linear light (or in encoded values with
// gammaSpace). Plans are built on the host in float64 for a grid of nodes over the sRGB-encoded cube; the kernel
// (shaders/orderedMix.wgsl) only looks integers up in host-built tables, and this file's CPU reference mirrors it.
//
// Between nodes the kernel does not round: a pixel's per-channel position between two nodes is a Q16 fraction,
// and the threshold t picks the upper node of a channel when t >= 1 - fraction. With one t shared by the three
// channels this is exactly stratified tetrahedral interpolation: corner k of the cell is taken for a span of t as
// wide as its tetrahedral weight, and the span is stretched back to [0, 1) to index that corner's plan. Fractions
// are measured in linear light, so the expected output equals the pixel's linear colour up to the plans' own
// error; rounding to the nearest node (interpolate: false) would add up to half a grid step (about 2.5% of
// linear full scale at mid grey for a 32-node grid) and band smooth gradients into 32 steps.
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
  /** Stratified interpolation between nodes (default); false rounds each channel to its nearest node. */
  readonly interpolate?: boolean;
}

/** The palette-dependent tables, shared by every map. */
export interface MixPlans {
  readonly grid: number;
  readonly planSize: number;
  readonly paletteSize: number;
  readonly gammaSpace: boolean;
  readonly interpolate: boolean;
  /** grid³ plans of planSize palette indices, node (r·grid + g)·grid + b, each sorted by luminance; padded to 4 bytes. */
  readonly plans: Uint8Array;
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
export function orderedMixParams(map: ThresholdMap, palette: Uint8Array, options: OrderedMixOptions = {}): OrderedMixParams {
  if (map.size[2] !== 1) throw new InputError(map.name, 'a 3D map cannot drive 2D mix dithering');
  const thresholds = new Uint32Array(map.values.length);
  // Exact: (2v+1)·2^16 / (2·scale) is a ratio of integers below 2^53 and never within 2^-33 of the next integer.
  map.values.forEach((v, i) => (thresholds[i] = Math.floor(((2 * v + 1) * MIX_ONE) / (2 * map.scale))));
  return { ...mixPlans(palette, options), mapWidth: map.size[0], mapHeight: map.size[1], thresholds };
}

const memo = new Map<string, MixPlans>();

/** Memoised buildMixPlans: a palette's plans cost up to about a second and every image reuses them. */
export function mixPlans(palette: Uint8Array, options: OrderedMixOptions = {}): MixPlans {
  const o = checkOptions(palette, options);
  const key = `${o.grid}/${o.planSize}/${o.gammaSpace}/${o.interpolate}/${palette.join(',')}`;
  let plans = memo.get(key);
  if (!plans) {
    plans = buildMixPlans(palette, options);
    if (memo.size >= 8) memo.delete(memo.keys().next().value!);
    memo.set(key, plans);
  }
  return plans;
}

function checkOptions(palette: Uint8Array, options: OrderedMixOptions): Required<OrderedMixOptions> {
  const n = palette.length / 3;
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InputError('palette', `needs 1 to 256 RGB triplets, got ${palette.length} bytes`);
  const grid = options.grid ?? DEFAULT_GRID;
  const planSize = options.planSize ?? DEFAULT_PLAN;
  if (!Number.isInteger(grid) || grid < 2 || grid > 64) throw new InputError('grid', `${grid} must be an integer from 2 to 64`);
  if (!Number.isInteger(planSize) || planSize < 1 || planSize > 256) {
    throw new InputError('planSize', `${planSize} must be an integer from 1 to 256`);
  }
  if (grid ** 3 * planSize > MAX_LUT) throw new InputError('planSize', `grid³ × planSize must not exceed ${MAX_LUT}`);
  return { grid, planSize, gammaSpace: options.gammaSpace ?? false, interpolate: options.interpolate ?? true };
}

// OkLab (Ottosson 2020): linear sRGB → LMS, and cube-rooted LMS → Lab.
const M1 = [0.4122214708, 0.5363325363, 0.0514459929, 0.2119034982, 0.6806995451, 0.1073969566, 0.0883024619, 0.2817188376, 0.6299787005];
const M2 = [0.2104542553, 0.793617785, -0.0040720468, 1.9779984951, -2.428592205, 0.4505937099, 0.0259040371, 0.7827717662, -0.808675766];
const decodeSlope = (v: number): number => (v <= 0.04045 ? 1 / 12.92 : (2.4 / 1.055) * ((v + 0.055) / 1.055) ** 1.4);

/**
 * The plans, built greedily as in Yliluoma's algorithm: planSize times, add the palette colour that brings the
 * running mean (in the working space: linear light, or encoded values with gammaSpace) closest to the node. The
 * error is OkLab distance linearised at the node, |J·(mean − node)| with J the Jacobian of OkLab there: exact for
 * small errors, which is where a plan converges, and cheap enough to try every palette colour at every step.
 * Ties go to the lowest palette index; each plan is then sorted by linear luminance (ties by index).
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
  const plans = new Uint8Array((G ** 3 * P + 3) & ~3);
  const jp = new Float64Array(3 * M);
  const q = new Float64Array(M);
  const count = new Int32Array(M);
  const J = new Float64Array(9);
  const A = new Float64Array(9);
  for (let node = 0; node < G ** 3; node++) {
    const ri = Math.floor(node / (G * G));
    const gi = Math.floor(node / G) % G;
    const bi = node % G;
    const rgb = [lin[ri]!, lin[gi]!, lin[bi]!];
    // J = M2 · diag(d/dx cbrt at the node's LMS) · M1 (· diag(decode slope) with gammaSpace). Black has LMS 0,
    // where cbrt's slope is infinite: a floor keeps J finite and only scales it.
    for (let r = 0; r < 3; r++) {
      const lms = Math.max(1e-9, M1[3 * r]! * rgb[0]! + M1[3 * r + 1]! * rgb[1]! + M1[3 * r + 2]! * rgb[2]!);
      const d = 1 / (3 * Math.cbrt(lms * lms));
      for (let c = 0; c < 3; c++) A[3 * r + c] = d * M1[3 * r + c]! * (gammaSpace ? slope[[ri, gi, bi][c]!]! : 1);
    }
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) J[3 * r + c] = M2[3 * r]! * A[c]! + M2[3 * r + 1]! * A[3 + c]! + M2[3 * r + 2]! * A[6 + c]!;
    }
    const t = gammaSpace ? [enc[ri]!, enc[gi]!, enc[bi]!] : rgb;
    const tx = J[0]! * t[0]! + J[1]! * t[1]! + J[2]! * t[2]!;
    const ty = J[3]! * t[0]! + J[4]! * t[1]! + J[5]! * t[2]!;
    const tz = J[6]! * t[0]! + J[7]! * t[1]! + J[8]! * t[2]!;
    for (let k = 0; k < M; k++) {
      const x = work[3 * k]!, y = work[3 * k + 1]!, z = work[3 * k + 2]!;
      const a = J[0]! * x + J[1]! * y + J[2]! * z;
      const b = J[3]! * x + J[4]! * y + J[5]! * z;
      const c = J[6]! * x + J[7]! * y + J[8]! * z;
      jp[3 * k] = a, jp[3 * k + 1] = b, jp[3 * k + 2] = c;
      q[k] = a * a + b * b + c * c;
    }
    // u = J·(sum so far) − (steps + 1)·J·node: adding candidate k leaves error |u + J·k|², i.e. 2u·Jk + |Jk|² + const.
    let ux = -tx, uy = -ty, uz = -tz;
    for (let s = 0; s < P; s++) {
      let best = 0;
      let bestScore = Infinity;
      for (let k = 0; k < M; k++) {
        const score = 2 * (ux * jp[3 * k]! + uy * jp[3 * k + 1]! + uz * jp[3 * k + 2]!) + q[k]!;
        if (score < bestScore) bestScore = score, best = k;
      }
      ux += jp[3 * best]! - tx;
      uy += jp[3 * best + 1]! - ty;
      uz += jp[3 * best + 2]! - tz;
      count[best]!++;
    }
    let at = node * P;
    for (const k of byLuma) {
      for (; count[k]! > 0; count[k]!--) plans[at++] = cand[k]!;
    }
  }
  const nodes = (bits: 8 | 16) => nodeTable(bits, G, gammaSpace, interpolate);
  return { grid: G, planSize: P, paletteSize: n, gammaSpace, interpolate, plans, nodes8: nodes(8), nodes16: nodes(16) };
}

const nodeMemo = new Map<string, Uint32Array>();

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

/**
 * The palette index for input codes (r, g, b) at Q16 threshold t. Mirrors mixIndex in shaders/orderedMix.wgsl:
 * channel c steps up to its next node when t >= ONE − fraction; the span [lo, hi) of t that selects this corner
 * is stretched onto the plan.
 */
function mixIndex(p: OrderedMixParams, nodes: Uint32Array, r: number, g: number, b: number, t: number): number {
  let lo = 0;
  let hi = MIX_ONE;
  let node = 0;
  for (let c = 0; c < 3; c++) {
    const e = nodes[c === 0 ? r : c === 1 ? g : b]!;
    const cut = MIX_ONE - (e >>> 8);
    const up = t >= cut;
    if (up) lo = Math.max(lo, cut);
    else hi = Math.min(hi, cut);
    node = node * p.grid + (e & 0xff) + (up ? 1 : 0);
  }
  // (t − lo)·planSize < 2^16·2^8: exact, and floor of a float quotient of such integers is the integer quotient.
  const k = node * p.planSize + Math.floor(((t - lo) * p.planSize) / (hi - lo));
  return p.plans[k]!;
}

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
