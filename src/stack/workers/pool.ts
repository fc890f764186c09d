// A small pool of worker_threads for the CPU-heavy per-layer work (PNG decode/encode, counting).
// One job per worker at a time; callers keep the pool busy by having several jobs in flight. Idle workers are
// unref'd so that a forgotten pool never keeps the process alive.
import { availableParallelism } from 'node:os';
import type { Transferable, Worker } from 'node:worker_threads';
import { InputError } from '../../errors.js';
import type { TaskArgs, TaskName, TaskResult } from './tasks.js';
import { startWorker } from './tsSource.js';

interface Job {
  task: TaskName;
  args: unknown;
  transfer: Transferable[];
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/** What a worker posts back for a failed job; InputErrors keep their class across the thread boundary. */
export interface WorkerFailure {
  name: string;
  message: string;
  input?: string;
}

export interface PoolOptions {
  /** Number of workers; default: the number of cores, at most 4. */
  size?: number;
}

// Compiled, this file sits beside pngWorker.js; from the sources (vitest) beside pngWorker.ts.
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './pngWorker.ts' : './pngWorker.js', import.meta.url);

export class WorkerPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private destroyed = false;

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  constructor(options: PoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? Math.min(4, availableParallelism())));
  }

  /** Runs one task on a worker; `transfer` lists buffers the caller hands over (they become unusable here). */
  run<K extends TaskName>(task: K, args: TaskArgs<K>, transfer: Transferable[] = []): Promise<TaskResult<K>> {
    if (this.destroyed) return Promise.reject(new Error('worker pool is destroyed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, args, transfer, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Terminates the workers; queued and running jobs are rejected. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    const gone = new Error('worker pool is destroyed');
    for (const job of this.queue.splice(0)) job.reject(gone);
    const slots = this.slots.splice(0);
    for (const slot of slots) slot.job?.reject(gone);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ task: job.task, args: job.args }, job.transfer);
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
    worker.on('message', (msg: { ok: true; result: unknown } | { ok: false; error: WorkerFailure }) => {
      const job = finish();
      if (msg.ok) job?.resolve(msg.result);
      else job?.reject(reviveError(msg.error));
      this.dispatch();
    });
    // An uncaught error (or running out of memory) ends the worker: fail its job and replace it on demand.
    const fail = (err: unknown): void => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return;
      this.slots.splice(index, 1);
      finish()?.reject(err);
      this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}

function reviveError(e: WorkerFailure): Error {
  if (e.name === 'InputError' && e.input !== undefined) {
    const prefix = `${e.input}: `;
    return new InputError(e.input, e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message);
  }
  const err = e.name === 'RangeError' ? new RangeError(e.message) : new Error(e.message);
  if (err.name !== e.name) err.name = e.name;
  return err;
}

let shared: WorkerPool | undefined;

/** The process-wide pool the sources and sinks use unless given one. */
export function sharedPool(): WorkerPool {
  if (!shared || shared.isDestroyed) shared = new WorkerPool();
  return shared;
}

/** Buffers that can be moved rather than copied: whole, non-shared ArrayBuffers only. */
export function transferable(...arrays: (ArrayBufferView | undefined)[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const a of arrays) {
    if (!a || !(a.buffer instanceof ArrayBuffer)) continue;
    if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && !out.includes(a.buffer)) out.push(a.buffer);
  }
  return out;
}
