// TEMPORARY throughput bench (deleted after measuring).
import { createRequire } from 'node:module';
import { constants } from 'node:zlib';
import { encode } from 'fast-png';
import { it } from 'vitest';
import { decodePng, encodeGreyPng, encodeIndexedPng } from '../../../src/formats/png.js';
import { decodeSlice } from '/tmp/oldcodec/pngDecode.ts';
import { encodeOutputLayer } from '/tmp/oldcodec/pngEncode.ts';
const { PNG } = createRequire('/tmp/pngjs-probe/')('pngjs') as typeof import('/tmp/pngjs-probe/node_modules/@types/pngjs/index.d.ts');

const S = 2048;
function slicerLike(seed: number): Uint8Array {
  const out = new Uint8Array(S * S);
  const discs = [[600 + seed, 700, 400], [1400, 1300 - seed, 300], [1500, 500, 200], [500, 1600, 250]];
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    let v = 0;
    for (const [cx, cy, r] of discs) v = Math.max(v, Math.min(1, Math.max(0, 0.5 - (Math.hypot(x - cx!, y - cy!) - r!))));
    out[y * S + x] = Math.round(v * 255);
  }
  return out;
}
function noise(seed: number): Uint8Array {
  let s = seed || 1;
  const out = new Uint8Array(S * S);
  for (let i = 0; i < out.length; i++) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; out[i] = (s >>> 0) & 1 ? 255 : 0; }
  return out;
}
function time(label: string, n: number, fn: () => unknown): void {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  const ms = (performance.now() - t0) / n;
  console.log(`${label.padEnd(52)} ${ms.toFixed(1).padStart(7)} ms/layer  ${(1000 / ms).toFixed(1).padStart(6)} layers/s`);
}
const first = (rgba: Uint8Array): Uint8Array => { const o = new Uint8Array(S * S); for (let i = 0; i < o.length; i++) o[i] = rgba[4 * i]!; return o; };

it('png throughput 2048x2048 8-bit grey', () => {
  for (const [kind, img] of [['slicer', slicerLike(0)], ['noise', noise(7)]] as const) {
    const png = encode({ width: S, height: S, channels: 1, depth: 8, data: img });
    console.log(`${kind}: input PNG ${(png.length / 1024).toFixed(0)} KiB`);
    time(`${kind} decode OLD decodeSlice`, 5, () => decodeSlice(png, 'a', 1e9));
    time(`${kind} decode decodePng + first channel`, 5, () => first(decodePng(png, 'a', { maxPixels: 1e9 }).data as Uint8Array));
    time(`${kind} decode pngjs sync + first channel`, 5, () => first(PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.length)).data));
    const codes = Uint8Array.from(img, (v) => (v > 127 ? 1 : 0));
    const grey = Uint8Array.from(img, (v) => (v > 127 ? 255 : 0));
    const layer = { z: 0, width: S, height: S, kind: 'codes' as const, data: codes };
    const sz: Record<string, number> = {};
    time(`${kind} encode 8-bit OLD (Z_RLE 6)`, 5, () => (sz.old8 = encodeOutputLayer(layer, { levels: 2, minGreyDepth: 8 }).length));
    time(`${kind} encode 8-bit encodeGreyPng (fast-png)`, 3, () => (sz.fp8 = encodeGreyPng(S, S, grey, 8).length));
    time(`${kind} encode 8-bit pngjs filter0 Z_RLE 6`, 5, () => (sz.pj8 = PNG.sync.write(Object.assign(new PNG({ width: S, height: S }), { data: Buffer.from(grey.buffer) }), { colorType: 0, inputColorType: 0, bitDepth: 8, filterType: 0, deflateLevel: 6, deflateStrategy: constants.Z_RLE } as never).length));
    time(`${kind} encode 1-bit OLD`, 5, () => (sz.old1 = encodeOutputLayer(layer, { levels: 2 }).length));
    time(`${kind} encode 1-bit encodeGreyPng (fast-png)`, 5, () => (sz.fp1 = encodeGreyPng(S, S, codes, 1).length));
    const pal = new Uint8Array(3 * 20).map((_, i) => i * 4);
    time(`${kind} encode 8-bit indexed OLD`, 3, () => (sz.oldI = encodeOutputLayer(layer, { palette: pal }).length));
    time(`${kind} encode 8-bit indexed encodeIndexedPng`, 3, () => (sz.fpI = encodeIndexedPng(S, S, codes, pal).length));
    console.log('  sizes KiB', Object.fromEntries(Object.entries(sz).map(([k, v]) => [k, Math.round(v / 1024)])));
  }
});
