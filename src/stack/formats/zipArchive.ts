// Just enough ZIP for SL1/SL1S archives of several GB: the central directory is read once, entries are read on
// demand at their offsets, and the writer streams entries out in order. ZIP64 is read and written (fflate's
// Zip does not write it), so archives and offsets past 4 GiB work. Single-disk archives only.
import type { FileHandle } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { InputError } from '../../errors.js';
import { crc32 as jsCrc32 } from '../../formats/pngChunks.js';

/** CRC-32 of the zip and PNG specs; native where Node has it (20.15+). */
export const crc32: (bytes: Uint8Array) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (b) => (zlib as unknown as { crc32(b: Uint8Array): number }).crc32(b) >>> 0
    : jsCrc32;

export interface ZipEntry {
  /** The name decoded as UTF-8 (CP437 names read as UTF-8 only matter for non-ASCII names). */
  name: string;
  /** The name exactly as stored, written back unchanged. */
  nameBytes: Uint8Array;
  versionMadeBy: number;
  versionNeeded: number;
  flags: number;
  method: number;
  time: number;
  date: number;
  crc: number;
  compressedSize: number;
  size: number;
  internalAttr: number;
  externalAttr: number;
  localOffset: number;
  /** Central-directory extra fields and comment, ZIP64 field removed (the writer adds its own). */
  extra: Uint8Array;
  comment: Uint8Array;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  comment: Uint8Array;
}

const MAX32 = 0xffffffff;
const utf8 = new TextDecoder('utf-8');

async function readAt(fh: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(out, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? out : out.subarray(0, done);
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export async function readZipDirectory(fh: FileHandle, path: string): Promise<ZipDirectory> {
  const fileSize = (await fh.stat()).size;
  const corrupt = (what: string): InputError => new InputError(path, `corrupt zip archive (${what})`);
  const tailSize = Math.min(fileSize, 22 + 0xffff);
  const tail = await readAt(fh, fileSize - tailSize, tailSize);
  const tv = view(tail);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === 0x06054b50 && i + 22 + tv.getUint16(i + 20, true) === tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new InputError(path, 'not a zip archive (no end of central directory record)');
  const comment = tail.slice(at + 22, at + 22 + tv.getUint16(at + 20, true));
  if (tv.getUint16(at + 4, true) !== 0 || tv.getUint16(at + 6, true) !== 0) throw new InputError(path, 'multi-disk zip archives are not supported');
  let count = tv.getUint16(at + 10, true);
  let cdSize = tv.getUint32(at + 12, true);
  let cdOffset = tv.getUint32(at + 16, true);
  const eocdPos = fileSize - tailSize + at;
  if (eocdPos >= 20 && (count === 0xffff || cdSize === MAX32 || cdOffset === MAX32)) {
    const loc = await readAt(fh, eocdPos - 20, 20);
    if (loc.length === 20 && view(loc).getUint32(0, true) === 0x07064b50) {
      const rec = await readAt(fh, Number(view(loc).getBigUint64(8, true)), 56);
      const rv = view(rec);
      if (rec.length < 56 || rv.getUint32(0, true) !== 0x06064b50) throw corrupt('bad ZIP64 end record');
      count = Number(rv.getBigUint64(32, true));
      cdSize = Number(rv.getBigUint64(40, true));
      cdOffset = Number(rv.getBigUint64(48, true));
    }
  }
  if (cdOffset + cdSize > eocdPos) throw corrupt('central directory out of range');
  const cd = await readAt(fh, cdOffset, cdSize);
  const cv = view(cd);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cv.getUint32(p, true) !== 0x02014b50) throw corrupt(`bad central directory entry ${i}`);
    const nameLen = cv.getUint16(p + 28, true), extraLen = cv.getUint16(p + 30, true), commentLen = cv.getUint16(p + 32, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) throw corrupt(`bad central directory entry ${i}`);
    const nameBytes = cd.slice(p + 46, p + 46 + nameLen);
    const rawExtra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
    const e: ZipEntry = {
      name: utf8.decode(nameBytes),
      nameBytes,
      versionMadeBy: cv.getUint16(p + 4, true),
      versionNeeded: cv.getUint16(p + 6, true),
      flags: cv.getUint16(p + 8, true),
      method: cv.getUint16(p + 10, true),
      time: cv.getUint16(p + 12, true),
      date: cv.getUint16(p + 14, true),
      crc: cv.getUint32(p + 16, true),
      compressedSize: cv.getUint32(p + 20, true),
      size: cv.getUint32(p + 24, true),
      internalAttr: cv.getUint16(p + 36, true),
      externalAttr: cv.getUint32(p + 38, true),
      localOffset: cv.getUint32(p + 42, true),
      extra: stripExtra(rawExtra, 0x0001),
      comment: cd.slice(end - commentLen, end),
    };
    applyZip64(e, rawExtra);
    if (e.localOffset + 30 + e.compressedSize > cdOffset) throw new InputError(`${path}/${e.name}`, 'corrupt zip archive (entry out of range)');
    entries.push(e);
    p = end;
  }
  return { entries, comment };
}

