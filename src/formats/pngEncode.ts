// PNG writing: scanlines (filter 0) deflated by node's zlib, in the few chunks a dithered image needs. pngjs
// writes no indexed or sub-byte PNGs and fast-png deflates in JavaScript (0.3-0.4 s for a 4K result, against
// 0.05-0.09 s here); what is left to us is only chunk assembly.
import { deflateSync } from 'node:zlib';
import { makeChunk, PNG_SIGNATURE } from './pngChunks.js';

/**
 * Level 4: on dithered 4K images, about the size fast-png's default wrote, in a fifth of level 6's time (level 6
 * is 20-25% smaller and 2-3x slower; level 1 twice the size). Filter 0 on every row: dithered rows are noise to
 * the other filters, and the spec recommends 0 for indexed and sub-byte images.
 */
export const ZLIB_LEVEL = 4;

const COLOR_TYPE = { grey: 0, rgb: 2, indexed: 3, 'grey-alpha': 4, rgba: 6 } as const;
export type EncodeColorType = keyof typeof COLOR_TYPE;
const CHANNELS: Record<EncodeColorType, number> = { grey: 1, rgb: 3, indexed: 1, 'grey-alpha': 2, rgba: 4 };

export interface EncodeImage {
  readonly width: number;
  readonly height: number;
  readonly colorType: EncodeColorType;
  readonly depth: 1 | 2 | 4 | 8 | 16;
  /** One sample per element, row-major, `channels` per pixel; each below 2^depth (and `limit`, if given). */
  readonly samples: ArrayLike<number> & { readonly length: number };
  /** Indexed: RGB triplets. */
  readonly palette?: Uint8Array;
  /** Indexed: alpha per palette entry; written as tRNS (cut after its last non-opaque entry) when any is < 255. */
  readonly alpha?: Uint8Array;
  /** Samples must be below this (default 2^depth). Throws RangeError otherwise: a caller bug, not input. */
  readonly limit?: number;
}

function checkSize(width: number, height: number, length: number, channels: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`bad image size ${width}x${height}`);
  }
  if (length !== width * height * channels) {
    throw new RangeError(`expected ${width * height * channels} samples for ${width}x${height}, got ${length}`);
  }
}

export function encodePng(img: EncodeImage): Uint8Array {
  const { width, height, colorType, depth } = img;
  const channels = CHANNELS[colorType];
  checkSize(width, height, img.samples.length, channels);
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([depth, COLOR_TYPE[colorType], 0, 0, 0], 8);
  const chunks = [makeChunk('IHDR', ihdr)];
  if (img.palette) chunks.push(makeChunk('PLTE', img.palette));
  if (img.alpha) {
    let end = img.alpha.length;
    while (end > 0 && img.alpha[end - 1] === 255) end--;
    if (end > 0) chunks.push(makeChunk('tRNS', img.alpha.subarray(0, end)));
  }
  const raw = scanlines(img, channels);
  chunks.push(makeChunk('IDAT', deflateSync(raw, { level: ZLIB_LEVEL })), makeChunk('IEND', new Uint8Array(0)));
  const out = new Uint8Array(PNG_SIGNATURE.length + chunks.reduce((n, c) => n + c.length, 0));
  out.set(PNG_SIGNATURE);
  let at = PNG_SIGNATURE.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Filter byte 0, then the row's samples: packed MSB first below 8 bits, big-endian at 16. */
function scanlines(img: EncodeImage, channels: number): Uint8Array {
  const { width, height, depth, samples } = img;
  const perRow = width * channels;
  const stride = Math.ceil((perRow * depth) / 8);
  const raw = new Uint8Array((stride + 1) * height);
  const limit = img.limit ?? 2 ** depth;
  // Bytes that fit by their type need no check, and copy a row at a time.
  if (depth === 8 && samples instanceof Uint8Array && limit >= 256) {
    for (let y = 0; y < height; y++) raw.set(samples.subarray(y * perRow, (y + 1) * perRow), y * (stride + 1) + 1);
    return raw;
  }
  const fail = (v: number, i: number): never => {
    throw new RangeError(`value ${v} at sample ${i % perRow} of row ${Math.floor(i / perRow)} out of range (must be < ${limit})`);
  };
  // Sub-byte samples from bytes (indexed and grey results): a whole output byte at a time.
  if (depth < 8 && samples instanceof Uint8Array) {
    const per = 8 / depth;
    // Whole bytes by an expression per depth (a loop over the byte's samples costs twice as much at 4K), then
    // the row's last, partial byte by the loop.
    const whole = Math.floor(perRow / per);
    const check = (i: number, n: number): void => {
      for (let k = i; k < i + n; k++) if (samples[k]! >= limit) fail(samples[k]!, k);
    };
    for (let y = 0; y < height; y++) {
      let i = y * perRow;
      let j = y * (stride + 1) + 1;
      if (depth === 4) {
        for (let b = 0; b < whole; b++, i += 2, j++) {
          const s0 = samples[i]!, s1 = samples[i + 1]!;
          if (s0 >= limit || s1 >= limit) check(i, 2);
          raw[j] = (s0 << 4) | s1;
        }
      } else if (depth === 1) {
        for (let b = 0; b < whole; b++, i += 8, j++) {
          const s0 = samples[i]!, s1 = samples[i + 1]!, s2 = samples[i + 2]!, s3 = samples[i + 3]!;
          const s4 = samples[i + 4]!, s5 = samples[i + 5]!, s6 = samples[i + 6]!, s7 = samples[i + 7]!;
          if ((s0 | s1 | s2 | s3 | s4 | s5 | s6 | s7) >= limit) check(i, 8);
          raw[j] = (s0 << 7) | (s1 << 6) | (s2 << 5) | (s3 << 4) | (s4 << 3) | (s5 << 2) | (s6 << 1) | s7;
        }
      } else {
        for (let b = 0; b < whole; b++, i += 4, j++) {
          const s0 = samples[i]!, s1 = samples[i + 1]!, s2 = samples[i + 2]!, s3 = samples[i + 3]!;
          if (s0 >= limit || s1 >= limit || s2 >= limit || s3 >= limit) check(i, 4);
          raw[j] = (s0 << 6) | (s1 << 4) | (s2 << 2) | s3;
        }
      }
      for (let x = whole * per; x < perRow; x += per, j++) {
        let byte = 0;
        for (let k = 0, n = Math.min(per, perRow - x); k < n; k++, i++) {
          const v = samples[i]!;
          if (v >= limit) fail(v, i);
          byte |= v << (8 - depth * (k + 1));
        }
        raw[j] = byte;
      }
    }
    return raw;
  }
  for (let y = 0, i = 0; y < height; y++) {
    const row = y * (stride + 1) + 1;
    for (let x = 0; x < perRow; x++, i++) {
      const v = samples[i]!;
      if (!(v >= 0 && v < limit)) fail(v, i);
      if (depth === 16) {
        raw[row + 2 * x] = v >> 8;
        raw[row + 2 * x + 1] = v & 255;
      } else if (depth === 8) {
        raw[row + x] = v;
      } else {
        const bit = x * depth;
        const j = row + (bit >> 3);
        raw[j] = raw[j]! | (v << (8 - depth - (bit & 7)));
      }
    }
  }
  return raw;
}
