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
