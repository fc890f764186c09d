// GPU side of the stack kernels, and their public entry points (which run on an Engine's backend). Layers go to
// the GPU several per dispatch (one input binding holds as many whole layers as fit), several dispatches per
// submit; a layer too large for one binding is split into row ranges that keep absolute rows, so every split
// gives the same bits. Layouts: see src/stack/kernels.ts.
import type { Engine } from '../engine.js';
import type { GpuHandle } from '../host/device.js';
import { getKernel, type Kernel } from '../host/pipelines.js';
import { runBatches, type Batch } from '../host/batches.js';
import type { Recorder } from '../host/recorder.js';
import { claimCall, type StagedRange } from '../host/stagedMemory.js';
import { bindingLimit } from '../host/chunking.js';
import { outputArray, placeInto } from '../host/outputArray.js';
import type { ThresholdMap } from '../maps/thresholdMap.js';
import type { LayerMaps } from './layerMaps.js';
import {
  checkLayers,
  checkLevels,
  greyLevelsCpu,
  layerStride,
  materialCount,
  materialFractionsCpu,
  thresholdTable,
  type FractionLayers,
  type GreyLayers,
  type LayerOutput,
  type Samples,
} from './kernels.js';

export interface LayerRunOptions {
  /** Fills every output buffer with this word before the dispatch, so tests can prove every word is written. */
  readonly poison?: number;
  /** Caps each binding, in bytes (tests use it to force fewer layers per dispatch and row ranges). */
  readonly maxChunkBytes?: number;
  /**
   * Where the output goes (at least count · layerStride bytes): `data` is then a view of it. A slicer that reuses
   * one array per batch of layers spares a new array's page faults, which cost more than its copy on some hosts.
   * Staged output memory (engine.stage(bytes, 'output')) is filled by the GPU's own copies where `into` starts on
   * a whole word of it, every piece's result does too (always for 1-bit output; for bytes, when a layer and every
   * row range start on one), and the result ends on a whole word or at the memory's end; else by a host copy.
   * Either way the call holds it until it ends; after a GPU copy `into` is detached: read `data` of the result (or
   * of the memory) again. Input and output in one staged memory are both copied on the host.
   */
  readonly into?: Uint8Array;
}

/** A CPU backend's output, placed in `into` where the caller gave one (the GPU reads back straight into it). */
function placed(out: LayerOutput, into: Uint8Array | undefined): LayerOutput {
  return into ? { ...out, data: placeInto(out.data, into) } : out;
}

/** Grey layers → N codes (packed bits for N = 2), on the engine's backend. */
export function greyLevelsLayers(engine: Engine, layers: GreyLayers, maps: LayerMaps, levels: number, opts: LayerRunOptions = {}): Promise<LayerOutput> {
  checkLevels(levels);
  checkLayers(layers, layers.data.length, 'greyLevels');
  return engine.run({
    cpu: () => placed(greyLevelsCpu(layers, maps, levels), opts.into),
    cpuPool: (pool) => pool.greyLevels(layers, maps, levels, opts.into),
    gpu: (g) => greyLevelsGpu(g, layers, maps, levels, opts),
  });
}

/** Material fractions → one material index per voxel (0 = void), on the engine's backend. */
export function materialFractionsLayers(engine: Engine, layers: FractionLayers, maps: LayerMaps, opts: LayerRunOptions = {}): Promise<LayerOutput> {
  materialCount(layers);
  return engine.run({
    cpu: () => placed(materialFractionsCpu(layers, maps), opts.into),
    cpuPool: (pool) => pool.materialFractions(layers, maps, opts.into),
    gpu: (g) => materialFractionsGpu(g, layers, maps, opts),
  });
}

/** Whole layers [layer, layer + layers), or rows [row, row + rows) of one layer. */
interface Piece {
  readonly layer: number;
  readonly layers: number;
  readonly row: number;
  readonly rows: number;
}

