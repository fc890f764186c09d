// levelsCpu reads 8-bit samples through per-(channel, cell) tables: it must give exactly the per-sample formula
// (levelCode, the WGSL's operations), for every placement, cutoff, level count and alpha mode.
import { describe, expect, it } from 'vitest';
import type { Raster } from '../../src/formats/raster.js';
import { planLevels, type LevelsOptions } from '../../src/image/levels.js';
import { levelCode, levelsCpu, type LevelsParams } from '../../src/kernels/levels.js';
import { bayer } from '../../src/maps/bayer.js';
import { parseMethod } from '../../src/maps/catalogue.js';
import { randomBytes } from '../helpers/random.js';

/** The formula, sample by sample: what levelsCpu computed before it used tables. */
function perSample(image: Raster, params: LevelsParams, firstRow: number, rows: number): Uint8Array {
  const out = new Uint8Array(4 * image.width * rows);
  const { mapWidth, mapHeight, thresholds, rowBase } = params;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < image.width; x++) {
      const cell = ((y + firstRow) % mapHeight) * mapWidth + (x % mapWidth);
      for (let c = 0; c < 4; c++) {
        const i = 4 * (y * image.width + x) + c;
        out[i] = levelCode(params, c, image.data[i]!, thresholds[rowBase[c]! + cell]!);
      }
    }
  }
  return out;
}

/** Channels `pick` of 4-channel codes. */
const picked = (codes: Uint8Array, pick: number[]): Uint8Array =>
  Uint8Array.from({ length: (codes.length / 4) * pick.length }, (_, i) => codes[4 * Math.floor(i / pick.length) + pick[i % pick.length]!]!);

function raster(width: number, height: number, seed: number, alpha: boolean): Raster {
  const data = randomBytes(4 * width * height, seed);
  data[0] = 0; // the extremes appear
  data[1] = 255;
  if (!alpha) for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { width, height, depth: 8, data, hasAlpha: alpha, source: { bitDepth: 8, colorType: alpha ? 'rgba' : 'rgb' } };
}

describe('levelsCpu on 8-bit input equals the per-sample formula', () => {
  it('16-bit input (no tables) picks channels too', () => {
    const image: Raster = { width: 9, height: 4, depth: 16, data: Uint16Array.from(randomBytes(144, 2), (v, i) => v * 251 + i), hasAlpha: true, source: { bitDepth: 16, colorType: 'rgba' } };
    const { params } = planLevels(image, { levels: [3, 4, 5] });
    const all = levelsCpu(image, params);
    expect(all).toEqual(perSample(image, params, 0, 4));
    expect(levelsCpu(image, params, 0, 4, [1, 3])).toEqual(picked(all, [1, 3]));
  });

  const cases: [string, LevelsOptions][] = [
    ['2 levels, srgb', { levels: [2] }],
    ['6,7,4 linear, cutoff 0.3', { levels: [6, 7, 4], codes: 'linear', cutoff: 0.3 }],
    ['256 levels, gamma 2.2', { levels: [256], codes: { gamma: 2.2 } }],
    ['3 levels, gamma space, cutoff 0.9', { levels: [3], gammaSpace: true, cutoff: 0.9 }],
    ['alpha threshold, 4x4 map', { levels: [5], alpha: 'threshold', map: bayer([4, 4]) }],
    ['alpha dither, 8x2 map', { levels: [17, 2, 9], alpha: 'dither', map: bayer([8, 2]) }],
    ['alpha keep, blue noise 16', { levels: [4], alpha: 'keep', map: parseMethod('bluenoise16') }],
  ];
  for (const [label, options] of cases) {
    for (const alpha of [false, true]) {
      it(`${label}${alpha ? ', with alpha' : ''}`, () => {
        const image = raster(37, 23, label.length, alpha);
        const { params } = planLevels(image, options);
        expect(levelsCpu(image, params)).toEqual(perSample(image, params, 0, image.height));
        // A tile: rows 5..17, read from its own start, keep the map's row phase.
        const tile = { ...image, height: 12, data: image.data.subarray(4 * 37 * 5, 4 * 37 * 17) };
        expect(levelsCpu(tile, params, 5, 12)).toEqual(perSample(tile, params, 5, 12));
        for (const pick of [[0, 1, 2], [0, 3], [2]]) expect(levelsCpu(image, params, 0, 23, pick)).toEqual(picked(perSample(image, params, 0, 23), pick));
        // A band told it serves a large image (the table path, whatever its own size), and one told a tiny one.
        for (const served of [1 << 30, 1]) expect(levelsCpu(tile, params, 5, 12, [0, 1, 2, 3], undefined, served)).toEqual(perSample(tile, params, 5, 12));
      });
    }
  }
});
