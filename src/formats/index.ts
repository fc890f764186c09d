export type { PngColorType, Raster } from './raster.js';
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