interface Shape {
  readonly width: number;
  readonly height: number;
  readonly count: number;
  /** Input binding bytes for `voxels` voxels. */
  readonly inBytes: (voxels: number) => number;
  /** Voxels per output word: 32 (bits) or 4 (bytes). */
  readonly per: number;
  /** Threshold bytes of one layer's map: distinct maps per layer (phase) must fit one binding too. */
  readonly mapBytes: number;
}

const round4 = (n: number): number => Math.ceil(n / 4) * 4;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const MAX_LAYERS_PER_DISPATCH = 1024;
/**
 * Voxels per invocation of the general entries (RUN in the WGSL). Each invocation reads its own 8 consecutive
 * words (L1 serves the rest of each line). A variant staging a workgroup's input through workgroup memory with
 * coalesced loads ran at 43 Gvoxel/s on an H200 against 79 for these direct loads (bench/results/h200-gpu.md;
 * its batches were 32 MiB, the direct run's one 1 GiB dispatch, but the 2D kernels lost nothing to that
 * batching), so it went.
 */
const RUN = 32;

/** A layer map as one kernel entry reads it: its table, and the 4th member of its layerMaps entry. */
interface MapTable {
  readonly table: Uint32Array;
  readonly rowWords: number;
}

const plainTable = (map: ThresholdMap): MapTable => ({ table: thresholdTable(map), rowWords: 0 });

const phased = new WeakMap<ThresholdMap, Map<string, MapTable>>();

/**
 * The fast entries' thresholds (runThresholds in the WGSL): per map row, `lanes` phases p of rowWords words, word
 * i holding entries p + lanes·i .. + lanes − 1 of the row repeated cyclically (lane 0 in the low bits), each
 * `entry(t)` of the cell's threshold t; rowWords covers a run of `len` voxels from any column of the row.
 */
function phasedRows(map: ThresholdMap, lanes: 2 | 4, len: number, entry: (t: number) => number): MapTable {
  let perMap = phased.get(map);
  if (!perMap) phased.set(map, (perMap = new Map()));
  const key = `${lanes}/${len}`;
  let out = perMap.get(key);
  if (!out) {
    const t = thresholdTable(map);
    const [mw, mh] = map.size;
    const bits = 32 / lanes;
    const rowWords = Math.floor((mw - 1) / lanes) + len / lanes;
    const table = new Uint32Array(mh * lanes * rowWords);
    for (let y = 0, w = 0; y < mh; y++) {
      for (let p = 0; p < lanes; p++) {
        for (let i = 0; i < rowWords; i++, w++) {
          let word = 0;
          for (let j = 0; j < lanes; j++) word |= entry(t[y * mw + ((p + lanes * i + j) % mw)]!) << (bits * j);
          table[w] = word >>> 0;
        }
      }
    }
    perMap.set(key, (out = { table, rowWords }));
  }
  return out;
}

/** greyBits8: the byte 256 − v, v = floor(t/257) + 1 the least 8-bit sample whose g·257 exceeds t. */
const greyBitsTable = (map: ThresholdMap): MapTable => phasedRows(map, 4, 32, (t) => 255 - Math.floor(t / 257));
/** materials8: t + 1 (1..65535). */
const materialsTable = (map: ThresholdMap): MapTable => phasedRows(map, 2, 16, (t) => t + 1);

/** As many whole layers per piece as fit one binding; else row ranges whose first voxel starts an output word. */
function planPieces(s: Shape, limit: number): Piece[] {
  const { width, height, count, per } = s;
  const fits = (layers: number, rows: number) =>
    s.inBytes(layers * rows * width) <= limit && layers * 4 * Math.ceil((rows * width) / per) <= limit;
  const pieces: Piece[] = [];
  if (fits(1, height)) {
    const most = Math.min(count, MAX_LAYERS_PER_DISPATCH, Math.floor(limit / s.inBytes(width * height)), Math.floor(limit / s.mapBytes));
    let n = Math.max(1, most);
    while (n > 1 && !fits(n, height)) n--;
    for (let layer = 0; layer < count; layer += n) pieces.push({ layer, layers: Math.min(n, count - layer), row: 0, rows: height });
    return pieces;
  }
  const q = per / gcd(width, per); // rows·width must be a multiple of `per` at every split
  const most = Math.floor(limit / s.inBytes(width));
  let rows = most - (most % q);
  while (rows >= q && !fits(1, rows)) rows -= q;
  if (rows < q) throw new RangeError(`${q} rows of ${width} voxels exceed the binding limit of ${limit} bytes`);
  for (let layer = 0; layer < count; layer++) {
    for (let row = 0; row < height; row += rows) pieces.push({ layer, layers: 1, row, rows: Math.min(rows, height - row) });
  }
  return pieces;
}

