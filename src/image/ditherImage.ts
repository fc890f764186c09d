// The library call behind `ditherforge image`: one image in, palette indices or per-channel codes out, on either
// backend. Options mirror the CLI's; strings are parsed here so both entry points validate the same way.
import { Engine, type BackendChoice } from '../engine.js';
import type { Notify } from '../host/context.js';
import { InputError } from '../errors.js';
import type { AdapterReport } from '../host/adapterInfo.js';
import type { DistanceSpace } from '../color/space.js';
import { isBanded, type BandedRaster, type Raster } from '../formats/raster.js';
import { overBands } from './bands.js';
import { orderedPalette, orderedPaletteParams, type AlphaDecision, type OrderedPaletteParams, type PaletteRule, type RgbaImage } from '../kernels/orderedPalette.js';
import { orderedMixParams } from '../kernels/orderedMix.js';
import { parseMethod } from '../maps/catalogue.js';
import type { ThresholdMap } from '../maps/thresholdMap.js';
import type { Palette } from '../palette/palette.js';
import { checkAutoPalette } from '../palette/autoOptions.js';
import { parseLockList, resolvePalette } from '../palette/parse.js';
import { checkLevelsOptions, levels, parseCodes, parseLevels, type AlphaMode, type CodePlacement, type LevelsOptions, type LevelsResult } from './levels.js';

/** pair: the two nearest colours, mixed in linear light; offset: threshold offsets; yliluoma: mixing plans. */
export type MixMethod = 'pair' | 'offset' | 'yliluoma';
export const MIX_METHODS: readonly MixMethod[] = ['pair', 'offset', 'yliluoma'];

export interface DitherImageOptions {
  /** Palette mode: a Palette, or a spec — preset, "#rrggbb,…", a palette file, or auto:N. Default 'bw'. */
  readonly palette?: Palette | string;
  /** Colours that an auto palette must contain (RGB triplets, or "#rrggbb,…"). */
  readonly lock?: Uint8Array | string;
  /** Levels mode instead of a palette: levels per channel ([N] or [R, G, B]), or "N" / "R,G,B". */
  readonly levels?: readonly number[] | string;
  /** Levels mode: where output codes sit in linear light. Default srgb. */
  readonly codes?: CodePlacement | string;
  /** Levels mode: where between two codes the decision flips. Default 0.5. */
  readonly cutoff?: number;
  /** Threshold map, or its name ('bayer8', 'bluenoise64', 'map:FILE', …). Default bayer8. */
  readonly method?: ThresholdMap | string;
  /** Palette mode: the pair rule, threshold offsets, or Yliluoma-style mixing plans. Default pair. */
  readonly mix?: MixMethod;
  /** Palette mode: the space in which the nearest colour is found. Default oklab. */
  readonly distance?: DistanceSpace;
  /** Palette mode, offset mix: offset amplitude as a fraction of full scale. Default: from the palette. */
  readonly spread?: number;
  /** Dither sRGB-encoded values, as most tools do, instead of linear light. */
  readonly gammaSpace?: boolean;
  /** What happens to alpha. Default: threshold in palette mode, keep in levels mode. */
  readonly alpha?: AlphaMode;
  /** Run on this engine; otherwise one is created for `backend` (auto declines a software adapter) and destroyed afterwards. */
  readonly engine?: Engine;
  readonly backend?: BackendChoice;
  /** CPU worker threads of the engine created for `backend` (results are identical for every count). */
  readonly threads?: number;
  /** Where the engine created for `backend` says which backend it chose and why (default: a line on stderr). */
  readonly notify?: Notify;
  /** Caps one GPU binding (tests use it to force tiling). */
  readonly maxChunkBytes?: number;
}

interface RunInfo {
  readonly width: number;
  readonly height: number;
  readonly backend: 'gpu' | 'cpu';
  readonly adapter: AdapterReport | null;
  /** Wall time of the kernel calls, uploads and readbacks included; for a streamed banded raster, its decoding too. */
  readonly ms: number;
  /** GPU time from timestamp queries, when available. */
  readonly gpuMs: number | null;
  readonly method: string;
}

export interface PaletteDithered extends RunInfo {
  readonly mode: 'palette';
  /** One palette index per pixel, row-major; `transparentIndex` marks transparent pixels. */
  readonly indices: Uint8Array;
  readonly palette: Palette;
  /** The index used for transparent pixels, when any pixel is transparent; else null. */
  readonly transparentIndex: number | null;
  /** With alpha 'keep': the source alpha at 8 bits, one byte per pixel. */
  readonly alpha: Uint8Array | null;
}

