import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { decodePng, readPngHeader } from '../../../src/formats/index.js';
import { createPngSliceSink } from '../../../src/stack/formats/pngSliceSink.js';
import { createRawSink } from '../../../src/stack/formats/raw.js';
import { createVoxelReportSink, type VoxelReport } from '../../../src/stack/formats/reportSink.js';
import type { LayerSink, OutputLayer } from '../../../src/stack/formats/types.js';
import { packBits, samples, tempDir } from './helpers.js';

const dir = tempDir();
let n = 0;
const target = (): string => join(dir, `out${n++}`);

/** The grey value per pixel, from the independent decoder. */
function decodedGrey(path: string): { depth: number; colorType: string; grey: number[]; rgb: number[][] } {
  const bytes = readFileSync(path);
  const h = readPngHeader(bytes, path);
  const r = decodePng(bytes, path);
  const px = r.width * r.height;
  return {
    depth: h.bitDepth,
    colorType: h.colorType,
    grey: Array.from({ length: px }, (_, i) => r.data[4 * i]!),
    rgb: Array.from({ length: px }, (_, i) => [r.data[4 * i]!, r.data[4 * i + 1]!, r.data[4 * i + 2]!]),
  };
}

const SIZES = [[1, 1], [1, 9], [9, 1], [13, 5], [32, 2], [67, 3]] as const;

