// `ditherforge bench`: the benchmark suite (bench/): kernels on every backend, the roofline, peers, and the
// JSON / markdown / SVG report under bench/results/.
import { Command, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { BACKEND_IDS, deeper, fullConfig, quickConfig, scaled, type BackendId, type BenchConfig } from '../../bench/config.js';
import { renderResults, runBench } from '../../bench/suite.js';
import { InputError } from '../errors.js';
import { SPLIT_PASSES, type SplitPasses } from '../kernels/orderedPalette.gpu.js';
import { positiveInt, runCommand } from './run.js';

const PARTS = ['2d', 'levels', '3d', 'peers'] as const;
type Part = (typeof PARTS)[number];

interface BenchOptions {
  quick?: boolean;
  out: string;
  name?: string;
  backends: string;
  threads: number;
  repeats?: number;
  budget?: number;
  scale: number;
  deeper: number;
  only?: string;
  peers: boolean;
  render?: string;
  splitPasses?: SplitPasses;
  batchMib?: number;
}

function list<T extends string>(option: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!allowed.includes(i as T)) throw new InputError(option, `expected a list of ${allowed.join(', ')}, got "${i}"`);
  return items as T[];
}

function scaleValue(value: string): number {
  const v = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(v) || v <= 0 || v > 1) throw new InputError('--scale', `expected a number above 0 and at most 1, got "${value}"`);
  return v;
}

/** The run's configuration from the command-line options. */
export function benchConfig(opts: BenchOptions): BenchConfig {
  const out = resolve(opts.out);
  let c = (opts.quick ? quickConfig : fullConfig)(out, opts.threads);
  c = deeper(scaled(c, opts.scale), opts.deeper);
  const backends = list<BackendId>('--backends', opts.backends, BACKEND_IDS);
  const only = opts.only === undefined ? PARTS : list<Part>('--only', opts.only, PARTS);
  return {
    ...c,
    backends,
    sizes2d: only.includes('2d') ? c.sizes2d : [],
    levelsSizes: only.includes('levels') ? c.levelsSizes : [],
    stacks: only.includes('3d') ? c.stacks : [],
    peers: opts.peers && only.includes('peers'),
    ...(opts.repeats === undefined ? {} : { repeats: opts.repeats, peerRepeats: opts.repeats }),
    ...(opts.budget === undefined ? {} : { budgetMs: opts.budget * 1000 }),
    name: opts.name ?? (opts.scale === 1 ? c.name : `${c.name}-scaled`),
    ...(opts.splitPasses === undefined ? {} : { splitPasses: opts.splitPasses }),
    ...(opts.batchMib === undefined ? {} : { batchBytes: opts.batchMib * 2 ** 20 }),
  };
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('benchmark the kernels on every backend against the copy roofline and against ImageMagick / FFmpeg')
    .option('--quick', 'a subset that runs in about 2 minutes on 2 cores (1080p images, small stacks, peers at 1080p)')
    .option('-o, --out <dir>', 'directory for the JSON, markdown and SVG results', 'bench/results')
    .option('--name <name>', 'base name of the result files (default: full, quick, or *-scaled)')
    .option('--backends <list>', `backends to run, of ${BACKEND_IDS.join(', ')}`, BACKEND_IDS.join(','))
    .option('--threads <n>', 'worker threads of the threaded CPU backend (default: all cores)', positiveInt('--threads', 256), availableParallelism())
    .option('--repeats <n>', 'timed repeats per workload (default: 5, quick 3)', positiveInt('--repeats', 1000))
    .option('--budget <seconds>', 'stop repeating a workload on a backend after this long', positiveInt('--budget'))
    .option('--scale <f>', 'multiply every size by f (0 < f <= 1), e.g. 0.05 for a smoke test', scaleValue, 1)
    .option('--deeper <k>', 'stacks k times as many layers (a real GPU runs the default ones near launch overhead)', positiveInt('--deeper', 1024), 1)
    .option('--only <parts>', `run only these parts, of ${PARTS.join(', ')}`)
    .option('--no-peers', 'skip ImageMagick / FFmpeg and the whole-process runs')
    .addOption(new Option('--split-passes <mode>', "GPU 2D palettes with the split table (default: the library's, warm)").choices(SPLIT_PASSES))
    .option('--batch-mib <n>', "GPU input MiB per batch, one submit each (default: the library's, 32)", positiveInt('--batch-mib', 4096))
    .option('--render <json>', 'measure nothing: rewrite the targets, markdown and SVG of an earlier results JSON')
    .action((opts: BenchOptions) =>
      runCommand(async () => {
        const log = (line: string) => process.stderr.write(`${line}\n`);
        const { result, files } = opts.render ? renderResults(opts.render) : await runBench(benchConfig(opts), log);
        process.stdout.write(`results: ${files.json}\n         ${files.markdown}\n         ${files.svg}\n`);
        for (const t of result.targets) process.stdout.write(`${t.verdict.padEnd(6)} ${t.goal}\n       ${t.measured}\n`);
      }),
    );
}
