// The streaming engine for voxel stacks: layers in, dithered layers out, both as async iterables. Layers are
// batched into chunks that fit the device, two chunks are in flight at once (one computing while the next is
// assembled and the last is handed on), and every decision depends only on absolute voxel coordinates, so the
// output bits are the same for every chunk size and on both backends.
import { Engine, type BackendChoice } from '../engine.js';
import { InputError } from '../errors.js';
import type { DistanceSpace } from '../color/space.js';
import { orderedPaletteParams } from '../kernels/orderedPalette.js';
import type { Palette } from '../palette/palette.js';
import type { Layer, OutputLayer } from './formats/types.js';
import { greyLevelsLayers, materialFractionsLayers } from './kernels.gpu.js';
import { MAX_MATERIALS, type LayerOutput, type Samples } from './kernels.js';
import { parseLayerMethod, type LayerMaps, type Voxel } from './layerMaps.js';

/** What a caller feeds in: the file formats' layers, or a slicer's own (z is implied by order). */
export type StackLayer = Omit<Layer, 'z'> & { z?: number };
export type StackInput = AsyncIterable<StackLayer> | Iterable<StackLayer>;

export interface DitherStackOptions {
  /** A layer method ('bayer3d8', 'bayer3d16x16x4', 'bluenoise3d', 'bayer8+phase', …) or LayerMaps. Default bayer3d8. */
  readonly method?: string | LayerMaps;
  /** Voxel pitch in µm (x, y, z): shapes the maps so patterns are isotropic in physical space. */
  readonly voxel?: Voxel;
  /** Grey mode: output levels, 2 (1 bit per voxel, the default) to 256. */
  readonly levels?: number;
  /**
   * Materials: with RGBA input, each voxel becomes the nearest material colour (ordered dithering in linear
   * light, 0 = void where alpha < 50%, else 1 + material); with `fractions`, the palette only names materials.
   */
  readonly materials?: Palette;
  /** Fraction mode: several grey inputs (one per material) or one RGBA input (R, G, B fractions, A occupancy). */
  readonly fractions?: boolean;
  /** Colour mode: the distance space for the nearest material colour. Default oklab. */
  readonly distance?: DistanceSpace;
  /** Layers per chunk; default: as many as fit about 32 MiB of input (at least 1, at most 64). */
  readonly chunkLayers?: number;
  readonly engine?: Engine;
  readonly backend?: BackendChoice;
  /** Called after each chunk with the number of layers done. */
  readonly onProgress?: (layersDone: number) => void;
  /** Stops the stream between chunks (the CLI's Ctrl-C). */
  readonly signal?: AbortSignal;
}

const CHUNK_BYTES = 32 * 2 ** 20;

type Mode = 'grey' | 'colour' | 'fractions';

function modeOf(options: DitherStackOptions, inputs: number): Mode {
  if (options.fractions) return 'fractions';
  if (inputs > 1) throw new InputError('input', 'several inputs are only for --fractions (one grey stack per material)');
  if (options.materials && options.levels !== undefined) throw new InputError('--levels', 'cannot be combined with --materials');
  return options.materials ? 'colour' : 'grey';
}

/** An array of stacks (fraction mode), as opposed to one stack given as an array of layers. */
function isInputList(input: StackInput | readonly StackInput[]): input is readonly StackInput[] {
  const first: unknown = Array.isArray(input) ? input[0] : undefined;
  return first !== undefined && typeof first === 'object' && first !== null && !('width' in first);
}

async function* iterate<T>(it: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* it;
}

/** Zips several inputs layer by layer: fraction mode reads one stack per material. */
async function* zipInputs(inputs: readonly StackInput[]): AsyncGenerator<StackLayer[]> {
  const its = inputs.map((i) => iterate(i)[Symbol.asyncIterator]());
  for (let z = 0; ; z++) {
    const next = await Promise.all(its.map((it) => it.next()));
    const done = next.filter((n) => n.done).length;
    if (done === next.length) return;
    if (done > 0) throw new InputError(`input ${next.findIndex((n) => n.done) + 1}`, `ends at layer ${z}, before the other inputs`);
    yield next.map((n) => n.value as StackLayer);
  }
}

interface Chunk {
  readonly z0: number;
  readonly layers: StackLayer[][];
}

async function* chunks(rows: AsyncIterable<StackLayer[]>, chunkLayers: number | undefined): AsyncGenerator<Chunk> {
  let z0 = 0;
  let pending: StackLayer[][] = [];
  let per = chunkLayers;
  let first: StackLayer | undefined;
  for await (const row of rows) {
    const layer = row[0]!;
    first ??= layer;
    for (const l of row) {
      if (l.width !== first.width || l.height !== first.height || l.channels !== first.channels || l.depth !== first.depth) {
        throw new InputError(`layer ${z0 + pending.length}`, `is ${l.width}×${l.height}×${l.channels}@${l.depth}, the first was ${first.width}×${first.height}×${first.channels}@${first.depth}`);
      }
      if (l.data.length !== l.width * l.height * l.channels) throw new InputError(`layer ${z0 + pending.length}`, 'has the wrong number of samples');
    }
    per ??= Math.max(1, Math.min(64, Math.floor(CHUNK_BYTES / (layer.data.byteLength * row.length))));
    pending.push(row);
    if (pending.length === per) {
      yield { z0, layers: pending };
      z0 += pending.length;
      pending = [];
    }
  }
  if (pending.length) yield { z0, layers: pending };
}

