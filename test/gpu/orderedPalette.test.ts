// GPU against the CPU reference, byte for byte, for the orderedPalette kernel.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine.js';
import { bayer } from '../../src/maps/bayer.js';
import { orderedPalette, orderedPaletteParams } from '../../src/kernels/orderedPalette.js';
import { forgetSplits, hasSplitTable, leaseSplits } from '../../src/kernels/splitCache.js';
import { randomBytes, randomImage } from '../helpers/random.js';
import { gpuEngine } from '../helpers/gpu.js';
import { sameBytes } from '../helpers/bytes.js';

const BW = new Uint8Array([0, 0, 0, 255, 255, 255]);
const POISON = 0xffffffff; // index 255, impossible with palettes of fewer than 255 colours

let engine: Engine;
beforeAll(async () => {
  engine = await gpuEngine();
});
afterAll(() => engine.destroy());

describe('orderedPalette on the GPU equals the CPU reference', () => {
  const sizes: [number, number][] = [
    [1, 1], [1, 17], [17, 1], [2, 3], [3, 5], [5, 7], [63, 7], [64, 3], [65, 9], [129, 3], [250, 7], [257, 129], [513, 301],
  ];
  const palettes: [string, Uint8Array][] = [
    ['bw', BW],
    ['random 16', randomBytes(16 * 3, 99)],
    ['random 200', randomBytes(200 * 3, 7)],
  ];
  for (const [w, h] of sizes) {
    for (const [name, pal] of palettes) {
      test(`${w}x${h}, ${name}`, async () => {
        const image = randomImage(w, h, w * 1000 + h);
        const params = orderedPaletteParams(bayer([8, 8]), pal);
        const cpu = orderedPalette(image, params);
        const device = (await engine.device())!;
        // Uncached; the table's fused kernel cold and warm; its two passes with every pixel queued, then none.
        const runs = [['never', 'fused', false], ['always', 'fused', true], ['always', 'fused', false], ['always', 'two', true], ['always', 'two', false]] as const;
        for (const [splitTable, splitPasses, cold] of runs) {
          if (cold) await forgetSplits(device);
          const gpu = await engine.orderedPalette(image, params, { poison: POISON, splitTable, splitPasses });
          expect(gpu.indices.length).toBe(w * h);
          expect(gpu.indices.includes(255)).toBe(false); // every element was written
          expect(sameBytes(gpu.indices, cpu), `${splitTable} ${splitPasses}${cold ? ' cold' : ''}`).toBe(true);
        }
      });
    }
  }

  test('other threshold maps (rectangular, 2x2, 256x256) follow the same rule', async () => {
    const image = randomImage(301, 77, 3);
    for (const map of [bayer([8, 4]), bayer([2, 2]), bayer([256, 256]), bayer([4, 16])]) {
      const params = orderedPaletteParams(map, randomBytes(16 * 3, map.values.length));
      const gpu = await engine.orderedPalette(image, params, { poison: POISON });
      expect(sameBytes(gpu.indices, orderedPalette(image, params)), map.name).toBe(true);
    }
  });

  test('ties go to the lowest index on both backends (duplicate palette entries)', async () => {
    const pal = new Uint8Array([10, 20, 30, 0, 0, 0, 10, 20, 30, 0, 0, 0, 255, 255, 255]);
    const image = randomImage(97, 31, 11);
    const params = orderedPaletteParams(bayer([8, 8]), pal);
    const gpu = await engine.orderedPalette(image, params);
    expect(sameBytes(gpu.indices, orderedPalette(image, params))).toBe(true);
    expect(gpu.indices.includes(2)).toBe(false);
    expect(gpu.indices.includes(3)).toBe(false);
  });
});

describe('into: an output array the caller reuses', () => {
  test('both backends (and the CPU workers) write the result into it, reused across calls, and refuse one too small', async () => {
    const cpuEngine = await Engine.create({ backend: 'cpu' });
    const threadsEngine = await Engine.create({ backend: 'cpu', threads: 2 });
    const params = orderedPaletteParams(bayer([8, 8]), randomBytes(16 * 3, 8));
    const into = new Uint8Array(200 * 50 + 7).fill(255);
    for (const [seed, e] of [[1, engine], [2, engine], [3, cpuEngine], [4, threadsEngine]] as const) {
      const image = randomImage(200, 50, seed);
      const r = await e.orderedPalette(image, params, { into, maxChunkBytes: 200 * 4 * 16 });
      expect(r.indices.buffer).toBe(into.buffer);
      expect(r.indices.length).toBe(200 * 50);
      expect(sameBytes(r.indices, orderedPalette(image, params)), `seed ${seed}`).toBe(true);
      expect(into[200 * 50]).toBe(255); // nothing past the result
    }
    for (const e of [engine, cpuEngine, threadsEngine]) {
      await expect(e.orderedPalette(randomImage(200, 50, 4), params, { into: new Uint8Array(200 * 50 - 1) })).rejects.toThrow(RangeError);
    }
    await Promise.all([cpuEngine.destroy(), threadsEngine.destroy()]);
  });
});

