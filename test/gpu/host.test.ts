// The host: device loss and recovery, a caller's device, typed errors, reflection-derived layouts, buffer reuse.
import { describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine.js';
import { DeviceLostError, KernelError } from '../../src/errors.js';
import { requestGpu } from '../../src/host/device.js';
import { getKernel, shaderSource } from '../../src/host/pipelines.js';
import { Recorder } from '../../src/host/recorder.js';
import { reflectKernel } from '../../src/host/reflect.js';
import { shaderSources } from '../../src/generated/shaders.js';
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { sizeClass } from '../../src/host/bufferPool.js';
import { bayer } from '../../src/maps/bayer.js';
import { orderedPalette, orderedPaletteParams } from '../../src/kernels/orderedPalette.js';
import { randomBytes, randomImage } from '../helpers/random.js';
import { gpuEngine } from '../helpers/gpu.js';
import { parseLayerMethod } from '../../src/stack/layerMaps.js';
import { greyLevelsCpu } from '../../src/stack/kernels.js';
import { greyLevelsLayers } from '../../src/stack/kernels.gpu.js';

const params = orderedPaletteParams(bayer([8, 8]), randomBytes(8 * 3, 1));
const image = randomImage(45, 33, 2);
const expected = orderedPalette(image, params);

describe('device loss', () => {
  test('is reported and the next call runs on a new device with the same result', async () => {
    const messages: string[] = [];
    const engine = await Engine.create({ backend: 'gpu', notify: (m) => messages.push(m) });
    const first = await engine.device();
    first!.destroy();
    await first!.lost;
    const run = await engine.orderedPalette(image, params);
    expect(Buffer.from(run.indices).equals(Buffer.from(expected))).toBe(true);
    const second = await engine.device();
    expect(second).not.toBe(first);
    expect(messages.some((m) => /device lost/.test(m))).toBe(true);
    engine.destroy();
  });

  test("a caller's lost device is reported, not replaced", async () => {
    const handle = (await requestGpu())!;
    const engine = await Engine.create({ device: handle.device, notify: () => {} });
    expect(engine.adapter?.source).toBe('caller');
    handle.device.destroy();
    await handle.device.lost;
    await expect(engine.orderedPalette(image, params)).rejects.toBeInstanceOf(DeviceLostError);
  });
});

test('auto declines a software adapter only when asked, and says so; an explicit gpu never declines', async () => {
  const probe = (await requestGpu())!;
  const software = probe.adapter.isSoftware;
  probe.device.destroy();
  const messages: string[] = [];
  const notify = (m: string) => messages.push(m);
  const declining = await Engine.create({ softwareAdapter: 'decline', notify });
  expect(declining.backend).toBe(software ? 'cpu' : 'gpu');
  // Named, or (on Linux without a GPU device node) not even asked for.
  const said = software ? [expect.stringMatching(new RegExp(`${escape(probe.adapter.description)}|no GPU device node`))] : [];
  expect(messages).toEqual(said);
  const using = await Engine.create({ softwareAdapter: 'use', notify });
  const explicit = await Engine.create({ backend: 'gpu', softwareAdapter: 'decline', notify });
  for (const e of [using, explicit]) {
    expect(e.backend).toBe('gpu');
    expect(Buffer.from((await e.orderedPalette(image, params)).indices).equals(Buffer.from(expected))).toBe(true);
  }
  expect(Buffer.from((await declining.orderedPalette(image, params)).indices).equals(Buffer.from(expected))).toBe(true);
  await Promise.all([declining, using, explicit].map((e) => e.destroy()));
});

test('batchBytes: smaller batches mean more submits and the same bits, for images and stacks; bad sizes are refused', async () => {
  const photo = randomImage(300, 200, 5); // 240,000 bytes
  const want = orderedPalette(photo, params);
  const layers = { width: 64, height: 50, z0: 0, count: 96, data: randomBytes(64 * 50 * 96, 6) }; // 307,200 bytes
  const maps = parseLayerMethod('bayer3d4');
  const wantLayers = greyLevelsCpu(layers, maps, 2).data;
  const submits: { image: number; stack: number }[] = [];
  for (const batchBytes of [undefined, 65536, 65536 * 3]) {
    const engine = await Engine.create({ backend: 'gpu', ...(batchBytes ? { batchBytes } : {}) });
    const count = await countSubmits(engine);
    expect(Buffer.from((await engine.orderedPalette(photo, params)).indices).equals(Buffer.from(want)), `${batchBytes}`).toBe(true);
    const image = count.n;
    expect(Buffer.from((await greyLevelsLayers(engine, layers, maps, 2)).data).equals(Buffer.from(wantLayers)), `${batchBytes}`).toBe(true);
    submits.push({ image, stack: count.n - image });
    await engine.destroy();
  }
  for (const part of ['image', 'stack'] as const) {
    expect(submits[1]![part], part).toBeGreaterThan(submits[2]![part]);
    expect(submits[2]![part], part).toBeGreaterThan(submits[0]![part]);
  }
  // A device the engine re-creates after a loss keeps the engine's batch size.
  const small = await Engine.create({ backend: 'gpu', batchBytes: 65536, notify: () => {} });
  const before = await countSubmits(small);
  await small.orderedPalette(photo, params);
  const lost = (await small.device())!;
  lost.destroy();
  await lost.lost;
  await small.orderedPalette(photo, params); // re-creates the device
  const after = await countSubmits(small);
  expect(Buffer.from((await small.orderedPalette(photo, params)).indices).equals(Buffer.from(want))).toBe(true);
  expect(after.n).toBe(before.n);
  await small.destroy();
  for (const bad of [0, 1000, 65536.5, Number.NaN]) await expect(Engine.create({ backend: 'gpu', batchBytes: bad })).rejects.toThrow(RangeError);
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Counts the submits on the engine's current device from now on (observing them; the work is real). */
async function countSubmits(engine: Engine): Promise<{ n: number }> {
  const queue = (await engine.device())!.queue;
  const submit = queue.submit.bind(queue);
  const count = { n: 0 };
  queue.submit = (buffers) => {
    count.n++;
    submit(buffers);
  };
  return count;
}

test('softwareAdapter takes use or decline only', async () => {
  await expect(Engine.create({ softwareAdapter: 'skip' as 'use' })).rejects.toThrow(RangeError);
  for (const bad of [0, 1000, 65536.5, Number.NaN]) await expect(Engine.create({ backend: 'gpu', batchBytes: bad })).rejects.toThrow(RangeError);
});

test("a caller's device is used and left alive by destroy()", async () => {
  const handle = (await requestGpu())!;
  const engine = await Engine.create({ device: handle.device });
  expect(await engine.device()).toBe(handle.device);
  const run = await engine.orderedPalette(image, params);
  expect(Buffer.from(run.indices).equals(Buffer.from(expected))).toBe(true);
  engine.destroy();
  const again = await Engine.create({ device: handle.device });
  expect(Buffer.from((await again.orderedPalette(image, params)).indices).equals(Buffer.from(expected))).toBe(true);
  handle.device.destroy();
});

test("every kernel runs within WebGPU's default limits (a page's plain requestDevice), the split table's two passes included", async () => {
  const handle = (await requestGpu({ limits: 'default' }))!;
  expect(handle.device.limits.maxStorageBuffersPerShaderStage).toBe(8);
  const engine = await Engine.create({ device: handle.device });
  const photo = randomImage(300, 200, 3);
  for (const splitPasses of ['fused', 'two', 'warm'] as const) {
    const run = await engine.orderedPalette(photo, params, { splitTable: 'always', splitPasses });
    expect(Buffer.from(run.indices).equals(Buffer.from(orderedPalette(photo, params))), splitPasses).toBe(true);
  }
  // Every entry point of every shader builds there (a kernel binding a 9th storage buffer would not).
  let entries = 0;
  for (const file of Object.keys(shaderSources)) {
    for (const f of new WgslReflect(shaderSource(file)).entry.compute) {
      await expect(getKernel(handle.device, file, f.name), `${file}/${f.name}`).resolves.toBeDefined();
      entries++;
    }
  }
  expect(entries).toBeGreaterThanOrEqual(10);
  engine.destroy();
  handle.device.destroy();
});

test('a validation error inside a batch becomes a KernelError naming the kernel', async () => {
  const engine = await gpuEngine();
  const gpu = (await requestGpu())!;
  const kernel = await getKernel(gpu.device, 'orderedPalette', 'orderedPalette');
  const rec = new Recorder(gpu);
  const dead = rec.buffer(1024, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, 'dead');
  dead.destroy();
  // Every storage binding gets the destroyed buffer; every uniform gets zeros, from the reflected layout.
  const storage = kernel.reflection.bindings.filter((b) => b.kind !== 'uniform');
  const uniforms = kernel.reflection.bindings.filter((b) => b.kind === 'uniform');
  rec.dispatch({
    kernel,
    buffers: Object.fromEntries(storage.map((b) => [b.name, dead])),
    uniforms: Object.fromEntries(
      uniforms.map((u) => [u.name, Object.fromEntries([...u.members!].map(([n, m]) => [n, new Array(m.count * m.width).fill(0)]))]),
    ),
    workgroups: 1,
  });
  const err = await rec.finish().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(KernelError);
  expect((err as KernelError).kernel).toBe('orderedPalette/orderedPalette');
  expect((err as Error).message).toMatch(/^kernel orderedPalette\/orderedPalette: GPU validation error/);
  gpu.device.destroy();
  engine.destroy();
});

test('bind group layouts come from the WGSL', () => {
  const r = reflectKernel(shaderSource('orderedPalette'), 'orderedPalette');
  expect(r.workgroupSize).toEqual([64, 1, 1]);
  const kinds = Object.fromEntries(r.bindings.map((b) => [`${b.group}/${b.binding} ${b.name}`, b.kind]));
  expect(kinds).toEqual({
    '0/0 params': 'uniform',
    '0/1 pixels': 'read-only-storage',
    '0/2 toLinear': 'read-only-storage',
    '0/3 cells': 'read-only-storage',
    '0/4 palette': 'read-only-storage',
    '0/5 nearestGrid': 'read-only-storage',
    '0/6 indices': 'storage',
    '0/7 splits': 'storage', // atomics: read_write
    '1/0 space': 'uniform', // from the shared colorSpace include
    '1/1 spaceCurve': 'read-only-storage',
  });
  expect(r.layouts).toHaveLength(2);
  const members = r.bindings.find((b) => b.name === 'params')?.members;
  expect([...(members?.keys() ?? [])]).toEqual(['width', 'firstRow', 'pixelCount', 'wide', 'mapWidth', 'mapHeight', 'transparent', 'gridDim', 'pair', 'paletteSize', 'cached', 'maxGroupsX']);
  expect(members?.get('gridDim')?.offset).toBe(28);
  // arrays of vec4 are laid out with a 16-byte stride
  expect(r.bindings.find((b) => b.name === 'space')?.members?.get('m2')).toMatchObject({ offset: 48, width: 4, count: 3, stride: 16 });
  // Each entry point gets the bindings it uses: the split table's two passes read and write it differently.
  const used = (entry: string) => Object.fromEntries(reflectKernel(shaderSource('orderedPalette'), entry).bindings.map((b) => [b.name, b.kind]));
  expect(used('applySplits')).toMatchObject({ knownSplits: 'read-only-storage', misses: 'storage', indices: 'storage' });
  expect(used('applySplits')).not.toHaveProperty('splits');
  expect(used('fillSplits')).toMatchObject({ splits: 'storage', misses: 'storage' });
  expect(used('fillSplits')).not.toHaveProperty('knownSplits');
  expect(used('patchMisses')).toMatchObject({ knownSplits: 'read-only-storage', misses: 'storage', patched: 'storage' });
  expect(used('patchMisses')).not.toHaveProperty('splits');
  expect(Object.keys(used('missDispatch')).sort()).toEqual(['missGroups', 'misses', 'params']);
});

test('buffer size classes waste at most 1/8 and are stable', () => {
  for (const n of [1, 255, 256, 257, 1000, 65537, 1_000_000, 134_217_728, 134_217_729]) {
    const c = sizeClass(n);
    expect(c).toBeGreaterThanOrEqual(n);
    expect(c).toBeLessThanOrEqual(Math.max(256, n * 1.125 + 256));
    expect(sizeClass(c)).toBe(c);
  }
});
