// Blue noise with a physical metric: when cells are not square (a printer's voxel pitch), points must be spread
// evenly in physical distance, which the plain (cell-isotropic) mask does not do.
import { expect, test } from 'vitest';
import { generateBlueNoise, blueNoise } from '../../src/maps/blueNoise.js';
import { parseLayerMethod } from '../../src/stack/layerMaps.js';

/** Mean and minimum physical nearest-neighbour distance of the first `fraction` of ranks, toroidal. */
function spacing(values: Uint32Array, sx: number, sy: number, pitch: [number, number], fraction: number): { min: number; mean: number } {
  const n = Math.floor(values.length * fraction);
  const pts: [number, number][] = [];
  values.forEach((v, i) => {
    if (v < n) pts.push([i % sx, Math.floor(i / sx)]);
  });
  let min = Infinity;
  let sum = 0;
  for (const [x, y] of pts) {
    let best = Infinity;
    for (const [u, w] of pts) {
      if (u === x && w === y) continue;
      const dx = Math.min(Math.abs(u - x), sx - Math.abs(u - x)) * pitch[0];
      const dy = Math.min(Math.abs(w - y), sy - Math.abs(w - y)) * pitch[1];
      best = Math.min(best, Math.hypot(dx, dy));
    }
    min = Math.min(min, best);
    sum += best;
  }
  return { min, mean: sum / pts.length };
}

test('with a 1:2 pitch, the metric mask spaces points more evenly in physical distance than the plain one', () => {
  const pitch: [number, number] = [1, 2];
  const plain = generateBlueNoise([64, 32]).values;
  const shaped = blueNoise([64, 32], 'test', pitch).values;
  for (const fraction of [0.05, 0.1, 0.2]) {
    const a = spacing(plain, 64, 32, pitch, fraction);
    const b = spacing(shaped, 64, 32, pitch, fraction);
    expect(b.min, `min at ${fraction}`).toBeGreaterThanOrEqual(a.min);
    expect(b.mean, `mean at ${fraction}`).toBeGreaterThan(a.mean);
  }
});

test('the metric mask is a deterministic permutation, and an equal metric is the plain mask', () => {
  const a = blueNoise([32, 16], 'test', [1, 2]).values;
  const n = a.length;
  expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
  expect(Buffer.from(blueNoise([32, 16], 'test', [3, 6]).values.buffer).equals(Buffer.from(a.buffer))).toBe(true);
  expect(Buffer.from(blueNoise([32, 16], 'test', [2, 2]).values.buffer).equals(Buffer.from(blueNoise([32, 16]).values.buffer))).toBe(true);
});

test('--voxel reaches blue noise in stacks: the layer maps differ from the unshaped ones', () => {
  const shaped = parseLayerMethod('bluenoise3d16', [42.3, 84.6, 27]).at(0);
  const depth = (16 * 16 * 16) / (shaped.size[0] * shaped.size[1]); // the shaped 3D map keeps 16³ cells
  const plainSameSize = blueNoise([shaped.size[0], shaped.size[1], depth]);
  expect(shaped.size[0]).not.toBe(shaped.size[1]);
  const plainSlice = plainSameSize.values.subarray(0, shaped.values.length);
  expect(Buffer.from(shaped.values.buffer, shaped.values.byteOffset, shaped.values.byteLength).equals(Buffer.from(plainSlice.buffer, plainSlice.byteOffset, plainSlice.byteLength))).toBe(false);
});
