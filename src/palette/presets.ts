import { InputError } from '../errors.js';
import { makePalette, type Palette } from './palette.js';

const WEBSAFE_LEVELS = ['00', '33', '66', '99', 'cc', 'ff'];

// The one generated table entry: 6x6x6 cube, red the slowest-varying channel.
const WEBSAFE = WEBSAFE_LEVELS.flatMap((r) => WEBSAFE_LEVELS.flatMap((g) => WEBSAFE_LEVELS.map((b) => r + g + b)));

// IBM RGBI colours with the brown fix at index 6; the default EGA palette maps its 16 entries to exactly these.
const CGA16 = [
  '000000', '0000aa', '00aa00', '00aaaa', 'aa0000', 'aa00aa', 'aa5500', 'aaaaaa',
  '555555', '5555ff', '55ff55', '55ffff', 'ff5555', 'ff55ff', 'ffff55', 'ffffff',
];

const PRESET_TABLE: Readonly<Record<string, readonly string[]>> = {
  bw: ['000000', 'ffffff'],
  cga: CGA16,
  // Mode 4, palette 1, high intensity: background black, then light cyan, light magenta, white.
  cga4: ['000000', '55ffff', 'ff55ff', 'ffffff'],
  ega16: CGA16,
  gameboy: ['0f380f', '306230', '8bac0f', '9bbc0f'],
  pico8: [
    '000000', '1d2b53', '7e2553', '008751', 'ab5236', '5f574f', 'c2c3c7', 'fff1e8',
    'ff004d', 'ffa300', 'ffec27', '00e436', '29adff', '83769c', 'ff77a8', 'ffccaa',
  ],
  websafe: WEBSAFE,
};

const GRAYS = /^grays-(\d+)$/;

/** For help text. `grays-N` stands for the family grays-2 … grays-256. */
export const PRESET_NAMES: readonly string[] = Object.freeze([...Object.keys(PRESET_TABLE), 'grays-N']);

/**
 * The preset called `name` (case-insensitive), or undefined when it is not one. `grays-N` with N outside 2..256 is an
 * error rather than undefined, since the user clearly meant the family.
 */
export function getPreset(name: string): Palette | undefined {
  const key = name.trim().toLowerCase();
  if (Object.hasOwn(PRESET_TABLE, key)) {
    const rgb = PRESET_TABLE[key]!.flatMap((h) => [0, 2, 4].map((o) => parseInt(h.slice(o, o + 2), 16)));
    return makePalette(key, rgb, '--palette');
  }
  const m = GRAYS.exec(key);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (n < 2 || n > 256) throw new InputError('--palette', `'${name}': grays-N needs N in 2..256`);
  return grays(n);
}

/** N greys evenly spaced in sRGB code values, endpoints 0 and 255; strictly increasing since the step is ≥ 1. */
function grays(n: number): Palette {
  const rgb: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = Math.round((i * 255) / (n - 1));
    rgb.push(v, v, v);
  }
  return makePalette(`grays-${n}`, rgb, '--palette');
}
