export { type ThresholdMap, thresholdAt, validateMap } from './thresholdMap.js';
export { bayer } from './bayer.js';
export { blueNoise, generateBlueNoise, clearBlueNoiseMemo, blueNoiseCachePath, BLUE_NOISE_VERSION } from './blueNoise.js';
export { readThresholdMapFile } from './mapFile.js';
export { parseMethod, METHOD_HELP } from './catalogue.js';
