import { test } from 'vitest';
import { Engine } from '../../src/engine.js';
import { parseLayerMethod } from '../../src/stack/layerMaps.js';
import { greyLevelsLayers, materialFractionsLayers } from '../../src/stack/kernels.gpu.js';
import { randomBytes } from '../helpers/random.js';

test('bench', async () => {
  const gpu = await Engine.create({ backend: 'gpu', notify: () => {} });
  const cpu = await Engine.create({ backend: 'cpu' });
  const W = 2048, H = 2048, L = 8;
  const n = W * H * L;
  const g8 = randomBytes(n, 1);
  const g16 = new Uint16Array(randomBytes(2 * n, 2).buffer);
  const ch8 = [0, 1, 2].map((s) => randomBytes(n, 10 + s).map((v) => v >> 2));
  const ch16 = [0, 1, 2, 3, 4, 5, 6].map((s) => new Uint16Array(randomBytes(2 * n, 20 + s).buffer).map((v) => v >> 3));
  const rgba8 = randomBytes(4 * n, 30);
  const lm = parseLayerMethod('bluenoise64+phase');
  const lm3 = parseLayerMethod('bayer3d8');
  const cases: [string, (e: Engine, layers: number) => Promise<{ gpuMs: number | null }>][] = [
    ['grey8 N=2 (bits)', (e, c) => greyLevelsLayers(e, { width: W, height: H, z0: 0, count: c, data: g8.subarray(0, c * W * H) }, lm, 2)],
    ['grey8 N=16', (e, c) => greyLevelsLayers(e, { width: W, height: H, z0: 0, count: c, data: g8.subarray(0, c * W * H) }, lm3, 16)],
    ['grey16 N=2 (bits)', (e, c) => greyLevelsLayers(e, { width: W, height: H, z0: 0, count: c, data: g16.subarray(0, c * W * H) }, lm, 2)],
    ['fractions K=3 8-bit', (e, c) => materialFractionsLayers(e, { width: W, height: H, z0: 0, count: c, channels: ch8.map((x) => x.subarray(0, c * W * H)) }, lm3)],
    ['fractions K=7 16-bit', (e, c) => materialFractionsLayers(e, { width: W, height: H, z0: 0, count: c, channels: ch16.map((x) => x.subarray(0, c * W * H)) }, lm3)],
    ['fractions RGBA8', (e, c) => materialFractionsLayers(e, { width: W, height: H, z0: 0, count: c, rgba: rgba8.subarray(0, 4 * c * W * H) }, lm)],
  ];
  for (const [name, run] of cases) {
    await run(gpu, L);
    let t = performance.now();
    const r = await run(gpu, L);
    const gw = (performance.now() - t) / L;
    t = performance.now();
    await run(cpu, 2);
    const cw = (performance.now() - t) / 2;
    console.log(`${name}: GPU ${gw.toFixed(1)} ms/layer wall (${(W * H / gw / 1e3).toFixed(0)} Mvox/s), kernel ${r.gpuMs === null ? 'n/a' : (r.gpuMs / L).toFixed(1) + ' ms/layer'}; CPU ${cw.toFixed(1)} ms/layer (${(W * H / cw / 1e3).toFixed(0)} Mvox/s)`);
  }
  // Small layers: batched vs one dispatch per layer.
  const w = 256, h = 256, c = 64;
  await greyLevelsLayers(gpu, { width: w, height: h, z0: 0, count: c, data: g8.subarray(0, w * h * c) }, lm, 2);
  for (let l = 0; l < 4; l++) await greyLevelsLayers(gpu, { width: w, height: h, z0: l, count: 1, data: g8.subarray(0, w * h) }, lm, 2);
  const small = g8.subarray(0, w * h * c);
  let t = performance.now();
  await greyLevelsLayers(gpu, { width: w, height: h, z0: 0, count: c, data: small }, lm, 2);
  const batched = performance.now() - t;
  t = performance.now();
  for (let l = 0; l < c; l++) await greyLevelsLayers(gpu, { width: w, height: h, z0: l, count: 1, data: small.subarray(l * w * h, (l + 1) * w * h) }, lm, 2);
  console.log(`256x256 x64: batched ${batched.toFixed(0)} ms, one call per layer ${(performance.now() - t).toFixed(0)} ms`);
  gpu.destroy();
}, 600_000);
