// Splitting work into pieces that fit one storage binding. Rows (or layers) are the unit, so a chunk's
// coordinates are those of the whole image and every chunk size gives the same bits.

export interface RowChunk {
  readonly first: number;
  readonly count: number;
}

/**
 * Chunks of at most `maxRows` rows, where a row is `bytesPerRow` bytes and a chunk must fit `limitBytes`.
 * Throws when a single row does not fit.
 */
export function rowChunks(rows: number, bytesPerRow: number, limitBytes: number, maxRows = Infinity): RowChunk[] {
  const fit = Math.min(maxRows, Math.floor(limitBytes / Math.max(1, bytesPerRow)));
  if (fit < 1) throw new RangeError(`one row of ${bytesPerRow} bytes exceeds the binding limit of ${limitBytes} bytes`);
  const out: RowChunk[] = [];
  for (let first = 0; first < rows; first += fit) out.push({ first, count: Math.min(fit, rows - first) });
  return out;
}

/** The largest binding the device allows, rounded down to a multiple of 256 bytes. */
export function bindingLimit(device: GPUDevice): number {
  const l = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  return Math.floor(l / 256) * 256;
}
