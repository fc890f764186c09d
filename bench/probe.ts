// Where a GPU's kernel time goes: the real kernels' memory patterns alone (bench/probe.wgsl), on resident data and
// timed by timestamps like the bench, against the same copy kernel. Also the two things around a real call that a
// pattern alone does not have: a large dispatch against the batch-sized ones the library records, and an upload
// copy just before the timed pass (Dawn on Vulkan writes a pass's first timestamp at the top of the pipe, before
// the barriers inside the pass, so the pass's time may include waiting for that copy; an untimed pass in
// between that binds the same buffers takes the barriers instead).
//   node dist/bench/probe.js [--size 1080p|4K|8K] [--repeats N]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { requestGpu, type GpuHandle } from '../src/host/device.js';
import { BATCH_BYTES } from '../src/host/batches.js';
import { timeCopy } from '../src/kernels/copy.gpu.js';
import { HD, UHD, UHD8, type Size } from './config.js';
import { photo } from './inputs.js';
import { packageRoot } from './peers.js';
import { sig } from './report.js';
import { median } from './stats.js';

const WORKGROUP = 64;

interface Pattern {
  readonly entry: string;
  readonly what: string;
  /** Input words (pixels) per invocation. */
  readonly wordsPerInvocation: number;
  /** Bytes moved per input word: read + written (tables excluded, as the bench counts them). */
  readonly bytesPerWord: number;
}

const PATTERNS: readonly Pattern[] = [
  { entry: 'pixels4', what: '2D: 4 pixels as 4 word loads → 1 word', wordsPerInvocation: 4, bytesPerWord: 5 },
  { entry: 'pixels4vec', what: '2D: 4 pixels as 1 vec4 load → 1 word', wordsPerInvocation: 4, bytesPerWord: 5 },
  { entry: 'pixels4table', what: '2D: pixels4 + a 64 MiB table word per pixel (plain loads)', wordsPerInvocation: 4, bytesPerWord: 5 },
  { entry: 'pixels4atomic', what: '2D: pixels4 + a 64 MiB table word per pixel (atomic loads)', wordsPerInvocation: 4, bytesPerWord: 5 },
  { entry: 'bytes32', what: '3D grey: 32 bytes as 2 vec4 loads → 1 word', wordsPerInvocation: 8, bytesPerWord: 4.5 },
];

interface Probe {
  readonly gpu: GpuHandle;
  readonly module: GPUShaderModule;
  readonly pipelines: Map<string, GPUComputePipeline>;
  readonly zeroGrid: GPUBuffer;
}

async function pipeline(p: Probe, entry: string): Promise<GPUComputePipeline> {
  let pl = p.pipelines.get(entry);
  if (!pl) {
    pl = await p.gpu.device.createComputePipelineAsync({ layout: 'auto', compute: { module: p.module, entryPoint: entry } });
    p.pipelines.set(entry, pl);
  }
  return pl;
}

interface Buffers {
  readonly params: GPUBuffer;
  readonly src: GPUBuffer;
  readonly dst: GPUBuffer;
  readonly table: GPUBuffer;
  readonly staging: GPUBuffer;
  readonly words: number;
}

/** The bind group of `entry` over `words` input words from word 0 (each entry binds only what it uses). */
function bindGroup(device: GPUDevice, pl: GPUComputePipeline, entry: string, b: Buffers): GPUBindGroup {
  const bytes = b.words * 4;
  const uses: Record<number, GPUBufferBinding> = { 0: { buffer: b.params } };
  if (entry === 'pixels4' || entry === 'pixels4table' || entry === 'pixels4atomic') uses[1] = { buffer: b.src, size: bytes };
  if (entry === 'pixels4vec' || entry === 'bytes32') uses[3] = { buffer: b.src, size: bytes };
  uses[2] = { buffer: b.dst, size: Math.max(4, Math.ceil(bytes / (entry === 'bytes32' ? 32 : 16)) * 4) };
  if (entry === 'pixels4table') uses[4] = { buffer: b.table };
  if (entry === 'pixels4atomic') uses[5] = { buffer: b.table };
  return device.createBindGroup({ layout: pl.getBindGroupLayout(0), entries: Object.entries(uses).map(([k, resource]) => ({ binding: Number(k), resource })) });
}

type Before = 'none' | 'upload' | 'upload+settle';

