// The threaded CPU backend against the single-threaded reference, byte for byte, on random inputs: images cut into
// row tiles, stacks into layers and row ranges, with tile counts from 1 to many.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CpuPool } from '../../src/cpu/pool.js';
import { Engine } from '../../src/engine.js';
import type { Raster } from '../../src/formats/raster.js';
import { levels, planLevels } from '../../src/image/levels.js';
import { levelsCpu } from '../../src/kernels/levels.js';
import { orderedPalette, orderedPaletteParams } from '../../src/kernels/orderedPalette.js';
import { bayer } from '../../src/maps/bayer.js';
import { blueNoise } from '../../src/maps/blueNoise.js';
import { greyLevelsCpu, materialFractionsCpu } from '../../src/stack/kernels.js';
import { parseLayerMethod } from '../../src/stack/layerMaps.js';
import { randomBytes, randomImage } from '../helpers/random.js';

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

// Tiles of 64 pixels: even small images are cut into many tiles, most not a multiple of the map's period.
let pool: CpuPool;
beforeAll(async () => {
  pool = new CpuPool(3, { minTilePixels: 64 });
  await pool.warm();
});
afterAll(() => pool.destroy());

const SIZES: [number, number][] = [[1, 1], [1, 23], [23, 1], [7, 5], [65, 9], [129, 33], [250, 71]];

function raster(width: number, height: number, depth: 8 | 16, seed: number): Raster {
  const bytes = randomBytes(4 * width * height * (depth / 8), seed);
  const data = depth === 16 ? new Uint16Array(bytes.buffer) : bytes;
  return { width, height, depth, data, hasAlpha: true, source: { bitDepth: depth, colorType: 'rgba' } };
}

describe('orderedPalette: threaded equals single-threaded', () => {
  const palettes: [string, Uint8Array][] = [
    ['bw', Uint8Array.of(0, 0, 0, 255, 255, 255)],
    ['random 16', randomBytes(16 * 3, 5)],
    ['random 256', randomBytes(256 * 3, 6)],
  ];
  for (const [w, h] of SIZES) {
    for (const [name, pal] of palettes) {
      test(`${w}x${h}, ${name}`, async () => {
        const image = randomImage(w, h, w * 7919 + h);
        const params = orderedPaletteParams(w % 2 ? bayer([8, 8]) : bayer([4, 16]), pal, { rule: h % 2 ? 'pair' : 'offset', alpha: 'dither' });
        expect(same(await pool.orderedPalette(image, params), orderedPalette(image, params))).toBe(true);
      });
    }
  }

  test('many parameter sets, reused out of order and in concurrent calls (the per-worker table cache)', async () => {
    const image = randomImage(97, 61, 21);
    const sets = Array.from({ length: 13 }, (_, i) => orderedPaletteParams(bayer([4, 4]), randomBytes(3 * (2 + i), 100 + i)));
    const order = [...sets.keys(), 0, 12, 3, 0, 7, 11, 1];
    const results = await Promise.all(order.map((i) => pool.orderedPalette(image, sets[i]!)));
    order.forEach((i, k) => expect(same(results[k]!, orderedPalette(image, sets[i]!)), `set ${i}`).toBe(true));
  });

  test('16-bit input and a blue-noise map', async () => {
    const r = raster(131, 67, 16, 77);
    const params = orderedPaletteParams(blueNoise([64, 64]), randomBytes(16 * 3, 8));
    expect(same(await pool.orderedPalette(r, params), orderedPalette(r, params))).toBe(true);
  });
});

describe('levels: threaded equals single-threaded', () => {
  for (const [w, h] of SIZES) {
    for (const depth of [8, 16] as const) {
      test(`${w}x${h}, ${depth}-bit`, async () => {
        const r = raster(w, h, depth, w * 31 + h + depth);
        const { params } = planLevels(r, { levels: depth === 16 ? [256] : [3, 5, 2], map: bayer([8, 8]) });
        expect(same(await pool.levels(r, params), levelsCpu(r, params))).toBe(true);
      });
    }
  }
});

