// `ditherforge stack IN -o OUT`: streams a voxel stack (PNG slices, an SL1 zip or a raw volume) through the
// engine into slices, the same zip structure, or raw, with a progress bar on a terminal.
import { Command, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { extname } from 'node:path';
import { DISTANCE_SPACES, type DistanceSpace } from '../color/space.js';
import { BACKENDS, Engine, type BackendChoice } from '../engine.js';
import { InputError } from '../errors.js';
import { adapterLabel } from '../host/adapterInfo.js';
import type { Palette } from '../palette/palette.js';
import { resolvePalette } from '../palette/parse.js';
import { ditherStack } from '../stack/ditherStack.js';
import { LAYER_METHOD_HELP, parseLayerMethod, parseVoxel } from '../stack/layerMaps.js';
import {
  createPngSliceSink,
  createRawSink,
  createSl1Sink,
  createVoxelReportSink,
  openStack,
  type LayerSink,
  type LayerSource,
  type PngEncoding,
  type Sl1Source,
} from '../stack/formats/index.js';
import { positiveInt, runCommand } from './run.js';

interface StackOptions {
  output: string;
  method: string;
  levels?: number;
  materials?: string;
  fractions?: boolean;
  distance: DistanceSpace;
  voxel?: string;
  chunkLayers?: number;
  size?: string;
  bits: string;
  report?: string;
  replace?: boolean;
  backend: BackendChoice;
  threads: number;
  json?: boolean;
}

export function stackCommand(): Command {
  return new Command('stack')
    .description('dither a voxel stack: PNG slices, an SL1/SL1S zip, or a raw volume')
    .argument('<input...>', 'a directory of PNG slices, a zip of slices (SL1/SL1S), or a raw volume with --size; with --fractions, one grey stack per material')
    .requiredOption('-o, --output <path>', 'a directory for PNG slices, a .sl1/.sl1s/.zip (from a zip input), or a .raw file')
    .option('--method <name>', `threshold map: ${LAYER_METHOD_HELP}`, 'bayer3d8')
    .option('--levels <n>', 'grey mode: output levels (2 = 1 bit per voxel)', positiveInt('--levels', 256))
    .option('--materials <palette>', 'material colours (a palette spec, as for `image --palette`); RGBA slices → the nearest material per voxel')
    .option('--fractions', 'material fractions: one grey stack per material, or one RGBA stack (R, G, B fractions, A occupancy)')
    .addOption(new Option('--distance <space>', 'colour mode: space for the nearest material').choices(DISTANCE_SPACES as string[]).default('oklab'))
    .option('--voxel <XxYxZ>', 'voxel pitch in µm, e.g. 42.3x84.6x27: maps and phases become isotropic in physical space')
    .option('--chunk-layers <n>', 'layers per chunk (default: about 32 MiB of input); the output bits never depend on it', positiveInt('--chunk-layers'))
    .option('--size <WxHxD>', 'the input is a raw volume of this size')
    .addOption(new Option('--bits <n>', 'raw input: bits per sample').choices(['8', '16']).default('8'))
    .option('--report <file>', 'also write a JSON report of voxel counts per output value (per material)')
    .option('--replace', 'replace a non-empty output directory')
    .addOption(new Option('--backend <name>', 'where to run; auto: the GPU if there is one (a software one too: a stack is a long run)').choices(BACKENDS as string[]).default('auto'))
    .option('--threads <n>', 'CPU backend: worker threads over layers (results are identical for every count)', positiveInt('--threads', 256), 1)
    .option('--json', "print one JSON object with the run's figures to stdout")
    .action((inputs: string[], opts: StackOptions) => runCommand(() => runStack(inputs, opts)));
}

function materialsOf(spec: string | undefined): Palette | undefined {
  if (spec === undefined) return undefined;
  const p = resolvePalette(spec);
  if ('auto' in p) throw new InputError('--materials', 'needs explicit colours, not auto:N');
  return p;
}

async function openSink(output: string, source: LayerSource, opts: StackOptions, encoding: PngEncoding): Promise<LayerSink> {
  const ext = extname(output).toLowerCase();
  if (ext === '.raw') return createRawSink(output, { layout: 'bytes' });
  if (['.sl1', '.sl1s', '.zip'].includes(ext)) {
    const archive = (source as Partial<Sl1Source>).archive;
    if (!archive) throw new InputError(output, 'a zip output keeps the structure of a zip input; give a directory for PNG slices');
    return createSl1Sink(output, archive, { encoding: { ...encoding, minGreyDepth: 8 } });
  }
  return createPngSliceSink(output, { encoding, layers: source.info.layers, replace: opts.replace ?? false });
}

async function runStack(inputs: string[], opts: StackOptions): Promise<void> {
  const t0 = performance.now();
  const materials = materialsOf(opts.materials);
  const voxel = opts.voxel === undefined ? undefined : parseVoxel(opts.voxel);
  const maps = parseLayerMethod(opts.method, voxel); // before any file is opened: bad options fail fast
  if (inputs.length > 1 && !opts.fractions) throw new InputError('input', 'several inputs are only for --fractions');
  const sources = await Promise.all(
    inputs.map((path) => openStack(path, opts.size === undefined ? {} : { size: opts.size, rawDepth: opts.bits === '16' ? 16 : 8 })),
  );
  const source = sources[0]!;
  const { width, height, layers } = source.info;
  sources.forEach((s, i) => {
    const o = s.info;
    if (o.width !== width || o.height !== height || o.layers !== layers) {
      throw new InputError(inputs[i]!, `is ${o.width}×${o.height}×${o.layers}, but ${inputs[0]} is ${width}×${height}×${layers}`);
    }
  });
  const levels = opts.levels ?? 2;
  const colours = opts.fractions || materials ? Uint8Array.from([0, 0, 0, ...(materials?.colors ?? defaultMaterialColours(inputs.length))]) : undefined;
  const encoding: PngEncoding = colours ? { palette: colours } : { levels };
  const engine = await Engine.create({ backend: opts.backend, threads: opts.threads });
  const sinks: LayerSink[] = [];
  const controller = new AbortController();
  const onSigint = () => controller.abort(new InputError('interrupted', 'stopped by Ctrl-C; no output was written'));
  process.once('SIGINT', onSigint);
  const bar = process.stderr.isTTY && !opts.json ? new SingleBar({ format: ' {bar} {value}/{total} layers | {rate} layers/s | ETA {eta_formatted}', hideCursor: true }) : null;
  try {
    sinks.push(await openSink(opts.output, source, opts, encoding));
    if (opts.report) sinks.push(await createVoxelReportSink(opts.report, colours ? { palette: colours } : { levels }));
    bar?.start(layers, 0, { rate: '0.0' });
    let done = 0;
    const stream = ditherStack(opts.fractions ? sources : source, {
      method: maps,
      levels,
      ...(materials ? { materials } : {}),
      fractions: opts.fractions ?? false,
      distance: opts.distance,
      ...(opts.chunkLayers ? { chunkLayers: opts.chunkLayers } : {}),
      engine,
      signal: controller.signal,
    });
    for await (const layer of stream) {
      for (const sink of sinks) await sink.write(layer);
      done++;
      bar?.update(done, { rate: (done / ((performance.now() - t0) / 1000)).toFixed(1) });
    }
    for (const sink of sinks) await sink.close();
    bar?.stop();
    const seconds = (performance.now() - t0) / 1000;
    const report = {
      inputs,
      output: opts.output,
      backend: engine.backend,
      adapter: engine.adapter,
      width,
      height,
      layers,
      method: maps.name,
      mode: opts.fractions ? 'fractions' : materials ? 'materials' : 'grey',
      levels: colours ? null : levels,
      seconds: Math.round(seconds * 1000) / 1000,
      layersPerSecond: Math.round((layers / seconds) * 100) / 100,
      megavoxelsPerSecond: Math.round(((width * height * layers) / 1e6 / seconds) * 100) / 100,
    };
    if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      const where = engine.adapter ? `gpu: ${adapterLabel(engine.adapter)}` : 'cpu';
      process.stdout.write(`${inputs.join(', ')} → ${opts.output}: ${width}×${height}×${layers}, ${maps.name}, ${where}, ${report.seconds} s (${report.layersPerSecond} layers/s)\n`);
    }
  } catch (err) {
    bar?.stop();
    await Promise.allSettled(sinks.map((s) => s.abort()));
    throw controller.signal.aborted ? controller.signal.reason : err;
  } finally {
    process.removeListener('SIGINT', onSigint);
    engine.destroy();
  }
}

/** Distinct colours for materials when no palette names them (indexed PNG output needs some). */
function defaultMaterialColours(k: number): number[] {
  const table = [0xe6194b, 0x3cb44b, 0x4363d8, 0xffe119, 0xf58231, 0x911eb4, 0x46f0f0];
  return table.slice(0, Math.max(3, k)).flatMap((c) => [(c >> 16) & 255, (c >> 8) & 255, c & 255]);
}
