// Ordered dithering to a palette, by the pair rule or the threshold-offset rule (see shaders/orderedPalette.wgsl):
// the kernel's tables, built once on the host for both backends, and the CPU reference that mirrors the WGSL
// operation for operation.
import { identityTable, srgbToLinearTable, LINEAR_ONE } from '../color/transfer.js';
import { spaceTransform, toSpace, type DistanceSpace, type SpaceTransform } from '../color/space.js';
import type { ThresholdMap } from '../maps/thresholdMap.js';
import { outputArray } from '../host/outputArray.js';
import { AXIS_WORDS, buildNearestGrid, type NearestGrid } from './nearestGrid.js';

/** An RGBA image, R first: 8-bit samples in a Uint8Array, 16-bit ones in a Uint16Array. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray | Uint16Array;
}

/** What happens to alpha: ignored (every pixel opaque), cut at 50%, or dithered with the same threshold map. */
export type AlphaDecision = 'ignore' | 'threshold' | 'dither';

/**
 * pair: perceptually nearest colour A and the next colour B beyond the pixel, chosen between in linear light
 * (mean-preserving); offset: the classic threshold-offset method.
 */
export type PaletteRule = 'pair' | 'offset';

export interface OrderedPaletteOptions {
  /** Default pair. */
  readonly rule?: PaletteRule;
  /** Distance space for the nearest colour. Default oklab. */
  readonly distance?: DistanceSpace;
  /** Dither and measure on sRGB-encoded values instead of linear light (what most tools do). */
  readonly gammaSpace?: boolean;
  /** Offset rule: amplitude as a fraction of full scale. Default: from the palette's spacing (1 for black and white). */
  readonly spread?: number;
  readonly alpha?: AlphaDecision;
}

/** Everything the kernel reads besides the pixels: integer tables, identical for both backends. */
export interface OrderedPaletteParams {
  readonly mapWidth: number;
  readonly mapHeight: number;
  /** Per map cell: [pair: threshold Q16 | offset: offset added to linear light (Q16), alpha cut (transparent iff alpha16 < cut)]. */
  readonly cells: Int32Array;
  readonly pair: boolean;
  readonly gammaSpace: boolean;
  readonly space: SpaceTransform;
  /** Palette in space coordinates, then in linear Q16, 4 lanes per colour (the GPU's vec4<i32>). */
  readonly palette: Int32Array;
  readonly paletteSize: number;
  /** The index written for transparent pixels: the palette size. */
  readonly transparent: number;
  readonly grid: NearestGrid;
  readonly spread: number;
}

/** The input decoding table for a sample depth: sRGB → linear Q16, or the identity in gamma space. */
export function inputTable(wide: boolean, gammaSpace: boolean): Uint32Array {
  const bits = wide ? 16 : 8;
  return gammaSpace ? identityTable(bits) : srgbToLinearTable(bits);
}

/**
 * The default offset amplitude: the median distance from each palette colour to its nearest neighbour, per
 * channel at most (Chebyshev), in the dithering domain. Black and white gives 1, a 6-level cube about 0.2.
 */
export function defaultSpread(domain: Uint32Array, size: number): number {
  if (size < 2) return 0;
  const nn: number[] = [];
  for (let i = 0; i < size; i++) {
    let best = Infinity;
    for (let j = 0; j < size; j++) {
      if (i === j) continue;
      let d = 0;
      for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(domain[3 * i + c]! - domain[3 * j + c]!));
      if (d > 0 && d < best) best = d;
    }
    if (best < Infinity) nn.push(best / LINEAR_ONE);
  }
  nn.sort((a, b) => a - b);
  return nn.length ? nn[Math.floor((nn.length - 1) / 2)]! : 0;
}

