// Slice decoding with the project's PNG codec: decodePng (fast-png behind full checks of the file), except for
// the slicers' own format, 8- and 16-bit grey without interlacing. decodePng would expand those to RGBA (4x
// the layer) only for us to take one channel back; each worker holds such garbage until its next GC, which
// took memory.test.ts past its bound. So they go to fast-png directly, after the checks decodePng makes first.
import { Buffer, kMaxLength } from 'node:buffer';
import { inflateSync } from 'node:zlib';
import { decode } from 'fast-png';
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
  const slice = { width: h.width, height: h.height, depth, channels };
  if (h.colorType === 'grey' && h.bitDepth >= 8 && !h.interlaced) return { ...slice, data: greySamples(bytes, h, name) };
  const r = decodePng(bytes, name, { maxPixels });
  return { ...slice, data: channels === 4 ? r.data : firstChannel(r.data) };
}

/** Grey from decodePng's RGBA (R = G = B there). */
function firstChannel(rgba: Uint8Array | Uint16Array): Uint8Array | Uint16Array {
  const n = rgba.length >> 2;
  const out = rgba instanceof Uint16Array ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rgba[4 * i]!;
  return out;
}

/**
 * fast-png's own one-channel samples of an 8- or 16-bit grey PNG. First decodePng's checks, with its messages:
 * fast-png zero-fills image data that stops inside the last row, skips the zlib checksum and inflates a
 * decompression bomb in full; walking the chunks and inflating natively, capped at the size IHDR implies,
 * refuses all three.
 */
function greySamples(bytes: Uint8Array, h: PngHeader, name: string): Uint8Array | Uint16Array {
  const { chunks, truncated } = readChunks(bytes);
  const bad = chunks.find((c) => !c.crcOk);
  if (bad) throw new InputError(name, `corrupt PNG (bad CRC in ${bad.type} chunk)`);
  if (truncated) throw new InputError(name, 'truncated PNG (file ends before IEND)');
  const idat = chunks.filter((c) => c.type === 'IDAT').map((c) => c.data);
  if (idat.length === 0) throw new InputError(name, 'corrupt PNG (no image data)');
  const expected = h.height * (1 + h.width * (h.bitDepth / 8));
  let raw: Uint8Array;
  try {
    raw = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat), { maxOutputLength: Math.min(expected, kMaxLength) });
  } catch (err) {
    const tooLong = (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new InputError(name, tooLong ? 'corrupt PNG (more image data than its size allows)' : `corrupt PNG (image data: ${firstLine(err)})`);
  }
  if (raw.length < expected) throw new InputError(name, `truncated PNG (image data is ${expected - raw.length} bytes short)`);
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (err) {
    throw new InputError(name, `corrupt PNG (${firstLine(err)})`);
  }
  const data = png.data instanceof Uint8ClampedArray ? new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) : png.data;
  if (png.width !== h.width || png.height !== h.height || png.channels !== 1 || data.length !== h.width * h.height) {
    throw new InputError(name, 'corrupt PNG (decoded size does not match the header)');
  }
  return data;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
