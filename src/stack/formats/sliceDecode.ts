// Slice decoding with the project's PNG codec: decodePng, except for the slicers' own format, 8- and 16-bit grey
// without interlacing. decodePng would expand those to RGBA (4x the layer) only for us to take one channel back;
// each worker holds such garbage until its next GC, which took memory.test.ts past its bound. So they take the
// file's own samples (decodeSamples), after the same checks decodePng makes.
import { InputError } from '../../errors.js';
import { decodePng, decodeSamples, readPngHeader, type PngHeader } from '../../formats/png.js';

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

/** The one-channel samples of an 8- or 16-bit grey PNG, with decodePng's checks and messages. */
function greySamples(bytes: Uint8Array, h: PngHeader, name: string): Uint8Array | Uint16Array {
  const png = decodeSamples(bytes, h, name);
  if (png.width !== h.width || png.height !== h.height || png.channels !== 1 || png.data.length !== h.width * h.height) {
    throw new InputError(name, 'corrupt PNG (decoded size does not match the header)');
  }
  return png.data;
}
