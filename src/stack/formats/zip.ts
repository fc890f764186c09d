// The zip plumbing for SL1/SL1S archives of several GB, over yauzl (reader) and yazl (writer): the central
// directory is walked entry by entry, entries are read on demand at their offsets, and the writer streams one
// entry at a time to a file. Both do ZIP64 where needed. Contents are CRC-checked here (yauzl does not).
import type { FileHandle } from 'node:fs/promises';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import * as yauzl from 'yauzl';
import * as yazl from 'yazl';
import { InputError } from '../../errors.js';
import { crc32 as jsCrc32 } from '../../formats/pngChunks.js';

type NativeCrc = (data: Uint8Array, value?: number) => number;
const nativeCrc = (zlib as { crc32?: NativeCrc }).crc32; // Node 20.15+

/** CRC-32 of the zip and PNG specs. */
export function crc32(bytes: Uint8Array): number {
  return nativeCrc ? nativeCrc(bytes) >>> 0 : jsCrc32(bytes);
}

/** What an archive entry is, from its central directory record. */
export interface ZipEntry {
  /** The name as text (UTF-8 flag, CP437 or the Info-ZIP Unicode path field; backslashes read as '/'). */
  name: string;
  /** The name exactly as stored. */
  nameBytes: Uint8Array;
  flags: number;
  method: number;
  /** DOS time and date fields. */
  time: number;
  date: number;
  crc: number;
  compressedSize: number;
  size: number;
  externalAttr: number;
  localOffset: number;
  comment: Uint8Array;
}

export type ZipReader = yauzl.ZipFile;
const ignore = (): void => undefined;

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

/** Opens an archive for random access; the caller closes it (its reads finish first). */
export async function openZip(path: string): Promise<ZipReader> {
  let zip: ZipReader;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, decodeStrings: false });
  } catch (err) {
    if (typeof (err as { code?: unknown }).code === 'string') throw err; // fs errors: the caller names them
    const noEnd = /end of central directory record signature not found/i.test(firstLine(err));
    throw new InputError(path, noEnd ? 'not a zip archive (no end of central directory record)' : `corrupt zip archive (${firstLine(err)})`);
  }
  zip.on('error', ignore); // failures reach the caller through the call that met them
  return zip;
}

/** The entries in archive order, read lazily: one central directory record at a time. */
export async function* zipEntries(zip: ZipReader, path: string): AsyncGenerator<{ entry: yauzl.Entry; meta: ZipEntry }> {
  const it = zip.eachEntry();
  for (;;) {
    let next: IteratorResult<yauzl.Entry>;
    try {
      next = await it.next();
    } catch (err) {
      throw new InputError(path, `corrupt zip archive (${firstLine(err)})`);
    }
    if (next.done) return;
    yield { entry: next.value, meta: entryMeta(next.value) };
  }
}

function entryMeta(e: yauzl.Entry): ZipEntry {
  return {
    name: yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, e.fileNameRaw, e.extraFields, false),
    nameBytes: Uint8Array.from(e.fileNameRaw),
    flags: e.generalPurposeBitFlag,
    method: e.compressionMethod,
    time: e.lastModFileTime,
    date: e.lastModFileDate,
    crc: e.crc32,
    compressedSize: e.compressedSize,
    size: e.uncompressedSize,
    externalAttr: e.externalFileAttributes,
    localOffset: e.relativeOffsetOfLocalHeader,
    comment: Uint8Array.from(e.fileCommentRaw),
  };
}

/** Why an entry's content cannot be read (encrypted, or neither stored nor deflated), if it cannot. */
export function unreadable(e: ZipEntry): string | undefined {
  if (e.flags & 1) return 'encrypted zip entries are not supported';
  if (e.method !== 0 && e.method !== 8) return `unsupported zip compression method ${e.method}`;
  return undefined;
}

/** The entry's uncompressed content as a stream; sizes are checked by yauzl, the CRC at its end here. */
export async function entryStream(zip: ZipReader, entry: yauzl.Entry, meta: ZipEntry, label: string): Promise<Readable> {
  const problem = unreadable(meta);
  if (problem) throw new InputError(label, problem);
  const corrupt = (err: unknown): InputError =>
    err instanceof InputError ? err : new InputError(label, `corrupt archive entry (${firstLine(err)})`);
  let raw: Readable;
  try {
    raw = await zip.openReadStreamPromise(entry);
  } catch (err) {
    throw corrupt(err);
  }
  if (!nativeCrc) return raw; // no incremental CRC before Node 20.15: sizes are still checked
  let crc = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      crc = nativeCrc(chunk, crc);
      done(null, chunk);
    },
    flush(done) {
      done(crc >>> 0 === meta.crc ? null : new InputError(label, 'corrupt archive entry (CRC mismatch)'));
    },
  });
  raw.on('error', (err) => check.destroy(corrupt(err)));
  check.on('close', () => raw.destroy());
  return raw.pipe(check);
}

