// The threaded CPU backend: worker_threads running the CPU references over row tiles (images) or layers / row
// ranges (stacks), assembled into exactly the single-threaded reference's output.
//
// What a call costs besides the kernels, kept small: each tile's input is copied into a reused shared buffer when
// a worker takes the tile (so copying overlaps the other workers' work and touches no fresh pages), workers
// write their results straight into a reused shared output buffer, and a call's parameter tables go to each
// worker once. Idle workers are unref'd, so a forgotten pool never keeps the process alive.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { OrderedPaletteParams, RgbaImage } from '../kernels/orderedPalette.js';
import type { LevelsImage, LevelsParams } from '../kernels/levels.js';
import type { ThresholdMap } from '../maps/thresholdMap.js';
import { layerStride, materialCount, type FractionLayers, type GreyLayers, type LayerOutput, type Samples } from '../stack/kernels.js';
import type { LayerMaps } from '../stack/layerMaps.js';
import { startWorker } from '../stack/workers/tsSource.js';
import { outputArray } from '../host/outputArray.js';
import { PARAMS_CACHE, type CpuTaskName, type TileMaps } from './tasks.js';
import { layerPieces, MIN_TILE_PIXELS, rowTiles, type LayerPiece } from './tiles.js';

// Compiled, this file sits beside worker.js; from the sources (vitest) beside worker.ts.
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

type Typed = Uint8Array | Uint8ClampedArray | Uint16Array;

/** A tile as posted: its arguments (views of shared memory), its output slot, and the call's tables if any. */
interface Tile {
  readonly args: Record<string, unknown>;
  readonly out: Uint8Array;
  readonly params?: object;
}

interface Job {
  readonly task: CpuTaskName;
  /** Cuts the tile (copying its input into shared memory) when a worker takes it. */
  readonly build: () => Tile;
  resolve(): void;
  reject(err: unknown): void;
}

interface Slot {
  readonly worker: Worker;
  job: Job | undefined;
  /** Ids of the parameter tables this worker holds, oldest first (the worker's cache, mirrored). */
  readonly known: number[];
}

type Reply = { ok: true } | { ok: false; name: string; message: string };

export interface CpuPoolOptions {
  /** Smallest tile worth a message, in pixels or voxels (tests lower it to force many tiles). */
  readonly minTilePixels?: number;
}

/** The default thread count: every core the process may use. */
export function defaultThreads(): number {
  return availableParallelism();
}

/** Reused shared buffers: page faults on fresh memory would cost as much as a fast kernel. */
class Staging {
  private readonly free: SharedArrayBuffer[] = [];
  static readonly KEEP_BYTES = 1 << 30;
  acquire(bytes: number): SharedArrayBuffer {
    let best = -1;
    this.free.forEach((b, i) => {
      if (b.byteLength >= bytes && (best < 0 || b.byteLength < this.free[best]!.byteLength)) best = i;
    });
    return best >= 0 ? this.free.splice(best, 1)[0]! : new SharedArrayBuffer(Math.max(8, bytes));
  }
  /** Keeps the largest free buffers, up to KEEP_BYTES in all. */
  release(b: SharedArrayBuffer): void {
    this.free.push(b);
    this.free.sort((x, y) => y.byteLength - x.byteLength);
    let total = 0;
    for (let i = 0; i < this.free.length; ) {
      const size = this.free[i]!.byteLength;
      if (total + size > Staging.KEEP_BYTES) this.free.splice(i, 1);
      else {
        total += size;
        i++;
      }
    }
  }
  clear(): void {
    this.free.length = 0;
  }
}

/** `a` as the same kind of array, over `buffer` from byte 0. */
function viewLike(a: Typed | Samples, buffer: SharedArrayBuffer, length: number): Typed {
  if (a instanceof Uint16Array) return new Uint16Array(buffer, 0, length);
  if (a instanceof Uint8ClampedArray) return new Uint8ClampedArray(buffer, 0, length);
  return new Uint8Array(buffer, 0, length);
}

export class CpuPool {
  readonly threads: number;
  private readonly minTile: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly staging = new Staging();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;
  private destroyed = false;

