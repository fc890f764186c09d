// auto:N's options and their checks, apart from the palette search and its GPU kernels (src/palette/auto.ts), so
// that a caller can check them before it creates an engine.
import { InputError } from '../errors.js';
import { MAX_PALETTE_COLORS, rgbToHex } from './palette.js';

export interface AutoPaletteOptions {
  /** sRGB8 RGB triplets that must be in the palette, exactly, first and in this order. They count toward N. */
  readonly lock?: Uint8Array;
  /** Most assignment passes of k-means (default DEFAULT_MAX_ITERATIONS; 0 returns Wu's seeds). */
  readonly maxIterations?: number;
  /** Histogram bits per channel, 1..6 (default HISTOGRAM_BITS). */
  readonly bits?: number;
}

export const DEFAULT_MAX_ITERATIONS = 32;

/** auto:N's options checked (InputError naming the option), before any engine exists. Returns the locked colours. */
export function checkAutoPalette(n: number, options: AutoPaletteOptions): Uint8Array {
  if (!Number.isInteger(n) || n < 2 || n > MAX_PALETTE_COLORS) {
    throw new InputError('--palette', `auto:${n}: N must be an integer from 2 to ${MAX_PALETTE_COLORS}`);
  }
  const lock = options.lock ?? new Uint8Array(0);
  if (lock.length % 3 !== 0) throw new InputError('--lock', `${lock.length} values are not whole RGB triplets`);
  const locked = lock.length / 3;
  if (locked >= n) throw new InputError('--lock', `${locked} locked colours leave no free colour in auto:${n}; N must exceed them`);
  const seen = new Set<number>();
  for (let i = 0; i < locked; i++) {
    const key = (lock[3 * i]! << 16) | (lock[3 * i + 1]! << 8) | lock[3 * i + 2]!;
    if (seen.has(key)) throw new InputError('--lock', `${rgbToHex(lock[3 * i]!, lock[3 * i + 1]!, lock[3 * i + 2]!)} is listed twice`);
    seen.add(key);
  }
  const it = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  if (!Number.isInteger(it) || it < 0) throw new RangeError(`maxIterations must be an integer ≥ 0, not ${it}`);
  return lock;
}
