import { decode, hasPngSignature, type DecodedPng } from 'fast-png';
import { InputError } from '../errors.js';
import { nodeBuiltins } from './node.js';
import type { ThresholdMap } from './thresholdMap.js';

const MAX_SIDE = 1024;

/**
 * A user threshold map: a greyscale PNG (8 or 16 bit grey, or RGB/RGBA with R = G = B; scale 2^depth) or a text
 * matrix (rows on lines, non-negative integers separated by spaces, tabs or commas, `#` comments; scale max + 1).
 * Pass `bytes` where there is no file system. Every problem is an InputError naming `path`.
 */
export function readThresholdMapFile(path: string, bytes?: Uint8Array): ThresholdMap {
  const data = bytes ?? readBytes(path);
  const name = `map:${path}`;
  if (hasPngSignature(data)) return fromPng(path, name, data);
  if (/\.png$/i.test(path)) throw new InputError(path, 'corrupt PNG (no PNG signature)');
  return fromText(path, name, data);
}

function readBytes(path: string): Uint8Array {
  const fs = nodeBuiltins()?.fs;
  if (!fs) throw new InputError(path, 'cannot read files here; pass the file contents as bytes');
  try {
    return fs.readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(path, 'no such file');
    if (code === 'EISDIR') throw new InputError(path, 'is a directory, not a threshold map file');
    throw new InputError(path, `cannot read threshold map file (${code ?? String(err)})`);
  }
}

function checkSize(path: string, width: number, height: number): void {
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw new InputError(path, `threshold map is ${width}x${height}; at most ${MAX_SIDE}x${MAX_SIDE} cells are supported`);
  }
}

function fromText(path: string, name: string, data: Uint8Array): ThresholdMap {
  const rows: number[][] = [];
  const lines = new TextDecoder().decode(data).split(/\r?\n/);
  lines.forEach((raw, lineIndex) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const row = line.split(/\s*,\s*|\s+/).map((token) => {
      const bad = (problem: string): never => {
        const shown = JSON.stringify(token.length > 20 ? `${token.slice(0, 20)}…` : token);
        throw new InputError(path, `line ${lineIndex + 1}: ${shown} ${problem}`);
      };
      if (token === '') bad('is an empty entry (two separators in a row?)');
      // Whole non-negative integers only: fractions or signs would silently change the map's meaning.
      if (!/^\d+$/.test(token)) bad('is not a non-negative integer');
      const v = Number(token);
      if (v >= 2 ** 32 - 1) bad('is too large (at most 2^32 - 2)');
      return v;
    });
    if (rows.length > 0 && row.length !== rows[0]!.length) {
      throw new InputError(path, `line ${lineIndex + 1} has ${row.length} entries but the first row has ${rows[0]!.length}; all rows must be the same length`);
    }
    rows.push(row);
    checkSize(path, row.length, rows.length);
  });
  if (rows.length === 0) throw new InputError(path, 'empty threshold matrix (no numbers, only blank lines or comments)');
  const values = Uint32Array.from(rows.flat());
  const scale = values.reduce((a, b) => Math.max(a, b), 0) + 1;
  return { name, size: [rows[0]!.length, rows.length, 1], values, scale };
}

function fromPng(path: string, name: string, data: Uint8Array): ThresholdMap {
  let png: DecodedPng;
  try {
    png = decode(data);
  } catch (err) {
    throw new InputError(path, `corrupt PNG (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
  const { width, height, depth, channels } = png;
  checkSize(path, width, height);
  if (png.palette) throw new InputError(path, 'PNG uses a colour palette; save it as 8- or 16-bit greyscale');
  if (depth !== 8 && depth !== 16) throw new InputError(path, `PNG is ${depth}-bit; save it as 8- or 16-bit greyscale`);
  const colour = channels >= 3;
  const alpha = channels === 2 || channels === 4;
  const max = 2 ** depth - 1;
  const values = new Uint32Array(width * height);
  for (let i = 0; i < values.length; i++) {
    const p = i * channels;
    const v = png.data[p]!;
    if (colour && (png.data[p + 1] !== v || png.data[p + 2] !== v)) {
      throw new InputError(path, `PNG is not greyscale (pixel ${i % width},${Math.floor(i / width)} has R, G, B differing)`);
    }
    // A threshold map has no use for transparency; refuse it rather than guess what it meant.
    if (alpha && png.data[p + channels - 1] !== max) {
      throw new InputError(path, `PNG has transparent pixels (first at ${i % width},${Math.floor(i / width)}); save it opaque`);
    }
    values[i] = v;
  }
  return { name, size: [width, height, 1], values, scale: max + 1 };
}
