// The roofline's ceilings: the GPU's copy bandwidth (the copy kernel, timed by timestamps), the host-to-host
// path through the GPU (upload, copy, readback), and the CPU's single-thread memcpy.
import type { Engine } from '../src/engine.js';
import { copyGpu, timeCopy } from '../src/kernels/copy.gpu.js';
import { stats, type Stats } from './stats.js';

export interface GpuRoofline {
  /** Bytes per copy (read once, written once). */
  readonly bytes: number;
  /** Copy kernel bandwidth, read + written bytes per second, in GB/s (timestamps; wall time of a bare submit without them). */
  readonly copyGBs: Stats;
  readonly timedBy: 'timestamps' | 'wall';
  /** Memory-to-memory: input bytes per second through upload, copy and readback, in GB/s. */
  readonly memoryToMemoryGBs: Stats;
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
      return { bytes: t.bytes, copyGBs, timedBy: timed ? 'timestamps' : 'wall', memoryToMemoryGBs: stats(m2m) } satisfies GpuRoofline;
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
