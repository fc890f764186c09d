// The library call behind `--levels`: reduce each channel of a Raster to N codes, deciding in linear light between
// the two bracketing codes, and encode the result as the smallest PNG that holds it.
import type { Engine } from '../engine.js';
import { InputError } from '../errors.js';
import { encodeGreyPng, encodePng, encodeRgbaPng } from '../formats/png.js';
import { isBanded, type BandedRaster, type Raster } from '../formats/raster.js';
import { overBands } from './bands.js';
import { bayer } from '../maps/bayer.js';
import type { ThresholdMap } from '../maps/thresholdMap.js';
import { levelCodes, levelsCpu, levelsParams, type CodePlacement, type LevelsChannel, type LevelsParams } from '../kernels/levels.js';

export type { CodePlacement } from '../kernels/levels.js';

/** keep: alpha dithered to the output depth's full range; threshold: opaque iff ≥ one half; dither: 2 levels. */
export type AlphaMode = 'keep' | 'threshold' | 'dither';
export const ALPHA_MODES: readonly AlphaMode[] = ['keep', 'threshold', 'dither'];

export interface LevelsOptions {
  /** Output codes per channel: one value (R, G, B or grey) or three (R, G, B), each 2..256. */
  readonly levels: readonly number[];
  /** The output file's transfer function, which places the codes in light. Default 'srgb'. */
  readonly codes?: CodePlacement;
  /** Fraction of the way from the lower to the upper code at which the map's mid threshold sits. Default 0.5. */
  readonly cutoff?: number;
  /** Threshold map, 2D. Default Bayer 8×8. */
  readonly map?: ThresholdMap;
  /** Dither the encoded values instead of linear light (codes are then evenly spaced in the encoding). */
  readonly gammaSpace?: boolean;
  /** Only used when the source has alpha. Default 'keep'. */
  readonly alpha?: AlphaMode;
  readonly maxChunkBytes?: number;
  readonly poison?: number;
}

export interface LevelsResult {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
  /** PNG bit depth of the output samples. */
  readonly depth: 1 | 2 | 4 | 8;
  /** `channels` file values per pixel, row-major. */
  readonly codes: Uint8Array;
  readonly backend: 'gpu' | 'cpu';
  /** Wall time of the kernel call, upload and readback included. */
  readonly ms: number;
  readonly gpuMs: number | null;
}

/** `--levels N` or `--levels R,G,B`. */
export function parseLevels(spec: string): number[] {
  const parts = spec.split(',').map((s) => s.trim());
  if (parts.length !== 1 && parts.length !== 3) {
    throw new InputError('--levels', `expected N or R,G,B, got "${spec}"`);
  }
  const levels = parts.map((p) => {
    if (!/^\d+$/.test(p)) throw new InputError('--levels', `"${p}" is not a whole number`);
    return Number(p);
  });
  checkLevels(levels);
  return levels;
}

/** `--codes srgb | linear | gamma:G`. */
export function parseCodes(spec: string): CodePlacement {
  const s = spec.trim().toLowerCase();
  if (s === 'srgb' || s === 'linear') return s;
  const m = /^gamma:(.+)$/.exec(s);
  if (!m) throw new InputError('--codes', `expected srgb, linear or gamma:G, got "${spec}"`);
  const gamma = Number(m[1]);
  checkGamma(gamma);
  return { gamma };
}

/** `--cutoff F`, a fraction strictly between 0 and 1. */
export function parseCutoff(spec: string): number {
  const v = spec.trim() === '' ? NaN : Number(spec);
  checkCutoff(v);
  return v;
}

function checkGamma(g: number): void {
  if (!Number.isFinite(g) || g <= 0) throw new InputError('--codes', `gamma must be a finite number above 0, got ${g}`);
}

function checkCutoff(c: number): void {
  if (typeof c !== 'number' || !Number.isFinite(c) || c <= 0 || c >= 1) {
    throw new InputError('--cutoff', `must be a number strictly between 0 and 1, got ${c}`);
  }
}

function checkLevels(levels: readonly number[]): void {
  if (levels.length !== 1 && levels.length !== 3) {
    throw new InputError('--levels', `give 1 value or 3 (R,G,B), got ${levels.length}`);
  }
  for (const n of levels) {
    if (!Number.isInteger(n) || n < 2 || n > 256) throw new InputError('--levels', `${n} must be a whole number from 2 to 256`);
  }
}

/** Every option checked (InputError naming the option), before any engine or table exists. */
export function checkLevelsOptions(options: LevelsOptions): void {
  checkLevels(options.levels);
  const placement = options.codes ?? 'srgb';
  if (typeof placement === 'object') checkGamma(placement.gamma);
  else if (placement !== 'srgb' && placement !== 'linear') throw new InputError('--codes', `unknown placement "${String(placement)}"`);
  checkCutoff(options.cutoff ?? 0.5);
  const alpha = options.alpha ?? 'keep';
  if (!ALPHA_MODES.includes(alpha)) throw new InputError('--alpha', `expected ${ALPHA_MODES.join(', ')}, got "${String(alpha)}"`);
  const map = options.map ?? bayer([8, 8]);
  if (map.size[2] !== 1) throw new InputError('--method', `${map.name} is a 3D map; levels needs a 2D one`);
}

