import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { decodePng, readPngHeader } from '../../src/formats/index.js';
import { makeChunk } from '../../src/formats/pngChunks.js';
import { craft, filtered, ihdr, pack, samples, scanlines } from './helpers.js';

const SIZES: [number, number][] = [[1, 1], [3, 2], [7, 3], [9, 5], [33, 4]];

/** RGBA pixel `i` of a raster's data as a plain array. */
const px = (data: ArrayLike<number>, i: number): number[] => [0, 1, 2, 3].map((c) => data[4 * i + c]!);

describe('grey', () => {
  for (const depth of [1, 2, 4, 8, 16] as const) {
    for (const [w, h] of SIZES) {
      it(`${depth}-bit ${w}x${h}: R=G=B=v scaled to full range, opaque`, () => {
        const max = 2 ** depth - 1;
        const v = samples(w * h, max + 1, w * 31 + depth);
        v[0] = max; // make sure the extremes appear
        const data = depth === 16 ? Uint16Array.from(v) : depth === 8 ? Uint8Array.from(v) : pack(v, w, h, depth);
        const r = decodePng(encode({ width: w, height: h, data, depth, channels: 1 }), 'g.png');
        expect(r).toMatchObject({ width: w, height: h, depth: depth === 16 ? 16 : 8, hasAlpha: false });
        expect(r.source).toEqual({ bitDepth: depth, colorType: 'grey' });
        expect(r.data).toBeInstanceOf(depth === 16 ? Uint16Array : Uint8Array);
        const scale = depth < 8 ? 255 / max : 1;
        const full = depth === 16 ? 65535 : 255;
        v.forEach((s, i) => expect(px(r.data, i)).toEqual([s * scale, s * scale, s * scale, full]));
      });
    }
  }

  it('2-bit v decodes to v*85 exactly', () => {
    const r = decodePng(encode({ width: 4, height: 1, data: pack([0, 1, 2, 3], 4, 1, 2), depth: 2, channels: 1 }), 'g.png');
    expect(Array.from(r.data)).toEqual([0, 0, 0, 255, 85, 85, 85, 255, 170, 170, 170, 255, 255, 255, 255, 255]);
  });

  for (const depth of [2, 8, 16]) {
    it(`${depth}-bit tRNS makes exactly the key value transparent`, () => {
      const key = depth === 2 ? 1 : depth === 8 ? 77 : 40000;
      const v = [0, key, 2, key, 3];
      const trns = new Uint8Array([key >> 8, key & 0xff]);
      const rows = depth === 16 ? new Uint8Array(v.flatMap((s) => [s >> 8, s & 0xff])) : pack(v, 5, 1, depth);
      const r = decodePng(craft(ihdr(5, 1, depth, 0), scanlines(rows, 1), [makeChunk('tRNS', trns)]), 'g.png');
      const full = depth === 16 ? 65535 : 255;
      expect(r.hasAlpha).toBe(true);
      expect(v.map((_, i) => r.data[4 * i + 3])).toEqual(v.map((s) => (s === key ? 0 : full)));
    });
  }
});

describe('grey-alpha, rgb, rgba', () => {
  const cases = [
    ['grey-alpha', 2],
    ['rgb', 3],
    ['rgba', 4],
  ] as const;
  for (const [type, channels] of cases) {
    for (const depth of [8, 16] as const) {
      for (const [w, h] of SIZES) {
        it(`${type} ${depth}-bit ${w}x${h}`, () => {
          const v = samples(w * h * channels, 2 ** depth, w + channels + depth);
          const data = depth === 16 ? Uint16Array.from(v) : Uint8Array.from(v);
          const r = decodePng(encode({ width: w, height: h, data, depth, channels }), 'c.png');
          expect(r).toMatchObject({ width: w, height: h, depth, hasAlpha: type !== 'rgb' });
          expect(r.source).toEqual({ bitDepth: depth, colorType: type });
          expect(r.data).toBeInstanceOf(depth === 16 ? Uint16Array : Uint8Array);
          expect(r.data.length).toBe(4 * w * h);
          const full = 2 ** depth - 1;
          for (let i = 0; i < w * h; i++) {
            const s = v.slice(channels * i, channels * (i + 1));
            const want =
              type === 'grey-alpha' ? [s[0], s[0], s[0], s[1]] : type === 'rgb' ? [...s, full] : s;
            expect(px(r.data, i)).toEqual(want);
          }
        });
      }
    }
  }

  for (const depth of [8, 16]) {
    it(`rgb ${depth}-bit tRNS makes exactly the key colour transparent`, () => {
      const key = depth === 8 ? [10, 20, 30] : [1000, 2000, 3000];
      const pixels = [key, [10, 20, 31], [0, 0, 0], key];
      const flat = pixels.flat();
      const rows = depth === 16 ? new Uint8Array(flat.flatMap((s) => [s >> 8, s & 0xff])) : Uint8Array.from(flat);
      const trns = new Uint8Array(key.flatMap((s) => [s >> 8, s & 0xff]));
      const r = decodePng(craft(ihdr(4, 1, depth, 2), scanlines(rows, 1), [makeChunk('tRNS', trns)]), 'c.png');
      const full = 2 ** depth - 1;
      expect(r.hasAlpha).toBe(true);
      expect(pixels.map((_, i) => px(r.data, i))).toEqual(pixels.map((p) => [...p, p === key ? 0 : full]));
    });
  }
});

