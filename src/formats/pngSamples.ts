// A PNG's samples in its own layout, with every check of the file first. The image data is inflated once, by
// node's zlib, capped at the size the header implies; pngjs unfilters the rows. (fast-png, used before, inflated
// in JavaScript, a second time after our checking inflate: about 1 s of a 4K photo's 1.3 s decode.)
import { Buffer, kMaxLength } from 'node:buffer';
import { inflateSync } from 'node:zlib';
import filterSync from 'pngjs/lib/filter-parse-sync.js';
import { InputError } from '../errors.js';
import { readChunks } from './pngChunks.js';
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

/** Checks the whole file (CRCs, truncation, the zlib stream, sizes) and returns its samples. */
export function decodeSamples(bytes: Uint8Array, header: PngHeader, name: string): PngSamples {
  const { chunks, truncated } = readChunks(bytes);
  const bad = chunks.find((c) => !c.crcOk);
  if (bad) throw new InputError(name, `corrupt PNG (bad CRC in ${bad.type} chunk)`);
  if (truncated) throw new InputError(name, 'truncated PNG (file ends before IEND)');
  const idat = chunks.filter((c) => c.type === 'IDAT').map((c) => c.data);
  if (idat.length === 0) throw new InputError(name, 'corrupt PNG (no image data)');
  const plte = chunks.find((c) => c.type === 'PLTE')?.data;
  const trns = chunks.find((c) => c.type === 'tRNS')?.data;
  const raw = inflateImage(idat, header, name);
  const channels = CHANNELS[header.colorType];
  const { width, height, bitDepth, interlaced } = header;
  let rows: Uint8Array;
  try {
    rows = filterSync.process(raw, { width, height, interlace: interlaced, bpp: channels, depth: bitDepth });
  } catch (err) {
    throw new InputError(name, `corrupt PNG (${firstLine(err)})`);
  }
  if (interlaced) rows = deinterlace(rows, header, (channels * bitDepth) / 8);
  const data = bitDepth === 16 ? bigEndian16(rows) : ownBuffer(rows);
  const base = { width, height, channels, data, hasTrns: trns !== undefined };
  if (header.colorType === 'indexed') return { ...base, palette: paletteOf(plte, trns, name) };
  if (trns === undefined || header.colorType === 'grey-alpha' || header.colorType === 'rgba') return base;
  if (trns.length % 2 !== 0) throw new InputError(name, `corrupt PNG (tRNS chunk of odd length ${trns.length})`);
  const key = Array.from({ length: trns.length / 2 }, (_, i) => (trns[2 * i]! << 8) | trns[2 * i + 1]!);
  return key.length >= channels ? { ...base, key: key.slice(0, channels) } : base;
}

// Native inflate, refusing data that stops inside the last row, a bad zlib checksum, and decompression bombs
// (output capped at the size IHDR implies, allocated as the data arrives rather than from the header alone).
function inflateImage(idat: Uint8Array[], header: PngHeader, name: string): Buffer {
  const expected = rawSize(header);
  const z = idat.length === 1 ? idat[0]! : Buffer.concat(idat);
  // One output buffer when the data can fill it (deflate expands at most ~1032x): 16 KiB pieces, the default,
  // make inflating a 4K photo twice as slow.
  const chunkSize = Math.max(1 << 16, Math.min(expected, kMaxLength, z.length * 1032 + 1024));
  let raw: Buffer;
  try {
    raw = inflateSync(z, { chunkSize, maxOutputLength: Math.min(expected, kMaxLength) });
  } catch (err) {
    const tooLong = (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new InputError(name, tooLong ? 'corrupt PNG (more image data than its size allows)' : `corrupt PNG (image data: ${firstLine(err)})`);
  }
  if (raw.length < expected) throw new InputError(name, `truncated PNG (image data is ${expected - raw.length} bytes short)`);
  return raw;
}

function paletteOf(plte: Uint8Array | undefined, trns: Uint8Array | undefined, name: string): Uint8Array {
  if (!plte || plte.length === 0) throw new InputError(name, 'corrupt PNG (indexed image without a palette)');
  if (plte.length % 3 !== 0) throw new InputError(name, `corrupt PNG (PLTE length ${plte.length} is not a multiple of 3)`);
  const size = plte.length / 3;
  if (trns && trns.length > size) throw new InputError(name, `corrupt PNG (tRNS has ${trns.length} entries, the palette ${size})`);
  const lut = new Uint8Array(4 * size);
  for (let i = 0; i < size; i++) lut.set([plte[3 * i]!, plte[3 * i + 1]!, plte[3 * i + 2]!, trns?.[i] ?? 255], 4 * i);
  return lut;
}

/** Bytes of filtered scanlines (one filter byte per row) the image needs once inflated. */
function rawSize({ width, height, bitDepth, colorType, interlaced }: PngHeader): number {
  const bits = bitDepth * CHANNELS[colorType];
  const rows = (w: number, h: number): number => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bits) / 8)) : 0);
  if (!interlaced) return rows(width, height);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) total += rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy));
  return total;
}

/** The seven passes' unfiltered rows, one after another → the image's rows. Whole bytes per pixel only. */
function deinterlace(passes: Uint8Array, { width, height }: PngHeader, bytesPerPixel: number): Uint8Array {
  const out = new Uint8Array(width * height * bytesPerPixel);
  let at = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    for (let y = y0; y < height; y += dy) {
      for (let x = x0; x < width; x += dx) {
        const to = (y * width + x) * bytesPerPixel;
        for (let b = 0; b < bytesPerPixel; b++) out[to + b] = passes[at++]!;
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

/** A plain Uint8Array over a buffer of its own (pngjs may return a Buffer from node's shared pool). */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return new Uint8Array(bytes.buffer);
  return new Uint8Array(bytes);
}

export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
