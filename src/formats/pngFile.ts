// A PNG file read as it decodes, so that neither the file nor its image is ever whole in memory. The chunks
// before the image data are read and checked when the file is opened; the image data is read in pieces, into a
// few reused buffers, as zlib takes it (pngBands.ts), and each chunk's CRC is checked as its end is read. On the
// machine the CLI targets, where every fresh page costs ~6 µs to map, that spares a 4K photo's 15 MB file ~75 ms.
// Checks and messages are decodePng's, found in file order: a bad CRC, the file ending before IEND, to the last
// chunk. One difference: a PLTE or tRNS after the image data (against the spec) is refused, not used.
import { closeSync, fstatSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';
import { openInputFile, readInputFile } from './atomicWrite.js';
import { decodableHeader, decodePng } from './png.js';
import { checkBandOptions, inflatedBands, pngBands, readOnce, rgba8Info, type BandOptions, type ZlibSource } from './pngBands.js';
import { crc32, PNG_SIGNATURE } from './pngChunks.js';
import { rgba8Rows } from './pngRgba8.js';
import type { BandedRaster } from './raster.js';

export interface FileBandOptions extends BandOptions {
  /** Bytes read from the file at a time (default 1 MiB; tests make it small to split chunks across reads). */
  readonly readBytes?: number;
}

/** Read at once: enough for the signature, IHDR and the small chunks before the image data of most files. */
const PREFIX = 64 << 10;

/**
 * `path`'s header and the chunks before its image data checked now (InputErrors naming `name`). 8-bit non-interlaced
 * images stream from the file; other kinds are read and decoded whole, as pngBands does.
 */
export function openPng(path: string, name = path, opts: FileBandOptions = {}): BandedRaster {
  checkBandOptions(opts, ['readBytes']);
  const walk = new ChunkWalk(openInputFile(path), path, name, opts.readBytes ?? 1 << 20);
  let kept = false;
  try {
    // A pipe (/dev/stdin) cannot be read by position, and a directory not at all: read whole, as decodePng would.
    if (!walk.regular) return pngBands(walk.readAll(), name, opts);
    const header = decodableHeader(walk.read(0, Math.min(walk.size, PREFIX)), name, opts);
    if (header.bitDepth !== 8 || header.interlaced) return pngBands(walk.readAll(), name, opts);
    const { plte, trns, idatAt } = walk.beforeImageData(header.colorType === 'indexed');
    const rows = rgba8Rows(header, plte, trns, name);
    // The descriptor stays open until the raster is read, so a file replaced meanwhile is not read in its place.
    const raster = readOnce(
      rgba8Info(header, rows.hasAlpha),
      name,
      () => {
        try {
          return decodePng(walk.readAll(), name, opts);
        } finally {
          walk.close();
        }
      },
      () => inflatedBands(header, () => walk.imageData(idatAt), rows.convert, name, opts),
    );
    kept = true;
    return raster;
  } finally {
    if (!kept) walk.close();
  }
}

/** A file's chunks, walked with synchronous reads from an open descriptor. */
class ChunkWalk {
  readonly size: number;
  /** A regular file, which can be read by position. */
  readonly regular: boolean;
  private pos = PNG_SIGNATURE.length; // the next unread byte
  private open = false; // between a chunk's header and its CRC
  private left = 0; // data bytes of the current chunk not yet read
  private type = '';
  private crc = 0; // of the current chunk's type and the data read so far
  private readonly scratch: Uint8Array;
  private closed = false;

  constructor(
    private readonly fd: number,
    private readonly path: string,
    private readonly name: string,
    private readonly readBytes: number,
  ) {
    const stat = fstatSync(this.fd);
    this.size = stat.size;
    this.regular = stat.isFile();
    this.scratch = new Uint8Array(Math.max(8, Math.min(readBytes, 1 << 16)));
  }

  close(): void {
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
  }

  /** The whole file, from the descriptor already open (a pipe is read once); problems as readInputFile says them. */
  readAll(): Uint8Array {
    return readInputFile(this.path, this.fd);
  }

  /** `length` bytes from `at`, fewer where the file ends. */
  read(at: number, length: number, into: Uint8Array = new Uint8Array(length)): Uint8Array {
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, into, got, length - got, at + got);
      if (n === 0) break;
      got += n;
    }
    return into.subarray(0, got);
  }

  /** The chunks up to the first IDAT, checked; PLTE and tRNS kept. Leaves the walk at the first IDAT's header. */
  beforeImageData(indexed: boolean): { plte?: Uint8Array; trns?: Uint8Array; idatAt: number } {
    let plte: Uint8Array | undefined;
    let trns: Uint8Array | undefined;
    for (;;) {
      const at = this.pos;
      this.begin();
      if (this.type === 'IDAT') {
        if (indexed && !plte?.length) throw new InputError(this.name, 'corrupt PNG (indexed image without a palette)');
        return { ...(plte ? { plte } : {}), ...(trns ? { trns } : {}), idatAt: at };
      }
      const data = this.type === 'PLTE' || this.type === 'tRNS' ? this.take(this.left) : (this.skip(), undefined);
      this.end();
      if (this.type === 'PLTE') plte ??= data;
      if (this.type === 'tRNS') trns ??= data;
      if (this.type === 'IEND') throw new InputError(this.name, 'corrupt PNG (no image data)');
    }
  }

  /**
   * The zlib data of every IDAT chunk from `at` to IEND, in pieces of reused memory; other chunks checked and
   * skipped. PLTE and tRNS, which the spec puts before the image data and the bands were made with, are refused.
   */
  imageData(at: number): ZlibSource {
    this.pos = at; // back to the first IDAT's header, whatever was read since
    this.open = false;
    this.left = 0;
    const inFlight = 3;
    const slots = Array.from({ length: inFlight }, () => new Uint8Array(Math.min(this.readBytes, this.size)));
    let slot = 0;
    let done = false;
    const next = (into?: Uint8Array): Uint8Array | null => {
      for (;;) {
        if (this.open && this.left === 0) {
          this.end();
          done ||= this.type === 'IEND';
        }
        if (done) return null;
        if (!this.open) {
          this.begin();
          if (this.type === 'PLTE' || this.type === 'tRNS') {
            throw new InputError(this.name, `corrupt PNG (${this.type} chunk after the image data; the PNG spec puts it before)`);
          }
        }
        if (this.type !== 'IDAT' || !into) this.skip();
        else if (this.left > 0) return this.take(Math.min(this.left, into.length), into);
      }
    };
    return {
      // pump() asks for a piece only while fewer than inFlight are written and not yet consumed, so the slot read
      // into is never one zlib still holds.
      inFlight,
      next: () => next(slots[slot++ % inFlight]),
      settle: () => {
        if (!this.open) return;
        this.skip();
        this.end();
      },
      // The rest of the file checked to IEND, its image data unread: what follows the zlib stream's end.
      drain: () => void next(),
      close: () => this.close(),
    };
  }

  /** Reads the next chunk's length and type. */
  private begin(): void {
    const head = this.read(this.pos, 8, this.scratch.subarray(0, 8));
    const length = head.length === 8 ? new DataView(head.buffer, head.byteOffset, 8).getUint32(0) : 0;
    if (head.length < 8 || length > 0x7fffffff || this.pos + 12 + length > this.size) this.truncated();
    this.type = String.fromCharCode(...head.subarray(4, 8));
    this.crc = crc32(head.subarray(4, 8));
    this.left = length;
    this.pos += 8;
    this.open = true;
  }

  /** The next `n` data bytes of the current chunk (into `into`, when given), added to its CRC. */
  private take(n: number, into?: Uint8Array): Uint8Array {
    const data = this.read(this.pos, n, into?.subarray(0, n));
    if (data.length < n) this.truncated();
    this.crc = crc32(data, this.crc);
    this.pos += n;
    this.left -= n;
    return data;
  }

  /** Reads the rest of the current chunk's data into the CRC only. */
  private skip(): void {
    while (this.left > 0) this.take(Math.min(this.left, this.scratch.length), this.scratch);
  }

  /** Reads and checks the current chunk's CRC. */
  private end(): void {
    const stored = this.read(this.pos, 4, this.scratch.subarray(0, 4));
    if (stored.length < 4) this.truncated();
    if (new DataView(stored.buffer, stored.byteOffset, 4).getUint32(0) !== this.crc) {
      throw new InputError(this.name, `corrupt PNG (bad CRC in ${this.type} chunk)`);
    }
    this.pos += 4;
    this.open = false;
  }

  private truncated(): never {
    throw new InputError(this.name, 'truncated PNG (file ends before IEND)');
  }
}
