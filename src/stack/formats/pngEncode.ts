// Output layers → PNG. Our own chunk assembly with node's native zlib (Z_RLE): fast-png's encoder (fflate,
// level 3, JS) takes 3-10x longer on dithered noise, which at 94M-pixel MSLA layers is seconds per layer.
// The files are checked against the independent decoder (decodePng) in the tests.
import { endianness } from 'node:os';
import { constants, deflateSync } from 'node:zlib';
import { makeChunk, PNG_SIGNATURE } from '../../formats/pngChunks.js';
import type { OutputLayer, PngEncoding } from './types.js';

export type GreyDepth = 1 | 2 | 4 | 8 | 16;

/** The smallest grey depth holding `levels` values, not below `min`. */
export function greyDepthFor(levels: number, min: GreyDepth = 1): GreyDepth {
  for (const d of [1, 2, 4, 8, 16] as const) if (d >= min && levels <= 2 ** d) return d;
  throw new RangeError(`${levels} levels do not fit a 16-bit PNG`);
}

/** Code c of N levels at a depth: round(c * max / (N-1)), so 0 → black and N-1 → white. */
export function levelValues(levels: number, depth: GreyDepth): Uint16Array {
  const max = 2 ** depth - 1;
  return Uint16Array.from({ length: levels }, (_, c) => (levels > 1 ? Math.floor((2 * c * max + levels - 1) / (2 * (levels - 1))) : 0));
}

export function encodeOutputLayer(layer: OutputLayer, enc: PngEncoding): Uint8Array {
  const { width, height } = layer;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`bad layer size ${width}x${height}`);
  }
  const level = enc.zlibLevel ?? 6;
  if (layer.kind === 'bits') {
    const words = Math.ceil((width * height) / 32);
    if (layer.data.length !== words) throw new RangeError(`bit-packed ${width}x${height} layer needs ${words} words, got ${layer.data.length}`);
    const depth = greyDepthFor(2, enc.minGreyDepth);
    if (depth === 1) return png(width, height, 1, 0, packBitRows(layer.data, width, height), level);
    return greyPng(width, height, unpackBits(layer.data, width * height), levelValues(2, depth), depth, level);
  }
  if (layer.data.length !== width * height) {
    throw new RangeError(`${width}x${height} layer needs ${width * height} codes, got ${layer.data.length}`);
  }
  if (enc.palette) {
    const size = enc.palette.length / 3;
    if (!Number.isInteger(size) || size < 1 || size > 256) throw new RangeError('palette must have 1..256 RGB entries');
    const depth = greyDepthFor(size) as 1 | 2 | 4 | 8;
    const identity = Uint16Array.from({ length: size }, (_, i) => i);
    return png(width, height, depth, 3, packRows(layer.data, width, height, depth, identity), level, enc.palette);
  }
  if (enc.levels === undefined) throw new RangeError('code layers need `levels` or `palette` to be written as PNG');
  if (!Number.isInteger(enc.levels) || enc.levels < 1 || enc.levels > 256) throw new RangeError(`bad level count ${enc.levels}`);
  const depth = greyDepthFor(enc.levels, enc.minGreyDepth);
  return greyPng(width, height, layer.data, levelValues(enc.levels, depth), depth, level);
}

function greyPng(w: number, h: number, codes: Uint8Array, lut: Uint16Array, depth: GreyDepth, level: number): Uint8Array {
  return png(w, h, depth, 0, packRows(codes, w, h, depth, lut), level);
}

/** Filtered scanlines (filter 0) of `lut[code]` per pixel; a code without a LUT entry is a caller bug. */
function packRows(codes: Uint8Array, w: number, h: number, depth: GreyDepth, lut: Uint16Array): Uint8Array {
  const stride = Math.ceil((w * depth) / 8);
  const out = new Uint8Array(h * (stride + 1));
  const limit = lut.length;
  for (let y = 0; y < h; y++) {
    const row = y * (stride + 1) + 1;
    const src = y * w;
    for (let x = 0; x < w; x++) {
      const c = codes[src + x]!;
      if (c >= limit) throw new RangeError(`code ${c} at ${x},${y} is out of range (must be < ${limit})`);
      const v = lut[c]!;
      if (depth === 8) out[row + x] = v;
      else if (depth === 16) {
        out[row + 2 * x] = v >> 8;
        out[row + 2 * x + 1] = v & 255;
      } else {
        const bit = x * depth;
        out[row + (bit >> 3)]! |= v << (8 - depth - (bit & 7));
      }
    }
  }
  return out;
}

const REVERSE = Uint8Array.from({ length: 256 }, (_, b) => {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
});

/** The words' bytes in little-endian order: byte k holds voxels 8k..8k+7, LSB first. */
function wordBytes(words: Uint32Array): Uint8Array {
  if (endianness() === 'LE') return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  words.forEach((v, i) => view.setUint32(4 * i, v, true));
  return out;
}

/** 1-bit PNG scanlines straight from the packed words: 8 voxels at a time, bit order reversed (PNG is MSB first). */
function packBitRows(words: Uint32Array, w: number, h: number): Uint8Array {
  const bytes = wordBytes(words);
  const stride = Math.ceil(w / 8);
  const out = new Uint8Array(h * (stride + 1));
  for (let y = 0; y < h; y++) {
    const row = y * (stride + 1) + 1;
    for (let j = 0; j < stride; j++) {
      const o = y * w + 8 * j;
      const k = o >> 3;
      let v = ((bytes[k]! | ((bytes[k + 1] ?? 0) << 8)) >> (o & 7)) & 255;
      const left = w - 8 * j;
      if (left < 8) v &= (1 << left) - 1; // PNG padding bits are zero
      out[row + j] = REVERSE[v]!;
    }
  }
  return out;
}

/** One byte per voxel, 0 or 1, from the packed words. */
export function unpackBits(words: Uint32Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (words[i >>> 5]! >>> (i & 31)) & 1;
  return out;
}

function png(w: number, h: number, depth: number, colorType: 0 | 3, rows: Uint8Array, level: number, plte?: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, w);
  view.setUint32(4, h);
  ihdr.set([depth, colorType, 0, 0, 0], 8);
  const idat = deflateSync(rows, { level, strategy: constants.Z_RLE });
  const parts = [PNG_SIGNATURE, makeChunk('IHDR', ihdr), ...(plte ? [makeChunk('PLTE', plte)] : []), makeChunk('IDAT', idat), makeChunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
