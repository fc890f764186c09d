// The stack kernels (greyLevels, materialFractions): GPU against the CPU reference byte for byte, batching and
// row ranges, and the properties the decisions promise (mean preservation, zero fractions never chosen, layouts).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Engine } from '../../src/engine.js';
import { parseLayerMethod, type LayerMaps } from '../../src/stack/layerMaps.js';
import { greyLevelsCpu, materialFractionsCpu, voxelMaterial, type FractionLayers, type GreyLayers, type LayerOutput } from '../../src/stack/kernels.js';
import { greyEntry, greyLevelsLayers, materialFractionsLayers, materialsEntry } from '../../src/stack/kernels.gpu.js';
import type { ThresholdMap } from '../../src/maps/thresholdMap.js';
import { gpuEngine } from '../helpers/gpu.js';
import { randomBytes, rng } from '../helpers/random.js';

let engine: Engine;
beforeAll(async () => {
  engine = await gpuEngine();
});
afterAll(() => engine.destroy());

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

/** Random samples with the extremes (0 and full) over-represented, since they are the edge cases of both rules. */
function samples(n: number, wide: boolean, seed: number): Uint8Array | Uint16Array {
  const r = rng(seed);
  const max = wide ? 65535 : 255;
  const out = wide ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = r();
    out[i] = p < 0.1 ? 0 : p < 0.2 ? max : Math.floor(r() * (max + 1));
  }
  return out;
}

const METHODS = ['bayer3d4', 'bayer3d16x16x4', 'bayer8+phase', 'bluenoise16+phase', 'bayer4x8', 'bluenoise3d8'];
const maps = new Map<string, LayerMaps>(METHODS.map((m) => [m, parseLayerMethod(m)]));
const SIZES: [number, number][] = [[1, 1], [1, 13], [13, 1], [3, 5], [5, 7], [31, 3], [33, 5], [63, 2], [64, 3], [65, 9], [97, 11]];

describe('greyLevels: GPU equals the CPU reference', () => {
  for (const wide of [false, true]) {
    for (const levels of [2, 3, 5, 16, 256]) {
      test(`${wide ? 16 : 8}-bit, ${levels} levels, edge sizes, every method`, async () => {
        for (const [w, h] of SIZES) {
          for (const [name, lm] of maps) {
            const layers: GreyLayers = { width: w, height: h, z0: 3, count: 5, data: samples(w * h * 5, wide, w * 131 + h + levels) };
            const cpu = greyLevelsCpu(layers, lm, levels);
            // Two poisons: a bit layout or 256 codes can produce any word, but not both poisons at once.
            for (const poison of [0, 0xffffffff]) {
              const gpu = await greyLevelsLayers(engine, layers, lm, levels, { poison });
              expect(same(gpu.data, cpu.data), `${w}x${h} ${name} poison ${poison}`).toBe(true);
            }
            expect(cpu.layerStride).toBe(levels === 2 ? 4 * Math.ceil((w * h) / 32) : w * h);
          }
        }
      });
    }
  }
});

function channelLayers(w: number, h: number, count: number, k: number, wide: boolean, seed: number): FractionLayers {
  // Some channels zero in places, so zero fractions and over-full voxels both occur.
  const channels = Array.from({ length: k }, (_, j) => {
    const c = samples(w * h * count, wide, seed + j);
    const r = rng(seed * 7 + j);
    for (let i = 0; i < c.length; i++) if (r() < 0.4) c[i] = 0;
    return c;
  });
  return { width: w, height: h, z0: 2, count, channels };
}

function rgbaLayers(w: number, h: number, count: number, wide: boolean, seed: number): FractionLayers {
  return { width: w, height: h, z0: 2, count, rgba: samples(4 * w * h * count, wide, seed) };
}

/** f_m > 0 for the material chosen at every voxel (1..K), as the inputs say. */
function checkChosenNonZero(layers: FractionLayers, out: Uint8Array): void {
  const n = layers.width * layers.height * layers.count;
  for (let i = 0; i < n; i++) {
    const m = out[i]!;
    if (m === 0) continue;
    if ('rgba' in layers) {
      expect(layers.rgba[4 * i + 3]! > 0 && layers.rgba[4 * i + m - 1]! > 0, `voxel ${i} material ${m}`).toBe(true);
    } else {
      expect(m <= layers.channels.length && layers.channels[m - 1]![i]! > 0, `voxel ${i} material ${m}`).toBe(true);
    }
  }
}

