// Memory the GPU copies from or into as it is. Every call otherwise makes two host copies: its input from the
// caller's array into a mapped upload buffer, and its result from a mapped readback buffer into an array. On a
// fast GPU those copies are most of a call's time (an H200's host copied at 5.7–8.6 GB/s, which capped
// memory-to-memory calls near 6 GB/s). Staged memory *is* the mapped buffer: the caller writes a frame into an
// input's `data` (a decoder, a read from a pipe) and reads the result from an output's, and the call's batches
// copy on the GPU's side. While a call uses it, the buffer is unmapped and `data` detached; the call maps it again
// before it returns (an input with its contents kept, so a static input can be sent again unchanged).
import { InputError } from '../errors.js';

/** Memory for a kernel's input or result: a mapped GPU buffer on the GPU backend, a plain array on the CPU. */
export interface StagedMemory {
  /** The bytes to fill (input) or read (output). Take it again after each call: the GPU backend replaces it. */
  readonly data: Uint8Array;
  readonly byteLength: number;
  /** Frees the memory; `data` is unusable afterwards. */
  destroy(): void;
}

export type StageDirection = 'input' | 'output';

type State = 'mapped' | 'in-use' | 'destroyed';

const USAGE = { input: () => GPUBufferUsage.MAP_WRITE | GPUBufferUsage.COPY_SRC, output: () => GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST };
const MODE = { input: () => GPUMapMode.WRITE, output: () => GPUMapMode.READ };

export class GpuStagedMemory implements StagedMemory {
  readonly buffer: GPUBuffer;
  private view: Uint8Array | null = null;
  private state: State = 'mapped';
  /** The memory of the current mapping: arrays over an earlier one were detached when a call unmapped it. */
  private range: ArrayBuffer | null = null;

  /** Staged memory on `device`, mapped and ready: an input's zeroed, an output's holding zeros until a call. */
  static async create(device: GPUDevice, byteLength: number, direction: StageDirection): Promise<GpuStagedMemory> {
    checkSize(byteLength);
    if (byteLength > device.limits.maxBufferSize) throw new RangeError(`staged memory of ${byteLength} bytes exceeds the device's largest buffer (${device.limits.maxBufferSize} bytes)`);
    const m = new GpuStagedMemory(device, byteLength, direction);
    try {
      if (direction === 'output') await m.buffer.mapAsync(GPUMapMode.READ);
      m.view = m.mapView();
    } catch (e) {
      m.destroy();
      throw e;
    }
    return m;
  }

  private constructor(
    readonly device: GPUDevice,
    readonly byteLength: number,
    readonly direction: StageDirection,
  ) {
    // Copies go in whole words, so the buffer is rounded up; `data` shows exactly byteLength bytes.
    const size = (byteLength + 3) & ~3;
    this.buffer = device.createBuffer({ label: `staged-${direction}`, size, usage: USAGE[direction](), mappedAtCreation: direction === 'input' });
  }

  get data(): Uint8Array {
    if (this.state === 'in-use') throw new InputError(`staged ${this.direction}`, 'a call is using it; await that call first');
    if (this.state === 'destroyed' || !this.view) throw new InputError(`staged ${this.direction}`, 'it was destroyed (or its device was lost); stage a new one');
    return this.view;
  }

  /** Marks it in use by a call (one at a time) that reads or fills `view`; throws as `data` does when it cannot. */
  claim(view: ArrayBufferView): void {
    void this.data;
    if (view.buffer !== this.range) throw new InputError(`staged ${this.direction}`, 'this array is from before its last call, which detached it; take `data` again');
    this.state = 'in-use';
  }

  destroy(): void {
    if (this.state === 'destroyed') return;
    this.state = 'destroyed';
    this.view = null;
    this.range = null;
    this.buffer.destroy();
  }

  /** Before a submit that copies from or into it: the GPU cannot use a mapped buffer. */
  unmapForGpu(): void {
    if (this.state === 'in-use' && this.buffer.mapState === 'mapped') {
      this.view = null;
      this.range = null;
      this.buffer.unmap();
    }
  }

  /** After the call's last batch: mapped again (once the GPU is done with it) for the next input or for reading. */
  async release(): Promise<void> {
    if (this.state !== 'in-use') return;
    if (this.buffer.mapState === 'mapped') {
      this.state = 'mapped'; // never unmapped: the call failed before its first submit
      return;
    }
    try {
      await this.buffer.mapAsync(MODE[this.direction]());
      this.view = this.mapView();
      this.state = 'mapped';
    } catch {
      this.destroy(); // the device was lost: `data` says so
    }
  }

