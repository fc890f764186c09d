// Writes an SL1-style archive back: the input's entries in the input's order, layers replaced by new PNGs under
// the same names, every other entry copied byte for byte (its stored bytes, CRC and metadata, read from the
// input as it is written). Layer k in z order takes the k-th layer position in archive order, so the order is
// exactly the input's when its layers were stored in z order (as slicers do).
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { sharedPool, type WorkerPool } from '../workers/pool.js';
import type { EncodeResult } from '../workers/tasks.js';
import type { Sl1Archive } from './sl1.js';
import { fsInputError } from './sliceDir.js';
import { detachedCopy, makeSink, tempBeside, windowFor } from './stream.js';
import type { LayerSink, PngEncoding } from './types.js';
import { localData, storedChunks, ZipWriter } from './zipArchive.js';

export interface Sl1SinkOptions {
  /** Default { minGreyDepth: 8 }: printers read 8-bit grey slices, as slicers write them. */
  encoding?: PngEncoding;
  pool?: WorkerPool;
  /** Layers encoding behind the caller; default 2 per worker, fewer for large layers (windowFor). */
  inFlight?: number;
}

export async function createSl1Sink(target: string, archive: Sl1Archive, options: Sl1SinkOptions = {}): Promise<LayerSink> {
  const pool = options.pool ?? sharedPool();
  const encoding = options.encoding ?? { minGreyDepth: 8 };
  const isLayer = new Set(archive.layers);
  const slots = archive.entries.map((_, i) => i).filter((i) => isLayer.has(i)); // layer positions, archive order
  let input: FileHandle;
  try {
    input = await open(archive.path, 'r');
  } catch (err) {
    throw fsInputError(archive.path, err);
  }
  const tmp = tempBeside(target);
  let out: FileHandle;
  try {
    out = await open(tmp, 'wx');
  } catch (err) {
    await input.close();
    throw fsInputError(target, err);
  }
  const writer = new ZipWriter(out);
  let nextEntry = 0; // entries before this index are written
  let closed = false;

  /** Copies the non-layer entries up to (not including) archive index `end`. */
  const copyUntil = async (end: number): Promise<void> => {
    for (; nextEntry < end; nextEntry++) {
      const e = archive.entries[nextEntry]!;
      const label = `${archive.path}/${e.name}`;
      const { offset, extra } = await localData(input, e, label);
      await writer.add({ ...e, localExtra: extra }, storedChunks(input, offset, e.compressedSize));
    }
  };

  return makeSink<EncodeResult>({
    depth: (first) => options.inFlight ?? windowFor(first.data.byteLength, pool.size),
    encode(layer) {
      const e = archive.entries[archive.layers[layer.z] ?? -1];
      if (!e) throw new RangeError(`layer z=${layer.z} is past the archive's ${archive.layers.length} layers`);
      const copy = detachedCopy(layer);
      const zipMethod = e.method === 0 ? 0 : 8;
      return pool.run('encodePng', { layer: copy, encoding, zipMethod }, [copy.data.buffer as ArrayBuffer]);
    },
    async commit(r, z) {
      const slot = slots[z]!;
      await copyUntil(slot);
      const e = archive.entries[archive.layers[z]!]!;
      const { extra } = await localData(input, e, `${archive.path}/${e.name}`);
      const stored = r.stored!;
      const meta = { ...e, localExtra: extra, method: e.method === 0 ? 0 : 8, crc: r.crc!, size: r.png.length, compressedSize: stored.length };
      await writer.add(meta, [stored]);
      nextEntry = slot + 1;
    },
    async finish(written) {
      if (written !== archive.layers.length) throw new Error(`${target}: ${written} of ${archive.layers.length} layers were written`);
      await copyUntil(archive.entries.length);
      await writer.finish(archive.comment);
      await out.sync();
      await out.close();
      await input.close();
      closed = true;
      await rename(tmp, target).catch((err: unknown) => {
        throw fsInputError(target, err);
      });
    },
    async cleanup() {
      if (!closed) {
        await out.close().catch(() => undefined);
        await input.close().catch(() => undefined);
        closed = true;
      }
      await unlink(tmp).catch(() => undefined);
    },
  });
}
