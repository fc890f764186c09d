// Threshold maps for voxel stacks, consumed layer by layer as 2D maps. A layer's thresholds depend only on its
// absolute z (and the kernels tile absolute x, y), so any chunking of layers and rows gives the same bits.
import { InputError } from '../errors.js';
import { bayer } from '../maps/bayer.js';
import { blueNoise } from '../maps/blueNoise.js';
import { parseMethod } from '../maps/catalogue.js';
import type { ThresholdMap } from '../maps/thresholdMap.js';

/** Voxel pitch in µm along x, y, z. */
export type Voxel = readonly [number, number, number];

/** The 2D threshold map of every layer of a stack. */
export interface LayerMaps {
  /** Canonical spec of what is used, e.g. 'bayer3d8x4x16', 'bluenoise64+phase', 'bayer8'. */
  readonly name: string;
  /** at(z) repeats with this period in z (a 3D map's depth, 1 for a plain 2D map); null if it never repeats. */
  readonly period: number | null;
  /** Layer z's map: 2D (size[2] === 1), the same object for the same z while memoised. */
  at(z: number): ThresholdMap;
}

const METHOD = '--method';
const VOXEL = '--voxel';

export const LAYER_METHOD_HELP =
  'bayer3d (8^3), bayer3dN, bayer3dWxHxD, bluenoise3d (32^3), bluenoise3dN, bluenoise3dWxHxD: 3D maps, one slice per ' +
  'layer; bayerN+phase, bluenoiseN+phase (any 2D map + phase): the 2D map shifted per layer; a plain 2D map ' +
  '(bayerN, bayerWxH, bluenoiseN, map:FILE): the same map every layer, so its pattern lines up in Z';