/** The ZIP64 extra field holds, in order, whichever of size, compressed size and offset were 0xFFFFFFFF. */
function applyZip64(e: ZipEntry, extra: Uint8Array): void {
  const field = findExtra(extra, 0x0001);
  if (!field) return;
  const fv = view(field);
  let q = 0;
  const next = (): number => {
    const v = q + 8 <= field.length ? Number(fv.getBigUint64(q, true)) : MAX32;
    q += 8;
    return v;
  };
  if (e.size === MAX32) e.size = next();
  if (e.compressedSize === MAX32) e.compressedSize = next();
  if (e.localOffset === MAX32) e.localOffset = next();
}

function* extraFields(extra: Uint8Array): Generator<{ id: number; start: number; end: number }> {
  const ev = view(extra);
  let q = 0;
  while (q + 4 <= extra.length) {
    const id = ev.getUint16(q, true), len = ev.getUint16(q + 2, true);
    if (q + 4 + len > extra.length) return;
    yield { id, start: q, end: q + 4 + len };
    q += 4 + len;
  }
}

function findExtra(extra: Uint8Array, id: number): Uint8Array | undefined {
  for (const f of extraFields(extra)) if (f.id === id) return extra.subarray(f.start + 4, f.end);
  return undefined;
}

/** The extra fields minus those with `id`; a malformed tail is dropped. */
function stripExtra(extra: Uint8Array, id: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of extraFields(extra)) if (f.id !== id) parts.push(extra.subarray(f.start, f.end));
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

/** Where the entry's stored bytes start, and its local extra fields (ZIP64 removed). */
export async function localData(fh: FileHandle, e: ZipEntry, label: string): Promise<{ offset: number; extra: Uint8Array }> {
  const head = await readAt(fh, e.localOffset, 30);
  const hv = view(head);
  if (head.length < 30 || hv.getUint32(0, true) !== 0x04034b50) throw new InputError(label, 'corrupt zip archive (bad local header)');
  const nameLen = hv.getUint16(26, true), extraLen = hv.getUint16(28, true);
  const extra = await readAt(fh, e.localOffset + 30 + nameLen, extraLen);
  return { offset: e.localOffset + 30 + nameLen + extraLen, extra: stripExtra(extra, 0x0001) };
}

/** The entry's stored (possibly deflated) bytes, read at its offset: memory is one entry, not the archive. */
export async function readEntry(fh: FileHandle, e: ZipEntry, label: string): Promise<Uint8Array> {
  if (e.flags & 1) throw new InputError(label, 'encrypted zip entries are not supported');
  const { offset } = await localData(fh, e, label);
  const bytes = await readAt(fh, offset, e.compressedSize);
  if (bytes.length < e.compressedSize) throw new InputError(label, 'corrupt zip archive (entry runs past the end of the file)');
  return bytes;
}

/** An entry's uncompressed bytes, CRC checked; for small entries read on the main thread. */
export async function readEntryContent(fh: FileHandle, e: ZipEntry, label: string): Promise<Uint8Array> {
  const stored = await readEntry(fh, e, label);
  let out: Uint8Array;
  if (e.method === 0) out = stored;
  else if (e.method === 8) {
    try {
      out = zlib.inflateRawSync(stored, { maxOutputLength: Math.max(1, e.size) });
    } catch (err) {
      throw new InputError(label, `corrupt archive entry (${err instanceof Error ? err.message.split('\n')[0] : err})`);
    }
  } else throw new InputError(label, `unsupported zip compression method ${e.method}`);
  if (out.length !== e.size || crc32(out) !== e.crc) throw new InputError(label, 'corrupt archive entry (size or CRC mismatch)');
  return out;
}

/** What the writer needs to know of an entry; the metadata of the input entry it replaces or copies. */
export type EntryMeta = Omit<ZipEntry, 'name' | 'localOffset'> & { localExtra: Uint8Array };

/** Writes entries one after the other at the end of `fh`, then the central directory. */
export class ZipWriter {
  private position = 0;
  private readonly central: Uint8Array[] = [];
  private count = 0;

  /** `zip64At`: sizes and offsets from this value on go to ZIP64 fields (lower only to test that path). */
  constructor(
    private readonly fh: FileHandle,
    private readonly zip64At = MAX32,
  ) {}

