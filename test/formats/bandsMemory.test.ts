// In a file of its own, so that no other test's garbage is collected while this one measures memory.
import { expect, it } from 'vitest';
import { pngBands } from '../../src/formats/index.js';
import { craft, ihdr } from './helpers.js';

it('zlib runs at most aheadBytes past the bands taken: a 48 MiB image never queues whole', async () => {
  const w = 4096, h = 4096; // RGB zeros: 48 MiB of scanlines from a few KiB of zlib data
  const raw = new Uint8Array((1 + 3 * w) * h);
  const png = craft(ihdr(w, h, 8, 2), raw);
  (globalThis as { gc?: () => void }).gc?.(); // vitest runs with --expose-gc
  const before = process.memoryUsage().arrayBuffers;
  let grew = 0;
  for await (const band of pngBands(png, 'zeros.png', { aheadBytes: 4 << 20 }).bands()) {
    expect(band.firstRow).toBe(0);
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 60)); // time for zlib to run on, were it not paused
      grew = Math.max(grew, process.memoryUsage().arrayBuffers - before);
    }
    break;
  }
  // The band, the row buffer, and 4 MiB ahead plus a step or two of 1 MiB; unpaused, all 48 MiB would queue.
  expect(grew).toBeLessThan(16 << 20);
  expect(raw.length).toBe((1 + 3 * w) * h); // kept alive until now, so its collection cannot hide growth
});
