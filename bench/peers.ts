// Whole-process comparisons on one PNG: ImageMagick and FFmpeg (where installed) against `ditherforge image`
// doing the nearest operation, each command timed the same way (wall and child CPU time of the whole process,
// repeated round-robin so that drifting machine load hits every command alike).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from 'fast-png';
import type { BackendId, BenchConfig } from './config.js';
import { benchPalette, photo, rgbOf } from './inputs.js';
import { stats, type Stats } from './stats.js';
import { toolVersion } from './system.js';

export interface Tool {
  readonly name: 'ImageMagick' | 'FFmpeg' | 'ditherforge';
  readonly version: string | null;
  readonly note?: string;
}

/** How our command picks its backend: an explicit one, or none given (`auto`, as a user types it). */
export type OurRun = BackendId | 'default';

/** One command line, measured. Peers carry `ours`: the operation key of our counterpart rows. */
export interface ProcessRow {
  readonly id: string;
  readonly tool: Tool['name'];
  /** Operation key: our rows share it with the peers they answer (see PEER_OPS). */
  readonly op: string;
  readonly operation: string;
  readonly ours?: string;
  readonly backend?: OurRun;
  readonly command: string;
  readonly status: 'ok' | 'skipped' | 'failed';
  readonly note?: string;
  readonly wallMs?: Stats;
  /** Child CPU time (user + system) from /proc, where available. */
  readonly cpuMs?: Stats | null;
  readonly mpixPerS?: number;
  /**
   * Per our backend: the median over rounds of the peer's wall time / ours in the same round (each round runs every
   * command once, so pairing cancels the machine's drift between rounds). Above 1, ours is faster.
   */
  readonly ratios?: Partial<Record<OurRun, number>>;
}

export interface PeerReport {
  readonly input: { width: number; height: number; pngBytes: number };
  readonly tools: Tool[];
  readonly rows: ProcessRow[];
}

interface Command {
  readonly row: Omit<ProcessRow, 'status' | 'command'>;
  readonly argv: string[];
  readonly output: string;
}

/** The repository (or installed package) root: the nearest directory above with ditherforge's package.json. */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"ditherforge"/.test(readFileSync(pkg, 'utf8'))) return dir;
    if (dirname(dir) === dir) throw new Error('package.json of ditherforge not found above the bench');
  }
}

let clockTicks: number | undefined;
/** CPU time of this process's reaped children, ms; null where /proc is absent. */
function childCpuMs(): number | null {
  try {
    clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
    const s = readFileSync('/proc/self/stat', 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[13]) + Number(f[14])) * 1000) / clockTicks;
  } catch {
    return null;
  }
}

function runOnce(argv: string[]): { wallMs: number; cpuMs: number | null; error: string | null } {
  const c0 = childCpuMs();
  const t0 = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 600_000 });
  const wallMs = performance.now() - t0;
  const c1 = childCpuMs();
  const error = r.error ? r.error.message : r.status !== 0 ? `exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop()}` : null;
  return { wallMs, cpuMs: c0 === null || c1 === null ? null : c1 - c0, error };
}

// Peer operation → our counterpart. ImageMagick's -ordered-dither o8x8 is 2 levels per channel on the encoded
// values: our --levels 2 --gamma-space. -remap and paletteuse map to a given palette: our --palette with it.
// palettegen + paletteuse also choose the palette: our --palette auto:N.
const OURS: Record<string, { operation: (n: number) => string; args: (f: Files, n: number) => string[] }> = {
  levels: { operation: (n) => `${n} levels per channel, bayer8, gamma space`, args: (_, n) => ['--levels', String(n), '--gamma-space', '--method', 'bayer8'] },
  palette: { operation: (n) => `given ${n}-colour palette, bayer8`, args: (f, n) => ['--palette', f.hex(n), '--method', 'bayer8'] },
  auto: { operation: (n) => `auto ${n}-colour palette, bayer8`, args: (_, n) => ['--palette', `auto:${n}`, '--method', 'bayer8'] },
};

interface Files {
  readonly dir: string;
  readonly input: string;
  hex(n: number): string;
  remap(n: number): string;
  ffPalette(n: number): string;
}

