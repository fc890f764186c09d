// Staged memory (engine.stage): the GPU copies a call's input from mapped upload memory the caller filled, and
// its result into mapped readback memory the caller reads, with no host copy. The bytes must be those of the
// ordinary path, at any offset, width and chunking, and the memory's life (detached during a call, mapped again
// after it, an input with its contents) must hold.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine.js';
import { InputError } from '../../src/errors.js';
import type { StagedMemory } from '../../src/host/stagedMemory.js';
import { ditherImage } from '../../src/image/ditherImage.js';
import { planLevels } from '../../src/image/levels.js';
import { parseLayerMethod } from '../../src/stack/layerMaps.js';
import { greyLevelsCpu, materialFractionsCpu } from '../../src/stack/kernels.js';
import { greyLevelsLayers, materialFractionsLayers } from '../../src/stack/kernels.gpu.js';
import { levelsCpu } from '../../src/kernels/levels.js';
import { levelsGpu } from '../../src/kernels/levels.gpu.js';
import { orderedPalette, orderedPaletteParams } from '../../src/kernels/orderedPalette.js';
import { forgetSplits } from '../../src/kernels/splitCache.js';
import { bayer } from '../../src/maps/bayer.js';
import { gpuEngine } from '../helpers/gpu.js';
import { randomBytes, randomImage, rng } from '../helpers/random.js';
import { sameBytes } from '../helpers/bytes.js';

const POISON = 0xffffffff; // index 255: impossible with the 16-colour palette below
const params = orderedPaletteParams(bayer([8, 8]), randomBytes(16 * 3, 5));

let engine: Engine;
beforeAll(async () => {
  engine = await gpuEngine();
});
afterAll(() => engine.destroy());

/** Random RGBA16 samples and the plan of 256 levels per channel for them. */
function levels16(w: number, h: number, seed: number) {
  const r = rng(seed);
  const samples = Uint16Array.from({ length: 4 * w * h }, () => Math.floor(r() * 65536));
  const raster = { width: w, height: h, depth: 16 as const, data: samples, hasAlpha: true, source: { bitDepth: 16, colorType: 'rgba' as const } };
  return { samples, lp: planLevels(raster, { levels: [256] }).params };
}

/** `data` written into staged memory at byte `at`; the image as a caller passes it (a view at that offset). */
function fill(memory: StagedMemory, data: Uint8Array, at = 0): Uint8Array {
  memory.data.set(data, at);
  return memory.data.subarray(at, at + data.length);
}

describe('orderedPalette from staged input equals the CPU reference', () => {
  const sizes: [number, number][] = [[1, 1], [3, 5], [65, 9], [257, 129]];
  for (const [w, h] of sizes) {
    test(`${w}x${h}, one chunk and many, fused and two passes`, async () => {
      const image = randomImage(w, h, w * 31 + h);
      const cpu = orderedPalette(image, params);
      const staged = await engine.stage(image.data.length + 8);
      try {
        // Chunks of 3 rows (several batches copy from one staged buffer at their offsets), or whole.
        for (const maxChunkBytes of [undefined, 3 * 4 * w]) {
          for (const [splitPasses, cold] of [['fused', true], ['two', false]] as const) {
            if (cold) await forgetSplits((await engine.device())!);
            const data = fill(staged, image.data, 4);
            const gpu = await engine.orderedPalette({ width: w, height: h, data }, params, { poison: POISON, splitTable: 'always', splitPasses, ...(maxChunkBytes ? { maxChunkBytes } : {}) });
            expect(data.length, 'the GPU copied it: the call detached it').toBe(0);
            expect(gpu.indices.includes(255)).toBe(false); // every element was written
            expect(sameBytes(gpu.indices, cpu), `${splitPasses}, chunk ${maxChunkBytes ?? 'whole'}`).toBe(true);
          }
        }
      } finally {
        staged.destroy();
      }
    });
  }

  test('a view at an offset that is not a whole word is copied as usual, with the same bytes', async () => {
    const image = randomImage(33, 7, 2);
    const staged = await engine.stage(image.data.length + 3);
    const gpu = await engine.orderedPalette({ width: 33, height: 7, data: fill(staged, image.data, 3) }, params);
    expect(sameBytes(gpu.indices, orderedPalette(image, params))).toBe(true);
    expect(sameBytes(staged.data.subarray(3, 3 + image.data.length), image.data)).toBe(true); // never unmapped
    staged.destroy();
  });

  test('16-bit levels from a Uint16Array over staged memory', async () => {
    const [w, h] = [67, 11];
    const { samples, lp } = levels16(w, h, 9);
    const staged = await engine.stage(samples.byteLength);
    const view = new Uint16Array(staged.data.buffer, staged.data.byteOffset, samples.length);
    view.set(samples);
    const gpu = await engine.run({ cpu: () => null, gpu: (g) => levelsGpu(g, { width: w, height: h, data: view }, lp, { maxChunkBytes: 8 * w * 4 }) });
    expect(view.length, 'the GPU copied it: the call detached it').toBe(0);
    expect(sameBytes(gpu!.codes, levelsCpu({ width: w, height: h, data: samples }, lp))).toBe(true);
    staged.destroy();
  });
});

