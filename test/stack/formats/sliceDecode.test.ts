// Grey 8/16-bit slices skip decodePng's RGBA step (fast-png directly): they must be refused exactly as
// decodePng refuses them, and decode to what it decodes.
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { decodePng } from '../../../src/formats/index.js';
import { makeChunk, PNG_SIGNATURE } from '../../../src/formats/pngChunks.js';
import { decodeSlice } from '../../../src/stack/formats/sliceDecode.js';
import { concat, filteredGreyPng, samples } from './helpers.js';

const W = 9, H = 4;

/** A grey PNG whose IDAT holds `idat` as given (zlib stream of filtered rows, or anything else). */
function withIdat(depth: 8 | 16, idat: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, W);
  new DataView(ihdr.buffer).setUint32(4, H);
  ihdr.set([depth, 0, 0, 0, 0], 8);
  return concat(PNG_SIGNATURE, makeChunk('IHDR', ihdr), makeChunk('IDAT', idat), makeChunk('IEND', new Uint8Array()));
}

function message(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
  throw new Error('no error');
}

describe('grey slices decoded by fast-png directly', () => {
  for (const depth of [8, 16] as const) {
    const rowBytes = 1 + (W * depth) / 8;
    const rows = Uint8Array.from(samples(H * rowBytes, 256, depth)).map((v, i) => (i % rowBytes === 0 ? v % 5 : v));
    const bad: [string, Uint8Array][] = [
      ['short image data', withIdat(depth, deflateSync(rows.subarray(0, rows.length - 3)))],
      ['more image data than the size', withIdat(depth, deflateSync(concat(rows, new Uint8Array(rowBytes))))],
      ['a wrong zlib checksum', withIdat(depth, (() => { const z = deflateSync(rows); z[z.length - 1]! ^= 1; return z; })())],
      ['a bad filter type', withIdat(depth, deflateSync(rows.map((v, i) => (i === rowBytes ? 9 : v))))],
      ['no zlib stream at all', withIdat(depth, Uint8Array.of(1, 2, 3))],
    ];
    for (const [what, png] of bad) {
      it(`${depth}-bit with ${what} is refused with decodePng's message`, () => {
        expect(message(() => decodeSlice(png, 'x.png', 1e6))).toBe(message(() => decodePng(png, 'x.png')));
      });
    }

    it(`${depth}-bit decodes to decodePng's samples, as a whole transferable buffer`, () => {
      const values = samples(W * H, 2 ** depth, 7);
      const png = filteredGreyPng(W, H, depth, values, [0, 1, 2, 3, 4]);
      const s = decodeSlice(png, 'x.png', 1e6);
      expect(s.data).toBeInstanceOf(depth === 16 ? Uint16Array : Uint8Array);
      expect(Array.from(s.data)).toEqual(values);
      expect(Array.from(s.data)).toEqual(Array.from({ length: W * H }, (_, i) => decodePng(png, 'x.png').data[4 * i]));
      expect(s.data.byteOffset === 0 && s.data.byteLength === s.data.buffer.byteLength).toBe(true);
    });
  }
});
