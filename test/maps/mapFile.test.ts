import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode, type ImageData } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readThresholdMapFile, validateMap } from '../../src/maps/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ditherforge-mapfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, contents: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}
const png = (image: ImageData): Uint8Array => encode(image);

/** Expects an InputError whose one-line message starts with the file's path and matches `problem`. */
function expectError(path: string, problem: RegExp, bytes?: Uint8Array): void {
  let caught: unknown;
  try {
    readThresholdMapFile(path, bytes);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InputError);
  const message = (caught as InputError).message;
  expect(message.startsWith(`${path}: `), message).toBe(true);
  expect(message).toMatch(problem);
  expect(message).not.toContain('\n');
}

describe('text threshold maps', () => {
  it('reads rows of numbers, with scale = max + 1', () => {
    const path = file('m.txt', '0 2\n3 1\n');
    const m = readThresholdMapFile(path);
    expect(m).toEqual({ name: `map:${path}`, size: [2, 2, 1], values: Uint32Array.of(0, 2, 3, 1), scale: 4 });
    expect(validateMap(m)).toBe(m);
  });

  it('accepts spaces, tabs and commas, comments, blank lines and CRLF', () => {
    const text = '# my map\r\n\r\n 0,\t8, 2 ,10  # first row\r\n12 4 14 6\r\n\n# done\n';
    const m = readThresholdMapFile(file('mixed.csv', text));
    expect(m.size).toEqual([4, 2, 1]);
    expect(Array.from(m.values)).toEqual([0, 8, 2, 10, 12, 4, 14, 6]);
    expect(m.scale).toBe(15);
  });

  it('allows repeated values and a single cell', () => {
    expect(readThresholdMapFile(file('one.txt', '7')).scale).toBe(8);
    expect(Array.from(readThresholdMapFile(file('rep.txt', '1 1\n0 1')).values)).toEqual([1, 1, 0, 1]);
  });

  it('reads bytes passed in instead of the file system', () => {
    const m = readThresholdMapFile('virtual.txt', new TextEncoder().encode('1 0'));
    expect(m.name).toBe('map:virtual.txt');
    expect(Array.from(m.values)).toEqual([1, 0]);
  });

  it('names the file in every error', () => {
    expectError(join(dir, 'missing.txt'), /no such file/);
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    expectError(sub, /directory/);
    expectError(file('empty.txt', ''), /empty/);
    expectError(file('comments.txt', '# nothing\n\n   \n'), /empty/);
    expectError(file('ragged.txt', '0 1 2\n3 4\n'), /line 2 has 2 entries but the first row has 3/);
    expectError(file('word.txt', '0 1\n2 x\n'), /line 2: "x" is not a non-negative integer/);
    expectError(file('neg.txt', '0 -1\n'), /"-1" is not a non-negative integer/);
    expectError(file('frac.txt', '0 1.5\n'), /"1.5" is not a non-negative integer/);
    expectError(file('huge.txt', '0 99999999999\n'), /too large/);
    expectError(file('gap.csv', '0,,1\n'), /line 1: "" is an empty entry/);
    expectError(file('wide.txt', Array(1025).fill('0').join(' ')), /1025x1.*at most 1024x1024/);
    expectError(file('tall.txt', '0\n'.repeat(1025)), /1x1025.*at most 1024x1024/);
  });
});

describe('PNG threshold maps', () => {
  it('reads 8-bit greyscale with scale 256', () => {
    const path = file('g8.png', png({ width: 2, height: 2, data: Uint8Array.of(0, 64, 128, 255), channels: 1, depth: 8 }));
    const m = readThresholdMapFile(path);
    expect(m).toEqual({ name: `map:${path}`, size: [2, 2, 1], values: Uint32Array.of(0, 64, 128, 255), scale: 256 });
  });

  it('reads 16-bit greyscale with scale 65536', () => {
    const m = readThresholdMapFile(file('g16.png', png({ width: 3, height: 1, data: Uint16Array.of(0, 1000, 65535), channels: 1, depth: 16 })));
    expect(m.size).toEqual([3, 1, 1]);
    expect(Array.from(m.values)).toEqual([0, 1000, 65535]);
    expect(m.scale).toBe(65536);
  });

  it('reads RGB and opaque RGBA where R = G = B', () => {
    const rgb = png({ width: 2, height: 1, data: Uint8Array.of(10, 10, 10, 200, 200, 200), channels: 3, depth: 8 });
    expect(Array.from(readThresholdMapFile(file('rgb.png', rgb)).values)).toEqual([10, 200]);
    const rgba = png({ width: 2, height: 1, data: Uint8Array.of(10, 10, 10, 255, 200, 200, 200, 255), channels: 4, depth: 8 });
    expect(Array.from(readThresholdMapFile(file('rgba.png', rgba)).values)).toEqual([10, 200]);
  });

  it('finds a PNG by its signature, whatever the file is called', () => {
    const bytes = png({ width: 1, height: 1, data: Uint8Array.of(9), channels: 1, depth: 8 });
    expect(readThresholdMapFile(file('mask.dat', bytes)).scale).toBe(256);
  });

  it('names the file in every error', () => {
    const colour = png({ width: 2, height: 1, data: Uint8Array.of(10, 10, 10, 200, 100, 200), channels: 3, depth: 8 });
    expectError(file('colour.png', colour), /not greyscale \(pixel 1,0/);
    const clear = png({ width: 1, height: 1, data: Uint8Array.of(5, 128), channels: 2, depth: 8 });
    expectError(file('alpha.png', clear), /transparent/);
    const indexed = png({ width: 2, height: 1, data: Uint8Array.of(0, 1), channels: 1, depth: 8, palette: [[0, 0, 0], [255, 255, 255]] });
    expectError(file('palette.png', indexed), /palette/);
    const bilevel = png({ width: 8, height: 1, data: Uint8Array.of(0b10101010), channels: 1, depth: 1 });
    expectError(file('1bit.png', bilevel), /1-bit/);
    const good = png({ width: 4, height: 4, data: new Uint8Array(16), channels: 1, depth: 8 });
    expectError(file('truncated.png', good.subarray(0, 30)), /corrupt PNG/);
    expectError(file('scrambled.png', good.map((v, i) => (i > 40 ? v ^ 0x55 : v))), /corrupt PNG/);
    expectError(file('text.png', '0 1\n2 3\n'), /corrupt PNG/);
    const big = png({ width: 1025, height: 1, data: new Uint8Array(1025), channels: 1, depth: 8 });
    expectError(file('big.png', big), /1025x1.*at most 1024x1024/);
  });
});