describe('results into staged output equal the CPU reference', () => {
  // Odd widths take chunks of 4 rows so that each chunk's indices start on a whole word of the output.
  const sizes: [number, number][] = [[1, 1], [3, 5], [65, 9], [257, 129], [64, 7]];
  for (const [w, h] of sizes) {
    test(`${w}x${h}: orderedPalette, input staged or not, one chunk and many`, async () => {
      const image = randomImage(w, h, w * 7 + h);
      const cpu = orderedPalette(image, params);
      const input = await engine.stage(image.data.length);
      const output = await engine.stage(w * h, 'output');
      try {
        for (const maxChunkBytes of [undefined, 5 * 4 * w]) {
          for (const stagedIn of [false, true]) {
            const data = stagedIn ? fill(input, image.data) : image.data;
            const into = output.data;
            const gpu = await engine.orderedPalette({ width: w, height: h, data }, params, { into, poison: POISON, ...(maxChunkBytes ? { maxChunkBytes } : {}) });
            expect(into.length, 'the call detached the array it was given').toBe(0);
            expect(gpu.indices.buffer).toBe(output.data.buffer); // the result is the output memory, mapped again
            expect(gpu.indices.includes(255)).toBe(false);
            expect(sameBytes(gpu.indices, cpu), `chunk ${maxChunkBytes ?? 'whole'}, input ${stagedIn ? 'staged' : 'plain'}`).toBe(true);
          }
        }
      } finally {
        input.destroy();
        output.destroy();
      }
    });
  }

  test('levels: four code bytes per pixel into staged output', async () => {
    const [w, h] = [33, 17];
    const { samples, lp } = levels16(w, h, 21);
    const output = await engine.stage(4 * w * h, 'output');
    const gpu = await engine.run({ cpu: () => null, gpu: (g) => levelsGpu(g, { width: w, height: h, data: samples }, lp, { maxChunkBytes: 8 * w * 3 }) });
    const staged = await engine.run({ cpu: () => null, gpu: (g) => levelsGpu(g, { width: w, height: h, data: samples }, lp, { into: output.data }) });
    expect(sameBytes(staged!.codes, levelsCpu({ width: w, height: h, data: samples }, lp))).toBe(true);
    expect(sameBytes(staged!.codes, gpu!.codes)).toBe(true);
    expect(staged!.codes.buffer).toBe(output.data.buffer);
    output.destroy();
  });

  test('into at an offset that is not a whole word, or whose last word would write over the bytes after it, is filled by the ordinary copy; at a whole word, by the GPU, leaving the rest alone', async () => {
    const image = randomImage(10, 3, 22); // 30 indices: not whole words
    const cpu = orderedPalette(image, params);
    const output = await engine.stage(130, 'output');
    const into = output.data.subarray(1, 31);
    const gpu = await engine.orderedPalette(image, params, { into });
    expect(sameBytes(gpu.indices, cpu)).toBe(true);
    expect(into.length).toBe(30); // not detached: the host copied into the mapped memory
    const roomy = output.data.subarray(4, 40); // whole words would spill into bytes 34, 35 of the caller's
    expect(sameBytes((await engine.orderedPalette(image, params, { into: roomy })).indices, cpu)).toBe(true);
    expect(roomy.length).toBe(36);
    // 40 indices, whole words: the GPU copies them to offset 4, then another image's to offset 44; the first stay.
    const [p, q] = [randomImage(10, 4, 23), randomImage(5, 4, 24)];
    const at4 = await engine.orderedPalette(p, params, { into: output.data.subarray(4, 44) });
    expect(at4.indices.byteOffset).toBe(4);
    expect(sameBytes(at4.indices, orderedPalette(p, params))).toBe(true);
    const at44 = await engine.orderedPalette(q, params, { into: output.data.subarray(44, 64) });
    expect(at44.indices.byteOffset).toBe(44);
    expect(sameBytes(output.data.subarray(4, 44), orderedPalette(p, params))).toBe(true);
    expect(sameBytes(output.data.subarray(44, 64), orderedPalette(q, params))).toBe(true);
    // The last 30 bytes of the memory: the rest of their last word is the buffer's padding, so the GPU copies.
    const tail = await engine.orderedPalette(image, params, { into: output.data.subarray(100) });
    expect(tail.indices.byteOffset).toBe(100);
    expect(sameBytes(tail.indices, cpu)).toBe(true);
    output.destroy();
  });
});

