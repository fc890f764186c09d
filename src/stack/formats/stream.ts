// The plumbing shared by sources and sinks: bounded read-ahead, an ordered write queue, temp names.
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { LayerSink, OutputLayer } from './types.js';

const ignore = (): void => undefined;

/**
 * Yields start(0), start(1), ... in order with up to `window` of them running while the consumer works on the
 * current one, so memory is `window + 1` items whatever `count` is. Abandoned items are left to settle.
 */
export async function* readAhead<T>(count: number, window: number, start: (i: number) => Promise<T>): AsyncGenerator<T> {
  const pending: Promise<T>[] = [];
  let next = 0;
  const fill = (): void => {
    while (next < count && pending.length < window) {
      const p = start(next++);
      p.catch(ignore); // a failure surfaces when its turn comes, not as an unhandled rejection
      pending.push(p);
    }
  };
  fill();
  while (pending.length > 0) {
    const p = pending.shift()!;
    fill();
    yield await p;
  }
}

/**
 * Work that starts at once (encoding on the pool) and commits in order (writing to disk), at most `depth`
 * layers deep. The first failure stops later commits and is thrown by every later push and by drain.
 */
export class WriteQueue {
  private chain: Promise<void> = Promise.resolve();
  private readonly inFlight: Promise<void>[] = [];
  private failure: { error: unknown } | undefined;

  /** Layers queued at most; may be set before the first push. */
  constructor(public depth: number) {}

  async push<T>(work: Promise<T>, commit: (result: T) => Promise<void>): Promise<void> {
    this.check();
    work.catch(ignore);
    const step = this.chain.then(async () => {
      if (this.failure) return;
      try {
        const result = await work;
        if (!this.failure) await commit(result);
      } catch (error) {
        this.failure ??= { error };
      }
    });
    this.chain = step;
    this.inFlight.push(step);
    while (this.inFlight.length >= this.depth) await this.inFlight.shift();
    this.check();
  }

  /** Waits for everything queued; throws the first failure. */
  async drain(): Promise<void> {
    await this.chain;
    this.inFlight.length = 0;
    this.check();
  }

  /** Skips the commits not yet started, then waits for the running one (before removing temp output). */
  async cancel(reason: Error): Promise<void> {
    this.failure ??= { error: reason };
    await this.chain;
  }

  private check(): void {
    if (this.failure) throw this.failure.error;
  }
}

/** In-flight data the default windows allow: enough to keep 4 workers busy on 2048² layers, few 15120x6230 ones. */
const WINDOW_BYTES = 512 << 20;

/** Layers in flight by default: 2 per worker, fewer when layers are large; never below 1. */
export function windowFor(layerBytes: number, workers: number): number {
  return Math.max(1, Math.min(2 * workers, Math.floor(WINDOW_BYTES / Math.max(1, layerBytes))));
}

/** A hidden name beside `target` for output that is renamed into place once complete. */
export function tempBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Checks the sink contract: z = 0, 1, 2, ... and one size for the whole stack. These are caller bugs
 * (RangeError), not user input.
 */
export class LayerOrder {
  written = 0;
  width = 0;
  height = 0;

  accept(layer: OutputLayer, state: 'open' | 'closing' | 'closed' | 'aborted'): void {
    if (state !== 'open') throw new Error(`sink is ${state}`);
    if (layer.z !== this.written) throw new RangeError(`layer z=${layer.z} written out of order (expected z=${this.written})`);
    if (this.written === 0) {
      this.width = layer.width;
      this.height = layer.height;
    } else if (layer.width !== this.width || layer.height !== this.height) {
      throw new RangeError(`layer z=${layer.z} is ${layer.width}x${layer.height}, the stack is ${this.width}x${this.height}`);
    }
    this.written++;
  }
}

/** A copy of the layer whose buffer can be moved to a worker: the caller keeps (and may reuse) its own. */
export function detachedCopy(layer: OutputLayer): OutputLayer {
  return layer.kind === 'bits'
    ? { z: layer.z, width: layer.width, height: layer.height, kind: 'bits', data: layer.data.slice() }
    : { z: layer.z, width: layer.width, height: layer.height, kind: 'codes', data: layer.data.slice() };
}

export interface SinkParts<T> {
  /** Starts the layer's work (usually on the pool) from a copy the sink owns. */
  encode(layer: OutputLayer): Promise<T>;
  /** Writes one layer's result; called in z order. */
  commit(result: T, z: number): Promise<void>;
  /** Writes what follows the layers and publishes the output (rename into place). */
  finish(layers: number): Promise<void>;
  /** Removes the temporary output; must tolerate partial state. */
  cleanup(): Promise<void>;
  /** Layers encoding or waiting to be written behind the caller, fixed from the first layer's size. */
  depth: (first: OutputLayer) => number;
}

/** The LayerSink contract (order checks, bounded queue, close/abort states) around a format's parts. */
export function makeSink<T>(parts: SinkParts<T>): LayerSink {
  const order = new LayerOrder();
  const queue = new WriteQueue(1);
  let state: 'open' | 'closing' | 'closed' | 'aborted' = 'open';
  const abort = async (): Promise<void> => {
    if (state === 'closed' || state === 'aborted') return;
    state = 'aborted';
    await queue.cancel(new Error('sink is aborted'));
    await parts.cleanup();
  };
  return {
    async write(layer) {
      order.accept(layer, state);
      const z = layer.z;
      if (z === 0) queue.depth = Math.max(1, parts.depth(layer));
      let work: Promise<T>;
      try {
        work = parts.encode(layer);
      } catch (err) {
        work = Promise.reject(err); // fails the sink like any encoding failure
      }
      await queue.push(work, (r) => parts.commit(r, z));
    },
    async close() {
      if (state !== 'open') throw new Error(`sink is ${state}`);
      state = 'closing';
      try {
        await queue.drain();
        await parts.finish(order.written);
        state = 'closed';
      } catch (err) {
        state = 'open'; // let abort run its cleanup
        await abort();
        throw err;
      }
    },
    abort,
  };
}
