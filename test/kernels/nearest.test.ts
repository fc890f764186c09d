// The assignment pass is exact: the grid's answer equals a brute-force search of the whole palette, ties to the
// lowest index, in every distance space and at every palette size.
import { describe, expect, test } from 'vitest';
import { DISTANCE_SPACES } from '../../src/color/space.js';
import { bayer } from '../../src/maps/bayer.js';
import { nearestBruteForce, nearestIndex, orderedPaletteParams } from '../../src/kernels/orderedPalette.js';
import { getPreset } from '../../src/palette/presets.js';
import { randomBytes, rng } from '../helpers/random.js';

const map = bayer([2, 2]);

function check(palette: Uint8Array, distance: (typeof DISTANCE_SPACES)[number], seed: number, samples: number): number {
  const params = orderedPaletteParams(map, palette, { distance });
  const r = rng(seed);
  let mismatches = 0;
  for (let k = 0; k < samples; k++) {
    // Half uniform over the cube, half near black where cells are most stretched in perceptual spaces.
    const scale = k % 2 ? 65536 : 2048;
    const c = [0, 1, 2].map(() => Math.floor(r() * scale));
    if (nearestIndex(params, c[0]!, c[1]!, c[2]!) !== nearestBruteForce(params, c[0]!, c[1]!, c[2]!)) mismatches++;
  }
  return mismatches;
}

describe('nearest colour equals brute force', () => {
  for (const distance of DISTANCE_SPACES) {
    for (const size of [2, 3, 16, 64, 256]) {
      test(`${distance}, ${size} random colours`, () => {
        expect(check(randomBytes(3 * size, size * 31 + distance.length), distance, size, 20_000)).toBe(0);
      });
    }
    test(`${distance}, presets`, () => {
      for (const name of ['websafe', 'pico8', 'grays-256', 'cga']) expect(check(getPreset(name)!.colors, distance, 5, 5000), name).toBe(0);
    });
    test(`${distance}, duplicate and near-duplicate colours tie to the lowest index`, () => {
      const base = randomBytes(3 * 40, 77);
      const pal = new Uint8Array([...base, ...base, ...base.map((v) => Math.min(255, v + 1))]);
      expect(check(pal, distance, 9, 20_000)).toBe(0);
    });
  }

  test('the grid prunes: a 256-colour palette searches far fewer than 256 candidates per cell', () => {
    const params = orderedPaletteParams(map, randomBytes(3 * 256, 1), { distance: 'oklab' });
    const { dim, words } = params.grid;
    let total = 0;
    for (let c = 0; c < dim ** 3; c++) total += words[65536 + c]! & 511;
    expect(total / dim ** 3).toBeLessThan(40);
  });
});
