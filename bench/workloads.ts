// The measured workloads. Each calls the kernels directly through the engine (host-built tables are made once,
// outside the timing, as a caller dithering many frames would), so one code path serves the GPU, the
// single-threaded CPU reference and the worker pool.
import type { CpuPool } from '../src/cpu/pool.js';
import type { Engine } from '../src/engine.js';
import { planLevels } from '../src/image/levels.js';
import { levelsCpu } from '../src/kernels/levels.js';
import { levelsGpu } from '../src/kernels/levels.gpu.js';
import { orderedPaletteParams, type OrderedPaletteParams } from '../src/kernels/orderedPalette.js';
import type { SplitPasses } from '../src/kernels/orderedPalette.gpu.js';
import { forgetSplits } from '../src/kernels/splitCache.js';
import { bayer } from '../src/maps/bayer.js';
import { blueNoise } from '../src/maps/blueNoise.js';
import type { ThresholdMap } from '../src/maps/thresholdMap.js';
import { greyLevelsCpu, layerStride, materialFractionsCpu, type FractionLayers, type GreyLayers } from '../src/stack/kernels.js';
import { greyLevelsGpu, materialFractionsGpu } from '../src/stack/kernels.gpu.js';
import { parseLayerMethod, type LayerMaps } from '../src/stack/layerMaps.js';
import type { StagedMemory } from '../src/host/stagedMemory.js';
import { STAGED, type BackendId, type BenchConfig, type MapName, type Size, type StackKind, type StackSize } from './config.js';
import { benchPalette, fractionStack, greyStack, photo } from './inputs.js';

export type Group = '2D palette' | 'levels 16→8 bit' | '3D grey8→1 bit' | '3D 4 materials';

export interface Workload {
  readonly id: string;
  readonly group: Group;
  /** Size and variant, e.g. "4K, 16 colours, bayer8"; ", staged" last where the input is staged memory (STAGED). */
  readonly label: string;
  /** Workloads of one family differ only in size: a small one's time per item predicts a large one's. */
  readonly family: string;
  readonly items: number;
  readonly unit: 'px' | 'voxel';
  /** Bytes read and written per pixel or voxel (input samples + output), tables excluded. */
  readonly bytesPerItem: number;
  readonly inputBytesPerItem: number;
  /** Workloads with the same key share one input; the suite keeps only the current one in memory. */
  readonly inputKey: string;
  /** Builds the input and its tables, untimed (run() then finds them cached). */
  prepare(): void;
  /** Only these backends run it (default: every one). */
  readonly backends?: readonly BackendId[];
  /** Untimed, before the first call on `engine`: what the workload holds per engine (staged memory). */
  setup?(engine: Engine): Promise<void>;
  /** After the last call on `engine`: frees what setup() made. */
  teardown?(engine: Engine): void;
  /** Empties what the engine keeps between calls for this workload, so that its first call is timed cold. */
  reset?(engine: Engine): Promise<void>;
  /** Runs once on `engine`; returns the GPU kernel time when the adapter gives one. */
  run(engine: Engine): Promise<number | null>;
}

/**
 * Inputs by key, built on first use; `keep` drops every other but its own `key:…` companions (plans, output
 * arrays), so one size at a time is in memory.
 */
export class Inputs {
  private readonly cache = new Map<string, unknown>();
  get<T>(key: string, make: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key) as T;
  }
  keep(key: string): void {
    for (const k of [...this.cache.keys()]) if (k !== key && !k.startsWith(`${key}:`)) this.cache.delete(k);
  }
}

const MAPS: Record<MapName, () => ThresholdMap> = { bayer8: () => bayer([8, 8]), bluenoise64: () => blueNoise([64, 64]) };

/** On the threaded engine the pool form, otherwise the reference or the GPU. */
function onEngine<T>(e: Engine, cpu: () => T, pooled: (p: CpuPool) => Promise<T>, gpu: Parameters<Engine['run']>[0]['gpu']): Promise<T> {
  return e.run({ cpu, cpuPool: pooled, gpu }) as Promise<T>;
}

/** A staged workload's memory on one engine: the input, filled once as a decoder or a slicer would, and the output. */
interface StagedPair {
  readonly input: StagedMemory;
  readonly output: StagedMemory;
}

