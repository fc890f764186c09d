// Layer maps for voxel stacks: 3D slices, per-layer phase shifts, plain 2D maps, the anisotropy rule, parsing.
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { bayer } from '../../src/maps/bayer.js';
import { thresholdAt } from '../../src/maps/thresholdMap.js';
import { anisotropicSides, parseLayerMethod, parseVoxel, phaseOffset, R2_ALPHA } from '../../src/stack/layerMaps.js';

const PRINTER: [number, number, number] = [42.3, 84.6, 27];

describe('3D maps: layer z is the slice z mod depth', () => {
  test('bayer3d16x16x4 slices equal the 3D map and repeat every 4 layers', () => {
    const lm = parseLayerMethod('bayer3d16x16x4');
    const map3 = bayer([16, 16, 4]);
    expect(lm.period).toBe(4);
    for (const z of [0, 1, 2, 3, 4, 7, 1001]) {
      const s = lm.at(z);
      expect(s.size).toEqual([16, 16, 1]);
      for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) expect(thresholdAt(s, x, y)).toBe(thresholdAt(map3, x, y, z % 4));
      expect(lm.at(z + 4)).toBe(s); // memoised: the same object
    }
    // Consecutive slices differ (the 3D map varies in z).
    expect(Buffer.from(lm.at(0).values.buffer, lm.at(0).values.byteOffset, 1024).equals(Buffer.from(lm.at(1).values.buffer, lm.at(1).values.byteOffset, 1024))).toBe(false);
  });

  test('bayer3d (no size) is 8^3, bluenoise3dN is N^3, all slices 2D', () => {
    expect(parseLayerMethod('bayer3d').at(0).size).toEqual([8, 8, 1]);
    expect(parseLayerMethod('bayer3d').period).toBe(8);
    const bn = parseLayerMethod('bluenoise3d8');
    expect(bn.period).toBe(8);
    const all = new Set<number>();
    for (let z = 0; z < 8; z++) bn.at(z).values.forEach((v) => all.add(v));
    expect(all.size).toBe(512); // the slices partition the whole 3D permutation
  });
});

describe('phase: a 2D map shifted per layer', () => {
  test('at(z) is the base map shifted by phaseOffset(z), deterministically', () => {
    const a = parseLayerMethod('bayer8+phase');
    const b = parseLayerMethod('BAYER8+phase');
    const base = bayer([8, 8]);
    expect(a.period).toBeNull();
    for (const z of [0, 1, 2, 3, 50, 7999]) {
      const [dx, dy] = phaseOffset(z, 8, 8);
      expect(Number.isInteger(dx) && Number.isInteger(dy) && dx >= 0 && dx < 8 && dy >= 0 && dy < 8).toBe(true);
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) expect(thresholdAt(a.at(z), x, y)).toBe(thresholdAt(base, x + dx, y + dy));
      expect([...a.at(z).values]).toEqual([...b.at(z).values]);
    }
    expect(phaseOffset(0, 8, 8)).toEqual([0, 0]);
  });

  test('consecutive layers never share a shift (tiles of side >= 8), and shifts cover the tile evenly', () => {
    for (const side of [8, 16, 64, 256]) {
      const counts = new Array<number>(side).fill(0);
      let prev = phaseOffset(0, side, side);
      for (let z = 1; z <= 8000; z++) {
        const o = phaseOffset(z, side, side);
        expect(o[0] === prev[0] && o[1] === prev[1], `side ${side} z ${z}`).toBe(false);
        counts[o[0]]!++;
        prev = o;
      }
      // Low discrepancy: every column offset within a few counts of its share (random would stray by ~sqrt).
      const share = 8000 / side;
      for (const c of counts) expect(Math.abs(c - share)).toBeLessThanOrEqual(Math.max(2, 0.02 * share));
    }
  });

  test('the layer maps of consecutive layers differ', () => {
    const lm = parseLayerMethod('bluenoise16+phase');
    for (let z = 0; z < 200; z++) expect([...lm.at(z).values]).not.toEqual([...lm.at(z + 1).values]);
  });

  test('the shift follows the R2 sequence as a fraction of the tile, and scales with the physical pitch', () => {
    for (let z = 0; z < 500; z++) {
      const u = (z * R2_ALPHA[0]) % 1;
      const v = (z * R2_ALPHA[1]) % 1;
      expect(phaseOffset(z, 16, 16)).toEqual([Math.floor(u * 16), Math.floor(v * 16)]);
      // A uniform pitch changes nothing; a physically square tile (16×8 at 42.3×84.6 µm) is shifted by the same
      // fraction of its extent along both axes.
      expect(phaseOffset(z, 16, 16, [5, 5, 1])).toEqual(phaseOffset(z, 16, 16));
      expect(phaseOffset(z, 16, 8, PRINTER)).toEqual([Math.floor(u * 16), Math.floor(v * 8)]);
      // A physically 2:1 tile (8×8 at 42.3×84.6): the x shift spans the larger extent too (16 cells, wrapped).
      expect(phaseOffset(z, 8, 8, PRINTER)).toEqual([Math.floor(u * 16) % 8, Math.floor(v * 8)]);
    }
  });
});

