// The SL1 sink's copies and the layer encoders' library paths: ZIP64 output, entries that cannot be copied,
// corrupt input entries, directory entries, 16-bit grey, and an SL1 source left early.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { decodePng } from '../../../src/formats/index.js';
import { levelValues } from '../../../src/stack/formats/index.js';
import { createPngSliceSink } from '../../../src/stack/formats/pngSliceSink.js';
import { openSl1 } from '../../../src/stack/formats/sl1.js';
import { createSl1Sink } from '../../../src/stack/formats/sl1Sink.js';
import type { LayerSource } from '../../../src/stack/formats/types.js';
import { greyPng8, packBits, samples, tempDir } from './helpers.js';

const dir = tempDir();
const W = 13, H = 6;

function archive(name: string, layers = 3, extra: Zippable = {}): { path: string; files: Record<string, Uint8Array> } {
  const files: Zippable = {
    'config.ini': [strToU8('jobDir = job\n'), { level: 0 }],
    'thumbnail/': [new Uint8Array(0), { level: 0 }],
    ...extra,
  };
  for (let z = 0; z < layers; z++) files[`job${z}.png`] = [greyPng8(W, H, samples(W * H, 256, z + 1)), { level: 6 }];
  const zip = zipSync(files);
  const path = join(dir, name);
  writeFileSync(path, zip);
  return { path, files: unzipSync(zip) };
}

/** Byte offsets of `name`'s local and central headers in a zip without comments or extra fields. */
function headers(zip: Uint8Array, name: string): number[] {
  const needle = strToU8(name);
  const out: number[] = [];
  for (let i = 0; i + 4 < zip.length; i++) {
    const sig = zip[i]! | (zip[i + 1]! << 8) | (zip[i + 2]! << 16) | (zip[i + 3]! << 24);
    const at = sig === 0x04034b50 ? 30 : sig === 0x02014b50 ? 46 : -1;
    if (at > 0 && needle.every((b, k) => zip[i + at + k] === b) && zip[i + (sig === 0x04034b50 ? 26 : 28)] === needle.length) out.push(i);
  }
  return out;
}

async function roundTrip(source: LayerSource & { archive: Parameters<typeof createSl1Sink>[1] }, target: string, forceZip64 = false): Promise<void> {
  const sink = await createSl1Sink(target, source.archive, { forceZip64 });
  try {
    for await (const l of source) {
      await sink.write({ z: l.z, width: W, height: H, kind: 'bits', data: packBits(Array.from(l.data, (g) => (g > 127 ? 1 : 0))) });
    }
    await sink.close();
  } catch (err) {
    await sink.abort();
    throw err;
  }
}

describe('SL1 sink copies', () => {
  it('writes ZIP64 records when asked; fflate and the source read the result, directories included', async () => {
    const { path, files } = archive('z64.sl1');
    const source = await openSl1(path);
    const out = join(dir, 'z64-out.sl1');
    await roundTrip(source, out, true);
    const result = unzipSync(readFileSync(out));
    expect(Object.keys(result)).toEqual(Object.keys(files));
    expect(result['config.ini']).toEqual(files['config.ini']);
    const again = await openSl1(out);
    expect(again.archive.entries.map((e) => [e.name, e.method])).toEqual(source.archive.entries.map((e) => [e.name, e.method]));
    const layers = [];
    for await (const l of again) layers.push(Array.from(l.data));
    expect(layers).toEqual([0, 1, 2].map((z) => samples(W * H, 256, z + 1).map((g) => (g > 127 ? 255 : 0))));
  });

  it('an entry that cannot be copied is an InputError naming it when the sink is created', async () => {
    const { path } = archive('method.sl1');
    const bytes = readFileSync(path);
    for (const at of headers(bytes, 'config.ini')) bytes[at + (bytes[at + 1] === 0x4b && bytes[at + 2] === 3 ? 8 : 10)] = 14; // LZMA
    writeFileSync(path, bytes);
    const source = await openSl1(path); // layers are still readable
    const e = (await createSl1Sink(join(dir, 'method-out.sl1'), source.archive).catch((x: unknown) => x)) as InputError;
    expect(e).toBeInstanceOf(InputError);
    expect(e.input).toBe(`${path}/config.ini`);
    expect(e.message).toMatch(/method 14/);
  });

  it('a corrupt entry being copied fails the sink naming it, and leaves nothing behind', async () => {
    const sub = join(dir, 'corrupt');
    mkdirSync(sub);
    const { path } = archive('corrupt.sl1');
    const bytes = readFileSync(path);
    const [local] = headers(bytes, 'config.ini');
    bytes[local! + 30 + 'config.ini'.length + 2]! ^= 0x20; // stored content: the CRC no longer matches
    writeFileSync(path, bytes);
    const err = await roundTrip(await openSl1(path), join(sub, 'out.sl1')).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe(`${path}/config.ini`);
    expect((err as InputError).message).toMatch(/CRC/);
    expect(readdirSync(sub)).toEqual([]);
  });

  it('a source left early reads again from the start', async () => {
    const { path } = archive('early.sl1', 12);
    const source = await openSl1(path, { readAhead: 6 });
    for await (const l of source) if (l.z === 1) break;
    const zs = [];
    for await (const l of source) zs.push(l.z);
    expect(zs).toEqual([...Array(12).keys()]);
  });
});

describe('layer encoders', () => {
  it('16-bit grey (minGreyDepth 16) decodes to the level values', async () => {
    const out = join(dir, 'grey16');
    const sink = await createPngSliceSink(out, { encoding: { levels: 5, minGreyDepth: 16 } });
    const codes = samples(W * H, 5, 3);
    await sink.write({ z: 0, width: W, height: H, kind: 'codes', data: Uint8Array.from(codes) });
    await sink.close();
    const r = decodePng(readFileSync(join(out, 'slice00000.png')), 'slice');
    expect(r.source).toEqual({ bitDepth: 16, colorType: 'grey' });
    const lut = levelValues(5, 16);
    expect(Array.from({ length: W * H }, (_, i) => r.data[4 * i])).toEqual(codes.map((c) => lut[c]));
    expect(lut[4]).toBe(65535);
  });
});
