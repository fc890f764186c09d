import { InputError } from '../errors.js';
import type { ThresholdMap } from './thresholdMap.js';

const MAX_SIDE = 256;

/**
 * Ordered-dither (Bayer) map for 1 to 3 axes, each a power of two from 1 to 256.
 *
 * Bit-interleaving construction: coordinate bit 0 of every axis decides the most significant digit of the rank,
 * bit 1 the next digit, and so on. Within a level, the digit orders the 2 (or 2x2, 2x2x2) cell block so that its
 * first half is a checkerboard, recursively; for square 2D sizes this is exactly the classic recursive Bayer
 * matrix. Because the finest level is the most significant, every rank prefix [0, m) is spread over the whole
 * tile before any block gets a second point.
 *
 * `input` labels the InputError for bad sizes (the CLI passes '--method').
 */
export function bayer(sizes: readonly number[], input = 'bayer'): ThresholdMap {
  if (sizes.length < 1 || sizes.length > 3) {
    throw new InputError(input, `a Bayer map needs 1 to 3 sizes, got ${sizes.length}`);
  }
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 1 || s > MAX_SIDE || (s & (s - 1)) !== 0) {
      throw new InputError(input, `Bayer size ${s} must be a power of two from 1 to ${MAX_SIDE}`);
    }
  }
  const [sx = 1, sy = 1, sz = 1] = sizes;
  const bits = [sx, sy, sz].map((s) => Math.log2(s));
  const levels = Math.max(...bits);
  const rank = (c: readonly number[]): number => {
    let v = 0;
    for (let l = 0; l < levels; l++) {
      // The coordinate bits of the axes that are still being subdivided at this level, in x, y, z order.
      const b: number[] = [];
      for (let a = 0; a < 3; a++) if (l < bits[a]!) b.push((c[a]! >> l) & 1);
      v = (v << b.length) | levelDigit(b);
    }
    return v;
  };
  // Each level digit is an XOR of coordinate bits, so the rank is too: rank(x, y, z) = rank(x, 0, 0) ^
  // rank(0, y, 0) ^ rank(0, 0, z), and three small tables fill even 256^3 quickly.
  const tx = Array.from({ length: sx }, (_, x) => rank([x, 0, 0]));
  const ty = Array.from({ length: sy }, (_, y) => rank([0, y, 0]));
  const tz = Array.from({ length: sz }, (_, z) => rank([0, 0, z]));
  const values = new Uint32Array(sx * sy * sz);
  let i = 0;
  for (let z = 0; z < sz; z++) {
    for (let y = 0; y < sy; y++) {
      const yz = ty[y]! ^ tz[z]!;
      for (let x = 0; x < sx; x++) values[i++] = tx[x]! ^ yz;
    }
  }
  const name =
    sz > 1
      ? sx === sy && sy === sz
        ? `bayer3d${sx}`
        : `bayer3d${sx}x${sy}x${sz}`
      : sx === sy
        ? `bayer${sx}`
        : `bayer${sx}x${sy}`;
  return { name, size: [sx, sy, sz], values, scale: values.length };
}

/**
 * Rank of a cell within its 2, 2x2 or 2x2x2 block. The top bit is the parity (checkerboard), so the first half of
 * the block is as spread out as possible; the next bit splits that half into diagonal pairs. 2D: [[0,2],[3,1]].
 * Every digit is XOR-linear in the bits ('|' only joins fields that do not overlap), which bayer() relies on.
 */
function levelDigit(b: number[]): number {
  const [x = 0, y = 0, z = 0] = b;
  switch (b.length) {
    case 1:
      return x;
    case 2:
      return ((x ^ y) << 1) | y;
    case 3:
      return ((x ^ y ^ z) << 2) | ((x ^ y) << 1) | y;
    default:
      return 0;
  }
}
