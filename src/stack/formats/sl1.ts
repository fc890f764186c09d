// PrusaSlicer SL1/SL1S archives (and any zip of numbered PNG slices): the numbered PNGs at the root are the
// layers, everything else (config.ini, prusaslicer.ini, thumbnail/*.png, ...) is kept for the sink, which
// writes the same archive back with new layers. Entries are read one at a time at their offsets (yauzl), so a
// several-GB archive costs its entry list plus the layers in flight.
import type { Entry } from 'yauzl';
import { InputError } from '../../errors.js';
import { DEFAULT_MAX_PIXELS, readPngHeader, type PngHeader } from '../../formats/png.js';
import { sharedPool, transferable } from '../workers/pool.js';
import { orderSlices, sliceNumber } from './naturalSort.js';
import { describeHeader, layerBytes, sliceFormat } from './sliceDecode.js';
import { fsInputError, mapLimited, type SourceOptions } from './sliceDir.js';
import { readAhead, windowFor } from './stream.js';
import type { Layer, LayerSource } from './types.js';
import { openZip, readEntry, readEntryHead, readStored, zipEntries, type ZipEntry, type ZipReader } from './zip.js';

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

/** Opens `path` with yauzl; fs failures the user can fix name the path. */
export async function openArchive(path: string): Promise<ZipReader> {
  try {
    return await openZip(path);
  } catch (err) {
    throw fsInputError(path, err);
  }
}

export async function openSl1(path: string, options: SourceOptions = {}): Promise<Sl1Source> {
  const label = (name: string): string => `${path}/${name}`;
  const zip = await openArchive(path);
  let archive: Sl1Archive;
  let first: PngHeader;
  try {
    const entries: ZipEntry[] = [];
    const handles: Entry[] = [];
    const byName = new Map<string, number>();
    for await (const { entry, meta } of zipEntries(zip, path)) {
      if (isLayerEntry(meta.name)) byName.set(meta.name, entries.length);
      entries.push(meta);
      handles.push(entry);
    }
    if (byName.size === 0) throw new InputError(path, 'no layer PNGs (numbered *.png at the root) in the archive');
    const order = orderSlices([...byName.keys()], label);
    archive = { path, entries, layers: order.map((n) => byName.get(n)!), comment: Uint8Array.from(zip.comment as unknown as Uint8Array) };
    const i0 = archive.layers[0]!;
    const name0 = label(entries[i0]!.name);
    first = readPngHeader(await readEntry(zip, handles[i0]!, entries[i0]!, name0), name0);
    // The other layers' headers from their first bytes: a mismatch fails now, not hours in.
    await mapLimited(archive.layers.slice(1), 16, async (i) => {
      const e = entries[i]!;
      const head = await readEntryHead(zip, handles[i]!, e, label(e.name), 33);
      if (head.length < 33) return; // not enough to tell: decoding the layer will
      const h = readPngHeader(head, label(e.name));
      if (h.width !== first.width || h.height !== first.height || h.bitDepth !== first.bitDepth || h.colorType !== first.colorType) {
        throw new InputError(label(e.name), `slice is ${describeHeader(h)} but the first slice (${name0}) is ${describeHeader(first)}`);
      }
    });
  } finally {
    zip.close(); // the fd closes once reads still running on it end
  }
  const layerEntries = archive.layers.map((i) => archive.entries[i]!);
  const names = layerEntries.map((e) => label(e.name));
  const pool = options.pool ?? sharedPool();
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const expect = { header: first, name: names[0]! };
  const window = Math.max(1, options.readAhead ?? windowFor(layerBytes(first), pool.size));
  async function* layers(): AsyncGenerator<Layer> {
    // A fresh walk of the central directory: yauzl's entries belong to the ZipFile that read them.
    const input = await openArchive(path);
    try {
      const handles = await layerHandles(input, archive);
      yield* readAhead(layerEntries.length, window, async (z): Promise<Layer> => {
        const e = layerEntries[z]!;
        const bytes = await readStored(input, handles[z]!, e, names[z]!); // inflated on the worker
        const zip = { flags: e.flags, method: e.method, size: e.size, crc: e.crc };
        const s = await pool.run('decodePng', { bytes, name: names[z]!, maxPixels, expect, zip }, transferable(bytes));
        return { z, ...s };
      });
    } finally {
      input.close();
    }
  }
  return {
    info: { width: first.width, height: first.height, layers: layerEntries.length, ...sliceFormat(first) },
    names,
    archive,
    [Symbol.asyncIterator]: layers,
  };
}

/** The layer entries of a reopened archive in z order, checked against what was read when it opened. */
async function layerHandles(zip: ZipReader, archive: Sl1Archive): Promise<Entry[]> {
  const at = new Map(archive.layers.map((index, z) => [index, z]));
  const out: Entry[] = new Array(archive.layers.length);
  let index = 0;
  for await (const { entry, meta } of zipEntries(zip, archive.path)) {
    const z = at.get(index);
    if (z !== undefined) {
      if (meta.name !== archive.entries[index]?.name) throw new InputError(archive.path, 'the archive changed while it was being read');
      out[z] = entry;
    }
    index++;
  }
  if (index !== archive.entries.length) throw new InputError(archive.path, 'the archive changed while it was being read');
  return out;
}
