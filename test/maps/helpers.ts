import type { ThresholdMap } from '../../src/maps/index.js';

export type Point = [number, number, number];

/** Cells whose rank is below `count`, as (x, y, z). */
export function firstRanks(map: ThresholdMap, count: number): Point[] {
  const [sx, sy] = map.size;
  const pts: Point[] = [];
  map.values.forEach((v, i) => {
    if (v < count) pts.push([i % sx, Math.floor(i / sx) % sy, Math.floor(i / (sx * sy))]);
  });
  return pts;
}

/** Squared toroidal distance. */
export function dist2(a: Point, b: Point, size: readonly number[]): number {
  let d = 0;
  for (let k = 0; k < 3; k++) {
    const t = Math.abs(a[k]! - b[k]!);
    const m = Math.min(t, size[k]! - t);
    d += m * m;
  }
  return d;
}

/** Minimum and mean toroidal nearest-neighbour distance of a point set. */
export function nearestNeighbours(pts: Point[], size: readonly number[]): { min: number; mean: number } {
  let min = Infinity;
  let sum = 0;
  for (const a of pts) {
    let best = Infinity;
    for (const b of pts) if (a !== b) best = Math.min(best, dist2(a, b, size));
    min = Math.min(min, best);
    sum += Math.sqrt(best);
  }
  return { min: Math.sqrt(min), mean: sum / pts.length };
}

/**
 * Share of the power spectrum of the binary pattern "rank < fraction * N" at radial frequencies 1..radius
 * (DC excluded by subtracting the mean). White noise puts about (ball volume / N) of its power there; blue noise
 * far less. Separable DFT, fine for the small sizes tests use.
 */
export function lowFrequencyShare(map: ThresholdMap, fraction: number, radius: number): number {
  const size = map.size;
  const n = map.values.length;
  const re = Float64Array.from(map.values, (v) => (v < fraction * n ? 1 : 0) - fraction);
  const im = new Float64Array(n);
  let stride = 1;
  for (let axis = 0; axis < 3; axis++) {
    const s = size[axis]!;
    const tr = new Float64Array(s);
    const ti = new Float64Array(s);
    for (let base = 0; base < n; base++) {
      if (Math.floor(base / stride) % s !== 0) continue;
      for (let u = 0; u < s; u++) {
        let a = 0;
        let b = 0;
        for (let x = 0; x < s; x++) {
          const t = (-2 * Math.PI * u * x) / s;
          const r = re[base + x * stride]!;
          const q = im[base + x * stride]!;
          a += r * Math.cos(t) - q * Math.sin(t);
          b += r * Math.sin(t) + q * Math.cos(t);
        }
        tr[u] = a;
        ti[u] = b;
      }
      for (let u = 0; u < s; u++) {
        re[base + u * stride] = tr[u]!;
        im[base + u * stride] = ti[u]!;
      }
    }
    stride *= s;
  }
  let low = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const f = [i % size[0], Math.floor(i / size[0]) % size[1], Math.floor(i / (size[0] * size[1]))];
    const r2 = f.reduce((acc, u, k) => acc + Math.min(u, size[k]! - u) ** 2, 0);
    const p = re[i]! ** 2 + im[i]! ** 2;
    total += p;
    if (r2 <= radius * radius) low += p;
  }
  return low / total;
}

/** A white-noise map of the same shape: a seeded shuffle (LCG), for comparison. */
export function whiteNoise(size: readonly [number, number, number], seed: number): ThresholdMap {
  const n = size[0] * size[1] * size[2];
  const values = Uint32Array.from({ length: n }, (_, i) => i);
  let a = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    const j = a % (i + 1);
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return { name: 'white', size, values, scale: n };
}

export function isPermutation(values: Uint32Array): boolean {
  const seen = new Uint8Array(values.length);
  for (const v of values) {
    if (v >= values.length || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}
