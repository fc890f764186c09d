// Raw volumes. Input: W*H*D grey samples, 8-bit or 16-bit little-endian, x fastest then y then z, no header.
// Output (documented layout): layer after layer, no header, either
//   'bytes'  — one byte per voxel, row-major (codes as given; bits layers as 0/1), W*H bytes per layer;
//   'packed' — bits layers exactly as the engine packs them: u32 words little-endian, bit i of word w = voxel
//              32w+i of the layer, each layer padded to whole words: 4*ceil(W*H/32) bytes per layer.
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { InputError } from '../../errors.js';
import { sharedPool, type WorkerPool } from '../workers/pool.js';
import { fsInputError } from './sliceDir.js';
import { detachedCopy, makeSink, readAhead, tempBeside, windowFor } from './stream.js';
import type { Layer, LayerSink, LayerSource } from './types.js';

/** `--size WxHxD` → [W, H, D]; anything else is an InputError naming the option. */
export function parseVolumeSize(text: string, option = '--size'): [number, number, number] {
  const m = /^\s*(\d+)\s*[xX×]\s*(\d+)\s*[xX×]\s*(\d+)\s*$/.exec(text);
  const dims = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [];
  if (dims.length !== 3 || dims.some((d) => !Number.isSafeInteger(d) || d < 1)) {
    throw new InputError(option, `expected WxHxD with three positive integers, got '${text}'`);
  }
  return dims as [number, number, number];
}

export interface RawVolumeOptions {
  /** [W, H, D] or the `--size` text. */
  size: [number, number, number] | string;
  depth: 8 | 16;
  /** Layers read ahead of the consumer; default 2. */
  readAhead?: number;
}

export async function openRawVolume(path: string, options: RawVolumeOptions): Promise<LayerSource> {
  const [width, height, layers] = typeof options.size === 'string' ? parseVolumeSize(options.size) : options.size;
  const depth = options.depth;
  if (depth !== 8 && depth !== 16) throw new InputError('raw sample depth', `must be 8 or 16, got ${String(depth)}`);
  const bytesPer = depth / 8;
  const layerBytes = width * height * bytesPer;
  let actual: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new InputError(path, 'not a file');
    actual = s.size;
  } catch (err) {
    throw fsInputError(path, err);
  }
  const expected = layerBytes * layers;
  if (actual !== expected) {
    throw new InputError(path, `file is ${actual} bytes but --size ${width}x${height}x${layers} at ${depth}-bit needs ${expected} bytes`);
  }
  const names = Array.from({ length: layers }, (_, z) => `${path}@${z * layerBytes}`);
  const le = endianness() === 'LE';
  async function* read(): AsyncGenerator<Layer> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      throw fsInputError(path, err);
    }
    try {
      yield* readAhead(layers, Math.max(1, options.readAhead ?? 2), async (z): Promise<Layer> => {
        const buf = new Uint8Array(layerBytes);
        let done = 0;
        while (done < layerBytes) {
          const { bytesRead } = await fh.read(buf, done, layerBytes - done, z * layerBytes + done);
          if (bytesRead === 0) throw new InputError(path, `file ended inside layer ${z} (was it truncated while reading?)`);
          done += bytesRead;
        }
        let data: Uint8Array | Uint16Array = buf;
        if (depth === 16) {
          data = new Uint16Array(buf.buffer);
          if (!le) for (let i = 0; i < data.length; i++) data[i] = buf[2 * i]! | (buf[2 * i + 1]! << 8);
        }
        return { z, width, height, depth, channels: 1, data };
      });
    } finally {
      await fh.close();
    }
  }
  return { info: { width, height, layers, depth, channels: 1 }, names, [Symbol.asyncIterator]: read };
}

export interface RawSinkOptions {
  /** Default 'bytes'. 'packed' takes bits layers only. */
  layout?: 'bytes' | 'packed';
  pool?: WorkerPool;
  /** Layers queued behind the caller; default 4, fewer for large layers (windowFor). */
  inFlight?: number;
}

/** Writes to a hidden temp file beside `path`, renamed over it on close. */
export async function createRawSink(path: string, options: RawSinkOptions = {}): Promise<LayerSink> {
  const layout = options.layout ?? 'bytes';
  const pool = options.pool ?? sharedPool();
  const tmp = tempBeside(path);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx');
  } catch (err) {
    throw fsInputError(path, err);
  }
  const file = fh;
  let position = 0;
  let closed = false;
  return makeSink<Uint8Array>({
    depth: (first) => options.inFlight ?? windowFor(first.data.byteLength, 2),
    encode(layer) {
      if (layout === 'packed') {
        if (layer.kind !== 'bits') throw new RangeError("raw layout 'packed' needs bits layers");
        return Promise.resolve(littleEndianBytes(layer.data));
      }
      if (layer.kind === 'codes') return Promise.resolve(layer.data.slice());
      const copy = detachedCopy(layer);
      return pool.run('unpackBits', { layer: copy }, [copy.data.buffer as ArrayBuffer]);
    },
    async commit(bytes) {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
        done += bytesWritten;
      }
      position += bytes.length;
    },
    async finish() {
      await file.sync();
      await file.close();
      closed = true;
      await rename(tmp, path).catch((err: unknown) => {
        throw fsInputError(path, err);
      });
    },
    async cleanup() {
      if (!closed) await file.close().catch(() => undefined);
      closed = true;
      await unlink(tmp).catch(() => undefined);
    },
  });
}

/** A copy of the words as little-endian bytes, whatever the host's byte order. */
function littleEndianBytes(words: Uint32Array): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  if (endianness() === 'LE') out.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
  else {
    const v = new DataView(out.buffer);
    words.forEach((w, i) => v.setUint32(4 * i, w, true));
  }
  return out;
}
