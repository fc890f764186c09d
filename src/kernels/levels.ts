// Per-channel levels: the kernel's tables, built once on the host for both backends, and the CPU reference that
// mirrors shaders/levels.wgsl operation for operation.
import { identityTable, LINEAR_ONE, srgbDecode, srgbToLinearTable } from '../color/transfer.js';
import type { ThresholdMap } from '../maps/thresholdMap.js';
import { outputArray } from '../host/outputArray.js';

/** How output file values map to light: the file's transfer function. */
export type CodePlacement = 'srgb' | 'linear' | { readonly gamma: number };

/** An RGBA image at 8 or 16 bits per sample, R first. */
export interface LevelsImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint16Array;
}

/** A channel's N output codes: file values v_k and their linear light L_k (Q16), both non-decreasing in k. */
export interface LevelCodes {
  readonly values: Uint8Array;
  readonly linear: Uint32Array;
}

/**
 * The N codes of a channel written at `depth` bits: v_k = round(k·(2^depth−1)/(N−1)), L_k = decode(v_k/(2^depth−1))
 * in linear Q16, where decode is the sRGB curve, the identity, or x^G.
 */
export function levelCodes(n: number, depth: number, placement: CodePlacement): LevelCodes {
  const max = 2 ** depth - 1;
  const decode =
    placement === 'srgb' ? srgbDecode : placement === 'linear' ? (x: number) => x : (x: number) => x ** placement.gamma;
  const values = new Uint8Array(n);
  const linear = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const v = Math.round((k * max) / (n - 1));
    values[k] = v;
    linear[k] = Math.round(decode(v / max) * LINEAR_ONE);
  }
  return { values, linear };
}

/** One channel of the kernel: its codes, how its input decodes, and its threshold rule. */
export interface LevelsChannel {
  readonly codes: LevelCodes;
  /** Decode the input through the identity (alpha, --gamma-space) rather than the sRGB curve. */
  readonly identityInput: boolean;
  /** Cutoff fraction applied to the map's thresholds; null: a constant threshold of one half, no map. */
  readonly cutoff: number | null;
}

/** Everything the kernel reads besides the pixels: integer tables identical for both backends. */
export interface LevelsParams {
  readonly bits: 8 | 16;
  readonly mapWidth: number;
  readonly mapHeight: number;
  /** Input code → linear Q16: the sRGB table, then the identity table, each 2^bits entries. */
  readonly toLinear: Uint32Array;
  readonly decodeBase: readonly [number, number, number, number];
  /** Per channel, 65536 bytes: linear Q16 → index k of the lower bracketing code. */
  readonly bracket: Uint8Array;
  /** Per channel, 256 words: L_k | v_k << 16, over the codes with distinct L (strictly increasing). */
  readonly codes: Uint32Array;
  /** Rows of effective thresholds (Q16, 0..65535), one per map cell. */
  readonly thresholds: Uint32Array;
  readonly rowBase: readonly [number, number, number, number];
}

/**
 * Codes whose linear light rounds to the same Q16 value cannot be told apart, so keep one of each run: the first
 * (so black stays code 0), except at full intensity, where the last (so white stays the top code).
 */
function distinct(c: LevelCodes): number[] {
  const kept: number[] = [];
  for (let k = 0; k < c.linear.length; k++) {
    const last = kept[kept.length - 1];
    if (last === undefined || c.linear[last]! !== c.linear[k]!) kept.push(k);
    else if (c.linear[k] === LINEAR_ONE) kept[kept.length - 1] = k;
  }
  return kept;
}

/** tEff = round((threshold + cutoff − 0.5)·65536), clamped to 0..65535; choose the upper code iff above it. */
function thresholdRow(map: ThresholdMap, cutoff: number | null): Uint32Array {
  const row = new Uint32Array(map.values.length);
  map.values.forEach((v, i) => {
    const t = cutoff === null ? 0.5 : (v + 0.5) / map.scale + cutoff - 0.5;
    row[i] = Math.min(65535, Math.max(0, Math.round(t * 65536)));
  });
  return row;
}

type Four<T> = readonly [T, T, T, T];

export function levelsParams(bits: 8 | 16, map: ThresholdMap, channels: Four<LevelsChannel>, gammaSpace: boolean): LevelsParams {
  if (map.size[2] !== 1) throw new RangeError(`${map.name} is a 3D map; levels needs a 2D one`);
  const size = 2 ** bits;
  const toLinear = new Uint32Array(2 * size);
  toLinear.set(gammaSpace ? identityTable(bits) : srgbToLinearTable(bits));
  toLinear.set(identityTable(bits), size);
  const bracket = new Uint8Array(4 * 65536);
  const codes = new Uint32Array(4 * 256);
  const rows: (number | null)[] = [];
  const rowIndex = (cutoff: number | null): number => {
    const i = rows.indexOf(cutoff);
    return i >= 0 ? i : rows.push(cutoff) - 1;
  };
  const cells = map.values.length;
  channels.forEach((ch, c) => {
    const kept = distinct(ch.codes);
    if (kept.length < 2 || kept.length > 256) throw new RangeError(`a channel needs 2 to 256 distinct codes, got ${kept.length}`);
    const L = kept.map((k) => ch.codes.linear[k]!);
    kept.forEach((k, j) => (codes[256 * c + j] = L[j]! | (ch.codes.values[k]! << 16)));
    // Lower bracketing code: the largest j <= M−2 with L_j <= lin; at lin >= L_{M−1} the upper code always wins.
    let j = 0;
    for (let lin = 0; lin < 65536; lin++) {
      while (j + 2 < L.length && L[j + 1]! <= lin) j++;
      bracket[65536 * c + lin] = j;
    }
  });
  const rowBase = channels.map((ch) => rowIndex(ch.cutoff) * cells) as unknown as Four<number>;
  const thresholds = new Uint32Array(rows.length * cells);
  rows.forEach((cutoff, r) => thresholds.set(thresholdRow(map, cutoff), r * cells));
  const decodeBase = channels.map((ch) => (ch.identityInput ? size : 0)) as unknown as Four<number>;
  return { bits, mapWidth: map.size[0], mapHeight: map.size[1], toLinear, decodeBase, bracket, codes, thresholds, rowBase };
}