describe('stack kernels: threaded equals single-threaded', () => {
  // [width, height, layers]: one layer (row ranges), few layers, many layers; widths that do and do not fill words.
  const shapes: [number, number, number][] = [[1, 1, 1], [36, 29, 1], [64, 40, 2], [37, 19, 3], [33, 9, 17]];
  for (const [w, h, count] of shapes) {
    for (const method of ['bayer3d8', 'bayer4+phase']) {
      test(`greyLevels ${w}x${h}x${count}, ${method}`, async () => {
        const maps = parseLayerMethod(method);
        const g8 = randomBytes(w * h * count, w + h + count);
        const g16 = new Uint16Array(randomBytes(2 * w * h * count, count).buffer);
        for (const [data, levels] of [[g8, 2], [g8, 5], [g16, 2], [g16, 256]] as const) {
          const layers = { width: w, height: h, z0: 3, count, data };
          const ref = greyLevelsCpu(layers, maps, levels);
          const got = await pool.greyLevels(layers, maps, levels);
          expect(got.layerStride).toBe(ref.layerStride);
          expect(got.bitsPerVoxel).toBe(ref.bitsPerVoxel);
          expect(same(got.data, ref.data), `${levels} levels`).toBe(true);
        }
      });

      test(`materialFractions ${w}x${h}x${count}, ${method}`, async () => {
        const maps = parseLayerMethod(method);
        const n = w * h * count;
        const channels = [0, 1, 2, 3].map((s) => randomBytes(n, 40 + s).map((v) => v >> 2));
        const rgba = randomBytes(4 * n, 50);
        for (const layers of [
          { width: w, height: h, z0: 1, count, channels },
          { width: w, height: h, z0: 1, count, rgba },
        ]) {
          const ref = materialFractionsCpu(layers, maps);
          const got = await pool.materialFractions(layers, maps);
          expect(same(got.data, ref.data)).toBe(true);
        }
      });
    }
  }
});

describe('levels() with threads', () => {
  // In this thread the kernel writes only the channels the file keeps; the workers write four, compacted after.
  test('gives what it gives in this thread, for every channel layout', async () => {
    const [one, two] = await Promise.all([Engine.create({ backend: 'cpu' }), Engine.create({ backend: 'cpu', threads: 2 })]);
    try {
      const layouts = [['rgb', false], ['rgba', true], ['grey', false], ['grey-alpha', true]] as const;
      for (const [colorType, hasAlpha] of layouts) {
        const r = { ...raster(301, 211, 8, colorType.length), hasAlpha, source: { bitDepth: 8, colorType } };
        for (const options of [{ levels: [3] }, { levels: [2], gammaSpace: true }, { levels: [6, 7, 4], alpha: 'dither' as const }]) {
          const [a, b] = [await levels(one, r, options), await levels(two, r, options)];
          expect([b.channels, b.depth]).toEqual([a.channels, a.depth]);
          expect(same(b.codes, a.codes), `${colorType} ${JSON.stringify(options)}`).toBe(true);
        }
      }
    } finally {
      one.destroy();
      two.destroy();
    }
  });
});

describe('Engine with threads', () => {
  test('orderedPalette through the engine matches the reference, and the engine reports its threads', async () => {
    const engine = await Engine.create({ backend: 'cpu', threads: 2 });
    try {
      expect(engine.threads).toBe(2);
      const image = randomImage(517, 263, 12); // several default-sized tiles
      const params = orderedPaletteParams(bayer([8, 8]), randomBytes(16 * 3, 13));
      const run = await engine.orderedPalette(image, params);
      expect(run.gpuMs).toBeNull();
      expect(same(run.indices, orderedPalette(image, params))).toBe(true);
      // A kernel with a pool form uses it; one without runs the reference in this thread.
      const r = raster(301, 211, 16, 14);
      const { params: lp } = planLevels(r, { levels: [256] });
      const fail = () => Promise.reject(new Error('no GPU here'));
      const pooled = await engine.run({ cpu: () => new Uint8Array(0), cpuPool: (p) => p.levels(r, lp), gpu: fail });
      expect(same(pooled, levelsCpu(r, lp))).toBe(true);
      expect(await engine.run({ cpu: () => 'in thread', gpu: fail })).toBe('in thread');
    } finally {
      engine.destroy();
    }
  });

  test('threads default to 1 and must be a whole number >= 1', async () => {
    const engine = await Engine.create({ backend: 'cpu' });
    expect(engine.threads).toBe(1);
    engine.destroy();
    await expect(Engine.create({ backend: 'cpu', threads: 0 })).rejects.toThrow(RangeError);
    await expect(Engine.create({ backend: 'cpu', threads: 1.5 })).rejects.toThrow(RangeError);
  });

  test("a worker's error reaches the caller with its class, and the pool keeps working", async () => {
    const maps = parseLayerMethod('bayer4+phase');
    const layers = { width: 40, height: 30, z0: 0, count: 3, data: randomBytes(40 * 30 * 3, 4) };
    await expect(pool.greyLevels(layers, maps, 1)).rejects.toThrow(RangeError);
    expect(same((await pool.greyLevels(layers, maps, 2)).data, greyLevelsCpu(layers, maps, 2).data)).toBe(true);
  });

  test('a destroyed pool rejects new work', async () => {
    const p = new CpuPool(1);
    await p.destroy();
    await expect(p.orderedPalette(randomImage(2, 2, 1), orderedPaletteParams(bayer([2, 2]), Uint8Array.of(0, 0, 0, 255, 255, 255)))).rejects.toThrow(/destroyed/);
  });
});
