// The auto palette's GPU kernels against their CPU references, byte for byte, and the whole auto:N on both
// backends. Histograms are exact integer sums, so any order of atomics must give the same words.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine.js';
import type { GpuHandle } from '../../src/host/device.js';
import { decodePng } from '../../src/formats/index.js';
import { distance2, spaceTransform, toSpace } from '../../src/color/space.js';
import { srgbToLinearTable } from '../../src/color/transfer.js';
import {
  assignCpu,
  histogramBins,
  histogramCpu,
  histogramParams,
  BIN_WORDS,
  type HistogramImage,
} from '../../src/kernels/autoPalette.js';
import { assignGpu, histogramGpu, type HistogramGpuOptions } from '../../src/kernels/autoPalette.gpu.js';
import { autoPaletteRun, type AutoPaletteOptions } from '../../src/palette/auto.js';
import { rng } from '../helpers/random.js';
import { gpuEngine } from '../helpers/gpu.js';
import { sameBytes } from '../helpers/bytes.js';

const POISON = 0xffffffff; // centroid index 2^32-1: impossible with at most 256 centroids

let gpu: Engine;
let cpu: Engine;
beforeAll(async () => {
  gpu = await gpuEngine();
  cpu = await Engine.create({ backend: 'cpu' });
});
afterAll(() => {
  gpu.destroy();
  cpu.destroy();
});

function onGpu<T>(f: (g: GpuHandle) => Promise<T>): Promise<T> {
  return gpu.run({ cpu: () => Promise.reject(new Error('expected the GPU backend')), gpu: f });
}

function histOnGpu(image: HistogramImage, bits?: number, options: HistogramGpuOptions = {}): Promise<Uint32Array> {
  const params = histogramParams(image, bits);
  return onGpu(async (g) => (await histogramGpu(g, image, params, options)).hist);
}

/** Random RGBA: 8-bit bytes or 16-bit words; with `transparent`, about a quarter of the alphas are 0. */
function randomRaster(w: number, h: number, seed: number, depth: 8 | 16, hasAlpha: boolean, transparent = hasAlpha): HistogramImage {
  const r = rng(seed);
  const max = depth === 8 ? 255 : 65535;
  const data = depth === 8 ? new Uint8Array(4 * w * h) : new Uint16Array(4 * w * h);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * (max + 1));
  for (let p = 0; p < w * h; p++) if (transparent && r() < 0.25) data[4 * p + 3] = 0;
  return { width: w, height: h, depth, data, hasAlpha };
}

/** Flat rectangles of a few random colours: long runs of one bin, which the kernel merges before its atomics. */
function blockRaster(w: number, h: number, seed: number, depth: 8 | 16): HistogramImage {
  const r = rng(seed);
  const max = depth === 8 ? 255 : 65535;
  const colours = Array.from({ length: 5 }, () => [0, 1, 2].map(() => Math.floor(r() * (max + 1))));
  const data = depth === 8 ? new Uint8Array(4 * w * h) : new Uint16Array(4 * w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = colours[(Math.floor(x / 37) + 3 * Math.floor(y / 11)) % colours.length]!;
      data.set([...c, max], 4 * (y * w + x));
    }
  }
  return { width: w, height: h, depth, data, hasAlpha: false };
}

/** Totals computed here, independently of the kernels: counted pixels and the linear sum of each channel. */
function totals(image: HistogramImage): number[] {
  const table = srgbToLinearTable(image.depth);
  const t = [0, 0, 0, 0];
  for (let p = 0; p < image.width * image.height; p++) {
    if (image.hasAlpha && image.data[4 * p + 3] === 0) continue;
    t[0]!++;
    for (let c = 0; c < 3; c++) t[c + 1]! += table[image.data[4 * p + c]!]!;
  }
  return t;
}

function histTotals(hist: Uint32Array): number[] {
  const t = [0, 0, 0, 0];
  for (let i = 0; i < hist.length; i += BIN_WORDS) for (let k = 0; k < 4; k++) t[k]! += hist[i + 2 * k]! + hist[i + 2 * k + 1]! * 2 ** 32;
  return t;
}

