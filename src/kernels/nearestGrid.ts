// The lookup structure that makes the nearest-colour search both exact and fast for large palettes.
//
// Linear RGB is cut into D³ cells, with boundaries evenly spaced in sRGB-encoded value so that dark cells are
// not perceptually huge. For each cell we bound, rigorously, the box that the cell's colours occupy in the
// distance space (the space's first matrix is non-negative and its curve non-decreasing, so the corners bound
// it), and keep as candidates the palette entries whose minimum distance to that box is no more than the
// smallest maximum distance of any entry. Every entry that is nearest to some colour of the cell, ties included,
// passes that test; searched in index order with a strict <, the candidates give exactly brute force's answer.
import { srgbDecode } from '../color/transfer.js';
import type { SpaceTransform } from '../color/space.js';

export const AXIS_WORDS = 65536;
const MAX_CANDIDATES = 511; // 9 bits of a cell word

export interface NearestGrid {
  readonly dim: number;
  /** [axis table (65536) | cell words (dim³) | candidate indices], as the kernel reads it. */
  readonly words: Uint32Array;
}

/** Cells per axis: one cell (a plain search) for tiny palettes, finer grids as palettes grow. */
export function gridDimFor(paletteSize: number): number {
  return paletteSize <= 4 ? 1 : paletteSize <= 32 ? 16 : 32;
}

function axisBounds(dim: number): Uint32Array {
  // bounds[k] = first Q16 value of cell k; bounds[dim] = 65536.
  const b = new Uint32Array(dim + 1);
  for (let k = 0; k <= dim; k++) b[k] = k === dim ? 65536 : Math.round(srgbDecode(k / dim) * 65535);
  return b;
}

function curveRow(t: SpaceTransform, row: number, r: number, g: number, bl: number): number {
  const m = t.m1;
  const v = (m[3 * row]! * r + m[3 * row + 1]! * g + m[3 * row + 2]! * bl + 8192) >> 14;
  return t.curve[v < 0 ? 0 : v > 65535 ? 65535 : v]!;
}

/** Builds the grid for palette coordinates `coords` (xyz per entry, from toSpace) under transform `t`. */
export function buildNearestGrid(t: SpaceTransform, coords: Int32Array, size: number, dim = gridDimFor(size)): NearestGrid {
  if ([...t.m1].some((v) => v < 0)) dim = 1; // the corner bound needs a non-negative first matrix
  const bounds = axisBounds(dim);
  const axis = new Uint32Array(AXIS_WORDS);
  for (let k = 0; k < dim; k++) axis.fill(k, bounds[k]!, bounds[k + 1]!);
  const cellWords = new Uint32Array(dim * dim * dim);
  const candidates: number[] = [];
  const box = new Float64Array(6); // lo x, y, z, hi x, y, z
  // Axes unrolled by hand: this runs once per call, mostly before the JIT has compiled it (~50 ms cold for 16³
  // cells with the loops over axes, ~15 ms without); the arithmetic is unchanged.
  for (let z = 0; z < dim; z++) {
    for (let y = 0; y < dim; y++) {
      for (let x = 0; x < dim; x++) {
        spaceBox(t, bounds[x]!, bounds[y]!, bounds[z]!, bounds[x + 1]! - 1, bounds[y + 1]! - 1, bounds[z + 1]! - 1, box);
        const lo0 = box[0]!, lo1 = box[1]!, lo2 = box[2]!, hi0 = box[3]!, hi1 = box[4]!, hi2 = box[5]!;
        let bound = Infinity;
        for (let i = 0; i < size; i++) {
          const c0 = coords[3 * i]!, c1 = coords[3 * i + 1]!, c2 = coords[3 * i + 2]!;
          const f0 = Math.max(c0 - lo0, hi0 - c0), f1 = Math.max(c1 - lo1, hi1 - c1), f2 = Math.max(c2 - lo2, hi2 - c2);
          const d = f0 * f0 + f1 * f1 + f2 * f2;
          if (d < bound) bound = d;
        }
        const start = AXIS_WORDS + cellWords.length + candidates.length;
        let count = 0;
        for (let i = 0; i < size; i++) {
          const c0 = coords[3 * i]!, c1 = coords[3 * i + 1]!, c2 = coords[3 * i + 2]!;
          const g0 = c0 < lo0 ? lo0 - c0 : c0 > hi0 ? c0 - hi0 : 0;
          const g1 = c1 < lo1 ? lo1 - c1 : c1 > hi1 ? c1 - hi1 : 0;
          const g2 = c2 < lo2 ? lo2 - c2 : c2 > hi2 ? c2 - hi2 : 0;
          if (g0 * g0 + g1 * g1 + g2 * g2 <= bound) {
            candidates.push(i);
            count++;
          }
        }
        if (count > MAX_CANDIDATES) throw new RangeError(`nearest grid: ${count} candidates in one cell`);
        cellWords[(z * dim + y) * dim + x] = (start << 9) | count;
      }
    }
  }
  const words = new Uint32Array(AXIS_WORDS + cellWords.length + candidates.length);
  words.set(axis, 0);
  words.set(cellWords, AXIS_WORDS);
  words.set(candidates, AXIS_WORDS + cellWords.length);
  if (words.length >= 2 ** 23) throw new RangeError('nearest grid too large for 23-bit offsets');
  return { dim, words };
}

/** A box in space coordinates containing toSpace of every linear colour in [lo, hi] (inclusive corners). */
function spaceBox(t: SpaceTransform, r0: number, g0: number, b0: number, r1: number, g1: number, b1: number, box: Float64Array): void {
  const u00 = curveRow(t, 0, r0, g0, b0), u01 = curveRow(t, 1, r0, g0, b0), u02 = curveRow(t, 2, r0, g0, b0);
  const u10 = curveRow(t, 0, r1, g1, b1), u11 = curveRow(t, 1, r1, g1, b1), u12 = curveRow(t, 2, r1, g1, b1);
  const m = t.m2;
  for (let a = 0; a < 3; a++) {
    const p0 = m[3 * a]! * u00, q0 = m[3 * a]! * u10;
    const p1 = m[3 * a + 1]! * u01, q1 = m[3 * a + 1]! * u11;
    const p2 = m[3 * a + 2]! * u02, q2 = m[3 * a + 2]! * u12;
    box[a] = Math.floor((Math.min(p0, q0) + Math.min(p1, q1) + Math.min(p2, q2)) / 65536);
    box[3 + a] = Math.floor((Math.max(p0, q0) + Math.max(p1, q1) + Math.max(p2, q2)) / 65536);
  }
}
