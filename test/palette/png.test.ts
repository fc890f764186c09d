import { encode, type ImageData } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { paletteToHex, resolvePalette } from '../../src/palette/index.js';
import { asPalette, fakeFs, inputError } from './helpers.js';

const fromPng = (img: ImageData) => paletteToHex(asPalette(resolvePalette('p.png', fakeFs({ 'p.png': encode(img) }))));

describe('PNG palette extraction', () => {
  it('RGBA: distinct colours in raster order of first appearance, alpha ignored', () => {
    // 3×2: red, green, red / blue, green(transparent), white
    const data = Uint8Array.from([
      255, 0, 0, 255, 0, 255, 0, 255, 255, 0, 0, 255, 0, 0, 255, 255, 0, 255, 0, 0, 255, 255, 255, 128,
    ]);
    expect(fromPng({ width: 3, height: 2, channels: 4, depth: 8, data })).toEqual([
      '#ff0000',
      '#00ff00',
      '#0000ff',
      '#ffffff',
    ]);
  });

  it('16-bit RGB takes the high byte', () => {
    const data = Uint16Array.from([0x12ff, 0x3400, 0xfe01, 0x1200, 0x34ff, 0xfeff, 0xffff, 0, 0x00ff]);
    expect(fromPng({ width: 3, height: 1, channels: 3, depth: 16, data })).toEqual(['#1234fe', '#ff0000']);
  });

  it('16-bit grey + alpha', () => {
    const data = Uint16Array.from([0x8000, 0, 0x80ff, 0xffff, 0x0101, 0xffff]);
    expect(fromPng({ width: 3, height: 1, channels: 2, depth: 16, data })).toEqual(['#808080', '#010101']);
  });

  it('indexed (palette) PNGs at 8 and 2 bits', () => {
    const palette = [
      [10, 20, 30],
      [40, 50, 60],
      [70, 80, 90],
      [100, 110, 120],
    ];
    // 8-bit indices, 3×2: 2 0 2 / 3 3 0; entry 1 unused so it must not appear.
    expect(fromPng({ width: 3, height: 2, channels: 1, depth: 8, palette, data: Uint8Array.from([2, 0, 2, 3, 3, 0]) })).toEqual(
      ['#46505a', '#0a141e', '#646e78'],
    );
    // 2-bit indices, 5×2 packed MSB-first, each row byte-aligned: row0 = 3 1 0 1 3, row1 = 2 2 2 2 2.
    const row0 = [(3 << 6) | (1 << 4) | (0 << 2) | 1, 3 << 6];
    const row1 = [0b10101010, 0b10 << 6];
    expect(
      fromPng({ width: 5, height: 2, channels: 1, depth: 2, palette, data: Uint8Array.from([...row0, ...row1]) }),
    ).toEqual(['#646e78', '#28323c', '#0a141e', '#46505a']);
  });

  it('sub-byte greyscale is scaled to 0..255', () => {
    // 1-bit, 10×1: 1 0 ... → white, black
    expect(fromPng({ width: 10, height: 1, channels: 1, depth: 1, data: Uint8Array.from([0b10000000, 0]) })).toEqual([
      '#ffffff',
      '#000000',
    ]);
    // 4-bit, 3×1: 0x5, 0xf, 0x0 → 0x55, 0xff, 0x00
    expect(fromPng({ width: 3, height: 1, channels: 1, depth: 4, data: Uint8Array.from([0x5f, 0x00]) })).toEqual([
      '#555555',
      '#ffffff',
      '#000000',
    ]);
  });

  it('an image with 256 distinct colours is fine; 257 is an error naming the file', () => {
    const grey = (n: number) => Uint8Array.from({ length: n * 3 }, (_, i) => Math.floor(i / 3) % 256);
    expect(fromPng({ width: 256, height: 1, channels: 3, depth: 8, data: grey(256) })).toHaveLength(256);
    const data = Uint8Array.from([...grey(256), 1, 2, 3]);
    const fs = fakeFs({ 'big.png': encode({ width: 257, height: 1, channels: 3, depth: 8, data }) });
    expect(inputError(() => resolvePalette('big.png', fs), 'big.png')).toContain('more than 256 distinct colours');
  });

  it('a file that is not a PNG names the file', () => {
    const fs = fakeFs({ 'junk.png': 'not a png at all' });
    expect(inputError(() => resolvePalette('junk.png', fs), 'junk.png')).toContain('not a readable PNG');
  });
});