describe('indexed', () => {
  for (const depth of [1, 2, 4, 8] as const) {
    for (const withAlpha of [false, true]) {
      for (const [w, h] of SIZES) {
        it(`${depth}-bit ${w}x${h}${withAlpha ? ' with tRNS' : ''}`, () => {
          const size = Math.min(2 ** depth, 200);
          // fast-png's encoder only writes tRNS correctly when the non-opaque entries come first.
          const palette = Array.from({ length: size }, (_, i) => {
            const rgb = [(i * 37) & 255, (i * 91 + 5) & 255, (255 - i) & 255];
            return withAlpha ? [...rgb, i < size / 2 ? (i * 50) & 254 : 255] : rgb;
          });
          const idx = samples(w * h, size, depth * 7 + w);
          idx[0] = size - 1;
          const data = depth === 8 ? Uint8Array.from(idx) : pack(idx, w, h, depth);
          const r = decodePng(encode({ width: w, height: h, data, depth, channels: 1, palette }), 'p.png');
          expect(r).toMatchObject({ width: w, height: h, depth: 8, hasAlpha: withAlpha });
          expect(r.source).toEqual({ bitDepth: depth, colorType: 'indexed' });
          idx.forEach((p, i) => expect(px(r.data, i)).toEqual([...palette[p]!.slice(0, 3), palette[p]![3] ?? 255]));
        });
      }
    }
  }
});

describe('large 8-bit images (decoded in place, in zlib\'s buffer)', () => {
  const w = 203, h = 61, n = w * h;
  for (const [type, channels, label] of [[0, 1, 'grey'], [4, 2, 'grey-alpha'], [2, 3, 'rgb'], [6, 4, 'rgba'], [3, 1, 'indexed']] as const) {
    it(`${label}${type === 4 || type === 6 ? '' : ' with tRNS'}`, () => {
      const v = Uint8Array.from(samples(n * channels, type === 3 ? 7 : 256, 40 + type));
      const plte = Uint8Array.from(samples(21, 256, 3));
      const alpha = Uint8Array.of(0, 128, 255, 9);
      const key = type === 0 ? [v[5]!] : type === 2 ? [v[30]!, v[31]!, v[32]!] : [];
      const trns = type === 3 ? alpha : Uint8Array.from(key.flatMap((k) => [0, k]));
      const extra = type === 3 ? [makeChunk('PLTE', plte), makeChunk('tRNS', trns)] : trns.length ? [makeChunk('tRNS', trns)] : [];
      const r = decodePng(craft(ihdr(w, h, 8, type), scanlines(v, h), extra), 'big.png');
      const want = new Uint8Array(4 * n);
      for (let p = 0; p < n; p++) {
        const s = Array.from(v.subarray(channels * p, channels * (p + 1)));
        const rgba =
          type === 3 ? [...plte.subarray(3 * s[0]!, 3 * s[0]! + 3), alpha[s[0]!] ?? 255]
          : type === 0 ? [s[0]!, s[0]!, s[0]!, s[0] === key[0] ? 0 : 255]
          : type === 4 ? [s[0]!, s[0]!, s[0]!, s[1]!]
          : type === 2 ? [...s, s.every((x, c) => x === key[c]) ? 0 : 255]
          : s;
        want.set(rgba, 4 * p);
      }
      expect(r.hasAlpha).toBe(true);
      expect(r.data).toEqual(want);
    });
  }
});

