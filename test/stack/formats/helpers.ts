// Test-only fixtures for the stack formats: PNGs crafted from the spec (every row filter) or by fast-png's
// encoder, temp directories, and an SL1-like archive built with fflate. Nothing here uses the code under test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { encode } from 'fast-png';
import { afterAll } from 'vitest';
import { makeChunk, PNG_SIGNATURE } from '../../../src/formats/pngChunks.js';
import { concat } from '../../formats/helpers.js';

/** A fresh temp directory, removed after the file's tests. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stackfmt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export { randomInts as samples } from '../../helpers/random.js';

/** An 8-bit grey PNG by fast-png's encoder. */
export function greyPng8(width: number, height: number, grey: ArrayLike<number>): Uint8Array {
  return encode({ width, height, channels: 1, depth: 8, data: Uint8Array.from(grey) });
}

/**
 * A non-interlaced grey PNG of `depth` bits from one sample per pixel, row y filtered with filters[y % n]
 * (the spec's forward filters, written out independently of any decoder).
 */
export function filteredGreyPng(width: number, height: number, depth: 1 | 2 | 4 | 8 | 16, values: number[], filters: number[]): Uint8Array {
  const stride = Math.ceil((width * depth) / 8);
  const bpp = Math.max(1, depth / 8);
  const rows: Uint8Array[] = [];
  for (let y = 0; y < height; y++) {
    const row = new Uint8Array(stride);
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x]!;
      if (depth === 16) {
        row[2 * x] = v >> 8;
        row[2 * x + 1] = v & 255;
      } else if (depth === 8) row[x] = v;
      else row[(x * depth) >> 3]! |= v << (8 - depth - ((x * depth) & 7));
    }
    rows.push(row);
  }
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length]!;
    raw[y * (stride + 1)] = f;
    const cur = rows[y]!, prev = rows[y - 1] ?? new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp]! : 0, b = prev[i]!, c = i >= bpp ? prev[i - bpp]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f]!;
      raw[y * (stride + 1) + 1 + i] = (cur[i]! - pred) & 255;
    }
  }
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([depth, 0, 0, 0, 0], 8);
  return concat(PNG_SIGNATURE, makeChunk('IHDR', ihdr), makeChunk('IDAT', deflateSync(raw)), makeChunk('IEND', new Uint8Array()));
}

export { concat };

/** Words with bit i of word w = voxel 32w+i set when bits[32w+i] is 1 (the engine's packing, written plainly). */
export function packBits(bits: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(Math.ceil(bits.length / 32));
  for (let i = 0; i < bits.length; i++) if (bits[i]) out[Math.floor(i / 32)]! |= 2 ** (i % 32);
  return out;
}