describe('materialFractions: GPU equals the CPU reference', () => {
  const modes: [string, (w: number, h: number, seed: number) => FractionLayers][] = [];
  for (const wide of [false, true]) {
    for (const k of [1, 3, 7]) modes.push([`${k} channels ${wide ? 16 : 8}-bit`, (w, h, s) => channelLayers(w, h, 4, k, wide, s)]);
    modes.push([`RGBA ${wide ? 16 : 8}-bit`, (w, h, s) => rgbaLayers(w, h, 4, wide, s)]);
  }
  for (const [mode, make] of modes) {
    test(`${mode}, edge sizes, every method`, async () => {
      for (const [w, h] of SIZES) {
        for (const [name, lm] of maps) {
          const layers = make(w, h, w * 31 + h);
          const cpu = materialFractionsCpu(layers, lm);
          const gpu = await materialFractionsLayers(engine, layers, lm, { poison: 0xffffffff });
          expect(same(gpu.data, cpu.data), `${w}x${h} ${name}`).toBe(true);
          expect(gpu.data.length).toBe(w * h * 4);
          checkChosenNonZero(layers, gpu.data);
        }
      }
    });
  }

  test('all fractions 0 is void; full occupancy is never void', async () => {
    const lm = maps.get('bluenoise3d8')!;
    const n = 37 * 11 * 8;
    const empty = await materialFractionsLayers(engine, { width: 37, height: 11, z0: 0, count: 8, channels: [new Uint8Array(n), new Uint8Array(n)] }, lm);
    expect(empty.data.every((m) => m === 0)).toBe(true);
    const full = await materialFractionsLayers(engine, { width: 37, height: 11, z0: 0, count: 8, channels: [new Uint16Array(n), new Uint16Array(n).fill(65535)] }, lm);
    expect(full.data.every((m) => m === 2)).toBe(true);
    const rgba = new Uint8Array(4 * n);
    for (let i = 0; i < n; i++) rgba.set([0, 5, 9, 255], 4 * i);
    const solid = await materialFractionsLayers(engine, { width: 37, height: 11, z0: 0, count: 8, rgba }, lm);
    expect(solid.data.every((m) => m === 2 || m === 3)).toBe(true);
  });
});