/** `data` in new staged input, and staged output of `outBytes`; neither is left behind if the other fails. */
async function stagePair(e: Engine, data: Uint8Array, outBytes: number): Promise<StagedPair> {
  const input = await e.stage(data.length);
  try {
    input.data.set(data);
    return { input, output: await e.stage(outBytes, 'output') };
  } catch (err) {
    input.destroy();
    throw err;
  }
}

function freePair(p: StagedPair | null): void {
  p?.input.destroy();
  p?.output.destroy();
}

/**
 * An RGBA8 image to palette indices. `staged`: the GPU copies the image from staged input memory (engine.stage),
 * filled once before the timing as a decoder would write each frame there, and the indices into staged output
 * memory: no host copy either way.
 */
function palette2d(inputs: Inputs, size: Size, colours: 2 | 16 | 256, mapName: MapName, splitPasses?: SplitPasses, staged = false): Workload {
  const key = `rgba8:${size.width}x${size.height}`;
  const pal = benchPalette(colours);
  let params: OrderedPaletteParams | undefined;
  let memory: StagedPair | null = null;
  // With the image, the array the GPU reads its indices back into, reused by every call as a video pipeline reuses
  // its frames (the input is reused too): a new array per call would add its page faults to every GPU
  // memory-to-memory time.
  const input = () => inputs.get(key, () => ({ image: photo(size.width, size.height, 8), into: new Uint8Array(size.width * size.height) }));
  return {
    id: `2d-${staged ? 'staged-' : ''}${size.name}-${pal.name}-${mapName}`,
    group: '2D palette',
    label: `${size.name}, ${colours} colours, ${mapName}${staged ? STAGED : ''}`,
    family: `2d-${staged ? 'staged-' : ''}${pal.name}-${mapName}`,
    items: size.width * size.height,
    unit: 'px',
    bytesPerItem: 4 + 1,
    inputBytesPerItem: 4,
    inputKey: key,
    prepare() {
      input();
      params ??= orderedPaletteParams(MAPS[mapName](), pal.colors);
    },
    ...(staged
      ? {
          backends: ['gpu'] as const,
          async setup(e: Engine) {
            const { image } = input();
            memory = await stagePair(e, image.data as Uint8Array, image.width * image.height);
          },
          teardown() {
            freePair(memory);
            memory = null;
          },
        }
      : {}),
    async run(e) {
      const { image, into } = input();
      params ??= orderedPaletteParams(MAPS[mapName](), pal.colors);
      const from = memory ? { width: image.width, height: image.height, data: memory.input.data } : image;
      const to = memory ? memory.output.data : into;
      // The CPU backends make their result in memory of their own: `into` would only add a copy there.
      const run = await e.orderedPalette(from, params, { ...(e.backend === 'gpu' ? { into: to } : {}), ...(splitPasses ? { splitPasses } : {}) });
      // The GPU detaches staged arrays it copied from and into; one still attached was copied on the host.
      if (memory && e.backend === 'gpu' && (from.data.length || to.length)) throw new Error('staged memory was copied on the host, not by the GPU');
      return run.gpuMs;
    },
    async reset(e) {
      const device = await e.device();
      if (device) await forgetSplits(device); // the GPU's split table: the first call fills it, later ones read it
    },
  };
}

function levels16(inputs: Inputs, size: Size): Workload {
  const key = `rgba16:${size.width}x${size.height}`;
  return {
    id: `levels-${size.name}`,
    group: 'levels 16→8 bit',
    label: `${size.name}, RGBA16 → 256 levels, bayer8`,
    family: 'levels16',
    items: size.width * size.height,
    unit: 'px',
    bytesPerItem: 8 + 4,
    inputBytesPerItem: 8,
    inputKey: key,
    prepare() {
      const raster = inputs.get(key, () => photo(size.width, size.height, 16));
      inputs.get(`${key}:plan`, () => planLevels(raster, { levels: [256] }));
    },
    async run(e) {
      const raster = inputs.get(key, () => photo(size.width, size.height, 16));
      const { params } = inputs.get(`${key}:plan`, () => planLevels(raster, { levels: [256] }));
      const image = { width: raster.width, height: raster.height, data: raster.data };
      const out = await onEngine(
        e,
        () => ({ codes: levelsCpu(image, params), gpuMs: null }),
        async (p) => ({ codes: await p.levels(image, params), gpuMs: null }),
        (g) => levelsGpu(g, image, params),
      );
      return out.gpuMs;
    },
  };
}

const STACK_METHOD = 'bayer3d8';

