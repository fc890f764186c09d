import { InputError } from '../errors.js';

/**
 * A tiled ordered-dither threshold map. Maps are plain data so the CPU reference and the GPU kernels share one
 * code path: the kernel only ever sees `values`, `size` and `scale`.
 */
export interface ThresholdMap {
  /** Canonical spec, e.g. 'bayer8', 'bayer8x4', 'bluenoise64', 'bayer3d16x16x4', 'map:foo.txt'. */
  readonly name: string;
  /** Period along x, y, z (z = 1 for 2D maps). */
  readonly size: readonly [number, number, number];
  /** Length x*y*z, index = (z*sy + y)*sx + x. */
  readonly values: Uint32Array;
  /** Threshold of a cell = (value + 0.5) / scale, so always strictly inside (0, 1). */
  readonly scale: number;
}

/** Threshold at (x, y, z), wrapping toroidally (negative coordinates too). For tests and docs, not hot loops. */
export function thresholdAt(map: ThresholdMap, x: number, y: number, z = 0): number {
  const [sx, sy, sz] = map.size;
  const i = (mod(z, sz) * sy + mod(y, sy)) * sx + mod(x, sx);
  return ((map.values[i] ?? 0) + 0.5) / map.scale;
}

/** Throws InputError (labelled with the map's name) unless the map is internally consistent; returns it. */
export function validateMap(map: ThresholdMap): ThresholdMap {
  const bad = (problem: string): never => {
    throw new InputError(map.name, problem);
  };
  if (map.size.length !== 3 || !map.size.every((s) => Number.isInteger(s) && s >= 1)) {
    bad(`threshold map size ${map.size.join('x')} must be three integers >= 1`);
  }
  const [sx, sy, sz] = map.size;
  if (map.values.length !== sx * sy * sz) {
    bad(`threshold map has ${map.values.length} values but size ${sx}x${sy}x${sz} needs ${sx * sy * sz}`);
  }
  if (!Number.isInteger(map.scale) || map.scale < 1 || map.scale > 2 ** 32) {
    bad(`threshold map scale ${map.scale} must be an integer from 1 to 2^32`);
  }
  for (const v of map.values) if (v >= map.scale) bad(`threshold map value ${v} is not below its scale ${map.scale}`);
  return map;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