describe('batching and row ranges give the same bits', () => {
  // Width 48 lets bit rows split every 2 rows; split rows (2, 6, 10, 18) that are no multiple of the maps' heights
  // (8, 16) prove each range reads the map at its absolute rows.
  const w = 48;
  const h = 37;
  const count = 9;
  const z0 = 11;
  const grey = samples(w * h * count, true, 5);
  type Run = (o: { maxChunkBytes?: number; z0?: number; count?: number; from?: number }) => Promise<LayerOutput>;
  const cases: [string, number, Run][] = [];
  for (const levels of [2, 4]) {
    for (const method of ['bluenoise16+phase', 'bayer4x8']) {
      cases.push([
        `grey ${levels} levels, ${method}`,
        2 * w,
        (o) => {
          const from = o.from ?? 0;
          const n = o.count ?? count;
          const data = grey.subarray(from * w * h, (from + n) * w * h);
          return greyLevelsLayers(engine, { width: w, height: h, z0: o.z0 ?? z0, count: n, data }, maps.get(method)!, levels, { poison: 0xaaaaaaaa, ...o });
        },
      ]);
    }
  }
  const fr = channelLayers(w, h, count, 7, false, 9) as { channels: Uint8Array[] };
  const rgba = rgbaLayers(w, h, count, true, 4) as { rgba: Uint16Array };
  for (const method of ['bayer3d4', 'bluenoise16+phase']) {
    cases.push([
      `fractions 7 channels, ${method}`,
      7 * w,
      (o) => {
        const from = o.from ?? 0;
        const n = o.count ?? count;
        const channels = fr.channels.map((c) => c.subarray(from * w * h, (from + n) * w * h));
        return materialFractionsLayers(engine, { width: w, height: h, z0: o.z0 ?? z0, count: n, channels }, maps.get(method)!, { poison: 0xffffffff, ...o });
      },
    ]);
    cases.push([
      `fractions RGBA16, ${method}`,
      8 * w,
      (o) => {
        const from = o.from ?? 0;
        const n = o.count ?? count;
        const data = rgba.rgba.subarray(4 * from * w * h, 4 * (from + n) * w * h);
        return materialFractionsLayers(engine, { width: w, height: h, z0: o.z0 ?? z0, count: n, rgba: data }, maps.get(method)!, { poison: 0xffffffff, ...o });
      },
    ]);
  }
  for (const [name, rowBytes, run] of cases) {
    test(name, async () => {
      const whole = await run({});
      // One layer at a time, with its own absolute z.
      const parts: Uint8Array[] = [];
      for (let l = 0; l < count; l++) parts.push((await run({ from: l, count: 1, z0: z0 + l })).data);
      expect(same(Buffer.concat(parts), whole.data), 'layer by layer').toBe(true);
      // Fewer layers per dispatch, then row ranges inside a layer.
      for (const rows of [3 * h, h + 1, 18, 10, 6, 2]) {
        expect(same((await run({ maxChunkBytes: rows * rowBytes })).data, whole.data), `${rows} rows per binding`).toBe(true);
      }
      // A different z0 changes the result where the map varies per layer (the maps follow absolute z).
      expect(same((await run({ z0: z0 + 1 })).data, whole.data)).toBe(name.includes('bayer4x8'));
    });
  }

  test('a 16-bit layer over the binding limit goes in row ranges and matches the CPU', async () => {
    const device = (await engine.device())!;
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    // Rows per range: floor(limit / 16000), no multiple of 8 for a 128 MiB limit, so the map phase matters.
    const width = 8000;
    const height = Math.floor(limit / (2 * width)) + 3;
    const data = new Uint16Array(width * height);
    const r = rng(77);
    for (let i = 0; i < data.length; i += 97) data.fill(Math.floor(r() * 65536), i, i + 97);
    const layers: GreyLayers = { width, height, z0: 4, count: 1, data };
    const lm = maps.get('bayer8+phase')!;
    const gpu = await greyLevelsLayers(engine, layers, lm, 2, { poison: 0x5a5a5a5a });
    expect(same(gpu.data, greyLevelsCpu(layers, lm, 2).data)).toBe(true);
  }, 600_000);
});