function writeFiles(c: BenchConfig): { files: Files; pngBytes: number } {
  const dir = mkdtempSync(join(tmpdir(), 'ditherforge-bench-'));
  const { width, height } = c.peerSize;
  const input = join(dir, 'input.png');
  const png = encode({ width, height, channels: 3, depth: 8, data: rgbOf(photo(width, height, 8)) });
  writeFileSync(input, png);
  const pal = (n: number) => benchPalette(n as 16 | 256).colors;
  const once = (name: string, make: () => Uint8Array | string) => {
    const file = join(dir, name);
    if (!existsSync(file)) writeFileSync(file, make());
    return file;
  };
  const files: Files = {
    dir,
    input,
    hex: (n) => once(`pal${n}.hex`, () => Array.from({ length: n }, (_, i) => Buffer.from(pal(n).subarray(3 * i, 3 * i + 3)).toString('hex')).join('\n') + '\n'),
    remap: (n) => once(`pal${n}-remap.png`, () => encode({ width: n, height: 1, channels: 3, depth: 8, data: pal(n) })),
    // paletteuse wants a 16×16 palette image: the N colours repeated.
    ffPalette: (n) =>
      once(`pal${n}-ff.png`, () => {
        const rgba = new Uint8Array(4 * 256);
        for (let i = 0; i < 256; i++) rgba.set([...pal(n).subarray(3 * (i % n), 3 * (i % n) + 3), 255], 4 * i);
        return encode({ width: 16, height: 16, channels: 4, depth: 8, data: rgba });
      }),
  };
  return { files, pngBytes: png.length };
}

function cliHasThreads(cli: string): boolean {
  const r = spawnSync(process.execPath, [cli, 'image', '--help'], { encoding: 'utf8', timeout: 60_000 });
  return /--threads\b/.test(r.stdout ?? '');
}

function commands(c: BenchConfig, f: Files, tools: Tool[], ourBackends: OurRun[], cli: string | null, threads: number, cliThreads: boolean): Command[] {
  const out: Command[] = [];
  const o = (name: string) => join(f.dir, `${name}.png`);
  const has = (t: Tool['name']) => tools.some((x) => x.name === t && x.version !== null);
  const ourOps = new Set<string>();
  const peer = (id: string, tool: Tool['name'], operation: string, ours: string, argv: string[]) => {
    ourOps.add(ours);
    out.push({ row: { id, tool, op: id, operation, ours }, argv, output: argv[argv.length - 1]! });
  };
  if (has('ImageMagick')) {
    peer('im-ordered-o8x8', 'ImageMagick', '-ordered-dither o8x8', 'levels2', ['convert', f.input, '-ordered-dither', 'o8x8', o('im-ordered')]);
    for (const n of c.peerPalettes) {
      peer(`im-remap-${n}`, 'ImageMagick', `-dither FloydSteinberg -remap (${n} colours)`, `palette${n}`, ['convert', f.input, '-dither', 'FloydSteinberg', '-remap', f.remap(n), o(`im-remap${n}`)]);
    }
  }
  if (has('FFmpeg')) {
    const ff = (graph: string, extra: string[], name: string) => ['ffmpeg', '-v', 'error', '-y', '-i', f.input, ...extra, '-lavfi', graph, '-frames:v', '1', '-update', '1', o(name)];
    for (const n of c.peerPalettes) {
      peer(`ff-paletteuse-${n}`, 'FFmpeg', `paletteuse=dither=bayer (given ${n} colours)`, `palette${n}`, ff('[0:v][1:v]paletteuse=dither=bayer', ['-i', f.ffPalette(n)], `ff-use${n}`));
    }
    const n = c.peerPalettes[0]!;
    peer(`ff-palettegen-${n}`, 'FFmpeg', `palettegen=max_colors=${n} + paletteuse=dither=bayer`, `auto${n}`, ff(`split[a][b];[a]palettegen=max_colors=${n}[p];[b][p]paletteuse=dither=bayer`, [], `ff-gen${n}`));
  }
  if (cli) {
    for (const op of ourOps) {
      const m = /^([a-z]+)(\d+)$/.exec(op)!;
      const spec = OURS[m[1]!]!;
      const n = Number(m[2]);
      for (const b of ourBackends) {
        if (b === 'threads' && !cliThreads) continue;
        const backend = b === 'default' ? [] : b === 'threads' ? ['--backend', 'cpu', '--threads', String(threads)] : ['--backend', b];
        const name = `df-${op}-${b}`;
        out.push({
          row: { id: name, tool: 'ditherforge', op, operation: spec.operation(n), backend: b },
          argv: [process.execPath, cli, 'image', f.input, '-o', o(name), ...spec.args(f, n), ...backend],
          output: o(name),
        });
      }
    }
  }
  return out;
}

