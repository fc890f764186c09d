// Slice decoding. Slicer layers are grey PNGs, and decodePng (fast-png, then RGBA) costs ~5x a native
// inflate plus an unfilter pass and 4x the memory; so grey non-interlaced slices take a direct path here with
// the same checks as decodePng, and everything else goes through decodePng.
import { Buffer, kMaxLength } from 'node:buffer';
import { inflateSync } from 'node:zlib';
import { InputError } from '../../errors.js';
import { decodePng, readPngHeader, type PngHeader } from '../../formats/png.js';
import { readChunks } from '../../formats/pngChunks.js';

export interface DecodedSlice {
  width: number;
  height: number;
  depth: 8 | 16;
  channels: 1 | 4;
  /** Grey (channels 1) or RGBA (channels 4) samples, row-major. Sub-byte grey is scaled to 0..255. */
  data: Uint8Array | Uint16Array;
}

/** The layer format a PNG header gives: grey stays one channel (its tRNS key is ignored), the rest is RGBA. */
export function sliceFormat(h: PngHeader): { depth: 8 | 16; channels: 1 | 4 } {
  return { depth: h.bitDepth === 16 ? 16 : 8, channels: h.colorType === 'grey' ? 1 : 4 };
}

/** Bytes of one decoded layer of this format. */
export function layerBytes(h: PngHeader): number {
  const { depth, channels } = sliceFormat(h);
  return h.width * h.height * channels * (depth / 8);
}

/** "2048x1024 8-bit grey": how error messages describe a slice's format. */
export function describeHeader(h: PngHeader): string {
  return `${h.width}x${h.height} ${h.bitDepth}-bit ${h.colorType}`;
}

/**
 * Decodes one slice. With `expect`, a slice whose size, bit depth or colour type differs is an InputError
 * naming `name` and saying what the first slice was.
 */
export function decodeSlice(
  bytes: Uint8Array,
  name: string,
  maxPixels: number,
  expect?: { header: PngHeader; name: string },
): DecodedSlice {
  const h = readPngHeader(bytes, name);
  if (expect) {
    const e = expect.header;
    if (h.width !== e.width || h.height !== e.height || h.bitDepth !== e.bitDepth || h.colorType !== e.colorType) {
      throw new InputError(name, `slice is ${describeHeader(h)} but the first slice (${expect.name}) is ${describeHeader(e)}`);
    }
  }
  if (h.width * h.height > maxPixels) {
    throw new InputError(name, `${h.width}x${h.height} is ${h.width * h.height} pixels, over the limit of ${maxPixels} (raise it with --max-pixels)`);
  }
  const { depth, channels } = sliceFormat(h);
  if (h.colorType !== 'grey' || h.interlaced) {
    const r = decodePng(bytes, name, { maxPixels });
    return { width: h.width, height: h.height, depth, channels, data: channels === 4 ? r.data : firstChannel(r.data) };
  }
  return { width: h.width, height: h.height, depth, channels, data: decodeGrey(bytes, h, name) };
}

function firstChannel(rgba: Uint8Array | Uint16Array): Uint8Array | Uint16Array {
  const n = rgba.length >> 2;
  const out = rgba instanceof Uint16Array ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rgba[4 * i]!;
  return out;
}

/** Non-interlaced grey: inflate natively (capped at the size IHDR implies), unfilter, unpack. */
function decodeGrey(bytes: Uint8Array, h: PngHeader, name: string): Uint8Array | Uint16Array {
  const { width, height, bitDepth } = h;
  const { chunks, truncated } = readChunks(bytes);
  const bad = chunks.find((c) => !c.crcOk);
  if (bad) throw new InputError(name, `corrupt PNG (bad CRC in ${bad.type} chunk)`);
  if (truncated) throw new InputError(name, 'truncated PNG (file ends before IEND)');
  const idat = chunks.filter((c) => c.type === 'IDAT').map((c) => c.data);
  if (idat.length === 0) throw new InputError(name, 'corrupt PNG (no image data)');
  const stride = Math.ceil((width * bitDepth) / 8);
  const expected = height * (stride + 1);
  let raw: Uint8Array;
  try {
    raw = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat), { maxOutputLength: Math.min(expected, kMaxLength) });
  } catch (err) {
    const tooLong = (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new InputError(name, tooLong ? 'corrupt PNG (more image data than its size allows)' : `corrupt PNG (image data: ${detail})`);
  }
  if (raw.length < expected) throw new InputError(name, `truncated PNG (image data is ${expected - raw.length} bytes short)`);
  unfilter(raw, height, stride, Math.max(1, bitDepth >> 3), name);
  const n = width * height;
  if (bitDepth === 8) {
    const out = new Uint8Array(n);
    for (let y = 0; y < height; y++) out.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * width);
    return out;
  }
  if (bitDepth === 16) {
    const out = new Uint16Array(n);
    for (let y = 0; y < height; y++) {
      let p = y * (stride + 1) + 1;
      for (let x = 0; x < width; x++, p += 2) out[y * width + x] = (raw[p]! << 8) | raw[p + 1]!;
    }
    return out;
  }
  // 1, 2, 4 bits, MSB first, scaled to 0..255 exactly as decodePng does (255, 85, 17).
  const out = new Uint8Array(n);
  const mask = (1 << bitDepth) - 1;
  const scale = 255 / mask;
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1) + 1;
    for (let x = 0; x < width; x++) {
      const bit = x * bitDepth;
      out[y * width + x] = ((raw[row + (bit >> 3)]! >> (8 - bitDepth - (bit & 7))) & mask) * scale;
    }
  }
  return out;
}

/** Reverses the PNG row filters in place; `bpp` is bytes per complete pixel (at least 1). */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number, name: string): void {
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1);
    const type = raw[row]!;
    const cur = row + 1;
    const up = cur - (stride + 1); // previous row, already unfiltered; unused on row 0
    switch (type) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < stride; i++) raw[cur + i] = (raw[cur + i]! + raw[cur + i - bpp]!) & 255;
        break;
      case 2:
        if (y > 0) for (let i = 0; i < stride; i++) raw[cur + i] = (raw[cur + i]! + raw[up + i]!) & 255;
        break;
      case 3:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? raw[cur + i - bpp]! : 0;
          const b = y > 0 ? raw[up + i]! : 0;
          raw[cur + i] = (raw[cur + i]! + ((a + b) >> 1)) & 255;
        }
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? raw[cur + i - bpp]! : 0;
          const b = y > 0 ? raw[up + i]! : 0;
          const c = i >= bpp && y > 0 ? raw[up + i - bpp]! : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          raw[cur + i] = (raw[cur + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
        }
        break;
      default:
        throw new InputError(name, `corrupt PNG (unknown filter type ${type} on row ${y})`);
    }
  }
}
