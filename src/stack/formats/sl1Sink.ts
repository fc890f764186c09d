// Writes an SL1-style archive back with yazl: the input's entries in the input's order, layers replaced by new
// PNGs under the same names, every other entry's content copied unchanged (read from the input as it is
// written, CRC-checked) with its name, method, DOS time, mode and comment. Layer k in z order takes the k-th
// layer position in archive order, so the order is exactly the input's when its layers were stored in z
// order (as slicers do).
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import type { Entry } from 'yauzl';
import { validateFileName } from 'yauzl';
import { InputError } from '../../errors.js';
import { sharedPool, type WorkerPool } from '../workers/pool.js';
import { openArchive, type Sl1Archive } from './sl1.js';
import { fsInputError } from './sliceDir.js';
import { detachedCopy, makeSink, tempBeside, windowFor } from './stream.js';
import type { LayerSink, PngEncoding } from './types.js';
import { entryStream, zipEntries, ZipWriter, type EntryOptions, type ZipEntry } from './zip.js';
import { unreadable } from './zipInflate.js';

export interface Sl1SinkOptions {
  /** Default { minGreyDepth: 8 }: printers read 8-bit grey slices, as slicers write them. */
  encoding?: PngEncoding;
  pool?: WorkerPool;
  /** Layers encoding behind the caller; default 2 per worker, fewer for large layers (windowFor). */
  inFlight?: number;
  /** Write ZIP64 records even where they are not needed (tests). */
  forceZip64?: boolean;
}

export async function createSl1Sink(target: string, archive: Sl1Archive, options: Sl1SinkOptions = {}): Promise<LayerSink> {
  const pool = options.pool ?? sharedPool();
  const encoding = options.encoding ?? { minGreyDepth: 8 };
  const isLayer = new Set(archive.layers);
  const slots = archive.entries.map((_, i) => i).filter((i) => isLayer.has(i)); // layer positions, archive order
  archive.entries.forEach((e, i) => {
    if (isLayer.has(i)) return;
    const problem = unreadable(e) ?? validateFileName(e.name);
    if (problem) throw new InputError(`${archive.path}/${e.name}`, `cannot be copied to the output archive: ${problem}`);
  });
  const input = await openArchive(archive.path);
  const entries = zipEntries(input, archive.path);
  const tmp = tempBeside(target);
  let out: FileHandle;
  try {
    out = await open(tmp, 'wx');
  } catch (err) {
    input.close();
    throw fsInputError(target, err);
  }
  const writer = new ZipWriter(out, options.forceZip64);
  let nextEntry = 0; // entries before this index are written
  let closed = false;

  /** The input's next entry, which must be the one the archive listed at that index. */
  const take = async (): Promise<{ entry: Entry; meta: ZipEntry }> => {
    const next = await entries.next();
    const want = archive.entries[nextEntry]!;
    if (next.done || next.value.meta.name !== want.name) throw new InputError(archive.path, 'the archive changed while it was being read');
    return next.value;
  };

  /** Copies the non-layer entries up to (not including) archive index `end`. */
  const copyUntil = async (end: number): Promise<void> => {
    for (; nextEntry < end; nextEntry++) {
      const { entry, meta } = await take();
      await writer.add(meta.name, entryOptions(meta, meta.method !== 0), () => entryStream(input, entry, meta, `${archive.path}/${meta.name}`));
    }
  };

  return makeSink<Uint8Array>({
    depth: (first) => options.inFlight ?? windowFor(first.data.byteLength, pool.size),
    encode(layer) {
      if (archive.layers[layer.z] === undefined) throw new RangeError(`layer z=${layer.z} is past the archive's ${archive.layers.length} layers`);
      const copy = detachedCopy(layer);
      return pool.run('encodePng', { layer: copy, encoding }, [copy.data.buffer as ArrayBuffer]).then((r) => r.png);
    },
    async commit(png, z) {
      const slot = slots[z]!;
      await copyUntil(slot);
      await take(); // the layer's own entry: its place, not its content
      const e = archive.entries[archive.layers[z]!]!;
      await writer.add(e.name, entryOptions(e, e.method !== 0), png);
      nextEntry = slot + 1;
    },
    async finish(written) {
      if (written !== archive.layers.length) throw new Error(`${target}: ${written} of ${archive.layers.length} layers were written`);
      await copyUntil(archive.entries.length);
      await writer.finish(archive.comment);
      await out.sync();
      await out.close();
      input.close();
      closed = true;
      await rename(tmp, target).catch((err: unknown) => {
        throw fsInputError(target, err);
      });
    },
    async cleanup() {
      if (!closed) {
        writer.abort();
        await out.close().catch(() => undefined);
        input.close();
        closed = true;
      }
      await unlink(tmp).catch(() => undefined);
    },
  });
}

function entryOptions(e: ZipEntry, compress: boolean): EntryOptions {
  return { compress, time: e.time, date: e.date, externalAttr: e.externalAttr, comment: e.comment };
}
