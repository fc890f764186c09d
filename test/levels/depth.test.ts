// 16-bit to 8-bit: every output within one code of the nearest code, band means kept far more tightly than
// rounding keeps them, and no banding where the source lies between two 8-bit codes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { srgbDecode } from '../../src/color/transfer.js';
import { Engine } from '../../src/engine.js';
import type { Raster } from '../../src/formats/raster.js';
import { levels } from '../../src/image/levels.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ backend: 'cpu' });
});
afterAll(() => engine.destroy());

const W = 4096;
const H = 64;
const BANDS = 64;
// A slow ramp over 16 8-bit code steps, in the mid-tones where a step of light is largest.
const FROM = 257 * 150;
const TO = 257 * 166;

function slowRamp(): Raster {
  const data = new Uint16Array(4 * W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = Math.round(FROM + ((TO - FROM) * x) / (W - 1));
      data.set([v, (v * 7) % 65536, 65535 - v, 65535], 4 * (y * W + x));
    }
  }
  return { width: W, height: H, depth: 16, data, hasAlpha: false, source: { bitDepth: 16, colorType: 'rgb' } };
}

function bandMeans(at: (x: number, y: number) => number): number[] {
  const bw = W / BANDS;
  const sums = new Array<number>(BANDS).fill(0);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) sums[Math.floor(x / bw)]! += at(x, y);
  return sums.map((s) => s / (bw * H));
}

const maxDiff = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

describe('16-bit to 8-bit with --levels 256', () => {
  const src = slowRamp();
  const sample = (x: number, y: number, c: number): number => src.data[4 * (y * W + x) + c]!;

  test('each output is within one code of the nearest 8-bit code', async () => {
    const r = await levels(engine, src, { levels: [256] });
    expect([r.channels, r.depth]).toEqual([3, 8]);
    let worst = 0;
    for (let i = 0; i < W * H; i++) {
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(r.codes[3 * i + c]! - Math.round(src.data[4 * i + c]! / 257)));
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  test('band means hold in linear light, far better than rounding does', async () => {
    const r = await levels(engine, src, { levels: [256] });
    for (let c = 0; c < 3; c++) {
      const light = bandMeans((x, y) => srgbDecode(sample(x, y, c) / 65535));
      const out = bandMeans((x, y) => srgbDecode(r.codes[3 * (y * W + x) + c]! / 255));
      const rounded = bandMeans((x, y) => srgbDecode(Math.round(sample(x, y, c) / 257) / 255));
      expect(maxDiff(out, light), `channel ${c}`).toBeLessThanOrEqual(0.01);
      // Rounding is off by up to half a step of light per band; dithering by a small fraction of one.
      expect(maxDiff(out, light), `channel ${c}`).toBeLessThan(0.0002);
      if (c === 0) expect(maxDiff(rounded, light)).toBeGreaterThan(0.001);
    }
  });

  test('no banding: between two 8-bit codes both appear, in proportion to where the source lies', async () => {
    const r = await levels(engine, src, { levels: [256] });
    for (let code = 150; code < 166; code++) {
      // Columns whose source lies strictly between `code` and `code + 1`.
      let upper = 0;
      let total = 0;
      let want = 0;
      const seen = new Set<number>();
      for (let x = 0; x < W; x++) {
        const v = sample(x, 0, 0);
        if (v <= 257 * code || v >= 257 * (code + 1)) continue;
        const l0 = srgbDecode(code / 255);
        const f = (srgbDecode(v / 65535) - l0) / (srgbDecode((code + 1) / 255) - l0);
        for (let y = 0; y < H; y++) {
          const out = r.codes[3 * (y * W + x)]!;
          seen.add(out);
          total++;
          want += f;
          if (out === code + 1) upper++;
        }
      }
      expect([...seen].sort(), `between ${code} and ${code + 1}`).toEqual([code, code + 1]);
      expect(Math.abs(upper - want) / total, `between ${code} and ${code + 1}`).toBeLessThan(0.005);
    }
  });
});
