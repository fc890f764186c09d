// `ditherforge image IN -o OUT`: decode, dither on the chosen backend, write the result atomically.
import { Command, Option } from 'commander';
import { basename } from 'node:path';
import { DISTANCE_SPACES, type DistanceSpace } from '../color/space.js';
import { BACKENDS, stderrNotify, type BackendChoice } from '../engine.js';
import { InputError } from '../errors.js';
import { adapterLabel } from '../host/adapterInfo.js';
import { openPng, writeFileAtomic, DEFAULT_MAX_PIXELS } from '../formats/index.js';
import { ditherImage, MIX_METHODS, type DitheredImage, type DitherImageOptions, type MixMethod } from '../image/ditherImage.js';
import { encodeDithered, type OutputFormat } from '../image/encode.js';
import { parseCutoff, type AlphaMode } from '../image/levels.js';
import { METHOD_HELP } from '../maps/catalogue.js';
import { formatPalette, PRESET_NAMES } from '../palette/index.js';
import { positiveInt, runCommand } from './run.js';

interface ImageOptions {
  output: string;
  palette?: string;
  lock?: string;
  paletteOut?: string;
  levels?: string;
  codes: string;
  cutoff: number;
  method: string;
  mix: MixMethod;
  distance: DistanceSpace;
  spread?: number;
  gammaSpace?: boolean;
  alpha?: AlphaMode;
  rgba?: boolean;
  raw?: boolean;
  backend: BackendChoice;
  threads: number;
  json?: boolean;
  maxPixels: number;
}

function spreadValue(value: string): number {
  const v = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(v) || v < 0 || v > 4) throw new InputError('--spread', `expected a number from 0 to 4, got "${value}"`);
  return v;
}

export function imageCommand(): Command {
  return new Command('image')
    .description('dither one image to a palette, or reduce its levels per channel')
    .argument('<input>', 'input PNG (1, 2, 4, 8 or 16 bits; grey, grey+alpha, RGB, RGBA or indexed)')
    .requiredOption('-o, --output <file>', 'output file (written to a temporary name, then renamed)')
    .option('--palette <spec>', `preset (${PRESET_NAMES.join(', ')}), "#rrggbb,…", a .gpl/.hex/.txt/.png file, or auto:N (default: "bw")`)
    .option('--lock <colours>', 'colours an auto palette must keep, "#rrggbb,…"')
    .option('--palette-out <file>', 'write the palette used (.gpl, .hex, .txt or .png)')
    .option('--levels <n>', 'levels mode instead of a palette: N levels per channel, or R,G,B (e.g. 6,6,4; 256 for 16 → 8 bits)')
    .option('--codes <placement>', 'levels mode: output codes evenly spaced in srgb, linear, or gamma:G', 'srgb')
    .option('--cutoff <f>', 'levels mode: where between two codes the decision flips, 0..1', parseCutoff, 0.5)
    .option('--method <name>', `threshold map: ${METHOD_HELP}`, 'bayer8')
    .addOption(
      new Option('--mix <method>', 'palette mode: pair (nearest two colours, mixed in linear light), offset (threshold offsets), yliluoma (mixing plans)')
        .choices(MIX_METHODS as string[])
        .default('pair'),
    )
    .addOption(new Option('--distance <space>', 'palette mode: space for the nearest colour').choices(DISTANCE_SPACES as string[]).default('oklab'))
    .option('--spread <f>', 'palette mode, offset mix: offset amplitude, 0..4 (default: from the palette spacing)', spreadValue)
    .option('--gamma-space', 'dither the sRGB-encoded values, as other tools do, instead of linear light')
    .addOption(new Option('--alpha <mode>', 'alpha: keep it, cut it at 50%, or dither it (default: threshold for palettes, keep for levels)').choices(['keep', 'threshold', 'dither']))
    .option('--rgba', 'write an 8-bit RGBA PNG instead of an indexed/grey one')
    .option('--raw', 'write the raw indices (or per-channel codes), one byte each, no header')
    .addOption(new Option('--backend <name>', 'where to run; auto: a hardware GPU if there is one, else the CPU (faster than a software GPU for one image)').choices(BACKENDS as string[]).default('auto'))
    .option('--threads <n>', 'CPU backend: worker threads over row tiles (results are identical for every count)', positiveInt('--threads', 256), 1)
    .option('--json', "print one JSON object with the run's figures to stdout")
    .option('--max-pixels <n>', 'refuse larger images from their header, before decoding', positiveInt('--max-pixels'), DEFAULT_MAX_PIXELS)
    .action((input: string, opts: ImageOptions) => runCommand(() => runImage(input, opts)));
}

