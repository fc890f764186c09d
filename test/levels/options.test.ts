// Parsing and validation of the levels options (InputErrors naming the option), and PNG output.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine.js';
import { InputError } from '../../src/errors.js';
import { decodePng } from '../../src/formats/png.js';
import type { PngColorType, Raster } from '../../src/formats/raster.js';
import { encodeLevelsPng, levels, parseCodes, parseCutoff, parseLevels, type LevelsOptions } from '../../src/image/levels.js';
import { bayer } from '../../src/maps/bayer.js';
import { randomBytes } from '../helpers/random.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ backend: 'cpu' });
});
afterAll(() => engine.destroy());

function raster8(w: number, h: number, colorType: PngColorType, hasAlpha: boolean, seed: number): Raster {
  return { width: w, height: h, depth: 8, data: randomBytes(4 * w * h, seed), hasAlpha, source: { bitDepth: 8, colorType } };
}

function inputErrorOf(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

async function rejection(p: Promise<unknown>): Promise<InputError> {
  const e = await p.then(
    () => new Error('expected an InputError'),
    (err: unknown) => err,
  );
  if (!(e instanceof InputError)) throw e;
  return e;
}

describe('parsing', () => {
  test('good specs', () => {
    expect(parseLevels('2')).toEqual([2]);
    expect(parseLevels('6,6,4')).toEqual([6, 6, 4]);
    expect(parseLevels(' 256 , 2,3 ')).toEqual([256, 2, 3]);
    expect(parseCodes('srgb')).toBe('srgb');
    expect(parseCodes('linear')).toBe('linear');
    expect(parseCodes('gamma:2.2')).toEqual({ gamma: 2.2 });
    expect(parseCutoff('0.3')).toBe(0.3);
  });

  test('bad specs are InputErrors naming the option, on one line', () => {
    for (const spec of ['', 'a', '2.5', '-2', '1', '257', '2,1,2', '4,4', '2,3,4,5', '6,,4', '0x10']) {
      const e = inputErrorOf(() => parseLevels(spec));
      expect(e.input, spec).toBe('--levels');
      expect(e.message).not.toContain('\n');
    }
    for (const spec of ['', 'srgb2', 'gamma', 'gamma:', 'gamma:0', 'gamma:-1', 'gamma:x', 'gamma:Infinity']) {
      expect(inputErrorOf(() => parseCodes(spec)).input, spec).toBe('--codes');
    }
    for (const spec of ['', '0', '1', '-0.1', '1.5', 'NaN', 'half']) {
      expect(inputErrorOf(() => parseCutoff(spec)).input, spec).toBe('--cutoff');
    }
  });

  test('levels() refuses bad options with InputErrors before touching the image', async () => {
    const img = raster8(4, 4, 'rgb', false, 1);
    const bad: [LevelsOptions, string][] = [
      [{ levels: [1] }, '--levels'],
      [{ levels: [257] }, '--levels'],
      [{ levels: [2.5] }, '--levels'],
      [{ levels: [] }, '--levels'],
      [{ levels: [2, 2] }, '--levels'],
      [{ levels: [2, 2, 2, 2] }, '--levels'],
      [{ levels: [4], cutoff: 0 }, '--cutoff'],
      [{ levels: [4], cutoff: 1 }, '--cutoff'],
      [{ levels: [4], cutoff: NaN }, '--cutoff'],
      [{ levels: [4], codes: { gamma: 0 } }, '--codes'],
      [{ levels: [4], codes: { gamma: Infinity } }, '--codes'],
      [{ levels: [4], codes: 'cubic' as never }, '--codes'],
      [{ levels: [4], alpha: 'premultiply' as never }, '--alpha'],
      [{ levels: [4], map: bayer([4, 4, 4]) }, '--method'],
    ];
    for (const [options, input] of bad) {
      expect((await rejection(levels(engine, img, options))).input, JSON.stringify(options)).toBe(input);
    }
    expect((await levels(engine, img, { levels: [256] })).codes.length).toBe(48);
  });
});

describe('PNG output', () => {
  const cases: [string, PngColorType, boolean, number[], PngColorType, number][] = [
    ['grey, 2 levels', 'grey', false, [2], 'grey', 1],
    ['grey, 3 levels', 'grey', false, [3], 'grey', 2],
    ['grey, 9 levels', 'grey', false, [9], 'grey', 4],
    ['grey, 200 levels', 'grey', false, [200], 'grey', 8],
    ['grey + alpha', 'grey-alpha', true, [3], 'grey-alpha', 8],
    ['rgb', 'rgb', false, [6, 6, 4], 'rgb', 8],
    ['rgba', 'rgba', true, [2], 'rgba', 8],
  ];
  for (const [name, colorType, hasAlpha, n, outType, depth] of cases) {
    test(`${name}: decodes back to the codes`, async () => {
      const w = 13;
      const h = 5;
      const r = await levels(engine, raster8(w, h, colorType, hasAlpha, n[0]!), { levels: n, alpha: 'dither' });
      const back = decodePng(encodeLevelsPng(r), name);
      expect(back.source).toEqual({ bitDepth: depth, colorType: outType });
      expect(back.hasAlpha).toBe(hasAlpha);
      // decodePng widens sub-byte grey to 8 bits by 255 / (2^depth − 1).
      const scale = 255 / (2 ** depth - 1);
      const order = outType === 'grey' ? [0] : outType === 'grey-alpha' ? [0, 3] : outType === 'rgb' ? [0, 1, 2] : [0, 1, 2, 3];
      for (let i = 0; i < w * h; i++) {
        order.forEach((c, j) => expect(back.data[4 * i + c], `pixel ${i}`).toBe(r.codes[r.channels * i + j]! * (c === 3 ? 1 : scale)));
      }
    });
  }
});
