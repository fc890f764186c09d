// What a benchmark run covers and how long it may take: the quick and full presets, and their scaling.
import type { SplitPasses } from '../src/kernels/orderedPalette.gpu.js';

export type BackendId = 'gpu' | 'cpu' | 'threads';
export const BACKEND_IDS: readonly BackendId[] = ['gpu', 'cpu', 'threads'];

/** The label's last words on rows whose input and output are staged memory: no host copies. */
export const STAGED = ', staged';
export type MapName = 'bayer8' | 'bluenoise64';
export type StackKind = 'grey1' | 'fractions4';

export interface Size {
  readonly name: string;
  readonly width: number;
  readonly height: number;
}

export interface StackSize extends Size {
  readonly layers: number;
}

export interface BenchConfig {
  readonly mode: string;
  readonly sizes2d: readonly Size[];
  readonly palettes: readonly (2 | 16 | 256)[];
  readonly maps: readonly MapName[];
  /** Also run these [palette, map] pairs at the first size only (a taste of the rest in quick mode). */
  readonly extra2d: readonly (readonly [2 | 16 | 256, MapName])[];
  readonly levelsSizes: readonly Size[];
  readonly stacks: readonly StackSize[];
  readonly stackKinds: readonly StackKind[];
  readonly backends: readonly BackendId[];
  /** Worker threads of the threaded CPU backend. */
  readonly threads: number;
  /** Timed repeats per workload and backend (after a warm-up run when a run is short). */
  readonly repeats: number;
  /** Stop repeating a workload on a backend after this long (at least one timed run). */
  readonly budgetMs: number;
  /** Skip a workload on a backend whose run, estimated from a smaller size, would take longer than this. */
  readonly maxRunMs: number;
  /** Deadline for all kernel measurements; later ones are skipped with a note. */
  readonly kernelBudgetMs: number;
  /** Bytes per copy in the roofline measurement. */
  readonly copyBytes: number;
  readonly peers: boolean;
  readonly peerSize: Size;
  readonly peerPalettes: readonly (16 | 256)[];
  readonly peerRepeats: number;
  /** Run every command once, untimed, before the timed rounds (file cache, libraries). */
  readonly peerWarmup: boolean;
  readonly peerBudgetMs: number;
  /** GPU 2D palettes: how a call with the split table runs (the library's default when absent). */
  readonly splitPasses?: SplitPasses;
  /** GPU input bytes per batch (the library's default when absent). */
  readonly batchBytes?: number;
  readonly outDir: string;
  /** Base name of the JSON, markdown and SVG files. */
  readonly name: string;
}

const S = (name: string, width: number, height: number): Size => ({ name, width, height });
export const HD = S('1080p', 1920, 1080);
export const UHD = S('4K', 3840, 2160);
export const UHD8 = S('8K', 7680, 4320);

export function fullConfig(outDir: string, threads: number): BenchConfig {
  return {
    mode: 'full',
    sizes2d: [HD, UHD, UHD8],
    palettes: [2, 16, 256],
    maps: ['bayer8', 'bluenoise64'],
    extra2d: [],
    levelsSizes: [HD, UHD, UHD8],
    stacks: [
      { name: '2048²', width: 2048, height: 2048, layers: 16 },
      { name: '7680×4320', width: 7680, height: 4320, layers: 4 },
      { name: '11520×5120', width: 11520, height: 5120, layers: 2 },
    ],
    stackKinds: ['grey1', 'fractions4'],
    backends: BACKEND_IDS,
    threads,
    repeats: 5,
    budgetMs: 20_000,
    maxRunMs: 60_000,
    kernelBudgetMs: 40 * 60_000,
    copyBytes: 256 << 20,
    peers: true,
    peerSize: UHD,
    peerPalettes: [16, 256],
    peerRepeats: 5,
    peerWarmup: true,
    peerBudgetMs: 12 * 60_000,
    outDir,
    name: 'full',
  };
}

/** Under 2 minutes on a 2-core machine with a software GPU: 1080p images, small stacks, peers at 1080p. */
export function quickConfig(outDir: string, threads: number): BenchConfig {
  return {
    ...fullConfig(outDir, threads),
    mode: 'quick',
    sizes2d: [HD],
    palettes: [2, 16, 256],
    maps: ['bayer8'],
    extra2d: [[16, 'bluenoise64']],
    levelsSizes: [HD],
    stacks: [{ name: '2048²', width: 2048, height: 2048, layers: 2 }],
    repeats: 3,
    budgetMs: 2_500,
    maxRunMs: 10_000,
    kernelBudgetMs: 65_000,
    copyBytes: 32 << 20,
    peerSize: HD,
    peerPalettes: [16],
    peerRepeats: 2,
    peerWarmup: false,
    peerBudgetMs: 30_000,
    name: 'quick',
  };
}

/** Every size multiplied by `scale` (at least 1 pixel), e.g. 0.02 for a smoke test; layer counts are kept. */
export function scaled(c: BenchConfig, scale: number): BenchConfig {
  if (scale === 1) return c;
  const sz = <T extends Size>(s: T): T => ({
    ...s,
    name: `${s.name}×${scale}`,
    width: Math.max(1, Math.round(s.width * scale)),
    height: Math.max(1, Math.round(s.height * scale)),
  });
  return {
    ...c,
    sizes2d: c.sizes2d.map(sz),
    levelsSizes: c.levelsSizes.map(sz),
    stacks: c.stacks.map(sz),
    peerSize: sz(c.peerSize),
    copyBytes: Math.max(1 << 16, Math.round(c.copyBytes * scale * scale)),
  };
}

/** Every stack `factor` times as deep: a real GPU finishes the default stacks in microseconds, near launch overhead. */
export function deeper(c: BenchConfig, factor: number): BenchConfig {
  if (factor === 1) return c;
  return { ...c, stacks: c.stacks.map((s) => ({ ...s, layers: s.layers * factor })) };
}