function libraryOptions(opts: ImageOptions): DitherImageOptions {
  return {
    ...(opts.palette === undefined ? {} : { palette: opts.palette }),
    ...(opts.levels === undefined ? {} : { levels: opts.levels }),
    ...(opts.lock === undefined ? {} : { lock: opts.lock }),
    codes: opts.codes,
    cutoff: opts.cutoff,
    method: opts.method,
    mix: opts.mix,
    distance: opts.distance,
    ...(opts.spread === undefined ? {} : { spread: opts.spread }),
    gammaSpace: opts.gammaSpace ?? false,
    ...(opts.alpha === undefined ? {} : { alpha: opts.alpha }),
  };
}

async function runImage(input: string, opts: ImageOptions): Promise<void> {
  const t0 = performance.now();
  if (opts.rgba && opts.raw) throw new InputError('--raw', 'cannot be combined with --rgba');
  if (opts.paletteOut && opts.levels !== undefined) throw new InputError('--palette-out', 'has no palette to write in levels mode');
  const format: OutputFormat = opts.raw ? 'raw' : opts.rgba ? 'rgba' : 'png';
  const options = libraryOptions(opts);
  // The header and the chunks before the image data are checked now; the rest is read and decoded as the kernel
  // takes its rows (or whole, where it cannot).
  const raster = openPng(input, input, { maxPixels: opts.maxPixels });
  // ditherImage checks every option before it creates the engine (auto declines a software GPU for one image). A
  // streamed image can still turn out corrupt after that, so the engine's notices wait: bad input stays one line.
  const notices: string[] = [];
  const say = (): void => notices.splice(0).forEach(stderrNotify);
  let result: DitheredImage;
  try {
    result = await ditherImage(raster, { ...options, backend: opts.backend, threads: opts.threads, notify: (m) => notices.push(m) });
  } catch (err) {
    if (!(err instanceof InputError)) say();
    throw err;
  }
  say();
  await writeFileAtomic(opts.output, encodeDithered(result, format));
  if (opts.paletteOut && result.mode === 'palette') await writeFileAtomic(opts.paletteOut, formatPalette(result.palette, opts.paletteOut));
  const totalMs = performance.now() - t0;
  const mpix = (result.width * result.height) / 1e6;
  const report = {
    input,
    output: opts.output,
    backend: result.backend,
    adapter: result.adapter,
    width: result.width,
    height: result.height,
    mode: result.mode,
    ...(result.mode === 'palette' ? { palette: result.palette.name, colors: result.palette.size } : { channels: result.channels, depth: result.depth }),
    method: result.method,
    milliseconds: round(result.ms),
    gpuMilliseconds: result.gpuMs === null ? null : round(result.gpuMs),
    totalMilliseconds: round(totalMs),
    megapixelsPerSecond: round(mpix / (Math.max(result.ms, 1e-3) / 1000)),
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    const where = result.adapter ? `gpu: ${adapterLabel(result.adapter)}` : 'cpu';
    const what = result.mode === 'palette' ? `${result.palette.name} (${result.palette.size})` : `levels ${opts.levels}`;
    process.stdout.write(
      `${basename(input)} → ${opts.output}: ${result.width}×${result.height}, ${what}, ${result.method}, ` +
        `${where}, ${report.milliseconds} ms (${report.megapixelsPerSecond} Mpix/s), ${report.totalMilliseconds} ms in all\n`,
    );
  }
}

const round = (x: number): number => Math.round(x * 100) / 100;