describe('fast paths (8-bit samples, whole runs per row): GPU equals the CPU reference', () => {
  // Scale 65535 makes a cell's threshold t its value (t = floor((2v + 1)/2)), so maps can aim at the edges of
  // the byte rules: floor(t/257) steps at t = 257k, and 0 and 65534 are the extremes.
  const T_EDGES = [0, 1, 255, 256, 257, 258, 513, 514, 32767, 32896, 65277, 65278, 65279, 65280, 65533, 65534];
  const tMap = (w: number, h: number, seed: number, edges = false): ThresholdMap => {
    const r = rng(seed);
    const values = Uint32Array.from({ length: w * h }, (_, i) => (edges && i < 2 * T_EDGES.length ? T_EDGES[i % T_EDGES.length]! : Math.floor(r() * 65535)));
    return { name: `t${w}x${h}`, size: [w, h, 1], values, scale: 65535 };
  };
  // Layer z gets list[z mod n]: maps of different widths (none a power of two but 64) in one dispatch.
  const cycle = (list: ThresholdMap[]): LayerMaps => ({ name: list.map((m) => m.name).join('+'), period: list.length, at: (z) => list[z % list.length]! });
  const mixed = cycle([tMap(5, 3, 1, true), tMap(37, 3, 2, true), tMap(1, 1, 3), tMap(64, 7, 4), tMap(33, 2, 5, true)]);
  const MAPS: [string, LayerMaps][] = [['5x3, 37x3, 1x1, 64x7, 33x2', mixed], ...['bluenoise64', 'bayer8', 'bayer3d8', 'bluenoise16+phase', 'bayer4x8'].map((m): [string, LayerMaps] => [m, parseLayerMethod(m)])];

  /** 8-bit samples, with 0, 1, 254 and 255 over-represented. */
  const bytes = (n: number, seed: number, zeros = 0): Uint8Array => {
    const r = rng(seed);
    return Uint8Array.from({ length: n }, () => {
      const p = r();
      return p < zeros ? 0 : p < zeros + 0.05 ? 0 : p < zeros + 0.1 ? 255 : p < zeros + 0.13 ? 254 : p < zeros + 0.15 ? 1 : Math.floor(r() * 256);
    });
  };

  test('entry choice: fast only for 8-bit samples whose rows are whole runs', () => {
    const u8 = new Uint8Array(0);
    const u16 = new Uint16Array(0);
    expect([32, 64, 2048, 7680, 11520].map((width) => greyEntry({ width, data: u8 }, 2))).toEqual(Array(5).fill('greyBits8'));
    expect([1, 16, 48, 100].map((width) => greyEntry({ width, data: u8 }, 2))).toEqual(Array(4).fill('greyLevels'));
    expect([greyEntry({ width: 64, data: u16 }, 2), greyEntry({ width: 64, data: u8 }, 3)]).toEqual(['greyLevels', 'greyLevels']);
    const at = (width: number, channels: (Uint8Array | Uint16Array)[]): FractionLayers => ({ width, height: 1, z0: 0, count: 0, channels });
    expect([16, 48, 2048, 7680].map((w) => materialsEntry(at(w, [u8, u8])))).toEqual(Array(4).fill('materials8'));
    expect([materialsEntry(at(40, [u8])), materialsEntry(at(64, [u16])), materialsEntry({ width: 64, height: 1, z0: 0, count: 0, rgba: u8 })]).toEqual(
      Array(3).fill('materialFractions'),
    );
  });

  test('grey8 → bits: every sample against every cell of a 37×3 map of threshold edges', async () => {
    // x = 37q + mx, q < 32, and rows 3·s + my: g = q + 32·s meets cell (mx, my) once for every g in 0..255.
    const map = tMap(37, 3, 9, true);
    const [w, h] = [32 * 37, 24];
    const data = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = Math.floor(x / 37) + 32 * Math.floor(y / 3);
    const layers: GreyLayers = { width: w, height: h, z0: 0, count: 1, data };
    const lm = cycle([map]);
    const cpu = greyLevelsCpu(layers, lm, 2);
    for (const poison of [0, 0xffffffff]) expect(same((await greyLevelsLayers(engine, layers, lm, 2, { poison })).data, cpu.data), `poison ${poison}`).toBe(true);
  });

  test('grey8 → bits: sizes × maps, several layers per dispatch, two poisons', async () => {
    for (const [w, h] of [[32, 1], [32, 3], [64, 5], [96, 7], [160, 9], [2048, 3]] as const) {
      for (const [name, lm] of MAPS) {
        const layers: GreyLayers = { width: w, height: h, z0: 3, count: 6, data: bytes(w * h * 6, w + h) };
        expect(greyEntry(layers, 2)).toBe('greyBits8');
        const cpu = greyLevelsCpu(layers, lm, 2);
        for (const poison of [0, 0xffffffff]) {
          expect(same((await greyLevelsLayers(engine, layers, lm, 2, { poison })).data, cpu.data), `${w}x${h} ${name} poison ${poison}`).toBe(true);
        }
      }
    }
  });

  /** K 8-bit channels, zeros frequent, so that sums under, at and over 255 all occur. */
  const fractions8 = (w: number, h: number, count: number, k: number, seed: number): FractionLayers => ({
    width: w,
    height: h,
    z0: 5,
    count,
    channels: Array.from({ length: k }, (_, j) => bytes(w * h * count, seed + 17 * j, 0.3)),
  });

  test('materials8: sizes × maps × K = 1..7', async () => {
    for (const [w, h] of [[16, 1], [16, 3], [32, 5], [48, 7], [2048, 2]] as const) {
      for (const k of [1, 2, 3, 4, 5, 6, 7]) {
        for (const [name, lm] of MAPS) {
          const layers = fractions8(w, h, 5, k, w * 7 + h + k);
          expect(materialsEntry(layers)).toBe('materials8');
          const gpu = await materialFractionsLayers(engine, layers, lm, { poison: 0xffffffff });
          expect(same(gpu.data, materialFractionsCpu(layers, lm).data), `${w}x${h} K=${k} ${name}`).toBe(true);
          checkChosenNonZero(layers, gpu.data);
        }
      }
    }
  });

  test('materials8: channel sums at the edges (0, 1, 254..257, 7·255) against threshold edges', async () => {
    const SUMS = [0, 1, 254, 255, 256, 257, 300, 510, 511, 1000, 1785];
    const lm = cycle([tMap(37, 3, 11, true), tMap(5, 3, 12, true)]);
    for (const k of [1, 2, 4, 7]) {
      const [w, h, count] = [16 * 37, 6, 2];
      const n = w * h * count;
      const r = rng(k);
      const channels = Array.from({ length: k }, () => new Uint8Array(n));
      for (let i = 0; i < n; i++) {
        // Split a sum from the list (as far as K channels of 255 reach) at random over the channels.
        let left = Math.min(SUMS[Math.floor(r() * SUMS.length)]!, 255 * k);
        for (let j = 0; j < k; j++) {
          const c = j === k - 1 ? left : Math.max(0, Math.min(255, left - 255 * (k - 1 - j), Math.floor(r() * (left + 1))));
          channels[j]![i] = c;
          left -= c;
        }
      }
      const layers: FractionLayers = { width: w, height: h, z0: 0, count, channels };
      for (const poison of [0, 0xffffffff]) {
        expect(same((await materialFractionsLayers(engine, layers, lm, { poison })).data, materialFractionsCpu(layers, lm).data), `K=${k} poison ${poison}`).toBe(true);
      }
    }
  });

  test('fast paths in pieces: fewer layers per dispatch and row ranges (down to one row) give the CPU bits', async () => {
    const [h, count] = [37, 7];
    for (const [name, lm] of [MAPS[0]!, MAPS[4]!]) {
      const grey: GreyLayers = { width: 64, height: h, z0: 2, count, data: bytes(64 * h * count, 3) };
      const fr = fractions8(32, h, count, 4, 8);
      const [greyCpu, frCpu] = [greyLevelsCpu(grey, lm, 2).data, materialFractionsCpu(fr, lm).data];
      // Input bytes per row: 64 (grey), 4 · 32 (fractions).
      for (const rows of [3 * h, h + 1, 18, 10, 5, 1]) {
        const grey1 = await greyLevelsLayers(engine, grey, lm, 2, { poison: 0xaaaaaaaa, maxChunkBytes: rows * 64 });
        expect(same(grey1.data, greyCpu), `grey ${name}, ${rows} rows per binding`).toBe(true);
        const fr1 = await materialFractionsLayers(engine, fr, lm, { poison: 0xffffffff, maxChunkBytes: rows * 128 });
        expect(same(fr1.data, frCpu), `fractions ${name}, ${rows} rows per binding`).toBe(true);
      }
    }
  });
});

