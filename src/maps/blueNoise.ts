import { InputError } from '../errors.js';
import { nodeBuiltins } from './node.js';
import type { ThresholdMap } from './thresholdMap.js';

/** Bump whenever the generator's output changes: it is part of the cache file name and header. */
export const BLUE_NOISE_VERSION = 1;

const SIGMA = 1.5;
/** Truncated window: offsets with |d| <= 3 sigma, which keeps ~99% (2D) or ~97% (3D) of the kernel's weight. */
const RADIUS = Math.floor(3 * SIGMA);
/** Fixed-point scale of the kernel weights: energies are integers, so sums are exact and ties are real ties. */
const WEIGHT_ONE = 1 << 20;
const MAGIC = 0x4e424644; // 'DFBN' little-endian

const memo = new Map<string, ThresholdMap>();

/**
 * Void-and-cluster blue-noise mask (Ulichney 1993), toroidal, 2D (each side a power of two from 8 to 256) or
 * 3D (4 to 64). Values are a permutation of 0..N-1, scale N. The same sizes give the same map on every machine.
 * Memoised per process and cached on disk under $XDG_CACHE_HOME/ditherforge (or ~/.cache/ditherforge).
 *
 * `metric` (one factor per axis, e.g. a voxel pitch) measures distances between cells as physical distances,
 * so points are spread evenly in physical space when cells are not square. Omitted or all equal: isotropic.
 */
export function blueNoise(sizes: readonly number[], input = 'bluenoise', metric?: readonly number[]): ThresholdMap {
  const dims = checkSizes(sizes, input);
  const m = normaliseMetric(metric, dims, input);
  const name = blueNoiseName(dims);
  const key = m ? `${name}@${m.join('x')}` : name;
  let map = memo.get(key);
  if (map) return map;
  const path = blueNoiseCachePath(dims, m);
  map = path === undefined ? undefined : readCache(path, dims, name);
  if (!map) {
    map = build(dims, name, m);
    if (path !== undefined) writeCache(path, map);
  }
  memo.set(key, map);
  return map;
}

/** Per-axis factors scaled so the smallest is 1 (rounded to 1e-4 so cache keys are stable); undefined if isotropic. */
function normaliseMetric(metric: readonly number[] | undefined, dims: Dims, input: string): Dims | undefined {
  if (!metric) return undefined;
  const axes = dims[2] > 1 ? 3 : 2;
  if (metric.length < axes || metric.slice(0, axes).some((v) => !(Number.isFinite(v) && v > 0))) {
    throw new InputError(input, `a blue-noise metric needs ${axes} positive numbers`);
  }
  const lo = Math.min(...metric.slice(0, axes));
  const m = metric.slice(0, axes).map((v) => Math.round((v / lo) * 1e4) / 1e4);
  if (m.every((v) => v === 1)) return undefined;
  return [m[0]!, m[1]!, m[2] ?? 1];
}

/** Generates the mask afresh, bypassing the memo and the disk cache. */
export function generateBlueNoise(sizes: readonly number[], input = 'bluenoise'): ThresholdMap {
  const dims = checkSizes(sizes, input);
  return build(dims, blueNoiseName(dims));
}

/** Forgets the in-process memo (the disk cache stays), so the next blueNoise() call reads the disk or generates. */
export function clearBlueNoiseMemo(): void {
  memo.clear();
}

/** Where blueNoise() caches these sizes, or undefined where there is no file system (browser). */
export function blueNoiseCachePath(sizes: readonly number[], metric?: Dims): string | undefined {
  const node = nodeBuiltins();
  if (!node) return undefined;
  const [sx = 1, sy = 1, sz = 1] = sizes;
  // XDG says to ignore a relative XDG_CACHE_HOME.
  const xdg = process.env.XDG_CACHE_HOME;
  const root = xdg && node.path.isAbsolute(xdg) ? xdg : node.path.join(node.os.homedir(), '.cache');
  const shape = metric ? `-m${metric.join('x')}` : '';
  return node.path.join(root, 'ditherforge', `bluenoise-v${BLUE_NOISE_VERSION}-${sx}x${sy}x${sz}${shape}.bin`);
}

type Dims = readonly [number, number, number];