export interface LevelsDithered extends RunInfo, Omit<LevelsResult, 'backend' | 'ms' | 'gpuMs' | 'width' | 'height'> {
  readonly mode: 'levels';
}

export type DitheredImage = PaletteDithered | LevelsDithered;

const ALPHA_MODES: readonly AlphaMode[] = ['keep', 'threshold', 'dither'];

function checkEnum<T extends string>(option: string, value: T | undefined, allowed: readonly T[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new InputError(option, `expected one of ${allowed.join(', ')}, got "${String(value)}"`);
  }
}

function sourceAlpha(image: Raster | RgbaImage): Uint8Array {
  const out = new Uint8Array(image.width * image.height);
  const wide = image.data instanceof Uint16Array;
  for (let p = 0; p < out.length; p++) out[p] = wide ? Math.round(image.data[4 * p + 3]! / 257) : image.data[4 * p + 3]!;
  return out;
}

function hasAlpha(image: Raster | RgbaImage | BandedRaster): boolean {
  if ('hasAlpha' in image) return image.hasAlpha;
  const full = image.data instanceof Uint16Array ? 65535 : 255;
  for (let p = 3; p < image.data.length; p += 4) if (image.data[p] !== full) return true;
  return false;
}

/**
 * Dithers one image. A banded raster (formats/pngBands.ts) streams through the kernel as it decodes when the engine
 * runs kernels in this thread and the mode needs no whole-image pass (an auto palette, Yliluoma's mix, or kept
 * alpha do); `ms` then includes its decoding.
 */
export async function ditherImage(input: Raster | RgbaImage | BandedRaster, options: DitherImageOptions = {}): Promise<DitheredImage> {
  checkEnum('--mix', options.mix, MIX_METHODS);
  checkEnum('--alpha', options.alpha, ALPHA_MODES);
  if (options.spread !== undefined && !(Number.isFinite(options.spread) && options.spread >= 0 && options.spread <= 4)) {
    throw new InputError('--spread', `expected a number from 0 to 4, got ${options.spread}`);
  }
  if (options.levels !== undefined && options.palette !== undefined) {
    throw new InputError('--levels', 'cannot be combined with --palette: levels mode reduces each channel on its own');
  }
  const map = typeof options.method === 'string' ? parseMethod(options.method) : (options.method ?? parseMethod('bayer8'));
  if (map.size[2] !== 1) throw new InputError('--method', `${map.name} is a 3D map; images need a 2D one (3D maps are for \`ditherforge stack\`)`);
  // Every option is checked before an engine exists, so bad input fails with its own line and nothing else.
  const chunk = options.maxChunkBytes === undefined ? {} : { maxChunkBytes: options.maxChunkBytes };
  const levelsOptions: LevelsOptions | null =
    options.levels === undefined
      ? null
      : {
          levels: typeof options.levels === 'string' ? parseLevels(options.levels) : options.levels,
          codes: typeof options.codes === 'string' ? parseCodes(options.codes) : (options.codes ?? 'srgb'),
          cutoff: options.cutoff ?? 0.5,
          map,
          gammaSpace: options.gammaSpace ?? false,
          alpha: options.alpha ?? 'keep',
          ...chunk,
        };
  if (levelsOptions) checkLevelsOptions(levelsOptions);
  const paletteSpec = levelsOptions ? null : resolvePaletteSpec(options);
  const alpha = options.alpha ?? 'threshold';
  const mix = options.mix ?? 'pair';
  const decideAlpha = paletteSpec !== null && alpha !== 'keep' && hasAlpha(input);
  if (paletteSpec && decideAlpha) {
    if (('auto' in paletteSpec ? paletteSpec.auto : paletteSpec.size) >= 256) {
      throw new InputError('--palette', 'a 256-colour palette leaves no index for transparent pixels; use 255 colours or --alpha keep');
    }
    if (mix === 'yliluoma') throw new InputError('--alpha', `${alpha} is not available with --mix yliluoma; use --alpha keep`);
  }
  // One image: a software adapter's start-up costs more than the CPU backend's whole run.
  const engine =
    options.engine ??
    (await Engine.create({
      backend: options.backend ?? 'auto',
      softwareAdapter: 'decline',
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.notify === undefined ? {} : { notify: options.notify }),
    }));
  try {
    const info = { width: input.width, height: input.height, backend: engine.backend, adapter: engine.adapter, method: map.name };
    if (levelsOptions) {
      const r = await levels(engine, input as Raster | BandedRaster, levelsOptions);
      return { ...r, ...info, ms: r.ms, gpuMs: r.gpuMs, mode: 'levels' };
    }
    const keepAlpha = alpha === 'keep' && hasAlpha(input);
    const spec = paletteSpec!;
    const rule = mix === 'yliluoma' ? null : mix;
    const decision = decideAlpha ? alpha : 'ignore';
    let run: { indices: Uint8Array; gpuMs: number | null };
    let palette: Palette;
    let kept: Uint8Array | null = null;
    let t0: number;
    if (isBanded(input) && engine.inThread && rule && !('auto' in spec) && !keepAlpha) {
      // Streamed: the palette is given and nothing else needs the whole image.
      palette = spec;
      const params = paletteParams(map, palette, rule, decision, options);
      t0 = performance.now();
      run = { indices: await overBands(input, 1, (band, y, into) => orderedPalette(band, params, y, band.height, into)), gpuMs: null };
    } else {
      const image = isBanded(input) ? input.whole() : input;
      palette = await choosePalette(engine, image, spec);
      // Before the kernel: a call on staged memory detaches the image's data.
      kept = keepAlpha ? sourceAlpha(image) : null;
      t0 = performance.now();
      run = await runPalette(engine, image, map, palette, rule, decision, options, chunk);
    }
    const ms = performance.now() - t0;
    const transparentIndex = decideAlpha && run.indices.includes(palette.size) ? palette.size : null;
    return { ...info, mode: 'palette', indices: run.indices, palette, transparentIndex, alpha: kept, ms, gpuMs: run.gpuMs };
  } finally {
    if (!options.engine) await engine.destroy();
  }
}

