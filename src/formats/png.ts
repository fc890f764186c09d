import { InputError } from '../errors.js';
import { PNG_SIGNATURE, crc32 } from './pngChunks.js';
import { encodePng } from './pngEncode.js';
import { decodeRgba8 } from './pngRgba8.js';
import { CHANNELS, decodeSamples, type PngSamples } from './pngSamples.js';
import type { PngColorType, Raster } from './raster.js';

/** 16384², the most pixels `decodePng` accepts unless told otherwise (`--max-pixels`). */
export const DEFAULT_MAX_PIXELS = 268_435_456;

export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: 1 | 2 | 4 | 8 | 16;
  readonly colorType: PngColorType;
  readonly interlaced: boolean;
}

export interface DecodeOptions {
  /** Refuse images with more pixels than this, before allocating anything for them. */
  maxPixels?: number;
}

// IHDR colour type code → name and the bit depths the spec allows with it.
const COLOR_TYPES = new Map<number, [PngColorType, readonly number[]]>([
  [0, ['grey', [1, 2, 4, 8, 16]]],
  [2, ['rgb', [8, 16]]],
  [3, ['indexed', [1, 2, 4, 8]]],
  [4, ['grey-alpha', [8, 16]]],
  [6, ['rgba', [8, 16]]],
]);

