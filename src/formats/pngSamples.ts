// A PNG's image data, with every check of the file first: inflated once, by node's zlib, capped at the size the
// header implies, and unfiltered in place (pngUnfilter.ts). (fast-png, used before, inflated in JavaScript, a
// second time after our checking inflate: about 1 s of a 4K photo's 1.3 s decode.)
import { Buffer, kMaxLength } from 'node:buffer';
import { inflateSync } from 'node:zlib';
import { InputError } from '../errors.js';
import { readChunks } from './pngChunks.js';
import { unfilterRows } from './pngUnfilter.js';
import type { PngHeader } from './png.js';
import type { PngColorType } from './raster.js';

export const CHANNELS: Record<PngColorType, number> = { grey: 1, 'grey-alpha': 2, rgb: 3, rgba: 4, indexed: 1 };
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

export interface PngSamples {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /**
   * Row-major samples, not interlaced: below 8 bits, rows packed MSB first and padded to a byte; at 16 bits, one
   * host-order sample per element. Always a whole buffer of its own.
   */
  readonly data: Uint8Array | Uint16Array;
  /** Indexed images: RGBA per entry (alpha from tRNS, else 255). */
  readonly palette?: Uint8Array;
  /** The file had a tRNS chunk (whether or not it makes any pixel transparent). */
  readonly hasTrns: boolean;
  /** Grey and RGB: the tRNS key, one sample per channel, when the chunk holds one. */
  readonly key?: readonly number[];
}

/** The image data inflated and unfiltered in place (rows keep their filter bytes), and the PLTE and tRNS data. */
export interface PngImageData {
  /** Scanlines, Adam7 passes in turn; when a capacity was asked for, a view at the start of a buffer that large. */
  readonly raw: Uint8Array;
  readonly plte?: Uint8Array;
  readonly trns?: Uint8Array;
}

/** The chunks' data that decoding needs, every chunk checked (CRCs, truncation) and the ones required present. */
export interface PngChunkData {
  readonly idat: Uint8Array[];
  readonly plte?: Uint8Array;
  readonly trns?: Uint8Array;
}

/** Checks every chunk of the file (CRCs, truncation, IDAT and, for indexed images, PLTE present). */
export function imageChunks(bytes: Uint8Array, header: PngHeader, name: string): PngChunkData {
  const { chunks, truncated } = readChunks(bytes);
  const bad = chunks.find((c) => !c.crcOk);
  if (bad) throw new InputError(name, `corrupt PNG (bad CRC in ${bad.type} chunk)`);
  if (truncated) throw new InputError(name, 'truncated PNG (file ends before IEND)');
  const idat = chunks.filter((c) => c.type === 'IDAT').map((c) => c.data);
  if (idat.length === 0) throw new InputError(name, 'corrupt PNG (no image data)');
  const plte = chunks.find((c) => c.type === 'PLTE')?.data;
  const trns = chunks.find((c) => c.type === 'tRNS')?.data;
  if (header.colorType === 'indexed' && !plte?.length) throw new InputError(name, 'corrupt PNG (indexed image without a palette)');
  return { idat, ...(plte ? { plte } : {}), ...(trns ? { trns } : {}) };
}

/**
 * Checks the whole file (CRCs, truncation, the zlib stream, sizes) and returns its image data unfiltered. With
 * `capacity`, `raw` starts a buffer of its own of at least that many bytes, when that costs no copy.
 */
export function readImageData(bytes: Uint8Array, header: PngHeader, name: string, capacity = 0): PngImageData {
  const { idat, plte, trns } = imageChunks(bytes, header, name);
  const raw = inflateImage(idat, header, name, capacity);
  const bits = header.bitDepth * CHANNELS[header.colorType];
  const bpp = Math.max(1, bits >> 3);
  let at = 0;
  for (const [w, h] of passes(header)) {
    const stride = Math.ceil((w * bits) / 8);
    try {
      unfilterRows(raw, at, h, stride, bpp);
    } catch (err) {
      throw unfilterError(err, name);
    }
    at += h * (stride + 1);
  }
  return { raw, ...(plte ? { plte } : {}), ...(trns ? { trns } : {}) };
}

/** Checks the whole file and returns its samples in its own layout (PngSamples). */
export function decodeSamples(bytes: Uint8Array, header: PngHeader, name: string): PngSamples {
  const { raw, plte, trns } = readImageData(bytes, header, name);
  const channels = CHANNELS[header.colorType];
  const { width, height, bitDepth } = header;
  const rows = header.interlaced ? deinterlace(raw, header, (channels * bitDepth) / 8) : dropFilterBytes(raw, height);
  const data = bitDepth === 16 ? bigEndian16(rows) : rows;
  const base = { width, height, channels, data, hasTrns: trns !== undefined };
  if (header.colorType === 'indexed') return { ...base, palette: paletteOf(plte, trns, name) };
  const key = trnsKey(header, trns, name);
  return key ? { ...base, key } : base;
}

