// What the workers do, as plain functions (also callable in-thread). Arguments and results cross threads by
// structured clone; results list the buffers to move instead of copy.
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { InputError } from '../../errors.js';
import type { PngHeader } from '../../formats/png.js';
import { decodeSlice, type DecodedSlice } from '../formats/pngDecode.js';
import { encodeOutputLayer, unpackBits } from '../formats/pngEncode.js';
import type { OutputLayer, PngEncoding } from '../formats/types.js';
import { crc32 } from '../formats/zipArchive.js';

export interface DecodeArgs {
  /** The PNG, or a zip entry's stored/deflated bytes when `zip` is given. */
  bytes: Uint8Array;
  name: string;
  maxPixels: number;
  expect?: { header: PngHeader; name: string };
  zip?: { method: number; size: number; crc: number };
}

export interface EncodeArgs {
  layer: OutputLayer;
  encoding: PngEncoding;
  /** Also deflate the PNG as a zip entry with this method (0 stored, 8 deflate) and give its CRC. */
  zipMethod?: number;
}

export interface EncodeResult {
  png: Uint8Array;
  /** The bytes to store in a zip (the PNG itself when stored). */
  stored?: Uint8Array;
  crc?: number;
}

export interface CountArgs {
  layer: OutputLayer;
}

const tasks = {
  decodePng(a: DecodeArgs): DecodedSlice {
    const png = a.zip ? unzipEntry(a.bytes, a.zip, a.name) : a.bytes;
    return decodeSlice(png, a.name, a.maxPixels, a.expect);
  },
  encodePng(a: EncodeArgs): EncodeResult {
    const png = encodeOutputLayer(a.layer, a.encoding);
    if (a.zipMethod === undefined) return { png };
    const stored = a.zipMethod === 8 ? deflateRawSync(png, { level: constants.Z_DEFAULT_COMPRESSION }) : png;
    return { png, stored, crc: crc32(png) };
  },
  /** Voxels per value 0..255 (bits layers: 0 and 1), padding bits excluded. */
  countValues(a: CountArgs): Float64Array {
    const counts = new Float64Array(256);
    const { layer } = a;
    const n = layer.width * layer.height;
    if (layer.kind === 'codes') {
      const h = new Uint32Array(256); // a layer has < 2^32 voxels
      const d = layer.data;
      for (let i = 0; i < n; i++) h[d[i]!]!++;
      counts.set(h);
      return counts;
    }
    let ones = 0;
    const full = n >>> 5;
    for (let w = 0; w < full; w++) ones += popcount(layer.data[w]!);
    if (n & 31) ones += popcount(layer.data[full]! & (2 ** (n & 31) - 1));
    counts[0] = n - ones;
    counts[1] = ones;
    return counts;
  },
  unpackBits(a: CountArgs): Uint8Array {
    if (a.layer.kind !== 'bits') throw new RangeError('unpackBits needs a bits layer');
    return unpackBits(a.layer.data, a.layer.width * a.layer.height);
  },
};

function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

function unzipEntry(bytes: Uint8Array, zip: { method: number; size: number; crc: number }, name: string): Uint8Array {
  let out: Uint8Array;
  if (zip.method === 0) out = bytes;
  else if (zip.method === 8) {
    try {
      out = inflateRawSync(bytes, { maxOutputLength: Math.max(1, zip.size) });
    } catch (err) {
      throw new InputError(name, `corrupt archive entry (${err instanceof Error ? err.message.split('\n')[0] : err})`);
    }
  } else throw new InputError(name, `unsupported zip compression method ${zip.method}`);
  if (out.length !== zip.size) throw new InputError(name, `corrupt archive entry (${out.length} bytes, directory says ${zip.size})`);
  if (crc32(out) !== zip.crc) throw new InputError(name, 'corrupt archive entry (CRC mismatch)');
  return out;
}

export type Tasks = typeof tasks;
export type TaskName = keyof Tasks;
export type TaskArgs<K extends TaskName> = Parameters<Tasks[K]>[0];
export type TaskResult<K extends TaskName> = ReturnType<Tasks[K]>;

export function runTask<K extends TaskName>(task: K, args: TaskArgs<K>): TaskResult<K> {
  return (tasks[task] as (a: TaskArgs<K>) => TaskResult<K>)(args);
}
