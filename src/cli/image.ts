// `ditherforge image IN -o OUT`: decode, dither on the chosen backend, write an indexed PNG atomically.
import { Command, Option } from 'commander';
import { basename } from 'node:path';
import { BACKENDS, Engine, type BackendChoice } from '../engine.js';
import { InputError } from '../errors.js';
import { adapterLabel } from '../host/adapterInfo.js';
import { decodePng, encodeIndexedPng, readInputFile, writeFileAtomic, DEFAULT_MAX_PIXELS } from '../formats/index.js';
import { ditherImage } from '../image/ditherImage.js';
import { parseMethod, METHOD_HELP } from '../maps/catalogue.js';
import { resolvePalette, PRESET_NAMES } from '../palette/index.js';
import { positiveInt, runCommand } from './run.js';

interface ImageOptions {
  output: string;
  palette: string;
  method: string;
  backend: BackendChoice;
  json?: boolean;
  maxPixels: number;
}

export function imageCommand(): Command {
  return new Command('image')
    .description('dither one image to a palette')
    .argument('<input>', 'input PNG (1, 2, 4, 8 or 16 bits; grey, grey+alpha, RGB, RGBA or indexed)')
    .requiredOption('-o, --output <file>', 'output PNG (indexed, at the smallest bit depth that fits the palette)')
    .option('--palette <spec>', `preset (${PRESET_NAMES.join(', ')}), "#rrggbb,…", or a .gpl/.hex/.txt/.png file`, 'bw')
    .option('--method <name>', `threshold map: ${METHOD_HELP}`, 'bayer8')
    .addOption(new Option('--backend <name>', 'where to run').choices(BACKENDS as string[]).default('auto'))
    .option('--json', 'print one JSON object with the run\'s figures to stdout')
    .option('--max-pixels <n>', 'refuse larger images before decoding them', positiveInt('--max-pixels'), DEFAULT_MAX_PIXELS)
    .action((input: string, opts: ImageOptions) => runCommand(() => runImage(input, opts)));
}

async function runImage(input: string, opts: ImageOptions): Promise<void> {
  const t0 = performance.now();
  const palette = resolvePalette(opts.palette);
  if ('auto' in palette) throw new InputError('--palette', 'auto palettes are not available yet');
  const map = parseMethod(opts.method);
  const raster = decodePng(readInputFile(input), input, { maxPixels: opts.maxPixels });
  const engine = await Engine.create({ backend: opts.backend });
  try {
    const result = await ditherImage(raster, { palette, map, engine });
    const png = encodeIndexedPng(result.width, result.height, result.indices, palette.colors);
    await writeFileAtomic(opts.output, png);
    const totalMs = performance.now() - t0;
    const mpix = (result.width * result.height) / 1e6;
    const report = {
      input,
      output: opts.output,
      backend: result.backend,
      adapter: result.adapter,
      width: result.width,
      height: result.height,
      palette: palette.name,
      colors: palette.size,
      method: map.name,
      milliseconds: round(result.ms),
      gpuMilliseconds: result.gpuMs === null ? null : round(result.gpuMs),
      totalMilliseconds: round(totalMs),
      megapixelsPerSecond: round(mpix / (result.ms / 1000)),
    };
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      const where = result.adapter ? `gpu: ${adapterLabel(result.adapter)}` : 'cpu';
      process.stdout.write(
        `${basename(input)} → ${opts.output}: ${result.width}×${result.height}, ${palette.name} (${palette.size}), ${map.name}, ` +
          `${where}, ${report.milliseconds} ms (${report.megapixelsPerSecond} Mpix/s), ${report.totalMilliseconds} ms in all\n`,
      );
    }
  } finally {
    engine.destroy();
  }
}

const round = (x: number): number => Math.round(x * 100) / 100;
