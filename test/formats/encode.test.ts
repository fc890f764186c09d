import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { decodePng, encodeGreyPng, encodeIndexedPng, encodeRgbaPng, readPngHeader } from '../../src/formats/index.js';
import { samples } from './helpers.js';

/** fast-png's packed rows back to one sample per pixel, MSB first, rows on byte boundaries. */
function unpack(data: ArrayLike<number>, width: number, height: number, depth: number): number[] {
  const stride = Math.ceil((width * depth) / 8);
  const out: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      out.push((data[y * stride + (bit >> 3)]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1));
    }
  }
  return out;
}

const WIDTHS = [1, 3, 7, 9, 33];

describe('encodeIndexedPng', () => {
  const cases: [number, number][] = [[1, 1], [2, 1], [3, 2], [4, 2], [5, 4], [16, 4], [17, 8], [256, 8]];
  for (const [size, depth] of cases) {
    for (const w of WIDTHS) {
      it(`${size} colours → ${depth}-bit, width ${w}: same indices and palette back`, () => {
        const h = 3;
        const palette = Uint8Array.from(samples(size * 3, 256, size));
        const indices = Uint8Array.from(samples(w * h, size, size + w));
        indices[indices.length - 1] = size - 1;
        const png = encodeIndexedPng(w, h, indices, palette);
        expect(readPngHeader(png, 'o.png')).toMatchObject({ bitDepth: depth, colorType: 'indexed' });
        const back = decode(png);
        expect(back.depth).toBe(depth);
        expect(back.palette).toEqual(Array.from({ length: size }, (_, i) => Array.from(palette.subarray(3 * i, 3 * i + 3))));
        expect(back.transparency).toBeUndefined();
        expect(unpack(back.data, w, h, depth)).toEqual(Array.from(indices));
      });
    }
  }

  it('writes tRNS per entry, whatever order the translucent entries come in', () => {
    const palette = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]);
    const alpha = Uint8Array.from([255, 0, 128, 255]);
    const png = encodeIndexedPng(4, 1, Uint8Array.from([0, 1, 2, 3]), palette, alpha);
    expect(decode(png).palette?.map((e) => e[3])).toEqual([255, 0, 128, 255]);
    const r = decodePng(png, 'o.png');
    expect(r.hasAlpha).toBe(true);
    expect(Array.from(r.data)).toEqual([255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 128, 9, 9, 9, 255]);
  });

  it('writes no tRNS when every entry is opaque', () => {
    const png = encodeIndexedPng(2, 1, Uint8Array.from([0, 1]), new Uint8Array(6), Uint8Array.from([255, 255]));
    expect(decodePng(png, 'o.png').hasAlpha).toBe(false);
  });

  it('checks every index, in whole bytes and in the last partial one, against the palette size', () => {
    // 3, 5 and 9 colours (2-, 4- and 4-bit): no index may reach the size, though the bits could hold it.
    for (const size of [3, 5, 9]) {
      const palette = new Uint8Array(3 * size);
      const w = 33;
      for (const at of [0, 1, 17, 31, 32]) {
        const indices = Uint8Array.from(samples(w * 2, size, at));
        expect(() => encodeIndexedPng(w, 2, indices, palette)).not.toThrow();
        indices[w + at] = size;
        expect(() => encodeIndexedPng(w, 2, indices, palette)).toThrow(new RangeError(`value ${size} at sample ${at} of row 1 out of range (must be < ${size})`));
      }
      // Neighbours whose bits together reach the size are each inside it.
      const pairs = Uint8Array.from({ length: 32 }, (_, i) => (i % 2 ? 1 : size - 1));
      expect(() => encodeIndexedPng(32, 1, pairs, palette)).not.toThrow();
    }
  });

  it('rejects indices outside the palette and bad palettes', () => {
    expect(() => encodeIndexedPng(2, 1, Uint8Array.from([0, 3]), new Uint8Array(9))).toThrow(RangeError);
    expect(() => encodeIndexedPng(1, 1, new Uint8Array(1), new Uint8Array(0))).toThrow(RangeError);
    expect(() => encodeIndexedPng(1, 1, new Uint8Array(1), new Uint8Array(257 * 3))).toThrow(RangeError);
    expect(() => encodeIndexedPng(1, 1, new Uint8Array(1), new Uint8Array(4))).toThrow(RangeError);
    expect(() => encodeIndexedPng(2, 2, new Uint8Array(3), new Uint8Array(3))).toThrow(RangeError);
    expect(() => encodeIndexedPng(1, 1, new Uint8Array(1), new Uint8Array(6), new Uint8Array(1))).toThrow(RangeError);
  });
});

describe('encodeGreyPng', () => {
  for (const depth of [1, 2, 4, 8, 16] as const) {
    for (const w of WIDTHS) {
      it(`${depth}-bit width ${w} round-trips`, () => {
        const h = 2;
        const v = samples(w * h, 2 ** depth, depth + w);
        const png = encodeGreyPng(w, h, depth === 16 ? Uint16Array.from(v) : Uint8Array.from(v), depth);
        const back = decode(png);
        expect([back.depth, back.channels]).toEqual([depth, 1]);
        expect(depth < 8 ? unpack(back.data, w, h, depth) : Array.from(back.data)).toEqual(v);
      });
    }
  }

  it('rejects samples that do not fit the depth', () => {
    expect(() => encodeGreyPng(2, 1, Uint8Array.from([0, 4]), 2)).toThrow(RangeError);
    expect(() => encodeGreyPng(1, 1, Uint16Array.from([256]), 8)).toThrow(RangeError);
  });
});

describe('encodeRgbaPng', () => {
  for (const depth of [8, 16] as const) {
    it(`${depth}-bit round-trips through decodePng`, () => {
      const v = samples(5 * 3 * 4, 2 ** depth, depth);
      const rgba = depth === 16 ? Uint16Array.from(v) : Uint8Array.from(v);
      const r = decodePng(encodeRgbaPng(5, 3, rgba, depth), 'o.png');
      expect(r).toMatchObject({ width: 5, height: 3, depth, hasAlpha: true });
      expect(Array.from(r.data)).toEqual(v);
    });
  }

  it('accepts 16-bit storage for 8-bit output when the values fit, and refuses when they do not', () => {
    expect(Array.from(decode(encodeRgbaPng(1, 1, Uint16Array.from([1, 2, 3, 255]), 8)).data)).toEqual([1, 2, 3, 255]);
    expect(() => encodeRgbaPng(1, 1, Uint16Array.from([1, 2, 3, 256]), 8)).toThrow(RangeError);
    expect(() => encodeRgbaPng(2, 1, new Uint8Array(4), 8)).toThrow(RangeError);
  });
});