describe('PNG slice sink', () => {
  it('bits layers → 1-bit grey PNGs that decode to the written voxels', async () => {
    for (const [w, h] of SIZES) {
      const out = target();
      const sink = await createPngSliceSink(out);
      const layers = [0, 1, 2].map((z) => samples(w * h, 2, 7 * z + w + h));
      for (const [z, bits] of layers.entries()) await sink.write({ z, width: w, height: h, kind: 'bits', data: packBits(bits) });
      await sink.close();
      expect(readdirSync(out).sort()).toEqual(['slice00000.png', 'slice00001.png', 'slice00002.png']);
      for (const [z, bits] of layers.entries()) {
        const d = decodedGrey(join(out, `slice0000${z}.png`));
        expect(d.depth).toBe(1);
        expect(d.grey).toEqual(bits.map((b) => b * 255));
      }
    }
  });

  it('N-level codes → grey at the smallest depth that fits N, codes spread over the full range', async () => {
    for (const levels of [2, 3, 4, 5, 16, 17, 256]) {
      const [w, h] = [11, 4];
      const codes = samples(w * h, levels, levels);
      codes[0] = 0;
      codes[1] = levels - 1;
      const out = target();
      const sink = await createPngSliceSink(out, { encoding: { levels } });
      await sink.write({ z: 0, width: w, height: h, kind: 'codes', data: Uint8Array.from(codes) });
      await sink.close();
      const d = decodedGrey(join(out, 'slice00000.png'));
      const depth = levels <= 2 ? 1 : levels <= 4 ? 2 : levels <= 16 ? 4 : 8;
      expect(d.depth).toBe(depth);
      // decodePng scales sub-byte samples to 0..255; the nearest level must give the code back.
      expect(d.grey.map((g) => Math.round((g * (levels - 1)) / 255))).toEqual(codes);
      expect(d.grey[0]).toBe(0);
      expect(d.grey[1]).toBe(255);
    }
  });

  it('minGreyDepth raises the depth: 1-bit voxels as 8-bit 0/255', async () => {
    const out = target();
    const sink = await createPngSliceSink(out, { encoding: { minGreyDepth: 8 } });
    const bits = samples(45, 2, 4);
    await sink.write({ z: 0, width: 9, height: 5, kind: 'bits', data: packBits(bits) });
    await sink.close();
    const d = decodedGrey(join(out, 'slice00000.png'));
    expect(d.depth).toBe(8);
    expect(d.grey).toEqual(bits.map((b) => b * 255));
  });

  it('material codes → indexed PNGs whose palette gives each voxel its material colour', async () => {
    const palette = Uint8Array.of(0, 0, 0, 255, 0, 0, 0, 200, 30, 10, 20, 250, 99, 98, 97); // void first
    const codes = samples(13 * 7, 5, 11);
    const out = target();
    const sink = await createPngSliceSink(out, { encoding: { palette }, prefix: 'mat', digits: 3 });
    await sink.write({ z: 0, width: 13, height: 7, kind: 'codes', data: Uint8Array.from(codes) });
    await sink.close();
    const d = decodedGrey(join(out, 'mat000.png'));
    expect(d.colorType).toBe('indexed');
    expect(d.rgb).toEqual(codes.map((c) => Array.from(palette.subarray(3 * c, 3 * c + 3))));
  });

  it('a code outside the levels fails the sink and leaves nothing behind', async () => {
    const out = target();
    const sink = await createPngSliceSink(out, { encoding: { levels: 3 } });
    await sink.write({ z: 0, width: 2, height: 1, kind: 'codes', data: Uint8Array.of(0, 3) }).catch(() => undefined);
    await expect(sink.close()).rejects.toThrow(/out of range/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('layers out of order or of another size are refused', async () => {
    const sink = await createPngSliceSink(target(), { encoding: { levels: 2 } });
    const layer = (z: number, w = 2): OutputLayer => ({ z, width: w, height: 1, kind: 'codes', data: new Uint8Array(w) });
    await expect(sink.write(layer(1))).rejects.toThrow(/out of order/);
    await sink.write(layer(0));
    await expect(sink.write(layer(1, 3))).rejects.toThrow(/3x1/);
    await sink.abort();
  });

  it('refuses a non-empty target directory unless told to replace it', async () => {
    const out = target();
    mkdirSync(out);
    writeFileSync(join(out, 'old.png'), 'x');
    const e = await createPngSliceSink(out).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).input).toBe(out);
    const sink = await createPngSliceSink(out, { replace: true });
    await sink.write({ z: 0, width: 1, height: 1, kind: 'bits', data: Uint32Array.of(1) });
    await sink.close();
    expect(readdirSync(out)).toEqual(['slice00000.png']);
  });
});

describe('interrupted output', () => {
  const kinds: [string, (path: string) => Promise<LayerSink>][] = [
    ['PNG slices', (p) => createPngSliceSink(p)],
    ['raw', (p) => createRawSink(p)],
    ['report', (p) => createVoxelReportSink(p)],
  ];
  for (const [name, create] of kinds) {
    it(`${name}: nothing at the target before close, nothing at all after abort`, async () => {
      const sub = join(dir, `abort-${name.replace(' ', '')}`);
      mkdirSync(sub);
      const out = join(sub, 'result');
      const sink = await create(out);
      for (let z = 0; z < 5; z++) await sink.write({ z, width: 40, height: 9, kind: 'bits', data: packBits(samples(360, 2, z)) });
      expect(existsSync(out)).toBe(false);
      await sink.abort();
      expect(readdirSync(sub)).toEqual([]);
      await expect(sink.write({ z: 5, width: 40, height: 9, kind: 'bits', data: new Uint32Array(12) })).rejects.toThrow(/aborted/);
    });
  }

  it('close() with fewer layers than declared fails and removes the temp output', async () => {
    const sub = join(dir, 'short');
    mkdirSync(sub);
    const sink = await createPngSliceSink(join(sub, 'r'), { layers: 3 });
    await sink.write({ z: 0, width: 1, height: 1, kind: 'bits', data: Uint32Array.of(0) });
    await expect(sink.close()).rejects.toThrow(/1 of 3/);
    expect(readdirSync(sub)).toEqual([]);
  });
});

describe('voxel-count report', () => {
  it('counts every output value over the whole stack', async () => {
    const path = join(dir, 'report.json');
    const palette = Uint8Array.of(0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255);
    const sink = await createVoxelReportSink(path, { palette, names: ['void', 'red', 'green', 'blue'] });
    const layers = [0, 1, 2, 3].map((z) => samples(31 * 17, 3, z + 40)); // blue never used
    const expected = [0, 0, 0, 0];
    for (const [z, codes] of layers.entries()) {
      for (const c of codes) expected[c]!++;
      await sink.write({ z, width: 31, height: 17, kind: 'codes', data: Uint8Array.from(codes) });
    }
    expect(existsSync(path)).toBe(false);
    await sink.close();
    const report = JSON.parse(readFileSync(path, 'utf8')) as VoxelReport;
    expect(report).toMatchObject({ width: 31, height: 17, layers: 4, voxels: 4 * 31 * 17 });
    expect(report.values.map((v) => v.count)).toEqual(expected);
    expect(report.values.map((v) => v.name)).toEqual(['void', 'red', 'green', 'blue']);
    expect(report.values[1]!.rgb).toBe('#ff0000');
    expect(report.values.reduce((a, v) => a + v.fraction, 0)).toBeCloseTo(1, 12);
  });

  it('counts bits layers without their padding bits', async () => {
    const path = join(dir, 'bits.json');
    const sink = await createVoxelReportSink(path);
    const bits = samples(7 * 5, 2, 99);
    const words = packBits(bits);
    words[1]! |= 0xfffffff8; // padding past voxel 35 set: must not count
    await sink.write({ z: 0, width: 7, height: 5, kind: 'bits', data: words });
    await sink.close();
    const report = JSON.parse(readFileSync(path, 'utf8')) as VoxelReport;
    const ones = bits.filter((b) => b === 1).length;
    expect(report.values.map((v) => v.count)).toEqual([35 - ones, ones]);
  });
});
