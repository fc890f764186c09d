import { deflateSync } from 'node:zlib';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { DEFAULT_MAX_PIXELS, decodePng, encodeIndexedPng, readPngHeader } from '../../src/formats/index.js';
import { makeChunk, PNG_SIGNATURE } from '../../src/formats/pngChunks.js';
import { concat, craft, ihdr, samples } from './helpers.js';

/** Asserts `fn` throws a one-line InputError naming `name`, and returns its message. */
function inputError(fn: () => unknown, name: string): string {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InputError);
  const message = (caught as Error).message;
  expect(message.startsWith(`${name}: `)).toBe(true);
  expect(message).not.toContain('\n');
  return message;
}

const rgb = encode({ width: 9, height: 7, data: Uint8Array.from(samples(9 * 7 * 3, 256)), channels: 3 });
const indexed = encodeIndexedPng(9, 7, Uint8Array.from(samples(63, 5)), Uint8Array.from(samples(15, 256)), Uint8Array.of(0, 9, 255, 255, 3));

describe('not a usable PNG', () => {
  it('0-byte file', () => {
    expect(inputError(() => decodePng(new Uint8Array(), 'empty.png'), 'empty.png')).toBe('empty.png: empty file');
  });

  it('a text file', () => {
    const text = new TextEncoder().encode('hello, this is not an image\n');
    expect(inputError(() => decodePng(text, 'notes.txt'), 'notes.txt')).toBe('notes.txt: not a PNG image (bad signature)');
  });

  for (const [label, png] of [['rgb', rgb], ['indexed with tRNS', indexed]] as const) {
    it(`${label} truncated at every offset`, () => {
      const messages = new Set<string>();
      for (let cut = 0; cut < png.length; cut++) messages.add(inputError(() => decodePng(png.subarray(0, cut), 'cut.png'), 'cut.png'));
      expect(messages).toContain('cut.png: truncated PNG (file ends before IEND)');
      expect([...messages].some((m) => m.includes('truncated PNG header'))).toBe(true);
    });

    it(`${label} with any single byte corrupted`, () => {
      for (let at = 0; at < png.length; at++) {
        const bad = png.slice();
        bad[at]! ^= 0x10;
        inputError(() => decodePng(bad, 'flip.png'), 'flip.png');
      }
    });
  }

  const W = 6, H = 4, ROW = 1 + W * 3;
  const header = ihdr(W, H, 8, 2);
  const raw = new Uint8Array(ROW * H).map((_, i) => (i % ROW === 0 ? 0 : i));
  const cases: [string, Uint8Array, RegExp][] = [
    ['image data one byte short (inside the last row)', craft(header, raw.subarray(0, raw.length - 1)), /image data is 1 bytes short/],
    ['image data a row short', craft(header, raw.subarray(0, raw.length - ROW)), /short/],
    ['more image data than the size allows', craft(header, concat(raw, new Uint8Array(ROW))), /more image data/],
    ['zlib stream cut short (chunk itself consistent)', craft(header, raw, [], deflateSync(raw).subarray(0, 10)), /image data/],
    ['bad zlib checksum', craft(header, raw, [], deflateSync(raw).map((b, i, a) => (i === a.length - 1 ? b ^ 1 : b))), /image data/],
    ['not zlib at all', craft(header, raw, [], Uint8Array.of(1, 2, 3, 4, 5, 6)), /image data/],
    ['no IDAT', concat(PNG_SIGNATURE, header, makeChunk('IEND', new Uint8Array())), /no image data/],
    ['indexed without PLTE', craft(ihdr(W, H, 8, 3), new Uint8Array((W + 1) * H)), /without a palette/],
    ['palette index past the palette', craft(ihdr(2, 1, 8, 3), Uint8Array.of(0, 0, 2), [makeChunk('PLTE', new Uint8Array(6))]), /palette entry 2/],
    ['bit depth not allowed for the colour type', craft(ihdr(W, H, 4, 2), raw), /bit depth 4/],
    ['zero width', craft(ihdr(0, H, 8, 2), raw), /dimensions 0x4/],
    ['absurd height', craft(ihdr(W, 2 ** 31, 8, 2), raw), /dimensions/],
    ['first chunk is not IHDR', concat(PNG_SIGNATURE, makeChunk('IDAT', new Uint8Array(13)), makeChunk('IEND', new Uint8Array())), /not IHDR/],
  ];
  for (const [label, png, pattern] of cases) {
    it(label, () => {
      expect(inputError(() => decodePng(png, 'x.png'), 'x.png')).toMatch(pattern);
    });
  }

  it('the crafted files are otherwise sound: the complete one decodes', () => {
    expect(decodePng(craft(header, raw), 'ok.png').data.length).toBe(W * H * 4);
  });
});

describe('pixel limit', () => {
  it('a 100000x100000 header is refused before anything is allocated', () => {
    const png = craft(ihdr(100_000, 100_000, 16, 6), new Uint8Array(10));
    const start = performance.now();
    const message = inputError(() => decodePng(png, 'huge.png'), 'huge.png');
    expect(performance.now() - start).toBeLessThan(500);
    expect(message).toContain('--max-pixels');
    expect(message).toContain('100000x100000');
    expect(readPngHeader(png, 'huge.png')).toMatchObject({ width: 100_000, height: 100_000 });
  });

  it('defaults to 16384²', () => {
    expect(DEFAULT_MAX_PIXELS).toBe(16384 * 16384);
    const over = craft(ihdr(16384, 16385, 8, 0), new Uint8Array(1));
    expect(inputError(() => decodePng(over, 'big.png'), 'big.png')).toContain('--max-pixels');
  });

  it('maxPixels is inclusive and can be lowered', () => {
    const png = encode({ width: 10, height: 10, data: new Uint8Array(100), channels: 1 });
    expect(decodePng(png, 's.png', { maxPixels: 100 }).width).toBe(10);
    expect(inputError(() => decodePng(png, 's.png', { maxPixels: 99 }), 's.png')).toContain('--max-pixels');
  });

  it('a raised limit is honoured: the header passes and the (missing) data is what fails', () => {
    const png = craft(ihdr(3000, 3000, 8, 0), new Uint8Array(10));
    expect(inputError(() => decodePng(png, 'l.png', { maxPixels: 1_000_000 }), 'l.png')).toContain('--max-pixels');
    const message = inputError(() => decodePng(png, 'l.png', { maxPixels: 10_000_000 }), 'l.png');
    expect(message).not.toContain('--max-pixels');
    expect(message).toMatch(/short/);
  });
});