/** Per layer of the piece: (base, width, height, rowWords) of its map in the tables of the piece's distinct maps. */
function pieceMaps(maps: LayerMaps, z: number, layers: number, tableOf: (map: ThresholdMap) => MapTable): { layerMaps: Uint32Array; thresholds: Uint32Array } {
  const bases = new Map<ThresholdMap, number>();
  const parts: Uint32Array[] = [];
  const layerMaps = new Uint32Array(4 * layers);
  let total = 0;
  for (let l = 0; l < layers; l++) {
    const map = maps.at(z + l);
    const { table, rowWords } = tableOf(map);
    let base = bases.get(map);
    if (base === undefined) {
      bases.set(map, (base = total));
      parts.push(table);
      total += table.length;
    }
    layerMaps.set([base, map.size[0], map.size[1], rowWords], 4 * l);
  }
  const thresholds = new Uint32Array(total);
  let at = 0;
  for (const p of parts) {
    thresholds.set(p, at);
    at += p.length;
  }
  return { layerMaps, thresholds };
}

interface Job {
  readonly kernel: Kernel;
  readonly shape: Omit<Shape, 'mapBytes'>;
  /** Voxels per invocation. */
  readonly run: number;
  readonly table: (map: ThresholdMap) => MapTable;
  readonly z0: number;
  readonly maps: LayerMaps;
  readonly bits: 1 | 8;
  readonly names: { readonly out: string; readonly input: string; readonly params: string };
  /** Uploads the piece's input and returns its binding. */
  readonly input: (rec: Recorder, p: Piece, voxel0: number, voxels: number) => GPUBufferBinding;
  /** The input as one array of `bytesPerVoxel` bytes per voxel, where it is one (staged memory is copied from it). */
  readonly single?: { readonly data: ArrayBufferView; readonly bytesPerVoxel: number };
  readonly params: (p: Piece, outWords: number) => Record<string, number>;
}

async function runPieces(gpu: GpuHandle, job: Job, opts: LayerRunOptions): Promise<LayerOutput> {
  const { width, height } = job.shape;
  // Pieces of at most a batch each, so that two batches in flight overlap transfers with compute.
  const limit = Math.min(bindingLimit(gpu.device), opts.maxChunkBytes ?? Infinity, gpu.batchBytes);
  const pieces = planPieces({ ...job.shape, mapBytes: 4 * job.table(job.maps.at(job.z0)).table.length }, limit);
  // Staged memory (engine.stage) is copied on the GPU's side when every piece starts on a whole word of it.
  const single = job.single;
  const stride = layerStride(width, height, job.bits);
  const staged = claimCall(gpu.device, single?.data, opts.into, stride * job.shape.count);
  try {
    const direct = staged.input?.direct && pieces.every((p) => (pieceStart(p, width, height) * single!.bytesPerVoxel) % 4 === 0) ? staged.input : null;
    const aligned = (p: Piece) => pieceReads(p, width, stride, job.bits, Math.ceil((p.rows * width) / job.shape.per)).every((r) => r.at % 4 === 0);
    const directOut = staged.output?.direct && pieces.every(aligned) ? staged.output : null;
    return await runPiecesFrom(gpu, job, opts, pieces, direct, directOut);
  } finally {
    await staged.release();
  }
}

/**
 * Where piece `p`'s result goes: runs of `size` bytes from `from` in its output buffer to `at` in the result.
 * One run where the piece is contiguous in the result (row ranges start on a word, planPieces; 1-bit layers are
 * word-padded alike), else one per layer (byte layers whose voxels are no multiple of 4).
 */
