import { InputError } from '../../src/errors.js';
import { makePalette, type Palette, type PaletteChoice } from '../../src/palette/index.js';

/** An in-memory file system for resolvePalette: missing paths throw ENOENT like node:fs. */
export function fakeFs(files: Record<string, Uint8Array | string>): (path: string) => Uint8Array {
  return (path) => {
    const f = files[path];
    if (f === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return typeof f === 'string' ? new TextEncoder().encode(f) : f;
  };
}

/** mulberry32: deterministic so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomPalette(rand: () => number, size: number, distinct: boolean): Palette {
  const seen = new Set<number>();
  const rgb: number[] = [];
  while (rgb.length < 3 * size) {
    const c = Math.floor(rand() * 0x1000000);
    if (distinct && seen.has(c)) continue;
    seen.add(c);
    rgb.push(c >> 16, (c >> 8) & 255, c & 255);
  }
  return makePalette('random', rgb);
}

export function asPalette(c: PaletteChoice): Palette {
  if ('auto' in c) throw new Error(`expected a palette, got auto:${c.auto}`);
  return c;
}

/** Runs `fn`, asserting an InputError whose message starts with `input: ` and is one line; returns the message. */
export function inputError(fn: () => unknown, input: string): string {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    if (err.input !== input || !err.message.startsWith(`${input}: `) || err.message.includes('\n')) {
      throw new Error(`wrong InputError: input ${JSON.stringify(err.input)}, message ${JSON.stringify(err.message)}`);
    }
    return err.message;
  }
  throw new Error('expected an InputError, got none');
}