describe('stack layers from staged input equal the CPU reference', () => {
  const lm = parseLayerMethod('bayer3d8');
  /** `bytes` into new staged input at byte `at`, and a view of it there of the same element type. */
  async function stagedCopy<T extends Uint8Array | Uint16Array>(bytes: T, at = 0): Promise<{ view: T; memory: StagedMemory }> {
    const memory = await engine.stage(bytes.byteLength + at);
    const buffer = memory.data.buffer;
    const view = (bytes instanceof Uint16Array ? new Uint16Array(buffer, at, bytes.length) : new Uint8Array(buffer, at, bytes.length)) as T;
    view.set(bytes);
    return { view, memory };
  }

  // Pieces of a few rows or of one layer, so that many batches copy from one staged buffer at their offsets. 64
  // wide: the bits path (greyBits8), whole-word pieces, copied by the GPU; 34 wide at 16 bits too; 33 wide, pieces
  // start mid-word, so the call copies on the host, through the mapping.
  // The last column: the view's byte offset in the staged memory (4: a whole word, so the GPU copies from it at
  // that offset; 2: not, so the host copies).
  const cases: [number, number, 2 | 5, boolean, number, boolean, number][] = [
    [64, 40, 2, false, 7, true, 0],
    [64, 40, 2, false, 7, true, 4],
    [64, 40, 2, false, 7, false, 2],
    [64, 40, 5, false, 7, true, 0],
    [34, 21, 5, true, 7, true, 4],
    [33, 21, 2, false, 63, false, 0],
    [33, 21, 5, true, 7, false, 0],
  ];
  for (const [w, h, levels, wide, rows, direct, at] of cases) {
    test(`grey ${wide ? 16 : 8}-bit ${w}x${h} x 6 layers, ${levels} levels, pieces of ${rows} rows, view at byte ${at} (${direct ? 'GPU copy' : 'host copy'})`, async () => {
      const r = rng(w + h + levels);
      const n = w * h * 6;
      const samples = wide ? Uint16Array.from({ length: n }, () => Math.floor(r() * 65536)) : Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
      const cpu = greyLevelsCpu({ width: w, height: h, z0: 1, count: 6, data: samples }, lm, levels);
      const { view, memory } = await stagedCopy(samples, at);
      const gpu = await greyLevelsLayers(engine, { width: w, height: h, z0: 1, count: 6, data: view }, lm, levels, { maxChunkBytes: rows * w * samples.BYTES_PER_ELEMENT, poison: 0xa5a5a5a5 });
      expect(view.length === 0, 'detached iff the GPU copied it').toBe(direct);
      expect(sameBytes(gpu.data, cpu.data)).toBe(true);
      expect(sameBytes(memory.data.subarray(at), new Uint8Array(samples.buffer)), 'mapped again with its contents').toBe(true);
      memory.destroy();
    });
  }

  for (const wide of [false, true]) {
    test(`RGBA ${wide ? 16 : 8}-bit material fractions from staged input`, async () => {
      const [w, h, count] = [48, 10, 3];
      const r = rng(41);
      const n = 4 * w * h * count;
      const rgba = wide ? Uint16Array.from({ length: n }, () => Math.floor(r() * 65536)) : randomBytes(n, 41);
      const cpu = materialFractionsCpu({ width: w, height: h, z0: 0, count, rgba }, lm);
      const { view, memory } = await stagedCopy(rgba, 4);
      const gpu = await materialFractionsLayers(engine, { width: w, height: h, z0: 0, count, rgba: view }, lm, { maxChunkBytes: 4 * w * 4 * rgba.BYTES_PER_ELEMENT });
      expect(view.length).toBe(0);
      expect(sameBytes(gpu.data, cpu.data)).toBe(true);
      expect(sameBytes(memory.data.subarray(4), new Uint8Array(rgba.buffer)), 'mapped again with its contents').toBe(true);
      memory.destroy();
    });
  }
});