describe('chunking', () => {
  test('any chunk size gives the same bits as one chunk', async () => {
    const image = randomImage(333, 211, 5);
    const params = orderedPaletteParams(bayer([8, 8]), randomBytes(16 * 3, 5));
    const whole = await engine.orderedPalette(image, params);
    const device = (await engine.device())!;
    for (const splitPasses of ['fused', 'two'] as const) {
      for (const rows of [1, 3, 7, 64]) {
        await forgetSplits(device); // two passes: each chunk queues its own misses
        const chunked = await engine.orderedPalette(image, params, { maxChunkBytes: rows * 333 * 4, poison: POISON, splitTable: 'always', splitPasses });
        expect(sameBytes(chunked.indices, whole.indices), `${rows} rows per chunk, ${splitPasses}`).toBe(true);
      }
    }
    expect(sameBytes(whole.indices, orderedPalette(image, params))).toBe(true);
  });

  test('the largest binding the device allows, plus one row that spills into a second chunk', async () => {
    const device = (await engine.device())!;
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    const width = 8192;
    const fullRows = Math.floor(limit / (width * 4));
    const image = randomImage(width, fullRows + 1, 1234);
    const params = orderedPaletteParams(bayer([8, 8]), BW);
    const cpu = orderedPalette(image, params);
    // Fused, then two passes, whose miss queue (a word more than the chunk's pixels) makes chunks a row smaller.
    for (const splitPasses of ['fused', 'two'] as const) {
      const gpu = await engine.orderedPalette(image, params, { poison: POISON, splitTable: 'always', splitPasses });
      expect(gpu.indices.includes(255)).toBe(false);
      expect(sameBytes(gpu.indices, cpu), splitPasses).toBe(true);
    }
  }, 300_000);
});

describe('every distance, gamma space, 16-bit input and alpha mode agree across backends', () => {
  const image8 = randomImage(131, 67, 21);
  const image16 = { width: 97, height: 41, data: new Uint16Array(randomBytes(97 * 41 * 8, 22).buffer) };
  for (const distance of ['oklab', 'lab', 'srgb', 'linear'] as const) {
    for (const size of [2, 16, 256]) {
      test(`${distance}, ${size} colours`, async () => {
        const palette = randomBytes(3 * size, size);
        for (const options of [
          { distance },
          { distance, rule: 'offset' as const },
          { distance, gammaSpace: true },
          { distance, rule: 'offset' as const, gammaSpace: true },
          { distance, alpha: 'threshold' as const },
          { distance, rule: 'offset' as const, alpha: 'dither' as const },
        ]) {
          // 256 colours leave no spare index for transparency, so alpha modes run with 255.
          const pal = options.alpha && size === 256 ? palette.subarray(0, 255 * 3) : palette;
          const params = orderedPaletteParams(bayer([4, 4]), pal, options);
          for (const image of [image8, image16]) {
            const gpu = await engine.orderedPalette(image, params, { poison: POISON });
            const cpu = orderedPalette(image, params);
            expect(sameBytes(gpu.indices, cpu), `${JSON.stringify(options)} ${image.data.BYTES_PER_ELEMENT * 8}-bit`).toBe(true);
            if (pal.length / 3 < 255) expect(gpu.indices.includes(255)).toBe(false);
          }
        }
      });
    }
  }

  test('alpha: fully transparent pixels get the transparent index, opaque ones never do', async () => {
    const image = randomImage(64, 16, 8);
    for (let p = 0; p < 64 * 16; p++) image.data[4 * p + 3] = p % 3 === 0 ? 0 : p % 3 === 1 ? 255 : image.data[4 * p + 3]!;
    for (const alpha of ['threshold', 'dither'] as const) {
      const params = orderedPaletteParams(bayer([8, 8]), BW, { alpha });
      const { indices } = await engine.orderedPalette(image, params);
      for (let p = 0; p < 64 * 16; p++) {
        if (p % 3 === 0) expect(indices[p]).toBe(2);
        if (p % 3 === 1) expect(indices[p]).toBeLessThan(2);
      }
    }
  });
});

