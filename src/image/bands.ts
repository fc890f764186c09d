// A row kernel run over a banded raster as its bands decode: each band's output lands at its rows' place in one
// array, so the result is the kernel's over the whole image (the kernels take `firstRow` for the threshold phase).
import type { BandedRaster } from '../formats/raster.js';

/** A band as an image of its own rows. */
export interface BandImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint16Array;
}

/** `kernel(band, firstRow, into)` writes `bytesPerPixel` bytes per pixel of the band's rows into `into`. */
export async function overBands(
  source: BandedRaster,
  bytesPerPixel: number,
  kernel: (band: BandImage, firstRow: number, into: Uint8Array) => void,
): Promise<Uint8Array> {
  const row = bytesPerPixel * source.width;
  const out = new Uint8Array(row * source.height);
  for await (const band of source.bands()) {
    kernel({ width: source.width, height: band.rows, data: band.data }, band.firstRow, out.subarray(row * band.firstRow, row * (band.firstRow + band.rows)));
  }
  return out;
}
