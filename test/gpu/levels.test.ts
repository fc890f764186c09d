// GPU against the CPU reference, byte for byte, for the levels kernel.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine.js';
import type { PngColorType, Raster } from '../../src/formats/raster.js';
import { levels, planLevels, type LevelsOptions } from '../../src/image/levels.js';
import { levelsCpu, type LevelsParams } from '../../src/kernels/levels.js';
import { levelsGpu } from '../../src/kernels/levels.gpu.js';
import { bayer } from '../../src/maps/bayer.js';
import { blueNoise } from '../../src/maps/blueNoise.js';
import { gpuEngine } from '../helpers/gpu.js';
import { randomBytes, rng } from '../helpers/random.js';
import { sameBytes } from '../helpers/bytes.js';

let engine: Engine;
let cpu: Engine;
beforeAll(async () => {
  engine = await gpuEngine();
  cpu = await Engine.create({ backend: 'cpu' });
});
afterAll(() => {
  engine.destroy();
  cpu.destroy();
});

/** Random RGBA samples with the extremes (0 and full scale) planted on every 7th sample. */
function randomRaster(w: number, h: number, depth: 8 | 16, seed: number, colorType: PngColorType = 'rgba'): Raster {
  const n = 4 * w * h;
  let data: Uint8Array | Uint16Array;
  if (depth === 8) data = randomBytes(n, seed);
  else {
    const r = rng(seed);
    data = new Uint16Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.floor(r() * 65536);
  }
  const max = depth === 8 ? 255 : 65535;
  for (let i = 0; i < n; i += 7) data[i] = (i / 7) % 2 === 0 ? 0 : max;
  const hasAlpha = colorType === 'rgba' || colorType === 'grey-alpha';
  return { width: w, height: h, depth, data, hasAlpha, source: { bitDepth: depth, colorType } };
}

/** A word the CPU reference never produces for this input, so an unwritten GPU word cannot pass as correct. */
function poisonFor(codes: Uint8Array): number {
  const seen = new Set(new Uint32Array(codes.slice().buffer));
  let p = 0xfefefefe;
  while (seen.has(p)) p = (p + 0x01020305) >>> 0;
  return p;
}

async function gpuRun(raster: Raster, params: LevelsParams, options: { poison?: number; maxChunkBytes?: number }) {
  return engine.run({
    cpu: () => {
      throw new Error('expected the GPU backend');
    },
    gpu: (g) => levelsGpu(g, raster, params, options),
  });
}

/** Kernel-level parity with the output poisoned: every word written and equal to the CPU reference. */
async function expectParity(raster: Raster, options: LevelsOptions, label: string): Promise<void> {
  const { params } = planLevels(raster, options);
  const want = levelsCpu(raster, params);
  const poison = poisonFor(want);
  const got = await gpuRun(raster, params, { poison, ...(options.maxChunkBytes ? { maxChunkBytes: options.maxChunkBytes } : {}) });
  expect(got.codes.length, label).toBe(want.length);
  expect(new Uint32Array(got.codes.slice().buffer).includes(poison), `${label}: unwritten words`).toBe(false);
  expect(sameBytes(got.codes, want), label).toBe(true);
}

const CONFIGS: [string, LevelsOptions][] = [
  ['2 levels', { levels: [2] }],
  ['6,6,4', { levels: [6, 6, 4] }],
  ['256', { levels: [256] }],
  ['codes linear', { levels: [5], codes: 'linear' }],
  ['codes gamma:1.8', { levels: [6, 3, 9], codes: { gamma: 1.8 } }],
  ['codes gamma:0.001 (duplicate codes at white)', { levels: [256], codes: { gamma: 0.001 } }],
  ['codes gamma:40 (duplicate codes at black)', { levels: [200], codes: { gamma: 40 } }],
  ['gamma space', { levels: [4, 4, 3], gammaSpace: true }],
  ['cutoff 0.3', { levels: [3], cutoff: 0.3 }],
  ['cutoff 0.75', { levels: [3], cutoff: 0.75 }],
  ['cutoff 0.01', { levels: [7], cutoff: 0.01 }],
  ['alpha threshold', { levels: [4], alpha: 'threshold' }],
  ['alpha dither', { levels: [4], alpha: 'dither', cutoff: 0.6 }],
  ['bluenoise 64', { levels: [3, 5, 2], map: blueNoise([64, 64]) }],
  ['bayer 8x4', { levels: [2], map: bayer([8, 4]) }],
];

describe('levels on the GPU equals the CPU reference', () => {
  for (const depth of [8, 16] as const) {
    for (const [name, options] of CONFIGS) {
      test(`${depth}-bit, ${name}`, async () => {
        for (const [w, h] of [[67, 13], [1, 1]] as const) {
          await expectParity(randomRaster(w, h, depth, w * 31 + h + depth), options, `${w}x${h}`);
        }
      });
    }
  }

  test('edge sizes, 8- and 16-bit, colour, grey and grey + alpha', async () => {
    const sizes: [number, number][] = [[1, 1], [1, 17], [17, 1], [2, 3], [3, 5], [63, 7], [64, 3], [65, 9], [129, 3], [250, 7], [257, 129]];
    for (const [w, h] of sizes) {
      for (const depth of [8, 16] as const) {
        for (const colorType of ['rgba', 'rgb', 'grey', 'grey-alpha'] as const) {
          const raster = randomRaster(w, h, depth, w * 1000 + h, colorType);
          await expectParity(raster, { levels: colorType.startsWith('grey') ? [3] : [6, 6, 4] }, `${w}x${h} ${depth} ${colorType}`);
        }
      }
    }
  });

  test('a larger image, 16-bit to 256 levels and 8-bit to 3 levels', async () => {
    await expectParity(randomRaster(1031, 517, 16, 77), { levels: [256], alpha: 'keep' }, '16-bit');
    await expectParity(randomRaster(1031, 517, 8, 78), { levels: [3], map: blueNoise([64, 64]) }, '8-bit');
  });

  test('the library call gives the same result on both backends', async () => {
    for (const colorType of ['rgba', 'rgb', 'grey', 'grey-alpha'] as const) {
      const raster = randomRaster(101, 37, 16, 4, colorType);
      const options: LevelsOptions = { levels: [5, 6, 7], alpha: 'dither' };
      const g = await levels(engine, raster, options);
      const c = await levels(cpu, raster, options);
      expect(g.backend).toBe('gpu');
      expect(c.backend).toBe('cpu');
      expect([g.channels, g.depth], colorType).toEqual([c.channels, c.depth]);
      expect(sameBytes(g.codes, c.codes), colorType).toBe(true);
    }
  });
});

describe('chunking', () => {
  test('any chunk size gives the same bits as one chunk (the map tiles absolute rows)', async () => {
    for (const depth of [8, 16] as const) {
      const raster = randomRaster(333, 101, depth, 5 + depth);
      const options: LevelsOptions = { levels: [3, 4, 2], alpha: 'dither', map: bayer([4, 16]) };
      const { params } = planLevels(raster, options);
      const whole = await gpuRun(raster, params, {});
      expect(sameBytes(whole.codes, levelsCpu(raster, params))).toBe(true);
      for (const rows of [1, 3, 7, 64]) {
        const maxChunkBytes = rows * 333 * 4 * (depth / 8);
        await expectParity(raster, { ...options, maxChunkBytes }, `${depth}-bit, ${rows} rows per chunk`);
        const chunked = await gpuRun(raster, params, { maxChunkBytes });
        expect(sameBytes(chunked.codes, whole.codes), `${depth}-bit, ${rows} rows per chunk`).toBe(true);
      }
    }
  });
});
