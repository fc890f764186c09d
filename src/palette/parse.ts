// Turning a `--palette` argument or a palette file into a Palette. Formats and rules are in the JSDoc of
// resolvePalette and parsePaletteFile; every failure is a one-line InputError naming the file or the option.
import * as fs from 'node:fs';
import { decode, type DecodedPng } from 'fast-png';
import { InputError } from '../errors.js';
import { MAX_PALETTE_COLORS, makePalette, type Palette } from './palette.js';
import { getPreset, PRESET_NAMES } from './presets.js';

/** `auto:N`: the caller computes N colours from the image. */
export interface AutoPalette {
  readonly auto: number;
}
export type PaletteChoice = Palette | AutoPalette;
/** Reads a whole file. A missing path must throw an error whose `code` is 'ENOENT' (as node:fs does). */
export type ReadFile = (path: string) => Uint8Array;

export const PALETTE_FILE_EXTENSIONS: readonly string[] = ['.gpl', '.hex', '.txt', '.png'];

// Codes that mean "this spec is not a file", so resolution moves on to inline colours.
const NOT_A_FILE = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'EINVAL', 'ERR_INVALID_ARG_VALUE']);
const HEX_COLOR = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i;

/**
 * Resolves a `--palette` value. Precedence: preset name (case-insensitive), then `auto:N` (2 ≤ N ≤ 256), then an
 * existing file (format by extension), then inline colours (`#rrggbb` / `#rgb`, '#' optional, separated by commas
 * and/or spaces). A spec that is none of these gets an error naming the file (if it looks like a path) or `--palette`.
 */