export function orderedPaletteParams(map: ThresholdMap, paletteRgb: Uint8Array, options: OrderedPaletteOptions = {}): OrderedPaletteParams {
  if (map.size[2] !== 1) throw new RangeError(`${map.name} is a 3D map; 2D dithering needs a 2D one`);
  const gammaSpace = options.gammaSpace ?? false;
  const space = spaceTransform(gammaSpace ? 'linear' : (options.distance ?? 'oklab'));
  const size = paletteRgb.length / 3;
  const table = inputTable(false, gammaSpace);
  const domain = Uint32Array.from(paletteRgb, (v) => table[v]!);
  const spread = options.spread ?? defaultSpread(domain, size);
  const alpha = options.alpha ?? 'ignore';
  const pair = (options.rule ?? 'pair') === 'pair';
  const cells = new Int32Array(2 * map.values.length);
  map.values.forEach((v, i) => {
    const t = (v + 0.5) / map.scale;
    cells[2 * i] = pair ? Math.min(65535, Math.floor(t * 65536)) : Math.round((t - 0.5) * spread * LINEAR_ONE);
    cells[2 * i + 1] = alpha === 'ignore' ? 0 : alpha === 'threshold' ? 32768 : Math.min(65535, Math.max(1, Math.round(t * 65536)));
  });
  const coords = new Int32Array(3 * size);
  for (let i = 0; i < size; i++) toSpace(space, domain[3 * i]!, domain[3 * i + 1]!, domain[3 * i + 2]!, coords, 3 * i);
  const palette = new Int32Array(8 * size);
  for (let i = 0; i < size; i++) {
    palette.set(coords.subarray(3 * i, 3 * i + 3), 4 * i);
    palette.set(domain.subarray(3 * i, 3 * i + 3), 4 * (size + i));
  }
  const grid = gridFor(space, coords, size);
  return { mapWidth: map.size[0], mapHeight: map.size[1], cells, pair, gammaSpace, space, palette, paletteSize: size, transparent: size, grid, spread };
}

// The grid depends only on the palette and the space, while a stack builds parameters for every layer's map.
const grids = new Map<string, NearestGrid>();
function gridFor(space: SpaceTransform, coords: Int32Array, size: number): NearestGrid {
  const key = `${space.name}:${coords.join(',')}`;
  let g = grids.get(key);
  if (!g) {
    if (grids.size >= 16) grids.delete(grids.keys().next().value!);
    grids.set(key, (g = buildNearestGrid(space, coords, size)));
  }
  return g;
}

const clampQ16 = (v: number): number => (v < 0 ? 0 : v > 65535 ? 65535 : v);