/** The kernel on the whole image: the pair or offset rule (`rule`), or Yliluoma's mix (null). */
async function runPalette(
  engine: Engine,
  image: Raster | RgbaImage,
  map: ThresholdMap,
  palette: Palette,
  rule: PaletteRule | null,
  alpha: AlphaDecision,
  options: DitherImageOptions,
  chunk: { maxChunkBytes?: number },
): Promise<{ indices: Uint8Array; gpuMs: number | null }> {
  if (rule === null) {
    const params = orderedMixParams(map, palette.colors, { gammaSpace: options.gammaSpace ?? false });
    const { orderedMix } = await import('../kernels/orderedMix.gpu.js'); // GPU code: loaded only for this mix
    return orderedMix(engine, image, params, chunk);
  }
  return engine.orderedPalette(image, paletteParams(map, palette, rule, alpha, options), chunk);
}

function paletteParams(map: ThresholdMap, palette: Palette, rule: PaletteRule, alpha: AlphaDecision, options: DitherImageOptions): OrderedPaletteParams {
  return orderedPaletteParams(map, palette.colors, {
    rule,
    distance: options.distance ?? 'oklab',
    gammaSpace: options.gammaSpace ?? false,
    alpha,
    ...(options.spread === undefined ? {} : { spread: options.spread }),
  });
}

/** The palette option parsed (files read): a palette, or an auto palette's size and locked colours. */
function resolvePaletteSpec(options: DitherImageOptions): Palette | { auto: number; lock: Uint8Array } {
  const spec = options.palette ?? 'bw';
  const chosen = typeof spec === 'string' ? resolvePalette(spec) : spec;
  const lock = typeof options.lock === 'string' ? parseLockList(options.lock) : options.lock;
  if ('auto' in chosen) return { auto: chosen.auto, lock: checkAutoPalette(chosen.auto, lock ? { lock } : {}) };
  if (lock?.length) throw new InputError('--lock', 'only applies to auto palettes (--palette auto:N)');
  return chosen;
}

async function choosePalette(engine: Engine, image: Raster | RgbaImage, spec: ReturnType<typeof resolvePaletteSpec>): Promise<Palette> {
  if (!('auto' in spec)) return spec;
  const { autoPalette } = await import('../palette/auto.js'); // with its GPU kernels: loaded only for auto:N
  return autoPalette(engine, image as Raster, spec.auto, spec.lock.length ? { lock: spec.lock } : {});
}
