// The mixing plans and the CPU reference of orderedMix: plan properties, mean preservation, determinism, errors.
import { describe, expect, test } from 'vitest';
import { bayer } from '../../src/maps/bayer.js';
import { srgbDecode, srgbEncode } from '../../src/color/transfer.js';
import { getPreset } from '../../src/palette/index.js';
import { InputError } from '../../src/errors.js';
import {
  buildMixPlans,
  mixPlans,
  orderedMixCpu,
  orderedMixParams,
  type MixImage,
} from '../../src/kernels/orderedMix.js';
import { randomBytes, randomImage, rng } from '../helpers/random.js';

const BW = new Uint8Array([0, 0, 0, 255, 255, 255]);
const PICO8 = getPreset('pico8')!.colors;
const lin = (code: number, max = 255): number => srgbDecode(code / max);
const luminance = (pal: Uint8Array, i: number): number =>
  0.2126 * lin(pal[3 * i]!) + 0.7152 * lin(pal[3 * i + 1]!) + 0.0722 * lin(pal[3 * i + 2]!);

function flat(width: number, height: number, rgb: readonly number[], bits: 8 | 16 = 8): MixImage {
  const data = bits === 16 ? new Uint16Array(4 * width * height) : new Uint8Array(4 * width * height);
  for (let p = 0; p < width * height; p++) data.set([...rgb, bits === 16 ? 65535 : 255], 4 * p);
  return { width, height, data };
}

/** Mean linear RGB of the palette colours that `indices` name. */
function meanLinear(pal: Uint8Array, indices: Uint8Array): number[] {
  const sum = [0, 0, 0];
  for (const i of indices) for (let c = 0; c < 3; c++) sum[c]! += lin(pal[3 * i + c]!);
  return sum.map((s) => s / indices.length);
}

