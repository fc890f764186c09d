// pngBands against decodePng: the same pixels (or the same one-line error) for every kind of PNG, at band sizes
// from one row to the whole image and with zlib steps small enough to split rows between them.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { decodePng, openPng, pngBands, type BandedRaster, type BandOptions, type FileBandOptions, type Raster } from '../../src/formats/index.js';
import { makeChunk, PNG_SIGNATURE } from '../../src/formats/pngChunks.js';
import { tempDir } from '../helpers/cli.js';
import { concat, craft, filtered, ihdr, samples, scanlines } from './helpers.js';

const dir = tempDir();
let files = 0;

/** `png` written to a file of its own and opened from there. */
function fromFile(png: Uint8Array, opts: FileBandOptions): BandedRaster {
  const path = join(dir, `f${files++}.png`);
  writeFileSync(path, png);
  return openPng(path, 'b.png', opts);
}

/** The bands put together, with every row delivered exactly once and in order. */
async function assemble(open: () => BandedRaster): Promise<Raster> {
  const source = open();
  const row = 4 * source.width;
  const data = source.depth === 16 ? new Uint16Array(row * source.height) : new Uint8Array(row * source.height);
  let next = 0;
  for await (const band of source.bands()) {
    expect(band.firstRow).toBe(next);
    expect(band.rows).toBeGreaterThan(0);
    expect(band.data.length).toBe(row * band.rows);
    data.set(band.data, row * band.firstRow);
    next += band.rows;
  }
  expect(next).toBe(source.height);
  const { width, height, depth, hasAlpha, source: src } = source;
  return { width, height, depth, data, hasAlpha, source: src };
}

