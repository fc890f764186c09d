import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { decodePng } from '../../../src/formats/index.js';
import { openSl1 } from '../../../src/stack/formats/sl1.js';
import { createSl1Sink } from '../../../src/stack/formats/sl1Sink.js';
import type { Layer } from '../../../src/stack/formats/types.js';
import { greyPng8, packBits, samples, tempDir } from './helpers.js';

const dir = tempDir();
const W = 23, H = 9;

/** Layer z of the fixture: a ramp shifted by z, so every layer differs. */
const layerGrey = (z: number): number[] => Array.from({ length: W * H }, (_, i) => (i * 7 + z * 31) % 256);

/** An SL1-like archive: metadata first, layers (one stored, the rest deflated), more metadata after. */
function buildSl1(path: string, layers = 5): Record<string, Uint8Array> {
  const files: Zippable = {
    'config.ini': [strToU8('action = print\njobDir = job\nnumFast = 5\nexpTime = 2.5\n'), { level: 6, mtime: new Date(2024, 1, 2, 3, 4, 6) }],
    'thumbnail/thumbnail640x480.png': [greyPng8(8, 6, samples(48, 256, 1)), { level: 0, comment: 'thumb' }],
  };
  for (let z = 0; z < layers; z++) {
    files[`job${String(z).padStart(5, '0')}.png`] = [greyPng8(W, H, layerGrey(z)), { level: z === 2 ? 0 : 6 }];
  }
  files['prusaslicer.ini'] = [strToU8(`; generated\n${'layer_height = 0.05\n'.repeat(200)}`), { level: 9, os: 3, attrs: 0o644 << 16 }];
  const zip = zipSync(files);
  // fflate writes no archive comment: set it in the end record (its last field) by hand.
  const comment = strToU8('archive comment');
  const withComment = new Uint8Array(zip.length + comment.length);
  withComment.set(zip);
  withComment.set(comment, zip.length);
  new DataView(withComment.buffer).setUint16(zip.length - 2, comment.length, true);
  writeFileSync(path, withComment);
  return unzipSync(zip);
}

describe('SL1 zip source and sink', () => {
  it('round trip: layers replaced under their names, every other entry byte-identical and in order', async () => {
    const input = join(dir, 'job.sl1');
    const original = buildSl1(input);
    const source = await openSl1(input);
    expect(source.info).toEqual({ width: W, height: H, layers: 5, depth: 8, channels: 1 });
    expect(source.names).toEqual([0, 1, 2, 3, 4].map((z) => `${input}/job0000${z}.png`));

    const output = join(dir, 'job-dithered.sl1');
    const sink = await createSl1Sink(output, source.archive);
    const seen: number[] = [];
    for await (const layer of source) {
      expect(Array.from(layer.data)).toEqual(layerGrey(layer.z));
      seen.push(layer.z);
      const bits = Array.from(layer.data, (g) => (g > 127 ? 1 : 0));
      await sink.write({ z: layer.z, width: W, height: H, kind: 'bits', data: packBits(bits) });
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(existsSync(output)).toBe(false);
    await sink.close();

    const result = unzipSync(readFileSync(output)); // fflate: an independent reader
    expect(Object.keys(result)).toEqual(Object.keys(original));
    for (const [name, bytes] of Object.entries(original)) {
      if (/^job\d+\.png$/.test(name)) {
        const z = Number(name.slice(3, 8));
        const r = decodePng(result[name]!, name);
        expect(r.source).toEqual({ bitDepth: 8, colorType: 'grey' }); // 8-bit for the printer
        expect(Array.from({ length: W * H }, (_, i) => r.data[4 * i])).toEqual(layerGrey(z).map((g) => (g > 127 ? 255 : 0)));
      } else {
        expect(result[name]).toEqual(bytes);
      }
    }
    // And the output is itself a readable SL1 with the same structure.
    const again = await openSl1(output);
    expect(again.info).toEqual(source.info);
    expect(again.archive.entries.map((e) => [e.name, e.method, e.time, e.date, e.externalAttr])).toEqual(
      source.archive.entries.map((e) => [e.name, e.method, e.time, e.date, e.externalAttr]),
    );
    expect(new TextDecoder().decode(again.archive.comment)).toBe('archive comment');
    expect(new TextDecoder().decode(again.archive.entries[1]!.comment)).toBe('thumb');
  });

  it('reads entries at their offsets: a damaged layer fails only that layer, naming it', async () => {
    const input = join(dir, 'damaged.sl1');
    buildSl1(input);
    const bytes = readFileSync(input);
    const source = await openSl1(input);
    const e = source.archive.entries[source.archive.layers[3]!]!;
    const dataAt = e.localOffset + 30 + e.nameBytes.length; // fflate writes no local extra
    bytes[dataAt + Math.floor(e.compressedSize / 2)]! ^= 0x55;
    writeFileSync(input, bytes);
    const got: Layer[] = [];
    const err = await (async () => {
      for await (const l of await openSl1(input)) got.push(l);
    })().catch((x: unknown) => x);
    expect(got.map((l) => l.z)).toEqual([0, 1, 2]);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe(`${input}/job00003.png`);
  });

  it('a missing layer number or no layers at all is an InputError', async () => {
    const gap = join(dir, 'gap.sl1');
    writeFileSync(gap, zipSync({ 'a00000.png': greyPng8(2, 2, [0, 0, 0, 0]), 'a00002.png': greyPng8(2, 2, [0, 0, 0, 0]) }));
    const e = (await openSl1(gap).catch((x: unknown) => x)) as InputError;
    expect(e).toBeInstanceOf(InputError);
    expect(e.input).toBe(`${gap}/a00002.png`);
    const none = join(dir, 'none.sl1');
    writeFileSync(none, zipSync({ 'config.ini': strToU8('x'), 'thumbnail/t1.png': greyPng8(1, 1, [0]) }));
    expect(await openSl1(none).catch((x: unknown) => (x as InputError).input)).toBe(none);
    const notZip = join(dir, 'not.sl1');
    writeFileSync(notZip, 'hello');
    expect(await openSl1(notZip).catch((x: unknown) => (x as InputError).message)).toMatch(/not a zip/);
  });

  it('a layer of another size is found when opening, naming it', async () => {
    const path = join(dir, 'mixed.sl1');
    writeFileSync(path, zipSync({ 'a0.png': greyPng8(4, 4, new Array(16).fill(0)), 'a1.png': greyPng8(5, 4, new Array(20).fill(0)) }));
    const e = (await openSl1(path).catch((x: unknown) => x)) as InputError;
    expect(e.input).toBe(`${path}/a1.png`);
    expect(e.message).toMatch(/5x4.*first slice.*4x4/);
  });

  it('abort, or closing with layers missing, leaves no output file', async () => {
    const sub = join(dir, 'abort');
    mkdirSync(sub);
    const input = join(dir, 'small.sl1');
    buildSl1(input, 3);
    const source = await openSl1(input);
    for (const finish of ['abort', 'close'] as const) {
      const sink = await createSl1Sink(join(sub, 'out.sl1'), source.archive);
      await sink.write({ z: 0, width: W, height: H, kind: 'bits', data: new Uint32Array(Math.ceil((W * H) / 32)) });
      if (finish === 'abort') await sink.abort();
      else await expect(sink.close()).rejects.toThrow(/1 of 3 layers/);
      expect(readdirSync(sub)).toEqual([]);
    }
  });
});
