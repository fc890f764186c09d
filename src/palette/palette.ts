import { InputError } from '../errors.js';

/** A fixed palette: up to 256 sRGB colours, in the order the user gave them (indices matter for indexed output). */
export interface Palette {
  /** Where it came from: a preset name, a file's base name, or 'inline'. */
  readonly name: string;
  /** sRGB 8-bit RGB triplets, length 3*size. */
  readonly colors: Uint8Array;
  /** 1..256. */
  readonly size: number;
}

export const MAX_PALETTE_COLORS = 256;

/**
 * Validates and copies `rgb` (RGB triplets of integers 0..255, 1..256 colours). Duplicates are kept: a palette file's
 * order and length are the user's to choose. `input` labels errors (defaults to `name`).
 */
export function makePalette(name: string, rgb: ArrayLike<number>, input: string = name): Palette {
  if (rgb.length === 0) throw new InputError(input, 'palette has no colours');
  if (rgb.length % 3 !== 0) throw new InputError(input, `palette data length ${rgb.length} is not a multiple of 3`);
  const size = rgb.length / 3;
  if (size > MAX_PALETTE_COLORS) {
    throw new InputError(input, `palette has ${size} colours; at most ${MAX_PALETTE_COLORS} are allowed`);
  }
  const colors = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) {
    const v = rgb[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 255) {
      throw new InputError(input, `colour ${Math.floor(i / 3) + 1}: component ${v} is not an integer 0..255`);
    }
    colors[i] = v;
  }
  return Object.freeze({ name, colors, size });
}

/** '#rrggbb' (lower case) for each colour. */
export function paletteToHex(p: Palette): string[] {
  const out: string[] = [];
  for (let i = 0; i < p.size; i++) out.push(rgbToHex(p.colors[3 * i]!, p.colors[3 * i + 1]!, p.colors[3 * i + 2]!));
  return out;
}

export function rgbToHex(r: number, g: number, b: number): string {
  return '#' + (((r << 16) | (g << 8) | b) >>> 0).toString(16).padStart(6, '0');
}