function pieceReads(p: Piece, width: number, stride: number, bits: 1 | 8, outWords: number): { from: number; at: number; size: number }[] {
  const voxels = p.rows * width; // per layer of the piece
  if (bits === 1 || voxels % 4 === 0 || p.layers === 1) {
    const at = p.layer * stride + (bits === 1 ? (p.row * width) / 8 : p.row * width);
    return [{ from: 0, at, size: bits === 1 ? 4 * outWords * p.layers : voxels * p.layers }];
  }
  return Array.from({ length: p.layers }, (_, l) => ({ from: 4 * outWords * l, at: (p.layer + l) * stride, size: voxels }));
}

/** The first voxel of piece `p` among the stack's voxels. */
function pieceStart(p: Piece, width: number, height: number): number {
  return p.layer * width * height + p.row * width;
}

/**
 * The pieces in batches; `direct`: the staged input the GPU copies them from, else each is uploaded; `directOut`:
 * the staged output the GPU copies results into, in whole words (a result that ends inside a word ends the
 * output, and the word's rest is the staged memory's own padding: claimStaged), else each is read back.
 */
async function runPiecesFrom(gpu: GpuHandle, job: Job, opts: LayerRunOptions, pieces: Piece[], direct: StagedRange | null, directOut: StagedRange | null): Promise<LayerOutput> {
  const { width, height, count, per } = job.shape;
  const stride = layerStride(width, height, job.bits);
  const out = outputArray(stride * count, opts.into);
  const bpv = job.single?.bytesPerVoxel ?? 0;
  const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const batches = pieces.map(
    (p): Batch => ({
      dispatches: 1,
      record(rec) {
        const voxels = p.rows * width; // per layer of the piece
        const outWords = Math.ceil(voxels / per);
        const words = outWords * p.layers;
        const { layerMaps, thresholds } = pieceMaps(job.maps, job.z0 + p.layer, p.layers, job.table);
        const v0 = pieceStart(p, width, height);
        const n = voxels * p.layers;
        const input = direct ? rec.inputStaged(direct, v0 * bpv, n * bpv, job.names.input) : job.input(rec, p, v0, n);
        const buf = rec.buffer(4 * words, STORAGE, job.names.out);
        if (opts.poison !== undefined) rec.upload(buf, new Uint32Array(words).fill(opts.poison));
        rec.dispatch({
          kernel: job.kernel,
          buffers: {
            layerMaps: rec.input(layerMaps, 'layerMaps'),
            thresholds: rec.input(thresholds, 'thresholds'),
            [job.names.input]: input,
            [job.names.out]: { buffer: buf, offset: 0, size: 4 * words },
          },
          uniforms: { [job.names.params]: job.params(p, outWords) },
          workgroups: Math.ceil((p.layers * Math.ceil(voxels / job.run)) / 64), // one invocation per run of voxels
        });
        const reads = pieceReads(p, width, stride, job.bits, outWords);
        if (directOut) {
          for (const r of reads) rec.readStaged(buf, r.from, directOut, r.at, r.size);
          return [];
        }
        return reads.map((r) => rec.read(buf, r.from, r.size, out.subarray(r.at, r.at + r.size)));
      },
    }),
  );
  const gpuMs = await runBatches(gpu, batches);
  return { data: directOut ? await directOut.result(stride * count) : out, layerStride: stride, bitsPerVoxel: job.bits, gpuMs };
}

/** The uniform members both stack kernels share (GreyParams and FractionParams in the WGSL). */
function pieceParams(width: number, bytesPerSample: number, p: Piece, outWords: number): Record<string, number> {
  return { width, rows: p.rows, firstRow: p.row, layers: p.layers, wide: bytesPerSample === 2 ? 1 : 0, outWords };
}

/**
 * The layerThreshold.wgsl entry for greyLevels: greyBits8 for 8-bit samples to bits with whole 32-voxel runs per
 * row (any row range then starts on an output word and holds whole vec4s of input), else greyLevels.
 */