describe('histogram on the GPU equals the CPU reference', () => {
  const sizes: [number, number][] = [
    [1, 1], [1, 17], [17, 1], [2, 3], [5, 7], [31, 2], [63, 7], [64, 3], [65, 9], [129, 3], [257, 129], [513, 301],
  ];
  for (const [w, h] of sizes) {
    for (const depth of [8, 16] as const) {
      for (const hasAlpha of [false, true]) {
        test(`${w}x${h}, ${depth}-bit, ${hasAlpha ? 'alpha' : 'opaque'}`, async () => {
          const image = randomRaster(w, h, w * 1000 + h + depth, depth, hasAlpha, true);
          const hist = await histOnGpu(image);
          expect(sameBytes(hist, histogramCpu(image, histogramParams(image)))).toBe(true);
          expect(histTotals(hist)).toEqual(totals(image));
        });
      }
    }
  }

  test('flat blocks (long merged runs), 8- and 16-bit, several bit depths of the bins', async () => {
    for (const depth of [8, 16] as const) {
      const image = blockRaster(333, 97, depth, depth);
      for (const bits of [1, 3, 4, 5, 6]) {
        const hist = await histOnGpu(image, bits);
        expect(hist.length).toBe(BIN_WORDS * 2 ** (3 * bits));
        expect(sameBytes(hist, histogramCpu(image, histogramParams(image, bits))), `${depth}-bit, ${bits} bits`).toBe(true);
        expect(histTotals(hist)).toEqual(totals(image));
      }
    }
  });

  test('alpha 0 is skipped only when the image has alpha', async () => {
    const opaque = randomRaster(77, 41, 5, 8, false, true);
    const withAlpha = { ...opaque, hasAlpha: true };
    const a = await histOnGpu(opaque);
    const b = await histOnGpu(withAlpha);
    expect(histTotals(a)[0]).toBe(77 * 41);
    expect(histTotals(b)[0]).toBe(totals(withAlpha)[0]);
    expect(histTotals(b)[0]).toBeLessThan(77 * 41);
    expect(sameBytes(b, histogramCpu(withAlpha, histogramParams(withAlpha)))).toBe(true);
  });

  test('sums past 2^32 carry into the high word exactly (one white bin)', async () => {
    for (const depth of [8, 16] as const) {
      const max = depth === 8 ? 255 : 65535;
      const w = 1000;
      const h = 1000;
      const data = depth === 8 ? new Uint8Array(4 * w * h).fill(max) : new Uint16Array(4 * w * h).fill(max);
      const image: HistogramImage = { width: w, height: h, depth, data, hasAlpha: true };
      const hist = await histOnGpu(image);
      const top = BIN_WORDS * (2 ** 15 - 1);
      expect(hist[top]).toBe(w * h);
      for (let c = 1; c <= 3; c++) {
        expect(hist[top + 2 * c + 1]).toBe(Math.floor((w * h * 65535) / 2 ** 32)); // 15 carries
        expect(hist[top + 2 * c]! + hist[top + 2 * c + 1]! * 2 ** 32).toBe(w * h * 65535);
      }
      expect(sameBytes(hist, histogramCpu(image, histogramParams(image)))).toBe(true);
    }
  });

  test('any chunk size gives the same words as one chunk', async () => {
    for (const depth of [8, 16] as const) {
      const image = randomRaster(211, 53, 17, depth, true);
      const whole = await histOnGpu(image);
      for (const rows of [1, 3, 7]) {
        const chunked = await histOnGpu(image, undefined, { maxChunkBytes: rows * 211 * (depth / 2) });
        expect(sameBytes(chunked, whole), `${depth}-bit, ${rows} rows`).toBe(true);
      }
    }
  });

  test('two runs of a large image give the same words (atomic order does not matter)', async () => {
    const image = blockRaster(1024, 768, 3, 8);
    const noisy = randomRaster(1024, 768, 4, 8, false);
    for (const im of [image, noisy]) {
      const a = await histOnGpu(im);
      const b = await histOnGpu(im);
      expect(sameBytes(a, b)).toBe(true);
      expect(sameBytes(a, histogramCpu(im, histogramParams(im)))).toBe(true);
    }
  });
});

/** Linear Q16 colours, 4 lanes apiece; the unused 4th lane holds garbage the kernel must ignore. */
function randomLinear(n: number, seed: number): Uint32Array {
  const r = rng(seed);
  return Uint32Array.from({ length: 4 * n }, (_, i) => (i % 4 === 3 ? 0xdeadbeef : Math.floor(r() * 65536)));
}

/** Brute force written out here from the shared space transform: nearest by squared distance, first on ties. */
function bruteForce(bins: Uint32Array, centroids: Uint32Array): Uint32Array {
  const t = spaceTransform('oklab');
  const k = centroids.length / 4;
  const c = new Int32Array(3 * k);
  for (let j = 0; j < k; j++) toSpace(t, centroids[4 * j]!, centroids[4 * j + 1]!, centroids[4 * j + 2]!, c, 3 * j);
  const out = new Uint32Array(bins.length / 4);
  const b = new Int32Array(3);
  for (let i = 0; i < out.length; i++) {
    toSpace(t, bins[4 * i]!, bins[4 * i + 1]!, bins[4 * i + 2]!, b, 0);
    const d = Array.from({ length: k }, (_, j) => distance2(b, 0, c, 3 * j));
    out[i] = d.indexOf(Math.min(...d));
  }
  return out;
}

function assignOnGpu(bins: Uint32Array, centroids: Uint32Array): Promise<Uint32Array> {
  return onGpu(async (g) => (await assignGpu(g, bins, centroids, { poison: POISON })).assignment);
}

