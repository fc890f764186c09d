import { InputError } from '../errors.js';
import { bayer } from './bayer.js';
import { blueNoise } from './blueNoise.js';
import { readThresholdMapFile } from './mapFile.js';
import type { ThresholdMap } from './thresholdMap.js';

/** One line for --help. */
export const METHOD_HELP =
  'bayerN (N = 2..256), bayerWxH (e.g. bayer8x4), bayer3dN or bayer3dWxHxD (e.g. bayer3d16x16x4), ' +
  'bluenoise64|128|256, bluenoise3d (32^3) or bluenoise3dN (N = 16|32|64), map:FILE (text matrix or greyscale PNG)';

const OPTION = '--method';

/**
 * Parses a --method value into its threshold map. Names are case-insensitive, except the FILE of map:FILE.
 * Every generated map's `name` parses back to the same map.
 */
export function parseMethod(spec: string): ThresholdMap {
  const trimmed = spec.trim();
  if (/^map:/i.test(trimmed)) {
    const file = trimmed.slice(4);
    if (file === '') throw new InputError(OPTION, 'map: needs a file name, e.g. map:mask.png');
    return readThresholdMapFile(file);
  }
  const m = /^(bayer|bluenoise)(3d)?(\d+(?:x\d+)*)?$/.exec(trimmed.toLowerCase());
  const sizes = m?.[3]?.split('x').map(Number) ?? [];
  const d3 = m?.[2] !== undefined;
  if (m?.[1] === 'bayer') {
    if (!d3 && sizes.length === 1) return bayer([sizes[0]!, sizes[0]!], OPTION);
    if (!d3 && sizes.length === 2) return bayer(sizes, OPTION);
    if (d3 && sizes.length === 1) return bayer([sizes[0]!, sizes[0]!, sizes[0]!], OPTION);
    if (d3 && sizes.length === 3) return bayer(sizes, OPTION);
  } else if (m?.[1] === 'bluenoise') {
    if (!d3 && sizes.length === 1) return blueNoise([sizes[0]!, sizes[0]!], OPTION);
    if (!d3 && sizes.length === 2) return blueNoise(sizes, OPTION);
    if (d3 && sizes.length === 0) return blueNoise([32, 32, 32], OPTION);
    if (d3 && sizes.length === 1) return blueNoise([sizes[0]!, sizes[0]!, sizes[0]!], OPTION);
    if (d3 && sizes.length === 3) return blueNoise(sizes, OPTION);
  }
  throw new InputError(OPTION, `unknown method ${JSON.stringify(spec)}; expected one of ${METHOD_HELP}`);
}
