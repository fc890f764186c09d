// In a file of its own, so that no other test's garbage is collected while this one measures memory.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { openPng, pngBands } from '../../src/formats/index.js';
import { tempDir } from '../helpers/cli.js';
import { randomBytes } from '../helpers/random.js';
import { craft, ihdr } from './helpers.js';

/** ArrayBuffer memory once garbage is collected and its backing stores freed (V8 frees them in the background). */
async function settledMemory(): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.(); // vitest runs with --expose-gc
  await new Promise((resolve) => setTimeout(resolve, 200));
  return process.memoryUsage().arrayBuffers;
}

it('zlib runs at most aheadBytes past the bands taken: a 48 MiB image never queues whole', async () => {
  const w = 4096, h = 4096; // RGB zeros: 48 MiB of scanlines from a few KiB of zlib data
  const raw = new Uint8Array((1 + 3 * w) * h);
  const png = craft(ihdr(w, h, 8, 2), raw);
  const before = await settledMemory();
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

/** Bytes this process has read through read(2) and the like, page cache included (Linux). */
function bytesRead(): number {
  return Number(/rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
}

// /proc/self/io counts what the process has read whatever the garbage collector does; Linux only (CI's system).
it.runIf(existsSync('/proc/self/io'))('a file streams too: a 27 MB PNG is not read whole before its first band', async () => {
  const w = 3000, h = 3000; // random RGB: the file is as large as its pixels
  const raw = randomBytes((1 + 3 * w) * h, 5);
  for (let y = 0; y < h; y++) raw[y * (1 + 3 * w)] = 0; // filter bytes
  const png = craft(ihdr(w, h, 8, 2), raw, [], deflateSync(raw, { level: 1 }));
  expect(png.length).toBeGreaterThan(27e6);
  const path = join(tempDir(), 'big.png');
  writeFileSync(path, png);
  const before = bytesRead();
  let read = 0;
  for await (const band of openPng(path, 'big.png', { aheadBytes: 4 << 20 }).bands()) {
    expect(band.firstRow).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300)); // time to read on, were reading not held back
    read = bytesRead() - before;
    break;
  }
  // 4 MiB inflated ahead is about 4 MiB of this file, plus the pieces zlib holds (3 of 1 MiB) and the header.
  expect(read).toBeLessThan(12 << 20);
});
