// Synthetic, deterministic benchmark inputs: photo-like images (smooth colour fields, edges and grain, so the
// pair rule meets every kind of pixel), grey and material-fraction stacks, and the palettes.
import type { Raster } from '../src/formats/raster.js';
import { getPreset } from '../src/palette/presets.js';

function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
}

/** Per-column and per-row curves in 0..1, so a pixel costs a few table reads and a random draw. */
function fields(width: number, height: number) {
  const col = (f: (u: number) => number) => Float64Array.from({ length: width }, (_, x) => f(x / Math.max(1, width - 1)));
  const row = (f: (v: number) => number) => Float64Array.from({ length: height }, (_, y) => f(y / Math.max(1, height - 1)));
  return {
    c0: col((u) => 0.5 + 0.5 * Math.sin(6.3 * u)),
    c1: col((u) => u),
    c2: col((u) => (u < 0.5 ? 0.15 : 0.85)), // a hard edge down the middle
    r0: row((v) => v),
    r1: row((v) => 0.5 + 0.5 * Math.cos(4.1 * v)),
  };
}

/** RGBA at 8 or 16 bits, opaque. */
export function photo(width: number, height: number, depth: 8 | 16, seed = 1): Raster {
  const f = fields(width, height);
  const max = depth === 16 ? 65535 : 255;
  const data = depth === 16 ? new Uint16Array(4 * width * height) : new Uint8Array(4 * width * height);
  const rand = xorshift(seed);
  const grain = 0.04;
  const clamp = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
  for (let y = 0, p = 0; y < height; y++) {
    const r0 = f.r0[y]!;
    const r1 = f.r1[y]!;
    for (let x = 0; x < width; x++, p += 4) {
      const n = ((rand() & 0xffff) / 65535 - 0.5) * grain;
      data[p] = Math.round(clamp(0.7 * f.c0[x]! + 0.3 * r1 + n) * max);
      data[p + 1] = Math.round(clamp(0.6 * r0 + 0.4 * f.c2[x]! - n) * max);
      data[p + 2] = Math.round(clamp(f.c1[x]! * r1 + n) * max);
      data[p + 3] = max;
    }
  }
  return { width, height, depth, data, hasAlpha: false, source: { bitDepth: depth, colorType: 'rgb' } };
}

/** The same picture without alpha, 3 bytes per pixel, for writing the peers' PNG. */
export function rgbOf(r: Raster): Uint8Array {
  const n = r.width * r.height;
  const out = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[3 * i] = r.data[4 * i]!;
    out[3 * i + 1] = r.data[4 * i + 1]!;
    out[3 * i + 2] = r.data[4 * i + 2]!;
  }
  return out;
}

/** `layers` grey8 layers of linear coverage: a smooth field varying with z, plus grain. */
export function greyStack(width: number, height: number, layers: number, seed = 2): Uint8Array {
  const f = fields(width, height);
  const out = new Uint8Array(width * height * layers);
  const rand = xorshift(seed);
  for (let z = 0, i = 0; z < layers; z++) {
    const dz = (z * 37) % 64;
    for (let y = 0; y < height; y++) {
      const base = 200 * f.r1[y]! + dz;
      for (let x = 0; x < width; x++, i++) out[i] = (base * f.c0[x]! + (rand() & 31)) & 255;
    }
  }
  return out;
}

/** Four 8-bit material fraction channels whose sum stays below full scale (the rest is void). */
export function fractionStack(width: number, height: number, layers: number, seed = 3): Uint8Array[] {
  const f = fields(width, height);
  const n = width * height * layers;
  const ch = [0, 1, 2, 3].map(() => new Uint8Array(n));
  const rand = xorshift(seed);
  for (let z = 0, i = 0; z < layers; z++) {
    for (let y = 0; y < height; y++) {
      const a = f.r0[y]!;
      const b = f.r1[y]!;
      for (let x = 0; x < width; x++, i++) {
        const g = rand() & 15;
        ch[0]![i] = 60 * a * f.c0[x]! + g;
        ch[1]![i] = 60 * b * f.c1[x]! + (g >> 1);
        ch[2]![i] = 60 * f.c2[x]!;
        ch[3]![i] = 60 * (1 - a) + ((z * 5) & 3);
      }
    }
  }
  return ch;
}

/** The benchmark palettes: black and white, PICO-8's 16 colours, and the 256-colour RGB 3-3-2 cube. */
export function benchPalette(size: 2 | 16 | 256): { name: string; colors: Uint8Array } {
  if (size === 2) return { name: 'bw', colors: getPreset('bw')!.colors };
  if (size === 16) return { name: 'pico8', colors: getPreset('pico8')!.colors };
  const colors = new Uint8Array(3 * 256);
  for (let i = 0; i < 256; i++) {
    colors[3 * i] = Math.round((((i >> 5) & 7) * 255) / 7);
    colors[3 * i + 1] = Math.round((((i >> 2) & 7) * 255) / 7);
    colors[3 * i + 2] = Math.round(((i & 3) * 255) / 3);
  }
  return { name: 'rgb332', colors };
}
