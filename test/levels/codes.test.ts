// Where the output codes sit in light, which depth the file gets, exact inputs reproduced, and alpha modes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { srgbDecode } from '../../src/color/transfer.js';
import { Engine } from '../../src/engine.js';
import type { PngColorType, Raster } from '../../src/formats/raster.js';
import { levels, type LevelsOptions } from '../../src/image/levels.js';
import { levelCodes } from '../../src/kernels/levels.js';
import { bayer } from '../../src/maps/bayer.js';
import { randomBytes } from '../helpers/random.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ backend: 'cpu' });
});
afterAll(() => engine.destroy());

function raster8(w: number, h: number, data: Uint8Array, colorType: PngColorType, hasAlpha = false): Raster {
  return { width: w, height: h, depth: 8, data, hasAlpha, source: { bitDepth: 8, colorType } };
}

/** A 16-bit image of one colour. */
function flat16(w: number, h: number, rgba: number[], colorType: PngColorType): Raster {
  const data = new Uint16Array(4 * w * h);
  for (let i = 0; i < w * h; i++) data.set(rgba, 4 * i);
  return { width: w, height: h, depth: 16, data, hasAlpha: rgba[3] !== 65535, source: { bitDepth: 16, colorType } };
}

describe('code placement', () => {
  test('srgb codes are evenly spaced file values at the sRGB curve: N=4 puts code 1 at srgbDecode(85/255)', () => {
    const c = levelCodes(4, 8, 'srgb');
    expect([...c.values]).toEqual([0, 85, 170, 255]);
    [0, 85, 170, 255].forEach((v, k) => expect(Math.abs(c.linear[k]! - srgbDecode(v / 255) * 65535)).toBeLessThanOrEqual(0.5));
    const grey = levelCodes(4, 2, 'srgb');
    expect([...grey.values]).toEqual([0, 1, 2, 3]);
    expect(Math.abs(grey.linear[1]! - srgbDecode(1 / 3) * 65535)).toBeLessThanOrEqual(0.5);
  });

  test('linear codes are evenly spaced in light; gamma:G codes sit at (v/max)^G', () => {
    const lin = levelCodes(6, 8, 'linear');
    expect([...lin.values]).toEqual([0, 51, 102, 153, 204, 255]);
    for (let k = 1; k < 6; k++) expect(lin.linear[k]! - lin.linear[k - 1]!).toBe(13107);
    const g = levelCodes(3, 8, { gamma: 1.8 });
    expect([...g.values]).toEqual([0, 128, 255]);
    expect(Math.abs(g.linear[1]! - (128 / 255) ** 1.8 * 65535)).toBeLessThanOrEqual(0.5);
    expect([g.linear[0], g.linear[2]]).toEqual([0, 65535]);
  });

  test('grey output takes the smallest PNG depth that holds the codes; colour and grey + alpha take 8', async () => {
    const grey = raster8(3, 2, randomBytes(24, 1), 'grey');
    for (const [n, depth] of [[2, 1], [3, 2], [4, 2], [5, 4], [16, 4], [17, 8], [256, 8]] as const) {
      const r = await levels(engine, grey, { levels: [n] });
      expect([r.channels, r.depth], `${n} levels`).toEqual([1, depth]);
      expect(Math.max(...r.codes), `${n} levels`).toBeLessThan(2 ** depth);
    }
    const ga = await levels(engine, raster8(3, 2, randomBytes(24, 2), 'grey-alpha', true), { levels: [2] });
    expect([ga.channels, ga.depth]).toEqual([2, 8]);
    const rgb = await levels(engine, raster8(3, 2, randomBytes(24, 3), 'rgb'), { levels: [2] });
    expect([rgb.channels, rgb.depth]).toEqual([3, 8]);
    const rgba = await levels(engine, raster8(3, 2, randomBytes(24, 4), 'rgba', true), { levels: [2, 3, 4] });
    expect([rgba.channels, rgba.depth]).toEqual([4, 8]);
  });

  test('inputs that sit exactly on a code come out as that code, with every map cell', async () => {
    // 8-bit sRGB inputs at the file values of srgb codes decode to exactly their L_k.
    const options: LevelsOptions = { levels: [6, 6, 4] };
    const r6 = [0, 51, 102, 153, 204, 255];
    const r4 = [0, 85, 170, 255];
    const data = new Uint8Array(4 * 24 * 8);
    for (let i = 0; i < 24 * 8; i++) data.set([r6[i % 6]!, r6[(i >> 1) % 6]!, r4[i % 4]!, 255], 4 * i);
    const r = await levels(engine, raster8(24, 8, data, 'rgb'), options);
    for (let i = 0; i < 24 * 8; i++) expect([...r.codes.subarray(3 * i, 3 * i + 3)]).toEqual([...data.subarray(4 * i, 4 * i + 3)]);
    // With --gamma-space, 16-bit inputs v·257 are exactly the 8-bit codes v.
    for (const v of [0, 51, 153, 255]) {
      const g = await levels(engine, flat16(9, 9, [v * 257, v * 257, v * 257, 65535], 'rgb'), { levels: [6], gammaSpace: true });
      expect(new Set(g.codes), `${v}`).toEqual(new Set([v]));
    }
  });

  test('black stays code 0 and white the top code, even when extreme gammas make codes share a light level', async () => {
    for (const codes of ['srgb', 'linear', { gamma: 0.001 }, { gamma: 40 }] as const) {
      const c = levelCodes(256, 8, codes);
      for (const [v, want] of [[0, 0], [65535, 255]] as const) {
        const r = await levels(engine, flat16(9, 9, [v, v, v, 65535], 'rgb'), { levels: [256], codes });
        expect(new Set(r.codes), `${JSON.stringify(codes)} ${v}`).toEqual(new Set([want]));
      }
      // The premise: these gammas do produce duplicate levels at one end.
      if (typeof codes === 'object') expect(new Set(c.linear).size).toBeLessThan(256);
    }
  });
});