/** Parses `--voxel XxYxZ` (µm, e.g. 42.3x84.6x27): three finite numbers > 0. */
export function parseVoxel(spec: string): [number, number, number] {
  const parts = spec.trim().split(/x/i);
  if (parts.length !== 3) throw new InputError(VOXEL, `expected XxYxZ in µm (e.g. 42.3x84.6x27), got ${JSON.stringify(spec)}`);
  return parts.map((p) => {
    // Number('') is 0 and Number('1e3') is fine, so check the text is a plain decimal first.
    if (!/^\s*(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(p)) throw new InputError(VOXEL, `${JSON.stringify(p)} is not a number`);
    const v = Number(p);
    if (!Number.isFinite(v) || v <= 0) throw new InputError(VOXEL, `pitch ${JSON.stringify(p.trim())} must be a finite number > 0`);
    return v;
  }) as [number, number, number];
}

/**
 * The anisotropy rule. Sides are powers of two 2^a_i (minLog2 <= a_i <= maxLog2) with sum a_i = cellsLog2, so the
 * tile keeps its requested number of cells. Among those, choose the shape whose physical extents 2^a_i · pitch_i
 * are most nearly equal: smallest spread max − min of log2(extent); then smallest sum of squared deviations of
 * log2(extent) from their mean; then the shape closest to equal sides in cells (so an isotropic pitch, or a tie,
 * keeps N×N(×N)); then the first in x-major order. E.g. 512 cells at 42.3×84.6×27 µm → 8×4×16 (338, 338, 432 µm).
 */
export function anisotropicSides(cellsLog2: number, pitch: readonly number[], minLog2: number, maxLog2: number): number[] {
  const d = pitch.length;
  const n = Math.min(d * maxLog2, Math.max(d * minLog2, cellsLog2));
  const lp = pitch.map(Math.log2);
  let best: number[] = [];
  let bestScore: number[] = [];
  const a: number[] = new Array<number>(d).fill(minLog2);
  const visit = (axis: number, left: number): void => {
    if (axis === d - 1) {
      if (left < minLog2 || left > maxLog2) return;
      a[axis] = left;
      const ext = a.map((ai, i) => ai + lp[i]!);
      const mean = ext.reduce((s, e) => s + e, 0) / d;
      const score = [
        Math.max(...ext) - Math.min(...ext),
        ext.reduce((s, e) => s + (e - mean) ** 2, 0),
        a.reduce((s, ai) => s + (ai - n / d) ** 2, 0),
      ];
      if (best.length === 0 || better(score, bestScore)) {
        best = a.slice();
        bestScore = score;
      }
      return;
    }
    for (let v = minLog2; v <= maxLog2 && v <= left; v++) {
      a[axis] = v;
      visit(axis + 1, left - v);
    }
  };
  visit(0, n);
  return best.map((e) => 2 ** e);
}

// Lexicographic with a tolerance, so float noise in the logs never breaks a real tie.
function better(s: number[], t: number[]): boolean {
  for (let i = 0; i < s.length; i++) {
    if (s[i]! < t[i]! - 1e-9) return true;
    if (s[i]! > t[i]! + 1e-9) return false;
  }
  return false;
}

// R2 low-discrepancy sequence (Roberts 2018): the plastic number g solves g^3 = g + 1; α = (1/g, 1/g^2).
const PLASTIC = 1.324717957244746;
export const R2_ALPHA: readonly [number, number] = [1 / PLASTIC, 1 / (PLASTIC * PLASTIC)];

/**
 * The phase method's shift of layer z, in cells of a W×H tile: (u, v) = frac(z·α) is the R2 point of layer z, a
 * displacement (u·T, v·T) in µm with T = max(W·px, H·py), so the shift per layer has the same physical scale along
 * x and y however the tile or the pitch is shaped; in cells dx = floor(u·T/px) mod W, dy = floor(v·T/py) mod H.
 * Without a pitch px = py = 1, so a square tile gets dx = floor(u·W). Layer 0 is unshifted. Host-only doubles
 * (IEEE products and floors are exact everywhere), and both backends read the shifted map.
 */
export function phaseOffset(z: number, w: number, h: number, voxel?: Voxel): [number, number] {
  const [px, py] = voxel ?? [1, 1];
  const t = Math.max(w * px, h * py);
  const u = frac(z * R2_ALPHA[0]);
  const v = frac(z * R2_ALPHA[1]);
  return [Math.floor((u * t) / px) % w, Math.floor((v * t) / py) % h];
}

const frac = (x: number): number => x - Math.floor(x);
const mod = (a: number, n: number): number => ((a % n) + n) % n;

/** A 3D map as layers: at(z) is the slice z mod depth (memoised: every slice is built once, as a view). */
export function sliceLayers(map: ThresholdMap): LayerMaps {
  const [sx, sy, sz] = map.size;
  const slices: ThresholdMap[] = [];
  return {
    name: map.name,
    period: sz,
    at(z) {
      const k = mod(z, sz);
      let s = slices[k];
      if (!s) {
        const values = map.values.subarray(k * sx * sy, (k + 1) * sx * sy);
        s = slices[k] = { name: sz > 1 ? `${map.name}[z=${k}]` : map.name, size: [sx, sy, 1], values, scale: map.scale };
      }
      return s;
    },
  };
}

/** A 2D map shifted per layer by phaseOffset(z): at(z)(x, y) = map(x + dx, y + dy). Shifted maps are memoised. */
export function phaseLayers(map: ThresholdMap, voxel?: Voxel): LayerMaps {
  const [w, h, d] = map.size;
  if (d !== 1) throw new InputError(METHOD, `${map.name}+phase: phase shifting needs a 2D map; a 3D map already varies per layer`);
  const memo = new Map<number, ThresholdMap>(); // by dy·w + dx, oldest first
  return {
    name: `${map.name}+phase`,
    period: null,
    at(z) {
      const [dx, dy] = phaseOffset(z, w, h, voxel);
      const key = dy * w + dx;
      let m = memo.get(key);
      if (m) return m;
      const values = new Uint32Array(w * h);
      for (let y = 0; y < h; y++) {
        const src = ((y + dy) % h) * w;
        for (let x = 0; x < w; x++) values[y * w + x] = map.values[src + ((x + dx) % w)]!;
      }
      m = { name: `${map.name}+phase(${dx},${dy})`, size: [w, h, 1], values, scale: map.scale };
      if (memo.size >= 256) memo.delete(memo.keys().next().value!);
      memo.set(key, m);
      return m;
    },
  };
}

// Per-axis log2 bounds the generators accept (3D maps keep every side >= 2 so they stay 3D).
const BOUNDS = { bayer2d: [0, 8], bayer3d: [1, 8], bluenoise2d: [3, 8], bluenoise3d: [2, 6] } as const;

function log2Side(n: number, kind: keyof typeof BOUNDS): number {
  const [lo, hi] = BOUNDS[kind];
  const e = Math.log2(n);
  if (!Number.isInteger(e) || e < lo || e > hi) {
    const what = kind.replace('2d', '').replace('3d', ' 3D');
    throw new InputError(METHOD, `${what} size ${n} must be a power of two from ${2 ** lo} to ${2 ** hi}`);
  }
  return e;
}

/**
 * A --method value as layer maps. With `voxel`, maps given by one side N (bayerN, bayer3dN, bluenoiseN,
 * bluenoise3dN, bayer3d, bluenoise3d) keep their N^2 or N^3 cells but are reshaped by anisotropicSides over x, y (and
 * z for 3D), and the phase shift is scaled by phaseOffset; sizes given per axis (bayer8x4, bayer3d16x16x4) are kept.
 */
export function parseLayerMethod(spec: string, voxel?: Voxel): LayerMaps {
  const s = spec.trim();
  const suffix = /\s*\+\s*phase$/i.exec(s);
  const phase = suffix !== null;
  const base = suffix ? s.slice(0, suffix.index) : s;
  // Before any map is built (3D blue noise takes seconds): a 3D map already varies per layer.
  if (phase && /^(bayer|bluenoise)3d/i.test(base)) throw new InputError(METHOD, `${JSON.stringify(spec)}: phase shifting is for 2D maps; a 3D map already varies per layer`);
  const m = /^(bayer|bluenoise)(3d)?(\d+)?$/i.exec(base);
  let map: ThresholdMap;
  if (m) {
    const family = m[1]!.toLowerCase() as 'bayer' | 'bluenoise';
    const d3 = m[2] !== undefined;
    const side = m[3] === undefined ? undefined : Number(m[3]);
    if (!d3 && side === undefined) throw new InputError(METHOD, `${JSON.stringify(spec)} needs a size, e.g. ${family}8`);
    const kind = `${family}${d3 ? '3d' : '2d'}` as keyof typeof BOUNDS;
    const n = log2Side(side ?? (family === 'bayer' ? 8 : 32), kind);
    const axes = d3 ? 3 : 2;
    const pitch = (voxel ?? [1, 1, 1]).slice(0, axes);
    const sides = anisotropicSides(axes * n, pitch, BOUNDS[kind][0], BOUNDS[kind][1]);
    // Blue noise also measures distances physically, so its points are evenly spaced in µm, not in cells.
    map = family === 'bayer' ? bayer(sides, METHOD) : blueNoise(sides, METHOD, voxel ? pitch : undefined);
  } else if (/^(bayer|bluenoise)(3d)?\d+(x\d+)+$/i.test(base) || /^map:/i.test(base)) {
    map = parseMethod(base); // sizes given per axis, or a file: kept as they are
  } else {
    throw new InputError(METHOD, `unknown layer method ${JSON.stringify(spec)}; expected one of ${LAYER_METHOD_HELP}`);
  }
  return phase ? phaseLayers(map, voxel) : sliceLayers(map);
}
