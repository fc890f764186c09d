// Byte-for-byte parity of every kernel, GPU against the CPU backend, on whatever adapter is present: the check to
// run first on a machine the test suite never sees (a lent GPU). Random inputs at edge sizes and large ones,
// through the library's own entry points. Prints one line per case and a verdict; exit 1 on any mismatch.
//   node dist/bench/parity.js [--big]      (--big adds the largest layer the device binds in one piece)
import { availableParallelism } from 'node:os';
import { Engine } from '../src/engine.js';
import type { Raster } from '../src/formats/raster.js';
import { ditherImage, type DitherImageOptions, type DitheredImage } from '../src/image/ditherImage.js';
import { ditherStack, type DitherStackOptions, type StackLayer } from '../src/stack/ditherStack.js';
import { orderedPaletteParams } from '../src/kernels/orderedPalette.js';
import { forgetSplits } from '../src/kernels/splitCache.js';
import { bayer } from '../src/maps/bayer.js';
import { getPreset } from '../src/palette/index.js';
import { greyLevelsLayers } from '../src/stack/kernels.gpu.js';
import { parseLayerMethod } from '../src/stack/layerMaps.js';
import { layerStride } from '../src/stack/kernels.js';

/** xorshift32: the same inputs on every run and machine. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function fill(n: number, bits: 8 | 16, seed: number): Uint8Array | Uint16Array {
  const out = bits === 16 ? new Uint16Array(n) : new Uint8Array(n);
  const r = random(seed);
  const max = bits === 16 ? 65536 : 256;
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * max);
  return out;
}

function raster(width: number, height: number, depth: 8 | 16, seed: number): Raster {
  return { width, height, depth, data: fill(4 * width * height, depth, seed), hasAlpha: true, source: { bitDepth: depth, colorType: 'rgba' } };
}

function bytesOf(r: DitheredImage): Uint8Array {
  return r.mode === 'palette' ? r.indices : r.codes;
}

function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

interface Case {
  readonly name: string;
  run(engine: Engine): Promise<ArrayLike<number>>;
}

const IMAGE_SIZES: readonly [number, number][] = [[1, 1], [1, 17], [17, 1], [3, 5], [63, 65], [257, 129], [4097, 3], [1920, 1080]];

function imageCases(big: boolean, maxPixels: number): Case[] {
  const pico8 = getPreset('pico8')!;
  const rgb332 = new Uint8Array(768).map((_, i) => (i * 37) & 255);
  const variants: [string, DitherImageOptions, 8 | 16][] = [
    ['palette bw pair bayer8', { palette: 'bw' }, 8],
    ['palette pico8 pair bluenoise64', { palette: pico8, method: 'bluenoise64' }, 8],
    ['palette 256 pair bayer16 alpha dither', { palette: '#000000,' + Array.from({ length: 254 }, (_, i) => `#${((rgb332[3 * i]! << 16) | (rgb332[3 * i + 1]! << 8) | rgb332[3 * i + 2]!).toString(16).padStart(6, '0')}`).join(','), method: 'bayer16', alpha: 'dither' }, 8],
    ['palette pico8 offset lab', { palette: pico8, mix: 'offset', distance: 'lab' }, 8],
    ['palette pico8 yliluoma', { palette: pico8, mix: 'yliluoma', alpha: 'keep' }, 8],
    ['palette pico8 pair 16-bit', { palette: pico8 }, 16],
    ['levels 2 gamma-space', { levels: [2], gammaSpace: true }, 8],
    ['levels 256 from 16-bit', { levels: [256] }, 16],
    ['levels 4,8,3 linear codes', { levels: [4, 8, 3], codes: 'linear', alpha: 'dither' }, 16],
    ['auto:16 palette', { palette: 'auto:16' }, 8],
  ];
  const cases: Case[] = [];
  let seed = 1;
  for (const [w, h] of IMAGE_SIZES) {
    for (const [label, opts, depth] of variants) {
      const s = seed++;
      cases.push({ name: `${label} ${w}×${h}`, run: async (engine) => bytesOf(await ditherImage(raster(w, h, depth, s), { ...opts, engine })) });
    }
  }
  // The split table's two ways, each from an empty table (every pixel a miss) and then warm (none).
  const params = orderedPaletteParams(bayer([8, 8]), pico8.colors);
  for (const [w, h] of [[1, 1], [4097, 3], [1920, 1080]] as const) {
    for (const splitPasses of ['fused', 'two'] as const) {
      const image = raster(w, h, 8, seed++); // the same image again warm: no colour missing then
      for (const cold of [true, false]) {
        cases.push({
          name: `palette pico8 split table ${splitPasses} ${cold ? 'cold' : 'warm'} ${w}×${h}`,
          run: async (engine) => {
            const device = await engine.device();
            if (device && cold) await forgetSplits(device);
            return (await engine.orderedPalette(image, params, { splitTable: 'always', splitPasses })).indices;
          },
        });
      }
    }
  }
  // Staged memory (engine.stage): the GPU copies the image from mapped memory the caller filled, and the indices
  // into mapped memory the caller reads (odd widths: in chunks of 4 rows).
  for (const [w, h] of [[1, 1], [4097, 3], [1919, 1081]] as const) {
    const image = raster(w, h, 8, seed++);
    cases.push({
      name: `palette pico8 staged memory ${w}×${h}`,
      run: async (engine) => {
        const input = await engine.stage(image.data.byteLength);
        const output = await engine.stage(w * h, 'output');
        try {
          input.data.set(image.data as Uint8Array);
          return (await engine.orderedPalette({ width: w, height: h, data: input.data }, params, { into: output.data })).indices.slice();
        } finally {
          input.destroy();
          output.destroy();
        }
      },
    });
  }
  if (big) {
    // The largest RGBA8 image one storage binding holds (capped at 16384² so the CPU side stays quick).
    const side = Math.min(16384, Math.floor(Math.sqrt(maxPixels)));
    cases.push({ name: `palette pico8 pair ${side}×${side} (largest binding)`, run: async (engine) => bytesOf(await ditherImage(raster(side, side, 8, 99), { palette: pico8, engine })) });
    cases.push({ name: `palette pico8 pair ${side}×${side} (largest binding, two passes)`, run: async (engine) => (await engine.orderedPalette(raster(side, side, 8, 99), params, { splitTable: 'always', splitPasses: 'two' })).indices });
    cases.push({ name: `levels 2 ${side}×${side} (largest binding)`, run: async (engine) => bytesOf(await ditherImage(raster(side, side, 8, 98), { levels: [2], engine })) });
  }
  return cases;
}

function layers(width: number, height: number, count: number, channels: 1 | 4, seed: number): StackLayer[] {
  return Array.from({ length: count }, (_, z) => ({ width, height, depth: 8, channels, data: fill(channels * width * height, 8, seed * 1000 + z) }));
}

async function collect(it: AsyncIterable<{ data: ArrayLike<number> }>): Promise<number[]> {
  const out: number[] = [];
  for await (const l of it) for (let i = 0; i < l.data.length; i++) out.push(l.data[i]!);
  return out;
}

function stackCases(): Case[] {
  const materials = getPreset('cga4')!;
  const variants: [string, (w: number, h: number, s: number) => StackLayer[] | StackLayer[][], DitherStackOptions][] = [
    ['grey → 1 bit bayer3d8', (w, h, s) => layers(w, h, 5, 1, s), {}],
    ['grey → 4 levels bayer8+phase', (w, h, s) => layers(w, h, 5, 1, s), { levels: 4, method: 'bayer8+phase' }],
    ['rgba → materials', (w, h, s) => layers(w, h, 4, 4, s), { materials }],
    ['3 fraction stacks', (w, h, s) => [layers(w, h, 4, 1, s), layers(w, h, 4, 1, s + 1), layers(w, h, 4, 1, s + 2)], { fractions: true, materials }],
  ];
  const cases: Case[] = [];
  let seed = 500;
  // Widths of whole 32-voxel runs (64, 2048) take the 8-bit fast paths; the others the general kernels.
  for (const [w, h] of [[1, 1], [33, 7], [65, 63], [64, 9], [1001, 257], [2048, 33]] as const) {
    for (const [label, make, opts] of variants) {
      const s = seed++;
      for (const chunkLayers of [1, 3]) {
        cases.push({
          name: `stack ${label} ${w}×${h} chunk ${chunkLayers}`,
          run: (engine) => collect(ditherStack(make(w, h, s) as StackLayer[], { ...opts, chunkLayers, engine })),
        });
      }
    }
  }
  // Layers in staged input and output memory (engine.stage), straight through the layer kernel, one layer per
  // piece: the GPU copies input pieces that start on a whole word (2048 wide), the host the others (1001 × 257 is
  // odd); 1-bit results land on whole words, so the GPU copies every one of them into the output.
  const maps = parseLayerMethod('bayer3d8');
  for (const [w, h] of [[2048, 33], [1001, 257]] as const) {
    const data = fill(w * h * 5, 8, seed++) as Uint8Array;
    cases.push({
      name: `stack grey → 1 bit bayer3d8 staged input and output ${w}×${h}×5`,
      run: async (engine) => {
        const memory = await engine.stage(data.length);
        const output = await engine.stage(5 * layerStride(w, h, 1), 'output');
        try {
          memory.data.set(data);
          const oneLayer = { maxChunkBytes: Math.ceil((3 * w * h) / 2), into: output.data };
          return (await greyLevelsLayers(engine, { width: w, height: h, z0: 0, count: 5, data: memory.data }, maps, 2, oneLayer)).data.slice();
        } finally {
          memory.destroy();
          output.destroy();
        }
      },
    });
  }
  return cases;
}

async function main(): Promise<void> {
  const big = process.argv.includes('--big');
  const gpu = await Engine.create({ backend: 'gpu' });
  const cpu = await Engine.create({ backend: 'cpu', threads: availableParallelism() });
  try {
    const device = await gpu.device();
    const maxBinding = device?.limits.maxStorageBufferBindingSize ?? 128 << 20;
    console.log(`parity: ${gpu.adapter?.description ?? 'GPU'} against the CPU backend (${availableParallelism()} threads); max storage binding ${maxBinding} bytes`);
    let failed = 0;
    const cases = [...imageCases(big, Math.floor(maxBinding / 4)), ...stackCases()];
    for (const c of cases) {
      const t0 = performance.now();
      let line: string;
      try {
        const [a, b] = [await c.run(gpu), await c.run(cpu)];
        const d = firstDiff(a, b);
        if (d >= 0) failed++;
        line = d < 0 ? `ok    ${a.length} values` : `DIFF  at ${d} of ${a.length}: gpu ${a[d]} cpu ${b[d]}`;
      } catch (err) {
        failed++;
        line = `ERROR ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      }
      console.log(`${line.padEnd(44)} ${c.name} (${Math.round(performance.now() - t0)} ms)`);
    }
    console.log(failed === 0 ? `parity: all ${cases.length} cases byte-identical` : `parity: ${failed} of ${cases.length} cases FAILED`);
    process.exitCode = failed === 0 ? 0 : 1;
  } finally {
    gpu.destroy();
    cpu.destroy();
  }
}

await main();
