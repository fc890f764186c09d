// A PNG read band by band as it inflates. zlib runs on libuv's thread pool, a chunk of output at a time, while
// this thread unfilters and converts one band of rows and hands it to the caller (a dithering kernel): on two
// cores the inflate hides behind the kernel, and the image's RGBA never exists whole (one band's memory, reused,
// where decodePng faults in a fresh 4-bytes-a-pixel buffer: ~0.1 s at 4K on the machine the CLI targets).
// Every check decodePng makes is made here too, with the same messages, and the file's chunks (CRCs) are checked up
// front. A file with several problems may be reported by another of them: decodePng inflates everything before
// it unfilters, while this reports the first it meets.
import { createInflate } from 'node:zlib';
import { decodableHeader, decodePng, type DecodeOptions, type PngHeader } from './png.js';
import { rgba8Rows } from './pngRgba8.js';
import { CHANNELS, imageChunks, inflateError, rawSize, shortData, tooMuchData, unfilterError } from './pngSamples.js';
import { unfilterRows } from './pngUnfilter.js';
import type { BandedRaster, Raster, RasterBand } from './raster.js';

export interface BandOptions extends DecodeOptions {
  /**
   * RGBA bytes per band (default 256 KiB; at least one row). This thread lets zlib's finished steps start the next
   * between bands, so bands much larger than zlib's steps leave the thread pool idle.
   */
  readonly bandBytes?: number;
  /** zlib's output per thread-pool step (default 1 MiB; tests make it small to split rows across steps). */
  readonly inflateChunk?: number;
  /** How far zlib may run ahead of the bands taken, in bytes (default 8 MiB): memory stays bounded on any image. */
  readonly aheadBytes?: number;
}

const MIB = 1 << 20;

/** Throws a RangeError unless each of the options given (and `extra` ones) is a whole number of bytes, 1 to 1 GiB. */
export function checkBandOptions(opts: object, extra: readonly string[] = []): void {
  for (const key of ['bandBytes', 'inflateChunk', 'aheadBytes', ...extra]) {
    const v = (opts as Record<string, unknown>)[key];
    if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= 1 << 30)) {
      throw new RangeError(`${key} must be a whole number of bytes from 1 to 1 GiB, not ${String(v)}`);
    }
  }
}

/**
 * The PNG's header and chunks checked now (InputErrors naming `name`), its rows decoded as they are read. 8-bit
 * non-interlaced images (photos, most tools' output) stream; other kinds decode whole, as one band.
 */
export function pngBands(bytes: Uint8Array, name: string, opts: BandOptions = {}): BandedRaster {
  checkBandOptions(opts);
  const header = decodableHeader(bytes, name, opts);
  if (header.bitDepth !== 8 || header.interlaced) {
    const raster = decodePng(bytes, name, opts); // decoded now: these kinds have no banded reading
    return readOnce(raster, name, () => raster, async function* () {
      yield { firstRow: 0, rows: raster.height, data: raster.data };
    });
  }
  const chunks = imageChunks(bytes, header, name);
  const rows = rgba8Rows(header, chunks.plte, chunks.trns, name);
  return readOnce(
    rgba8Info(header, rows.hasAlpha),
    name,
    () => decodePng(bytes, name, opts),
    () => inflatedBands(header, () => memorySource(chunks.idat), rows.convert, name, opts),
  );
}

/** What a streamed 8-bit image's raster says of itself before any row is read. */
export function rgba8Info(header: PngHeader, hasAlpha: boolean): Omit<Raster, 'data'> {
  return { width: header.width, height: header.height, depth: 8, hasAlpha, source: { bitDepth: 8, colorType: header.colorType } };
}

/** A banded raster whose `whole` and `bands` may, between them, be called once. */
export function readOnce(info: Omit<Raster, 'data'>, name: string, whole: () => Raster, bands: () => AsyncIterable<RasterBand>): BandedRaster {
  let read = false;
  const once = (): void => {
    if (read) throw new Error(`${name}: a banded raster can be read only once`);
    read = true;
  };
  const { width, height, depth, hasAlpha, source } = info;
  return { width, height, depth, hasAlpha, source, whole: () => (once(), whole()), bands: () => (once(), bands()) };
}

/**
 * Where the zlib data comes from, a piece at a time, every chunk checked on the way (InputErrors naming the file).
 * A piece must stay as it is until `inFlight` more pieces have been taken (a file source reuses its memory).
 */
export interface ZlibSource {
  /** The next piece of zlib data, or null once there is none (every chunk to IEND then checked). */
  next(): Uint8Array | null;
  /**
   * Called when zlib fails: throws the file's own error for the data handed out so far (its chunk's bad CRC, or
   * the file ending inside it), which then explains the failure better.
   */
  settle(): void;
  /** Reads and checks the rest of the file to IEND, once zlib's stream has ended (its image data unread). */
  drain(): void;
  readonly inFlight: number;
  /** Releases what the source holds (a file descriptor). */
  close(): void;
}

/** The IDAT chunks of a file already in memory and checked. */
function memorySource(idat: Uint8Array[]): ZlibSource {
  let i = 0;
  return { next: () => idat[i++] ?? null, settle: () => {}, drain: () => {}, inFlight: Infinity, close: () => {} };
}