function checkSizes(sizes: readonly number[], input: string): Dims {
  const d3 = sizes.length === 3;
  if (sizes.length !== 2 && !d3) throw new InputError(input, `blue noise needs 2 or 3 sizes, got ${sizes.length}`);
  const [lo, hi] = d3 ? [4, 64] : [8, 256];
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < lo || s > hi || (s & (s - 1)) !== 0) {
      throw new InputError(input, `${d3 ? '3D' : '2D'} blue-noise size ${s} must be a power of two from ${lo} to ${hi}`);
    }
  }
  return [sizes[0]!, sizes[1]!, sizes[2] ?? 1];
}

function blueNoiseName([sx, sy, sz]: Dims): string {
  if (sz > 1) return sx === sy && sy === sz ? `bluenoise3d${sx}` : `bluenoise3d${sx}x${sy}x${sz}`;
  return sx === sy ? `bluenoise${sx}` : `bluenoise${sx}x${sy}`;
}

function build(dims: Dims, name: string, metric?: Dims): ThresholdMap {
  return { name, size: [dims[0], dims[1], dims[2]], values: voidAndCluster(dims, metric), scale: dims[0] * dims[1] * dims[2] };
}

/** Cells per leaf of the search trees: a leaf is rescanned whole, which keeps the trees small and cached. */
const BLOCK = 16;

/**
 * Minimum of n keys, as a complete binary tree of minima (leaf i at n + i). A point update climbs only while
 * the minimum it affects changes, usually a level or two.
 */
class MinTree {
  readonly t: Float64Array;

  constructor(private readonly n: number) {
    this.t = new Float64Array(2 * n).fill(Infinity);
  }

  get min(): number {
    return this.t[1]!;
  }

  rebuild(key: (i: number) => number): void {
    const { n, t } = this;
    for (let i = 0; i < n; i++) t[n + i] = key(i);
    for (let p = n - 1; p >= 1; p--) t[p] = Math.min(t[2 * p]!, t[2 * p + 1]!);
  }

  set(i: number, k: number): void {
    const t = this.t;
    let p = this.n + i;
    if (t[p] === k) return;
    t[p] = k;
    for (p >>= 1; p >= 1; p >>= 1) {
      const v = Math.min(t[2 * p]!, t[2 * p + 1]!);
      if (t[p] === v) break;
      t[p] = v;
    }
  }
}

/**
 * The state of void-and-cluster on a power-of-two torus. Each step needs the extreme energy over all N cells, but
 * a toggle changes only the ~60 (2D) or ~400 (3D) cells in the kernel window, so the extremes are kept per block
 * of cells in a tree, and a block is rescanned only when it matters (see best()), never all N cells per step.
 */
class Field {
  readonly n: number;
  private readonly lx: number;
  private readonly lxy: number;
  private readonly mask: [number, number, number];
  private readonly offs: [Int32Array, Int32Array, Int32Array, Int32Array]; // dx, dy, dz, weight
  private readonly rel: Int32Array; // the same offsets as index differences, where nothing wraps
  /** Sum of kernel weights of the ones, self included (< 2^26). */
  readonly energy: Int32Array;
  readonly one: Uint8Array;
  readonly clusters: MinTree;
  readonly voids: MinTree;
  /**
   * Phase 0 both adds and removes points. Trees are otherwise lazy (see best()), so a toggle rescans its touched
   * blocks into the one tree whose keys it can lower: voids when removing a point, clusters when adding one.
   */
  eager = false;
  private readonly stamp: Int32Array;
  private readonly touched: Int32Array;
  private epoch = 0;

  constructor([sx, sy, sz]: Dims, [mx, my, mz]: Dims = [1, 1, 1]) {
    this.n = sx * sy * sz;
    this.lx = Math.log2(sx);
    this.lxy = this.lx + Math.log2(sy);
    this.mask = [sx - 1, sy - 1, sz - 1];
    // Kernel offsets inside the 3-sigma ball. Weights are rounded to integers once, so all later arithmetic is
    // exact; the rounding also absorbs any last-bit difference in Math.exp between JS engines.
    const offs: number[][] = [];
    // With a metric, distances are physical (cells times their axis factor); factor 1 gives the plain ball.
    const rz = sz > 1 ? Math.floor((3 * SIGMA) / mz) : 0;
    const ry = Math.floor((3 * SIGMA) / my);
    const rx = Math.floor((3 * SIGMA) / mx);
    for (let dz = -rz; dz <= rz; dz++) {
      for (let dy = -ry; dy <= ry; dy++) {
        for (let dx = -rx; dx <= rx; dx++) {
          const d2 = (dx * mx) ** 2 + (dy * my) ** 2 + (dz * mz) ** 2;
          const w = Math.round(WEIGHT_ONE * Math.exp(-d2 / (2 * SIGMA * SIGMA)));
          if (d2 <= 9 * SIGMA * SIGMA) offs.push([dx, dy, dz, w]);
        }
      }
    }
    const column = (c: number): Int32Array => Int32Array.from(offs, (o) => o[c]!);
    this.offs = [column(0), column(1), column(2), column(3)];
    this.rel = Int32Array.from(offs, ([dx, dy, dz]) => (dz! * sy + dy!) * sx + dx!);
    this.energy = new Int32Array(this.n);
    this.one = new Uint8Array(this.n);
    const blocks = this.n / BLOCK;
    this.clusters = new MinTree(blocks);
    this.voids = new MinTree(blocks);
    this.stamp = new Int32Array(blocks);
    this.touched = new Int32Array(offs.length);
  }

