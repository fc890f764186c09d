// PNG row filters, reversed in place in the inflated data. pngjs (used before) allocates a buffer for every
// filtered row and then one for the whole image: on a 4K photo that is 25 MB of fresh memory, ~0.1-0.15 s of page
// faults on the 2-core machine the CLI targets, and its Avg/Paeth loops took 0.23 s where these take ~0.05 s.
// In place, the rows can then be expanded to RGBA in the same buffer (png.ts) with no fresh memory at all.

/**
 * Unfilters `rows` scanlines starting at `at` in `raw`: each is a filter byte then `stride` bytes, `bpp` bytes per
 * complete pixel (1 below 8 bits). Filter bytes are left as they are. `top` is the image (or pass) row of the first
 * one: above 0, its row above sits unfiltered just before `at` (a band of rows decoded as they arrive). Throws with
 * the row of an unknown filter.
 */
export function unfilterRows(raw: Uint8Array, at: number, rows: number, stride: number, bpp: number, top = 0): void {
  for (let y = 0; y < rows; y++) {
    const row = at + y * (stride + 1) + 1;
    const up = row - stride - 1; // the previous row, already unfiltered
    const filter = raw[row - 1]!;
    if (filter === 0) continue;
    if (filter > 4) throw new RangeError(`row ${top + y}: unknown filter type ${filter}`);
    if (y + top === 0) firstRow(raw, row, stride, bpp, filter);
    else if (filter === 1) for (let i = bpp; i < stride; i++) raw[row + i] = raw[row + i]! + raw[row + i - bpp]!;
    else if (filter === 2) for (let i = 0; i < stride; i++) raw[row + i] = raw[row + i]! + raw[up + i]!;
    else if (filter === 3) {
      for (let i = 0; i < bpp; i++) raw[row + i] = raw[row + i]! + (raw[up + i]! >> 1);
      for (let i = bpp; i < stride; i++) raw[row + i] = raw[row + i]! + ((raw[row + i - bpp]! + raw[up + i]!) >> 1);
    } else {
      for (let i = 0; i < bpp; i++) raw[row + i] = raw[row + i]! + raw[up + i]!;
      for (let i = bpp; i < stride; i++) {
        const a = raw[row + i - bpp]!, b = raw[up + i]!, c = raw[up + i - bpp]!;
        const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
        raw[row + i] = raw[row + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
    }
  }
}

/** The first row of an image (or Adam7 pass): the row above is zeros, so Up does nothing and Paeth is Sub. */
function firstRow(raw: Uint8Array, row: number, stride: number, bpp: number, filter: number): void {
  if (filter === 1 || filter === 4) for (let i = bpp; i < stride; i++) raw[row + i] = raw[row + i]! + raw[row + i - bpp]!;
  else if (filter === 3) for (let i = bpp; i < stride; i++) raw[row + i] = raw[row + i]! + (raw[row + i - bpp]! >> 1);
}
