import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { decodePng, encodeGreyPng } from '../../../src/formats/index.js';
import { openSliceDir } from '../../../src/stack/formats/sliceDir.js';
import type { Layer, LayerSource } from '../../../src/stack/formats/types.js';
import { filteredGreyPng, greyPng8, samples, tempDir } from './helpers.js';

const root = tempDir();
let dirs = 0;
/** A directory holding the given files. */
function dirWith(files: Record<string, Uint8Array>): string {
  const dir = join(root, `d${dirs++}`);
  mkdirSync(dir);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

async function collect(source: LayerSource): Promise<Layer[]> {
  const out: Layer[] = [];
  for await (const layer of source) out.push(layer);
  return out;
}

async function inputError(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

/** A 5x3 slice whose every pixel is `v`. */
const flat = (v: number, w = 5, h = 3): Uint8Array => greyPng8(w, h, new Array<number>(w * h).fill(v));

describe('directory of PNG slices', () => {
  it('yields layers in natural order with their content and metadata up front', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let n = 0; n < 12; n++) files[`slice${n}.png`] = flat(n * 10);
    files['notes.txt'] = new Uint8Array(3); // not a PNG: ignored
    const dir = dirWith(files);
    const source = await openSliceDir(dir);
    expect(source.info).toEqual({ width: 5, height: 3, layers: 12, depth: 8, channels: 1 });
    expect(source.names.map((p) => p.slice(dir.length + 1))).toEqual(Array.from({ length: 12 }, (_, n) => `slice${n}.png`));
    const layers = await collect(source);
    expect(layers.map((l) => l.z)).toEqual([...Array(12).keys()]);
    for (const l of layers) {
      expect(l).toMatchObject({ width: 5, height: 3, depth: 8, channels: 1 });
      expect(Array.from(l.data)).toEqual(new Array(15).fill(l.z * 10));
    }
    expect((await collect(source)).length).toBe(12); // iterable again
  });

  it('grey slices of every depth and row filter decode like decodePng', async () => {
    for (const depth of [1, 2, 4, 8, 16] as const) {
      for (const [w, h, distinct] of [[1, 1, 0], [7, 5, 0], [33, 6, 0], [64, 16, 0], [64, 16, 3]] as const) {
        // A few distinct values make the Paeth predictor's ties (a vs b vs c) frequent.
        const max = 2 ** depth - 1;
        const v = distinct ? samples(w * h, distinct, depth).map((k) => Math.round((k * max) / (distinct - 1))) : samples(w * h, max + 1, w * depth + h);
        const png = filteredGreyPng(w, h, depth, v, [0, 1, 2, 3, 4, 4, 3, 2]);
        const [layer] = await collect(await openSliceDir(dirWith({ 'a0.png': png })));
        const ref = decodePng(png, 'ref.png');
        expect(layer!.depth).toBe(depth === 16 ? 16 : 8);
        expect(layer!.data).toBeInstanceOf(depth === 16 ? Uint16Array : Uint8Array);
        expect(Array.from(layer!.data)).toEqual(Array.from({ length: w * h }, (_, i) => ref.data[4 * i]));
      }
    }
  });

  it('RGBA and RGB slices come as 4 channels', async () => {
    const rgba = Uint8Array.from(samples(4 * 6, 256, 9));
    const dir = dirWith({ 'c1.png': encode({ width: 3, height: 2, channels: 4, depth: 8, data: rgba }) });
    const [layer] = await collect(await openSliceDir(dir));
    expect(layer).toMatchObject({ channels: 4, depth: 8, width: 3, height: 2 });
    expect(Array.from(layer!.data)).toEqual(Array.from(rgba));
  });

  it('a gap in the numbers is an InputError naming the file after it', async () => {
    const dir = dirWith({ 'l1.png': flat(1), 'l2.png': flat(2), 'l4.png': flat(4) });
    const e = await inputError(openSliceDir(dir));
    expect(e.input).toBe(join(dir, 'l4.png'));
    expect(e.message).toMatch(/3 is missing/);
  });

  it('a slice of another size or format is an InputError naming it and the first slice', async () => {
    const sized = dirWith({ 'l1.png': flat(1), 'l2.png': flat(2), 'l3.png': flat(3, 6, 3) });
    const e = await inputError(openSliceDir(sized));
    expect(e.input).toBe(join(sized, 'l3.png'));
    expect(e.message).toContain('6x3 8-bit grey');
    expect(e.message).toContain(join(sized, 'l1.png'));
    const deep = dirWith({ 'l1.png': flat(1), 'l2.png': encodeGreyPng(5, 3, new Uint16Array(15), 16) });
    expect((await inputError(openSliceDir(deep))).input).toBe(join(deep, 'l2.png'));
  });

  it('a corrupt slice is an InputError naming it, when opening (header) or when reached (data)', async () => {
    const bad = flat(3);
    bad[8 + 13]! ^= 1; // IHDR data: header CRC fails
    const dirH = dirWith({ 'l1.png': flat(1), 'l2.png': bad });
    expect((await inputError(openSliceDir(dirH))).input).toBe(join(dirH, 'l2.png'));
    const empty = dirWith({ 'l1.png': flat(1), 'l2.png': new Uint8Array(0) });
    expect((await inputError(openSliceDir(empty))).input).toBe(join(empty, 'l2.png'));

    const data = flat(3);
    data[data.length - 20]! ^= 0xff; // inside IDAT: its CRC fails
    const dirD = dirWith({ 'l1.png': flat(1), 'l2.png': data, 'l3.png': flat(3) });
    const source = await openSliceDir(dirD); // the header is fine
    const e = await inputError(collect(source));
    expect(e.input).toBe(join(dirD, 'l2.png'));
    expect(e.message).toMatch(/corrupt PNG/);
  });

  it('no slices, or no directory, is an InputError naming the directory', async () => {
    const dir = dirWith({ 'readme.txt': new Uint8Array(1) });
    const e = await inputError(openSliceDir(dir));
    expect(e.input).toBe(dir);
    expect(e.message).toMatch(/no PNG slices/);
    expect((await inputError(openSliceDir(join(root, 'missing')))).input).toBe(join(root, 'missing'));
  });

  it('stopping early leaves no failure behind and reading again works', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let n = 0; n < 20; n++) files[`s${n}.png`] = flat(n);
    const source = await openSliceDir(dirWith(files), { readAhead: 6 });
    for await (const layer of source) if (layer.z === 2) break;
    expect((await collect(source)).map((l) => l.data[0])).toEqual([...Array(20).keys()]);
  });
});
