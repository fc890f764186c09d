// 8-bit, non-interlaced PNGs (what photos and most tools' output are) to RGBA inside the inflate buffer itself.
// The inflated scanlines take up to 4 bytes per pixel plus a filter byte per row, so asking zlib for a buffer of
// max(4·pixels, scanlines) lets them be unfiltered and then spread to RGBA in place: on a 4K photo that saves
// two fresh 25-33 MB buffers, ~0.15 s of page faults on the 2-core machine the CLI targets.
import { InputError } from '../errors.js';
import type { PngHeader } from './png.js';
import { CHANNELS, paletteOf, readImageData, trnsKey } from './pngSamples.js';
import type { Raster } from './raster.js';

export function decodeRgba8(bytes: Uint8Array, header: PngHeader, name: string): Raster {
  const { width, height, colorType } = header;
  const n = width * height;
  const { raw, plte, trns } = readImageData(bytes, header, name, 4 * n);
  const { hasAlpha, convert } = rgba8Rows(header, plte, trns, name);
  const out = new Uint8Array(raw.buffer, raw.byteOffset, 4 * n);
  convert(raw, out, height);
  return { width, height, depth: 8, data: out, hasAlpha, source: { bitDepth: 8, colorType } };
}

/** Turns unfiltered 8-bit scanlines into RGBA rows, for a whole image or a band of its rows. */
export interface Rgba8Rows {
  /** Whether the image has alpha: its colour type, or a tRNS chunk that applies. */
  readonly hasAlpha: boolean;
  /**
   * Scanlines (each with its filter byte) from `raw[0]` → RGBA from `out[0]`, for `rows` rows. `out` may be `raw`
   * itself, from the same offset, when it is large enough: each row is written after every byte it overlaps is read.
   */
  convert(raw: Uint8Array, out: Uint8Array, rows: number): void;
}

/** The conversion for one image's colour type, palette and tRNS (checked here: InputErrors naming `name`). */
export function rgba8Rows(header: PngHeader, plte: Uint8Array | undefined, trns: Uint8Array | undefined, name: string): Rgba8Rows {
  const { width, colorType } = header;
  const c = CHANNELS[colorType];
  if (colorType === 'rgba') {
    // Each row moves down by the filter bytes before it: forward, never onto a row not yet moved.
    return { hasAlpha: true, convert: (raw, out, rows) => { for (let y = 0; y < rows; y++) out.set(raw.subarray(y * (4 * width + 1) + 1, (y + 1) * (4 * width + 1)), 4 * width * y); } };
  }
  if (colorType === 'indexed') {
    const lut = paletteOf(plte, trns, name);
    const size = lut.length / 4;
    const lut32 = new Uint32Array(lut.buffer, lut.byteOffset, size);
    return {
      hasAlpha: trns !== undefined,
      convert: (raw, out, rows) => {
        const out32 = new Uint32Array(out.buffer, out.byteOffset, width * rows); // byte order in = out: endianness drops out
        spread(width, rows, 1, (p, s) => {
          const i = raw[s]!;
          if (i >= size) throw new InputError(name, `corrupt PNG (pixel uses palette entry ${i}, palette has ${size})`);
          out32[p] = lut32[i]!;
        });
      },
    };
  }
  const key = trnsKey(header, trns, name);
  const hasAlpha = key !== undefined || c === 2;
  const [k0 = -1, k1 = -1, k2 = -1] = key ?? [];
  if (colorType === 'rgb' && !key && LITTLE_ENDIAN) {
    return { hasAlpha, convert: (raw, out, rows) => rgbToRgba32(raw, new Uint32Array(out.buffer, out.byteOffset, width * rows), width, rows) };
  }
  const pixel: (raw: Uint8Array, out: Uint8Array) => (p: number, s: number) => void =
    colorType === 'rgb'
      ? (raw, out) => (p, s) => {
          const r = raw[s]!, g = raw[s + 1]!, b = raw[s + 2]!;
          out[4 * p] = r;
          out[4 * p + 1] = g;
          out[4 * p + 2] = b;
          out[4 * p + 3] = r === k0 && g === k1 && b === k2 ? 0 : 255;
        }
      : colorType === 'grey'
        ? (raw, out) => (p, s) => {
            const v = raw[s]!;
            out[4 * p] = out[4 * p + 1] = out[4 * p + 2] = v;
            out[4 * p + 3] = v === k0 ? 0 : 255;
          }
        : (raw, out) => (p, s) => {
            const v = raw[s]!, a = raw[s + 1]!;
            out[4 * p] = out[4 * p + 1] = out[4 * p + 2] = v;
            out[4 * p + 3] = a;
          };
  return { hasAlpha, convert: (raw, out, rows) => spread(width, rows, c, pixel(raw, out)) };
}

/**
 * Calls `pixel(p, s)` for every pixel p, last first, with s the offset of its `c` bytes (c ≤ 3) in the scanlines.
 * Safe in place: pixel p's RGBA (4p..4p+3) never reaches a pixel before it, whose bytes end at c·p + row + 1 ≤ 4p.
 */
function spread(width: number, height: number, c: number, pixel: (p: number, s: number) => void): void {
  for (let y = height - 1; y >= 0; y--) {
    const row = y * (c * width + 1) + 1;
    for (let x = width - 1; x >= 0; x--) pixel(y * width + x, row + c * x);
  }
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * spread's RGB case without a tRNS key, a whole pixel per store (at 4K, 25 ms less than four byte stores through
 * the callback). Little-endian hosts only: R is the word's low byte.
 */
function rgbToRgba32(raw: Uint8Array, out32: Uint32Array, width: number, height: number): void {
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1, p = y * width + x, s = y * (3 * width + 1) + 1 + 3 * x; x >= 0; x--, p--, s -= 3) {
      out32[p] = raw[s]! | (raw[s + 1]! << 8) | (raw[s + 2]! << 16) | 0xff000000;
    }
  }
}
