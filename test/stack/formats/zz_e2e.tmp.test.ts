// TEMPORARY end-to-end throughput bench, run identically against the old and the new sources.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { zipSync, type Zippable } from 'fflate';
import { it } from 'vitest';
import { createPngSliceSink, createSl1Sink, openSl1, openSliceDir, WorkerPool } from '../../../src/stack/formats/index.js';

const S = 2048, N = Number(process.env.BENCH_N ?? 24);
const root = `/tmp/e2e-${process.pid}`;
function slicerLike(k: number): Uint8Array {
  const out = new Uint8Array(S * S);
  const discs = [[600 + 13 * k, 700, 400], [1400, 1300 - 7 * k, 300], [1500, 500, 200 + k], [500, 1600, 250]];
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    let v = 0;
    for (const [cx, cy, r] of discs) { const dx = x - cx!, dy = y - cy!; v = Math.max(v, Math.min(1, Math.max(0, 0.5 - (Math.sqrt(dx * dx + dy * dy) - r!)))); }
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
const rate = (label: string, t0: number): void => {
  const s = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(44)} ${(N / s).toFixed(1).padStart(6)} layers/s  (${s.toFixed(2)} s for ${N})`);
};

it('end-to-end 2048x2048 8-bit grey', async () => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root);
  const pool = new WorkerPool();
  const tiny = { z: 0, width: 1, height: 1, kind: 'codes', data: new Uint8Array(1) } as const;
  await Promise.all(Array.from({ length: pool.size * 2 }, () => pool.run('countValues', { layer: tiny })));
  console.log(`workers: ${pool.size}`);
  for (const kind of ['slicer', 'noise'] as const) {
    const imgs = Array.from({ length: 4 }, (_, k) => (kind === 'slicer' ? slicerLike(k) : noise(k + 1)));
    const pngs = imgs.map((d) => encode({ width: S, height: S, channels: 1, depth: 8, data: d }));
    const dir = join(root, `${kind}-in`);
    mkdirSync(dir);
    for (let z = 0; z < N; z++) writeFileSync(join(dir, `s${z}.png`), pngs[z % 4]!);
    const files: Zippable = { 'config.ini': new TextEncoder().encode('a = 1\n'.repeat(50)) };
    for (let z = 0; z < N; z++) files[`job${String(z).padStart(5, '0')}.png`] = [pngs[z % 4]!, { level: 6 }];
    const sl1 = join(root, `${kind}.sl1`);
    writeFileSync(sl1, zipSync(files));
    const codes = imgs.map((d) => Uint8Array.from(d, (v) => (v > 127 ? 1 : 0)));

    let t0 = performance.now();
    for await (const l of await openSliceDir(dir, { pool })) void l;
    rate(`${kind}: slice dir decode`, t0);

    t0 = performance.now();
    let sink = await createPngSliceSink(join(root, `${kind}-out8`), { pool, encoding: { levels: 2, minGreyDepth: 8 } });
    for (let z = 0; z < N; z++) await sink.write({ z, width: S, height: S, kind: 'codes', data: codes[z % 4]! });
    await sink.close();
    rate(`${kind}: PNG sink 8-bit grey encode`, t0);

    t0 = performance.now();
    sink = await createPngSliceSink(join(root, `${kind}-out1`), { pool, encoding: { levels: 2 } });
    for (let z = 0; z < N; z++) await sink.write({ z, width: S, height: S, kind: 'codes', data: codes[z % 4]! });
    await sink.close();
    rate(`${kind}: PNG sink 1-bit grey encode`, t0);

    t0 = performance.now();
    const source = await openSl1(sl1, { pool });
    const zsink = await createSl1Sink(join(root, `${kind}-out.sl1`), source.archive, { pool, encoding: { levels: 2, minGreyDepth: 8 } });
    for await (const l of source) await zsink.write({ z: l.z, width: S, height: S, kind: 'codes', data: codes[l.z % 4]! });
    await zsink.close();
    rate(`${kind}: SL1 decode + 8-bit encode + zip`, t0);
  }
  await pool.destroy();
  rmSync(root, { recursive: true, force: true });
}, 1_200_000);
