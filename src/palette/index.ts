export { makePalette, paletteToHex, rgbToHex, MAX_PALETTE_COLORS, type Palette } from './palette.js';
export { getPreset, PRESET_NAMES } from './presets.js';
export {
  resolvePalette,
  parsePaletteFile,
  parseLockList,
  PALETTE_FILE_EXTENSIONS,
  type AutoPalette,
  type PaletteChoice,
  type ReadFile,
} from './parse.js';
export { formatPalette } from './write.js';