/** The bands of an 8-bit non-interlaced image whose zlib data comes from `open()`'s source. */
export async function* inflatedBands(
  header: PngHeader,
  open: () => ZlibSource,
  convert: (raw: Uint8Array, out: Uint8Array, rows: number) => void,
  name: string,
  opts: BandOptions,
): AsyncGenerator<RasterBand> {
  const { width, height } = header;
  const c = CHANNELS[header.colorType];
  const line = c * width + 1;
  const bandRows = Math.max(1, Math.min(height, Math.floor((opts.bandBytes ?? MIB / 4) / (4 * width))));
  // The row above the band (unfiltering reads it), then the band's scanlines.
  const raw = new Uint8Array(line * (bandRows + 1));
  const rgba = new Uint8Array(4 * width * bandRows);
  const source = open();
  let feed: InflateFeed;
  try {
    feed = new InflateFeed(source, rawSize(header), opts.inflateChunk ?? MIB, opts.aheadBytes ?? 8 * MIB, name);
  } catch (err) {
    source.close();
    throw err;
  }
  try {
    for (let y = 0; y < height; y += bandRows) {
      const n = Math.min(bandRows, height - y);
      await feed.fill(raw.subarray(line, line * (n + 1)));
      try {
        unfilterRows(raw, line, n, line - 1, c, y);
      } catch (err) {
        throw feed.explain(unfilterError(err, name));
      }
      try {
        convert(raw.subarray(line), rgba, n);
      } catch (err) {
        throw feed.explain(err as Error);
      }
      yield { firstRow: y, rows: n, data: rgba.subarray(0, 4 * width * n) };
      raw.copyWithin(0, line * n, line * (n + 1)); // the band's last row is the next one's row above
    }
    await feed.finish();
  } finally {
    feed.destroy();
  }
}

/**
 * Native inflate on the thread pool, its output queued until `fill` takes it; never more than `expected` bytes.
 * Input is written as zlib takes it, at most `source.inFlight` pieces at a time. The stream pauses while `ahead`
 * bytes wait (zlib honours the backpressure, and then takes no more input), so a slow kernel never has the whole
 * image queued, nor the whole file read.
 */
class InflateFeed {
  private readonly queue: Buffer[] = [];
  private head = 0; // bytes of queue[0] already taken
  private queued = 0; // bytes in the queue not yet taken
  private total = 0;
  private ended = false;
  private closed = false;
  private writing = 0; // pieces written and not yet taken by zlib
  private drained = false; // the source has no more
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly zlib;

  constructor(
    private readonly source: ZlibSource,
    private readonly expected: number,
    chunkSize: number,
    private readonly ahead: number,
    private readonly name: string,
  ) {
    this.zlib = createInflate({ chunkSize: Math.max(64, chunkSize) });
    this.zlib.on('data', (b: Buffer) => {
      this.total += b.length;
      if (this.total > expected) this.fail(this.explain(tooMuchData(name)));
      else {
        this.queue.push(b);
        this.queued += b.length;
        if (this.queued >= ahead) this.zlib.pause();
      }
      this.notify();
    });
    this.zlib.on('error', (err) => this.fail(this.explain(inflateError(err, name))));
    this.zlib.on('end', () => {
      this.ended = true;
      this.notify();
    });
    this.pump();
  }

  /** The file's own error for the data read so far (see ZlibSource.settle) if it has one, else `err`. */
  explain(err: Error): Error {
    try {
      this.source.settle();
    } catch (own) {
      return own as Error;
    }
    return err;
  }

  /** Writes the source's next pieces while zlib may hold more; ends the stream after the last. */
  private pump(): void {
    while (!this.closed && !this.drained && this.writing < this.source.inFlight) {
      let piece: Uint8Array | null;
      try {
        piece = this.source.next();
      } catch (err) {
        return this.fail(err as Error);
      }
      if (piece === null) {
        this.drained = true;
        this.zlib.end();
        return;
      }
      this.writing++;
      this.zlib.write(piece, () => {
        this.writing--;
        this.pump();
      });
    }
  }

  /** Fills `into` with the next inflated bytes, waiting for them; throws the stream's error, or if it ends short. */
  async fill(into: Uint8Array): Promise<void> {
    // A thread-pool step that finished while this thread worked starts the next one before this thread works again.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let at = 0; at < into.length; ) {
      if (this.error) throw this.error;
      const b = this.queue[0];
      if (!b) {
        if (this.ended) {
          this.source.drain(); // zlib's stream may end before the file's image data does: the file's own error first
          throw shortData(this.name, this.expected - this.total);
        }
        await this.next();
        continue;
      }
      const n = Math.min(b.length - this.head, into.length - at);
      into.set(b.subarray(this.head, this.head + n), at);
      at += n;
      this.head += n;
      this.queued -= n;
      if (this.queued < this.ahead && this.zlib.isPaused()) this.zlib.resume();
      if (this.head === b.length) {
        this.queue.shift();
        this.head = 0;
      }
    }
  }

  /** Waits for the stream's end: a bad checksum, or data past the image, is an error. */
  async finish(): Promise<void> {
    while (!this.ended && !this.error) await this.next();
    if (this.error) throw this.error;
    // zlib's stream may end before the file's last IDAT does: what follows is checked as decodePng checks it.
    this.source.drain();
  }

  destroy(): void {
    this.closed = true;
    this.zlib.destroy();
    this.source.close();
  }

  private next(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private fail(err: Error): void {
    this.error ??= err;
    this.closed = true;
    this.zlib.destroy();
    this.notify();
  }
}
