// The run's record (JSON), its verdicts on the issue's targets, and its markdown and SVG renderings.
import { STAGED, type BackendId } from './config.js';
import type { KernelRow } from './measure.js';
import type { OurRun, PeerReport, ProcessRow } from './peers.js';
import { hostCeilingGBs, type CpuRoofline, type GpuRoofline } from './roofline.js';
import { BATCH_BYTES } from '../src/host/batches.js';
import { barChart, type Group } from './svg.js';
import type { AdapterInfo, Machine } from './system.js';
import { median } from './stats.js';

export interface BackendReport {
  readonly id: BackendId;
  readonly label: string;
  readonly status: 'ok' | 'skipped';
  readonly note?: string;
}

export interface Target {
  readonly id: string;
  readonly goal: string;
  readonly measured: string;
  readonly verdict: 'met' | 'missed' | 'n/a';
}

export interface BenchResult {
  readonly schema: 'ditherforge-bench/1';
  readonly date: string;
  readonly mode: string;
  readonly durationS: number;
  readonly config: Record<string, unknown>;
  readonly machine: Machine;
  readonly adapter: AdapterInfo | null;
  readonly backends: BackendReport[];
  readonly roofline: { readonly gpu: GpuRoofline | null; readonly cpu: CpuRoofline };
  readonly kernels: KernelRow[];
  readonly peers: PeerReport | null;
  readonly targets: Target[];
  readonly notes: string[];
}

