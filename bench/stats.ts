// Summary statistics of repeated timings: the median is the figure, min/max and the quartiles its spread.

export interface Stats {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** First and third quartiles (linear interpolation between order statistics). */
  readonly q1: number;
  readonly q3: number;
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) throw new RangeError('stats of no values');
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { n: s.length, median: r(quantile(s, 0.5)), min: r(s[0]!), max: r(s[s.length - 1]!), q1: r(quantile(s, 0.25)), q3: r(quantile(s, 0.75)) };
}

/** The median, unrounded (stats() rounds its figures for the results files). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
