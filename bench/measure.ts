// Timing one workload on one backend: an optional warm-up, then repeats until the count or the time budget is
// reached. Wall time is the memory-to-memory time of the call (uploads and readbacks included on the GPU); the
// kernel time comes from GPU timestamps; CPU time is this process's, all threads (workers, and lavapipe's).
import type { Engine } from '../src/engine.js';
import type { BackendId, BenchConfig } from './config.js';
import { stats, type Stats } from './stats.js';
import type { Group, Workload } from './workloads.js';

export interface KernelRow {
  readonly workload: string;
  readonly group: Group;
  readonly label: string;
  readonly items: number;
  readonly unit: 'px' | 'voxel';
  readonly bytesPerItem: number;
  readonly inputBytesPerItem: number;
  readonly backend: BackendId;
  readonly status: 'ok' | 'skipped' | 'failed';
  readonly note?: string;
  readonly wallMs?: Stats;
  readonly kernelMs?: Stats | null;
  /** The first call after the workload's caches were emptied (Workload.reset): kernel ms, or null. */
  readonly firstKernelMs?: number | null;
  readonly cpuMs?: Stats;
  /** Millions of pixels (voxels) per second from the median wall time. */
  readonly wallMitemsPerS?: number;
  /** …from the median kernel time (GPU timestamps). */
  readonly kernelMitemsPerS?: number | null;
  /** Bytes moved per second by the kernel (GPU: kernel time; CPU: wall time), GB/s. */
  readonly kernelGBs?: number | null;
  /** Input bytes per second over the whole memory-to-memory call, GB/s. */
  readonly inputGBs?: number;
  /** kernelGBs as a fraction of the backend's copy bandwidth. */
  readonly roofline?: number | null;
}

export interface MeasureContext {
  readonly config: BenchConfig;
  readonly deadline: number;
  /** Milliseconds per item of the last measured workload of a family on a backend. */
  readonly perItem: Map<string, number>;
  /** Copy bandwidth per backend, GB/s (read + written). */
  readonly copyGBs: Partial<Record<BackendId, number>>;
  readonly log: (line: string) => void;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export async function measure(engine: Engine, backend: BackendId, w: Workload, ctx: MeasureContext): Promise<KernelRow> {
  const base = {
    workload: w.id,
    group: w.group,
    label: w.label,
    items: w.items,
    unit: w.unit,
    bytesPerItem: r3(w.bytesPerItem),
    inputBytesPerItem: w.inputBytesPerItem,
    backend,
  };
  const { config } = ctx;
  const famKey = `${w.family}|${backend}`;
  const per = ctx.perItem.get(famKey);
  const predicted = per === undefined ? null : per * w.items;
  if (performance.now() > ctx.deadline) return { ...base, status: 'skipped', note: "over the run's time budget" };
  if (predicted !== null && predicted > config.maxRunMs) {
    return { ...base, status: 'skipped', note: `estimated ${(predicted / 1000).toFixed(0)} s per run, over the ${config.maxRunMs / 1000} s limit` };
  }
  const wall: number[] = [];
  const kernel: number[] = [];
  const cpu: number[] = [];
  let first: number | null | undefined; // the first call's kernel time
  try {
    w.prepare(); // inputs are never timed, also where the warm-up below is skipped
    await w.setup?.(engine);
    await w.reset?.(engine);
    // A warm-up compiles pipelines and JITs the reference; skipped where a run is long enough not to care.
    if (predicted === null || predicted < Math.min(config.budgetMs / 3, 3000)) first = await w.run(engine);
    const start = performance.now();
    for (;;) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const gpuMs = await w.run(engine);
      wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      if (gpuMs !== null) kernel.push(gpuMs);
      if (first === undefined) first = gpuMs;
      if (wall.length >= config.repeats || performance.now() - start >= config.budgetMs) break;
    }
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ...base, status: 'failed', note: msg };
  } finally {
    w.teardown?.(engine);
  }
  const wallMs = stats(wall);
  const kernelMs = kernel.length === wall.length ? stats(kernel) : null;
  ctx.perItem.set(famKey, wallMs.median / w.items);
  const mps = (ms: number) => r3(w.items / (ms * 1000));
  const bytes = w.items * w.bytesPerItem;
  const timeForBw = backend === 'gpu' ? kernelMs?.median : wallMs.median;
  const kernelGBs = timeForBw === undefined ? null : r3(bytes / (timeForBw * 1e6));
  const ceiling = ctx.copyGBs[backend];
  return {
    ...base,
    status: 'ok',
    wallMs,
    kernelMs,
    firstKernelMs: first ?? null,
    cpuMs: stats(cpu),
    wallMitemsPerS: mps(wallMs.median),
    kernelMitemsPerS: kernelMs ? mps(kernelMs.median) : null,
    kernelGBs,
    inputGBs: r3((w.items * w.inputBytesPerItem) / (wallMs.median * 1e6)),
    roofline: kernelGBs !== null && ceiling ? Math.round((kernelGBs / ceiling) * 10000) / 10000 : null,
  };
}