/** `v` to `digits` significant digits, without exponents; '–' for none. */
export const sig = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : Number(v.toPrecision(digits)).toString());
const pct = (f: number | null | undefined): string => (f === null || f === undefined ? '–' : `${(f * 100).toPrecision(2)}%`);
const mib = (b: number): string => (b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(0)} MiB` : `${(b / 1024).toFixed(0)} KiB`);
const GROUP_ORDER = ['2D palette', 'levels 16→8 bit', '3D grey8→1 bit', '3D 4 materials'];

/** Workload ids in run order, grouped by kind (the run goes size by size). */
function workloadIds(rows: KernelRow[]): string[] {
  const ids = [...new Set(rows.map((k) => k.workload))];
  const group = (id: string) => GROUP_ORDER.indexOf(rows.find((k) => k.workload === id)!.group);
  return ids.map((id, i) => ({ id, i, g: group(id) })).sort((a, b) => a.g - b.g || a.i - b.i).map((x) => x.id);
}

function row(rows: KernelRow[], workload: string, backend: BackendId): KernelRow | undefined {
  return rows.find((r) => r.workload === workload && r.backend === backend && r.status === 'ok');
}

/** Verdicts on the issue's targets, from this run's figures. */
export function targets(r: Omit<BenchResult, 'targets'>): Target[] {
  const out: Target[] = [];
  const peers = r.peers;
  const size = peers ? `${peers.input.width}×${peers.input.height}` : '';
  const at4k = peers !== null && peers.input.width === 3840 && peers.input.height === 2160;
  const sizeNote = at4k ? '' : ` (measured at ${size}; the target is for 4K: run the full bench)`;
  const peerTarget = (id: string, peerId: string, need: number, goal: string) => {
    const p = peers?.rows.find((x) => x.id === peerId);
    const ratios = Object.entries(p?.ratios ?? {}) as [OurRun, number][];
    if (!p || p.status !== 'ok' || ratios.length === 0) {
      out.push({ id, goal, measured: p?.note ?? 'not measured (tool or our CLI absent)', verdict: 'n/a' });
      return;
    }
    // The command as a user types it (no --backend) is judged; runs from older results without it, by the best.
    const judged = ratios.find(([b]) => b === 'default') ?? ratios.reduce((a, b) => (b[1] > a[1] ? b : a));
    const all = ratios.map(([b, v]) => `${OUR_RUN_LABEL[b]} ${v}×`).join(', ');
    const verdict = judged[1] >= need ? 'met' : 'missed';
    const by = verdict === 'missed' ? `; missed by ${((1 - judged[1] / need) * 100).toFixed(0)}% (${judged[1]}× of ${need}×)` : '';
    out.push({ id, goal, measured: `${p.operation}: peer time / ours = ${all} (judged: ${OUR_RUN_LABEL[judged[0]]})${by}${sizeNote}`, verdict });
  };
  peerTarget('image-vs-imagemagick', 'im-ordered-o8x8', 1, 'whole-process `ditherforge image` on a 4K PNG at least as fast as ImageMagick -ordered-dither');
  const n16 = peers?.rows.find((x) => x.id.startsWith('ff-paletteuse-16')) ? 'ff-paletteuse-16' : 'ff-paletteuse-256';
  peerTarget('image-vs-ffmpeg', n16, 2, 'whole-process `ditherforge image` on a 4K PNG at least 2× as fast as FFmpeg paletteuse with the same palette');

  const speedups: { id: string; s: number; cpuRatio: number | null }[] = [];
  for (const t of r.kernels.filter((k) => k.backend === 'threads' && k.status === 'ok')) {
    const one = row(r.kernels, t.workload, 'cpu');
    if (!one?.wallMs || !t.wallMs) continue;
    const cpuRatio = one.cpuMs && t.cpuMs ? t.cpuMs.median / one.cpuMs.median : null;
    speedups.push({ id: t.workload, s: one.wallMs.median / t.wallMs.median, cpuRatio });
  }
  const threads = r.backends.find((b) => b.id === 'threads')?.label ?? 'threads';
  if (speedups.length === 0) {
    out.push({ id: 'threads', goal: 'threaded CPU backend ≥ 1.7× the single-threaded one on 2 cores', measured: 'not measured', verdict: 'n/a' });
  } else {
    const ss = speedups.map((x) => x.s);
    const med = median(ss);
    const worst = speedups.reduce((a, b) => (b.s < a.s ? b : a));
    const overhead = speedups.map((x) => x.cpuRatio).filter((x): x is number => x !== null);
    const load = r.machine.loadAverage;
    out.push({
      id: 'threads',
      goal: 'threaded CPU backend ≥ 1.7× the single-threaded one on 2 cores',
      measured:
        `${threads}: median speed-up ${med.toFixed(2)}× over ${ss.length} workloads (min ${worst.s.toFixed(2)}× on ${worst.id}, max ${Math.max(...ss).toFixed(2)}×)` +
        (overhead.length ? `; CPU time threaded / single ${median(overhead).toFixed(2)}` : '') +
        `; load average ${load.start[0]} at start, ${load.end[0]} at end on ${r.machine.cores} cores` +
        (med < 1.7 ? `; missed by ${((1 - med / 1.7) * 100).toFixed(0)}%` : ''),
      verdict: med >= 1.7 ? 'met' : 'missed',
    });
  }

  const gpuRows = r.kernels.filter((k) => k.backend === 'gpu' && k.status === 'ok');
  const real = r.adapter !== null && !r.adapter.isSoftware;
  const why = r.adapter === null ? 'no adapter' : `software adapter (${r.adapter.description}): GPU targets apply to real GPUs only`;
  const gpuTarget = (id: string, goal: string, pick: (k: KernelRow) => boolean, need: number, value: (k: KernelRow) => number | null | undefined, unit: (v: number) => string) => {
    const vals = gpuRows.filter(pick).map((k) => ({ k, v: value(k) })).filter((x): x is { k: KernelRow; v: number } => typeof x.v === 'number');
    if (vals.length === 0) {
      out.push({ id, goal, measured: 'not measured', verdict: 'n/a' });
      return;
    }
    const worst = vals.reduce((a, b) => (b.v < a.v ? b : a));
    const med = median(vals.map((x) => x.v));
    const coldFractions = vals.map(({ k }) => (k.roofline && k.kernelMs && k.firstKernelMs ? (k.roofline * k.kernelMs.median) / k.firstKernelMs : null));
    const cold = coldFractions.every((c): c is number => c !== null) && id.startsWith('gpu-2d') ? `; first call (split table empty): median ${unit(median(coldFractions))}` : '';
    const measured = `median ${unit(med)}, lowest ${unit(worst.v)} (${worst.k.label})${cold}`;
    if (!real) out.push({ id, goal, measured: `${measured}; ${why}`, verdict: 'n/a' });
    else out.push({ id, goal, measured: worst.v >= need ? measured : `${measured}; missed by ${((1 - worst.v / need) * 100).toFixed(0)}%`, verdict: worst.v >= need ? 'met' : 'missed' });
  };
  const colours = (k: KernelRow) => Number(/(\d+) colours/.exec(k.label)?.[1] ?? 0);
  gpuTarget('gpu-2d-small', '2D kernel ≥ 70% of copy bandwidth up to 16 colours', (k) => k.group === '2D palette' && colours(k) <= 16, 0.7, (k) => k.roofline, pct);
  gpuTarget('gpu-2d-256', '2D kernel ≥ 35% of copy bandwidth at 256 colours', (k) => k.group === '2D palette' && colours(k) === 256, 0.35, (k) => k.roofline, pct);
  gpuTarget('gpu-3d', '3D kernels ≥ 70% of copy bandwidth', (k) => k.group.startsWith('3D'), 0.7, (k) => k.roofline, pct);
  const stagedIn = (k: KernelRow) => k.label.endsWith(STAGED);
  gpuTarget('gpu-m2m', 'memory-to-memory ≥ 10 GB/s of input', (k) => !stagedIn(k), 10, (k) => k.inputGBs, (v) => `${sig(v)} GB/s`);
  const g = r.roofline.gpu;
  const m2mAt = out.length - 1;
  const m2m = out[m2mAt]!;
  const ceilings = gpuRows.filter((k) => !stagedIn(k)).map((k) => (g && k.inputGBs ? { k, c: hostCeilingGBs(g, (k.bytesPerItem - k.inputBytesPerItem) / k.inputBytesPerItem) } : null)).filter((x) => x?.c);
  if (ceilings.length) {
    const f = ceilings.map((x) => x!.k.inputGBs! / x!.c!);
    out[m2mAt] = { ...m2m, measured: `${m2m.measured}; one thread's host copies alone allow ${sig(Math.min(...ceilings.map((x) => x!.c!)))}–${sig(Math.max(...ceilings.map((x) => x!.c!)))} GB/s here (see Roofline), of which the calls reach median ${pct(median(f))}` };
  }
  gpuTarget('gpu-m2m-staged', 'memory-to-memory ≥ 10 GB/s of input, from staged memory (engine.stage)', stagedIn, 10, (k) => k.inputGBs, (v) => `${sig(v)} GB/s`);
  return out;
}