  constructor(threads = defaultThreads(), options: CpuPoolOptions = {}) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be an integer >= 1, got ${threads}`);
    this.threads = threads;
    this.minTile = Math.max(1, options.minTilePixels ?? MIN_TILE_PIXELS);
  }

  /** Starts every worker and waits until each has loaded its modules, so that start-up is not paid by a kernel. */
  async warm(): Promise<void> {
    const tile = (): Tile => ({ args: {}, out: new Uint8Array(0) });
    await Promise.all(Array.from({ length: this.threads }, () => this.run('ping', tile)));
  }

  /** Terminates the workers; queued and running tiles are rejected. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    const gone = new Error('CPU worker pool is destroyed');
    for (const job of this.queue.splice(0)) job.reject(gone);
    const slots = this.slots.splice(0);
    for (const s of slots) s.job?.reject(gone);
    this.staging.clear();
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** Palette indices of `image`, one byte per pixel: orderedPalette's reference, by row tiles (into `into`, if given). */
  orderedPalette(image: RgbaImage, params: OrderedPaletteParams, into?: Uint8Array): Promise<Uint8Array> {
    return this.rows('orderedPalette', image, params, 1, into);
  }

  /** Four code bytes per pixel: levelsCpu's reference, by row tiles. */
  levels(image: LevelsImage, params: LevelsParams): Promise<Uint8Array> {
    return this.rows('levels', image, params, 4);
  }

  /** greyLevelsCpu's output, by layers (or row ranges of layers when there are few). */
  greyLevels(layers: GreyLayers, maps: LayerMaps, levels: number, into?: Uint8Array): Promise<LayerOutput> {
    const bits = levels === 2 ? 1 : 8;
    const mapHeight = (l: number) => maps.at(layers.z0 + l).size[1];
    const pieces = layerPieces(layers.width, layers.height, layers.count, this.threads, mapHeight, bits === 1 ? 32 : 1, this.minTile);
    return this.layerRun('greyLevels', layers, maps, bits, pieces, [layers.data], 1, ([data]) => ({ data, levels }), into);
  }

  /** materialFractionsCpu's output, by layers (or row ranges of layers when there are few). */
  materialFractions(layers: FractionLayers, maps: LayerMaps, into?: Uint8Array): Promise<LayerOutput> {
    materialCount(layers);
    const rgba = 'rgba' in layers;
    const sources: readonly Samples[] = 'rgba' in layers ? [layers.rgba] : layers.channels;
    const mapHeight = (l: number) => maps.at(layers.z0 + l).size[1];
    const pieces = layerPieces(layers.width, layers.height, layers.count, this.threads, mapHeight, 1, this.minTile);
    return this.layerRun('materialFractions', layers, maps, 8, pieces, sources, rgba ? 4 : 1, (channels) => ({ channels, rgba }), into);
  }

  private async rows(task: 'orderedPalette' | 'levels', image: RgbaImage, params: object, outPerPixel: number, into?: Uint8Array): Promise<Uint8Array> {
    const { width, height, data } = image;
    const spr = 4 * width; // samples per row
    const inBuf = this.staging.acquire(data.byteLength);
    const outBytes = outPerPixel * width * height;
    const outBuf = this.staging.acquire(outBytes);
    try {
      const staged = viewLike(data, inBuf, data.length);
      await settled(
        rowTiles(width, height, this.threads, this.minTile).map((t) =>
          this.run(task, () => {
            const rows = staged.subarray(t.first * spr, (t.first + t.count) * spr);
            rows.set(data.subarray(t.first * spr, (t.first + t.count) * spr));
            const out = new Uint8Array(outBuf, outPerPixel * width * t.first, outPerPixel * width * t.count);
            return { args: { width, firstRow: t.first, rows: t.count, data: rows }, out, params };
          }),
        ),
      );
      return copyOut(outBuf, outBytes, into);
    } finally {
      this.staging.release(inBuf);
      this.staging.release(outBuf);
    }
  }

  /**
   * Runs pieces of a stack. `sources` are the input arrays (one per channel), `per` samples per voxel in each;
   * `extra` gives the task's own arguments from the piece's staged views of them.
   */
  private async layerRun(
    task: 'greyLevels' | 'materialFractions',
    layers: { width: number; height: number; z0: number; count: number },
    maps: LayerMaps,
    bits: 1 | 8,
    pieces: LayerPiece[],
    sources: readonly Samples[],
    per: number,
    extra: (views: Typed[]) => Record<string, unknown>,
    into: Uint8Array | undefined,
  ): Promise<LayerOutput> {
    const { width, height, count } = layers;
    const stride = layerStride(width, height, bits);
    const outBytes = stride * count;
    const bufs = sources.map((s) => this.staging.acquire(s.byteLength));
    const outBuf = this.staging.acquire(outBytes);
    try {
      const staged = sources.map((s, i) => viewLike(s, bufs[i]!, s.length));
      await settled(
        pieces.map((p) =>
          this.run(task, () => {
            const v0 = per * (p.layer * width * height + p.row * width);
            const n = per * p.layers * p.rows * width;
            const views = staged.map((v, i) => {
              const part = v.subarray(v0, v0 + n);
              part.set(sources[i]!.subarray(v0, v0 + n));
              return part;
            });
            // Layers are padded alike, and a row range starts on an output word (layerPieces).
            const at = p.layer * stride + (bits === 1 ? (p.row * width) / 8 : p.row * width);
            const size = p.rows === height ? p.layers * stride : bits === 1 ? 4 * Math.ceil((p.rows * width) / 32) : p.rows * width;
            return { args: { ...tileShape(layers, maps, p), ...extra(views) }, out: new Uint8Array(outBuf, at, size) };
          }),
        ),
      );
      return { data: copyOut(outBuf, outBytes, into), layerStride: stride, bitsPerVoxel: bits, gpuMs: null };
    } finally {
      for (const b of bufs) this.staging.release(b);
      this.staging.release(outBuf);
    }
  }

  private run(task: CpuTaskName, build: () => Tile): Promise<void> {
    if (this.destroyed) return Promise.reject(new Error('CPU worker pool is destroyed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, build, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot) {
        if (this.slots.length >= this.threads) return;
        slot = this.spawn();
      }
      const job = this.queue.shift()!;
      let tile: Tile;
      try {
        tile = job.build();
      } catch (err) {
        job.reject(err);
        continue;
      }
      const msg: Record<string, unknown> = { task: job.task, args: tile.args, out: tile.out };
      if (tile.params) {
        let id = this.ids.get(tile.params);
        if (id === undefined) this.ids.set(tile.params, (id = this.nextId++));
        msg.paramsId = id;
        if (!slot.known.includes(id)) {
          msg.params = tile.params;
          slot.known.push(id);
          if (slot.known.length > PARAMS_CACHE) slot.known.shift();
        }
      }
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage(msg);
    }
  }

  private spawn(): Slot {
    const worker = startWorker(ENTRY);
    const slot: Slot = { worker, job: undefined, known: [] };
    const finish = (): Job | undefined => {
      const job = slot.job;
      slot.job = undefined;
      if (!this.destroyed) worker.unref();
      return job;
    };
    worker.on('message', (msg: Reply) => {
      const job = finish();
      if (msg.ok) job?.resolve();
      else job?.reject(revive(msg.name, msg.message));
      this.dispatch();
    });
    // An uncaught error (or running out of memory) ends the worker: fail its tile and replace it on demand.
    const fail = (err: unknown): void => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      finish()?.reject(err);
      this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`CPU worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}

