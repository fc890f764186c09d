// The zip plumbing for SL1/SL1S archives of several GB, over yauzl (reader) and yazl (writer): the central
// directory is walked entry by entry, entries are read on demand at their offsets, and the writer streams one
// entry at a time to a file. Both do ZIP64 where needed.
//
// yauzl's streams are read raw and always to their end, never destroyed: yauzl 3.4 queues an fd's reads one
// at a time, and a stream destroyed with a read queued crashes the process when that read's turn comes
// (fd-slicer reads `context.fd` after the stream released it). So content is inflated and CRC-checked here
// (yauzl checks no CRC anyway), and a stream we stop using is drained rather than destroyed.
import type { FileHandle } from 'node:fs/promises';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import * as yauzl from 'yauzl';
import * as yazl from 'yazl';
import { InputError } from '../../errors.js';
import { firstLine, inflateEntry, nativeCrc, unreadable } from './zipInflate.js';

export { crc32 } from './zipInflate.js';

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

/** Stored bytes [0, end) of the entry as yauzl reads them; the caller reads them to the end. */
async function rawStream(zip: ZipReader, entry: yauzl.Entry, meta: ZipEntry, label: string, end = meta.compressedSize): Promise<Readable> {
  const problem = unreadable(meta);
  if (problem) throw new InputError(label, problem);
  try {
    return await zip.openReadStreamPromise(entry, { decodeFileData: false, start: 0, end } as yauzl.ZipFileOptions);
  } catch (err) {
    throw new InputError(label, `corrupt archive entry (${firstLine(err)})`);
  }
}

async function collect(stream: Readable, label: string): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  try {
    for await (const chunk of stream) parts.push(chunk as Buffer);
  } catch (err) {
    throw new InputError(label, `corrupt archive entry (${firstLine(err)})`);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** The entry's stored (possibly deflated) bytes: memory is one entry, not the archive. */
export async function readStored(zip: ZipReader, entry: yauzl.Entry, meta: ZipEntry, label: string): Promise<Uint8Array> {
  return collect(await rawStream(zip, entry, meta, label), label);
}

/** The entry's content, size and CRC checked; for small entries read on the main thread. */
export async function readEntry(zip: ZipReader, entry: yauzl.Entry, meta: ZipEntry, label: string): Promise<Uint8Array> {
  return inflateEntry(await readStored(zip, entry, meta, label), meta, label);
}

/** Up to `length` first bytes of the content, from the first stored bytes only; fewer if those do not hold them. */
export async function readEntryHead(zip: ZipReader, entry: yauzl.Entry, meta: ZipEntry, label: string, length: number): Promise<Uint8Array> {
  const stored = await collect(await rawStream(zip, entry, meta, label, Math.min(meta.compressedSize, meta.method === 0 ? length : 1024)), label);
  if (meta.method === 0) return stored;
  try {
    return zlib.inflateRawSync(stored, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, length);
  } catch {
    return new Uint8Array(0); // reading the whole entry will report it
  }
}

/** The entry's content as a stream (to copy it), inflated and checked as it passes. */
export async function entryStream(zip: ZipReader, entry: yauzl.Entry, meta: ZipEntry, label: string): Promise<Readable> {
  const raw = await rawStream(zip, entry, meta, label);
  let size = 0;
  let crc = 0;
  const corrupt = (what: string): InputError => new InputError(label, `corrupt archive entry (${what})`);
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > meta.size) return done(corrupt(`more than the ${meta.size} bytes the directory says`));
      if (nativeCrc) crc = nativeCrc(chunk, crc);
      done(null, chunk);
    },
    flush(done) {
      if (size !== meta.size) done(corrupt(`${size} bytes, directory says ${meta.size}`));
      else if (nativeCrc && crc >>> 0 !== meta.crc) done(corrupt('CRC mismatch')); // unchecked before Node 20.15
      else done();
    },
  });
  const drain = (): void => {
    raw.unpipe();
    raw.resume();
  };
  const fail = (err: unknown): void => {
    drain();
    check.destroy(err instanceof InputError ? err : corrupt(firstLine(err)));
  };
  raw.on('error', fail);
  check.on('error', drain);
  if (meta.method === 8) {
    const inflate = zlib.createInflateRaw();
    inflate.on('error', fail);
    raw.pipe(inflate).pipe(check);
  } else raw.pipe(check);
  return check;
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
  /** The source yazl is reading, drained on abort so that its input file can close. */
  private current: Readable | undefined;

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
            this.current = stream;
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
    this.current?.unpipe();
    this.current?.resume();
  }
}

/** Appends to `fh`, which stays open for the caller to sync and close (fh.createWriteStream would hold it). */
function fileSink(fh: FileHandle): Writable {
  const writeAll = async (chunks: Buffer[]): Promise<void> => {
    let buffers = chunks;
    while (buffers.length > 0) {
      let { bytesWritten } = await fh.writev(buffers);
      while (buffers.length > 0 && bytesWritten >= buffers[0]!.length) bytesWritten -= buffers.shift()!.length;
      if (bytesWritten > 0) buffers[0] = buffers[0]!.subarray(bytesWritten);
    }
  };
  return new Writable({
    highWaterMark: 1 << 20,
    writev(chunks, done) {
      writeAll(chunks.map((c) => c.chunk as Buffer)).then(() => done(), done);
    },
  });
}