/** Bit v of a packed layer by the documented rule: bit v & 7 of byte v >> 3 (words are little-endian). */
const bitAt = (out: LayerOutput, layer: number, v: number) => (out.data[layer * out.layerStride + (v >> 3)]! >> (v & 7)) & 1;

describe('properties', () => {
  test('1-bit packing round trip: black/white input comes back as its bits, padding bits are 0', async () => {
    for (const [w, h] of [[1, 1], [7, 3], [33, 1], [32, 2], [100, 9]]) {
      const count = 3;
      const bits = randomBytes(w * h * count, w + h).map((b) => b & 1);
      const data = bits.map((b) => b * 255);
      const out = await greyLevelsLayers(engine, { width: w, height: h, z0: 0, count, data }, maps.get('bayer3d4')!, 2, { poison: 0xffffffff });
      expect(out.bitsPerVoxel).toBe(1);
      expect(out.data.length).toBe(count * 4 * Math.ceil((w * h) / 32));
      for (let l = 0; l < count; l++) {
        for (let v = 0; v < w * h; v++) expect(bitAt(out, l, v)).toBe(bits[l * w * h + v]);
        for (let v = w * h; v < out.layerStride * 8; v++) expect(bitAt(out, l, v)).toBe(0);
      }
    }
  });

  test('grey: mean occupancy is preserved within 0.5% (uniform 0.3 and a ramp), 2 and 4 levels', async () => {
    const w = 256;
    const h = 256;
    const count = 16;
    const uniform = new Uint16Array(w * h * count).fill(Math.round(0.3 * 65535));
    const ramp = new Uint8Array(w * h * count);
    for (let i = 0; i < ramp.length; i++) ramp[i] = i % w; // 0..255 across x
    // Maps of at least 256 cells: a map of c cells can only place the mean to 1/c.
    for (const method of ['bayer3d16x16x4', 'bluenoise16+phase', 'bayer16']) {
      for (const data of [uniform, ramp]) {
        const max = data instanceof Uint16Array ? 65535 : 255;
        const want = data.reduce((s, v) => s + v / max, 0) / data.length;
        for (const levels of [2, 4]) {
          const out = await greyLevelsLayers(engine, { width: w, height: h, z0: 0, count, data }, parseLayerMethod(method), levels);
          let sum = 0;
          if (levels === 2) for (let l = 0; l < count; l++) for (let v = 0; v < w * h; v++) sum += bitAt(out, l, v);
          else for (const k of out.data) sum += k / (levels - 1);
          expect(Math.abs(sum / (w * h * count) - want), `${method} ${levels} levels`).toBeLessThan(0.005 * want);
        }
      }
    }
  });

  test('fractions: 256×256×64 at 0.1 / 0.25 / 0 / 0.4 (void 0.25) keeps the mean fractions within 0.5%', async () => {
    const w = 256;
    const h = 256;
    const count = 64;
    const n = w * h * count;
    const want = [0.1, 0.25, 0, 0.4];
    const channels = want.map((f) => new Uint16Array(n).fill(Math.round(f * 65535)));
    for (const method of ['bayer3d8', 'bluenoise3d16', 'bluenoise64+phase', 'bayer3d16x16x4']) {
      const lm = parseLayerMethod(method);
      const layers: FractionLayers = { width: w, height: h, z0: 0, count, channels };
      const out = await materialFractionsLayers(engine, layers, lm);
      const hist = new Array<number>(5).fill(0);
      for (const m of out.data) hist[m]!++;
      expect(hist[3], `${method}: the zero-fraction material is never chosen`).toBe(0);
      want.forEach((f, m) => expect(Math.abs(hist[m + 1]! / n - f), `${method} material ${m + 1}`).toBeLessThanOrEqual(0.005 * f));
      expect(Math.abs(hist[0]! / n - 0.25), `${method} void`).toBeLessThan(0.005 * 0.25);
      if (method === 'bayer3d8') expect(same(out.data, materialFractionsCpu(layers, lm).data)).toBe(true);
    }
  }, 300_000);

  test('fractions: an RGBA volume keeps R:G:B ratios and the occupancy A', async () => {
    const w = 128;
    const h = 128;
    const count = 32;
    const rgba = new Uint8Array(4 * w * h * count);
    for (let i = 0; i < w * h * count; i++) rgba.set([60, 0, 140, 153], 4 * i); // A = 0.6: 0.18, 0, 0.42
    const out = await materialFractionsLayers(engine, { width: w, height: h, z0: 0, count, rgba }, parseLayerMethod('bayer3d8'));
    const hist = [0, 0, 0, 0];
    for (const m of out.data) hist[m]!++;
    const n = w * h * count;
    expect(hist[2]).toBe(0);
    expect(Math.abs(hist[1]! / n - 0.18)).toBeLessThan(0.005 * 0.18);
    expect(Math.abs(hist[3]! / n - 0.42)).toBeLessThan(0.005 * 0.42);
    expect(Math.abs(hist[0]! / n - 0.4)).toBeLessThan(0.005 * 0.4);
  });

  test('over-full voxels keep their ratios and are never void', async () => {
    const n = 64 * 64 * 8;
    const a = new Uint16Array(n).fill(Math.round(0.6 * 65535));
    const b = new Uint16Array(n).fill(Math.round(0.9 * 65535)); // sum 1.5: 40% / 60%
    const out = await materialFractionsLayers(engine, { width: 64, height: 64, z0: 0, count: 8, channels: [a, b] }, parseLayerMethod('bayer3d8'));
    const ones = out.data.reduce((s, m) => s + (m === 1 ? 1 : 0), 0);
    expect(out.data.includes(0)).toBe(false);
    expect(Math.abs(ones / n - 0.4)).toBeLessThan(0.002);
  });

  test('the division-free material pick equals the documented rule computed with floors (BigInt)', () => {
    const r = rng(3);
    // The rule as written: cumulative C_m (RGBA: floor(A16·run/S); over-full: floor(65535·C_m/C_K)), then
    // m with C_{m−1} <= t < C_m, void if t >= C_K.
    const rule = (f: number[], k: number, rgba: boolean, unit: number, t: number): number => {
      const runs: bigint[] = [];
      let run = 0n;
      for (let j = 0; j < k; j++) runs.push((run += BigInt(rgba ? f[j]! : f[j]! * unit)));
      const total = run;
      const c = runs.map((x) => (rgba ? (total === 0n ? 0n : (BigInt(f[3]! * unit) * x) / total) : total > 65535n ? (65535n * x) / total : x));
      const T = BigInt(t);
      for (let m = 1; m <= k; m++) if ((m === 1 ? 0n : c[m - 2]!) <= T && T < c[m - 1]!) return m;
      return 0;
    };
    for (let i = 0; i < 40000; i++) {
      const rgba = i % 3 === 0;
      const wide = i % 2 === 0;
      const k = rgba ? 3 : 1 + (i % 7);
      const max = wide ? 65535 : 255;
      const f = Array.from({ length: 7 }, () => (r() < 0.2 ? 0 : r() < 0.1 ? max : Math.floor(r() * (max + 1))));
      const t = r() < 0.05 ? 65534 : Math.floor(r() * 65535);
      expect(voxelMaterial(f, k, rgba, wide ? 1 : 257, t), JSON.stringify({ f, k, rgba, wide, t })).toBe(rule(f, k, rgba, wide ? 1 : 257, t));
    }
  });
});