/**
 * Waits for every tile, then throws the first failure: the shared buffers go back to the staging pool only when
 * no worker can still be writing them.
 */
async function settled(tiles: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(tiles)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The result out of the workers' shared memory, into the caller's array where given (one copy either way). */
function copyOut(buf: SharedArrayBuffer, bytes: number, into: Uint8Array | undefined): Uint8Array {
  const out = outputArray(bytes, into);
  out.set(new Uint8Array(buf, 0, bytes));
  return out;
}

function revive(name: string, message: string): Error {
  const err = name === 'RangeError' ? new RangeError(message) : name === 'TypeError' ? new TypeError(message) : new Error(message);
  if (err.name !== name) err.name = name;
  return err;
}

/** The piece's shape and its layers' maps as plain data (map values copied: a slice of a 3D map is a view). */
function tileShape(layers: { width: number; z0: number }, maps: LayerMaps, p: LayerPiece): { width: number; height: number; z0: number; count: number; maps: TileMaps } {
  const distinct: ThresholdMap[] = [];
  const index = new Uint16Array(p.layers);
  for (let l = 0; l < p.layers; l++) {
    const m = maps.at(layers.z0 + p.layer + l);
    let i = distinct.indexOf(m);
    if (i < 0) i = distinct.push(m) - 1;
    index[l] = i;
  }
  const plain = distinct.map((m) => ({ name: m.name, size: m.size, values: m.values.slice(), scale: m.scale }));
  return { width: layers.width, height: p.rows, z0: layers.z0 + p.layer, count: p.layers, maps: { maps: plain, index } };
}
