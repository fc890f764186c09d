// The library call behind `ditherforge image`, on both backends: every method and mode gives the same bytes on
// the GPU and the CPU, tiling changes nothing, and dithering in linear light preserves the mean.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine.js';
import { decodePng, type Raster } from '../../src/formats/index.js';
import { ditherImage, type DitherImageOptions } from '../../src/image/ditherImage.js';
import { encodeDithered } from '../../src/image/encode.js';
import { srgbDecode } from '../../src/color/transfer.js';
import { randomBytes } from '../helpers/random.js';
import { gpuEngine } from '../helpers/gpu.js';

let gpu: Engine;
let cpu: Engine;
beforeAll(async () => {
  gpu = await gpuEngine();
  cpu = await Engine.create({ backend: 'cpu' });
});
afterAll(() => gpu.destroy());

function raster(width: number, height: number, seed: number, depth: 8 | 16 = 8, alpha = false): Raster {
  const n = width * height * 4;
  const data = depth === 8 ? randomBytes(n, seed) : new Uint16Array(randomBytes(2 * n, seed).buffer);
  if (!alpha) for (let p = 3; p < n; p += 4) data[p] = depth === 8 ? 255 : 65535;
  return { width, height, depth, data, hasAlpha: alpha, source: { bitDepth: depth, colorType: alpha ? 'rgba' : 'rgb' } };
}

async function bothBackends(image: Raster, options: DitherImageOptions): Promise<[Uint8Array, Uint8Array]> {
  const a = await ditherImage(image, { ...options, engine: gpu });
  const b = await ditherImage(image, { ...options, engine: cpu });
  expect(a.backend).toBe('gpu');
  expect(b.backend).toBe('cpu');
  return [encodeDithered(a, 'raw'), encodeDithered(b, 'raw')];
}

describe('GPU and CPU give identical bytes', () => {
  const methods = ['bayer2', 'bayer8', 'bayer16x4', 'bayer256', 'bluenoise64'];
  const modes: [string, DitherImageOptions][] = [
    ['pair, pico8', { palette: 'pico8' }],
    ['offset, pico8', { palette: 'pico8', mix: 'offset' }],
    ['offset, websafe, lab', { palette: 'websafe', distance: 'lab' }],
    ['pair, bw, gamma space', { palette: 'bw', gammaSpace: true }],
    ['offset, grays-4, linear distance', { palette: 'grays-4', mix: 'offset', distance: 'linear' }],
    ['yliluoma, pico8', { palette: 'pico8', mix: 'yliluoma' }],
    ['levels 6,6,4', { levels: '6,6,4' }],
    ['levels 2, linear codes, cutoff 0.7', { levels: '2', codes: 'linear', cutoff: 0.7 }],
  ];
  for (const method of methods) {
    for (const [name, options] of modes) {
      test(`${method}, ${name}`, async () => {
        for (const image of [raster(67, 45, 1), raster(33, 17, 2, 16), raster(1, 1, 3)]) {
          const [g, c] = await bothBackends(image, { ...options, method });
          expect(Buffer.from(g).equals(Buffer.from(c))).toBe(true);
        }
      });
    }
  }

  test('alpha modes, and auto palettes', async () => {
    const image = raster(61, 29, 4, 8, true);
    for (const options of [
      { palette: 'pico8', alpha: 'threshold' },
      { palette: 'pico8', alpha: 'dither' },
      { palette: 'pico8', alpha: 'keep' },
      { levels: '4', alpha: 'dither' },
      { palette: 'auto:8' },
      { palette: 'auto:16', lock: '#000000,#ffffff' },
    ] as DitherImageOptions[]) {
      const a = await ditherImage(image, { ...options, engine: gpu });
      const b = await ditherImage(image, { ...options, engine: cpu });
      for (const format of ['png', 'rgba', 'raw'] as const) {
        expect(Buffer.from(encodeDithered(a, format)).equals(Buffer.from(encodeDithered(b, format))), `${JSON.stringify(options)} ${format}`).toBe(true);
      }
    }
  });
});

test('images larger than one binding are tiled with identical results', async () => {
  const image = raster(301, 203, 9);
  for (const options of [{ palette: 'pico8' }, { palette: 'pico8', mix: 'yliluoma' }, { levels: '3,3,3' }] as DitherImageOptions[]) {
    const whole = encodeDithered(await ditherImage(image, { ...options, engine: gpu }), 'raw');
    const tiled = encodeDithered(await ditherImage(image, { ...options, engine: gpu, maxChunkBytes: 301 * 4 * 7 }), 'raw');
    expect(Buffer.from(tiled).equals(Buffer.from(whole)), JSON.stringify(options)).toBe(true);
  }
});

describe('mean preservation on the 16-bit ramp (samples/ramp16.png)', () => {
  const ramp = decodePng(readFileSync(new URL('../../samples/ramp16.png', import.meta.url)), 'ramp16.png');
  const bands = 64;
  const linear = (v16: number) => srgbDecode(v16 / 65535);

  function bandMeans(values: (x: number, y: number) => number): number[] {
    const w = ramp.width / bands;
    return Array.from({ length: bands }, (_, b) => {
      let sum = 0;
      for (let y = 0; y < ramp.height; y++) for (let x = b * w; x < (b + 1) * w; x++) sum += values(x, y);
      return sum / (w * ramp.height);
    });
  }
  const source = bandMeans((x, y) => linear(ramp.data[4 * (y * ramp.width + x)]!));

  for (const method of ['bayer8', 'bluenoise64']) {
    test(`bw, ${method}: every 1/64 band within 0.01 in linear light`, async () => {
      const r = await ditherImage(ramp, { palette: 'bw', method, engine: gpu });
      if (r.mode !== 'palette') throw new Error('palette mode expected');
      const out = bandMeans((x, y) => r.indices[y * ramp.width + x]!); // index 1 is white (linear 1)
      const worst = Math.max(...out.map((m, i) => Math.abs(m - source[i]!)));
      expect(worst).toBeLessThan(0.01);
    });
  }

  test('gamma-space dithering, as other tools do it, misses the linear mean', async () => {
    const r = await ditherImage(ramp, { palette: 'bw', gammaSpace: true, engine: gpu });
    if (r.mode !== 'palette') throw new Error('palette mode expected');
    const out = bandMeans((x, y) => r.indices[y * ramp.width + x]!);
    expect(Math.max(...out.map((m, i) => Math.abs(m - source[i]!)))).toBeGreaterThan(0.1);
  });
});