/**
 * A stack of layers in memory through its kernel. `staged` (grey only): the layers are in staged input memory
 * (engine.stage), filled once before the timing as a slicer would rasterize each batch of layers there, and the
 * bits go into staged output memory.
 */
function stack(inputs: Inputs, s: StackSize, kind: StackKind, staged = false): Workload {
  const voxels = s.width * s.height * s.layers;
  const key = `${kind}:${s.width}x${s.height}x${s.layers}`;
  const grey = kind === 'grey1';
  let maps: LayerMaps | undefined;
  let memory: StagedPair | null = null;
  const outBytes = s.layers * layerStride(s.width, s.height, grey ? 1 : 8);
  const output = () => inputs.get(`${key}:out`, () => new Uint8Array(outBytes));
  return {
    id: `3d-${staged ? 'staged-' : ''}${s.name}-${kind}`,
    group: grey ? '3D grey8→1 bit' : '3D 4 materials',
    label: `${s.name} × ${s.layers} layers, ${grey ? 'grey8 → 1 bit' : '4 materials, 8-bit'}, ${STACK_METHOD}${staged ? STAGED : ''}`,
    family: `3d-${staged ? 'staged-' : ''}${kind}`,
    items: voxels,
    unit: 'voxel',
    bytesPerItem: grey ? 1 + 1 / 8 : 4 + 1,
    inputBytesPerItem: grey ? 1 : 4,
    inputKey: key,
    prepare() {
      output();
      maps ??= parseLayerMethod(STACK_METHOD);
      if (grey) inputs.get(key, () => greyStack(s.width, s.height, s.layers));
      else inputs.get(key, () => fractionStack(s.width, s.height, s.layers));
    },
    ...(staged
      ? {
          backends: ['gpu'] as const,
          async setup(e: Engine) {
            memory = await stagePair(e, inputs.get(key, () => greyStack(s.width, s.height, s.layers)), outBytes);
          },
          teardown() {
            freePair(memory);
            memory = null;
          },
        }
      : {}),
    async run(e) {
      maps ??= parseLayerMethod(STACK_METHOD);
      const m = maps;
      const shape = { width: s.width, height: s.height, z0: 0, count: s.layers };
      // The GPU reads back into one array reused by every call, as a slicer reuses its buffers (as for images), or
      // copies into the staged output itself.
      const into = memory ? memory.output.data : output();
      if (grey) {
        const layers: GreyLayers = { ...shape, data: memory ? memory.input.data : inputs.get(key, () => greyStack(s.width, s.height, s.layers)) };
        const out = await onEngine(e, () => greyLevelsCpu(layers, m, 2), (p) => p.greyLevels(layers, m, 2), (g) => greyLevelsGpu(g, layers, m, 2, { into }));
        // The GPU detaches staged arrays it copied from and into; one still attached was copied on the host.
        if (memory && e.backend === 'gpu' && (layers.data.length || into.length)) throw new Error('staged memory was copied on the host, not by the GPU');
        return out.gpuMs;
      }
      const layers: FractionLayers = { ...shape, channels: inputs.get(key, () => fractionStack(s.width, s.height, s.layers)) };
      const out = await onEngine(e, () => materialFractionsCpu(layers, m), (p) => p.materialFractions(layers, m), (g) => materialFractionsGpu(g, layers, m, { into }));
      return out.gpuMs;
    },
  };
}

/** Every workload of the run, smallest size first within each family (so estimates come from measurements). */
export function workloads(c: BenchConfig, inputs: Inputs): Workload[] {
  const out: Workload[] = [];
  c.sizes2d.forEach((size, i) => {
    for (const colours of c.palettes) for (const map of c.maps) out.push(palette2d(inputs, size, colours, map, c.splitPasses));
    if (i === 0) for (const [colours, map] of c.extra2d) out.push(palette2d(inputs, size, colours, map, c.splitPasses));
    if (c.backends.includes('gpu')) out.push(palette2d(inputs, size, 16, 'bayer8', c.splitPasses, true));
  });
  for (const size of c.levelsSizes) out.push(levels16(inputs, size));
  for (const s of c.stacks) {
    for (const kind of c.stackKinds) {
      out.push(stack(inputs, s, kind));
      // Right after its plain row, so that the two share the input (and its output array) while it is in memory.
      if (kind === 'grey1' && c.backends.includes('gpu')) out.push(stack(inputs, s, 'grey1', true));
    }
  }
  return out;
}
