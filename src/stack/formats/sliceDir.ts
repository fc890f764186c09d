// A directory of PNG slices as a layer source: names in natural order, numbered without gaps, every slice the
// size and format of the first. All headers are checked when the source opens (33 bytes per file), so a bad
// slice fails before hours of work rather than at its turn; decoding runs on the worker pool.
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import { DEFAULT_MAX_PIXELS, readPngHeader, type PngHeader } from '../../formats/png.js';
import { sharedPool, transferable, type WorkerPool } from '../workers/pool.js';
import { orderSlices } from './naturalSort.js';
import { describeHeader, layerBytes, sliceFormat } from './sliceDecode.js';
import { readAhead, windowFor } from './stream.js';
import type { Layer, LayerSource, StackInfo } from './types.js';

export interface SourceOptions {
  /** Default: the shared pool (cores, at most 4 workers). */
  pool?: WorkerPool;
  /** Layers decoding ahead of the consumer; default 2 per worker, fewer for large layers (windowFor). */
  readAhead?: number;
  /** Refuse slices with more pixels (`--max-pixels`); default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
}

const FS_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
};

/** fs failures the user can fix become InputErrors naming the path; others pass through. */
export function fsInputError(path: string, err: unknown): unknown {
  const problem = FS_PROBLEMS[(err as { code?: string }).code ?? ''];
  if (!problem) return err;
  const wrapped = new InputError(path, problem);
  wrapped.cause = err;
  return wrapped;
}

export async function openSliceDir(dir: string, options: SourceOptions = {}): Promise<LayerSource> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.') && /\.png$/i.test(e.name))
      .map((e) => e.name);
  } catch (err) {
    throw fsInputError(dir, err);
  }
  if (names.length === 0) throw new InputError(dir, 'no PNG slices in the directory');
  const paths = orderSlices(names, (n) => join(dir, n)).map((n) => join(dir, n));
  const headers = await mapLimited(paths, 32, readHeader);
  const first = headers[0]!;
  headers.forEach((h, i) => {
    if (h.width !== first.width || h.height !== first.height || h.bitDepth !== first.bitDepth || h.colorType !== first.colorType) {
      throw new InputError(paths[i]!, `slice is ${describeHeader(h)} but the first slice (${paths[0]}) is ${describeHeader(first)}`);
    }
  });
  const info: StackInfo = { width: first.width, height: first.height, layers: paths.length, ...sliceFormat(first) };
  const pool = options.pool ?? sharedPool();
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const expect = { header: first, name: paths[0]! };
  const window = Math.max(1, options.readAhead ?? windowFor(layerBytes(first), pool.size));
  return {
    info,
    names: paths,
    [Symbol.asyncIterator]: () =>
      readAhead(paths.length, window, async (z): Promise<Layer> => {
        const path = paths[z]!;
        let bytes: Uint8Array;
        try {
          bytes = await readFile(path);
        } catch (err) {
          throw fsInputError(path, err);
        }
        const s = await pool.run('decodePng', { bytes, name: path, maxPixels, expect }, transferable(bytes));
        return { z, ...s };
      }),
  };
}

async function readHeader(path: string): Promise<PngHeader> {
  let bytes: Uint8Array;
  try {
    const fh = await open(path, 'r');
    try {
      const buf = new Uint8Array(33);
      const { bytesRead } = await fh.read(buf, 0, 33, 0);
      bytes = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw fsInputError(path, err);
  }
  return readPngHeader(bytes, path);
}

/** `fn` over `items` with at most `limit` running, results in order; the first failure rejects. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const run = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}
