// Deterministic random data for tests, so a failure reproduces from its seed.
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
  return out;
}

export function randomImage(width: number, height: number, seed: number) {
  return { width, height, data: randomBytes(width * height * 4, seed) };
}

/** Deterministic integers below `limit`: the same xorshift32 sequence as rng(), taken modulo `limit`. */
export function randomInts(count: number, limit: number, seed = 1): number[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => (r() * 4294967296) % limit);
}