describe('plans', () => {
  test('hold only palette indices, each plan sorted by luminance', () => {
    for (const pal of [BW, PICO8, randomBytes(3 * 40, 3)]) {
      const { plans, grid, planSize, paletteSize } = buildMixPlans(pal, { grid: 9 });
      expect(paletteSize).toBe(pal.length / 3);
      const bad: string[] = [];
      for (let node = 0; node < grid ** 3; node++) {
        for (let k = 0; k < planSize; k++) {
          const i = plans[node * planSize + k]!;
          if (i >= paletteSize) bad.push(`node ${node} entry ${k}: index ${i}`);
          const prev = plans[node * planSize + k - 1];
          if (k > 0 && luminance(pal, i) < luminance(pal, prev!)) bad.push(`node ${node} entry ${k}: darker`);
        }
      }
      expect(bad.slice(0, 5)).toEqual([]);
    }
  });

  test('a grey node mixes black and white to the nearest k/planSize of its linear value', () => {
    for (const planSize of [16, 64]) {
      const G = 32;
      const { plans } = buildMixPlans(BW, { grid: G, planSize });
      for (let g = 0; g < G; g++) {
        const node = (g * G + g) * G + g;
        let whites = 0;
        for (let k = 0; k < planSize; k++) whites += plans[node * planSize + k]!;
        expect(Math.abs(whites / planSize - srgbDecode(g / (G - 1)))).toBeLessThanOrEqual(0.5 / planSize + 1e-9);
      }
    }
  });

  test('the kernel form (luminance ranks and run lengths) spells the same plans', () => {
    const { plans, runs, rankToIndex, planSize } = buildMixPlans(PICO8, { grid: 6, planSize: 20 });
    const bad: number[] = [];
    for (let at = 0; at < plans.length; at++) {
      const e = (runs[at >> 1]! >>> (16 * (at & 1))) & 0xffff;
      const left = e >> 8; // entries after this one with the same rank, all in the same plan
      const end = at + left;
      const inPlan = Math.floor(end / planSize) === Math.floor(at / planSize);
      const sameRun = plans.subarray(at, end + 1).every((v) => v === plans[at]);
      const runEnds = (end + 1) % planSize === 0 || plans[end + 1] !== plans[at];
      const ok = rankToIndex[e & 0xff] === plans[at] && inPlan && sameRun && runEnds;
      if (!ok) bad.push(at);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  test('duplicates: the lowest index of equal colours is the only one used', () => {
    const pal = new Uint8Array([255, 255, 255, 0, 0, 0, 0, 0, 0, 255, 255, 255, 128, 0, 0]);
    const used = new Set(buildMixPlans(pal, { grid: 8 }).plans);
    expect(used.has(2)).toBe(false);
    expect(used.has(3)).toBe(false);
    expect([...used].sort()).toEqual([0, 1, 4]);
  });

  test('are deterministic and memoised per palette and options', () => {
    const pal = randomBytes(3 * 64, 11);
    const a = buildMixPlans(pal, { grid: 12, gammaSpace: true });
    const b = buildMixPlans(pal.slice(), { grid: 12, gammaSpace: true });
    expect(Buffer.from(a.plans).equals(Buffer.from(b.plans))).toBe(true);
    expect(mixPlans(pal, { grid: 12 })).toBe(mixPlans(pal.slice(), { grid: 12 }));
    expect(mixPlans(pal, { grid: 12 })).not.toBe(mixPlans(pal, { grid: 12, gammaSpace: true }));
  });

  test('256 colours at the default grid and plan size build in a few seconds', () => {
    for (const [name, pal] of [['pico8', PICO8], ['random 256', randomBytes(3 * 256, 5)]] as const) {
      const t0 = performance.now();
      const { grid, planSize } = buildMixPlans(pal);
      const ms = performance.now() - t0;
      console.log(`orderedMix plans, ${name}, grid ${grid}, plan ${planSize}: ${ms.toFixed(0)} ms`);
      expect(ms).toBeLessThan(15_000); // about 1 s on a loaded 2-core CI box; the bound only catches blow-ups
    }
  });
});

describe('the CPU reference', () => {
  const map = bayer([16, 16]);

  test('outputs palette indices only', () => {
    for (const pal of [BW, PICO8, randomBytes(3 * 256, 8)]) {
      const out = orderedMixCpu(randomImage(37, 23, 1), orderedMixParams(map, pal));
      expect(Math.max(...out)).toBeLessThan(pal.length / 3);
    }
  });

  test('black and white stay exact with a palette that holds them', () => {
    const pal = new Uint8Array([...randomBytes(3 * 14, 4), 255, 255, 255, 0, 0, 0]);
    const params = orderedMixParams(map, pal);
    expect(orderedMixCpu(flat(16, 16, [0, 0, 0]), params).every((i) => i === 15)).toBe(true);
    expect(orderedMixCpu(flat(16, 16, [255, 255, 255]), params).every((i) => i === 14)).toBe(true);
  });

  test('mid grey (50% linear) with black and white keeps its linear mean within 0.01, 8 and 16 bits', () => {
    const params = orderedMixParams(map, BW);
    const code8 = Math.round(srgbEncode(0.5) * 255);
    const out8 = orderedMixCpu(flat(256, 256, [code8, code8, code8]), params);
    expect(Math.abs(meanLinear(BW, out8)[0]! - lin(code8))).toBeLessThan(0.01);
    const code16 = Math.round(srgbEncode(0.5) * 65535);
    const out16 = orderedMixCpu(flat(256, 256, [code16, code16, code16], 16), params);
    expect(Math.abs(meanLinear(BW, out16)[0]! - 0.5)).toBeLessThan(0.01);
  });

  test('every grey keeps its linear mean within a plan step and a threshold step', () => {
    // Bound: the two grey nodes around a pixel interpolate its linear value exactly (to Q16), each 64-entry plan of
    // black and white is within 1/128 of its node, and bayer16's 256 thresholds split the mixture to within 1/256:
    // 1/128 + 1/256 = 0.0117.
    const params = orderedMixParams(map, BW);
    for (let g = 0; g < 256; g++) {
      const mean = meanLinear(BW, orderedMixCpu(flat(16, 16, [g, g, g]), params))[0]!;
      expect(Math.abs(mean - lin(g)), `grey ${g}`).toBeLessThan(0.0118);
    }
  });

  test('gammaSpace keeps the mean of encoded values instead', () => {
    const params = orderedMixParams(map, BW, { gammaSpace: true });
    const white = orderedMixCpu(flat(256, 256, [188, 188, 188]), params).reduce((a, b) => a + b, 0) / 65536;
    expect(Math.abs(white - 188 / 255)).toBeLessThan(0.01);
    expect(Math.abs(white - lin(188))).toBeGreaterThan(0.2); // so the two modes really differ
  });

  test('colours inside the pico8 hull keep their linear mean within 0.02', () => {
    // Per channel, a 64-entry greedy plan lands within about half a step (1/128 of full scale) of its node, the
    // corners' linear interpolation is exact, and bayer16's 256 thresholds place each boundary between the
    // mixture's colours to within 1/256: with up to 3 boundaries, 0.008 + 0.012 = 0.02 (0.015 is the worst seen
    // over 40 random hull colours). Every test colour is at least 0.05 from its nearest palette colour in some
    // channel, so no single palette colour passes.
    const params = orderedMixParams(map, PICO8);
    const r = rng(7);
    let tested = 0;
    while (tested < 12) {
      const w = [r(), r(), r()];
      const sum = w[0]! + w[1]! + w[2]!;
      const ks = w.map(() => Math.floor(r() * 16));
      const mixLinear = (c: number) => ks.reduce((a, k, j) => a + (w[j]! / sum) * lin(PICO8[3 * k + c]!), 0);
      const rgb = [0, 1, 2].map((c) => Math.round(srgbEncode(mixLinear(c)) * 255));
      const gap = (k: number) => Math.max(...rgb.map((v, c) => Math.abs(lin(v) - lin(PICO8[3 * k + c]!))));
      const nearest = Math.min(...[...Array(16).keys()].map(gap));
      if (nearest < 0.05) continue;
      const mean = meanLinear(PICO8, orderedMixCpu(flat(64, 64, rgb), params));
      for (let c = 0; c < 3; c++) {
        expect(Math.abs(mean[c]! - lin(rgb[c]!)), `rgb ${rgb} channel ${c}`).toBeLessThan(0.02);
      }
      tested++;
    }
  });

  test('output never gets darker as the threshold grows, so the map keeps its structure', () => {
    const map16 = bayer([16, 16]);
    const byThreshold = [...map16.values.keys()].sort((a, b) => map16.values[a]! - map16.values[b]!);
    for (const pal of [BW, PICO8, randomBytes(3 * 100, 12)]) {
      const params = orderedMixParams(map16, pal);
      const colours = randomBytes(3 * 40, pal.length);
      for (let c = 0; c < 40; c++) {
        const out = orderedMixCpu(flat(16, 16, [...colours.subarray(3 * c, 3 * c + 3)]), params);
        const y = byThreshold.map((cell) => luminance(pal, out[cell]!));
        expect(y.every((v, i) => i === 0 || v >= y[i - 1]!), `colour ${c}`).toBe(true);
      }
    }
  });

  test('thresholds tile over absolute coordinates', () => {
    const params = orderedMixParams(bayer([4, 2]), PICO8);
    const image = randomImage(13, 9, 21);
    const whole = orderedMixCpu(image, params);
    // Rows 2.. of the image are rows 0.. of a cropped one: the map's period in y is 2, so they match.
    const crop = { width: 13, height: 7, data: image.data.subarray(13 * 4 * 2) };
    expect(Buffer.from(orderedMixCpu(crop, params)).equals(Buffer.from(whole.subarray(13 * 2)))).toBe(true);
  });
});

describe('bad options', () => {
  test.each([
    [{ grid: 1 }, 'grid'],
    [{ grid: 65 }, 'grid'],
    [{ grid: 2.5 }, 'grid'],
    [{ planSize: 0 }, 'planSize'],
    [{ planSize: 257 }, 'planSize'],
  ])('%o is an InputError naming %s', (options, input) => {
    expect(() => orderedMixParams(bayer([8, 8]), BW, options)).toThrow(InputError);
    expect(() => orderedMixParams(bayer([8, 8]), BW, options)).toThrow(new RegExp(`^${input}:`));
  });

  test('a palette that is not 1..256 RGB triplets, or a 3D map, is an InputError', () => {
    expect(() => orderedMixParams(bayer([8, 8]), new Uint8Array(4))).toThrow(InputError);
    expect(() => orderedMixParams(bayer([8, 8]), new Uint8Array(0))).toThrow(InputError);
    expect(() => orderedMixParams(bayer([8, 8]), new Uint8Array(3 * 257))).toThrow(InputError);
    expect(() => orderedMixParams(bayer([4, 4, 4]), BW)).toThrow(InputError);
  });
});
