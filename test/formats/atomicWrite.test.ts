import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readInputFile, writeFileAtomic } from '../../src/formats/index.js';

// Lets a test make the final rename fail, the one step that cannot be provoked from outside.
const failRename = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    rename: async (from: string, to: string) => {
      if (failRename.on) throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
      return real.rename(from, to);
    },
  };
});

/** [is it an InputError, its message] for what `fn` throws. */
function caught(fn: () => unknown): [boolean, string] {
  try {
    fn();
  } catch (err) {
    return [err instanceof InputError, (err as Error).message];
  }
  return [false, 'nothing thrown'];
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'df-atomic-'));
  failRename.on = false;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes the bytes and leaves no temp file', async () => {
    const target = join(dir, 'out.png');
    await writeFileAtomic(target, Uint8Array.of(1, 2, 3));
    expect(Array.from(readFileSync(target))).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['out.png']);
  });

  it('replaces an existing file whole', async () => {
    const target = join(dir, 'out.png');
    writeFileSync(target, 'old contents that are longer than the new ones');
    await writeFileAtomic(target, Uint8Array.of(9));
    expect(Array.from(readFileSync(target))).toEqual([9]);
    expect(readdirSync(dir)).toEqual(['out.png']);
  });

  it('into a missing directory: InputError, nothing written', async () => {
    const target = join(dir, 'missing', 'out.png');
    const err = await writeFileAtomic(target, Uint8Array.of(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(`${target}: no such directory`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('over a directory: InputError, temp file removed, directory untouched', async () => {
    const target = join(dir, 'sub');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'x');
    await expect(writeFileAtomic(target, Uint8Array.of(1))).rejects.toThrow(InputError);
    expect(readdirSync(dir)).toEqual(['sub']);
    expect(readdirSync(target)).toEqual(['keep']);
  });

  it('a failure at the last step leaves the old target intact and no temp file', async () => {
    const target = join(dir, 'out.png');
    writeFileSync(target, 'old');
    failRename.on = true;
    await expect(writeFileAtomic(target, new Uint8Array(100_000).fill(7))).rejects.toThrow('EIO: simulated');
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['out.png']);
  });

  it('concurrent writers each produce a whole file', async () => {
    const target = join(dir, 'out.bin');
    const payloads = [1, 2, 3, 4].map((v) => new Uint8Array(200_000).fill(v));
    await Promise.all(payloads.map((p) => writeFileAtomic(target, p)));
    const got = readFileSync(target);
    expect(got.length).toBe(200_000);
    expect(got.every((b) => b === got[0])).toBe(true);
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });
});

describe('readInputFile', () => {
  it('returns the bytes as a plain Uint8Array', () => {
    const path = join(dir, 'in.png');
    writeFileSync(path, Uint8Array.of(5, 6));
    const bytes = readInputFile(path);
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect(Array.from(bytes)).toEqual([5, 6]);
  });

  it('missing file and directory become InputErrors', () => {
    const missing = join(dir, 'nope.png');
    expect(caught(() => readInputFile(missing))).toEqual([true, `${missing}: no such file`]);
    expect(caught(() => readInputFile(dir))).toEqual([true, `${dir}: is a directory`]);
  });
});
