// Output layers → PNG. 8- and 16-bit grey go through pngjs (node's native zlib, filter 0, Z_RLE): fast-png's
// encoder (fflate, JS) takes 4-6x longer there, and 8-bit grey is what printers read (SL1) at up to 94M pixels
// a layer. pngjs writes no sub-byte or indexed PNGs, so those use the project's encoders (formats/pngEncode).
import { constants } from 'node:zlib';
import pngjs, { type PNG } from 'pngjs';
import { encodeGreyPng, encodeIndexedPng } from '../../formats/png.js';
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

/** One byte per voxel, 0 or 1, from the packed words. */
export function unpackBits(words: Uint32Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (words[i >>> 5]! >>> (i & 31)) & 1;
  return out;
}

export function encodeOutputLayer(layer: OutputLayer, enc: PngEncoding): Uint8Array {
  const { width, height } = layer;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`bad layer size ${width}x${height}`);
  }
  const n = width * height;
  if (layer.kind === 'bits') {
    const words = layer.data;
    const count = Math.ceil(n / 32);
    if (words.length !== count) throw new RangeError(`bit-packed ${width}x${height} layer needs ${count} words, got ${words.length}`);
    const depth = greyDepthFor(2, enc.minGreyDepth);
    const lut = levelValues(2, depth);
    const grey = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
    for (let i = 0; i < n; i++) grey[i] = lut[(words[i >>> 5]! >>> (i & 31)) & 1]!;
    return greyPng(width, height, grey, depth, enc.zlibLevel);
  }
  const codes = layer.data;
  if (codes.length !== n) throw new RangeError(`${width}x${height} layer needs ${n} codes, got ${codes.length}`);
  if (enc.palette) return encodeIndexedPng(width, height, codes, enc.palette); // checks the palette and codes
  if (enc.levels === undefined) throw new RangeError('code layers need `levels` or `palette` to be written as PNG');
  if (!Number.isInteger(enc.levels) || enc.levels < 1 || enc.levels > 256) throw new RangeError(`bad level count ${enc.levels}`);
  const depth = greyDepthFor(enc.levels, enc.minGreyDepth);
  const lut = levelValues(enc.levels, depth);
  const grey = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    if (c >= lut.length) throw new RangeError(`code ${c} at ${i % width},${Math.floor(i / width)} is out of range (must be < ${lut.length})`);
    grey[i] = lut[c]!;
  }
  return greyPng(width, height, grey, depth, enc.zlibLevel);
}

/** One grey sample per pixel, below 2^depth, as a PNG of that depth. */
function greyPng(width: number, height: number, grey: Uint8Array | Uint16Array, depth: GreyDepth, level = 6): Uint8Array {
  if (depth < 8) return encodeGreyPng(width, height, grey, depth);
  // pngjs takes 16-bit samples in the host's byte order; `grey` is a whole buffer of its own, as it needs.
  const data = Buffer.from(grey.buffer, grey.byteOffset, grey.byteLength);
  const options = { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: depth as 8 | 16, filterType: 0, deflateLevel: level, deflateStrategy: constants.Z_RLE } as const;
  return pngjs.PNG.sync.write({ width, height, data } as unknown as PNG, options);
}