describe('row filters', () => {
  // Each case: colour type, bit depth, bytes per pixel; rows cycle through filters 0-4 (and back, so that each
  // filter follows each other one), so every filter meets both a filtered and an unfiltered row above it.
  // Large images also check 8-bit decoding in place, in zlib's own buffer (small ones come from node's pool).
  const cases = [
    [0, 8, 1, 'grey'], [4, 8, 2, 'grey-alpha'], [2, 8, 3, 'rgb'], [6, 8, 4, 'rgba'], [3, 8, 1, 'indexed'],
    [2, 16, 6, 'rgb'], [6, 16, 8, 'rgba'], [0, 1, 1, 'grey'], [3, 4, 1, 'indexed'],
  ] as const;
  for (const [type, depth, bpp, label] of cases) for (const [w, h] of [[11, 12], [150, 40]] as const) {
    it(`${label} ${depth}-bit ${w}x${h} decodes the same whatever the filters`, () => {
      const channels = [1, 0, 3, 1, 2, 0, 4][type]!;
      const stride = Math.ceil((w * depth * channels) / 8);
      const packed = Uint8Array.from(samples(stride * h, type === 3 && depth === 8 ? 16 : 256, depth + type));
      const extra = type === 3 ? [makeChunk('PLTE', Uint8Array.from(samples(48, 256, 5)))] : [];
      const plain = decodePng(craft(ihdr(w, h, depth, type), scanlines(packed, h), extra), 'a.png');
      const png = craft(ihdr(w, h, depth, type), filtered(packed, h, bpp, [0, 1, 2, 3, 4, 3, 2, 1, 4, 0, 2]), extra);
      expect(decodePng(png, 'f.png')).toEqual(plain);
    });
  }

  it('a bad filter type is a one-line InputError', () => {
    const raw = scanlines(new Uint8Array(6), 2);
    raw[4] = 5; // the second row's filter byte
    expect(() => decodePng(craft(ihdr(3, 2, 8, 0), raw), 'f.png')).toThrow(/^f\.png: corrupt PNG \(.*filter/);
  });
});

describe('interlaced (Adam7)', () => {
  for (const [channels, depth] of [[1, 8], [3, 8], [4, 16], [2, 16]] as const) {
    it(`${channels} channels ${depth}-bit decodes the same as non-interlaced`, () => {
      const w = 13, h = 11;
      const v = samples(w * h * channels, 2 ** depth, channels);
      const data = depth === 16 ? Uint16Array.from(v) : Uint8Array.from(v);
      const plain = decodePng(encode({ width: w, height: h, data, depth, channels }), 'a.png');
      const laced = encode({ width: w, height: h, data, depth, channels }, { interlace: 'Adam7' });
      expect(readPngHeader(laced, 'i.png').interlaced).toBe(true);
      expect(decodePng(laced, 'i.png')).toEqual(plain);
    });
  }

  it('sub-byte interlaced images are refused with a clear message (fast-png cannot decode them)', () => {
    const png = craft(ihdr(9, 9, 1, 0, 1), new Uint8Array(100));
    expect(() => decodePng(png, 'i.png')).toThrow(/^i\.png: interlaced 1-bit PNGs are not supported/);
  });
});

describe('readPngHeader', () => {
  it('reports size, depth, colour type and interlace without decoding', () => {
    const png = encode({ width: 7, height: 3, data: new Uint16Array(7 * 3 * 2), depth: 16, channels: 2 });
    expect(readPngHeader(png, 'h.png')).toEqual({ width: 7, height: 3, bitDepth: 16, colorType: 'grey-alpha', interlaced: false });
  });

  it('works on a view into a larger buffer', () => {
    const png = encode({ width: 2, height: 2, data: new Uint8Array(12), channels: 3 });
    const big = new Uint8Array(png.length + 10);
    big.set(png, 5);
    const view = big.subarray(5, 5 + png.length);
    expect(readPngHeader(view, 'v.png').width).toBe(2);
    expect(decodePng(view, 'v.png').data.length).toBe(16);
  });
});
