// Test-only PNG crafting, independent of the encoders under test: rows are packed here by hand and files are
// assembled with fast-png's encoder or chunk by chunk.
import { deflateSync } from 'node:zlib';
import { makeChunk, PNG_SIGNATURE } from '../../src/formats/pngChunks.js';

/** Packs one sample per pixel MSB-first, each row padded to whole bytes. */
export function pack(values: ArrayLike<number>, width: number, height: number, depth: number): Uint8Array {
  const stride = Math.ceil((width * depth) / 8);
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      out[y * stride + (bit >> 3)]! |= values[y * width + x]! << (8 - depth - (bit & 7));
    }
  }
  return out;
}

export { randomInts as samples } from '../helpers/random.js';

export function ihdr(width: number, height: number, depth: number, colorType: number, interlace = 0): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([depth, colorType, 0, 0, interlace], 8);
  return makeChunk('IHDR', data);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A PNG from raw scanlines (each row: filter byte 0 then packed samples), plus optional extra chunks before IDAT. */
export function craft(header: Uint8Array, raw: Uint8Array, extra: Uint8Array[] = [], zlib?: Uint8Array): Uint8Array {
  return concat(PNG_SIGNATURE, header, ...extra, makeChunk('IDAT', zlib ?? deflateSync(raw)), makeChunk('IEND', new Uint8Array()));
}

/** Scanlines with filter type 0 from packed rows. */
export function scanlines(packed: Uint8Array, height: number): Uint8Array {
  const stride = packed.length / height;
  const out = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) out.set(packed.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return out;
}

/**
 * Scanlines from packed rows, row y filtered with filters[y % n] by the spec's forward filters (written out here,
 * independently of any decoder); `bpp` is bytes per complete pixel, at least 1.
 */
export function filtered(packed: Uint8Array, height: number, bpp: number, filters: readonly number[]): Uint8Array {
  const stride = packed.length / height;
  const out = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length]!;
    const cur = packed.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? packed.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    out[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp]! : 0, b = prev[i]!, c = i >= bpp ? prev[i - bpp]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f]!;
      out[y * (stride + 1) + 1 + i] = (cur[i]! - pred) & 255;
    }
  }
  return out;
}
