// The roofline's ceilings: the GPU's copy bandwidth (the copy kernel, timed by timestamps), the host-to-host
// path through the GPU (upload, copy, readback), and the CPU's single-thread memcpy.
import type { Engine } from '../src/engine.js';
import { copyGpu, timeCopy } from '../src/kernels/copy.gpu.js';
import { bindingLimit } from '../src/host/chunking.js';
import { stats, type Stats } from './stats.js';

export interface GpuRoofline {
  /** Bytes per copy (read once, written once). */
  readonly bytes: number;
  /** The engine's input bytes per batch, which the host copies below are timed at (absent in older results). */
  readonly batchBytes?: number;
  /** Copy kernel bandwidth, read + written bytes per second, in GB/s (timestamps; wall time of a bare submit without them). */
  readonly copyGBs: Stats;
  readonly timedBy: 'timestamps' | 'wall';
  /** Memory-to-memory: input bytes per second through upload, copy and readback, in GB/s. */
  readonly memoryToMemoryGBs: Stats;
  /**
   * The host's share of any memory-to-memory call, which no kernel can beat: one thread copying a JS array into
   * a mapped staging buffer (upload), and a mapped readback buffer into a fresh JS array (readback: the result's
   * page faults included, as a caller gets it). GB/s copied.
   */
  readonly uploadGBs?: Stats;
  readonly readbackGBs?: Stats;
  /** The readback copy into an array used before: what the page faults of a fresh one cost shows against it. */
  readonly readbackReusedGBs?: Stats;
}

/**
 * Input GB/s that the host copies alone allow for `outPerIn` output bytes per input byte, counting the readback
 * into memory used before: a bound that page faults on a fresh result only lower.
 */
export function hostCeilingGBs(g: GpuRoofline, outPerIn: number): number | null {
  if (!g.uploadGBs || !g.readbackReusedGBs) return null;
  return 1 / (1 / g.uploadGBs.median + outPerIn / g.readbackReusedGBs.median);
}

/** Times the host copies in and out of mapped buffers of `bytes` (the batch size). */
async function hostCopies(device: GPUDevice, bytes: number, repeats: number): Promise<Required<Pick<GpuRoofline, 'uploadGBs' | 'readbackGBs' | 'readbackReusedGBs'>>> {
  const src = new Uint8Array(bytes).fill(7);
  const up = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_WRITE | GPUBufferUsage.COPY_SRC });
  const down = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const upload: number[] = [];
  const readback: number[] = [];
  const reused: number[] = [];
  const again = new Uint8Array(bytes).fill(1);
  try {
    for (let i = -1; i < repeats; i++) {
      await up.mapAsync(GPUMapMode.WRITE);
      let t0 = performance.now();
      new Uint8Array(up.getMappedRange()).set(src);
      if (i >= 0) upload.push(gbs(bytes, performance.now() - t0));
      up.unmap();
      await down.mapAsync(GPUMapMode.READ);
      const mapped = new Uint8Array(down.getMappedRange()); // once: Dawn refuses a second range that overlaps
      t0 = performance.now();
      const out = new Uint8Array(bytes);
      out.set(mapped);
      if (i >= 0) readback.push(gbs(bytes, performance.now() - t0));
      t0 = performance.now();
      again.set(mapped);
      if (i >= 0) reused.push(gbs(bytes, performance.now() - t0));
      down.unmap();
    }
  } finally {
    up.destroy();
    down.destroy();
  }
  return { uploadGBs: stats(upload), readbackGBs: stats(readback), readbackReusedGBs: stats(reused) };
}

export interface CpuRoofline {
  readonly bytes: number;
  /** One thread's TypedArray copy: read + written bytes per second, GB/s. */
  readonly copyGBs: Stats;
}

const gbs = (bytes: number, ms: number): number => bytes / (ms * 1e6);

export async function gpuRoofline(engine: Engine, bytes: number, repeats: number): Promise<GpuRoofline> {
  return engine.run({
    cpu: () => Promise.reject(new Error('the GPU roofline needs the GPU backend')),
    gpu: async (g) => {
      const t = await timeCopy(g, bytes, repeats);
      const timed = t.kernelMs.length > 0;
      const copyGBs = stats((timed ? t.kernelMs : t.wallMs).map((ms) => gbs(2 * t.bytes, ms)));
      const data = new Uint8Array(t.bytes);
      for (let i = 0; i < data.length; i += 4096) data[i] = i >>> 12; // touched, so pages are real
      const m2m: number[] = [];
      for (let i = -1; i < Math.max(2, Math.ceil(repeats / 2)); i++) {
        const t0 = performance.now();
        await copyGpu(g, data);
        if (i >= 0) m2m.push(gbs(t.bytes, performance.now() - t0));
      }
      // At the batch size, as every call's pieces are (no piece exceeds one binding).
      const hostBytes = Math.min(g.batchBytes, bindingLimit(g.device));
      const host = await hostCopies(g.device, hostBytes, Math.max(3, repeats));
      return { bytes: t.bytes, batchBytes: hostBytes, copyGBs, timedBy: timed ? 'timestamps' : 'wall', memoryToMemoryGBs: stats(m2m), ...host } satisfies GpuRoofline;
    },
  });
}

export function cpuRoofline(bytes: number, repeats: number): CpuRoofline {
  const src = new Uint8Array(bytes).fill(1);
  const dst = new Uint8Array(bytes);
  const out: number[] = [];
  for (let i = -1; i < repeats; i++) {
    src[i & 1023] = i; // not a copy of identical data twice
    const t0 = performance.now();
    dst.set(src);
    if (i >= 0) out.push(gbs(2 * bytes, performance.now() - t0));
  }
  return { bytes, copyGBs: stats(out) };
}
