// Mean preservation: decisions in linear light keep the light of every band of a ramp, whatever the code
// placement; --gamma-space keeps the encoded mean instead, which is a different (and for light, wrong) thing.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { srgbDecode } from '../../src/color/transfer.js';
import { Engine } from '../../src/engine.js';
import type { Raster } from '../../src/formats/raster.js';
import { levels, type LevelsOptions, type LevelsResult } from '../../src/image/levels.js';
import { bayer } from '../../src/maps/bayer.js';
import { blueNoise } from '../../src/maps/blueNoise.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ backend: 'cpu' });
});
afterAll(() => engine.destroy());

const W = 4096;
const H = 64;
const BANDS = 64;

/** A 16-bit grey ramp from black to white along x, the same in every row. */
function greyRamp(from = 0, to = 65535, colorType: 'grey' | 'rgb' = 'grey'): Raster {
  const data = new Uint16Array(4 * W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = Math.round(from + ((to - from) * x) / (W - 1));
      data.set([v, v, v, 65535], 4 * (y * W + x));
    }
  }
  return { width: W, height: H, depth: 16, data, hasAlpha: false, source: { bitDepth: 16, colorType } };
}

/** Per band of W/BANDS columns, the mean of f over the band's pixels (channel 0). */
function bandMeans(width: number, height: number, stride: number, at: (i: number) => number): number[] {
  const bw = width / BANDS;
  const sums = new Array<number>(BANDS).fill(0);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) sums[Math.floor(x / bw)]! += at((y * width + x) * stride);
  return sums.map((s) => s / (bw * height));
}

function decoder(codes: LevelsOptions['codes']): (x: number) => number {
  if (codes === undefined || codes === 'srgb') return srgbDecode;
  if (codes === 'linear') return (x) => x;
  return (x) => x ** codes.gamma;
}

/** Linear light of the output's channel 0, decoded from the file values with the placement's own curve. */
function outputLight(r: LevelsResult, codes: LevelsOptions['codes']): number[] {
  const max = 2 ** r.depth - 1;
  const decode = decoder(codes);
  return bandMeans(r.width, r.height, r.channels, (i) => decode(r.codes[i]! / max));
}

function sourceLight(src: Raster, decode = srgbDecode): number[] {
  return bandMeans(src.width, src.height, 4, (i) => decode(src.data[i]! / 65535));
}

const maxDiff = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

describe('a 16-bit grey ramp keeps its linear-light mean in every 1/64 band', () => {
  const ramp = greyRamp();
  const light = sourceLight(ramp);
  const cases: [string, LevelsOptions][] = [
    ['2 levels, bayer8', { levels: [2], map: bayer([8, 8]) }],
    ['2 levels, bluenoise64', { levels: [2], map: blueNoise([64, 64]) }],
    ['4 levels, srgb codes', { levels: [4] }],
    ['4 levels, linear codes', { levels: [4], codes: 'linear' }],
    ['5 levels, gamma:1.8 codes', { levels: [5], codes: { gamma: 1.8 } }],
    ['3 levels, colour output', { levels: [3, 3, 3] }],
  ];
  for (const [name, options] of cases) {
    test(name, async () => {
      const src = name.includes('colour') ? greyRamp(0, 65535, 'rgb') : ramp;
      const r = await levels(engine, src, options);
      expect(r.channels).toBe(name.includes('colour') ? 3 : 1);
      const d = maxDiff(outputLight(r, options.codes), light);
      expect(d).toBeLessThanOrEqual(0.01);
    });
  }

  test('--gamma-space keeps the encoded mean instead, and so misses the light by far more than 0.01', async () => {
    const r = await levels(engine, ramp, { levels: [2], gammaSpace: true });
    const encodedOut = bandMeans(W, H, 1, (i) => r.codes[i]!);
    expect(maxDiff(encodedOut, sourceLight(ramp, (x) => x))).toBeLessThanOrEqual(0.01);
    expect(maxDiff(outputLight(r, 'srgb'), light)).toBeGreaterThan(0.1);
  });

  test('a lower cutoff picks the upper code more often', async () => {
    const mean = async (cutoff: number) => {
      const r = await levels(engine, ramp, { levels: [2], cutoff });
      return r.codes.reduce((s, v) => s + v, 0) / r.codes.length;
    };
    const [low, mid, high] = [await mean(0.3), await mean(0.5), await mean(0.75)];
    expect(low).toBeGreaterThan(mid + 0.1);
    expect(high).toBeLessThan(mid - 0.1);
  });
});
