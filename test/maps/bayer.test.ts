import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { bayer, thresholdAt, validateMap, type ThresholdMap } from '../../src/maps/index.js';
import { firstRanks, isPermutation, nearestNeighbours, type Point } from './helpers.js';

const rows = (m: ThresholdMap): number[][] =>
  Array.from({ length: m.size[1] }, (_, y) => Array.from(m.values.subarray(y * m.size[0], (y + 1) * m.size[0])));

const SHAPES = [[1], [8], [2, 2], [16, 16], [8, 4], [4, 16], [1, 8], [8, 8, 8], [16, 16, 4], [2, 4, 8], [4, 4, 1]];

describe('bayer', () => {
  it('matches the textbook 2x2 and 4x4 matrices', () => {
    expect(rows(bayer([2, 2]))).toEqual([
      [0, 2],
      [3, 1],
    ]);
    expect(rows(bayer([4, 4]))).toEqual([
      [0, 8, 2, 10],
      [12, 4, 14, 6],
      [3, 11, 1, 9],
      [15, 7, 13, 5],
    ]);
  });

  it('follows the classic recursion M(2n) = [[4M, 4M+2], [4M+3, 4M+1]] up to 256', () => {
    let prev = bayer([2, 2]);
    for (let s = 4; s <= 256; s *= 2) {
      const m = bayer([s, s]);
      const h = s / 2;
      const corner = [0, 2, 3, 1];
      for (let y = 0; y < s; y++) {
        for (let x = 0; x < s; x++) {
          const want = 4 * prev.values[(y % h) * h + (x % h)]! + corner[2 * Math.floor(y / h) + Math.floor(x / h)]!;
          if (m.values[y * s + x] !== want) expect.fail(`bayer${s} at ${x},${y}`);
        }
      }
      prev = m;
    }
  });

  it('is a permutation of 0..N-1 with scale N, and a valid map, for every shape', () => {
    for (const sizes of SHAPES) {
      const m = bayer(sizes);
      const [sx = 1, sy = 1, sz = 1] = sizes;
      expect(m.size).toEqual([sx, sy, sz]);
      expect(m.scale).toBe(sx * sy * sz);
      expect(isPermutation(m.values)).toBe(true);
      expect(validateMap(m)).toBe(m);
    }
  });

  it('puts the first half of the ranks on a checkerboard (2D) or the even-parity cells (3D)', () => {
    for (const sizes of [[16, 16], [8, 4], [4, 16], [8, 8, 8], [16, 16, 4], [2, 4, 8]]) {
      const m = bayer(sizes);
      for (const [x, y, z] of firstRanks(m, m.scale / 2)) expect((x + y + z) % 2, `${m.name} ${x},${y},${z}`).toBe(0);
    }
  });

  it('makes every power-of-two rank prefix a lattice, as spread out as its density allows', () => {
    for (const sizes of [[16, 16], [8, 4], [8, 8, 8], [16, 16, 4]]) {
      const m = bayer(sizes);
      const dims = m.size.filter((s) => s > 1).length;
      for (let count = m.scale / 2; count >= 2; count /= 2) {
        const pts = firstRanks(m, count);
        const key = (p: Point): string => p.join();
        const set = new Set(pts.map(key));
        // Closed under differences (mod the size): a sublattice of the torus, so every point sees the same
        // neighbourhood and no region is denser than another.
        for (const a of pts) {
          for (const b of pts) {
            const d = a.map((v, k) => (v - b[k]! + m.size[k]!) % m.size[k]!) as Point;
            if (!set.has(key(d))) expect.fail(`${m.name} first ${count} ranks are not a lattice`);
          }
        }
        // A lattice with one point per `cells` cells cannot beat spacing cells^(1/dims); a clustered one would
        // fall well short of it.
        const cells = m.scale / count;
        expect(nearestNeighbours(pts, m.size).min, `${m.name} first ${count}`).toBeGreaterThanOrEqual(
          Math.min(Math.pow(cells, 1 / dims) * 0.7, Math.max(...m.size) / 2),
        );
      }
    }
  });

  it('gives every aligned 2^k block one rank from each of the equal rank ranges (square and cube)', () => {
    for (const sizes of [[32, 32], [8, 8, 8]]) {
      const m = bayer(sizes);
      const d = sizes.length;
      for (let b = 2; b <= sizes[0]!; b *= 2) {
        const ranges = b ** d;
        const seen = new Map<string, Set<number>>();
        firstRanks(m, m.scale).forEach((p, i) => {
          const block = p.map((v) => Math.floor(v / b)).join();
          const range = Math.floor((m.values[i]! * ranges) / m.scale);
          if (!seen.has(block)) seen.set(block, new Set());
          seen.get(block)!.add(range);
        });
        for (const s of seen.values()) expect(s.size).toBe(ranges);
      }
    }
  });

  it('names maps by their canonical spec', () => {
    expect(bayer([8, 8]).name).toBe('bayer8');
    expect(bayer([8, 4]).name).toBe('bayer8x4');
    expect(bayer([8, 8, 8]).name).toBe('bayer3d8');
    expect(bayer([16, 16, 4]).name).toBe('bayer3d16x16x4');
  });

  it('rejects sizes that are not powers of two from 1 to 256, or the wrong number of axes', () => {
    for (const sizes of [[3, 3], [0, 4], [512, 512], [8, 6], [2.5, 2], [-2, 2], [], [2, 2, 2, 2], [NaN, 2]]) {
      expect(() => bayer(sizes), JSON.stringify(sizes)).toThrow(InputError);
    }
    expect(() => bayer([12, 12], '--method')).toThrow(/^--method: .*12.*power of two/);
  });
});

describe('thresholdAt and validateMap', () => {
  it('gives (value + 0.5) / scale, wrapping toroidally', () => {
    const m = bayer([4, 4]);
    expect(thresholdAt(m, 1, 0)).toBeCloseTo(8.5 / 16, 12);
    expect(thresholdAt(m, 5, 4)).toBe(thresholdAt(m, 1, 0));
    expect(thresholdAt(m, -3, -4)).toBe(thresholdAt(m, 1, 0));
    const c = bayer([2, 2, 2]);
    expect(thresholdAt(c, 1, 1, 3)).toBe(thresholdAt(c, 1, 1, 1));
    for (let i = 0; i < 16; i++) {
      const t = thresholdAt(m, i % 4, i >> 2);
      expect(t).toBeGreaterThan(0);
      expect(t).toBeLessThan(1);
    }
  });

  it('rejects inconsistent maps, naming them', () => {
    const good: ThresholdMap = { name: 'mine', size: [2, 1, 1], values: Uint32Array.of(0, 1), scale: 2 };
    expect(validateMap(good)).toBe(good);
    expect(() => validateMap({ ...good, values: Uint32Array.of(0, 2) })).toThrow(/^mine: .*not below its scale/);
    expect(() => validateMap({ ...good, values: Uint32Array.of(0) })).toThrow(/^mine: .*1 values/);
    expect(() => validateMap({ ...good, size: [2, 0, 1] })).toThrow(InputError);
    expect(() => validateMap({ ...good, scale: 0 })).toThrow(InputError);
  });
});
