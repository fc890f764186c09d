// Turning a dithered image into bytes: an indexed (or grey/RGB) PNG by default, RGBA on request, or raw codes.
import { encodeIndexedPng, encodeRgbaPng } from '../formats/png.js';
import type { DitheredImage } from './ditherImage.js';
import { encodeLevelsPng } from './levels.js';

export type OutputFormat = 'png' | 'rgba' | 'raw';

/**
 * - png: palette mode → an indexed PNG at the smallest depth that fits (plus one transparent entry when pixels are
 *   transparent; RGBA when alpha was kept); levels mode → grey or RGB(A) at the smallest depth that fits.
 * - rgba: an 8-bit RGBA PNG of the colours the codes stand for.
 * - raw: the codes themselves — one index per pixel, or `channels` codes per pixel — with no header.
 */
export function encodeDithered(result: DitheredImage, format: OutputFormat = 'png'): Uint8Array {
  const { width, height } = result;
  if (result.mode === 'levels') {
    if (format === 'raw') return result.codes;
    if (format === 'png') return encodeLevelsPng(result);
    return encodeRgbaPng(width, height, levelsToRgba(result), 8);
  }
  if (format === 'raw') return result.indices;
  const colors = result.palette.colors;
  if (format === 'png' && !result.alpha) {
    if (result.transparentIndex === null) return encodeIndexedPng(width, height, result.indices, colors);
    const alpha = new Uint8Array(result.palette.size + 1).fill(255);
    alpha[result.palette.size] = 0;
    return encodeIndexedPng(width, height, result.indices, Uint8Array.from([...colors, 0, 0, 0]), alpha);
  }
  const rgba = new Uint8Array(4 * width * height);
  for (let p = 0; p < width * height; p++) {
    const i = result.indices[p]!;
    if (i === result.transparentIndex) continue; // transparent black
    rgba.set(colors.subarray(3 * i, 3 * i + 3), 4 * p);
    rgba[4 * p + 3] = result.alpha ? result.alpha[p]! : 255;
  }
  return encodeRgbaPng(width, height, rgba, 8);
}

function levelsToRgba(r: Extract<DitheredImage, { mode: 'levels' }>): Uint8Array {
  const scale = 255 / (2 ** r.depth - 1);
  const out = new Uint8Array(4 * r.width * r.height);
  const c = r.channels;
  for (let p = 0; p < r.width * r.height; p++) {
    const v = (k: number): number => Math.round(r.codes[c * p + k]! * scale);
    const grey = c <= 2;
    out[4 * p] = v(0);
    out[4 * p + 1] = grey ? v(0) : v(1);
    out[4 * p + 2] = grey ? v(0) : v(2);
    out[4 * p + 3] = c === 2 ? v(1) : c === 4 ? v(3) : 255;
  }
  return out;
}