/** What decodePng says of `png`: the raster, or the error's message. */
function whole(png: Uint8Array): Raster | string {
  try {
    return decodePng(png, 'b.png');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
}

async function banded(png: Uint8Array, opts: BandOptions | FileBandOptions, file = false): Promise<Raster | string> {
  try {
    return await assemble(() => (file ? fromFile(png, opts) : pngBands(png, 'b.png', opts)));
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
}

// One row per band; 3 rows per band, zlib stepping 64 bytes at a time (rows split across steps); zlib stepping one
// 150-pixel RGB row at a time (its last step ends on the image's last byte, so only the stream's end shows a bad
// checksum); zlib never more than a step ahead; the default.
const READINGS: BandOptions[] = [
  { bandBytes: 1 },
  { bandBytes: 1, inflateChunk: 64 },
  { bandBytes: 3 * 4 * 150, inflateChunk: 64 },
  { bandBytes: 4 * 150, inflateChunk: 1 + 3 * 150 },
  { bandBytes: 4 * 150, inflateChunk: 64, aheadBytes: 1 }, // zlib paused after every step, resumed by each band
  {},
];

// From a file: 7 bytes read at a time (chunk headers and CRCs split across reads) with one-row bands; 100 bytes;
// the default.
const FILE_READINGS: FileBandOptions[] = [{ readBytes: 7, bandBytes: 1, inflateChunk: 64 }, { readBytes: 100, bandBytes: 3 * 4 * 150 }, {}];

async function expectSame(png: Uint8Array): Promise<void> {
  const want = whole(png);
  for (const opts of READINGS) expect(await banded(png, opts)).toEqual(want);
  for (const opts of FILE_READINGS) expect(await banded(png, opts, true), JSON.stringify(opts)).toEqual(want);
}

describe('pngBands decodes as decodePng does', () => {
  // colour type, bit depth, bytes per pixel
  const kinds = [[0, 8, 1], [4, 8, 2], [2, 8, 3], [6, 8, 4], [3, 8, 1], [2, 16, 6], [0, 1, 1], [3, 4, 1]] as const;
  for (const [type, depth, bpp] of kinds) for (const [w, h] of [[1, 1], [7, 3], [150, 40]] as const) {
    it(`colour type ${type}, ${depth}-bit, ${w}x${h}, every filter`, async () => {
      const channels = [1, 0, 3, 1, 2, 0, 4][type]!;
      const stride = Math.ceil((w * depth * channels) / 8);
      const packed = Uint8Array.from(samples(stride * h, type === 3 && depth === 8 ? 16 : 256, w + depth + type));
      const extra = type === 3 ? [makeChunk('PLTE', Uint8Array.from(samples(48, 256, 5)))] : [];
      await expectSame(craft(ihdr(w, h, depth, type), filtered(packed, h, bpp, [0, 1, 2, 3, 4, 3, 2, 1, 4, 0, 2]), extra));
    });
  }

  for (const [label, type, trns] of [['grey key', 0, [0, 77]], ['rgb key', 2, [0, 1, 0, 2, 0, 3]], ['indexed alpha', 3, [0, 128, 255]]] as const) {
    it(`8-bit ${label} (tRNS)`, async () => {
      const w = 9, h = 6, c = type === 2 ? 3 : 1;
      const v = Uint8Array.from(samples(w * h * c, type === 3 ? 4 : 256, 3));
      v.set(type === 2 ? [1, 2, 3] : [type === 3 ? 1 : 77], 0); // the key colour appears
      const extra = [...(type === 3 ? [makeChunk('PLTE', Uint8Array.from(samples(12, 256, 9)))] : []), makeChunk('tRNS', Uint8Array.from(trns))];
      const png = craft(ihdr(w, h, 8, type), scanlines(v, h), extra);
      const r = whole(png);
      expect(typeof r === 'string' ? r : r.hasAlpha).toBe(true);
      await expectSame(png);
    });
  }

  it('interlaced 8-bit (decoded whole, as one band)', async () => {
    const data = Uint8Array.from(samples(13 * 11 * 3, 256, 4));
    await expectSame(encode({ width: 13, height: 11, data, channels: 3 }, { interlace: 'Adam7' }));
  });

  it('a file split into many IDAT chunks', async () => {
    const raw = scanlines(Uint8Array.from(samples(40 * 30 * 3, 256, 8)), 30);
    const z = deflateSync(raw);
    const parts = Array.from({ length: Math.ceil(z.length / 100) }, (_, i) => makeChunk('IDAT', z.subarray(100 * i, 100 * (i + 1))));
    await expectSame(concat(PNG_SIGNATURE, ihdr(40, 30, 8, 2), ...parts, makeChunk('IEND', new Uint8Array())));
  });
});

describe('pngBands reports bad files as decodePng does', () => {
  const W = 6, H = 4, ROW = 1 + W * 3;
  const header = ihdr(W, H, 8, 2);
  const raw = new Uint8Array(ROW * H).map((_, i) => (i % ROW === 0 ? 0 : i));
  const bigHeader = ihdr(150, 40, 8, 2);
  const big = scanlines(Uint8Array.from(samples(150 * 40 * 3, 256, 6)), 40);
  const badFilter = raw.slice();
  badFilter[2 * ROW] = 7;
  const cases: [string, Uint8Array][] = [
    ['image data one byte short', craft(header, raw.subarray(0, raw.length - 1))],
    ['image data a row short', craft(header, raw.subarray(0, raw.length - ROW))],
    ['more image data than the size allows', craft(header, concat(raw, new Uint8Array(ROW)))],
    ['far more image data (a bomb)', craft(header, new Uint8Array(1 << 20))],
    ['zlib stream cut short', craft(header, raw, [], deflateSync(raw).subarray(0, 10))],
    ['bad zlib checksum', craft(header, raw, [], deflateSync(raw).map((b, i, a) => (i === a.length - 1 ? b ^ 1 : b)))],
    // zlib drops the output of a step that fails its checksum, but data past the image can come a step later.
    ['bad zlib checksum on a larger image', craft(bigHeader, big, [], deflateSync(big).map((b, i, a) => (i === a.length - 1 ? b ^ 1 : b)))],
    ['a row too many on a larger image', craft(bigHeader, concat(big, new Uint8Array(1 + 3 * 150)))],
    ['not zlib at all', craft(header, raw, [], Uint8Array.of(1, 2, 3, 4, 5, 6))],
    ['an unknown filter in row 2', craft(header, badFilter)],
    ['no IDAT', concat(PNG_SIGNATURE, header, makeChunk('IEND', new Uint8Array()))],
    ['indexed without PLTE', craft(ihdr(W, H, 8, 3), new Uint8Array((W + 1) * H))],
    ['palette index past the palette', craft(ihdr(2, 1, 8, 3), Uint8Array.of(0, 0, 2), [makeChunk('PLTE', new Uint8Array(6))])],
  ];
  for (const [label, png] of cases) {
    it(label, async () => {
      const want = whole(png);
      expect(typeof want).toBe('string');
      await expectSame(png);
    });
  }

  // zlib's stream can end before the file's image data does: the rest is still checked, to IEND.
  describe('after the zlib stream ends', () => {
    const junk = Uint8Array.from(samples(5000, 256, 4));
    const tail = (...chunks: Uint8Array[]) => concat(PNG_SIGNATURE, header, makeChunk('IDAT', deflateSync(raw)), ...chunks);
    const iend = makeChunk('IEND', new Uint8Array());
    const badCrc = (chunk: Uint8Array) => chunk.map((b, i) => (i === chunk.length - 1 ? b ^ 1 : b));
    const files: [string, Uint8Array][] = [
      ['more IDATs of junk, then IEND (accepted by both)', tail(makeChunk('IDAT', junk), makeChunk('IDAT', junk), iend)],
      ['the file cut inside a later IDAT', tail(makeChunk('IDAT', junk), makeChunk('IDAT', junk), iend).subarray(0, -1000)],
      ['a bad CRC in a later IDAT', tail(makeChunk('IDAT', junk), badCrc(makeChunk('IDAT', junk)), iend)],
      ['a bad CRC in a tEXt after the image data', tail(badCrc(makeChunk('tEXt', Uint8Array.of(65, 0, 66))), iend)],
      ['no IEND', tail(makeChunk('IDAT', junk))],
    ];
    for (const [label, png] of files) it(label, () => expectSame(png));
  });

  it('a PLTE or tRNS after the image data: decodePng takes it, a file read as it decodes refuses it', async () => {
    const idat = makeChunk('IDAT', deflateSync(raw));
    const png = concat(PNG_SIGNATURE, header, idat, makeChunk('tRNS', Uint8Array.of(0, 1, 0, 2, 0, 3)), makeChunk('IEND', new Uint8Array()));
    expect(typeof whole(png)).not.toBe('string');
    expect(await banded(png, {}, true)).toBe('b.png: corrupt PNG (tRNS chunk after the image data; the PNG spec puts it before)');
  });

  it('a file cut at every offset, and every byte flipped, errs alike', async () => {
    const png = craft(header, raw);
    for (let cut = 0; cut < png.length; cut++) await expectSame(png.subarray(0, cut));
    for (let at = 0; at < png.length; at++) {
      const bad = png.slice();
      bad[at]! ^= 0x10;
      await expectSame(bad);
    }
  });

  // Damage only the inflate or the unfilter can see (the chunk's CRC made anew): both readers refuse the file, or
  // both read the same pixels. The messages may differ where a file has several problems (see pngBands.ts).
  it('damaged zlib data with a good CRC: both readers fail, or both read the same pixels', async () => {
    const w = 37, h = 23;
    const packed = Uint8Array.from(samples(w * h * 3, 256, 11));
    const z = deflateSync(filtered(packed, h, 3, [0, 1, 2, 3, 4]));
    let failed = 0;
    for (let k = 0; k < 150; k++) {
      const bad = z.slice();
      const at = 2 + ((k * 7919) % (bad.length - 6)); // past the zlib header, before the checksum
      bad[at]! ^= 1 << k % 8;
      const png = concat(PNG_SIGNATURE, ihdr(w, h, 8, 2), makeChunk('IDAT', bad), makeChunk('IEND', new Uint8Array()));
      const want = whole(png);
      for (const [opts, file] of [...READINGS.map((o) => [o, false] as const), ...FILE_READINGS.map((o) => [o, true] as const)]) {
        const got = await banded(png, opts, file);
        if (typeof want === 'string') expect(got).toMatch(/^b\.png: (corrupt|truncated) PNG \(/);
        else expect(got).toEqual(want);
      }
      if (typeof want === 'string') failed++;
    }
    expect(failed).toBeGreaterThan(100); // the damage mostly shows, so the failing paths are what this tests
  });

  it('band options must be whole numbers of bytes', () => {
    const png = craft(header, raw);
    for (const bad of [{ aheadBytes: 0 }, { bandBytes: NaN }, { inflateChunk: 1.5 }, { bandBytes: -4 }, { inflateChunk: 2 ** 40 }]) {
      expect(() => pngBands(png, 'o.png', bad)).toThrow(RangeError);
      expect(() => fromFile(png, bad)).toThrow(RangeError);
    }
    expect(() => fromFile(png, { readBytes: 0 })).toThrow(RangeError);
  });

  // Linux: the open descriptors are listed in /proc/self/fd.
  it.runIf(existsSync('/proc/self/fd'))('a file read as it decodes is closed however the reading ends', async () => {
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    const big = craft(ihdr(64, 64, 8, 2), scanlines(Uint8Array.from(samples(64 * 64 * 3, 256, 2)), 64));
    for await (const band of fromFile(big, { bandBytes: 1, readBytes: 64 }).bands()) if (band.firstRow === 3) break;
    fromFile(big, {}).whole();
    await banded(craft(header, badFilter), { readBytes: 7 }, true); // fails mid-stream
    await banded(craft(header, raw).subarray(0, 60), {}, true); // fails when opened
    expect(open()).toBe(before);
  });

  it('header problems are thrown when the raster is opened, before any band', () => {
    expect(() => pngBands(craft(header, raw), 'big.png', { maxPixels: 10 })).toThrow(/^big\.png: 6x4 is 24 pixels, over the limit of 10/);
    expect(() => pngBands(craft(header, raw).subarray(0, 40), 'cut.png')).toThrow(/^cut\.png: truncated PNG \(file ends before IEND\)/);
  });

  it('a raster is read once', async () => {
    const source = pngBands(craft(header, raw), 'once.png');
    for await (const band of source.bands()) expect(band.rows).toBe(H);
    expect(() => source.whole()).toThrow(/read only once/);
  });

  it('stopping early releases the stream (no error, no hang)', async () => {
    const big = craft(ihdr(64, 64, 8, 2), scanlines(Uint8Array.from(samples(64 * 64 * 3, 256, 2)), 64));
    let seen = 0;
    for await (const band of pngBands(big, 'early.png', { bandBytes: 1, inflateChunk: 64 }).bands()) {
      seen += band.rows;
      if (seen === 3) break;
    }
    expect(seen).toBe(3);
  });
});
