import { randomBytes } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.js';

// Causes the user can fix, said in words; anything else (disk full, I/O error) is rethrown as it came.
const PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ERR_FS_FILE_TOO_LARGE: 'file too large to read',
};

function asInputError(path: string, err: unknown, problems: Record<string, string>): unknown {
  const problem = problems[(err as { code?: string }).code ?? ''];
  if (!problem) return err;
  const wrapped = new InputError(path, problem);
  wrapped.cause = err;
  return wrapped;
}

/**
 * Writes via a hidden temp file in the same directory, fsynced and renamed over `path`, so readers (and a
 * crash) see the old file or the whole new one, never a partial one. The temp file is removed on failure.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    const file = await open(tmp, 'wx');
    created = true;
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    if (created) await unlink(tmp).catch(() => undefined);
    throw asInputError(path, err, { ...PROBLEMS, ENOENT: 'no such directory', ENOTDIR: 'no such directory' });
  }
  // Make the rename itself durable; best effort, since some platforms cannot fsync a directory.
  const dirHandle = await open(dir, 'r').catch(() => undefined);
  await dirHandle?.sync().catch(() => undefined);
  await dirHandle?.close();
}

/**
 * The whole file (from `fd` when it is open already); missing, directory and permission problems become InputErrors
 * naming `path`.
 */
export function readInputFile(path: string, fd?: number): Uint8Array {
  try {
    const buf = readFileSync(fd ?? path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    throw asInputError(path, err, PROBLEMS);
  }
}

/** A descriptor for reading `path`; the same problems as readInputFile become the same InputErrors. */
export function openInputFile(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (err) {
    throw asInputError(path, err, PROBLEMS);
  }
}