/** Median kernel µs of `repeats` timed dispatches of `entry` over `words` words, one submit each, after a warm-up. */
async function timeEntry(p: Probe, b: Buffers, entry: string, wordsPerInvocation: number, repeats: number, before: Before = 'none'): Promise<number> {
  const { device } = p.gpu;
  const pl = await pipeline(p, entry);
  device.queue.writeBuffer(b.params, 0, new Uint32Array([b.words, 0, 0, 0]));
  const group = bindGroup(device, pl, entry, b);
  const groups = Math.ceil(b.words / wordsPerInvocation / WORKGROUP);
  const maxX = device.limits.maxComputeWorkgroupsPerDimension;
  const x = Math.min(groups, maxX);
  const y = Math.ceil(groups / x);
  const query = device.createQuerySet({ type: 'timestamp', count: 2 });
  const resolve = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const times: number[] = [];
  try {
    for (let i = -1; i < repeats; i++) {
      const enc = device.createCommandEncoder();
      if (before !== 'none') enc.copyBufferToBuffer(b.staging, 0, b.src, 0, b.words * 4);
      if (before === 'upload+settle') {
        const settle = enc.beginComputePass();
        settle.setPipeline(pl);
        settle.setBindGroup(0, group);
        settle.dispatchWorkgroupsIndirect(p.zeroGrid, 0);
        settle.end();
      }
      const pass = enc.beginComputePass({ timestampWrites: { querySet: query, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } });
      pass.setPipeline(pl);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(x, y);
      pass.end();
      enc.resolveQuerySet(query, 0, 2, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, read, 0, 16);
      device.queue.submit([enc.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      const t = new BigUint64Array(read.getMappedRange().slice(0));
      read.unmap();
      if (i >= 0) times.push(Number(t[1]! - t[0]!) / 1000);
    }
  } finally {
    query.destroy();
    resolve.destroy();
    read.destroy();
  }
  return median(times);
}


/** The probe's markdown report for one image size (a photo of that size as the pixels). */
export async function probe(size: Size, repeats: number): Promise<string> {
  const gpu = await requestGpu();
  if (!gpu) throw new Error('no WebGPU adapter');
  try {
    if (!gpu.timestamps) throw new Error(`${gpu.adapter.description}: no timestamp queries, which the probe needs`);
    return await measure(gpu, size, repeats);
  } finally {
    gpu.device.destroy();
  }
}

async function measure(gpu: GpuHandle, size: Size, repeats: number): Promise<string> {
  const { device } = gpu;
  const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const module = device.createShaderModule({ code: readFileSync(join(packageRoot(), 'bench', 'probe.wgsl'), 'utf8') });
  const zeroGrid = device.createBuffer({ size: 12, usage: GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(zeroGrid, 0, new Uint32Array(3));
  const p: Probe = { gpu, module, pipelines: new Map(), zeroGrid };
  const image = new Uint8Array(photo(size.width, size.height, 8).data.buffer as ArrayBuffer);
  const words = size.width * size.height;
  const src = device.createBuffer({ size: words * 4, usage: STORAGE });
  device.queue.writeBuffer(src, 0, image);
  const staging = device.createBuffer({ size: words * 4, usage: GPUBufferUsage.MAP_WRITE | GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
  new Uint8Array(staging.getMappedRange()).set(image);
  staging.unmap();
  const table = device.createBuffer({ size: 64 << 20, usage: STORAGE }); // every 24-bit colour: the split table's size
  device.queue.writeBuffer(table, 0, new Uint32Array(16 << 20).fill(0x01020304));
  const b: Buffers = { params: device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }), src, dst: device.createBuffer({ size: words * 4, usage: STORAGE }), table, staging, words };

  const copy = await timeCopy(gpu, 256 << 20, repeats);
  const copyGBs = (2 * copy.bytes) / (median(copy.kernelMs) * 1e6);
  const out: string[] = [];
  const row = (what: string, words: number, bytesPerWord: number, us: number) => {
    const gbs = (words * bytesPerWord) / (us * 1e3);
    out.push(`| ${what} | ${(words / 1e6).toFixed(2)} M | ${sig(us)} | ${sig(gbs)} | ${((100 * gbs) / copyGBs).toFixed(1)}% |`);
  };
  out.push(`# Probe: ${gpu.adapter.description}${gpu.adapter.isSoftware ? ' (software)' : ''}, ${size.name} (${size.width}×${size.height})`, '');
  out.push(`Copy kernel: ${sig(copyGBs)} GB/s read + written (256 MiB, median of ${repeats}). Kernel µs: median of ${repeats} timed dispatches on resident buffers; GB/s: input + output bytes over that time.`, '');
  out.push('| pattern | words | µs | GB/s | % copy |', '|---|---:|---:|---:|---:|');
  for (const pt of PATTERNS) row(pt.what, words, pt.bytesPerWord, await timeEntry(p, b, pt.entry, pt.wordsPerInvocation, repeats));
  // Dispatch size: the library records at most BATCH_BYTES of input per dispatch.
  const batchWords = Math.min(words, BATCH_BYTES / 4);
  for (const n of new Set([words >> 4, words >> 2, batchWords, words])) {
    if (n < 1024) continue;
    row(`pixels4 over ${((n * 4) / 2 ** 20).toFixed(1)} MiB in one dispatch${n === batchWords ? ' (the library’s batch)' : ''}`, n, 5, await timeEntry(p, { ...b, words: n }, 'pixels4', 4, repeats));
  }
  // An upload copy recorded just before the timed pass, as every library call has.
  for (const before of ['none', 'upload', 'upload+settle'] as const) {
    row(`pixels4 after ${before === 'none' ? 'no copy' : before === 'upload' ? 'an upload copy' : 'an upload copy and an untimed settle pass'}`, words, 5, await timeEntry(p, b, 'pixels4', 4, repeats, before));
  }
  return out.join('\n'); // the buffers go with the device
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { size: { type: 'string', default: '4K' }, repeats: { type: 'string', default: '7' } } });
  const size = [HD, UHD, UHD8].find((s) => s.name.toLowerCase() === values.size.toLowerCase());
  if (!size) throw new Error(`--size: one of 1080p, 4K, 8K, not ${values.size}`);
  const repeats = Number(values.repeats);
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats: a whole number ≥ 1, not ${values.repeats}`);
  console.log(await probe(size, repeats));
}