describe('into: the output in an array the caller reuses', () => {
  test('GPU, CPU and threads write the same bytes into it, and data is a view of it', async () => {
    const { Engine } = await import('../../src/engine.js');
    const lm = maps.get('bayer3d4')!;
    const layers: GreyLayers = { width: 65, height: 9, z0: 0, count: 4, data: samples(65 * 9 * 4, false, 77) };
    const fractions = rgbaLayers(48, 5, 3, false, 78);
    const cpu = await Engine.create({ backend: 'cpu' });
    const threads = await Engine.create({ backend: 'cpu', threads: 2 });
    try {
      for (const e of [engine, cpu, threads]) {
        for (const levels of [2, 5]) {
          const want = greyLevelsCpu(layers, lm, levels).data;
          const into = new Uint8Array(want.length + 7).fill(0xee);
          for (let i = 0; i < 2; i++) {
            const out = await greyLevelsLayers(e, layers, lm, levels, { into });
            expect(out.data.buffer).toBe(into.buffer);
            expect(same(out.data, want), `${e.backend} ${e.threads} levels ${levels}`).toBe(true);
          }
          expect(into[want.length]).toBe(0xee); // nothing past the result
        }
        const want = materialFractionsCpu(fractions, lm).data;
        const into = new Uint8Array(want.length).fill(0xee); // not 0: an unwritten byte cannot pass as void
        const out = await materialFractionsLayers(e, fractions, lm, { into });
        expect(out.data.buffer).toBe(into.buffer);
        expect(same(out.data, want)).toBe(true);
        await expect(greyLevelsLayers(e, layers, lm, 2, { into: new Uint8Array(3) })).rejects.toThrow(RangeError);
      }
    } finally {
      await cpu.destroy();
      await threads.destroy();
    }
  });
});