describe('plain 2D maps', () => {
  test('the same map every layer (lines up in Z)', () => {
    const lm = parseLayerMethod('bayer8');
    expect(lm.period).toBe(1);
    for (const z of [0, 1, 99]) expect(lm.at(z)).toBe(lm.at(0));
    expect(lm.at(0).size).toEqual([8, 8, 1]);
    expect(parseLayerMethod('bayer8x4').at(3).size).toEqual([8, 4, 1]);
  });
});

describe('anisotropic voxel pitch', () => {
  const spread = (sides: number[], pitch: readonly number[]) => {
    const e = sides.map((s, i) => Math.log2(s * pitch[i]!));
    return Math.max(...e) - Math.min(...e);
  };

  test('bayer3d at 42.3×84.6×27 µm: 512 cells as 8×4×16 (extents 338, 338, 432 µm)', () => {
    const lm = parseLayerMethod('bayer3d', PRINTER);
    expect(lm.at(0).size).toEqual([8, 4, 1]);
    expect(lm.period).toBe(16);
    expect(lm.name).toBe('bayer3d8x4x16');
  });

  test('the rule keeps the cell count and no other power-of-two shape is more even physically', () => {
    for (const [n, pitch] of [
      [9, PRINTER],
      [12, PRINTER],
      [15, PRINTER],
      [9, [10, 10, 10]],
      [12, [50, 50, 10]],
      [6, [42.3, 84.6]],
    ] as const) {
      const sides = anisotropicSides(n, pitch, 1, 8);
      expect(sides.reduce((a, b) => a * b, 1)).toBe(2 ** n);
      const best = spread(sides, pitch);
      const d = pitch.length;
      const each = (k: number, left: number): number[][] =>
        k === d - 1 ? (left >= 1 && left <= 8 ? [[left]] : []) : [1, 2, 3, 4, 5, 6, 7, 8].flatMap((a) => each(k + 1, left - a).map((r) => [a, ...r]));
      for (const shape of each(0, n)) expect(spread(shape.map((a) => 2 ** a), pitch)).toBeGreaterThanOrEqual(best - 1e-9);
    }
  });

  test('an isotropic pitch keeps N×N×N; explicit per-axis sizes are kept', () => {
    expect(parseLayerMethod('bayer3d16', [30, 30, 30]).at(0).size).toEqual([16, 16, 1]);
    expect(parseLayerMethod('bayer3d16', [30, 30, 30]).period).toBe(16);
    expect(parseLayerMethod('bayer3d16x16x4', PRINTER).period).toBe(4);
    expect(parseLayerMethod('bayer8x4+phase', PRINTER).at(1).size).toEqual([8, 4, 1]);
  });

  test('blue noise 3D and 2D maps are shaped by the same rule', () => {
    const bn = parseLayerMethod('bluenoise3d8', PRINTER); // 512 cells
    expect([...bn.at(0).size.slice(0, 2), bn.period]).toEqual([8, 4, 16]);
    // 2D at 1:1.5 pitch: 4096 cells; 64×64 (spread 0.58) beats 128×32 (1.42).
    expect(parseLayerMethod('bayer64', [40, 60, 20]).at(0).size).toEqual([64, 64, 1]);
    // 2D at 1:4 pitch: 64 cells as 16×4, physically square.
    expect(parseLayerMethod('bayer8+phase', [20, 80, 20]).at(0).size).toEqual([16, 4, 1]);
  });
});

describe('parsing', () => {
  const inputError = (f: () => unknown, label: string) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).input).toBe(label);
      expect((e as Error).message.includes('\n')).toBe(false);
      return;
    }
    throw new Error('expected an InputError');
  };

  test('parseVoxel', () => {
    expect(parseVoxel('42.3x84.6x27')).toEqual([42.3, 84.6, 27]);
    expect(parseVoxel(' 50X50x10 ')).toEqual([50, 50, 10]);
    expect(parseVoxel('.5x1e1x2.')).toEqual([0.5, 10, 2]);
    for (const bad of ['', '42.3', '42.3x84.6', '1x2x3x4', 'ax1x1', '1x1x', '0x1x1', '1x-2x1', 'NaNx1x1', 'Infinityx1x1', '1x1x1e999', '1,1,1', '0x0x0']) {
      inputError(() => parseVoxel(bad), '--voxel');
    }
  });

  test('parseLayerMethod rejects unknown names, bad sizes and phase on 3D maps', () => {
    for (const bad of ['', 'foo', 'bayer', 'bluenoise', 'bayer7', 'bayer3d7', 'bayer3d512', 'bluenoise3d128', 'bluenoise3d2', 'bayer3d8+phase', 'bluenoise3d+phase', 'bayer3d16x16x4+phase', 'bayer8+phase+phase', 'bayer8+phaze', 'bayer3dx']) {
      inputError(() => parseLayerMethod(bad), '--method');
    }
  });

  test('accepted names', () => {
    for (const ok of ['bayer3d8', 'bayer3d16x16x4', 'bluenoise3d8', 'bayer8+phase', 'bluenoise16+phase', 'bayer8', 'bluenoise16', 'bayer4x8', ' Bayer8 + phase ']) {
      const lm = parseLayerMethod(ok);
      expect(lm.at(5).size[2]).toBe(1);
    }
  });
});
