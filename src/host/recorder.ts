// One batch of GPU work: uploads through staging buffers, dispatches (timed when timestamp-query is on),
// readbacks. Validation and out-of-memory errors inside the batch become KernelErrors naming the kernel.
import { DeviceLostError, KernelError } from '../errors.js';
import { poolFor, type BufferPool } from './bufferPool.js';
import type { GpuHandle } from './device.js';
import { packUniform } from './reflect.js';
import type { Kernel } from './pipelines.js';
import type { GpuStagedMemory, StagedRange } from './stagedMemory.js';

export type BufferBinding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

export interface Dispatch {
  readonly kernel: Kernel;
  /** WGSL binding name → buffer, for every storage binding. */
  readonly buffers: Readonly<Record<string, BufferBinding>>;
  /** WGSL binding name → member values, for every uniform binding. */
  readonly uniforms?: Readonly<Record<string, Readonly<Record<string, number | readonly number[]>>>>;
  /** Total workgroups; laid out over x and y when more than one dimension allows. Ignored with `indirect`. */
  readonly workgroups: number;
  /** The grid (x, y, z as u32) is read from this buffer when the dispatch runs, as an earlier one wrote it. */
  readonly indirect?: GPUBuffer;
}

export interface BatchResult {
  /** Sum of the dispatches' GPU time in ms, from timestamp queries; null without timestamp-query. */
  readonly gpuMs: number | null;
}

export class Recorder {
  private readonly device: GPUDevice;
  private readonly pool: BufferPool;
  private readonly encoder: GPUCommandEncoder;
  private readonly transient: GPUBuffer[] = [];
  private readonly reads: { staging: GPUBuffer; size: number; into: Uint8Array | undefined; resolve: (b: Uint8Array) => void }[] = [];
  private readonly names = new Set<string>();
  private readonly staged = new Set<GpuStagedMemory>();
  private readonly querySet: GPUQuerySet | null;
  private queries = 0;

  constructor(
    private readonly gpu: GpuHandle,
    maxDispatches = 64,
  ) {
    this.device = gpu.device;
    this.pool = poolFor(this.device);
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    this.encoder = this.device.createCommandEncoder();
    this.querySet = gpu.timestamps ? this.device.createQuerySet({ type: 'timestamp', count: 2 * maxDispatches }) : null;
  }

  /** A pooled buffer that lives until finish(). */
  buffer(bytes: number, usage: number, label: string): GPUBuffer {
    const b = this.pool.acquire(usage, bytes, label);
    this.transient.push(b);
    return b;
  }

  /** Copies `data` into `dst` at `offset` through a reused staging buffer. */
  upload(dst: GPUBuffer, data: ArrayBufferView, offset = 0): void {
    this.uploadParts(dst, [data], data.byteLength, offset);
  }

