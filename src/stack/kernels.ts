// Per-layer voxel kernels for stacks: the host-built tables both backends read, and the CPU references, which
// compute the same integers as shaders/layerThreshold.wgsl (the WGSL keeps every product below 2^32; here they
// are exact doubles), so both give the same bits.
//
// Thresholds: a map cell of value v, threshold u = (v + 0.5)/scale in (0, 1), becomes t = floor(u·65535) in
// 0..65534. Both kernels compare a Q16 quantity q (0..65535, 65535 = 1) with t: "q > t" holds with probability
// exactly q/65535 over a uniform u, so full (65535) always passes and 0 never does.
//
// Output layouts (count layers concatenated, layer z0 + l at l·layerStride bytes):
//  - 1 bit per voxel (greyLevels with 2 levels): a layer is ceil(W·H/32) little-endian u32 words; bit i of word w
//    is voxel 32w + i of the layer in row-major order (x fastest); the last word's unused bits are 0. In bytes:
//    bit j of byte b is voxel 8b + j (LSB first). layerStride = 4·ceil(W·H/32).
//  - 1 byte per voxel (greyLevels with more levels: the code k in 0..N−1; materialFractions: 0 = void, 1..K =
//    material): row-major, layerStride = W·H, no padding.
import type { ThresholdMap } from '../maps/thresholdMap.js';
import type { LayerMaps } from './layerMaps.js';

export type Samples = Uint8Array | Uint16Array;

/** `count` grey layers of width×height, concatenated, starting at absolute layer z0. Linear coverage. */
export interface GreyLayers {
  readonly width: number;
  readonly height: number;
  readonly z0: number;
  readonly count: number;
  readonly data: Samples;
}

/** Material fractions of `count` layers: K separate grey channels, or one RGBA layer stack. */
export type FractionLayers =
  | {
      readonly width: number;
      readonly height: number;
      readonly z0: number;
      readonly count: number;
      /** Channel m − 1 holds f_m of material m (linear, full scale = 1), each `count` layers concatenated. 1..7. */
      readonly channels: readonly Samples[];
    }
  | {
      readonly width: number;
      readonly height: number;
      readonly z0: number;
      readonly count: number;
      /** RGBA per voxel: R, G, B relative amounts of materials 1, 2, 3; A occupancy. */
      readonly rgba: Samples;
    };

export interface LayerOutput {
  /** `count` layers, `layerStride` bytes each (see the layouts above). */
  readonly data: Uint8Array;
  readonly layerStride: number;
  readonly bitsPerVoxel: 1 | 8;
  /** GPU kernel time, when the adapter has timestamps; null on the CPU. */
  readonly gpuMs: number | null;
}

export const MAX_MATERIALS = 7;

export function layerStride(width: number, height: number, bitsPerVoxel: 1 | 8): number {
  return bitsPerVoxel === 1 ? 4 * Math.ceil((width * height) / 32) : width * height;
}

const tables = new WeakMap<ThresholdMap, Uint32Array>();

/** A 2D map's thresholds t = floor((2v + 1)·65535 / (2·scale)), 0..65534 (exact: products < 2^53). */
export function thresholdTable(map: ThresholdMap): Uint32Array {
  let t = tables.get(map);
  if (!t) {
    if (map.size[2] !== 1) throw new RangeError(`layer map ${map.name} must be 2D`);
    const { scale } = map;
    t = Uint32Array.from(map.values, (v) => Math.floor(((2 * v + 1) * 65535) / (2 * scale)));
    tables.set(map, t);
  }
  return t;
}

export function checkLayers(l: { width: number; height: number; z0: number; count: number }, samples: number, what: string): void {
  const ok = (n: number, min: number) => Number.isInteger(n) && n >= min;
  if (!ok(l.width, 1) || !ok(l.height, 1) || !ok(l.count, 0) || !Number.isInteger(l.z0)) {
    throw new RangeError(`${what}: width and height must be integers >= 1, count >= 0, z0 an integer`);
  }
  if (samples !== l.width * l.height * l.count) {
    throw new RangeError(`${what}: ${samples} samples for ${l.count} layers of ${l.width}x${l.height}`);
  }
}

export function checkLevels(levels: number): void {
  if (!Number.isInteger(levels) || levels < 2 || levels > 256) throw new RangeError(`levels must be an integer from 2 to 256, got ${levels}`);
}

export function materialCount(layers: FractionLayers): number {
  if ('rgba' in layers) {
    checkLayers(layers, layers.rgba.length / 4, 'materialFractions');
    return 3;
  }
  const k = layers.channels.length;
  if (k < 1 || k > MAX_MATERIALS) throw new RangeError(`materialFractions: 1 to ${MAX_MATERIALS} channels, got ${k}`);
  const wide = layers.channels[0] instanceof Uint16Array;
  for (const c of layers.channels) {
    if (c instanceof Uint16Array !== wide) throw new RangeError('materialFractions: channels must all be 8-bit or all 16-bit');
    checkLayers(layers, c.length, 'materialFractions');
  }
  return k;
}

/**
 * greyLevels' decision split by input sample g: code[g] = k = floor(q·(N−1)/65535) and rem[g] = q·(N−1) − k·65535,
 * with q = g·257 (8-bit) or g (16-bit), 0..65535. The WGSL computes the same integers per voxel.
 */
export function greyTables(levels: number, wide: boolean): { code: Uint8Array; rem: Uint32Array } {
  const size = wide ? 65536 : 256;
  const unit = wide ? 1 : 257;
  const code = new Uint8Array(size);
  const rem = new Uint32Array(size);
  for (let g = 0; g < size; g++) {
    const num = g * unit * (levels - 1);
    code[g] = Math.floor(num / 65535);
    rem[g] = num - code[g]! * 65535;
  }
  return { code, rem };
}