/** Signature and IHDR only: cheap enough to run before deciding whether to decode at all. */
export function readPngHeader(bytes: Uint8Array, name: string): PngHeader {
  if (bytes.length === 0) throw new InputError(name, 'empty file');
  for (let i = 0; i < Math.min(bytes.length, 8); i++) {
    if (bytes[i] !== PNG_SIGNATURE[i]) throw new InputError(name, 'not a PNG image (bad signature)');
  }
  if (bytes.length < 33) throw new InputError(name, `truncated PNG header (file is ${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 33);
  if (view.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') {
    throw new InputError(name, 'corrupt PNG header (first chunk is not IHDR)');
  }
  if (crc32(bytes.subarray(12, 29)) !== view.getUint32(29)) throw new InputError(name, 'corrupt PNG header (bad CRC)');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new InputError(name, `invalid PNG dimensions ${width}x${height}`);
  }
  const bitDepth = bytes[24]!;
  const type = COLOR_TYPES.get(bytes[25]!);
  if (!type) throw new InputError(name, `invalid PNG colour type ${bytes[25]}`);
  if (!type[1].includes(bitDepth)) throw new InputError(name, `invalid PNG bit depth ${bitDepth} for ${type[0]}`);
  if (bytes[26] !== 0 || bytes[27] !== 0) throw new InputError(name, 'unsupported PNG compression or filter method');
  if (bytes[28]! > 1) throw new InputError(name, `unsupported PNG interlace method ${bytes[28]}`);
  return { width, height, bitDepth: bitDepth as PngHeader['bitDepth'], colorType: type[0], interlaced: bytes[28] === 1 };
}

/** Decodes any PNG to RGBA; every problem with the file is an InputError naming `name`. */
export function decodePng(bytes: Uint8Array, name: string, opts: DecodeOptions = {}): Raster {
  const header = decodableHeader(bytes, name, opts);
  if (header.bitDepth === 8 && !header.interlaced) return decodeRgba8(bytes, header, name);
  return toRaster(decodeSamples(bytes, header, name), header, name);
}

/** The header, once the image is known to be within the size limit and of a kind decodePng reads. */
export function decodableHeader(bytes: Uint8Array, name: string, opts: DecodeOptions = {}): PngHeader {
  const header = readPngHeader(bytes, name);
  const { width, height, bitDepth } = header;
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (width * height > maxPixels) {
    throw new InputError(
      name,
      `${width}x${height} is ${width * height} pixels, over the limit of ${maxPixels} (raise it with --max-pixels)`,
    );
  }
  // Not needed by any tool we know of, and deinterlacing packed pixels is code of its own.
  if (header.interlaced && bitDepth < 8) {
    throw new InputError(name, `interlaced ${bitDepth}-bit PNGs are not supported; re-save it without interlacing`);
  }
  return header;
}

function toRaster(png: PngSamples, header: PngHeader, name: string): Raster {
  const { width, height, bitDepth, colorType } = header;
  const n = width * height;
  const src = png.data;
  if (src.length < n * (bitDepth < 8 ? 0 : CHANNELS[colorType])) {
    throw new InputError(name, 'corrupt PNG (decoded size does not match the header)');
  }
  const max = bitDepth === 16 ? 0xffff : 0xff;
  let out: Uint8Array | Uint16Array = bitDepth === 16 ? new Uint16Array(4 * n) : new Uint8Array(4 * n);
  let hasAlpha = true;
  if (colorType === 'rgba') {
    out = src; // already RGBA, in a buffer of its own
  } else if (colorType === 'grey-alpha') {
    for (let i = 0; i < n; i++) {
      out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = src[2 * i]!;
      out[4 * i + 3] = src[2 * i + 1]!;
    }
  } else if (colorType === 'rgb') {
    hasAlpha = png.key !== undefined;
    rgbToRgba(src, out, n, max, png.key);
  } else if (colorType === 'grey') {
    const samples = unpackRows(src, width, height, bitDepth);
    const scale = bitDepth < 8 ? 255 / ((1 << bitDepth) - 1) : 1; // 255, 85, 17: exact
    const key = png.key?.[0];
    hasAlpha = key !== undefined;
    for (let i = 0; i < n; i++) {
      const v = samples[i]!;
      out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = v * scale;
      out[4 * i + 3] = v === key ? 0 : max;
    }
  } else {
    const lut = png.palette ?? new Uint8Array(0);
    const size = lut.length / 4;
    hasAlpha = png.hasTrns;
    const indices = unpackRows(src, width, height, bitDepth);
    // Whole RGBA pixels as one 32-bit word each: byte order in and out is the same, so endianness drops out.
    const lut32 = new Uint32Array(lut.buffer, lut.byteOffset, size);
    const out32 = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) {
      const p = indices[i]!;
      if (p >= size) throw new InputError(name, `corrupt PNG (pixel uses palette entry ${p}, palette has ${size})`);
      out32[i] = lut32[p]!;
    }
  }
  return { width, height, depth: bitDepth === 16 ? 16 : 8, data: out, hasAlpha, source: { bitDepth, colorType } };
}

/** RGB samples → RGBA; with a tRNS key, exactly the key colour becomes transparent. */
function rgbToRgba(src: Uint8Array | Uint16Array, out: Uint8Array | Uint16Array, n: number, max: number, key?: readonly number[]): void {
  if (!key) {
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      out[4 * i] = src[j]!;
      out[4 * i + 1] = src[j + 1]!;
      out[4 * i + 2] = src[j + 2]!;
      out[4 * i + 3] = max;
    }
    return;
  }
  const [k0, k1, k2] = key;
  for (let i = 0; i < n; i++) {
    const r = src[3 * i]!, g = src[3 * i + 1]!, b = src[3 * i + 2]!;
    out[4 * i] = r;
    out[4 * i + 1] = g;
    out[4 * i + 2] = b;
    out[4 * i + 3] = r === k0 && g === k1 && b === k2 ? 0 : max;
  }
}

/** One sample per pixel from PNG rows packed MSB-first below 8 bits, each row starting on a byte. */
function unpackRows(src: Uint8Array | Uint16Array, width: number, height: number, depth: number): Uint8Array | Uint16Array {
  if (depth >= 8) return src;
  const out = new Uint8Array(width * height);
  const stride = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      out[y * width + x] = (src[y * stride + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/**
 * An indexed PNG at the smallest bit depth that holds the palette (≤2 → 1, ≤4 → 2, ≤16 → 4, else 8).
 * `paletteRgb` is 3 bytes per entry; `alpha`, one byte per entry, adds a tRNS chunk.
 */
export function encodeIndexedPng(
  width: number,
  height: number,
  indices: Uint8Array,
  paletteRgb: Uint8Array,
  alpha?: Uint8Array,
): Uint8Array {
  const size = paletteRgb.length / 3;
  if (!Number.isInteger(size) || size < 1 || size > 256) throw new RangeError(`palette must have 1..256 RGB entries`);
  if (alpha && alpha.length !== size) throw new RangeError(`alpha has ${alpha.length} entries, palette ${size}`);
  const depth = size <= 2 ? 1 : size <= 4 ? 2 : size <= 16 ? 4 : 8;
  return encodePng({ width, height, colorType: 'indexed', depth, samples: indices, palette: paletteRgb, limit: size, ...(alpha ? { alpha } : {}) });
}

/** RGBA interleaved; at depth 8 every sample must fit a byte. */
export function encodeRgbaPng(width: number, height: number, rgba: Uint8Array | Uint16Array, depth: 8 | 16): Uint8Array {
  return encodePng({ width, height, colorType: 'rgba', depth, samples: rgba });
}

/** One unpacked grey sample per pixel, each below 2^depth; sub-byte depths are packed here. */
export function encodeGreyPng(
  width: number,
  height: number,
  grey: Uint8Array | Uint16Array,
  depth: 1 | 2 | 4 | 8 | 16,
): Uint8Array {
  return encodePng({ width, height, colorType: 'grey', depth, samples: grey });
}

export { decodeSamples, type PngSamples } from './pngSamples.js';
export { encodePng, ZLIB_LEVEL, type EncodeImage } from './pngEncode.js';
