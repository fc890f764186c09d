import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { openStack } from '../../../src/stack/formats/open.js';
import { greyPng8, tempDir } from './helpers.js';

const dir = tempDir();

it('picks the source from the input: directory, zip, raw with --size; anything else is an InputError', async () => {
  const slices = join(dir, 'slices');
  mkdirSync(slices);
  for (let z = 0; z < 3; z++) writeFileSync(join(slices, `s${z}.png`), greyPng8(4, 2, new Array(8).fill(z)));
  expect((await openStack(slices)).info).toEqual({ width: 4, height: 2, layers: 3, depth: 8, channels: 1 });

  const zip = join(dir, 'job.sl1s');
  writeFileSync(zip, zipSync({ 'a0.png': greyPng8(3, 3, new Array(9).fill(1)), 'config.ini': new Uint8Array(2) }));
  const z = await openStack(zip);
  expect(z.info.layers).toBe(1);
  expect(z.names).toEqual([`${zip}/a0.png`]);

  const raw = join(dir, 'v.raw');
  writeFileSync(raw, new Uint8Array(2 * 3 * 4 * 2));
  expect((await openStack(raw, { size: '2x3x4', rawDepth: 16 })).info).toEqual({ width: 2, height: 3, layers: 4, depth: 16, channels: 1 });

  const other = join(dir, 'notes.txt');
  writeFileSync(other, 'hello');
  const e = await openStack(other).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(InputError);
  expect((e as InputError).input).toBe(other);
  expect(((await openStack(join(dir, 'nope')).catch((x: unknown) => x)) as InputError).input).toBe(join(dir, 'nope'));
});