/** CPU mirror of `nearest` in the WGSL. `scratch` holds the pixel's space coordinates. */
function nearest(p: OrderedPaletteParams, r: number, g: number, b: number, scratch: Int32Array): number {
  toSpace(p.space, r, g, b, scratch, 0);
  const w = p.grid.words;
  const dim = p.grid.dim;
  const cell = w[AXIS_WORDS + (w[b]! * dim + w[g]!) * dim + w[r]!]!;
  const start = cell >>> 9;
  const end = start + (cell & 511);
  const pal = p.palette;
  let best = 0;
  let bestD = 0x7fffffff;
  for (let k = start; k < end; k++) {
    const i = w[k]!;
    const d0 = scratch[0]! - pal[4 * i]!;
    const d1 = scratch[1]! - pal[4 * i + 1]!;
    const d2 = scratch[2]! - pal[4 * i + 2]!;
    const d = d0 * d0 + d1 * d1 + d2 * d2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

const clampStep = (v: number): number => (v < -131072 ? -131072 : v > 131072 ? 131072 : v);
const stepDone = (s: number, e: number): boolean => Math.abs(s) >= 65536 || e === 0;

/**
 * CPU mirror of `pairPick` in the WGSL up to the threshold test: writes into `terms` A, B, num and den, where the
 * answer is B iff B ≠ A, den ≠ 0, num > 0 and (num ≥ den or num·65536 > t·den).
 */
function pairTerms(p: OrderedPaletteParams, r: number, g: number, b: number, scratch: Int32Array, terms: Float64Array): void {
  const a = nearest(p, r, g, b, scratch);
  const L = 4 * (p.paletteSize + a);
  const A0 = p.palette[L]!;
  const A1 = p.palette[L + 1]!;
  const A2 = p.palette[L + 2]!;
  const e0 = r - A0;
  const e1 = g - A1;
  const e2 = b - A2;
  let bi = a;
  let s0 = e0;
  let s1 = e1;
  let s2 = e2;
  for (let k = 0; k < 18 && bi === a; k++) {
    s0 = clampStep(s0 * 2);
    s1 = clampStep(s1 * 2);
    s2 = clampStep(s2 * 2);
    bi = nearest(p, clampQ16(A0 + s0), clampQ16(A1 + s1), clampQ16(A2 + s2), scratch);
    if (stepDone(s0, e0) && stepDone(s1, e1) && stepDone(s2, e2)) break;
  }
  terms[0] = a;
  terms[1] = bi;
  if (bi === a) return void (terms[2] = terms[3] = 0);
  const B = 4 * (p.paletteSize + bi);
  const d0 = (p.palette[B]! - A0) >> 4;
  const d1 = (p.palette[B + 1]! - A1) >> 4;
  const d2 = (p.palette[B + 2]! - A2) >> 4;
  terms[2] = (e0 >> 4) * d0 + (e1 >> 4) * d1 + (e2 >> 4) * d2;
  terms[3] = d0 * d0 + d1 * d1 + d2 * d2;
}

/** CPU mirror of `pairPick` in the WGSL; `t` is the cell's threshold in Q16. */
function pairPick(p: OrderedPaletteParams, r: number, g: number, b: number, t: number, scratch: Int32Array, terms: Float64Array): number {
  pairTerms(p, r, g, b, scratch, terms);
  const a = terms[0]!, bi = terms[1]!, num = terms[2]!, den = terms[3]!;
  if (bi === a || den === 0 || num <= 0) return a;
  if (num >= den) return bi;
  return num * 65536 > t * den ? bi : a; // exact in doubles: both sides are below 2^43
}

/**
 * pairPick with the threshold left open, as one int32: A | B << 8 | (T − 1) << 16, the answer being B iff t < T
 * (A = B when one colour wins at every threshold). T = ceil(num·65536 / den) is exact: the quotient of integers
 * below 2^43 and 2^26 is never within 2^-26 of an integer without being one, far beyond a double's error.
 */
function pairSplit(p: OrderedPaletteParams, r: number, g: number, b: number, scratch: Int32Array, terms: Float64Array): number {
  pairTerms(p, r, g, b, scratch, terms);
  const a = terms[0]!, bi = terms[1]!, num = terms[2]!, den = terms[3]!;
  if (bi === a || den === 0 || num <= 0) return a | (a << 8);
  if (num >= den) return bi | (bi << 8);
  return a | (bi << 8) | ((Math.ceil((num * 65536) / den) - 1) << 16); // an int32: read the bound with >>> 16
}

// The pair rule without the threshold depends on the colour alone, and photos repeat colours (a 4K one has ~16
// pixels per distinct colour), so 8-bit colours' splits are memoised, one table per thread, kept across calls
// (tiles) with the same parameters. Buckets of two entries, most recent first, each bucket 16 bytes (one cache
// line serves a lookup): 2^16 buckets, 1 MiB, miss ~2% above the distinct colours of a 4K photo (a direct-mapped
// table of that size ~20%); bigger tables cost more in page faults than they save.
const BUCKET_BITS = 16;
interface Memo {
  params: OrderedPaletteParams;
  /** Per bucket: key, split, key, split; a key is the colour r | g << 8 | b << 16, plus 1 (0: empty). */
  readonly slots: Int32Array;
}
let memo: Memo | undefined;

function memoFor(params: OrderedPaletteParams): Memo {
  if (!memo) memo = { params, slots: new Int32Array(4 << BUCKET_BITS) };
  else if (memo.params !== params) {
    memo.slots.fill(0);
    memo.params = params;
  }
  return memo;
}

/**
 * CPU reference: palette indices for rows [firstRow, firstRow + rows) of `image`, one byte per pixel, in `into`
 * (from its start) when given. `firstRow` only sets the threshold phase; pixels are read from the start of `image.data`.
 */
export function orderedPalette(image: RgbaImage, params: OrderedPaletteParams, firstRow = 0, rows = image.height, into?: Uint8Array): Uint8Array {
  const out = outputArray(image.width * rows, into);
  if (params.pair && !(image.data instanceof Uint16Array)) return pairMemoised(image, params, firstRow, rows, out);
  return orderedPaletteUncached(image, params, firstRow, rows, out);
}

/** orderedPalette, pixel by pixel as the WGSL computes it (tests hold the memoised path to it). */
export function orderedPaletteUncached(
  image: RgbaImage,
  params: OrderedPaletteParams,
  firstRow = 0,
  rows = image.height,
  out: Uint8Array = new Uint8Array(image.width * rows),
): Uint8Array {
  const { width } = image;
  const src = image.data;
  const wide = src instanceof Uint16Array;
  const alphaScale = wide ? 1 : 257;
  const toLinear = inputTable(wide, params.gammaSpace);
  const { cells, mapWidth, mapHeight } = params;
  const scratch = new Int32Array(3);
  const terms = new Float64Array(4);
  for (let y = 0; y < rows; y++) {
    const rowBase = ((y + firstRow) % mapHeight) * mapWidth;
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const cell = 2 * (rowBase + (x % mapWidth));
      if (src[4 * p + 3]! * alphaScale < cells[cell + 1]!) {
        out[p] = params.transparent;
        continue;
      }
      const off = cells[cell]!;
      const r = toLinear[src[4 * p]!]!;
      const g = toLinear[src[4 * p + 1]!]!;
      const b = toLinear[src[4 * p + 2]!]!;
      out[p] = params.pair
        ? pairPick(params, r, g, b, off, scratch, terms)
        : nearest(params, clampQ16(r + off), clampQ16(g + off), clampQ16(b + off), scratch);
    }
  }
  return out;
}

/** The pair rule on 8-bit pixels through the memo. */
function pairMemoised(image: RgbaImage, params: OrderedPaletteParams, firstRow: number, rows: number, out: Uint8Array): Uint8Array {
  const { width } = image;
  const src = image.data;
  const toLinear = inputTable(false, params.gammaSpace);
  const { cells, mapWidth, mapHeight, transparent } = params;
  const scratch = new Int32Array(3);
  const terms = new Float64Array(4);
  const { slots } = memoFor(params);
  for (let y = 0, p = 0; y < rows; y++) {
    const rowBase = ((y + firstRow) % mapHeight) * mapWidth;
    for (let x = 0, mx = 0; x < width; x++, p++) {
      const cell = 2 * (rowBase + mx);
      if (++mx === mapWidth) mx = 0;
      const i = 4 * p;
      if (src[i + 3]! * 257 < cells[cell + 1]!) {
        out[p] = transparent;
        continue;
      }
      const key = (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16)) + 1;
      const b = (Math.imul(key - 1, 0x9e3779b1) >>> (32 - BUCKET_BITS)) << 2;
      let split: number;
      if (slots[b] === key) split = slots[b + 1]!;
      else {
        if (slots[b + 2] === key) split = slots[b + 3]!;
        else split = pairSplit(params, toLinear[src[i]!]!, toLinear[src[i + 1]!]!, toLinear[src[i + 2]!]!, scratch, terms);
        slots[b + 2] = slots[b]!;
        slots[b + 3] = slots[b + 1]!;
        slots[b] = key;
        slots[b + 1] = split;
      }
      out[p] = cells[cell]! < (split >>> 16) + 1 ? (split >>> 8) & 255 : split & 255;
    }
  }
  return out;
}

/** Brute force over the whole palette, for tests of the grid: same distances, ties to the lowest index. */
export function nearestBruteForce(params: OrderedPaletteParams, r: number, g: number, b: number): number {
  const c = new Int32Array(3);
  toSpace(params.space, r, g, b, c, 0);
  let best = 0;
  let bestD = Infinity;
  for (let i = 0; i < params.paletteSize; i++) {
    const d = (c[0]! - params.palette[4 * i]!) ** 2 + (c[1]! - params.palette[4 * i + 1]!) ** 2 + (c[2]! - params.palette[4 * i + 2]!) ** 2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** The grid's answer for one linear colour (exported for the brute-force test). */
export function nearestIndex(params: OrderedPaletteParams, r: number, g: number, b: number): number {
  return nearest(params, r, g, b, new Int32Array(3));
}