describe('alpha', () => {
  const w = 256;
  const h = 64;
  const data = randomBytes(4 * w * h, 7);
  for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) data[4 * (y * w + x) + 3] = x; // alpha ramp 0..255
  // The dither test needs alpha constant over each band, so that every map cell sees each value.
  const stepped = data.slice();
  for (let i = 3; i < stepped.length; i += 4) stepped[i] = (stepped[i]! & ~7) + 4;
  const src = raster8(w, h, data, 'rgba', true);

  test('keep: 8-bit alpha passes through unchanged', async () => {
    const r = await levels(engine, src, { levels: [2], alpha: 'keep' });
    for (let i = 0; i < w * h; i++) expect(r.codes[4 * i + 3]).toBe(data[4 * i + 3]);
  });

  test('keep: 16-bit alpha is within one code of the nearest 8-bit code', async () => {
    const d16 = new Uint16Array(4 * w * h);
    for (let i = 0; i < d16.length; i++) d16[i] = (i * 2654435761) % 65536;
    const r = await levels(engine, { ...src, depth: 16, data: d16 }, { levels: [2], alpha: 'keep' });
    for (let i = 0; i < w * h; i++) expect(Math.abs(r.codes[4 * i + 3]! - Math.round(d16[4 * i + 3]! / 257))).toBeLessThanOrEqual(1);
  });

  test('threshold: opaque exactly where alpha is at least one half', async () => {
    const r = await levels(engine, src, { levels: [2], alpha: 'threshold' });
    for (let i = 0; i < w * h; i++) expect(r.codes[4 * i + 3]).toBe(data[4 * i + 3]! >= 128 ? 255 : 0);
  });

  test('dither: two levels whose coverage keeps the mean alpha of every 8-column band (to 1/128)', async () => {
    // The colour cutoff does not bias coverage.
    const r = await levels(engine, { ...src, data: stepped }, { levels: [2], alpha: 'dither', map: bayer([8, 8]), cutoff: 0.3 });
    for (let band = 0; band < w / 8; band++) {
      let want = 0;
      let got = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 8 * band; x < 8 * band + 8; x++) {
          const a = r.codes[4 * (y * w + x) + 3]!;
          expect(a === 0 || a === 255).toBe(true);
          got += a / 255;
          want += stepped[4 * (y * w + x) + 3]! / 255;
        }
      }
      expect(Math.abs(got - want) / (8 * h), `band ${band}`).toBeLessThanOrEqual(1 / 128);
    }
  });

  test('a source without alpha gets no alpha channel, whatever the mode', async () => {
    const rgb = raster8(5, 3, randomBytes(60, 9), 'rgb');
    for (const alpha of ['keep', 'threshold', 'dither'] as const) {
      expect((await levels(engine, rgb, { levels: [2], alpha })).channels).toBe(3);
    }
  });
});
