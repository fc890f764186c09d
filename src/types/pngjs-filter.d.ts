// pngjs 7 keeps its row unfiltering in an internal module without typings. decodePng inflates the image data
// itself (once, natively, with its own limits) and needs only this step of pngjs's decoder.
declare module 'pngjs/lib/filter-parse-sync.js' {
  interface BitmapInfo {
    width: number;
    height: number;
    interlace: boolean;
    /** Samples per pixel. */
    bpp: number;
    depth: number;
  }
  /** Inflated scanlines (filter byte + row, Adam7 passes in turn) → the rows unfiltered, concatenated. */
  function process(inflated: Buffer, info: BitmapInfo): Buffer;
  const filterSync: { process: typeof process };
  export default filterSync;
}
