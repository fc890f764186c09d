// What the workers do, as plain functions (also callable in-thread). Arguments and results cross threads by
// structured clone; results list the buffers to move instead of copy.
import type { PngHeader } from '../../formats/png.js';
import { encodeOutputLayer, unpackBits } from '../formats/layerEncode.js';
import { decodeSlice, type DecodedSlice } from '../formats/sliceDecode.js';
import type { OutputLayer, PngEncoding } from '../formats/types.js';
import { inflateEntry, type StoredEntry } from '../formats/zipInflate.js';

export interface DecodeArgs {
  /** The PNG, or a zip entry's stored (possibly deflated) bytes when `zip` is given. */
  bytes: Uint8Array;
  name: string;
  maxPixels: number;
  expect?: { header: PngHeader; name: string };
  zip?: StoredEntry;
}

export interface EncodeArgs {
  layer: OutputLayer;
  encoding: PngEncoding;
}

export interface EncodeResult {
  png: Uint8Array;
}

export interface CountArgs {
  layer: OutputLayer;
}

const tasks = {
  decodePng(a: DecodeArgs): DecodedSlice {
    const png = a.zip ? inflateEntry(a.bytes, a.zip, a.name) : a.bytes;
    return decodeSlice(png, a.name, a.maxPixels, a.expect);
  },
  encodePng(a: EncodeArgs): EncodeResult {
    return { png: encodeOutputLayer(a.layer, a.encoding) };
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

export type Tasks = typeof tasks;
export type TaskName = keyof Tasks;
export type TaskArgs<K extends TaskName> = Parameters<Tasks[K]>[0];
export type TaskResult<K extends TaskName> = ReturnType<Tasks[K]>;

export function runTask<K extends TaskName>(task: K, args: TaskArgs<K>): TaskResult<K> {
  return (tasks[task] as (a: TaskArgs<K>) => TaskResult<K>)(args);
}
