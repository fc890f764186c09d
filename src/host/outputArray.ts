// Results into an array the caller chose, shared by both backends (no GPU code here: the CPU backend loads it).
/**
 * `into` cut to `bytes`, or a new array. Readbacks land straight in it: a caller that reuses one array across
 * calls (a video's frames) spares the page faults of a new one, which cost more than the copy on some hosts.
 */
export function outputArray(bytes: number, into?: Uint8Array): Uint8Array {
  if (!into) return new Uint8Array(bytes);
  if (into.length < bytes) throw new RangeError(`output array of ${into.length} bytes for a result of ${bytes}`);
  return into.subarray(0, bytes);
}

/** A result made in memory of its own (the CPU backends), copied into `into` where the caller gave one. */
export function placeInto(result: Uint8Array, into: Uint8Array | undefined): Uint8Array {
  if (!into) return result;
  const out = outputArray(result.length, into);
  out.set(result);
  return out;
}
