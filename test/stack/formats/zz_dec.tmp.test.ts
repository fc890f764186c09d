import { createRequire } from 'node:module';
import { decode, encode } from 'fast-png';
import { it } from 'vitest';
import { decodePng } from '../../../src/formats/png.js';
import { decodeSlice } from '/tmp/oldcodec/pngDecode.ts';
const { PNG } = createRequire('/tmp/pngjs-probe/')('pngjs') as typeof import('/tmp/pngjs-probe/node_modules/@types/pngjs/index.d.ts');
const S = 2048;
const first = (rgba: Uint8Array): Uint8Array => { const o = new Uint8Array(S * S); for (let i = 0; i < o.length; i++) o[i] = rgba[4 * i]!; return o; };
it('decode interleaved', () => {
  const noise = new Uint8Array(S * S); let s = 7;
  for (let i = 0; i < noise.length; i++) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; noise[i] = (s >>> 0) & 1 ? 255 : 0; }
  const slicer = new Uint8Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) slicer[y * S + x] = Math.round(255 * Math.min(1, Math.max(0, 0.5 - (Math.hypot(x - 1000, y - 1000) - 700))));
  for (const [kind, img] of [['slicer', slicer], ['noise', noise]] as const) {
    const png = encode({ width: S, height: S, channels: 1, depth: 8, data: img });
    const fns: [string, () => unknown][] = [
      ['old', () => decodeSlice(png, 'a', 1e9)],
      ['decodePng', () => first(decodePng(png, 'a', { maxPixels: 1e9 }).data as Uint8Array)],
      ['pngjs', () => first(PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.length)).data)],
      ['fast-png decode', () => decode(png, { checkCrc: true } as never)],
    ];
    const tot = new Map<string, number>();
    for (let r = 0; r < 6; r++) for (const [n, f] of fns) { const t = performance.now(); f(); if (r > 0) tot.set(n, (tot.get(n) ?? 0) + performance.now() - t); }
    for (const [n, t] of tot) console.log(`${kind} ${n.padEnd(16)} ${(t / 5).toFixed(1)} ms  ${(5000 / t).toFixed(1)} layers/s`);
  }
});
