// Work split into batches, one Recorder and one submit each, with at most two in flight: while the GPU copies
// and computes one batch and its readback lands, the host fills the next batch's staging buffers. Transfers
// overlap compute that way, and no more than two batches' buffers are held at once.
import type { GpuHandle } from './device.js';
import { poolFor } from './bufferPool.js';
import { Recorder } from './recorder.js';

/** Input bytes per batch: small enough to overlap well, large enough that a submit's fixed cost stays small. */
export const BATCH_BYTES = 32 << 20;

export interface Batch {
  /** Dispatches it records (each gets a pair of timestamp queries). */
  readonly dispatches: number;
  /** Records the batch's uploads, dispatches and reads; returns the reads. */
  record(rec: Recorder): Promise<unknown>[];
}

/** Runs the batches in order; resolves to their summed GPU time (null without timestamp queries). */
export async function runBatches(gpu: GpuHandle, batches: Iterable<Batch>): Promise<number | null> {
  let gpuMs: number | null = null;
  let inFlight: Promise<void> | null = null;
  for (const batch of batches) {
    const rec = new Recorder(gpu, Math.max(1, batch.dispatches));
    const reads = batch.record(rec);
    const done = rec.finish().then(async (r) => {
      await Promise.all(reads);
      if (r.gpuMs !== null) gpuMs = (gpuMs ?? 0) + r.gpuMs;
    });
    done.catch(() => {}); // awaited below, or abandoned after an earlier batch failed: never unhandled
    if (inFlight) await inFlight;
    inFlight = done;
  }
  if (inFlight) await inFlight;
  return gpuMs;
}

/**
 * Storage buffers holding `tables` for every batch of a run (a Recorder's own buffers last one batch), written
 * through the queue so that they land before any later submit. `release` hands them back to the pool.
 */
export function sharedTables(gpu: GpuHandle, tables: Readonly<Record<string, ArrayBufferView>>): { buffers: Record<string, GPUBufferBinding>; release(): void } {
  const pool = poolFor(gpu.device);
  const buffers: Record<string, GPUBufferBinding> = {};
  const held: GPUBuffer[] = [];
  for (const [name, table] of Object.entries(tables)) {
    const size = Math.max(4, (table.byteLength + 3) & ~3);
    const buffer = pool.acquire(GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, size, name);
    held.push(buffer);
    const bytes = new Uint8Array(size);
    bytes.set(new Uint8Array(table.buffer, table.byteOffset, table.byteLength));
    gpu.device.queue.writeBuffer(buffer, 0, bytes);
    buffers[name] = { buffer, offset: 0, size };
  }
  return { buffers, release: () => held.forEach((b) => pool.release(b)) };
}
