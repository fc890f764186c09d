import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { createRawSink, openRawVolume, parseVolumeSize } from '../../../src/stack/formats/raw.js';
import type { Layer } from '../../../src/stack/formats/types.js';
import { packBits, samples, tempDir } from './helpers.js';

const dir = tempDir();

async function inputError(p: Promise<unknown> | (() => unknown)): Promise<InputError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('raw volume source', () => {
  it('reads 8-bit layers in z order', async () => {
    const [w, h, d] = [7, 3, 4];
    const bytes = Uint8Array.from(samples(w * h * d, 256, 3));
    const path = join(dir, 'v8.raw');
    writeFileSync(path, bytes);
    const source = await openRawVolume(path, { size: '7x3x4', depth: 8 });
    expect(source.info).toEqual({ width: 7, height: 3, layers: 4, depth: 8, channels: 1 });
    const layers: Layer[] = [];
    for await (const l of source) layers.push(l);
    expect(layers.map((l) => l.z)).toEqual([0, 1, 2, 3]);
    layers.forEach((l) => expect(Array.from(l.data)).toEqual(Array.from(bytes.subarray(l.z * 21, (l.z + 1) * 21))));
  });

  it('reads 16-bit samples as little-endian', async () => {
    const v = samples(5 * 2 * 3, 65536, 5);
    const bytes = new Uint8Array(v.flatMap((s) => [s & 255, s >> 8]));
    const path = join(dir, 'v16.raw');
    writeFileSync(path, bytes);
    const out: number[] = [];
    for await (const l of await openRawVolume(path, { size: [5, 2, 3], depth: 16 })) {
      expect(l.data).toBeInstanceOf(Uint16Array);
      out.push(...l.data);
    }
    expect(out).toEqual(v);
  });

  it('a file of the wrong size is an InputError naming the file and both sizes', async () => {
    const path = join(dir, 'short.raw');
    writeFileSync(path, new Uint8Array(99));
    const e = await inputError(openRawVolume(path, { size: '10x10x1', depth: 8 }));
    expect(e.input).toBe(path);
    expect(e.message).toContain('99 bytes');
    expect(e.message).toContain('100 bytes');
    const e16 = await inputError(openRawVolume(path, { size: '10x10x1', depth: 16 }));
    expect(e16.message).toContain('200 bytes');
    expect((await inputError(openRawVolume(join(dir, 'none.raw'), { size: '1x1x1', depth: 8 }))).input).toBe(join(dir, 'none.raw'));
  });

  it('--size must be WxHxD of positive integers', async () => {
    expect(parseVolumeSize('640x480x12')).toEqual([640, 480, 12]);
    for (const bad of ['640x480', '0x1x1', '1x1x-1', 'axbxc', '1.5x2x2']) {
      expect((await inputError(() => parseVolumeSize(bad))).input).toBe('--size');
    }
  });
});

describe('raw sink', () => {
  it("'bytes' writes one byte per voxel, layer after layer (bits as 0/1)", async () => {
    const path = join(dir, 'out-bytes.raw');
    const sink = await createRawSink(path);
    const codes = Uint8Array.from(samples(15, 7, 1));
    const bits = samples(15, 2, 2);
    await sink.write({ z: 0, width: 5, height: 3, kind: 'codes', data: codes });
    await sink.write({ z: 1, width: 5, height: 3, kind: 'bits', data: packBits(bits) });
    await sink.close();
    expect(Array.from(readFileSync(path))).toEqual([...codes, ...bits]);
  });

  it("'packed' writes the words little-endian, each layer padded to whole words", async () => {
    const path = join(dir, 'out-packed.raw');
    const sink = await createRawSink(path, { layout: 'packed' });
    const a = samples(33, 2, 3), b = samples(33, 2, 4);
    await sink.write({ z: 0, width: 11, height: 3, kind: 'bits', data: packBits(a) });
    await sink.write({ z: 1, width: 11, height: 3, kind: 'bits', data: packBits(b) });
    await sink.close();
    const out = readFileSync(path);
    expect(out.length).toBe(2 * 2 * 4); // 33 voxels → 2 words per layer
    const bit = (layer: number, i: number): number => (out[layer * 8 + (i >> 3)]! >> (i & 7)) & 1;
    expect(Array.from({ length: 33 }, (_, i) => bit(0, i))).toEqual(a);
    expect(Array.from({ length: 33 }, (_, i) => bit(1, i))).toEqual(b);
  });
});
