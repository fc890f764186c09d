// How the threaded CPU backend cuts work into tiles. Every kernel reads absolute coordinates (images: the row
// phase comes from firstRow; stacks: the layer from z, the row phase from y mod the map's height), so each tile's
// output is the matching slice of the single-threaded reference's output.

/** Rows [first, first + count). */
export interface RowRange {
  readonly first: number;
  readonly count: number;
}

/** Whole layers [layer, layer + layers) of a stack, or rows [row, row + rows) of one layer (layers = 1). */
export interface LayerPiece {
  readonly layer: number;
  readonly layers: number;
  readonly row: number;
  readonly rows: number;
}

/** Tiles per thread: more than one, so a slow tile (busy colours, a worker descheduled) does not stall the rest. */
export const TILES_PER_THREAD = 4;
/** Below this many pixels a tile costs more to post than to compute. */
export const MIN_TILE_PIXELS = 1 << 15;

/** `pieces` near-equal runs of [0, n), none empty. */
export function evenSplit(n: number, pieces: number): RowRange[] {
  const k = Math.max(1, Math.min(n, Math.floor(pieces)));
  const out: RowRange[] = [];
  for (let i = 0; i < k; i++) {
    const first = Math.floor((i * n) / k);
    const end = Math.floor(((i + 1) * n) / k);
    if (end > first) out.push({ first, count: end - first });
  }
  return out;
}

/** Row tiles of an image for `threads` workers. */
export function rowTiles(width: number, height: number, threads: number, minTile = MIN_TILE_PIXELS): RowRange[] {
  const bySize = Math.ceil((width * height) / minTile);
  return evenSplit(height, Math.max(1, Math.min(threads * TILES_PER_THREAD, bySize)));
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

/**
 * Pieces of a stack for `threads` workers: runs of whole layers when there are enough layers, otherwise row
 * ranges within each layer. A row range starts at a multiple of `rowUnit(layer)` rows: the layer's map height (so
 * y mod height is unchanged) and, for `wordVoxels` voxels packed per output word, enough rows that the range
 * starts on a word.
 */
export function layerPieces(
  width: number,
  height: number,
  count: number,
  threads: number,
  mapHeight: (layer: number) => number,
  wordVoxels = 1,
  minTile = MIN_TILE_PIXELS,
): LayerPiece[] {
  const target = Math.max(1, threads * TILES_PER_THREAD);
  const bySize = Math.max(1, Math.ceil((width * height * count) / minTile));
  const want = Math.min(target, bySize);
  if (count >= want || count === 0) {
    return evenSplit(count, want).map((r) => ({ layer: r.first, layers: r.count, row: 0, rows: height }));
  }
  const perLayer = Math.ceil(want / count);
  const wordRows = wordVoxels / gcd(width, wordVoxels);
  const out: LayerPiece[] = [];
  for (let layer = 0; layer < count; layer++) {
    const unit = lcm(mapHeight(layer), wordRows);
    const rows = Math.max(unit, Math.ceil(height / perLayer / unit) * unit);
    for (let row = 0; row < height; row += rows) out.push({ layer, layers: 1, row, rows: Math.min(rows, height - row) });
  }
  return out;
}
