// PNG slices into a directory. The slices go into a hidden temp directory beside the target, which is renamed
// into place on close: an interrupted run leaves no directory that looks complete.
import { mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import { sharedPool, type WorkerPool } from '../workers/pool.js';
import { fsInputError } from './sliceDir.js';
import { detachedCopy, makeSink, tempBeside, windowFor } from './stream.js';
import type { LayerSink, PngEncoding } from './types.js';

export interface PngSliceSinkOptions {
  /** bits layers → 1-bit grey; codes → `levels` grey or `palette` indexed (see PngEncoding). */
  encoding?: PngEncoding;
  /** File names are `${prefix}${z padded to digits}.png`; defaults 'slice' and 5 (slice00000.png). */
  prefix?: string;
  digits?: number;
  /** When set, close() fails unless exactly this many layers were written. */
  layers?: number;
  /** Replace a non-empty target directory on close (default: refuse when the sink is created). */
  replace?: boolean;
  pool?: WorkerPool;
  /** Layers encoding behind the caller; default 2 per worker, fewer for large layers (windowFor). */
  inFlight?: number;
}

export function sliceFileName(z: number, prefix = 'slice', digits = 5): string {
  return `${prefix}${String(z).padStart(digits, '0')}.png`;
}

export async function createPngSliceSink(dir: string, options: PngSliceSinkOptions = {}): Promise<LayerSink> {
  const pool = options.pool ?? sharedPool();
  const encoding = options.encoding ?? {};
  await checkTarget(dir, options.replace ?? false);
  const tmp = tempBeside(dir);
  try {
    await mkdir(tmp);
  } catch (err) {
    throw fsInputError(dir, err);
  }
  return makeSink<Uint8Array>({
    depth: (first) => options.inFlight ?? windowFor(first.data.byteLength, pool.size),
    encode(layer) {
      const copy = detachedCopy(layer);
      return pool.run('encodePng', { layer: copy, encoding }, [copy.data.buffer as ArrayBuffer]).then((r) => r.png);
    },
    async commit(png, z) {
      const fh = await open(join(tmp, sliceFileName(z, options.prefix, options.digits)), 'wx');
      try {
        await fh.writeFile(png);
        await fh.sync();
      } finally {
        await fh.close();
      }
    },
    async finish(written) {
      if (options.layers !== undefined && written !== options.layers) {
        throw new Error(`${dir}: ${written} of ${options.layers} layers were written`);
      }
      await syncDir(tmp);
      const existing = await stat(dir).catch(() => undefined);
      if (existing && options.replace) {
        const old = tempBeside(dir);
        await rename(dir, old);
        await rename(tmp, dir);
        await rm(old, { recursive: true, force: true });
      } else {
        if (existing) await rmdir(dir); // empty (checked at creation); renaming over it is not portable
        await rename(tmp, dir);
      }
    },
    async cleanup() {
      await rm(tmp, { recursive: true, force: true });
    },
  });
}

async function checkTarget(dir: string, replace: boolean): Promise<void> {
  const s = await stat(dir).catch(() => undefined);
  if (!s) return;
  if (!s.isDirectory()) throw new InputError(dir, 'exists and is not a directory');
  if (!replace && (await readdir(dir)).length > 0) throw new InputError(dir, 'output directory exists and is not empty');
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => undefined);
  await fh?.sync().catch(() => undefined);
  await fh?.close();
}