describe('assignment on the GPU equals brute force on the CPU', () => {
  for (const binCount of [1, 2, 63, 64, 65, 1000, 4097]) {
    test(`${binCount} bins against 1..256 centroids`, async () => {
      for (const k of [1, 2, 3, 16, 63, 64, 65, 255, 256]) {
        const bins = randomLinear(binCount, binCount * 7 + k);
        const centroids = randomLinear(k, k * 13 + binCount);
        const a = await assignOnGpu(bins, centroids);
        expect(a.length).toBe(binCount);
        expect(a.every((j) => j < k), `${k} centroids: every element written, in range`).toBe(true);
        expect(sameBytes(a, assignCpu(bins, centroids)), `${k} centroids`).toBe(true);
        expect(sameBytes(a, bruteForce(bins, centroids)), `${k} centroids`).toBe(true);
      }
    });
  }

  test('ties go to the lowest index (duplicated centroids), bins on centroids get their own', async () => {
    const base = randomLinear(20, 5);
    const centroids = new Uint32Array(4 * 60);
    for (let j = 0; j < 60; j++) centroids.set(base.subarray(4 * (j % 20), 4 * (j % 20) + 4), 4 * j);
    const bins = new Uint32Array([...randomLinear(500, 6), ...base]);
    const a = await assignOnGpu(bins, centroids);
    expect(a.every((j) => j < 20)).toBe(true);
    expect(Array.from(a.subarray(500))).toEqual(Array.from({ length: 20 }, (_, j) => j));
    expect(sameBytes(a, assignCpu(bins, centroids))).toBe(true);
  });

  test('the bins of a real histogram', async () => {
    const image = randomRaster(300, 200, 9, 16, true);
    const bins = histogramBins(histogramCpu(image, histogramParams(image)), 5);
    const centroids = randomLinear(200, 10);
    expect(sameBytes(await assignOnGpu(bins.reps, centroids), assignCpu(bins.reps, centroids))).toBe(true);
  });
});

const wizard = decodePng(readFileSync(join(import.meta.dirname, '..', '..', 'samples', 'wizard.png')), 'wizard.png');

describe('auto:N on the GPU equals auto:N on the CPU', () => {
  const cases: [string, HistogramImage, number, AutoPaletteOptions][] = [
    ['wizard, auto:2', wizard, 2, {}],
    ['wizard, auto:16', wizard, 16, {}],
    ['wizard, auto:64', wizard, 64, {}],
    ['wizard, auto:16, one pass', wizard, 16, { maxIterations: 1 }],
    ['wizard, auto:16, Wu only', wizard, 16, { maxIterations: 0 }],
    ['wizard, auto:16, 4-bit bins', wizard, 16, { bits: 4 }],
    ['wizard, auto:16, 6-bit bins', wizard, 16, { bits: 6 }],
    ['wizard, auto:8 with 3 locked', wizard, 8, { lock: new Uint8Array([255, 0, 0, 0, 0, 0, 12, 200, 99]) }],
    ['noise 8-bit, auto:16', randomRaster(256, 256, 1, 8, false), 16, {}],
    ['noise 8-bit, auto:256', randomRaster(256, 256, 2, 8, false), 256, {}],
    ['noise 16-bit with alpha, auto:32', randomRaster(200, 150, 3, 16, true), 32, {}],
    ['blocks 16-bit, auto:4', blockRaster(300, 200, 4, 16), 4, {}],
    ['blocks 8-bit, auto:5 with 1 locked', blockRaster(300, 200, 5, 8), 5, { lock: new Uint8Array([1, 2, 3]) }],
    ['1x1, auto:2', randomRaster(1, 1, 6, 8, false), 2, {}],
  ];
  for (const [name, image, n, options] of cases) {
    test(name, async () => {
      const g = await autoPaletteRun(gpu, image, n, options);
      const c = await autoPaletteRun(cpu, image, n, options);
      expect(g.palette.size).toBe(n);
      expect(sameBytes(g.palette.colors, c.palette.colors)).toBe(true);
      expect(g.iterations).toBe(c.iterations);
      const again = await autoPaletteRun(gpu, image, n, options);
      expect(sameBytes(again.palette.colors, g.palette.colors)).toBe(true);
    });
  }

  test('an image of exactly K flat colours gives back those K colours on the GPU', async () => {
    const colours = [0, 0, 0, 255, 255, 255, 200, 30, 40, 20, 180, 60, 90, 60, 250, 250, 220, 10];
    const w = 97;
    const h = 61;
    const data = new Uint8Array(4 * w * h);
    for (let p = 0; p < w * h; p++) data.set([...colours.slice(3 * (p % 6), 3 * (p % 6) + 3), 255], 4 * p);
    const { palette } = await autoPaletteRun(gpu, { width: w, height: h, depth: 8, data, hasAlpha: false }, 6);
    const hex = (a: ArrayLike<number>) => Array.from({ length: a.length / 3 }, (_, i) => Array.from(a).slice(3 * i, 3 * i + 3).join(',')).sort();
    expect(hex(palette.colors)).toEqual(hex(colours));
  });
});