/** Our whole-process runs as the report names them. */
const OUR_RUN_LABEL: Record<OurRun, string> = { default: 'default (no --backend)', gpu: 'gpu', cpu: 'cpu', threads: 'threads' };
const OUR_RUNS: OurRun[] = ['default', 'gpu', 'cpu', 'threads'];

export function markdown(r: BenchResult): string {
  const m = r.machine;
  const L: string[] = [];
  const adapter = r.adapter ? `${r.adapter.description}${r.adapter.isSoftware ? ' (software: a CPU implementation of Vulkan)' : ' (hardware)'}${r.adapter.timestamps ? ', timestamp queries' : ', no timestamp queries'}` : 'none';
  L.push(`# ditherforge benchmark (${r.mode})`, '');
  L.push(`${r.date}, ${r.durationS.toFixed(0)} s. **Machine:** ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}. **GPU adapter:** ${adapter}. Load average (1 min) ${m.loadAverage.start[0]} at start, ${m.loadAverage.end[0]} at end.`, '');
  for (const b of r.backends) L.push(`- ${b.label}${b.status === 'skipped' ? ` — skipped: ${b.note}` : ''}`);
  if (typeof r.config.splitPasses === 'string') L.push(`- GPU 2D palettes with the split table: \`--split-passes ${r.config.splitPasses}\``);
  if (typeof r.config.batchBytes === 'number') L.push(`- GPU batches of ${mib(r.config.batchBytes)} of input (\`--batch-mib\`)`);
  L.push('');
  L.push('## Roofline', '');
  const g = r.roofline.gpu;
  if (g) {
    L.push(`- GPU copy kernel: **${sig(g.copyGBs.median)} GB/s** read + written (${sig(g.copyGBs.min)}–${sig(g.copyGBs.max)}, ${g.copyGBs.n} runs of ${mib(g.bytes)}, timed by ${g.timedBy}).`);
    L.push(`- GPU memory to memory (upload, copy, readback): **${sig(g.memoryToMemoryGBs.median)} GB/s** of input (${sig(g.memoryToMemoryGBs.min)}–${sig(g.memoryToMemoryGBs.max)}).`);
    if (g.uploadGBs && g.readbackGBs) {
      const into = g.readbackReusedGBs ? `**${sig(g.readbackReusedGBs.median)} GB/s** into an array used before, ` : '';
      L.push(`- Host copies of ${mib(g.batchBytes ?? BATCH_BYTES)} (one thread, the batch size): JS array → mapped staging buffer **${sig(g.uploadGBs.median)} GB/s**; mapped readback buffer → JS array ${into}${sig(g.readbackGBs.median)} GB/s into a fresh one (its page faults included). Every memory-to-memory call pays an upload and a readback, so even without page faults they cap its input rate at ${sig(hostCeilingGBs(g, 0.25))} GB/s for 2D palettes and 4 fractions → 1 byte, ${sig(hostCeilingGBs(g, 0.125))} GB/s for grey8 → 1 bit.`);
    }
  } else L.push('- GPU: no adapter, not measured.');
  L.push(`- CPU copy (one thread, TypedArray.set): **${sig(r.roofline.cpu.copyGBs.median)} GB/s** read + written (${sig(r.roofline.cpu.copyGBs.min)}–${sig(r.roofline.cpu.copyGBs.max)}).`, '');
  L.push('Bytes moved per pixel / voxel (input samples + output, tables excluded): 2D palette RGBA8 → index: 5; levels RGBA16 → RGBA8 codes: 12; 3D grey8 → 1 bit: 1.125; 3D 4 × 8-bit fractions → material byte: 5.', '');

  L.push('## Kernels', '');
  L.push('Throughput in Mpixel/s (Mvoxel/s for stacks) from the median of the repeats. GPU kernel: timestamp queries, steady state (2D palettes: with the device\'s pair-split table warm, read in two passes by default); GPU 1st call: the kernel of the first call, with the caches kept between calls emptied (2D palettes: the split table, which later calls and video frames with the same palette read instead of searching; one fused pass); GPU mem→mem: wall time of the call, upload and readback included; “% copy”: the kernel\'s bytes moved per second over the copy bandwidth of the same device.', '');
  L.push('| Workload | GPU kernel | % copy | GPU 1st call | GPU mem→mem | input GB/s | CPU 1 thread | CPU threads | threads / 1 |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const ids = workloadIds(r.kernels);
  for (const id of ids) {
    const any = r.kernels.find((k) => k.workload === id)!;
    const gpu = row(r.kernels, id, 'gpu');
    const one = row(r.kernels, id, 'cpu');
    const many = row(r.kernels, id, 'threads');
    const sp = one?.wallMs && many?.wallMs ? `${(one.wallMs.median / many.wallMs.median).toFixed(2)}×` : '–';
    const cold = gpu?.firstKernelMs ? gpu.items / (gpu.firstKernelMs * 1000) : null;
    L.push(`| ${any.group}: ${any.label} | ${sig(gpu?.kernelMitemsPerS)} | ${pct(gpu?.roofline)} | ${sig(cold)} | ${sig(gpu?.wallMitemsPerS)} | ${sig(gpu?.inputGBs)} | ${sig(one?.wallMitemsPerS)} | ${sig(many?.wallMitemsPerS)} | ${sp} |`);
  }
  L.push('');
  L.push('<details><summary>Timings: median [min–max] ms over n runs, and CPU time of the process</summary>', '');
  L.push('| Workload | Backend | wall ms | GPU kernel ms | CPU ms | n | note |');
  L.push('|---|---|---:|---:|---:|---:|---|');
  for (const k of r.kernels) {
    const st = (s: KernelRow['wallMs'] | null | undefined) => (s ? `${sig(s.median)} [${sig(s.min)}–${sig(s.max)}]` : '–');
    L.push(`| ${k.label} | ${k.backend} | ${st(k.wallMs)} | ${st(k.kernelMs)} | ${st(k.cpuMs)} | ${k.wallMs?.n ?? 0} | ${k.status === 'ok' ? '' : `${k.status}: ${k.note ?? ''}`} |`);
  }
  L.push('', '</details>', '');

  if (r.peers) {
    const p = r.peers;
    L.push(`## Whole process vs peers (${p.input.width}×${p.input.height} RGB PNG, ${mib(p.input.pngBytes)})`, '');
    for (const t of p.tools) L.push(`- ${t.name}: ${t.version ?? 'absent'}${t.note ? ` — ${t.note}` : ''}`);
    L.push('', 'Each command is one whole process (start-up, PNG decode, dither, PNG encode), run round-robin (after an untimed warm-up round in full runs). Ratio: the median over rounds of peer time / our time in the same round; above 1, ours is faster.', '');
    L.push(`| Tool | Operation | wall s, median [min–max] | CPU s | Mpixel/s | ratio vs ours (${OUR_RUNS.join(' / ')}) |`);
    L.push('|---|---|---:|---:|---:|---|');
    const ratio = (x: ProcessRow) => (x.ratios ? OUR_RUNS.map((b) => (x.ratios?.[b] === undefined ? '–' : `${x.ratios[b]}×`)).join(' / ') : '');
    for (const x of p.rows) {
      const wall = x.wallMs ? `${sig(x.wallMs.median / 1000)} [${sig(x.wallMs.min / 1000)}–${sig(x.wallMs.max / 1000)}]` : `${x.status}: ${x.note ?? ''}`;
      const how = x.backend === 'default' ? 'no --backend: auto' : x.backend === 'threads' ? '--backend cpu --threads' : `--backend ${x.backend}`;
      const op = x.tool === 'ditherforge' && x.backend ? `${x.operation} (${how})` : x.operation;
      L.push(`| ${x.tool} | ${op} | ${wall} | ${sig(x.cpuMs ? x.cpuMs.median / 1000 : null)} | ${sig(x.mpixPerS)} | ${ratio(x)} |`);
    }
    L.push('');
  }
  L.push('## Targets', '');
  L.push('| Target | Verdict | Measured |', '|---|---|---|');
  for (const t of r.targets) L.push(`| ${t.goal} | **${t.verdict}** | ${t.measured} |`);
  L.push('');
  if (r.notes.length) L.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return L.join('\n');
}

const SERIES = [
  { name: 'GPU kernel (timestamps)', color: '#1f5fa8' },
  { name: 'GPU memory→memory', color: '#7fb0e6' },
  { name: 'CPU reference, 1 thread', color: '#c0504d' },
  { name: 'CPU backend, worker threads', color: '#e8a33d' },
  { name: 'ditherforge image --backend cpu', color: '#8e5a9b' },
  { name: 'ditherforge image --backend gpu', color: '#b99ac4' },
  { name: 'ditherforge image (no --backend)', color: '#4b2a5a' },
  { name: 'ImageMagick', color: '#3a8f5c' },
  { name: 'FFmpeg', color: '#7a7a7a' },
];

export function chart(r: BenchResult): string {
  const groups: Group[] = [];
  let lastGroup = '';
  const ids = workloadIds(r.kernels);
  for (const id of ids) {
    const any = r.kernels.find((k) => k.workload === id)!;
    const bars = [
      { series: 0, value: row(r.kernels, id, 'gpu')?.kernelMitemsPerS },
      { series: 1, value: row(r.kernels, id, 'gpu')?.wallMitemsPerS },
      { series: 2, value: row(r.kernels, id, 'cpu')?.wallMitemsPerS },
      { series: 3, value: row(r.kernels, id, 'threads')?.wallMitemsPerS },
    ].filter((b): b is { series: number; value: number } => typeof b.value === 'number' && b.value > 0);
    if (bars.length === 0) continue;
    groups.push({ label: any.label, bars, ...(any.group !== lastGroup ? { heading: `Kernels: ${any.group} (M${any.unit === 'px' ? 'pixel' : 'voxel'}/s)` } : {}) });
    lastGroup = any.group;
  }
  if (r.peers) {
    let first = true;
    for (const p of r.peers.rows.filter((x) => x.tool !== 'ditherforge' && x.mpixPerS)) {
      const ours = r.peers.rows.filter((o) => o.tool === 'ditherforge' && o.op === p.ours && o.mpixPerS && o.backend !== 'threads');
      const bars = [
        ...ours.map((o) => ({ series: o.backend === 'default' ? 6 : o.backend === 'gpu' ? 5 : 4, value: o.mpixPerS! })),
        { series: p.tool === 'ImageMagick' ? 7 : 8, value: p.mpixPerS! },
      ];
      groups.push({ label: `${p.tool} ${p.operation}`, bars, ...(first ? { heading: `Whole process, ${r.peers.input.width}×${r.peers.input.height} PNG in → PNG out (Mpixel/s)` } : {}) });
      first = false;
    }
  }
  const adapter = r.adapter ? `${r.adapter.description}${r.adapter.isSoftware ? ' (software)' : ''}` : 'no GPU adapter';
  return barChart({
    title: `ditherforge throughput (${r.mode} run, ${r.date.slice(0, 10)})`,
    subtitle: `${r.machine.cpuModel}, ${r.machine.cores} cores; GPU: ${adapter}; Node ${r.machine.node}. Medians; log scale.`,
    axisLabel: 'million pixels (voxels) per second, log scale',
    series: SERIES,
    groups,
  });
}