export function resolvePalette(spec: string, readFile: ReadFile = (p) => fs.readFileSync(p)): PaletteChoice {
  const s = spec.trim();
  if (s === '') throw new InputError('--palette', 'empty palette');
  const preset = getPreset(s);
  if (preset) return preset;
  if (/^auto:/i.test(s)) return { auto: parseAuto(s) };
  const bytes = tryRead(spec, readFile);
  if (bytes) return parsePaletteFile(spec, bytes);
  if (/[\\/]/.test(s) || /\.[a-z0-9]+$/i.test(s)) throw new InputError(spec, 'cannot read file: no such file');
  if (!/[#,\s]/.test(s) && !/^[0-9a-f]+$/i.test(s)) {
    throw new InputError(
      '--palette',
      `unknown palette '${clip(s)}': not a preset (${PRESET_NAMES.join(', ')}), auto:N, a file or a list of #rrggbb colours`,
    );
  }
  return makePalette('inline', parseColorList(s, '--palette'), '--palette');
}

/** `--lock "#000000,#ffffff"`: RGB triplets, same syntax as inline palettes. */
export function parseLockList(spec: string): Uint8Array {
  return Uint8Array.from(parseColorList(spec, '--lock'));
}

/**
 * Parses palette file contents; the format comes from the extension of `path` (case-insensitive):
 * - .gpl: first non-blank line `GIMP Palette`; then blank lines, `#` comments and `Name:` / `Columns:` lines are
 *   skipped, and every other line is `R G B [name]` (decimal 0..255, whitespace-separated).
 * - .hex: one `rrggbb` per line ('#' optional); blank lines skipped; nothing else allowed.
 * - .txt: per line, text from ';' on is a comment, and a line starting with '#' followed by whitespace (or alone)
 *   is a comment; otherwise the line is one colour: `#rrggbb`, `rrggbb`, `#rgb`, paint.net `AARRGGBB`
 *   (alpha ignored), or three decimals `r g b` / `r,g,b`.
 * - .png: every distinct pixel colour in order of first appearance in raster order; alpha ignored; 16-bit samples
 *   use the high byte, sub-byte greys are scaled to 0..255; more than 256 distinct colours is an error.
 * The palette is named after the file's base name.
 */
export function parsePaletteFile(path: string, bytes: Uint8Array): Palette {
  const ext = (/\.[^./\\]*$/.exec(path)?.[0] ?? '').toLowerCase();
  const name = path.split(/[\\/]/).pop() || path;
  if (ext === '.png') return parsePng(path, name, bytes);
  const parseLine = LINE_PARSERS[ext];
  if (!parseLine) {
    throw new InputError(path, `unknown palette format '${ext || '(no extension)'}'; use ${PALETTE_FILE_EXTENSIONS.join(', ')}`);
  }
  const lines = new TextDecoder().decode(bytes).split(/\r\n|\r|\n/);
  const out = new Collector(path);
  let first = true;
  lines.forEach((line, i) => {
    const rgb = parseLine(line, first, i + 1, path);
    if (line.trim() !== '') first = false;
    if (rgb) out.add(i + 1, rgb);
  });
  if (ext === '.gpl' && first) throw new InputError(path, "line 1: missing 'GIMP Palette' header");
  return out.finish(name);
}

type Rgb = [number, number, number];
/** Returns the line's colour, undefined for a line that holds none, or throws. */
type LineParser = (line: string, firstNonBlank: boolean, lineNo: number, path: string) => Rgb | undefined;

const LINE_PARSERS: Readonly<Record<string, LineParser>> = {
  '.gpl': (line, first, n, path) => {
    const t = line.trim();
    if (t === '') return undefined;
    if (first) {
      if (t !== 'GIMP Palette') throw new InputError(path, `line ${n}: missing 'GIMP Palette' header`);
      return undefined;
    }
    if (t.startsWith('#') || /^(name|columns)\s*:/i.test(t)) return undefined;
    const m = /^(\d+)\s+(\d+)\s+(\d+)(\s.*)?$/.exec(t);
    if (!m) throw new InputError(path, `line ${n}: expected 'R G B [name]', got '${clip(t)}'`);
    return [Number(m[1]), Number(m[2]), Number(m[3])];
  },
  '.hex': (line, _first, n, path) => {
    const t = line.trim();
    if (t === '') return undefined;
    const rgb = /^#?[0-9a-f]{6}$/i.test(t) ? parseHexColor(t) : undefined;
    if (!rgb) throw new InputError(path, `line ${n}: bad hex colour '${clip(t)}', expected rrggbb`);
    return rgb;
  },
  '.txt': (line, _first, n, path) => {
    const t = line.replace(/;.*$/, '').trim();
    if (t === '' || /^#(\s|$)/.test(t)) return undefined;
    if (/^[0-9a-f]{8}$/i.test(t)) return parseHexColor(t.slice(2)); // paint.net AARRGGBB
    // Bare 3-digit hex is refused here: '255' alone is far more likely a broken 'r g b' line than #225555.
    const hex = /^[0-9a-f]{3}$/i.test(t) ? undefined : parseHexColor(t);
    if (hex) return hex;
    const parts = t.split(/\s*,\s*|\s+/);
    if (parts.length === 3 && parts.every((p) => /^\d+$/.test(p))) return parts.map(Number) as Rgb;
    throw new InputError(path, `line ${n}: bad colour '${clip(t)}', expected #rrggbb, rrggbb, AARRGGBB or 'r g b'`);
  },
};

/** Accumulates colours, enforcing 0..255 components and the 256-colour limit with the offending line. */
class Collector {
  private readonly rgb: number[] = [];
  constructor(private readonly path: string) {}

  add(lineNo: number, rgb: Rgb): void {
    const bad = rgb.find((v) => v > 255);
    if (bad !== undefined) throw new InputError(this.path, `line ${lineNo}: component ${bad} is greater than 255`);
    if (this.rgb.length === 3 * MAX_PALETTE_COLORS) {
      throw new InputError(this.path, `line ${lineNo}: more than ${MAX_PALETTE_COLORS} colours`);
    }
    this.rgb.push(...rgb);
  }

  finish(name: string): Palette {
    if (this.rgb.length === 0) throw new InputError(this.path, 'no colours found');
    return makePalette(name, this.rgb, this.path);
  }
}

function parsePng(path: string, name: string, bytes: Uint8Array): Palette {
  let img: DecodedPng;
  try {
    img = decode(bytes);
  } catch (err) {
    throw new InputError(path, `not a readable PNG (${firstLine(err)})`);
  }
  const pixel = pngPixelReader(path, img);
  const seen = new Set<number>();
  const rgb: number[] = [];
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const [r, g, b] = pixel(x, y);
      const key = (r << 16) | (g << 8) | b;
      if (seen.has(key)) continue;
      if (seen.size === MAX_PALETTE_COLORS) {
        throw new InputError(path, `more than ${MAX_PALETTE_COLORS} distinct colours (found at pixel ${x},${y})`);
      }
      seen.add(key);
      rgb.push(r, g, b);
    }
  }
  if (rgb.length === 0) throw new InputError(path, 'no colours found');
  return makePalette(name, rgb, path);
}