  /** The cell a tree key names. */
  cell(key: number): number {
    return key - Math.floor(key / this.n) * this.n;
  }

  // Block keys pack (energy, cell index) exactly into a double (< 2^44), so ties go to the lowest index. The
  // tightest cluster is the one with the highest energy, the largest void the zero with the lowest.
  clusterKey(b: number): number {
    const { one, energy } = this;
    let best = -1;
    let e = -1;
    for (let c = b * BLOCK, end = c + BLOCK; c < end; c++) {
      if (one[c] && energy[c]! > e) {
        best = c;
        e = energy[c]!;
      }
    }
    return best < 0 ? Infinity : -e * this.n + best;
  }

  voidKey(b: number): number {
    const { one, energy } = this;
    let best = -1;
    let e = Infinity;
    for (let c = b * BLOCK, end = c + BLOCK; c < end; c++) {
      if (!one[c] && energy[c]! < e) {
        best = c;
        e = energy[c]!;
      }
    }
    return best < 0 ? Infinity : e * this.n + best;
  }

  toggle(i: number, on: boolean): void {
    const { energy, stamp, touched, lx, lxy, eager } = this;
    const [odx, ody, odz, ow] = this.offs;
    const [mx, my, mz] = this.mask;
    this.one[i] = on ? 1 : 0;
    const x = i & mx;
    const y = (i >> lx) & my;
    const z = i >> lxy;
    if (!eager && inside(x, mx) && inside(y, my) && inside(z, mz)) {
      // Most cells are this far from every edge: then nothing wraps, and each neighbour is a fixed index offset.
      const rel = this.rel;
      for (let k = 0; k < ow.length; k++) {
        const j = i + rel[k]!;
        energy[j] = energy[j]! + (on ? ow[k]! : -ow[k]!);
      }
      return;
    }
    const epoch = ++this.epoch;
    let count = 0;
    for (let k = 0; k < ow.length; k++) {
      // Masks wrap negative offsets too (two's complement), so the window is toroidal even on tiny tiles.
      const j = (((z + odz[k]!) & mz) << lxy) | (((y + ody[k]!) & my) << lx) | ((x + odx[k]!) & mx);
      energy[j] = energy[j]! + (on ? ow[k]! : -ow[k]!);
      if (!eager) continue;
      const b = (j / BLOCK) | 0;
      if (stamp[b] !== epoch) {
        stamp[b] = epoch;
        touched[count++] = b;
      }
    }
    for (let k = 0; k < count; k++) {
      const b = touched[k]!;
      if (on) this.clusters.set(b, this.clusterKey(b));
      else this.voids.set(b, this.voidKey(b));
    }
  }

  /**
   * The tightest cluster (or with `voids`, the largest void). The trees hold lower bounds of their blocks' keys,
   * so the minimum is exact once the block it names rescans to the same key (keys are unique: they end in the
   * cell index). Rescanning every touched block at every toggle instead took over twice as long at 64^3.
   */
  best(voids: boolean): number {
    const tree = voids ? this.voids : this.clusters;
    for (;;) {
      const k = tree.min;
      const c = this.cell(k);
      const b = (c / BLOCK) | 0;
      const fresh = voids ? this.voidKey(b) : this.clusterKey(b);
      if (fresh === k) return c;
      tree.set(b, fresh);
    }
  }

  rebuild(): void {
    this.clusters.rebuild((b) => this.clusterKey(b));
    this.voids.rebuild((b) => this.voidKey(b));
  }
}

