// GPU against the CPU reference, byte for byte, for the orderedMix kernel.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Engine } from '../../src/engine.js';
import { bayer } from '../../src/maps/bayer.js';
import {
  orderedMixCpu,
  orderedMixParams,
  type MixImage,
  type OrderedMixOptions,
} from '../../src/kernels/orderedMix.js';
import { orderedMix } from '../../src/kernels/orderedMix.gpu.js';
import { randomBytes, randomImage } from '../helpers/random.js';
import { gpuEngine } from '../helpers/gpu.js';
import { sameBytes } from '../helpers/bytes.js';

const BW = new Uint8Array([0, 0, 0, 255, 255, 255]);
// Two poisons: with 256 colours every byte value is a valid index, but an unwritten word cannot equal both.
const POISONS = [0xffffffff, 0x5a5a5a5a];

let engine: Engine;
beforeAll(async () => {
  engine = await gpuEngine();
});
afterAll(() => engine.destroy());

function image16(width: number, height: number, seed: number): MixImage {
  return { width, height, data: new Uint16Array(randomBytes(8 * width * height, seed).buffer) };
}

/** Runs on the GPU under each poison and checks every run against the CPU reference. */
async function expectParity(
  image: MixImage,
  pal: Uint8Array,
  options: OrderedMixOptions = {},
  map = bayer([8, 8]),
): Promise<void> {
  const params = orderedMixParams(map, pal, options);
  const cpu = orderedMixCpu(image, params);
  for (const poison of POISONS) {
    const gpu = await orderedMix(engine, image, params, { poison });
    expect(gpu.indices.length).toBe(image.width * image.height);
    expect(sameBytes(gpu.indices, cpu), `poison ${poison.toString(16)}`).toBe(true);
  }
}

describe('orderedMix on the GPU equals the CPU reference', () => {
  const sizes: [number, number][] = [
    [1, 1], [1, 17], [17, 1], [2, 3], [3, 5], [5, 7], [63, 7], [64, 3], [65, 9], [129, 3], [250, 7], [257, 129],
  ];
  const palettes: [string, Uint8Array][] = [
    ['bw', BW],
    ['random 16', randomBytes(16 * 3, 99)],
    ['random 256', randomBytes(256 * 3, 7)],
  ];
  for (const [w, h] of sizes) {
    for (const [name, pal] of palettes) {
      test(`${w}x${h}, ${name}, 8 and 16 bits`, async () => {
        await expectParity(randomImage(w, h, w * 1000 + h), pal);
        await expectParity(image16(w, h, w * 1000 + h + 1), pal);
      });
    }
  }

  test('gammaSpace, nearest nodes, small grids and odd plan sizes', async () => {
    const pal = randomBytes(16 * 3, 42);
    const options: OrderedMixOptions[] = [
      { gammaSpace: true },
      { interpolate: false },
      { grid: 2, planSize: 1 },
      { grid: 5, planSize: 7, gammaSpace: true },
      { grid: 64, planSize: 16 },
      { planSize: 256, grid: 16 },
    ];
    for (const o of options) {
      await expectParity(randomImage(131, 19, 3), pal, o);
      await expectParity(image16(67, 13, 4), pal, o);
    }
  });

  test('other threshold maps (rectangular, 1x1, 2x2, 256x256) follow the same rule', async () => {
    for (const map of [bayer([8, 4]), bayer([1, 1]), bayer([2, 2]), bayer([256, 256]), bayer([4, 16])]) {
      await expectParity(randomImage(301, 77, 3), randomBytes(16 * 3, map.values.length), {}, map);
    }
  });

  test('flat images of every grey (edges of the node tables) agree', async () => {
    const data = new Uint8Array(256 * 8 * 4);
    for (let p = 0; p < 256 * 8; p++) data.fill(p % 256, 4 * p, 4 * p + 4);
    await expectParity({ width: 256, height: 8, data }, BW);
    const data16 = new Uint16Array(4 * 4096);
    for (let p = 0; p < 4096; p++) data16.fill(p < 2048 ? p : 65535 - (p - 2048), 4 * p, 4 * p + 4);
    await expectParity({ width: 64, height: 64, data: data16 }, randomBytes(3 * 200, 1));
  });
});

describe('chunking', () => {
  test('any chunk size gives the same bits as one chunk, 8 and 16 bits', async () => {
    const params = orderedMixParams(bayer([8, 8]), randomBytes(16 * 3, 5));
    for (const [image, bpp] of [[randomImage(333, 211, 5), 4], [image16(333, 101, 6), 8]] as const) {
      const whole = await orderedMix(engine, image, params);
      expect(sameBytes(whole.indices, orderedMixCpu(image, params))).toBe(true);
      for (const rows of [1, 3, 7, 64]) {
        const options = { maxChunkBytes: rows * 333 * bpp, poison: POISONS[0]! };
        const chunked = await orderedMix(engine, image, params, options);
        expect(sameBytes(chunked.indices, whole.indices), `${rows} rows per chunk`).toBe(true);
      }
    }
  });
});