/** The smallest PNG grey depth that holds n codes. */
const greyDepth = (n: number): 1 | 2 | 4 | 8 => (n <= 2 ? 1 : n <= 4 ? 2 : n <= 16 ? 4 : 8);

/** What a levels run needs besides the pixels: the kernel's tables and which output channels to keep. */
export interface LevelsPlan {
  readonly params: LevelsParams;
  readonly depth: 1 | 2 | 4 | 8;
  /** Kernel channels (0 R, 1 G, 2 B, 3 A) written to the output, in order. */
  readonly pick: readonly number[];
}

/** Validates the options (InputError naming the option) and builds the tables for this raster. */
export function planLevels(raster: Omit<Raster, 'data'>, options: LevelsOptions): LevelsPlan {
  checkLevelsOptions(options);
  const placement = options.codes ?? 'srgb';
  const cutoff = options.cutoff ?? 0.5;
  const alpha = options.alpha ?? 'keep';
  const map = options.map ?? bayer([8, 8]);
  const gammaSpace = options.gammaSpace ?? false;

  const grey = raster.source.colorType === 'grey' || raster.source.colorType === 'grey-alpha';
  const withAlpha = raster.hasAlpha;
  // PNG allows sub-byte depths for plain grey only.
  const depth = grey && !withAlpha ? greyDepth(options.levels[0]!) : 8;
  // --gamma-space treats the encoded values as the quantity to preserve: codes evenly spaced in the encoding.
  const colourPlacement: CodePlacement = gammaSpace ? 'linear' : placement;
  const colour = (n: number): LevelsChannel => ({
    codes: levelCodes(n, depth, colourPlacement),
    identityInput: gammaSpace,
    cutoff,
  });
  const [r = 2, g = r, b = r] = grey ? [options.levels[0]!] : options.levels;
  // Alpha is coverage, already linear; it keeps the map's mid threshold so that coverage is preserved on average.
  const alphaChannel: LevelsChannel = {
    codes: levelCodes(alpha === 'keep' ? 2 ** depth : 2, depth, 'linear'),
    identityInput: true,
    cutoff: alpha === 'threshold' ? null : 0.5,
  };
  const params = levelsParams(raster.depth, map, [colour(r), colour(g), colour(b), alphaChannel], gammaSpace);
  const pick = grey ? (withAlpha ? [0, 3] : [0]) : withAlpha ? [0, 1, 2, 3] : [0, 1, 2];
  return { params, depth, pick };
}

/** Levels on `engine`; a banded raster streams through this thread's kernel when the engine runs here (wall time then includes its decoding). */
export async function levels(engine: Engine, input: Raster | BandedRaster, options: LevelsOptions): Promise<LevelsResult> {
  const raster = isBanded(input) && !engine.inThread ? input.whole() : input;
  const { params, depth, pick } = planLevels(raster, options);
  const t0 = performance.now();
  const channels = pick.length as 1 | 2 | 3 | 4;
  type Run = { codes: Uint8Array; picked: boolean; gpuMs: number | null };
  let run: Run;
  if (isBanded(raster)) {
    const served = channels * raster.width * raster.height;
    run = { codes: await overBands(raster, channels, (band, y, into) => levelsCpu(band, params, y, band.height, pick, into, served)), picked: true, gpuMs: null };
  } else {
    const image = { width: raster.width, height: raster.height, data: raster.data };
    // In this thread the kernel writes only the channels kept; the workers and the GPU write all four.
    run = await engine.run<Run>({
      cpu: () => ({ codes: levelsCpu(image, params, 0, image.height, pick), picked: true, gpuMs: null }),
      cpuPool: async (pool) => ({ codes: await pool.levels(image, params), picked: false, gpuMs: null }),
      gpu: async (gpu) => ({ ...(await (await import('../kernels/levels.gpu.js')).levelsGpu(gpu, image, params, options)), picked: false }),
    });
  }
  const ms = performance.now() - t0;
  let codes = run.codes;
  if (!run.picked && channels !== 4) {
    // In place (pixel i's codes move down to i·channels, never past unread ones): a fresh array would cost more
    // than the copy, in page faults, at 4K.
    const n = raster.width * raster.height;
    const [p0 = 0, p1 = 0, p2 = 0] = pick;
    for (let i = 0, j = 0; i < 4 * n; i += 4, j += channels) {
      const a = codes[i + p0]!, b = codes[i + p1]!, c = codes[i + p2]!;
      codes[j] = a;
      if (channels > 1) codes[j + 1] = b;
      if (channels > 2) codes[j + 2] = c;
    }
    codes = codes.subarray(0, n * channels);
  }
  return { width: raster.width, height: raster.height, channels, depth, codes, backend: engine.backend, ms, gpuMs: run.gpuMs };
}

/** The result as a PNG: grey at its sub-byte depth, grey + alpha, RGB or RGBA at 8 bits. */
export function encodeLevelsPng(result: LevelsResult): Uint8Array {
  const { width, height, channels, depth, codes } = result;
  if (channels === 1) return encodeGreyPng(width, height, codes, depth);
  if (channels === 4) return encodeRgbaPng(width, height, codes, 8);
  return encodePng({ width, height, colorType: channels === 2 ? 'grey-alpha' : 'rgb', depth: 8, samples: codes });
}
