// Input memory the GPU copies from as it is. Every call otherwise copies its input once on the host, from the
// caller's array into a mapped upload buffer; on a fast GPU that copy is most of a call's time (an H200's host
// copied at 5.7–8.6 GB/s, which capped memory-to-memory calls near 6 GB/s). A staged input *is* a mapped upload
// buffer: the caller writes a frame into `data` (a decoder, a read from a pipe), and the call's batches copy
// from it on the GPU's side. While a call uses it, the buffer is unmapped and `data` detached; the call maps it
// again before it returns, with its contents kept, so a static input can be sent again unchanged.
import { InputError } from '../errors.js';

/** Memory for a kernel's input: mapped GPU upload memory on the GPU backend, a plain array on the CPU. */
export interface InputMemory {
  /** The bytes to fill. Take it again after each call: the GPU backend replaces the array. */
  readonly data: Uint8Array;
  readonly byteLength: number;
  /** Frees the memory; `data` is unusable afterwards. */
  destroy(): void;
}

type State = 'mapped' | 'in-use' | 'destroyed';

export class StagedInput implements InputMemory {
  readonly buffer: GPUBuffer;
  private view: Uint8Array | null;
  private state: State = 'mapped';
  /** The memory of the current mapping: arrays over an earlier one were detached when a call unmapped it. */
  private range: ArrayBuffer | null = null;

  constructor(
    readonly device: GPUDevice,
    readonly byteLength: number,
  ) {
    if (!Number.isInteger(byteLength) || byteLength < 1) throw new RangeError(`staged input size must be a positive integer, not ${byteLength}`);
    // Copies go in whole words, so the buffer is rounded up; `data` shows exactly byteLength bytes.
    this.buffer = device.createBuffer({ label: 'staged-input', size: (byteLength + 3) & ~3, usage: GPUBufferUsage.MAP_WRITE | GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
    this.view = this.mapView();
  }

  get data(): Uint8Array {
    if (this.state === 'in-use') throw new InputError('staged input', 'a call is using it; await that call before writing the next input');
    if (this.state === 'destroyed' || !this.view) throw new InputError('staged input', 'it was destroyed (or its device was lost); stage a new one');
    return this.view;
  }

  /** Marks it in use by a call (one at a time) that reads `view`; throws as `data` does when it cannot be. */
  claim(view: ArrayBufferView): void {
    void this.data;
    if (view.buffer !== this.range) throw new InputError('staged input', 'this array is from before its last call, which detached it; take `data` again');
    this.state = 'in-use';
  }

  destroy(): void {
    if (this.state === 'destroyed') return;
    this.state = 'destroyed';
    this.view = null;
    this.range = null;
    this.buffer.destroy();
  }

  /** Before a submit that copies from it: the GPU cannot read a mapped buffer. */
  unmapForGpu(): void {
    if (this.state === 'in-use' && this.buffer.mapState === 'mapped') {
      this.view = null;
      this.range = null;
      this.buffer.unmap();
    }
  }

  /** After the call's last batch: mapped again, with the same contents, for the next input. */
  async release(): Promise<void> {
    if (this.state !== 'in-use') return;
    if (this.buffer.mapState === 'mapped') {
      this.state = 'mapped'; // never unmapped: the call failed before its first submit
      return;
    }
    try {
      await this.buffer.mapAsync(GPUMapMode.WRITE);
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

const owners = new WeakMap<ArrayBufferLike, StagedInput>();

/** Where a call's input lies in a staged input: its buffer and the input's byte offset there. */
export interface StagedRange {
  readonly staged: StagedInput;
  readonly offset: number;
}

/**
 * The staged input that `view` is a view of, claimed for one call on `device`; null for any other array (and for
 * a view at an offset that is not a whole word, which the call then copies as usual). Read before anything
 * unmaps it: a detached view reports offset 0. The caller must `release()` it when the call ends.
 */
export function claimStaged(device: GPUDevice, view: ArrayBufferView): StagedRange | null {
  const staged = owners.get(view.buffer);
  if (!staged) return null;
  if (staged.device !== device) throw new InputError('staged input', 'it was staged on another GPU device (the engine replaces a lost device); stage a new one');
  staged.claim(view); // first: a detached view's offset reads 0
  if (view.byteOffset % 4 !== 0) {
    void staged.release();
    return null;
  }
  return { staged, offset: view.byteOffset };
}

/** A CPU backend's input memory: a plain array. */
export class PlainInput implements InputMemory {
  private view: Uint8Array | null;
  constructor(readonly byteLength: number) {
    if (!Number.isInteger(byteLength) || byteLength < 1) throw new RangeError(`staged input size must be a positive integer, not ${byteLength}`);
    this.view = new Uint8Array(byteLength);
  }
  get data(): Uint8Array {
    if (!this.view) throw new InputError('staged input', 'it was destroyed; stage a new one');
    return this.view;
  }
  destroy(): void {
    this.view = null;
  }
}
