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
  const lo = new Float64Array(3);
  const hi = new Float64Array(3);
  const maxD = new Float64Array(size);
  for (let z = 0; z < dim; z++) {
    for (let y = 0; y < dim; y++) {
      for (let x = 0; x < dim; x++) {
        spaceBox(t, [bounds[x]!, bounds[y]!, bounds[z]!], [bounds[x + 1]! - 1, bounds[y + 1]! - 1, bounds[z + 1]! - 1], lo, hi);
        let bound = Infinity;
        for (let i = 0; i < size; i++) {
          let d = 0;
          for (let a = 0; a < 3; a++) {
            const c = coords[3 * i + a]!;
            const far = Math.max(c - lo[a]!, hi[a]! - c);
            d += far * far;
          }
          maxD[i] = d;
          if (d < bound) bound = d;
        }
        const start = AXIS_WORDS + cellWords.length + candidates.length;
        let count = 0;
        for (let i = 0; i < size; i++) {
          let d = 0;
          for (let a = 0; a < 3; a++) {
            const c = coords[3 * i + a]!;
            const gap = c < lo[a]! ? lo[a]! - c : c > hi[a]! ? c - hi[a]! : 0;
            d += gap * gap;
          }
          if (d <= bound) {
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
function spaceBox(t: SpaceTransform, lin0: number[], lin1: number[], lo: Float64Array, hi: Float64Array): void {
  const u0 = [0, 1, 2].map((r) => curveRow(t, r, lin0[0]!, lin0[1]!, lin0[2]!));
  const u1 = [0, 1, 2].map((r) => curveRow(t, r, lin1[0]!, lin1[1]!, lin1[2]!));
  for (let a = 0; a < 3; a++) {
    let mn = 0;
    let mx = 0;
    for (let j = 0; j < 3; j++) {
      const m = t.m2[3 * a + j]!;
      mn += Math.min(m * u0[j]!, m * u1[j]!);
      mx += Math.max(m * u0[j]!, m * u1[j]!);
    }
    lo[a] = Math.floor(mn / 65536);
    hi[a] = Math.floor(mx / 65536);
  }
}
