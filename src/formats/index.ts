export { isBanded, type BandedRaster, type PngColorType, type Raster, type RasterBand } from './raster.js';
export { pngBands, type BandOptions } from './pngBands.js';
export { openPng, type FileBandOptions } from './pngFile.js';
export {
  DEFAULT_MAX_PIXELS,
  decodePng,
  encodeGreyPng,
  encodeIndexedPng,
  encodeRgbaPng,
  readPngHeader,
  type DecodeOptions,
  type PngHeader,
} from './png.js';
export { readInputFile, writeFileAtomic } from './atomicWrite.js';
