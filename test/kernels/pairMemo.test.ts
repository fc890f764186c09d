// The pair rule on 8-bit pixels goes through a memo of each colour's split (A, B and the threshold bound): it must
// give exactly the pixel-by-pixel reference, whatever the palette, space, alpha rule or map, whole and by tile,
// when colours collide in the memo, and when calls alternate between parameter sets.
import { describe, expect, it } from 'vitest';
import { DISTANCE_SPACES } from '../../src/color/space.js';
import { orderedPalette, orderedPaletteParams, orderedPaletteUncached, type OrderedPaletteOptions } from '../../src/kernels/orderedPalette.js';
import { bayer } from '../../src/maps/bayer.js';
import { parseMethod } from '../../src/maps/catalogue.js';
import { getPreset } from '../../src/palette/presets.js';
import { randomBytes } from '../helpers/random.js';

/** Random pixels, every other row repeating a few colours (memo hits) and some translucent alpha. */
function image(width: number, height: number, seed: number) {
  const data = randomBytes(4 * width * height, seed);
  for (let p = 0; p < width * height; p++) {
    if (Math.floor(p / width) % 2) data.set(data.subarray(4 * (p % 7), 4 * (p % 7) + 3), 4 * p);
    if (p % 3) data[4 * p + 3] = 255;
  }
  return { width, height, data };
}

const pico8 = getPreset('pico8')!.colors;
const palettes: [string, Uint8Array][] = [
  ['pico8', pico8],
  ['3 random', randomBytes(9, 3)],
  ['64 random', randomBytes(192, 64)],
  ['256 random', randomBytes(768, 256)],
  ['duplicates', Uint8Array.from([...pico8.subarray(0, 12), ...pico8.subarray(0, 12)])],
];

describe('memoised pair rule equals the reference', () => {
  for (const [name, colors] of palettes) {
    for (const distance of DISTANCE_SPACES) {
      it(`${name}, ${distance}`, () => {
        const img = image(61, 40, colors.length + distance.length);
        const options: OrderedPaletteOptions[] = [{ distance }, { distance, gammaSpace: true }, { distance, alpha: 'dither' }, { distance, alpha: 'threshold' }];
        for (const o of options) {
          const params = orderedPaletteParams(bayer([8, 8]), colors, o);
          expect(orderedPalette(img, params)).toEqual(orderedPaletteUncached(img, params));
          const tile = { ...img, height: 9, data: img.data.subarray(4 * 61 * 13, 4 * 61 * 22) };
          expect(orderedPalette(tile, params, 13, 9)).toEqual(orderedPaletteUncached(tile, params, 13, 9));
        }
      });
    }
  }

  it('with more colours than memo entries (collisions), on a blue-noise map', () => {
    const img = image(640, 420, 9);
    const params = orderedPaletteParams(parseMethod('bluenoise16'), pico8);
    expect(orderedPalette(img, params)).toEqual(orderedPaletteUncached(img, params));
  });

  it('when calls alternate between parameter sets', () => {
    const img = image(50, 30, 4);
    const a = orderedPaletteParams(bayer([4, 4]), pico8);
    const b = orderedPaletteParams(bayer([4, 4]), randomBytes(30, 8), { distance: 'lab' });
    for (const params of [a, b, a, b]) expect(orderedPalette(img, params)).toEqual(orderedPaletteUncached(img, params));
  });
});