  /** Copies `parts` into `dst` from `offset`, part i at i·partBytes, through one staging buffer. */
  private uploadParts(dst: GPUBuffer, parts: readonly ArrayBufferView[], partBytes: number, offset = 0): void {
    const bytes = (parts.length * partBytes + 3) & ~3;
    if (bytes === 0) return;
    const staging = this.buffer(bytes, GPUBufferUsage.MAP_WRITE | GPUBufferUsage.COPY_SRC, 'staging-upload');
    const mapped = new Uint8Array(staging.getMappedRange(0, bytes));
    parts.forEach((p, i) => {
      if (p.byteLength > partBytes) throw new RangeError(`upload part of ${p.byteLength} bytes in ${partBytes}`);
      mapped.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), i * partBytes);
      // Pooled staging memory holds an earlier upload: the gaps between parts go up as zeros, not as that.
      mapped.fill(0, i * partBytes + p.byteLength, i + 1 < parts.length ? (i + 1) * partBytes : bytes);
    });
    staging.unmap();
    this.encoder.copyBufferToBuffer(staging, 0, dst, offset, bytes);
  }

  /** Zeroes `size` bytes of `dst` from `offset` (multiples of 4), in order with the batch's other commands. */
  clear(dst: GPUBuffer, offset: number, size: number): void {
    this.encoder.clearBuffer(dst, offset, size);
  }

  /** A storage buffer holding `data`, bound to exactly its (4-byte rounded) length. */
  input(data: ArrayBufferView, label: string): GPUBufferBinding {
    return this.inputParts([data], data.byteLength, label);
  }

  /**
   * A storage buffer holding `parts`, part i from byte i·partBytes (gaps zero), bound to the 4-byte rounded
   * total: one host copy of each part, straight into the staging buffer.
   */
  inputParts(parts: readonly ArrayBufferView[], partBytes: number, label: string): GPUBufferBinding {
    const size = Math.max(4, (parts.length * partBytes + 3) & ~3);
    const buffer = this.buffer(size, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, label);
    this.uploadParts(buffer, parts, partBytes);
    return { buffer, offset: 0, size };
  }

  /**
   * A storage buffer holding `bytes` bytes of staged input from `at` (past its range's offset; whole words),
   * copied on the GPU's side: no host copy. The staged memory is unmapped when the batch is submitted.
   */
  inputStaged(range: StagedRange, at: number, bytes: number, label: string): GPUBufferBinding {
    const size = Math.max(4, (bytes + 3) & ~3);
    const buffer = this.buffer(size, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, label);
    if (bytes > 0) this.encoder.copyBufferToBuffer(range.staged.buffer, range.offset + at, buffer, 0, (bytes + 3) & ~3);
    this.staged.add(range.staged);
    return { buffer, offset: 0, size };
  }

  dispatch(d: Dispatch): void {
    this.names.add(d.kernel.name);
    const groups = d.kernel.layouts.map((layout, g) =>
      this.device.createBindGroup({
        layout,
        entries: d.kernel.reflection.bindings
          .filter((b) => b.group === g)
          .map((b) => ({ binding: b.binding, resource: this.resource(d, b.name, b.kind === 'uniform') })),
      }),
    );
    const maxX = this.device.limits.maxComputeWorkgroupsPerDimension;
    const x = Math.min(d.workgroups, maxX);
    const y = x > 0 ? Math.ceil(d.workgroups / x) : 0;
    if (!d.indirect && y > maxX) throw new KernelError(d.kernel.name, 'internal', `${d.workgroups} workgroups exceed the device's grid`);
    const timed = this.querySet && this.queries + 2 <= this.querySet.count;
    const pass = this.encoder.beginComputePass(
      timed && this.querySet
        ? { timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: this.queries, endOfPassWriteIndex: this.queries + 1 } }
        : {},
    );
    if (timed) this.queries += 2;
    pass.setPipeline(d.kernel.pipeline);
    groups.forEach((g, i) => pass.setBindGroup(i, g));
    if (d.indirect) pass.dispatchWorkgroupsIndirect(d.indirect, 0);
    else if (d.workgroups > 0) pass.dispatchWorkgroups(x, y);
    pass.end();
  }

  private resource(d: Dispatch, name: string, uniform: boolean): GPUBufferBinding {
    if (uniform) {
      const binding = d.kernel.reflection.bindings.find((b) => b.name === name);
      const values = d.uniforms?.[name];
      if (!binding || !values) throw new KernelError(d.kernel.name, 'internal', `uniform ${name} was not given`);
      const data = packUniform(binding, values);
      const buf = this.buffer(data.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, `${name}`);
      this.device.queue.writeBuffer(buf, 0, data);
      return { buffer: buf, offset: 0, size: data.byteLength };
    }
    const b = d.buffers[name];
    if (!b) throw new KernelError(d.kernel.name, 'internal', `buffer ${name} was not given`);
    return 'buffer' in b ? b : { buffer: b };
  }

  /**
   * The bytes [offset, offset+size) of `src`, once finish() has run: copied straight into `into` when given
   * (which it then resolves to; one copy fewer than placing a fresh array), else into a new array. The promise
   * settles only on success: failures are thrown by finish(), which every caller awaits.
   */
  read(src: GPUBuffer, offset: number, size: number, into?: Uint8Array): Promise<Uint8Array> {
    if (size === 0) return Promise.resolve(into ?? new Uint8Array(0));
    if (into && into.length < size) throw new RangeError(`readback of ${size} bytes into ${into.length}`);
    const bytes = (size + 3) & ~3;
    const staging = this.buffer(bytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'staging-read');
    this.encoder.copyBufferToBuffer(src, offset, staging, 0, bytes);
    return new Promise((resolve) => this.reads.push({ staging, size, into, resolve }));
  }

  /**
   * Copies `bytes` bytes of `src` from `offset` into staged output at `at` (past its range's offset), on the
   * GPU's side, in whole words: the caller reads them there once the call has mapped it again.
   */
  readStaged(src: GPUBuffer, offset: number, range: StagedRange, at: number, bytes: number): void {
    if (bytes > 0) this.encoder.copyBufferToBuffer(src, offset, range.staged.buffer, range.offset + at, (bytes + 3) & ~3);
    this.staged.add(range.staged);
  }

  /** Submits, waits for every readback, releases pooled buffers, and reports errors and GPU time. */
  async finish(): Promise<BatchResult> {
    let tsRead: Promise<Uint8Array> | null = null;
    if (this.querySet && this.queries > 0) {
      const resolveBuf = this.buffer(8 * this.queries, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, 'timestamps');
      this.encoder.resolveQuerySet(this.querySet, 0, this.queries, resolveBuf, 0);
      tsRead = this.read(resolveBuf, 0, 8 * this.queries);
    }
    const commands = this.encoder.finish();
    for (const s of this.staged) s.unmapForGpu();
    this.device.queue.submit([commands]);
    // Both scopes are popped before the first await: another batch may push its own in the meantime.
    const scopes = [this.device.popErrorScope(), this.device.popErrorScope()];
    try {
      const [validation, oom] = await Promise.all(scopes);
      const kernel = [...this.names].join('+') || 'transfer';
      if (oom) throw new KernelError(kernel, 'out-of-memory', oom.message);
      if (validation) throw new KernelError(kernel, 'validation', validation.message);
      await Promise.all(this.reads.map((r) => this.complete(r)));
      if (this.gpu.lost) throw new DeviceLostError(this.gpu.lost.reason, this.gpu.lost.message);
      return { gpuMs: tsRead ? sumPairs(await tsRead) : null };
    } finally {
      this.querySet?.destroy();
      // Wait for the staging buffers to be mapped again, so that the next batch reuses them.
      await Promise.all(this.transient.filter((b) => b.mapState !== 'pending').map((b) => this.pool.release(b)));
    }
  }

  private async complete(r: (typeof this.reads)[number]): Promise<void> {
    try {
      await r.staging.mapAsync(GPUMapMode.READ, 0, (r.size + 3) & ~3);
    } catch (e) {
      const lost = this.gpu.lost;
      throw lost ? new DeviceLostError(lost.reason, lost.message) : e;
    }
    const out = r.into ?? new Uint8Array(r.size);
    out.set(new Uint8Array(r.staging.getMappedRange(0, (r.size + 3) & ~3), 0, r.size));
    r.staging.unmap();
    r.resolve(out);
  }
}

function sumPairs(bytes: Uint8Array): number {
  const t = new BigUint64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  let ns = 0n;
  for (let i = 0; i + 1 < t.length; i += 2) {
    const a = t[i] ?? 0n;
    const b = t[i + 1] ?? 0n;
    if (b > a) ns += b - a;
  }
  return Number(ns) / 1e6;
}
