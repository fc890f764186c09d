// Distance spaces as data. A space is: a 3x3 integer matrix applied to linear Q16 RGB, a per-component curve
// (a 65536-entry table), and a second 3x3 matrix. Linear, sRGB, OkLab and CIELAB are four sets of numbers fed
// to one integer routine (toSpace here, toSpace in shaders/), so GPU and CPU agree exactly.
import { srgbEncode } from './transfer.js';

export type DistanceSpace = 'oklab' | 'lab' | 'srgb' | 'linear';
export const DISTANCE_SPACES: readonly DistanceSpace[] = ['oklab', 'lab', 'srgb', 'linear'];

export interface SpaceTransform {
  readonly name: DistanceSpace;
  /** Row-major 3x3, Q14: linear Q16 RGB → Q16 intermediate (rows sum to 1, so it stays in 0..65535). */
  readonly m1: Int32Array;
  /** Q16 → Q16, per component. */
  readonly curve: Uint32Array;
  /** Row-major 3x3, Q12; (m2 · curve(m1 · rgb)) >> 16 gives coordinates where 4096 is 1.0. */
  readonly m2: Int32Array;
}

const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];

// Björn Ottosson's OkLab (2020): linear sRGB → LMS, cube root, → Lab.
const OKLAB_M1 = [
  0.4122214708, 0.5363325363, 0.0514459929, 0.2119034982, 0.6806995451, 0.1073969566, 0.0883024619, 0.2817188376, 0.6299787005,
];
const OKLAB_M2 = [
  0.2104542553, 0.793617785, -0.0040720468, 1.9779984951, -2.428592205, 0.4505937099, 0.0259040371, 0.7827717662, -0.808675766,
];

// CIELAB (D65): linear sRGB → XYZ with each row divided by the white point, the CIE f(), then L*, a*, b* divided
// by 200 (a uniform scale changes no nearest colour, and keeps the integer products inside 32 bits).
const XYZ = [0.4124564, 0.3575761, 0.1804375, 0.2126729, 0.7151522, 0.072175, 0.0193339, 0.119192, 0.9503041];
const WHITE = [0.95047, 1, 1.08883];
const LAB_M1 = XYZ.map((v, i) => v / (WHITE[Math.floor(i / 3)] ?? 1));
const LAB_M2 = [0, 0.58, 0, 2.5, -2.5, 0, 0, 1, -1];
const cieF = (t: number): number => (t > (6 / 29) ** 3 ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29);

function fixed(values: readonly number[], q: number): Int32Array {
  return Int32Array.from(values, (v) => Math.round(v * 2 ** q));
}

function curveTable(f: (x: number) => number): Uint32Array {
  const t = new Uint32Array(65536);
  for (let i = 0; i < 65536; i++) t[i] = Math.min(65535, Math.max(0, Math.round(f(i / 65535) * 65535)));
  return t;
}

const SPACES: Record<DistanceSpace, () => SpaceTransform> = {
  linear: () => ({ name: 'linear', m1: fixed(IDENTITY, 14), curve: curveTable((x) => x), m2: fixed(IDENTITY, 12) }),
  srgb: () => ({ name: 'srgb', m1: fixed(IDENTITY, 14), curve: curveTable(srgbEncode), m2: fixed(IDENTITY, 12) }),
  oklab: () => ({ name: 'oklab', m1: fixed(OKLAB_M1, 14), curve: curveTable(Math.cbrt), m2: fixed(OKLAB_M2, 12) }),
  lab: () => ({ name: 'lab', m1: fixed(LAB_M1, 14), curve: curveTable(cieF), m2: fixed(LAB_M2, 12) }),
};

const cache = new Map<DistanceSpace, SpaceTransform>();

export function spaceTransform(name: DistanceSpace): SpaceTransform {
  let t = cache.get(name);
  if (!t) cache.set(name, (t = SPACES[name]()));
  return t;
}

const clamp16 = (v: number): number => (v < 0 ? 0 : v > 65535 ? 65535 : v);

/**
 * Linear Q16 RGB → space coordinates (4096 = 1.0), written into `out` at `at`. Mirrors `toSpace` in the WGSL:
 * every product fits in 32 bits and shifts are arithmetic, so the result is the same integer on both backends.
 */
export function toSpace(t: SpaceTransform, r: number, g: number, b: number, out: Int32Array, at = 0): void {
  const { m1, curve, m2 } = t;
  const u0 = curve[clamp16(((m1[0]! * r + m1[1]! * g + m1[2]! * b + 8192) >> 14))]!;
  const u1 = curve[clamp16(((m1[3]! * r + m1[4]! * g + m1[5]! * b + 8192) >> 14))]!;
  const u2 = curve[clamp16(((m1[6]! * r + m1[7]! * g + m1[8]! * b + 8192) >> 14))]!;
  out[at] = (m2[0]! * u0 + m2[1]! * u1 + m2[2]! * u2) >> 16;
  out[at + 1] = (m2[3]! * u0 + m2[4]! * u1 + m2[5]! * u2) >> 16;
  out[at + 2] = (m2[6]! * u0 + m2[7]! * u1 + m2[8]! * u2) >> 16;
}

/** Squared distance between two coordinate triples; at most 3·(2·6000)², inside a signed 32-bit integer. */
export function distance2(a: Int32Array, i: number, b: Int32Array, j: number): number {
  const d0 = a[i]! - b[j]!;
  const d1 = a[i + 1]! - b[j + 1]!;
  const d2 = a[i + 2]! - b[j + 2]!;
  return d0 * d0 + d1 * d1 + d2 * d2;
}

/** The uniform values of `space` in shaders/colorSpace.wgsl: each matrix row padded to a vec4. */
export function spaceUniform(t: SpaceTransform): { m1: number[]; m2: number[] } {
  const rows = (m: Int32Array): number[] => [0, 1, 2].flatMap((r) => [m[3 * r]!, m[3 * r + 1]!, m[3 * r + 2]!, 0]);
  return { m1: rows(t.m1), m2: rows(t.m2) };
}