  /** One entry whose stored bytes come as chunks (their total must be `meta.compressedSize`). */
  async add(meta: EntryMeta, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    const offset = this.position;
    const wide = (v: number): boolean => v >= this.zip64At;
    const big = wide(meta.size) || wide(meta.compressedSize);
    // A local ZIP64 field holds both sizes, and then both 32-bit fields say 0xFFFFFFFF.
    const localExtra = concat([big ? zip64Extra([meta.size, meta.compressedSize]) : new Uint8Array(0), meta.localExtra]);
    const flags = meta.flags & ~8; // sizes are in the local header: no data descriptor
    const versionNeeded = big || wide(offset) ? Math.max(45, meta.versionNeeded) : meta.versionNeeded;
    const head = new Uint8Array(30 + meta.nameBytes.length + localExtra.length);
    const hv = view(head);
    hv.setUint32(0, 0x04034b50, true);
    hv.setUint16(4, versionNeeded, true);
    hv.setUint16(6, flags, true);
    hv.setUint16(8, meta.method, true);
    hv.setUint16(10, meta.time, true);
    hv.setUint16(12, meta.date, true);
    hv.setUint32(14, meta.crc, true);
    hv.setUint32(18, big ? MAX32 : meta.compressedSize, true);
    hv.setUint32(22, big ? MAX32 : meta.size, true);
    hv.setUint16(26, meta.nameBytes.length, true);
    hv.setUint16(28, localExtra.length, true);
    head.set(meta.nameBytes, 30);
    head.set(localExtra, 30 + meta.nameBytes.length);
    await this.write(head);
    let written = 0;
    for await (const chunk of chunks) {
      await this.write(chunk);
      written += chunk.length;
    }
    if (written !== meta.compressedSize) throw new Error(`zip entry: wrote ${written} of ${meta.compressedSize} bytes`);

    // The central ZIP64 field holds only the values that overflow, in this order.
    const c64 = [meta.size, meta.compressedSize, offset].filter(wide);
    const extra = concat([c64.length ? zip64Extra(c64) : new Uint8Array(0), meta.extra]);
    const cen = new Uint8Array(46 + meta.nameBytes.length + extra.length + meta.comment.length);
    const cv = view(cen);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, meta.versionMadeBy, true);
    cv.setUint16(6, versionNeeded, true);
    cv.setUint16(8, flags, true);
    cv.setUint16(10, meta.method, true);
    cv.setUint16(12, meta.time, true);
    cv.setUint16(14, meta.date, true);
    cv.setUint32(16, meta.crc, true);
    cv.setUint32(20, wide(meta.compressedSize) ? MAX32 : meta.compressedSize, true);
    cv.setUint32(24, wide(meta.size) ? MAX32 : meta.size, true);
    cv.setUint16(28, meta.nameBytes.length, true);
    cv.setUint16(30, extra.length, true);
    cv.setUint16(32, meta.comment.length, true);
    cv.setUint16(36, meta.internalAttr, true);
    cv.setUint32(38, meta.externalAttr, true);
    cv.setUint32(42, wide(offset) ? MAX32 : offset, true);
    cen.set(meta.nameBytes, 46);
    cen.set(extra, 46 + meta.nameBytes.length);
    cen.set(meta.comment, 46 + meta.nameBytes.length + extra.length);
    this.central.push(cen);
    this.count++;
  }

  /** Central directory and end records (ZIP64 ones when counts or offsets need them). */
  async finish(comment: Uint8Array): Promise<void> {
    const cdOffset = this.position;
    for (const c of this.central) await this.write(c);
    const cdSize = this.position - cdOffset;
    const zip64 = this.count >= 0xffff || cdOffset >= this.zip64At || cdSize >= this.zip64At;
    if (zip64) {
      const eocd64Offset = this.position;
      const rec = new Uint8Array(56);
      const rv = view(rec);
      rv.setUint32(0, 0x06064b50, true);
      rv.setBigUint64(4, 44n, true);
      rv.setUint16(12, 45, true);
      rv.setUint16(14, 45, true);
      rv.setBigUint64(24, BigInt(this.count), true);
      rv.setBigUint64(32, BigInt(this.count), true);
      rv.setBigUint64(40, BigInt(cdSize), true);
      rv.setBigUint64(48, BigInt(cdOffset), true);
      const loc = new Uint8Array(20);
      const lv = view(loc);
      lv.setUint32(0, 0x07064b50, true);
      lv.setBigUint64(8, BigInt(eocd64Offset), true);
      lv.setUint32(16, 1, true);
      await this.write(concat([rec, loc]));
    }
    const end = new Uint8Array(22 + comment.length);
    const ev = view(end);
    ev.setUint32(0, 0x06054b50, true);
    ev.setUint16(8, zip64 ? 0xffff : this.count, true);
    ev.setUint16(10, zip64 ? 0xffff : this.count, true);
    ev.setUint32(12, zip64 ? MAX32 : cdSize, true);
    ev.setUint32(16, zip64 ? MAX32 : cdOffset, true);
    ev.setUint16(20, comment.length, true);
    end.set(comment, 22);
    await this.write(end);
  }

  private async write(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.fh.write(bytes, done, bytes.length - done, this.position + done);
      done += bytesWritten;
    }
    this.position += bytes.length;
  }
}

function zip64Extra(values: number[]): Uint8Array {
  const out = new Uint8Array(4 + 8 * values.length);
  const ov = view(out);
  ov.setUint16(0, 0x0001, true);
  ov.setUint16(2, 8 * values.length, true);
  values.forEach((v, i) => ov.setBigUint64(4 + 8 * i, BigInt(v), true));
  return out;
}

/** An entry's stored bytes as chunks, read from `fh` as they are written: copies never hold a whole entry. */
export async function* storedChunks(fh: FileHandle, offset: number, length: number, chunk = 4 << 20): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < length; at += chunk) {
    const part = await readAt(fh, offset + at, Math.min(chunk, length - at));
    if (part.length === 0) throw new Error('zip entry runs past the end of the file');
    yield part;
  }
}
