import { decode, encode } from 'fast-png';
import { inflateSync } from 'node:zlib';
import { it } from 'vitest';
import { decodePng } from '../../../src/formats/png.js';
import { readChunks } from '../../../src/formats/pngChunks.js';
const S = 2048;
it('decodePng parts', () => {
  const slicer = new Uint8Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) slicer[y * S + x] = Math.round(255 * Math.min(1, Math.max(0, 0.5 - (Math.hypot(x - 1000, y - 1000) - 700))));
  const png = encode({ width: S, height: S, channels: 1, depth: 8, data: slicer });
  for (let r = 0; r < 4; r++) {
    let t = performance.now(); const { chunks } = readChunks(png); const a = performance.now() - t;
    t = performance.now(); inflateSync(chunks.find((c) => c.type === 'IDAT')!.data, { maxOutputLength: S * (S + 1) }); const b = performance.now() - t;
    t = performance.now(); decode(png); const c = performance.now() - t;
    t = performance.now(); decodePng(png, 'x', { maxPixels: 1e9 }); const d = performance.now() - t;
    console.log(`readChunks ${a.toFixed(1)} inflate ${b.toFixed(1)} fast-png ${c.toFixed(1)} decodePng ${d.toFixed(1)}`);
  }
});