describe('the device split cache (8-bit pair rule)', () => {
  const palA = randomBytes(16 * 3, 41);
  const palB = randomBytes(16 * 3, 42);

  test('warm calls, other images and a palette change back and forth all equal the CPU reference', async () => {
    const a = orderedPaletteParams(bayer([8, 8]), palA);
    const b = orderedPaletteParams(bayer([8, 8]), palB);
    for (const [params, seed] of [[a, 1], [a, 2], [b, 3], [a, 4], [a, 4]] as const) {
      const image = randomImage(203, 57, seed);
      const gpu = await engine.orderedPalette(image, params, { poison: POISON, splitTable: 'always' });
      expect(sameBytes(gpu.indices, orderedPalette(image, params)), `seed ${seed}`).toBe(true);
    }
  });

  test('concurrent calls with different palettes both stay exact (one runs uncached)', async () => {
    const a = orderedPaletteParams(bayer([8, 8]), palA);
    const b = orderedPaletteParams(bayer([4, 4]), palB);
    const ia = randomImage(517, 300, 5);
    const ib = randomImage(389, 211, 6);
    const [ga, gb] = await Promise.all([
      engine.orderedPalette(ia, a, { maxChunkBytes: 517 * 4 * 16, splitTable: 'always' }),
      engine.orderedPalette(ib, b, { maxChunkBytes: 389 * 4 * 16, splitTable: 'always' }),
    ]);
    expect(sameBytes(ga.indices, orderedPalette(ia, a))).toBe(true);
    expect(sameBytes(gb.indices, orderedPalette(ib, b))).toBe(true);
  });

  for (const splitPasses of ['fused', 'two'] as const) {
    test(`a warm call reads the table (a planted entry shows), and forgetting it restores the exact answer: ${splitPasses}`, async () => {
      const device = (await engine.device())!;
      const params = orderedPaletteParams(bayer([8, 8]), palA);
      const image = randomImage(64, 8, 9);
      await forgetSplits(device);
      const first = await engine.orderedPalette(image, params, { splitTable: 'always', splitPasses });
      const [r, g, b] = [image.data[0]!, image.data[1]!, image.data[2]!];
      const other = (first.indices[0]! + 1) % 16;
      // Plant "index `other` at every threshold" (stored word = split + 1) for the first pixel's colour.
      const lease = (await leaseSplits(device, params, 0, 'always'))!;
      device.queue.writeBuffer(lease.buffer, 4 * (r | (g << 8) | (b << 16)), new Uint32Array([(other | (other << 8)) + 1]));
      lease.release();
      const planted = await engine.orderedPalette(image, params, { splitTable: 'always', splitPasses });
      for (let p = 0; p < 64 * 8; p++) {
        const sameColour = image.data[4 * p] === r && image.data[4 * p + 1] === g && image.data[4 * p + 2] === b;
        expect(planted.indices[p]).toBe(sameColour ? other : first.indices[p]);
      }
      await forgetSplits(device);
      expect(sameBytes((await engine.orderedPalette(image, params, { splitTable: 'always', splitPasses })).indices, orderedPalette(image, params))).toBe(true);
    });
  }

  test('a lease is warm only when the table holds its palette from calls at least its size (then two passes)', async () => {
    const device = (await engine.device())!;
    const a = orderedPaletteParams(bayer([8, 8]), palA);
    const b = orderedPaletteParams(bayer([8, 8]), palB);
    const warmth = async (params: typeof a, pixels = 0) => {
      const lease = (await leaseSplits(device, params, pixels, 'always'))!;
      lease.release();
      return lease.warm;
    };
    await forgetSplits(device);
    expect([await warmth(a), await warmth(a), await warmth(b), await warmth(b), await warmth(a)]).toEqual([false, true, false, true, false]);
    await forgetSplits(device);
    expect(await warmth(a)).toBe(false);
    // A small call, then frames of a larger size: the first of them goes fused, the next ones warm.
    await forgetSplits(device);
    expect([await warmth(a, 100), await warmth(a, 1000), await warmth(a, 1000), await warmth(a, 1000)]).toEqual([false, false, true, true]);
  });

  test('auto makes the table once a device has run a megapixel with one palette, never for one small image', async () => {
    const fresh = await gpuEngine(); // a device of its own, without a table
    try {
      const device = (await fresh.device())!;
      const a = orderedPaletteParams(bayer([8, 8]), palA);
      const b = orderedPaletteParams(bayer([8, 8]), palB);
      const image = randomImage(512, 512, 12); // a quarter of SPLIT_TABLE_MIN_PIXELS
      const run = async (params: typeof a) => expect(sameBytes((await fresh.orderedPalette(image, params)).indices, orderedPalette(image, params))).toBe(true);
      for (const params of [a, a, a, b]) await run(params); // 0.75 Mpx with a, then a new palette starts over
      expect(hasSplitTable(device)).toBe(false);
      for (const params of [b, b]) await run(params);
      expect(hasSplitTable(device)).toBe(false);
      await run(b); // the fourth quarter
      expect(hasSplitTable(device)).toBe(true);
      await run(b); // warm
    } finally {
      fresh.destroy();
    }
  });
});