/** 8-bit RGB of pixel (x, y) for any PNG colour type and bit depth that fast-png returns un-expanded. */
function pngPixelReader(path: string, img: DecodedPng): (x: number, y: number) => Rgb {
  const { width, depth, channels, data, palette } = img;
  const max = (1 << depth) - 1;
  // Below 8 bits there is one channel (grey or index), packed MSB-first with each row starting on a byte.
  const stride = Math.ceil((width * channels * depth) / 8);
  const raw = (x: number, y: number, c: number): number => {
    if (depth >= 8) return data[(y * width + x) * channels + c]!;
    const bit = x * depth;
    return (data[y * stride + (bit >> 3)]! >> (8 - depth - (bit & 7))) & max;
  };
  const to8 = (v: number): number => (depth === 16 ? v >> 8 : depth === 8 ? v : Math.round((v * 255) / max));
  if (channels === 1 && palette) {
    return (x, y) => {
      const i = raw(x, y, 0);
      const e = palette[i];
      if (!e) throw new InputError(path, `pixel ${x},${y} uses palette index ${i} but PLTE has ${palette.length}`);
      return [e[0]!, e[1]!, e[2]!];
    };
  }
  if (channels <= 2) {
    return (x, y) => {
      const v = to8(raw(x, y, 0));
      return [v, v, v];
    };
  }
  return (x, y) => [to8(raw(x, y, 0)), to8(raw(x, y, 1)), to8(raw(x, y, 2))];
}

function parseAuto(s: string): number {
  const m = /^auto:(\d+)$/i.exec(s);
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 2 && n <= MAX_PALETTE_COLORS)) {
    throw new InputError('--palette', `'${clip(s)}': auto:N needs an integer N in 2..${MAX_PALETTE_COLORS}`);
  }
  return n;
}

/** Inline list: `#rrggbb` / `#rgb` tokens ('#' optional) separated by commas and/or whitespace. */
function parseColorList(spec: string, label: string): number[] {
  const tokens = spec.split(/[\s,]+/).filter((t) => t !== '');
  if (tokens.length === 0) throw new InputError(label, 'no colours given');
  if (tokens.length > MAX_PALETTE_COLORS) {
    throw new InputError(label, `${tokens.length} colours given; at most ${MAX_PALETTE_COLORS} are allowed`);
  }
  return tokens.flatMap((t, i) => {
    const rgb = parseHexColor(t);
    if (!rgb) throw new InputError(label, `colour ${i + 1}: bad hex colour '${clip(t)}', expected #rrggbb or #rgb`);
    return rgb;
  });
}

function parseHexColor(token: string): Rgb | undefined {
  const m = HEX_COLOR.exec(token);
  if (!m) return undefined;
  const h = m[1]!.length === 3 ? m[1]!.replace(/./g, '$&$&') : m[1]!;
  const v = parseInt(h, 16);
  return [v >> 16, (v >> 8) & 255, v & 255];
}

function tryRead(path: string, readFile: ReadFile): Uint8Array | undefined {
  try {
    return readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && NOT_A_FILE.has(code)) return undefined;
    throw new InputError(path, `cannot read file (${typeof code === 'string' ? code : firstLine(err)})`);
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

/** Keeps echoed user text short and on one line. */
function clip(s: string): string {
  const one = s.replace(/[\r\n\t]/g, ' ');
  return one.length > 40 ? one.slice(0, 37) + '...' : one;
}
