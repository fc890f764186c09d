// A PNG file read as it decodes, so that neither the file nor its image is ever whole in memory. The chunks
// before the image data are read and checked when the file is opened; the image data is read in pieces, into a
// few reused buffers, as zlib takes it (pngBands.ts), and each chunk's CRC is checked as its end is read. On the
// machine the CLI targets, where every fresh page costs ~6 µs to map, that spares a 4K photo's 15 MB file ~75 ms.
// Checks and messages are decodePng's, found in file order: a bad CRC, the file ending before IEND.
import { closeSync, fstatSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';
import { openInputFile, readInputFile } from './atomicWrite.js';
import { decodableHeader, decodePng } from './png.js';
import { inflatedBands, pngBands, type BandOptions, type ZlibSource } from './pngBands.js';
import { crc32, PNG_SIGNATURE } from './pngChunks.js';
import { rgba8Rows } from './pngRgba8.js';
import type { BandedRaster, Raster } from './raster.js';

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
  const readBytes = opts.readBytes ?? 1 << 20;
  if (!(Number.isSafeInteger(readBytes) && readBytes >= 1)) throw new RangeError(`readBytes must be a whole number of bytes >= 1, not ${readBytes}`);
  const walk = new ChunkWalk(path, name, readBytes);
  try {
    // A pipe (/dev/stdin) cannot be read by position, and a directory not at all: read whole, as decodePng would.
    if (!walk.regular) return pngBands(readInputFile(path), name, opts);
    const header = decodableHeader(walk.read(0, Math.min(walk.size, PREFIX)), name, opts);
    if (header.bitDepth !== 8 || header.interlaced) return pngBands(readInputFile(path), name, opts);
    const { plte, trns, idatAt } = walk.beforeImageData(header.colorType === 'indexed');
    const rows = rgba8Rows(header, plte, trns, name);
    let read = false;
    const once = (): void => {
      if (read) throw new Error(`${name}: a banded raster can be read only once`);
      read = true;
    };
    return {
      width: header.width,
      height: header.height,
      depth: 8,
      hasAlpha: rows.hasAlpha,
      source: { bitDepth: 8, colorType: header.colorType },
      whole: (): Raster => (once(), decodePng(readInputFile(path), name, opts)),
      bands: () => (once(), inflatedBands(header, () => new ChunkWalk(path, name, readBytes).imageData(idatAt), rows.convert, name, opts)),
    };
  } finally {
    walk.close();
  }
}

/** A file's chunks, walked with synchronous reads from an open descriptor. */
class ChunkWalk {
  readonly size: number;
  /** A regular file, which can be read by position. */
  readonly regular: boolean;
  private readonly fd: number;
  private pos = PNG_SIGNATURE.length; // the next unread byte
  private open = false; // between a chunk's header and its CRC
  private left = 0; // data bytes of the current chunk not yet read
  private type = '';
  private crc = 0; // of the current chunk's type and the data read so far
  private readonly scratch: Uint8Array;

  constructor(
    path: string,
    private readonly name: string,
    private readonly readBytes: number,
  ) {
    this.fd = openInputFile(path);
    const stat = fstatSync(this.fd);
    this.size = stat.size;
    this.regular = stat.isFile();
    this.scratch = new Uint8Array(Math.max(8, Math.min(readBytes, 1 << 16)));
  }

  close(): void {
    closeSync(this.fd);
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

  /** The zlib data of every IDAT chunk from `at` to IEND, in pieces of reused memory; other chunks checked and skipped. */
  imageData(at: number): ZlibSource {
    this.pos = at;
    const slots = Array.from({ length: 4 }, () => new Uint8Array(this.readBytes));
    let slot = 0;
    let done = false;
    return {
      inFlight: slots.length - 1, // the piece being read never shares memory with one zlib still holds
      next: () => {
        for (;;) {
          if (this.open && this.left === 0) {
            this.end();
            done ||= this.type === 'IEND';
          }
          if (done) return null;
          if (!this.open) this.begin();
          if (this.type !== 'IDAT') this.skip();
          else if (this.left > 0) return this.take(Math.min(this.left, this.readBytes), slots[slot++ % slots.length]);
        }
      },
      settle: () => {
        if (!this.open) return;
        this.skip();
        this.end();
      },
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