function concat(parts: readonly Samples[]): Samples {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = parts[0] instanceof Uint16Array ? new Uint16Array(total) : new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function split(out: LayerOutput, chunk: Chunk, width: number, height: number): OutputLayer[] {
  return chunk.layers.map((_, i) => {
    const bytes = out.data.subarray(i * out.layerStride, (i + 1) * out.layerStride);
    const z = chunk.z0 + i;
    return out.bitsPerVoxel === 1
      ? { z, width, height, kind: 'bits', data: new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) }
      : { z, width, height, kind: 'codes', data: bytes };
  });
}

/**
 * Dithers a stack. `input` is one stack, or (fraction mode) one grey stack per material. Yields output layers in
 * z order; memory stays bounded by the chunk size whatever the stack's length.
 */
export async function* ditherStack(input: StackInput | readonly StackInput[], options: DitherStackOptions = {}): AsyncGenerator<OutputLayer> {
  const inputs = isInputList(input) ? input : [input];
  if (inputs.length === 0) throw new InputError('input', 'no stack given');
  const mode = modeOf(options, inputs.length);
  const maps = typeof options.method === 'object' ? options.method : parseLayerMethod(options.method ?? 'bayer3d8', options.voxel);
  const levels = options.levels ?? 2;
  if (mode === 'fractions' && inputs.length > MAX_MATERIALS) throw new InputError('input', `at most ${MAX_MATERIALS} materials, got ${inputs.length}`);
  if (options.chunkLayers !== undefined && !(Number.isInteger(options.chunkLayers) && options.chunkLayers >= 1)) {
    throw new InputError('--chunk-layers', `expected a whole number ≥ 1, got ${options.chunkLayers}`);
  }
  const engine = options.engine ?? (await Engine.create({ backend: options.backend ?? 'auto' }));
  const inFlight: Promise<OutputLayer[]>[] = [];
  let done = 0;
  let sawLayer = false;
  try {
    for await (const chunk of chunks(zipInputs(inputs), options.chunkLayers)) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
      sawLayer = true;
      const running = runChunk(engine, chunk, mode, maps, levels, options);
      running.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled
      inFlight.push(running);
      if (inFlight.length >= 2) {
        const layers = await inFlight.shift()!;
        yield* layers;
        options.onProgress?.((done += layers.length));
      }
    }
    while (inFlight.length) {
      const layers = await inFlight.shift()!;
      yield* layers;
      options.onProgress?.((done += layers.length));
    }
    if (!sawLayer) throw new InputError('input', 'has no layers');
  } finally {
    await Promise.allSettled(inFlight);
    if (!options.engine) engine.destroy();
  }
}

async function runChunk(engine: Engine, chunk: Chunk, mode: Mode, maps: LayerMaps, levels: number, options: DitherStackOptions): Promise<OutputLayer[]> {
  const first = chunk.layers[0]![0]!;
  const { width, height } = first;
  const shape = { width, height, z0: chunk.z0, count: chunk.layers.length };
  if (mode === 'grey') {
    if (first.channels !== 1) throw new InputError('input', 'grey mode needs grey slices; for colour slices give --materials');
    const out = await greyLevelsLayers(engine, { ...shape, data: concat(chunk.layers.map((r) => r[0]!.data)) }, maps, levels);
    return split(out, chunk, width, height);
  }
  if (mode === 'fractions') {
    const k = chunk.layers[0]!.length;
    const out =
      k === 1 && first.channels === 4
        ? await materialFractionsLayers(engine, { ...shape, rgba: concat(chunk.layers.map((r) => r[0]!.data)) }, maps)
        : await materialFractionsLayers(engine, { ...shape, channels: Array.from({ length: k }, (_, m) => concat(chunk.layers.map((r) => greyOnly(r[m]!, m)))) }, maps);
    return split(out, chunk, width, height);
  }
  // Colour: per layer, the 2D palette kernel with that layer's map; void where alpha < 50%.
  if (first.channels !== 4) throw new InputError('input', '--materials needs RGBA slices (or --fractions for material fractions)');
  const palette = options.materials!;
  if (palette.size > 254) throw new InputError('--materials', 'at most 254 materials');
  const out: OutputLayer[] = [];
  for (let i = 0; i < chunk.layers.length; i++) {
    const z = chunk.z0 + i;
    const params = orderedPaletteParams(maps.at(z), palette.colors, { distance: options.distance ?? 'oklab', alpha: 'threshold' });
    const layer = chunk.layers[i]![0]!;
    const { indices } = await engine.orderedPalette({ width, height, data: layer.data }, params);
    const codes = new Uint8Array(indices.length);
    for (let p = 0; p < codes.length; p++) codes[p] = indices[p] === palette.size ? 0 : indices[p]! + 1;
    out.push({ z, width, height, kind: 'codes', data: codes });
  }
  return out;
}

function greyOnly(layer: StackLayer, m: number): Samples {
  if (layer.channels !== 1) throw new InputError(`input ${m + 1}`, 'fraction inputs must be grey slices (one stack per material), or a single RGBA stack');
  return layer.data;
}
