import { encode } from 'fast-png';
import { InputError } from '../errors.js';
import { paletteToHex, type Palette } from './palette.js';

/**
 * Serialises `p` in the format named by `path`'s extension, in a form parsePaletteFile reads back exactly:
 * .gpl (GIMP, 'Name:' from the palette name), .hex (lospec: rrggbb per line), .txt ('; ' header comment, then
 * #rrggbb per line), .png (size×1 8-bit RGB). Anything else is an InputError on `--palette-out`.
 */
export function formatPalette(p: Palette, path: string): Uint8Array {
  const ext = (/\.[^./\\]*$/.exec(path)?.[0] ?? '').toLowerCase();
  const hex = paletteToHex(p);
  const lines = (ls: string[]): Uint8Array => new TextEncoder().encode(ls.join('\n') + '\n');
  const name = p.name.replace(/[\r\n]+/g, ' ');
  switch (ext) {
    case '.gpl':
      return lines([
        'GIMP Palette',
        `Name: ${name}`,
        `Columns: ${Math.min(p.size, 16)}`,
        '#',
        ...hex.map((h, i) => {
          const c = [0, 1, 2].map((k) => String(p.colors[3 * i + k]).padStart(3));
          return `${c.join(' ')}\t${h}`;
        }),
      ]);
    case '.hex':
      return lines(hex.map((h) => h.slice(1)));
    case '.txt':
      return lines([`; ${name}: ${p.size} colours`, ...hex]);
    case '.png':
      return encode({ width: p.size, height: 1, channels: 3, depth: 8, data: p.colors });
    default:
      throw new InputError('--palette-out', `cannot write '${path}': use a .gpl, .hex, .txt or .png extension`);
  }
}