export function detectTools(): Tool[] {
  const im = toolVersion('convert', ['-version']);
  const ff = toolVersion('ffmpeg', ['-version']);
  return [
    { name: 'ImageMagick', version: im && /ImageMagick/.test(im) ? im.replace(/^Version:\s*/, '') : null, ...(im && /ImageMagick/.test(im) ? {} : { note: 'convert (ImageMagick) not found: skipped' }) },
    { name: 'FFmpeg', version: ff, ...(ff ? {} : { note: 'ffmpeg not found: skipped' }) },
  ];
}

/** Runs the peers and our counterparts on one PNG written to a temporary directory (removed afterwards). */
export function runPeers(c: BenchConfig, gpuAvailable: boolean, log: (s: string) => void): PeerReport {
  const tools = detectTools();
  const cliPath = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  const cli = existsSync(cliPath) ? cliPath : null;
  tools.push({ name: 'ditherforge', version: cli ? 'dist/src/cli/main.js' : null, ...(cli ? {} : { note: 'dist/src/cli/main.js not built (npm run build): our whole-process runs skipped' }) });
  const { files, pngBytes } = writeFiles(c);
  try {
    const cliThreads = cli !== null && cliHasThreads(cli);
    // 'default' first: the command as a user types it, which the targets judge.
    const backends: OurRun[] = ['default', ...c.backends.filter((b) => b !== 'gpu' || gpuAvailable)];
    const cmds = commands(c, files, tools, backends, cli, c.threads, cliThreads);
    const samples = cmds.map(() => ({ wall: [] as number[], cpu: [] as (number | null)[], error: null as string | null }));
    const start = performance.now();
    // Round 0, when configured, warms the file cache and each tool's libraries; it is not kept.
    for (let round = c.peerWarmup ? 0 : 1; round <= c.peerRepeats; round++) {
      cmds.forEach((cmd, i) => {
        const s = samples[i]!;
        if (s.error) return;
        const r = runOnce(cmd.argv);
        if (r.error) s.error = r.error;
        else if (round > 0) {
          s.wall.push(r.wallMs);
          s.cpu.push(r.cpuMs);
        }
      });
      log(`  peers: round ${round} done (${((performance.now() - start) / 1000).toFixed(0)} s)`);
      if (round >= 1 && performance.now() - start > c.peerBudgetMs) break;
    }
    const walls = new Map<string, number[]>(cmds.map((cmd, i) => [cmd.row.id, samples[i]!.wall]));
    const rows: ProcessRow[] = cmds.map((cmd, i) => {
      const s = samples[i]!;
      const command = cmd.argv.map((a) => (a.startsWith(files.dir) ? a.slice(files.dir.length + 1) : a === process.execPath ? 'node' : a === cli ? 'ditherforge' : a)).join(' ');
      if (s.error || s.wall.length === 0) return { ...cmd.row, command, status: 'failed', note: s.error ?? 'no run' };
      const wallMs = stats(s.wall);
      const cpu = s.cpu.every((x): x is number => x !== null) ? stats(s.cpu as number[]) : null;
      return { ...cmd.row, command, status: 'ok', wallMs, cpuMs: cpu, mpixPerS: Math.round(((c.peerSize.width * c.peerSize.height) / (wallMs.median * 1000)) * 1000) / 1000 };
    });
    if (cli && !cliThreads && c.backends.includes('threads')) {
      rows.push({ id: 'df-threads', tool: 'ditherforge', op: '-', operation: 'CPU backend with threads', command: '-', status: 'skipped', note: '`ditherforge image` has no --threads option yet' });
    }
    for (const r of rows) {
      if (r.tool === 'ditherforge' || !r.wallMs || !r.ours) continue;
      const ratios: Partial<Record<OurRun, number>> = {};
      for (const o of rows) {
        if (o.tool === 'ditherforge' && o.op === r.ours && o.wallMs && o.backend) ratios[o.backend] = pairedRatio(walls.get(r.id)!, walls.get(o.id)!);
      }
      (r as { ratios?: typeof ratios }).ratios = ratios;
    }
    return { input: { width: c.peerSize.width, height: c.peerSize.height, pngBytes }, tools, rows };
  } finally {
    rmSync(files.dir, { recursive: true, force: true });
  }
}

/** Median of a[i] / b[i] over the rounds both ran (rows that failed have no ratio), to 2 decimals. */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  return Math.round(stats(Array.from({ length: n }, (_, i) => a[i]! / b[i]!)).median * 100) / 100;
}