export function greyEntry(layers: Pick<GreyLayers, 'width' | 'data'>, levels: number): 'greyBits8' | 'greyLevels' {
  return layers.data instanceof Uint8Array && levels === 2 && layers.width % 32 === 0 ? 'greyBits8' : 'greyLevels';
}

/**
 * The layerThreshold.wgsl entry for materialFractions: materials8 for 8-bit channels with whole 16-voxel runs per
 * row (channel blocks and the output of any row range are then whole vec4s), else materialFractions.
 */
export function materialsEntry(layers: FractionLayers): 'materials8' | 'materialFractions' {
  return !('rgba' in layers) && layers.channels[0] instanceof Uint8Array && layers.width % 16 === 0 ? 'materials8' : 'materialFractions';
}

export async function greyLevelsGpu(gpu: GpuHandle, layers: GreyLayers, maps: LayerMaps, levels: number, opts: LayerRunOptions = {}): Promise<LayerOutput> {
  checkLevels(levels);
  checkLayers(layers, layers.data.length, 'greyLevels');
  const { width, height, count, data } = layers;
  const b = data.BYTES_PER_ELEMENT;
  const bits = levels === 2 ? 1 : 8;
  const entry = greyEntry(layers, levels);
  const fast = entry === 'greyBits8';
  const input = fast ? 'grey8' : 'grey';
  return runPieces(
    gpu,
    {
      kernel: await getKernel(gpu.device, 'layerThreshold', entry),
      shape: { width, height, count, per: bits === 1 ? 32 : 4, inBytes: (v) => round4(v * b) },
      run: RUN,
      table: fast ? greyBitsTable : plainTable,
      z0: layers.z0,
      maps,
      bits,
      names: { out: 'greyOut', input, params: 'gp' },
      input: (rec, _p, v0, n) => rec.input(data.subarray(v0, v0 + n), input),
      single: { data, bytesPerVoxel: b },
      params: (p, outWords) => ({ ...pieceParams(width, b, p, outWords), steps: levels - 1, packBits: bits === 1 ? 1 : 0 }),
    },
    opts,
  );
}

export async function materialFractionsGpu(gpu: GpuHandle, layers: FractionLayers, maps: LayerMaps, opts: LayerRunOptions = {}): Promise<LayerOutput> {
  const k = materialCount(layers);
  const { width, height, count } = layers;
  const rgba = 'rgba' in layers ? layers.rgba : null;
  const channels: readonly Samples[] = 'rgba' in layers ? [] : layers.channels;
  const b = (rgba ?? channels[0]!).BYTES_PER_ELEMENT;
  // Channel mode: K blocks, each padded to a word, in one binding; RGBA mode: the RGBA samples as they are.
  const inBytes = rgba ? (v: number) => 4 * b * v : (v: number) => k * round4(v * b);
  const entry = materialsEntry(layers);
  const fast = entry === 'materials8';
  const [input, out] = fast ? ['fractions8', 'materialOut16'] : ['fractions', 'materialOut'];
  return runPieces(
    gpu,
    {
      kernel: await getKernel(gpu.device, 'layerThreshold', entry),
      shape: { width, height, count, per: 4, inBytes },
      run: fast ? 16 : RUN,
      table: fast ? materialsTable : plainTable,
      z0: layers.z0,
      maps,
      bits: 8,
      names: { out, input, params: 'fp' },
      ...(rgba ? { single: { data: rgba, bytesPerVoxel: 4 * b } } : {}),
      input: (rec, _p, v0, n) => {
        if (rgba) return rec.input(rgba.subarray(4 * v0, 4 * (v0 + n)), input);
        // One staging buffer for the K channels, each copied once: K staging buffers per piece would overflow the
        // pool and be re-created every call.
        const parts = channels.map((c) => new Uint8Array(c.buffer, c.byteOffset + v0 * b, n * b));
        return rec.inputParts(parts, round4(n * b), input);
      },
      params: (p, outWords) => ({
        ...pieceParams(width, b, p, outWords),
        materials: k,
        rgba: rgba ? 1 : 0,
        channelWords: rgba ? 0 : round4(p.layers * p.rows * width * b) / 4,
      }),
    },
    opts,
  );
}
