/** Colour types as PNG names them (IHDR colour type 0, 4, 2, 6, 3). */
export type PngColorType = 'grey' | 'grey-alpha' | 'rgb' | 'rgba' | 'indexed';

/** A decoded image, always normalised to RGBA. 8-bit sources give Uint8Array, 16-bit sources Uint16Array. */
export interface Raster {
  readonly width: number;
  readonly height: number;
  readonly depth: 8 | 16;
  /** RGBA interleaved, length 4*width*height. */
  readonly data: Uint8Array | Uint16Array;
  /** The source had an alpha channel or tRNS. */
  readonly hasAlpha: boolean;
  readonly source: { bitDepth: number; colorType: PngColorType };
}

/** Rows [firstRow, firstRow + rows) of a banded raster, RGBA interleaved like Raster.data. */
export interface RasterBand {
  readonly firstRow: number;
  readonly rows: number;
  readonly data: Uint8Array | Uint16Array;
}

/**
 * A raster that can be read band by band as it decodes (so a kernel can start on the first rows while the rest
 * inflate on another thread), or whole. One reading per raster: `bands()` or `whole()`, once (a raster opened from
 * a file keeps its descriptor until then).
 */
export interface BandedRaster extends Omit<Raster, 'data'> {
  /** The bands, top to bottom. A band's data is valid only until the next band is asked for (its memory is reused). */
  bands(): AsyncIterable<RasterBand>;
  /** The whole image at once. */
  whole(): Raster;
}

export function isBanded(image: object): image is BandedRaster {
  return typeof (image as Partial<BandedRaster>).bands === 'function';
}