/** The entry's whole content (for one layer or a small file); memory is that entry, not the archive. */
export async function readEntry(zip: ZipReader, entry: yauzl.Entry, meta: ZipEntry, label: string): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  try {
    for await (const chunk of await entryStream(zip, entry, meta, label)) parts.push(chunk as Buffer);
  } catch (err) {
    throw err instanceof InputError ? err : new InputError(label, `corrupt archive entry (${firstLine(err)})`);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** The first `length` bytes of the content (fewer if it is shorter); the rest is not read. */
export async function readEntryHead(zip: ZipReader, entry: yauzl.Entry, meta: ZipEntry, label: string, length: number): Promise<Uint8Array> {
  const problem = unreadable(meta);
  if (problem) throw new InputError(label, problem);
  const parts: Buffer[] = [];
  let have = 0;
  try {
    const stream = await zip.openReadStreamPromise(entry);
    for await (const chunk of stream) {
      parts.push(chunk as Buffer);
      have += (chunk as Buffer).length;
      if (have >= length) break; // ends the stream
    }
  } catch (err) {
    throw new InputError(label, `corrupt archive entry (${firstLine(err)})`);
  }
  return Buffer.concat(parts).subarray(0, length);
}

/** How an entry is written: its metadata kept from the input where yazl can write it. */
export interface EntryOptions {
  /** Deflate (method 8) or store (method 0). */
  compress: boolean;
  /** DOS time and date, written back exactly. */
  time: number;
  date: number;
  /** The upper 16 bits of the external attributes (unix mode); yazl writes the lower ones as 0. */
  externalAttr: number;
  comment: Uint8Array;
}

/** The mtime yazl turns back into exactly these DOS fields (local time, as both libraries use). */
function dosDate(date: number, time: number): Date {
  return new Date((date >> 9) + 1980, ((date >> 5) & 15) - 1, date & 31, time >> 11, (time >> 5) & 63, (time & 31) * 2);
}

/** Streams a zip to `fh` with yazl, one entry at a time; `forceZip64` writes ZIP64 records throughout (tests). */
export class ZipWriter {
  private readonly zip = new yazl.ZipFile();
  private readonly written: Promise<void>;
  private failure: { error: unknown } | undefined;
  private readonly waiting = new Set<(err: unknown) => void>();

  constructor(fh: FileHandle, private readonly forceZip64 = false) {
    const fail = (error: unknown): void => {
      this.failure ??= { error };
      for (const reject of this.waiting) reject(this.failure.error);
      this.waiting.clear();
    };
    this.zip.on('error', fail);
    this.written = pipeline(this.zip.outputStream, fileSink(fh));
    this.written.catch(fail);
  }

  /**
   * Adds a file whose content comes from `source` (opened only when yazl reaches the entry, so one input is
   * open at a time). Resolves once yazl has read all of it: callers awaiting each add keep one entry in memory.
   */
  add(name: string, options: EntryOptions, source: Uint8Array | (() => Promise<Readable>)): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    const common = {
      mtime: dosDate(options.date, options.time),
      forceDosTimestamp: true,
      mode: options.externalAttr >>> 16,
      forceZip64Format: this.forceZip64,
      fileComment: Buffer.from(options.comment) as unknown as string, // yazl takes UTF-8 bytes as they are
    };
    if (name.endsWith('/')) {
      this.zip.addEmptyDirectory(name, common); // yazl writes the comment of directories too
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.add(reject);
      const done = (err?: unknown): void => {
        this.waiting.delete(reject);
        if (err) reject(err);
        else resolve();
      };
      const opts = { ...common, compress: options.compress };
      this.zip.addReadStreamLazy(name, opts, (cb) => {
        const opened = source instanceof Uint8Array ? Promise.resolve(Readable.from([Buffer.from(source.buffer, source.byteOffset, source.byteLength)])) : source();
        opened.then(
          (stream) => {
            stream.once('end', () => done());
            stream.once('error', (err) => {
              done(err);
              this.zip.emit('error', err);
            });
            cb(null, stream);
          },
          (err: unknown) => {
            done(err);
            cb(err, undefined as never);
          },
        );
      });
    });
  }

  /** Central directory and end records; resolves once everything is handed to the file. */
  async finish(comment: Uint8Array): Promise<void> {
    this.check();
    // A Buffer is written as it is (yazl would encode a string as CP437).
    this.zip.end({ forceZip64Format: this.forceZip64, comment: Buffer.from(comment) as unknown as string });
    await this.written;
    this.check();
  }

  private check(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Stops writing after a failure; the file is left for the caller to remove. */
  abort(): void {
    this.zip.outputStream.unpipe();
    (this.zip.outputStream as Readable).destroy();
  }
}

/** Appends to `fh`, which stays open for the caller to sync and close (fh.createWriteStream would hold it). */
function fileSink(fh: FileHandle): Writable {
  return new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, done) {
      const all = async (): Promise<void> => {
        for (let at = 0; at < chunk.length; ) at += (await fh.write(chunk, at, chunk.length - at)).bytesWritten;
      };
      all().then(() => done(), done);
    },
  });
}
