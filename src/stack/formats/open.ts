// One entry point for the CLI: what the input path is decides the source.
import { open, stat } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import { openRawVolume } from './raw.js';
import { openSl1 } from './sl1.js';
import { fsInputError, openSliceDir, type SourceOptions } from './sliceDir.js';
import type { LayerSource } from './types.js';

export interface OpenStackOptions extends SourceOptions {
  /** `--size WxHxD`: the input is a raw volume of this size. */
  size?: string | [number, number, number];
  /** Raw sample depth; default 8. */
  rawDepth?: 8 | 16;
}

/** A directory → PNG slices; a zip (SL1, SL1S, ...) → its numbered root PNGs; with `size` → a raw volume. */
export async function openStack(path: string, options: OpenStackOptions = {}): Promise<LayerSource> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    throw fsInputError(path, err);
  }
  if (isDir) return openSliceDir(path, options);
  if (options.size !== undefined) return openRawVolume(path, { size: options.size, depth: options.rawDepth ?? 8, ...(options.readAhead ? { readAhead: options.readAhead } : {}) });
  const fh = await open(path, 'r').catch((err: unknown) => Promise.reject(fsInputError(path, err)));
  const magic = new Uint8Array(4);
  try {
    await fh.read(magic, 0, 4, 0);
  } finally {
    await fh.close();
  }
  if (magic[0] === 0x50 && magic[1] === 0x4b) return openSl1(path, options); // "PK"
  throw new InputError(path, 'not a directory of PNG slices or a zip of slices (SL1/SL1S); for a raw volume give --size WxHxD');
}
