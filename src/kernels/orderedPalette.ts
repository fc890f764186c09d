// Ordered dithering to a palette: the kernel's parameters, built once on the host for both backends, and the
// CPU reference that mirrors shaders/orderedPalette.wgsl operation for operation.
import { srgbToLinearTable, LINEAR_ONE } from '../color/transfer.js';
import type { ThresholdMap } from '../maps/thresholdMap.js';

/** An RGBA8 image, R first; alpha is ignored by this kernel. */
export interface Rgba8Image {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** Everything the kernel reads besides the pixels: integer tables, identical for both backends. */
export interface OrderedPaletteParams {
  readonly mapWidth: number;
  readonly mapHeight: number;
  /** Per map cell, the offset added to linear light, Q16. */
  readonly offsets: Int32Array;
  /** sRGB code → linear Q16. */
  readonly toLinear: Uint32Array;
  /** Palette in linear Q12, 4 lanes per colour (the 4th unused), as the GPU's vec4<i32> layout. */
  readonly palette: Int32Array;
  readonly paletteSize: number;
}

/**
 * Builds the tables. `spread` is the offset amplitude as a fraction of full scale: 1 means the threshold offsets
 * span the whole range, which makes 1-bit dithering mean-preserving in linear light.
 */
export function orderedPaletteParams(map: ThresholdMap, paletteRgb: Uint8Array, spread = 1): OrderedPaletteParams {
  if (map.size[2] !== 1) throw new RangeError(`${map.name} is a 3D map; 2D dithering needs a 2D one`);
  const toLinear = srgbToLinearTable(8);
  const offsets = new Int32Array(map.values.length);
  map.values.forEach((v, i) => {
    offsets[i] = Math.round(((v + 0.5) / map.scale - 0.5) * spread * LINEAR_ONE);
  });
  const size = paletteRgb.length / 3;
  const palette = new Int32Array(4 * size);
  for (let i = 0; i < size; i++) {
    for (let c = 0; c < 3; c++) palette[4 * i + c] = (toLinear[paletteRgb[3 * i + c] ?? 0] ?? 0) >> 4;
  }
  return { mapWidth: map.size[0], mapHeight: map.size[1], offsets, toLinear, palette, paletteSize: size };
}

/** Index of the nearest palette colour to linear Q12 (r,g,b); ties go to the lowest index. */
function nearest(params: OrderedPaletteParams, r: number, g: number, b: number): number {
  const pal = params.palette;
  let best = 0;
  let bestD = 0x7fffffff;
  for (let i = 0; i < params.paletteSize; i++) {
    const dr = r - (pal[4 * i] ?? 0);
    const dg = g - (pal[4 * i + 1] ?? 0);
    const db = b - (pal[4 * i + 2] ?? 0);
    const d = dr * dr + dg * dg + db * db;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

const clampQ16 = (v: number): number => (v < 0 ? 0 : v > 65535 ? 65535 : v);

/**
 * CPU reference: palette indices for rows [firstRow, firstRow + rows) of `image`, one byte per pixel.
 * `firstRow` only matters for the threshold phase; pixels are read from the start of `image.data`.
 */
export function orderedPalette(image: Rgba8Image, params: OrderedPaletteParams, firstRow = 0, rows = image.height): Uint8Array {
  const { width } = image;
  const src = image.data;
  const out = new Uint8Array(width * rows);
  const { toLinear, offsets, mapWidth, mapHeight } = params;
  for (let y = 0; y < rows; y++) {
    const rowBase = ((y + firstRow) % mapHeight) * mapWidth;
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const off = offsets[rowBase + (x % mapWidth)] ?? 0;
      const r = clampQ16((toLinear[src[4 * p] ?? 0] ?? 0) + off) >> 4;
      const g = clampQ16((toLinear[src[4 * p + 1] ?? 0] ?? 0) + off) >> 4;
      const b = clampQ16((toLinear[src[4 * p + 2] ?? 0] ?? 0) + off) >> 4;
      out[p] = nearest(params, r, g, b);
    }
  }
  return out;
}
