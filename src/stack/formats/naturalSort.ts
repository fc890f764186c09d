// Natural order for slice names, and the numbering check shared by the directory and zip sources.
import { InputError } from '../../errors.js';

const CHUNKS = /\d+|\D+/g;

/**
 * Natural order: names are compared run by run, digit runs by numeric value (`slice2` < `slice10`), other runs
 * by UTF-16 code units (case-sensitive). Ties in value are broken deterministically: first the run with fewer
 * digits (`a1` < `a01`), then plain code-unit order of the whole name, so the order is total.
 */
export function naturalCompare(a: string, b: string): number {
  const ca = a.match(CHUNKS) ?? [];
  const cb = b.match(CHUNKS) ?? [];
  let tie = 0;
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i]!, y = cb[i]!;
    const dx = isDigits(x), dy = isDigits(y);
    if (dx && dy) {
      const c = compareDigits(x, y);
      if (c !== 0) return c;
      if (tie === 0 && x.length !== y.length) tie = x.length - y.length;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  if (ca.length !== cb.length) return ca.length - cb.length;
  if (tie !== 0) return tie < 0 ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDigits(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/** Numeric comparison of digit strings of any length (no precision loss past 2^53). */
function compareDigits(x: string, y: string): number {
  const a = x.replace(/^0+(?=\d)/, ''), b = y.replace(/^0+(?=\d)/, '');
  if (a.length !== b.length) return a.length - b.length < 0 ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The number of a slice: the last digit run of its name without the extension (`job00012.png` → 12n). */
export function sliceNumber(name: string): bigint | undefined {
  const base = name.replace(/\.[^.]*$/, '');
  const m = /(\d+)\D*$/.exec(base);
  return m ? BigInt(m[1]!) : undefined;
}

/**
 * Sorts slice names naturally and checks they are numbered consecutively (from any first number): a name
 * without a number, a repeated number or a gap is an InputError naming the offending file (`label(name)`).
 */
export function orderSlices(names: readonly string[], label: (name: string) => string): string[] {
  const sorted = [...names].sort(naturalCompare);
  let prev: { name: string; n: bigint } | undefined;
  for (const name of sorted) {
    const n = sliceNumber(name);
    if (n === undefined) throw new InputError(label(name), 'slice name has no number to place it in the stack');
    if (prev && n === prev.n) throw new InputError(label(name), `slice number ${n} is also used by ${prev.name}`);
    if (prev && n < prev.n) {
      throw new InputError(label(name), `slice number ${n} sorts after ${prev.name} (number ${prev.n}): inconsistent names`);
    }
    if (prev && n !== prev.n + 1n) {
      const missing = n === prev.n + 2n ? `${prev.n + 1n} is` : `${prev.n + 1n}..${n - 1n} are`;
      throw new InputError(label(name), `gap in the slice numbers: ${missing} missing (previous slice is ${prev.name})`);
    }
    prev = { name, n };
  }
  return sorted;
}
