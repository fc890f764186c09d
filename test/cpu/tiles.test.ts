// Tiling plans: every row or voxel exactly once, in order, with row ranges on the boundaries the kernels need.
import { describe, expect, test } from 'vitest';
import { evenSplit, layerPieces, rowTiles } from '../../src/cpu/tiles.js';
import { rng } from '../helpers/random.js';

describe('row tiles', () => {
  test('cover every row once, in order, and are not empty', () => {
    const r = rng(3);
    for (let i = 0; i < 300; i++) {
      const w = 1 + Math.floor(r() * 5000);
      const h = 1 + Math.floor(r() * 3000);
      const threads = 1 + Math.floor(r() * 16);
      const tiles = rowTiles(w, h, threads, 1 + Math.floor(r() * 100000));
      let next = 0;
      for (const t of tiles) {
        expect(t.first).toBe(next);
        expect(t.count).toBeGreaterThan(0);
        next += t.count;
      }
      expect(next).toBe(h);
    }
  });

  test('a large image gets several tiles per thread; a tiny one a single tile', () => {
    expect(rowTiles(3840, 2160, 2).length).toBeGreaterThan(2);
    expect(rowTiles(8, 8, 16)).toEqual([{ first: 0, count: 8 }]);
    expect(evenSplit(5, 10).length).toBe(5);
  });
});

describe('layer pieces', () => {
  test('cover every voxel once; row ranges start on the map period and on an output word', () => {
    const r = rng(9);
    for (let i = 0; i < 400; i++) {
      const w = 1 + Math.floor(r() * 200);
      const h = 1 + Math.floor(r() * 200);
      const count = Math.floor(r() * 6);
      const threads = 1 + Math.floor(r() * 8);
      const mapHeights = Array.from({ length: count }, () => 2 ** Math.floor(r() * 7));
      const word = r() < 0.5 ? 32 : 1;
      const pieces = layerPieces(w, h, count, threads, (l) => mapHeights[l]!, word, 1 + Math.floor(r() * 2000));
      const covered = new Uint8Array(w * h * count);
      for (const p of pieces) {
        expect(p.layers).toBeGreaterThan(0);
        expect(p.rows).toBeGreaterThan(0);
        if (p.layers > 1 || p.rows < h) {
          if (p.rows < h) {
            expect(p.layers).toBe(1);
            expect(p.row % mapHeights[p.layer]!).toBe(0);
            expect((p.row * w) % word).toBe(0);
          }
        }
        for (let l = p.layer; l < p.layer + p.layers; l++) {
          for (let v = p.row * w; v < (p.row + p.rows) * w; v++) covered[l * w * h + v]!++;
        }
      }
      expect(covered.every((c) => c === 1)).toBe(true);
    }
  });
});