describe('stack results into staged output equal the CPU reference', () => {
  const lm = parseLayerMethod('bayer3d8');
  // [width, height, layers, levels, rows per piece, view offset, GPU copies]. 1-bit layers are whole words, so
  // any piece lands on a word; byte layers do when a layer (w·h) and every row range (rows·w) start on one: 20×6
  // and 7-row pieces of 12 wide (84 bytes) do; 5×5 layers (25 bytes) do not, though the whole result (100 bytes,
  // 4 layers) is whole words. Offset 2 is never a whole word; 7 layers of 5×5 end mid-word with bytes after them.
  const cases: [number, number, number, 2 | 5, number, number, boolean][] = [
    [64, 40, 7, 2, 7, 0, true],
    [33, 21, 7, 2, 64, 8, true], // 3 layers a piece
    [64, 40, 7, 2, 7, 2, false],
    [20, 6, 7, 5, 6, 4, true],
    [12, 21, 7, 5, 7, 4, true],
    [12, 21, 7, 5, 63, 0, true], // 2 layers a piece
    [5, 5, 4, 5, 1000, 0, false], // one piece: layer 2 starts at byte 25
    [5, 5, 4, 5, 6, 0, false], // a layer a piece, at bytes 25, 50, 75
    [5, 5, 7, 5, 1000, 0, false],
  ];
  for (const [w, h, count, levels, rows, at, direct] of cases) {
    test(`grey 8-bit ${w}x${h} x ${count} layers, ${levels} levels, pieces of ${rows} rows, into at byte ${at} (${direct ? 'GPU copy' : 'host copy'})`, async () => {
      const samples = randomBytes(w * h * count, w * 31 + h + levels + count);
      const layers = { width: w, height: h, z0: 2, count, data: samples };
      const cpu = greyLevelsCpu(layers, lm, levels);
      const output = await engine.stage(cpu.data.length + at + 8, 'output');
      output.data.fill(0x5c);
      const into = output.data.subarray(at, at + cpu.data.length);
      const gpu = await greyLevelsLayers(engine, layers, lm, levels, { into, maxChunkBytes: rows * w, poison: 0xa5a5a5a5 });
      expect(into.length === 0, 'detached iff the GPU copied into it').toBe(direct);
      expect(gpu.data.byteOffset).toBe(at);
      expect(sameBytes(gpu.data, cpu.data)).toBe(true);
      const after = output.data; // mapped again
      expect(sameBytes(after.subarray(at, at + cpu.data.length), cpu.data)).toBe(true);
      expect([...after.subarray(0, at), ...after.subarray(at + cpu.data.length)].every((b) => b === 0x5c), 'nothing written outside the result').toBe(true);
      output.destroy();
    });
  }

  test("one 5x5 byte layer: its last word is the memory's own padding only when nothing follows the result", async () => {
    const layers = { width: 5, height: 5, z0: 0, count: 1, data: randomBytes(25, 77) };
    const cpu = greyLevelsCpu(layers, lm, 5);
    for (const [size, direct] of [[25, true], [26, false]] as const) {
      const output = await engine.stage(size, 'output');
      output.data.fill(0x5c);
      const into = output.data.subarray(0, 25);
      const gpu = await greyLevelsLayers(engine, layers, lm, 5, { into });
      expect(into.length === 0, `${size}: detached iff the GPU copied`).toBe(direct);
      expect(sameBytes(gpu.data, cpu.data)).toBe(true);
      if (size === 26) expect(output.data[25]).toBe(0x5c);
      output.destroy();
    }
  });

  test('4 material fractions, 8-bit channels, into staged output', async () => {
    const [w, h, count] = [48, 10, 5];
    const channels = [0, 1, 2, 3].map((c) => randomBytes(w * h * count, 50 + c));
    const cpu = materialFractionsCpu({ width: w, height: h, z0: 0, count, channels }, lm);
    const output = await engine.stage(cpu.data.length, 'output');
    const into = output.data;
    const gpu = await materialFractionsLayers(engine, { width: w, height: h, z0: 0, count, channels }, lm, { into, maxChunkBytes: 4 * 3 * w });
    expect(into.length, 'detached: the GPU copied into it').toBe(0);
    expect(gpu.data.buffer).toBe(output.data.buffer);
    expect(sameBytes(gpu.data, cpu.data)).toBe(true);
    output.destroy();
  });

  test('RGBA fractions from staged input into staged output: neither side copied on the host', async () => {
    const [w, h, count] = [48, 10, 3];
    const rgba = randomBytes(4 * w * h * count, 61);
    const cpu = materialFractionsCpu({ width: w, height: h, z0: 0, count, rgba }, lm);
    const input = await engine.stage(rgba.length);
    input.data.set(rgba);
    const output = await engine.stage(cpu.data.length, 'output');
    const [from, into] = [input.data, output.data];
    const gpu = await materialFractionsLayers(engine, { width: w, height: h, z0: 0, count, rgba: from }, lm, { into, maxChunkBytes: 4 * w * 4 });
    expect([from.length, into.length], 'both detached').toEqual([0, 0]);
    expect(sameBytes(gpu.data, cpu.data)).toBe(true);
    input.destroy();
    output.destroy();
  });

  test('one staged memory as both the input and `into` (either direction) is copied on the host, with the same bytes', async () => {
    const [w, h, count] = [64, 8, 4];
    const samples = randomBytes(w * h * count, 71);
    const cpu = greyLevelsCpu({ width: w, height: h, z0: 0, count, data: samples }, lm, 5);
    for (const direction of ['input', 'output'] as const) {
      const memory = await engine.stage(samples.length, direction);
      memory.data.set(samples);
      const data = memory.data;
      const gpu = await greyLevelsLayers(engine, { width: w, height: h, z0: 0, count, data }, lm, 5, { into: data, maxChunkBytes: w * h });
      expect(sameBytes(gpu.data, cpu.data), direction).toBe(true);
      expect(data.length, `${direction}: never unmapped`).toBe(samples.length);
      memory.destroy();
    }
    // The same for an image: its indices over its own pixels.
    const image = randomImage(64, 16, 72);
    for (const direction of ['input', 'output'] as const) {
      const memory = await engine.stage(image.data.length, direction);
      memory.data.set(image.data);
      const data = memory.data;
      const gpu = await engine.orderedPalette({ width: 64, height: 16, data }, params, { into: data.subarray(0, 64 * 16), maxChunkBytes: 64 * 4 * 4 });
      expect(sameBytes(gpu.indices, orderedPalette(image, params)), direction).toBe(true);
      memory.destroy();
    }
  });
});

