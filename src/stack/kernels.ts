// Per-layer voxel kernels for stacks: the host-built tables both backends read, and the CPU references, which
// mirror shaders/layerThreshold.wgsl operation for operation (u32 arithmetic, no product above 2^32 - 1).
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

/**
 * floor(a·b/d) for a < 2^16 and b <= d < 2^19 without a product above 2^28: long division in base 2^8 (WGSL
 * mulDiv). a·b = (a·bh)·2^8 + a·bl with bh = b >> 8; the remainder of the high part carries into the low one.
 */
export function mulDiv(a: number, b: number, d: number): number {
  const hi = a * (b >>> 8);
  const q1 = Math.floor(hi / d);
  const r1 = hi - q1 * d;
  const lo = r1 * 256 + a * (b & 255);
  return q1 * 256 + Math.floor(lo / d);
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
 * CPU reference of greyLevels: each voxel's linear grey q (8-bit: g·257, 16-bit: g; 0..65535) becomes code k of
 * N = levels (code k has linear value k/(N−1)): with num = q·(N−1), k = floor(num/65535) and rem = num − k·65535,
 * the code is k + (rem > t). Mean-preserving: E[code]/(N−1) = q/65535 over the map's thresholds.
 */
export function greyLevelsCpu(layers: GreyLayers, maps: LayerMaps, levels: number): LayerOutput {
  checkLevels(levels);
  checkLayers(layers, layers.data.length, 'greyLevels');
  const { width, height, count, data } = layers;
  const bits = levels === 2 ? 1 : 8;
  const stride = layerStride(width, height, bits);
  const out = new Uint8Array(stride * count);
  const words = bits === 1 ? new Uint32Array(out.buffer) : new Uint32Array(0);
  const unit = data instanceof Uint16Array ? 1 : 257;
  const steps = levels - 1;
  const voxels = width * height;
  for (let l = 0; l < count; l++) {
    const map = maps.at(layers.z0 + l);
    const t = thresholdTable(map);
    const [mw, mh] = map.size;
    const base = l * voxels;
    for (let y = 0; y < height; y++) {
      const row = (y % mh) * mw;
      for (let x = 0; x < width; x++) {
        const v = y * width + x;
        const num = data[base + v]! * unit * steps;
        const k = Math.floor(num / 65535);
        const code = k + (num - k * 65535 > t[row + (x % mw)]! ? 1 : 0);
        if (bits === 8) out[l * stride + v] = code;
        else words[l * (stride >>> 2) + (v >>> 5)]! |= code << (v & 31);
      }
    }
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
 * Cumulative Q16 fractions C_1..C_K of one voxel into `c` (the WGSL `cumulative`). Channels: f_m = g·257 (8-bit)
 * or g, C_m = f_1 + … + f_m. RGBA: A16 = A·257 or A, S = R + G + B, C_m = floor(A16·(c_1 + … + c_m)/S) (so
 * C_3 = A16: the void fraction is exactly 1 − A), all 0 when S = 0 (no material named: void). Over-full voxels
 * (C_K > 65535) are rescaled in proportion, C_m ← floor(65535·C_m/C_K): materials keep their ratios and C_K = 65535,
 * so the voxel is never void.
 */
export function cumulative(f: ArrayLike<number>, k: number, rgba: boolean, unit: number, c: Uint32Array): void {
  if (rgba) {
    const a = f[3]! * unit;
    const s = f[0]! + f[1]! + f[2]!;
    let run = 0;
    for (let m = 0; m < 3; m++) {
      run += f[m]!;
      c[m] = s === 0 ? 0 : mulDiv(a, run, s);
    }
    return;
  }
  let run = 0;
  for (let m = 0; m < k; m++) c[m] = run += f[m]! * unit;
  if (run > 65535) for (let m = 0; m < k; m++) c[m] = mulDiv(65535, c[m]!, run);
}

/**
 * The material of a voxel with cumulative fractions c and threshold t: m with C_{m−1} <= t < C_m (C_0 = 0), or
 * 0 (void) when t >= C_K. Counting the C_j <= t gives m − 1, so a zero fraction (C_m = C_{m−1}) is never chosen.
 */
export function pickMaterial(c: Uint32Array, k: number, t: number): number {
  let below = 0;
  for (let m = 0; m < k; m++) below += c[m]! <= t ? 1 : 0;
  return below === k ? 0 : below + 1;
}

/** CPU reference of materialFractions: one byte per voxel, 0 = void, 1..K = material. */
export function materialFractionsCpu(layers: FractionLayers, maps: LayerMaps): LayerOutput {
  const k = materialCount(layers);
  const { width, height, count } = layers;
  const rgba = 'rgba' in layers;
  const sources = rgba ? [layers.rgba] : layers.channels;
  const unit = sources[0] instanceof Uint16Array ? 1 : 257;
  const voxels = width * height;
  const out = new Uint8Array(voxels * count);
  const f = new Uint32Array(4);
  const fk = new Uint32Array(MAX_MATERIALS);
  const c = new Uint32Array(MAX_MATERIALS);
  for (let l = 0; l < count; l++) {
    const map = maps.at(layers.z0 + l);
    const t = thresholdTable(map);
    const [mw, mh] = map.size;
    for (let y = 0; y < height; y++) {
      const row = (y % mh) * mw;
      for (let x = 0; x < width; x++) {
        const i = l * voxels + y * width + x;
        if (rgba) {
          for (let ch = 0; ch < 4; ch++) f[ch] = layers.rgba[4 * i + ch]!;
          cumulative(f, 3, true, unit, c);
        } else {
          for (let m = 0; m < k; m++) fk[m] = layers.channels[m]![i]!;
          cumulative(fk, k, false, unit, c);
        }
        out[i] = pickMaterial(c, k, t[row + (x % mw)]!);
      }
    }
  }
  return { data: out, layerStride: voxels, bitsPerVoxel: 8, gpuMs: null };
}