/** Channel c's output code for input sample `s` at effective threshold `t`: the WGSL's per-sample operations. */
export function levelCode(params: LevelsParams, c: number, s: number, t: number): number {
  const lin = params.toLinear[params.decodeBase[c]! + s]!;
  const k = params.bracket[65536 * c + lin]!;
  const lower = params.codes[256 * c + k]!;
  const upper = params.codes[256 * c + k + 1]!;
  const l0 = lower & 0xffff;
  return ((lin - l0) * 65536 > t * ((upper & 0xffff) - l0) ? upper : lower) >>> 16;
}

// 8-bit input: a channel's code depends only on the sample and the map cell, so levelCode is tabulated once per
// (channel, cell) — 256 bytes each, 64 KiB for Bayer 8×8 — and a sample costs one table read.
const tables = new WeakMap<LevelsParams, Uint8Array>();
function codeTable(params: LevelsParams): Uint8Array {
  let table = tables.get(params);
  if (!table) {
    const cells = params.mapWidth * params.mapHeight;
    table = new Uint8Array(4 * cells * 256);
    for (let c = 0; c < 4; c++) {
      for (let cell = 0; cell < cells; cell++) {
        const t = params.thresholds[params.rowBase[c]! + cell]!;
        const at = (c * cells + cell) * 256;
        for (let s = 0; s < 256; s++) table[at + s] = levelCode(params, c, s, t);
      }
    }
    tables.set(params, table);
  }
  return table;
}

/** Whether codeTable pays: 8-bit input, and a table no larger than the samples it serves (or 256 KiB). */
function useTable(params: LevelsParams, samples: number): boolean {
  return params.bits === 8 && 1024 * params.mapWidth * params.mapHeight <= Math.max(1 << 18, samples);
}

const ALL_CHANNELS = [0, 1, 2, 3] as const;

/**
 * CPU reference: 4 code bytes per pixel (R, G, B, A: file values) for rows [firstRow, firstRow + rows) of `image`.
 * `firstRow` only matters for the threshold phase; pixels are read from the start of `image.data`. With `pick`,
 * only those channels, in that order (`pick.length` bytes per pixel): what the output file keeps. In `into` (from
 * its start) when given. `served`: the samples the code table would serve, if not just this call's (a caller going
 * band by band gives the whole image's, so that the table is built once rather than never).
 */
export function levelsCpu(
  image: LevelsImage,
  params: LevelsParams,
  firstRow = 0,
  rows = image.height,
  pick: readonly number[] = ALL_CHANNELS,
  into?: Uint8Array,
  served = pick.length * image.width * rows,
): Uint8Array {
  const { width } = image;
  const src = image.data;
  const np = pick.length;
  const out = outputArray(np * width * rows, into);
  const { thresholds, rowBase, mapWidth, mapHeight } = params;
  const [c0 = 0, c1 = 0, c2 = 0, c3 = 0] = pick;
  if (useTable(params, served)) {
    const table = codeTable(params);
    const plane = mapWidth * mapHeight * 256; // one channel's tables
    const [t0, t1, t2, t3] = [c0 * plane, c1 * plane, c2 * plane, c3 * plane];
    for (let y = 0, i = 0, j = 0; y < rows; y++) {
      const rowAt = ((y + firstRow) % mapHeight) * mapWidth * 256;
      for (let x = 0, mx = 0; x < width; x++, i += 4, j += np) {
        const at = rowAt + mx * 256;
        if (++mx === mapWidth) mx = 0;
        out[j] = table[t0 + at + src[i + c0]!]!;
        if (np > 1) out[j + 1] = table[t1 + at + src[i + c1]!]!;
        if (np > 2) out[j + 2] = table[t2 + at + src[i + c2]!]!;
        if (np > 3) out[j + 3] = table[t3 + at + src[i + c3]!]!;
      }
    }
    return out;
  }
  for (let y = 0, i = 0, j = 0; y < rows; y++) {
    const cellRow = ((y + firstRow) % mapHeight) * mapWidth;
    for (let x = 0; x < width; x++, i += 4) {
      const cell = cellRow + (x % mapWidth);
      for (const c of pick) out[j++] = levelCode(params, c, src[i + c]!, thresholds[rowBase[c]! + cell]!);
    }
  }
  return out;
}
