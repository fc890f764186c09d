// One benchmark run: open the backends, measure the rooflines, every workload on every backend, the peers, then
// write the JSON record, the markdown table and the SVG chart.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../src/engine.js';
import type { BackendId, BenchConfig } from './config.js';
import { measure, type KernelRow, type MeasureContext } from './measure.js';
import { runPeers, type PeerReport } from './peers.js';
import { chart, markdown, targets, type BackendReport, type BenchResult } from './report.js';
import { cpuRoofline, gpuRoofline, type GpuRoofline } from './roofline.js';
import { finishMachine, machine, type AdapterInfo } from './system.js';
import { Inputs, workloads } from './workloads.js';

function write(base: string, result: BenchResult): BenchOutput['files'] {
  const files = { json: `${base}.json`, markdown: `${base}.md`, svg: `${base}.svg` };
  writeFileSync(files.json, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(files.markdown, markdown(result));
  writeFileSync(files.svg, chart(result));
  return files;
}

/** Re-renders a results JSON (targets, markdown, SVG) without measuring again, e.g. after a report change. */
export function renderResults(jsonPath: string): BenchOutput {
  const old = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchResult;
  if (old.schema !== 'ditherforge-bench/1') throw new Error(`${jsonPath} is not a ditherforge bench result`);
  const { targets: _, ...partial } = old;
  const result: BenchResult = { ...partial, targets: targets(partial) };
  return { result, files: write(jsonPath.replace(/\.json$/, ''), result) };
}

export interface BenchOutput {
  readonly result: BenchResult;
  readonly files: { json: string; markdown: string; svg: string };
}

const LABELS: Record<BackendId, (threads: number) => string> = {
  gpu: () => 'GPU: WebGPU on the adapter present (kernel time from timestamp queries, and memory-to-memory wall time)',
  cpu: () => 'CPU reference, single-threaded',
  threads: (n) => `CPU backend, ${n} worker threads over row tiles / layers`,
};

async function openEngine(id: BackendId, threads: number, notes: string[], batchBytes: number | undefined): Promise<Engine | string> {
  try {
    if (id === 'gpu') return await Engine.create({ backend: 'gpu', notify: (m) => notes.push(`GPU: ${m}`), ...(batchBytes === undefined ? {} : { batchBytes }) });
    return await Engine.create({ backend: 'cpu', threads: id === 'threads' ? threads : 1 });
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0]! : String(err);
  }
}

export async function runBench(config: BenchConfig, log: (line: string) => void = () => {}): Promise<BenchOutput> {
  const t0 = performance.now();
  const date = new Date().toISOString();
  const m = machine();
  const notes: string[] = [];
  const engines = new Map<BackendId, Engine>();
  const backends: BackendReport[] = [];
  for (const id of config.backends) {
    const e = await openEngine(id, config.threads, notes, config.batchBytes);
    if (typeof e === 'string') backends.push({ id, label: LABELS[id](config.threads), status: 'skipped', note: e });
    else {
      engines.set(id, e);
      backends.push({ id, label: LABELS[id](config.threads), status: 'ok' });
    }
  }
  try {
    const gpu = engines.get('gpu');
    let adapter: AdapterInfo | null = null;
    let gpuRoof: GpuRoofline | null = null;
    if (gpu) {
      const device = await gpu.device();
      adapter = { ...gpu.adapter!, timestamps: device?.features.has('timestamp-query') ?? false };
      log(`roofline: GPU copy (${adapter.description})`);
      gpuRoof = await gpuRoofline(gpu, config.copyBytes, config.repeats + 2);
    }
    log('roofline: CPU copy');
    const cpuRoof = cpuRoofline(config.copyBytes, config.repeats + 2);
    const ctx: MeasureContext = {
      config,
      deadline: performance.now() + config.kernelBudgetMs,
      perItem: new Map(),
      copyGBs: { gpu: gpuRoof?.copyGBs.median, cpu: cpuRoof.copyGBs.median, threads: cpuRoof.copyGBs.median },
      log,
    };
    const kernels: KernelRow[] = [];
    const inputs = new Inputs();
    for (const w of workloads(config, inputs)) {
      inputs.keep(w.inputKey);
      for (const id of config.backends) {
        const e = engines.get(id);
        if (!e || (w.backends && !w.backends.includes(id))) continue;
        const r = await measure(e, id, w, ctx);
        kernels.push(r);
        const fig = r.status === 'ok' ? `${r.wallMs!.median.toFixed(1)} ms (${r.wallMitemsPerS} M/s${r.kernelMs ? `, kernel ${r.kernelMs.median.toFixed(1)} ms` : ''})` : `${r.status}: ${r.note}`;
        log(`${w.group}: ${w.label} [${id}] ${fig}`);
      }
    }
    inputs.keep('');
    // The peers are other processes: this one's devices and worker threads are let go first, so that nothing of
    // ours runs or holds memory beside them.
    await Promise.all([...engines.values()].map((e) => e.destroy()));
    engines.clear();
    let peers: PeerReport | null = null;
    if (config.peers) {
      log(`peers at ${config.peerSize.width}×${config.peerSize.height}`);
      peers = runPeers(config, backends.some((b) => b.id === 'gpu' && b.status === 'ok'), log);
    }
    finishMachine(m);
    if (adapter?.isSoftware) notes.push(`The GPU adapter is a software implementation (${adapter.description}): its figures measure the CPU running Vulkan, not a GPU.`);
    // The load at the start only: by the end, the 1-minute average includes our own worker threads.
    if (m.loadAverage.start[0]! > m.cores * 0.75) {
      notes.push(`Other work was running (load average ${m.loadAverage.start[0]} / ${m.loadAverage.end[0]} on ${m.cores} cores): wall times are inflated and noisy; CPU times are the steadier figure.`);
    }
    const partial = {
      schema: 'ditherforge-bench/1' as const,
      date,
      mode: config.mode,
      durationS: Math.round((performance.now() - t0) / 100) / 10,
      config: { ...config, outDir: undefined },
      machine: m,
      adapter,
      backends,
      roofline: { gpu: gpuRoof, cpu: cpuRoof },
      kernels,
      peers,
      notes,
    };
    const result: BenchResult = { ...partial, targets: targets(partial) };
    mkdirSync(config.outDir, { recursive: true });
    return { result, files: write(join(config.outDir, config.name), result) };
  } finally {
    for (const e of engines.values()) e.destroy();
  }
}
