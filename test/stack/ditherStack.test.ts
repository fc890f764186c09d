// The streaming engine: the same bits on both backends and at every chunk size, in every mode; bounded memory.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine.js';
import { ditherStack, type DitherStackOptions, type StackLayer } from '../../src/stack/ditherStack.js';
import type { OutputLayer } from '../../src/stack/formats/types.js';
import { getPreset } from '../../src/palette/presets.js';
import { randomBytes } from '../helpers/random.js';
import { gpuEngine } from '../helpers/gpu.js';

let gpu: Engine;
let cpu: Engine;
beforeAll(async () => {
  gpu = await gpuEngine();
  cpu = await Engine.create({ backend: 'cpu' });
});
afterAll(() => gpu.destroy());

function layers(n: number, width: number, height: number, channels: 1 | 4, seed: number, depth: 8 | 16 = 8): StackLayer[] {
  return Array.from({ length: n }, (_, z) => {
    const bytes = randomBytes(width * height * channels * (depth / 8), seed + z);
    return { width, height, channels, depth, data: depth === 8 ? bytes : new Uint16Array(bytes.buffer) };
  });
}

async function collect(input: StackLayer[] | StackLayer[][], options: DitherStackOptions): Promise<Buffer> {
  const parts: Buffer[] = [];
  let z = 0;
  for await (const l of ditherStack(input, options)) {
    expect(l.z).toBe(z++);
    parts.push(Buffer.from(l.data.buffer, l.data.byteOffset, l.data.byteLength));
  }
  return Buffer.concat(parts);
}

describe('identical bits on both backends and for chunk sizes 1, 7 and the default', () => {
  const grey = layers(23, 67, 41, 1, 1);
  const grey16 = layers(9, 33, 17, 1, 2, 16);
  const rgba = layers(11, 29, 13, 4, 3);
  const fractions = [layers(10, 31, 9, 1, 4), layers(10, 31, 9, 1, 5), layers(10, 31, 9, 1, 6)].map((s) =>
    s.map((l) => ({ ...l, data: l.data.map((v) => v >> 2) })),
  );
  const cases: [string, StackLayer[] | StackLayer[][], DitherStackOptions][] = [
    ['grey → 1 bit, bayer3d8', grey, {}],
    ['grey → 16 levels, bluenoise3d16', grey, { levels: 16, method: 'bluenoise3d16' }],
    ['grey16 → 1 bit, bayer8+phase, anisotropic voxel', grey16, { method: 'bayer8+phase', voxel: [42.3, 84.6, 27] }],
    ['RGBA → pico8 materials', rgba, { materials: getPreset('pico8')! }],
    ['3 fraction stacks', fractions, { fractions: true }],
    ['one RGBA fraction stack', rgba, { fractions: true, method: 'bayer3d16x16x4' }],
  ];
  for (const [name, input, options] of cases) {
    test(name, async () => {
      const reference = await collect(input, { ...options, engine: cpu });
      for (const [engine, chunkLayers] of [[gpu, undefined], [gpu, 1], [gpu, 7], [cpu, 7]] as const) {
        const out = await collect(input, { ...options, engine, ...(chunkLayers ? { chunkLayers } : {}) });
        expect(out.equals(reference), `${engine.backend}, chunk ${chunkLayers ?? 'default'}`).toBe(true);
      }
    });
  }
});

describe('what the modes promise', () => {
  test('grey mode preserves mean occupancy within 0.5%', async () => {
    for (const level of [0.3, 0.77]) {
      const v = Math.round(level * 255);
      const input = Array.from({ length: 32 }, () => ({ width: 128, height: 128, channels: 1 as const, depth: 8 as const, data: new Uint8Array(128 * 128).fill(v) }));
      let ones = 0;
      for await (const l of ditherStack(input, { engine: gpu })) {
        if (l.kind !== 'bits') throw new Error('1-bit output expected');
        for (const w of l.data) for (let b = w; b; b &= b - 1) ones++;
      }
      expect(Math.abs(ones / (128 * 128 * 32) - v / 255)).toBeLessThan(0.005);
    }
  });

  test('material colours: transparent voxels are void, opaque ones a material', async () => {
    const input = layers(4, 16, 16, 4, 9).map((l) => {
      const d = l.data as Uint8Array;
      for (let p = 0; p < 256; p++) d[4 * p + 3] = p % 2 ? 255 : 0;
      return l;
    });
    for await (const l of ditherStack(input, { materials: getPreset('gameboy')!, engine: gpu })) {
      for (let p = 0; p < 256; p++) expect((l.data as Uint8Array)[p]! > 0).toBe(p % 2 === 1);
    }
  });
});

test('bad input: mismatched layers, zero layers, bad options', async () => {
  const bad = [...layers(3, 8, 8, 1, 1), ...layers(1, 9, 8, 1, 2)];
  await expect(collect(bad, { engine: cpu })).rejects.toThrow(/layer 3: is 9×8/);
  await expect(collect([], { engine: cpu })).rejects.toThrow(/no layers/);
  await expect(collect(layers(2, 4, 4, 1, 1), { engine: cpu, chunkLayers: 0 })).rejects.toThrow(/--chunk-layers/);
  await expect(collect(layers(2, 4, 4, 1, 1), { engine: cpu, method: 'nosuch' })).rejects.toThrow(/--method/);
  await expect(collect([layers(2, 4, 4, 1, 1), layers(1, 4, 4, 1, 2)], { engine: cpu, fractions: true })).rejects.toThrow(/input 2: ends at layer 1/);
});

test('memory stays bounded: 2,000 generated layers of 2048×2048, RSS sampled', async () => {
  const side = 2048;
  const count = 2000;
  const base = new Uint8Array(side * side);
  for (let i = 0; i < base.length; i++) base[i] = (i * 2654435761) >>> 24;
  async function* generated(): AsyncGenerator<StackLayer> {
    for (let z = 0; z < count; z++) yield { width: side, height: side, channels: 1, depth: 8, data: base };
  }
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  let seen = 0;
  let words = 0;
  for await (const l of ditherStack(generated(), { engine: gpu, method: 'bayer8+phase' })) {
    seen++;
    words += (l as Extract<OutputLayer, { kind: 'bits' }>).data.length;
    if (seen % 50 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  expect(seen).toBe(count);
  expect(words).toBe(count * (side * side) / 32);
  expect(peak - rss0).toBeLessThan(512 * 2 ** 20);
}, 900_000);
