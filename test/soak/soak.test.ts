// 2,000 upload/dispatch/readback cycles with forced garbage collections between them. Dawn dies (futex or mutex
// errors, segfaults) if its instance is collected while a device lives; this is the test that would catch it.
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine.js';
import { bayer } from '../../src/maps/bayer.js';
import { orderedPalette, orderedPaletteParams } from '../../src/kernels/orderedPalette.js';
import { randomBytes, randomImage } from '../helpers/random.js';

const CYCLES = 2000;

test(`${CYCLES} GPU cycles with gc() between them`, async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  expect(typeof gc, 'vitest must run with --expose-gc (see vitest.config.ts)').toBe('function');
  const params = orderedPaletteParams(bayer([8, 8]), randomBytes(16 * 3, 4));
  const images = [randomImage(64, 48, 1), randomImage(31, 7, 2), randomImage(1, 1, 3)];
  const expected = images.map((im) => orderedPalette(im, params));
  let engine = await Engine.create({ backend: 'gpu', notify: () => {} });
  let mismatches = 0;
  for (let i = 0; i < CYCLES; i++) {
    const k = i % images.length;
    const run = await engine.orderedPalette(images[k]!, params);
    if (!Buffer.from(run.indices).equals(Buffer.from(expected[k]!))) mismatches++;
    gc!();
    // New devices from the same instance, with nothing in this file holding the instance.
    if (i % 500 === 499) {
      engine.destroy();
      gc!();
      engine = await Engine.create({ backend: 'gpu', notify: () => {} });
    }
  }
  engine.destroy();
  expect(mismatches).toBe(0);
}, 600_000);