describe('staged memory through ditherImage', () => {
  test('alpha kept from a staged image is the source alpha (read before the call detaches it)', async () => {
    const image = randomImage(23, 9, 31);
    const raster = { width: 23, height: 9, depth: 8 as const, hasAlpha: true, source: { bitDepth: 8, colorType: 'rgba' as const } };
    const plain = await ditherImage({ ...raster, data: image.data }, { palette: 'pico8', alpha: 'keep', engine });
    const staged = await engine.stage(image.data.length);
    const data = fill(staged, image.data);
    const out = await ditherImage({ ...raster, data }, { palette: 'pico8', alpha: 'keep', engine });
    expect(data.length).toBe(0); // the GPU copied it
    if (out.mode !== 'palette' || plain.mode !== 'palette') throw new Error('expected palette results');
    expect(out.alpha).not.toBeNull();
    expect(sameBytes(out.alpha!, Uint8Array.from({ length: 23 * 9 }, (_, p) => image.data[4 * p + 3]!))).toBe(true);
    expect(sameBytes(out.indices, plain.indices)).toBe(true);
    staged.destroy();
  });
});

describe('staged memory between calls', () => {
  test('after a call: a new array with the same contents, the old one detached; sending it again gives the same result', async () => {
    const a = randomImage(40, 30, 11);
    const b = randomImage(40, 30, 12);
    const staged = await engine.stage(a.data.length);
    const first = fill(staged, a.data);
    const ra = await engine.orderedPalette({ width: 40, height: 30, data: first }, params);
    expect(first.length).toBe(0); // detached by the call
    expect(sameBytes(staged.data, a.data)).toBe(true); // mapped again, contents kept
    const again = await engine.orderedPalette({ width: 40, height: 30, data: staged.data }, params);
    expect(sameBytes(again.indices, ra.indices)).toBe(true);
    const rb = await engine.orderedPalette({ width: 40, height: 30, data: fill(staged, b.data) }, params);
    expect(sameBytes(rb.indices, orderedPalette(b, params))).toBe(true);
    expect(sameBytes(ra.indices, orderedPalette(a, params))).toBe(true);
    staged.destroy();
  });

  test('in use by a call: writing to it, or a second call, is a clear error; both work once the call ends', async () => {
    const image = randomImage(64, 64, 13);
    const staged = await engine.stage(image.data.length);
    const data = fill(staged, image.data);
    let settled = false;
    const call = engine.orderedPalette({ width: 64, height: 64, data }, params).finally(() => (settled = true));
    // The call takes the memory once it reaches the device (a few ticks on); from then until it settles, it is its.
    const taken = () => {
      try {
        void staged.data;
        return false;
      } catch {
        return true;
      }
    };
    while (!taken() && !settled) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    expect(() => staged.data).toThrow(InputError);
    expect(() => staged.data).toThrow(/a call is using it/);
    await expect(engine.orderedPalette({ width: 64, height: 64, data }, params)).rejects.toThrow(/a call is using it/);
    await call;
    await expect(engine.orderedPalette({ width: 64, height: 64, data }, params)).rejects.toThrow(/take `data` again/);
    const ok = await engine.orderedPalette({ width: 64, height: 64, data: staged.data }, params);
    expect(sameBytes(ok.indices, orderedPalette(image, params))).toBe(true);
    staged.destroy();
  });

  test('too small for the image: a RangeError, and the memory is usable afterwards', async () => {
    const image = randomImage(10, 10, 14);
    const staged = await engine.stage(4 * 10 * 9);
    staged.data.set(image.data.subarray(0, 4 * 10 * 9));
    await expect(engine.orderedPalette({ width: 10, height: 10, data: staged.data }, params)).rejects.toThrow(RangeError);
    const ok = await engine.orderedPalette({ width: 10, height: 9, data: staged.data }, params);
    expect(sameBytes(ok.indices, orderedPalette({ width: 10, height: 9, data: image.data.subarray(0, 360) }, params))).toBe(true);
    staged.destroy();
  });

  test('destroyed: `data` says so; sizes must be positive integers', async () => {
    const staged = await engine.stage(16);
    staged.destroy();
    expect(() => staged.data).toThrow(/destroyed/);
    await expect(engine.stage(0)).rejects.toThrow(RangeError);
    await expect(engine.stage(Number.NaN)).rejects.toThrow(RangeError);
  });

  test('a direction other than input or output is refused', async () => {
    await expect(engine.stage(16, 'both' as never)).rejects.toThrow(/input or output/);
  });

  test('on the CPU backend it is a plain array, and results are the same', async () => {
    const cpu = await Engine.create({ backend: 'cpu' });
    const image = randomImage(21, 5, 15);
    const staged = await cpu.stage(image.data.length);
    const data = fill(staged, image.data);
    const out = await cpu.orderedPalette({ width: 21, height: 5, data }, params);
    expect(sameBytes(out.indices, orderedPalette(image, params))).toBe(true);
    expect(data.length).toBe(image.data.length); // nothing detached it
    expect(staged.data.buffer).toBe(data.buffer);
    cpu.destroy();
  });
});
