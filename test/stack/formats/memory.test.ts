import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createPngSliceSink } from '../../../src/stack/formats/pngSliceSink.js';
import { openSliceDir } from '../../../src/stack/formats/sliceDir.js';
import { sharedPool } from '../../../src/stack/workers/pool.js';
import { greyPng8, samples, tempDir } from './helpers.js';

const dir = tempDir();
const SIDE = 1024, LAYERS = 300, MB = 1 << 20;

it(`streams ${LAYERS} layers of ${SIDE}x${SIDE} source → sink with bounded RSS`, async () => {
  const input = join(dir, 'in');
  mkdirSync(input);
  const png = greyPng8(SIDE, SIDE, samples(SIDE * SIDE, 256, 5)); // noise: decoding and encoding do real work
  for (let z = 0; z < LAYERS; z++) writeFileSync(join(input, `s${z}.png`), png);

  // Start every worker first, so that the baseline includes the pool but no layer.
  const pool = sharedPool();
  const tiny = { z: 0, width: 1, height: 1, kind: 'codes', data: new Uint8Array(1) } as const;
  await Promise.all(Array.from({ length: pool.size * 2 }, () => pool.run('countValues', { layer: tiny })));
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baseline = process.memoryUsage().rss;

  const source = await openSliceDir(input);
  const output = join(dir, 'out');
  const sink = await createPngSliceSink(output, { encoding: { levels: 4 } });
  let peak = 0;
  for await (const layer of source) {
    const codes = new Uint8Array(layer.data.length);
    for (let i = 0; i < codes.length; i++) codes[i] = layer.data[i]! >> 6;
    await sink.write({ z: layer.z, width: SIDE, height: SIDE, kind: 'codes', data: codes });
    if (layer.z % 10 === 9) gc?.();
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  await sink.close();
  expect(readdirSync(output).length).toBe(LAYERS);
  // The stack is 300 MB decoded plus 300 MB of codes; holding on to layers (or reading ahead without bound,
  // +600 MB measured) would show up many times over. Each worker adds its own heap's slack.
  console.log(`RSS before: ${(baseline / MB).toFixed(0)} MB, peak while streaming: ${(peak / MB).toFixed(0)} MB`);
  expect(peak - baseline).toBeLessThan((64 + 32 * pool.size) * MB);
});
