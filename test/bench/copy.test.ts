// The roofline's copy kernel: its output is its input, every word written, at sizes around the workgroup's block.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Engine } from '../../src/engine.js';
import { copyGpu, timeCopy } from '../../src/kernels/copy.gpu.js';
import { randomBytes } from '../helpers/random.js';
import { gpuEngine } from '../helpers/gpu.js';

let engine: Engine;
beforeAll(async () => {
  engine = await gpuEngine();
});
afterAll(() => engine.destroy());

const run = <T>(f: Parameters<Engine['run']>[0]['gpu']) =>
  engine.run({ cpu: () => Promise.reject(new Error('GPU only')), gpu: f }) as Promise<T>;

// In 16-byte words: 1, odd, around 64 and 256 (one workgroup's block), and larger.
for (const words of [1, 3, 63, 64, 65, 255, 256, 257, 1000, 40_001]) {
  test(`${words} words`, async () => {
    const data = randomBytes(16 * words, words);
    const { out } = await run<{ out: Uint8Array }>((g) => copyGpu(g, data, { poison: 0xdeadbeef }));
    expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
  });
}

test('sizes that are not whole words are refused', async () => {
  await expect(run((g) => copyGpu(g, new Uint8Array(20)))).rejects.toThrow(RangeError);
});

test('timeCopy reports one timing per repeat and caps the size to whole words', async () => {
  const t = await run<Awaited<ReturnType<typeof timeCopy>>>((g) => timeCopy(g, 1000, 3));
  expect(t.bytes).toBe(992);
  expect(t.wallMs).toHaveLength(3);
  expect(t.kernelMs.length === 0 || t.kernelMs.length === 3).toBe(true);
});
