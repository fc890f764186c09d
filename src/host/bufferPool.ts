// Buffers reused across calls, per device: storage buffers, uniform buffers, and the staging buffers that
// uploads and readbacks go through. A soak of thousands of calls allocates only on its first few.

const MAX_FREE_PER_CLASS = 4;

/** Sizes are rounded up so that near-equal requests share buffers, wasting at most 1/8. */
export function sizeClass(bytes: number): number {
  const n = Math.max(256, bytes);
  const step = Math.max(256, 2 ** Math.floor(Math.log2(n)) / 8);
  return Math.ceil(n / step) * step;
}

export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly owner = new WeakMap<GPUBuffer, string>();

  constructor(private readonly device: GPUDevice) {}

  /**
   * A buffer of at least `bytes` with exactly `usage`. Buffers with MAP_WRITE come back mapped, ready to fill.
   */
  acquire(usage: number, bytes: number, label: string): GPUBuffer {
    const size = sizeClass(bytes);
    const key = `${usage}/${size}`;
    const reused = this.free.get(key)?.pop();
    if (reused) return reused;
    const mapped = (usage & GPUBufferUsage.MAP_WRITE) !== 0;
    const buf = this.device.createBuffer({ label, size, usage, mappedAtCreation: mapped });
    this.owner.set(buf, key);
    return buf;
  }

  /**
   * Returns a buffer. A MAP_WRITE staging buffer is re-mapped first (the promise settles once it is back in the
   * pool), so it must not be in use by a pending submit's CPU side. Awaiting that matters: a staging buffer
   * created afresh costs page faults over its whole size, 30 times a reused one's copy on lavapipe.
   */
  release(buf: GPUBuffer): Promise<void> {
    const key = this.owner.get(buf);
    if (key === undefined) return Promise.resolve();
    if ((buf.usage & GPUBufferUsage.MAP_WRITE) !== 0 && buf.mapState !== 'mapped') {
      return buf.mapAsync(GPUMapMode.WRITE).then(
        () => this.keep(key, buf),
        () => buf.destroy(),
      );
    }
    this.keep(key, buf);
    return Promise.resolve();
  }

  private keep(key: string, buf: GPUBuffer): void {
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    if (list.length < MAX_FREE_PER_CLASS) list.push(buf);
    else buf.destroy();
  }

  /** Destroys every pooled buffer (buffers in use are the caller's). */
  clear(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
  }
}

const pools = new WeakMap<GPUDevice, BufferPool>();

export function poolFor(device: GPUDevice): BufferPool {
  let p = pools.get(device);
  if (!p) pools.set(device, (p = new BufferPool(device)));
  return p;
}
