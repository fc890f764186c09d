// Chunk-level PNG plumbing: the chunk walk behind decodePng's checks, and the chunks our encoders write (also
// used by tests to craft files).
import * as zlib from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

type NativeCrc = (data: Uint8Array, value?: number) => number;
// Node 20.15+: a 15 MB file's chunks are checked in milliseconds instead of ~50 ms.
const nativeCrc = (zlib as { crc32?: NativeCrc }).crc32;

/** CRC-32 of the PNG (and zip) specs; `prev`, the CRC of the bytes before these, continues it. */
export function crc32(bytes: Uint8Array, prev = 0): number {
  if (nativeCrc) return nativeCrc(bytes, prev) >>> 0;
  let c = (prev ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export const PNG_SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

/** A complete chunk: length, type, data, CRC over type+data. */
export function makeChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export interface ChunkRef {
  readonly type: string;
  /** Offset of the chunk's length field in the file. */
  readonly offset: number;
  readonly data: Uint8Array;
  readonly crcOk: boolean;
}

/**
 * The chunks after the signature, up to and including IEND. `truncated` is set when a chunk runs past the
 * end of the bytes or the file ends before IEND; the chunks read so far are still returned.
 */
export function readChunks(bytes: Uint8Array): { chunks: ChunkRef[]; truncated: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: ChunkRef[] = [];
  let pos = PNG_SIGNATURE.length;
  while (pos + 12 <= bytes.length) {
    const length = view.getUint32(pos);
    if (length > 0x7fffffff || pos + 12 + length > bytes.length) break;
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const crcOk = crc32(bytes.subarray(pos + 4, pos + 8 + length)) === view.getUint32(pos + 8 + length);
    chunks.push({ type, offset: pos, data: bytes.subarray(pos + 8, pos + 8 + length), crcOk });
    pos += 12 + length;
    if (type === 'IEND') return { chunks, truncated: false };
  }
  return { chunks, truncated: true };
}
