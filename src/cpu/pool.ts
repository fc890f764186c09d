// The threaded CPU backend: worker_threads running the CPU references over row tiles (images) or layers / row
// ranges (stacks), assembled into exactly the single-threaded reference's output. Tiles are cut when a worker is
// free, so only one tile per worker is copied at a time; idle workers are unref'd so a forgotten pool never keeps
// the process alive.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { OrderedPaletteParams, RgbaImage } from '../kernels/orderedPalette.js';
import type { LevelsImage, LevelsParams } from '../kernels/levels.js';
import type { ThresholdMap } from '../maps/thresholdMap.js';
import { layerStride, materialCount, type FractionLayers, type GreyLayers, type LayerOutput, type Samples } from '../stack/kernels.js';
import type { LayerMaps } from '../stack/layerMaps.js';
import { startWorker } from '../stack/workers/tsSource.js';
import { layerPieces, MIN_TILE_PIXELS, rowTiles, type LayerPiece } from './tiles.js';
import type { CpuTaskArgs, CpuTaskName, TileMaps } from './tasks.js';

// Compiled, this file sits beside worker.js; from the sources (vitest) beside worker.ts.
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

interface Job {
  readonly task: CpuTaskName;
  /** Cuts the tile's arguments when a worker takes the job, with the buffers to move. */
  readonly build: () => { args: unknown; transfer: ArrayBuffer[] };
  resolve(out: Uint8Array): void;
  reject(err: unknown): void;
}

interface Slot {
  readonly worker: Worker;
  job: Job | undefined;
}

type Reply = { id: number; ok: true; out: Uint8Array } | { id: number; ok: false; name: string; message: string };

/** The default thread count: every core the process may use. */
export function defaultThreads(): number {
  return availableParallelism();
}

export interface CpuPoolOptions {
  /** Smallest tile worth a message, in pixels or voxels (tests lower it to force many tiles). */
  readonly minTilePixels?: number;
}

export class CpuPool {
  readonly threads: number;
  private readonly minTile: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private destroyed = false;

  constructor(threads = defaultThreads(), options: CpuPoolOptions = {}) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be an integer >= 1, got ${threads}`);
    this.threads = threads;
    this.minTile = Math.max(1, options.minTilePixels ?? MIN_TILE_PIXELS);
  }

  /** Starts every worker and waits until each has loaded its modules, so that start-up is not paid by a kernel. */
  async warm(): Promise<void> {
    await Promise.all(Array.from({ length: this.threads }, () => this.run('ping', () => ({ args: null, transfer: [] }))));
  }

  /** Terminates the workers; queued and running tiles are rejected. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    const gone = new Error('CPU worker pool is destroyed');
    for (const job of this.queue.splice(0)) job.reject(gone);
    const slots = this.slots.splice(0);
    for (const s of slots) s.job?.reject(gone);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** Palette indices of `image`, one byte per pixel: orderedPalette's reference, by row tiles. */
  orderedPalette(image: RgbaImage, params: OrderedPaletteParams): Promise<Uint8Array> {
    return this.rows('orderedPalette', image, params, 1);
  }

  /** Four code bytes per pixel: levelsCpu's reference, by row tiles. */
  levels(image: LevelsImage, params: LevelsParams): Promise<Uint8Array> {
    return this.rows('levels', image, params, 4);
  }

  /** greyLevelsCpu's output, by layers (or row ranges of layers when there are few). */
  async greyLevels(layers: GreyLayers, maps: LayerMaps, levels: number): Promise<LayerOutput> {
    const { width, height, count, data } = layers;
    const bits = levels === 2 ? 1 : 8;
    const mapHeight = (l: number) => maps.at(layers.z0 + l).size[1];
    const pieces = layerPieces(width, height, count, this.threads, mapHeight, bits === 1 ? 32 : 1, this.minTile);
    const out = await this.layerRun(layers, bits, pieces, (p, v0, n) => {
      const slice = data.slice(v0, v0 + n);
      return { args: { ...tileShape(layers, maps, p), data: slice, levels }, transfer: [slice.buffer as ArrayBuffer] };
    }, 'greyLevels');
    return out;
  }

  /** materialFractionsCpu's output, by layers (or row ranges of layers when there are few). */
  materialFractions(layers: FractionLayers, maps: LayerMaps): Promise<LayerOutput> {
    materialCount(layers);
    const rgba = 'rgba' in layers;
    const sources: readonly Samples[] = 'rgba' in layers ? [layers.rgba] : layers.channels;
    const per = rgba ? 4 : 1;
    const mapHeight = (l: number) => maps.at(layers.z0 + l).size[1];
    const pieces = layerPieces(layers.width, layers.height, layers.count, this.threads, mapHeight, 1, this.minTile);
    return this.layerRun(layers, 8, pieces, (p, v0, n) => {
      const channels = sources.map((c) => c.slice(per * v0, per * (v0 + n)));
      return { args: { ...tileShape(layers, maps, p), channels, rgba }, transfer: channels.map((c) => c.buffer as ArrayBuffer) };
    }, 'materialFractions');
  }

  private async rows<P>(task: 'orderedPalette' | 'levels', image: RgbaImage, params: P, outPerPixel: number): Promise<Uint8Array> {
    const { width, height, data } = image;
    const out = new Uint8Array(outPerPixel * width * height);
    const samplesPerRow = 4 * width;
    await Promise.all(
      rowTiles(width, height, this.threads, this.minTile).map((t) =>
        this.run(task, () => {
          const slice = data.slice(t.first * samplesPerRow, (t.first + t.count) * samplesPerRow);
          return { args: { width, firstRow: t.first, rows: t.count, data: slice, params }, transfer: [slice.buffer as ArrayBuffer] };
        }).then((part) => out.set(part, outPerPixel * width * t.first)),
      ),
    );
    return out;
  }

  private async layerRun(
    layers: { width: number; height: number; count: number },
    bits: 1 | 8,
    pieces: LayerPiece[],
    build: (p: LayerPiece, voxel0: number, voxels: number) => { args: unknown; transfer: ArrayBuffer[] },
    task: 'greyLevels' | 'materialFractions',
  ): Promise<LayerOutput> {
    const { width, height, count } = layers;
    const stride = layerStride(width, height, bits);
    const out = new Uint8Array(stride * count);
    await Promise.all(
      pieces.map((p) => {
        const voxel0 = p.layer * width * height + p.row * width;
        // Layers are padded alike, and a row range starts on an output word (layerPieces).
        const at = p.layer * stride + (bits === 1 ? (p.row * width) / 8 : p.row * width);
        return this.run(task, () => build(p, voxel0, p.layers * p.rows * width)).then((part) => out.set(part, at));
      }),
    );
    return { data: out, layerStride: stride, bitsPerVoxel: bits, gpuMs: null };
  }

  private run<K extends CpuTaskName>(task: K, build: () => { args: CpuTaskArgs<K> | unknown; transfer: ArrayBuffer[] }): Promise<Uint8Array> {
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
      let msg: { args: unknown; transfer: ArrayBuffer[] };
      try {
        msg = job.build();
      } catch (err) {
        job.reject(err);
        continue;
      }
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: 0, task: job.task, args: msg.args }, msg.transfer);
    }
  }

  private spawn(): Slot {
    const worker = startWorker(ENTRY);
    const slot: Slot = { worker, job: undefined };
    const finish = (): Job | undefined => {
      const job = slot.job;
      slot.job = undefined;
      if (!this.destroyed) worker.unref();
      return job;
    };
    worker.on('message', (msg: Reply) => {
      const job = finish();
      if (msg.ok) job?.resolve(msg.out);
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