/** Ranks of void-and-cluster (Ulichney 1993), from a seeded random start. */
function voidAndCluster(dims: Dims, metric?: Dims): Uint32Array {
  const f = new Field(dims, metric);
  const { n, one, energy } = f;

  // Phase 0: a seeded random pattern of ~10% ones, relaxed by moving the tightest cluster into the largest void
  // until the point just removed is itself the largest void.
  const [sx, sy, sz] = dims;
  const rand = mulberry32(0x64697468 ^ Math.imul(sx, 73856093) ^ Math.imul(sy, 19349663) ^ Math.imul(sz, 83492791));
  const ones = Math.max(1, Math.floor(n / 10));
  for (let placed = 0; placed < ones; ) {
    const i = rand() & (n - 1);
    if (!one[i]) {
      f.toggle(i, true);
      placed++;
    }
  }
  f.rebuild();
  f.eager = true;
  // Ulichney's loop; the cap only guards against a cycle, which has not been seen.
  for (let iter = 0; iter < 4 * n; iter++) {
    const c = f.best(false);
    f.toggle(c, false);
    const v = f.best(true);
    f.toggle(v, true);
    if (v === c) break;
  }
  const protoOne = one.slice();
  const protoEnergy = energy.slice();
  const ranks = new Uint32Array(n);

  // Phase 1: remove the tightest cluster repeatedly; the points removed last get the lowest ranks.
  f.eager = false;
  for (let r = ones - 1; r >= 0; r--) {
    const c = f.best(false);
    f.toggle(c, false);
    ranks[c] = r;
  }

  // Phases 2 and 3: from the prototype, fill the largest void repeatedly. Ulichney's phase 3 (past half full)
  // picks the tightest cluster of zeros by the zeros' energy, which at every zero is a constant minus the ones'
  // energy, so it is exactly this same choice, ties included.
  one.set(protoOne);
  energy.set(protoEnergy);
  f.rebuild();
  for (let r = ones; r < n; r++) {
    const v = f.best(true);
    f.toggle(v, true);
    ranks[v] = r;
  }
  return ranks;
}

/** Whether coordinate c is at least RADIUS from both edges of an axis with mask m (a flat axis always is). */
function inside(c: number, m: number): boolean {
  return m === 0 || (c >= RADIUS && c <= m - RADIUS);
}

/** mulberry32: a tiny 32-bit PRNG, bit-exact everywhere (only Math.imul, shifts and xors). */
function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

// Cache file: 'DFBN', version, sx, sy, sz (u32 LE each), then the N values as u16 LE (N <= 65536) or u32 LE.
const HEADER = 20;

function readCache(path: string, [sx, sy, sz]: Dims, name: string): ThresholdMap | undefined {
  const n = sx * sy * sz;
  const width = n <= 0x10000 ? 2 : 4;
  let bytes: Uint8Array;
  try {
    bytes = nodeBuiltins()!.fs.readFileSync(path);
  } catch {
    return undefined;
  }
  if (bytes.length !== HEADER + n * width) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = [MAGIC, BLUE_NOISE_VERSION, sx, sy, sz];
  if (header.some((v, k) => dv.getUint32(4 * k, true) !== v)) return undefined;
  const values = new Uint32Array(n);
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = width === 2 ? dv.getUint16(HEADER + 2 * i, true) : dv.getUint32(HEADER + 4 * i, true);
    if (v >= n || seen[v]) return undefined; // corrupt: not a permutation
    seen[v] = 1;
    values[i] = v;
  }
  return { name, size: [sx, sy, sz], values, scale: n };
}

let tmpCounter = 0;

/** Best effort: an unwritable cache directory just means regenerating next time. */
function writeCache(path: string, map: ThresholdMap): void {
  const { fs, path: pathMod } = nodeBuiltins()!;
  const n = map.values.length;
  const width = n <= 0x10000 ? 2 : 4;
  const bytes = new Uint8Array(HEADER + n * width);
  const dv = new DataView(bytes.buffer);
  [MAGIC, BLUE_NOISE_VERSION, ...map.size].forEach((v, k) => dv.setUint32(4 * k, v, true));
  map.values.forEach((v, i) => (width === 2 ? dv.setUint16(HEADER + 2 * i, v, true) : dv.setUint32(HEADER + 4 * i, v, true)));
  // Write then rename, so a concurrent reader never sees a half-written file.
  const tmp = `${path}.${process.pid}.${tmpCounter++}.tmp`;
  try {
    fs.mkdirSync(pathMod.dirname(path), { recursive: true });
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, path);
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing more to do
    }
  }
}
