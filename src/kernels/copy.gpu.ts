// The copy kernel (shaders/copy.wgsl): the bandwidth ceiling that the benchmark's roofline measures kernels
// against, and the host-to-host path (upload, copy, readback) that bounds any memory-to-memory call.
import type { GpuHandle } from '../host/device.js';
import { bindingLimit } from '../host/chunking.js';
import { getKernel } from '../host/pipelines.js';
import { runBatches, type Batch } from '../host/batches.js';
import { Recorder } from '../host/recorder.js';

const WORDS_PER_WORKGROUP = 64 * 4; // WORKGROUP · PER in the WGSL
// A function: GPUBufferUsage is a global only once Dawn has loaded.
const storage = (): number => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;

export interface CopyResult {
  readonly out: Uint8Array;
  readonly gpuMs: number | null;
}

/**
 * `data` (a multiple of 16 bytes) through the copy kernel and back: the memory-to-memory path, in the same
 * batches as every kernel's (two in flight, so transfers overlap).
 */
export async function copyGpu(gpu: GpuHandle, data: Uint8Array, options: { poison?: number } = {}): Promise<CopyResult> {
  if (data.byteLength % 16 !== 0) throw new RangeError(`copy works on 16-byte words; ${data.byteLength} bytes given`);
  const kernel = await getKernel(gpu.device, 'copy', 'copy');
  const out = new Uint8Array(data.byteLength);
  const step = Math.max(16, Math.floor(Math.min(gpu.batchBytes, bindingLimit(gpu.device)) / 16) * 16);
  const batches: Batch[] = [];
  for (let at = 0; at < data.byteLength || (at === 0 && batches.length === 0); at += step) {
    const bytes = Math.min(step, data.byteLength - at);
    batches.push({
      dispatches: 1,
      record(rec) {
        const words = bytes / 16;
        const src = rec.input(data.subarray(at, at + bytes), 'src');
        const dst = rec.buffer(Math.max(16, bytes), storage(), 'dst');
        if (options.poison !== undefined) rec.upload(dst, new Uint32Array(4 * words).fill(options.poison));
        rec.dispatch({
          kernel,
          buffers: { src, dst: { buffer: dst, offset: 0, size: Math.max(16, bytes) } },
          uniforms: { params: { words } },
          workgroups: Math.ceil(words / WORDS_PER_WORKGROUP),
        });
        return [rec.read(dst, 0, bytes, out.subarray(at, at + bytes))];
      },
    });
  }
  return { out, gpuMs: await runBatches(gpu, batches) };
}

export interface CopyTiming {
  /** Bytes copied per dispatch (read once, written once). */
  readonly bytes: number;
  /** Kernel time of each dispatch from timestamps; empty without timestamp-query. */
  readonly kernelMs: number[];
  /** Wall time of each submit (one dispatch, no transfers), for adapters without timestamps. */
  readonly wallMs: number[];
}

/**
 * Times `repeats` copies of `bytes` (capped to one binding) between two device buffers, one submit each, after a
 * warm-up. No upload: the contents do not matter to the bandwidth.
 */
export async function timeCopy(gpu: GpuHandle, bytes: number, repeats: number): Promise<CopyTiming> {
  const kernel = await getKernel(gpu.device, 'copy', 'copy');
  const size = Math.max(16, Math.floor(Math.min(bytes, bindingLimit(gpu.device)) / 16) * 16);
  const words = size / 16;
  const kernelMs: number[] = [];
  const wallMs: number[] = [];
  for (let i = -1; i < repeats; i++) {
    const t0 = performance.now();
    const rec = new Recorder(gpu, 1);
    const src = rec.buffer(size, storage(), 'src');
    const dst = rec.buffer(size, storage(), 'dst');
    rec.dispatch({
      kernel,
      buffers: { src: { buffer: src, offset: 0, size }, dst: { buffer: dst, offset: 0, size } },
      uniforms: { params: { words } },
      workgroups: Math.ceil(words / WORDS_PER_WORKGROUP),
    });
    const { gpuMs } = await rec.finish();
    if (i < 0) continue; // warm-up: pipeline, pooled buffers
    wallMs.push(performance.now() - t0);
    if (gpuMs !== null) kernelMs.push(gpuMs);
  }
  return { bytes: size, kernelMs, wallMs };
}
