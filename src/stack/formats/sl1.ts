// PrusaSlicer SL1/SL1S archives (and any zip of numbered PNG slices): the numbered PNGs at the root are the
// layers, everything else (config.ini, prusaslicer.ini, thumbnail/*.png, ...) is kept for the sink, which
// writes the same archive back with new layers. Entries are read one at a time at their offsets, so a
// several-GB archive costs the central directory plus the layers in flight.
import { open, type FileHandle } from 'node:fs/promises';
import { constants, inflateRawSync } from 'node:zlib';
import { InputError } from '../../errors.js';
import { DEFAULT_MAX_PIXELS, readPngHeader, type PngHeader } from '../../formats/png.js';
import { sharedPool, transferable } from '../workers/pool.js';
import { orderSlices, sliceNumber } from './naturalSort.js';
import { describeHeader, layerBytes, sliceFormat } from './pngDecode.js';
import { fsInputError, mapLimited, type SourceOptions } from './sliceDir.js';
import { readAhead, windowFor } from './stream.js';
import type { Layer, LayerSource } from './types.js';
import { localData, readEntry, readEntryContent, readZipDirectory, type ZipEntry } from './zipArchive.js';

/** The input archive as the zip sink needs it. */
export interface Sl1Archive {
  path: string;
  /** Every entry, in archive order. */
  entries: readonly ZipEntry[];
  /** Indices into `entries` of the layers, in z order. */
  layers: readonly number[];
  comment: Uint8Array;
}

export interface Sl1Source extends LayerSource {
  readonly archive: Sl1Archive;
}

/** A root-level PNG with a number in its name. */
export function isLayerEntry(name: string): boolean {
  return !name.includes('/') && /\.png$/i.test(name) && sliceNumber(name) !== undefined;
}

export async function openSl1(path: string, options: SourceOptions = {}): Promise<Sl1Source> {
  const label = (name: string): string => `${path}/${name}`;
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw fsInputError(path, err);
  }
  let archive: Sl1Archive;
  let first: PngHeader;
  try {
    const dir = await readZipDirectory(fh, path);
    const byName = new Map<string, number>();
    dir.entries.forEach((e, i) => {
      if (isLayerEntry(e.name)) byName.set(e.name, i);
    });
    if (byName.size === 0) throw new InputError(path, 'no layer PNGs (numbered *.png at the root) in the archive');
    const order = orderSlices([...byName.keys()], label);
    archive = { path, entries: dir.entries, layers: order.map((n) => byName.get(n)!), comment: dir.comment };
    const firstEntry = dir.entries[archive.layers[0]!]!;
    first = readPngHeader(await readEntryContent(fh, firstEntry, label(firstEntry.name)), label(firstEntry.name));
    // Headers of the other layers from their first compressed bytes: a mismatch fails now, not hours in.
    await mapLimited(archive.layers.slice(1), 16, async (i) => {
      const e = dir.entries[i]!;
      const h = await peekHeader(fh, e, label(e.name));
      if (h && (h.width !== first.width || h.height !== first.height || h.bitDepth !== first.bitDepth || h.colorType !== first.colorType)) {
        throw new InputError(label(e.name), `slice is ${describeHeader(h)} but the first slice (${label(firstEntry.name)}) is ${describeHeader(first)}`);
      }
    });
  } finally {
    await fh.close();
  }
  const entries = archive.layers.map((i) => archive.entries[i]!);
  const names = entries.map((e) => label(e.name));
  const pool = options.pool ?? sharedPool();
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const expect = { header: first, name: names[0]! };
  const window = Math.max(1, options.readAhead ?? windowFor(layerBytes(first), pool.size));
  async function* layers(): AsyncGenerator<Layer> {
    let input: FileHandle;
    try {
      input = await open(path, 'r');
    } catch (err) {
      throw fsInputError(path, err);
    }
    try {
      yield* readAhead(entries.length, window, async (z): Promise<Layer> => {
        const e = entries[z]!;
        const bytes = await readEntry(input, e, names[z]!);
        const zip = { method: e.method, size: e.size, crc: e.crc };
        const s = await pool.run('decodePng', { bytes, name: names[z]!, maxPixels, expect, zip }, transferable(bytes));
        return { z, ...s };
      });
    } finally {
      await input.close(); // waits for reads still running on it
    }
  }
  return {
    info: { width: first.width, height: first.height, layers: entries.length, ...sliceFormat(first) },
    names,
    archive,
    [Symbol.asyncIterator]: layers,
  };
}

/** The PNG header of an entry from its first compressed bytes; undefined when they are not enough. */
async function peekHeader(fh: FileHandle, e: ZipEntry, name: string): Promise<PngHeader | undefined> {
  if (e.flags & 1) throw new InputError(name, 'encrypted zip entries are not supported');
  const { offset } = await localData(fh, e, name);
  const want = Math.min(e.compressedSize, e.method === 0 ? 33 : 1024);
  const stored = new Uint8Array(want);
  const { bytesRead } = await fh.read(stored, 0, want, offset);
  let head: Uint8Array;
  if (e.method === 0) head = stored.subarray(0, bytesRead);
  else if (e.method === 8) {
    try {
      head = inflateRawSync(stored.subarray(0, bytesRead), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      return undefined; // decoding will report it with the whole entry
    }
  } else throw new InputError(name, `unsupported zip compression method ${e.method}`);
  return head.length >= 33 ? readPngHeader(head, name) : undefined;
}