/**
 * CPU reference of greyLevels: each voxel's linear grey q becomes code k of N = levels (code k stands for linear
 * k/(N−1)): k = floor(q·(N−1)/65535), plus 1 iff the remainder rem = q·(N−1) − k·65535 exceeds the threshold t.
 * Mean-preserving: P(rem > t) = rem/65535, so E[code]/(N−1) = q/65535 over the map's thresholds.
 */
export function greyLevelsCpu(layers: GreyLayers, maps: LayerMaps, levels: number): LayerOutput {
  checkLevels(levels);
  checkLayers(layers, layers.data.length, 'greyLevels');
  const { width, height, count, data } = layers;
  const bits = levels === 2 ? 1 : 8;
  const stride = layerStride(width, height, bits);
  const out = new Uint8Array(stride * count);
  const words = bits === 1 ? new Uint32Array(out.buffer) : new Uint32Array(0);
  const { code, rem } = greyTables(levels, data instanceof Uint16Array);
  const voxels = width * height;
  for (let l = 0; l < count; l++) {
    const map = maps.at(layers.z0 + l);
    const t = thresholdTable(map);
    const [mw, mh] = map.size;
    const base = l * voxels;
    const wordBase = l * (stride >>> 2);
    let word = 0;
    for (let y = 0; y < height; y++) {
      const row = (y % mh) * mw;
      for (let x = 0, mx = 0, v = y * width; x < width; x++, v++) {
        const g = data[base + v]!;
        const c = code[g]! + (rem[g]! > t[row + mx]! ? 1 : 0);
        if (++mx === mw) mx = 0;
        if (bits === 8) out[base + v] = c;
        else {
          word |= c << (v & 31);
          if ((v & 31) === 31) {
            words[wordBase + (v >>> 5)] = word;
            word = 0;
          }
        }
      }
    }
    if (bits === 1 && (voxels & 31) !== 0) words[wordBase + (voxels >>> 5)] = word;
  }
  fixEndian(words);
  return { data: out, layerStride: stride, bitsPerVoxel: bits, gpuMs: null };
}

// Words were built in host order; the layout is little-endian.
const LITTLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
function fixEndian(words: Uint32Array): void {
  if (LITTLE) return;
  const dv = new DataView(words.buffer, words.byteOffset, words.byteLength);
  for (let i = 0; i < words.length; i++) dv.setUint32(4 * i, words[i]!, true);
}

/**
 * The material of one voxel with fractions f (K channels, or R, G, B, A in RGBA mode) against threshold t.
 *
 * Cumulative fractions, Q16: channels: f_m = g·257 (8-bit) or g, C_m = f_1 + … + f_m. RGBA: A16 = A·257 or A,
 * S = R + G + B, C_m = floor(A16·(c_1 + … + c_m)/S), so C_3 = A16 and the void fraction is exactly 1 − A; all 0
 * when S = 0 (no material named: void). Over-full voxels (channel sum C_K > 65535) are rescaled in proportion,
 * C_m = floor(65535·C_m/C_K): materials keep their ratios, C_K = 65535 and the voxel is never void.
 *
 * Every case is C_m = floor(scale·run_m/den), and the pick is m with C_{m−1} <= t < C_m (void when t >= C_K):
 * one more than the count of C_j <= t, where C_j <= t iff scale·run_j < (t + 1)·den — exact, with no division
 * (products < 2^35: exact doubles here, 64-bit compares in the WGSL). A zero fraction (C_m = C_{m−1}) is never
 * chosen.
 */
export function voxelMaterial(f: ArrayLike<number>, k: number, rgba: boolean, unit: number, t: number): number {
  let total = 0;
  for (let j = 0; j < k; j++) total += rgba ? f[j]! : f[j]! * unit;
  let scale = 1;
  let den = 1;
  if (rgba) {
    scale = f[3]! * unit;
    den = Math.max(total, 1);
  } else if (total > 65535) {
    scale = 65535;
    den = total;
  }
  const limit = (t + 1) * den;
  let run = 0;
  let below = 0;
  for (let j = 0; j < k; j++) {
    run += rgba ? f[j]! : f[j]! * unit;
    if (scale * run < limit) below++;
  }
  return below === k ? 0 : below + 1;
}

/** CPU reference of materialFractions: one byte per voxel, 0 = void, 1..K = material. */
export function materialFractionsCpu(layers: FractionLayers, maps: LayerMaps): LayerOutput {
  const k = materialCount(layers);
  const { width, height, count } = layers;
  const rgba = 'rgba' in layers ? layers.rgba : null;
  const channels = 'rgba' in layers ? [] : layers.channels;
  const unit = (rgba ?? channels[0]!) instanceof Uint16Array ? 1 : 257;
  const voxels = width * height;
  const out = new Uint8Array(voxels * count);
  const f = new Uint32Array(MAX_MATERIALS);
  for (let l = 0; l < count; l++) {
    const map = maps.at(layers.z0 + l);
    const t = thresholdTable(map);
    const [mw, mh] = map.size;
    for (let y = 0; y < height; y++) {
      const row = (y % mh) * mw;
      for (let x = 0, mx = 0, i = l * voxels + y * width; x < width; x++, i++) {
        if (rgba) for (let ch = 0; ch < 4; ch++) f[ch] = rgba[4 * i + ch]!;
        else for (let m = 0; m < k; m++) f[m] = channels[m]![i]!;
        out[i] = voxelMaterial(f, k, rgba !== null, unit, t[row + mx]!);
        if (++mx === mw) mx = 0;
      }
    }
  }
  return { data: out, layerStride: voxels, bitsPerVoxel: 8, gpuMs: null };
}