/** Grey and RGB: the tRNS key, one sample per channel, when the chunk holds one. */
export function trnsKey(header: PngHeader, trns: Uint8Array | undefined, name: string): number[] | undefined {
  const channels = CHANNELS[header.colorType];
  if (trns === undefined || header.colorType === 'grey-alpha' || header.colorType === 'rgba' || header.colorType === 'indexed') return undefined;
  if (trns.length % 2 !== 0) throw new InputError(name, `corrupt PNG (tRNS chunk of odd length ${trns.length})`);
  const key = Array.from({ length: trns.length / 2 }, (_, i) => (trns[2 * i]! << 8) | trns[2 * i + 1]!);
  return key.length >= channels ? key.slice(0, channels) : undefined;
}

// Native inflate, refusing data that stops inside the last row, a bad zlib checksum, and decompression bombs
// (output capped at the size IHDR implies, allocated as the data arrives rather than from the header alone).
function inflateImage(idat: Uint8Array[], header: PngHeader, name: string, capacity: number): Uint8Array {
  const expected = rawSize(header);
  const z = idat.length === 1 ? idat[0]! : Buffer.concat(idat);
  // One output buffer, one byte larger than needed (zlib starts a second when the first fills), when the data can
  // fill it (deflate expands at most ~1032x): 16 KiB pieces, the default, make a 4K photo's inflate twice as slow.
  const want = Math.max(expected, capacity) + 1;
  const chunkSize = Math.max(1 << 16, Math.min(want, kMaxLength, z.length * 1032 + 1024));
  let raw: Buffer;
  try {
    raw = inflateSync(z, { chunkSize, maxOutputLength: Math.min(expected, kMaxLength) });
  } catch (err) {
    throw (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? tooMuchData(name) : inflateError(err, name);
  }
  if (raw.length < expected) throw shortData(name, expected - raw.length);
  // Small outputs come from node's shared Buffer pool: never write past them there.
  if (raw.byteOffset === 0 && raw.buffer.byteLength >= capacity) return new Uint8Array(raw.buffer, 0, raw.length);
  const own = new Uint8Array(Math.max(capacity, raw.length));
  own.set(raw);
  return own.subarray(0, raw.length);
}

export function paletteOf(plte: Uint8Array | undefined, trns: Uint8Array | undefined, name: string): Uint8Array {
  if (!plte || plte.length === 0) throw new InputError(name, 'corrupt PNG (indexed image without a palette)');
  if (plte.length % 3 !== 0) throw new InputError(name, `corrupt PNG (PLTE length ${plte.length} is not a multiple of 3)`);
  const size = plte.length / 3;
  if (trns && trns.length > size) throw new InputError(name, `corrupt PNG (tRNS has ${trns.length} entries, the palette ${size})`);
  const lut = new Uint8Array(4 * size);
  for (let i = 0; i < size; i++) lut.set([plte[3 * i]!, plte[3 * i + 1]!, plte[3 * i + 2]!, trns?.[i] ?? 255], 4 * i);
  return lut;
}

/** Width and height of each non-empty Adam7 pass, or of the whole image. */
function passes({ width, height, interlaced }: PngHeader): [number, number][] {
  if (!interlaced) return [[width, height]];
  const out: [number, number][] = [];
  for (const [x0, y0, dx, dy] of ADAM7) {
    const w = Math.ceil((width - x0) / dx), h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) out.push([w, h]);
  }
  return out;
}

// The decoding errors that both the whole-file and the banded decoder (pngBands.ts) report.
export const tooMuchData = (name: string): InputError => new InputError(name, 'corrupt PNG (more image data than its size allows)');
export const shortData = (name: string, missing: number): InputError => new InputError(name, `truncated PNG (image data is ${missing} bytes short)`);
export const inflateError = (err: unknown, name: string): InputError => new InputError(name, `corrupt PNG (image data: ${firstLine(err)})`);
export const unfilterError = (err: unknown, name: string): InputError => new InputError(name, `corrupt PNG (${firstLine(err)})`);

/** Bytes of filtered scanlines (one filter byte per row) the image needs once inflated. */
export function rawSize(header: PngHeader): number {
  const bits = header.bitDepth * CHANNELS[header.colorType];
  return passes(header).reduce((n, [w, h]) => n + h * (1 + Math.ceil((w * bits) / 8)), 0);
}

/** The rows without their filter bytes, in a buffer of their own. */
function dropFilterBytes(raw: Uint8Array, height: number): Uint8Array {
  const stride = raw.length / height - 1;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) out.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  return out;
}

/** The seven passes' scanlines, one after another → the image's rows. Whole bytes per pixel only. */
function deinterlace(raw: Uint8Array, { width, height }: PngHeader, bytesPerPixel: number): Uint8Array {
  const out = new Uint8Array(width * height * bytesPerPixel);
  let at = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    if (x0 >= width || y0 >= height) continue;
    for (let y = y0; y < height; y += dy) {
      at++; // the row's filter byte
      for (let x = x0; x < width; x += dx) {
        const to = (y * width + x) * bytesPerPixel;
        for (let b = 0; b < bytesPerPixel; b++) out[to + b] = raw[at++]!;
      }
    }
  }
  return out;
}

function bigEndian16(bytes: Uint8Array): Uint16Array {
  const out = new Uint16Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = (bytes[2 * i]! << 8) | bytes[2 * i + 1]!;
  return out;
}

export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