  private mapView(): Uint8Array {
    const range = this.buffer.getMappedRange();
    owners.set(range, this);
    this.range = range;
    return new Uint8Array(range, 0, this.byteLength);
  }
}

const owners = new WeakMap<ArrayBufferLike, GpuStagedMemory>();

/**
 * Where a call's input or output lies in staged memory: its buffer and the byte offset there, and whether the
 * GPU can copy it (`direct`) or the call copies on the host, through the mapping, as for any array.
 */
export interface StagedRange {
  readonly staged: GpuStagedMemory;
  readonly offset: number;
  readonly direct: boolean;
  /**
   * Ends this claim (maps the memory again); once: a later call would otherwise find the memory claimed by
   * another call and end that claim instead.
   */
  release(): Promise<void>;
  /** Output the GPU copied into: the claim ended, and the `bytes` of the result in the memory, mapped again. */
  result(bytes: number): Promise<Uint8Array>;
}

/**
 * The staged memory that `view` is a view of, claimed for one call on `device` (null for any other array). The
 * claim holds either way until the caller's `release()`, so no other call unmaps memory this one still reads on
 * the host. Read before anything unmaps it: a detached view reports offset 0.
 */
function claimStaged(device: GPUDevice, view: ArrayBufferView, direction: StageDirection, bytes: number): StagedRange | null {
  const staged = owners.get(view.buffer);
  if (!staged || staged.direction !== direction) return null;
  if (staged.device !== device) throw new InputError(`staged ${direction}`, 'it was staged on another GPU device (the engine replaces a lost device); stage a new one');
  staged.claim(view); // first: a detached view's offset reads 0
  const offset = view.byteOffset;
  // Copies go in whole words. An input may read past its last byte; an output must not write over bytes of the
  // caller's that follow it, unless those are the buffer's own padding past its last byte.
  const wholeWords = direction === 'input' || bytes % 4 === 0 || offset + bytes === staged.byteLength;
  let released: Promise<void> | null = null;
  const release = () => (released ??= staged.release());
  return {
    staged,
    offset,
    direct: offset % 4 === 0 && wholeWords,
    release,
    result: async (n) => {
      await release();
      return staged.data.subarray(offset, offset + n);
    },
  };
}

/** A call's staged memory: its input's and its output's claims (null for plain arrays), ended together. */
export interface CallMemory {
  readonly input: StagedRange | null;
  readonly output: StagedRange | null;
  release(): Promise<void>;
}

/**
 * Claims a call's input `data` and its output `into` (of `outBytes`) where they are staged memory. One staged
 * memory on both sides is copied on the host on both: unmapping it for one would detach the other, which the call
 * still reads or fills.
 */
export function claimCall(device: GPUDevice, data: ArrayBufferView | undefined, into: Uint8Array | undefined, outBytes: number): CallMemory {
  const input = data ? claimStaged(device, data, 'input', data.byteLength) : null;
  let output: StagedRange | null;
  try {
    output = into ? claimStaged(device, into, 'output', outBytes) : null;
  } catch (e) {
    void input?.release();
    throw e;
  }
  const release = async () => void (await Promise.all([input?.release(), output?.release()]));
  const owner = data && owners.get(data.buffer);
  if (!owner || !into || owners.get(into.buffer) !== owner) return { input, output, release };
  const hostCopied = (r: StagedRange | null) => r && { ...r, direct: false };
  return { input: hostCopied(input), output: hostCopied(output), release };
}

/** A CPU backend's staged memory: a plain array. */
export class PlainStagedMemory implements StagedMemory {
  private view: Uint8Array | null;
  constructor(readonly byteLength: number) {
    checkSize(byteLength);
    this.view = new Uint8Array(byteLength);
  }
  get data(): Uint8Array {
    if (!this.view) throw new InputError('staged memory', 'it was destroyed; stage a new one');
    return this.view;
  }
  destroy(): void {
    this.view = null;
  }
}

function checkSize(byteLength: number): void {
  if (!Number.isInteger(byteLength) || byteLength < 1) throw new RangeError(`staged memory size must be a positive integer, not ${byteLength}`);
}
