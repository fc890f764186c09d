// An entry's stored bytes → its content, size and CRC checked (yauzl checks neither for us when reading raw).
// Kept apart from zip.ts so that workers, which inflate layers, load neither yauzl nor yazl.
import * as zlib from 'node:zlib';
import { InputError } from '../../errors.js';
import { crc32 as jsCrc32 } from '../../formats/pngChunks.js';

type NativeCrc = (data: Uint8Array, value?: number) => number;
/** Node 20.15+; takes a running value, so streamed content can be checked as it passes. */
export const nativeCrc = (zlib as { crc32?: NativeCrc }).crc32;

/** CRC-32 of the zip and PNG specs. */
export function crc32(bytes: Uint8Array): number {
  return nativeCrc ? nativeCrc(bytes) >>> 0 : jsCrc32(bytes);
}

/** What reading an entry's content needs from its directory record. */
export interface StoredEntry {
  flags: number;
  method: number;
  size: number;
  crc: number;
}

/** Why an entry's content cannot be read (encrypted, or neither stored nor deflated), if it cannot. */
export function unreadable(e: Pick<StoredEntry, 'flags' | 'method'>): string | undefined {
  if (e.flags & 1) return 'encrypted zip entries are not supported';
  if (e.method !== 0 && e.method !== 8) return `unsupported zip compression method ${e.method}`;
  return undefined;
}

export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

/** The content of an entry from its stored bytes: inflated natively (capped at its size), then checked. */
export function inflateEntry(stored: Uint8Array, e: StoredEntry, label: string): Uint8Array {
  const problem = unreadable(e);
  if (problem) throw new InputError(label, problem);
  let out = stored;
  if (e.method === 8) {
    try {
      out = zlib.inflateRawSync(stored, { maxOutputLength: Math.max(1, e.size) });
    } catch (err) {
      throw new InputError(label, `corrupt archive entry (${firstLine(err)})`);
    }
  }
  if (out.length !== e.size) throw new InputError(label, `corrupt archive entry (${out.length} bytes, directory says ${e.size})`);
  if (crc32(out) !== e.crc) throw new InputError(label, 'corrupt archive entry (CRC mismatch)');
  return out;
}
