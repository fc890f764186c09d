// The engine: one object that runs kernels on the GPU or on the CPU reference, chosen once.
import { NoAdapterError } from './errors.js';
import type { GpuContext, Notify } from './host/context.js';
import type { AdapterReport } from './host/adapterInfo.js';
import type { GpuHandle } from './host/device.js';
import { orderedPalette, type OrderedPaletteParams, type RgbaImage } from './kernels/orderedPalette.js';
import type { GpuRunOptions } from './kernels/orderedPalette.gpu.js';
import type { CpuPool } from './cpu/pool.js';
import { mayHaveHardwareGpu } from './host/gpuPresence.js';
import { GpuStagedMemory, PlainStagedMemory, type StageDirection, type StagedMemory } from './host/stagedMemory.js';

export type BackendChoice = 'auto' | 'gpu' | 'cpu';
export const BACKENDS: readonly BackendChoice[] = ['auto', 'gpu', 'cpu'];

export interface EngineOptions {
  /** auto (default): the GPU when an adapter exists, else the CPU, said once through `notify`. */
  readonly backend?: BackendChoice;
  /**
   * What `auto` does when the only adapter is a software one (lavapipe, SwiftShader): `use` it (default), or
   * `decline` it for the CPU backend. Use suits long runs (video, stacks), where software Vulkan's compiled
   * kernels outrun the CPU reference; decline suits one image, where its start-up (about 0.7 s of device creation
   * and shader compilation on 2 cores) costs more than the whole job on the CPU. On Linux with no GPU device
   * node (/dev/dri/renderD*, /dev/nvidiactl, /dev/dxg) decline does not even ask for the adapter.
   */
  readonly softwareAdapter?: 'use' | 'decline';
  /**
   * GPU only: input bytes per batch, one submit each (default 32 MiB). Larger batches spread a dispatch's fixed
   * costs over more work, which a big GPU may repay; smaller ones overlap transfers with compute sooner. Chunking
   * never changes a bit.
   */
  readonly batchBytes?: number;
  /** Run on this device instead of creating one. It is never destroyed by the engine. */
  readonly device?: GPUDevice;
  /** Where the engine reports things a user should know (fallbacks, device loss). Default: stderr. */
  readonly notify?: Notify;
  /**
   * CPU backend only: worker threads that run the CPU reference over tiles (Node). Default 1: the reference runs
   * in this thread. Results are identical for every count.
   */
  readonly threads?: number;
}

/** A kernel as the engine runs it: the CPU reference, optionally its tiled form for a worker pool, and the GPU form. */
export interface EngineKernel<T> {
  readonly cpu: () => T | Promise<T>;
  /** The same result computed by the CPU workers; used when the engine has threads > 1. */
  readonly cpuPool?: (pool: CpuPool) => Promise<T>;
  readonly gpu: (gpu: GpuHandle) => Promise<T>;
}

export interface KernelRun {
  readonly indices: Uint8Array;
  /** Kernel time from GPU timestamps, when the adapter has them. */
  readonly gpuMs: number | null;
}

/** The default `notify`: one `ditherforge: …` line on stderr (the console in a browser). */
export const stderrNotify: Notify = (m) => {
  if (typeof process !== 'undefined' && process.stderr) process.stderr.write(`ditherforge: ${m}\n`);
  else console.warn(`ditherforge: ${m}`);
};

export class Engine {
  private constructor(
    readonly backend: 'gpu' | 'cpu',
    private readonly gpu: GpuContext | null,
    private readonly pool: CpuPool | null = null,
  ) {}

  static async create(options: EngineOptions = {}): Promise<Engine> {
    const choice = options.backend ?? 'auto';
    const notify = options.notify ?? stderrNotify;
    if (!BACKENDS.includes(choice)) throw new RangeError(`backend must be one of ${BACKENDS.join(', ')}, not ${String(choice)}`);
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be an integer >= 1, not ${String(threads)}`);
    if (options.softwareAdapter !== undefined && options.softwareAdapter !== 'use' && options.softwareAdapter !== 'decline') {
      throw new RangeError(`softwareAdapter must be use or decline, not ${String(options.softwareAdapter)}`);
    }
    const batchBytes = options.batchBytes;
    if (batchBytes !== undefined && !(Number.isInteger(batchBytes) && batchBytes >= 1 << 16)) {
      throw new RangeError(`batchBytes must be an integer of at least 65536, not ${String(batchBytes)}`);
    }
    if (choice === 'cpu') return new Engine('cpu', null, await cpuPool(threads));
    const decline = choice === 'auto' && options.softwareAdapter === 'decline' && !options.device;
    if (decline && !(await mayHaveHardwareGpu())) {
      notify('no hardware GPU here (no GPU device node); using the CPU backend, faster for one image than a software GPU (--backend gpu uses one)');
      return new Engine('cpu', null, await cpuPool(threads));
    }
    // Loaded here, not at the top: the CPU backend's commands skip the device code's start-up (~12 ms).
    const { GpuContext } = await import('./host/context.js');
    const declined: { adapter?: AdapterReport } = {};
    const ctx = await GpuContext.open({
      notify,
      ...(options.device ? { device: options.device } : {}),
      ...(decline ? { declineSoftware: (a: AdapterReport) => void (declined.adapter = a) } : {}),
      ...(batchBytes === undefined ? {} : { batchBytes }),
    });
    if (ctx) return new Engine('gpu', ctx);
    if (choice === 'gpu') {
      throw new NoAdapterError('--backend gpu: no WebGPU adapter found (on Linux without a GPU, run scripts/setup.sh to install a software Vulkan driver)');
    }
    notify(
      declined.adapter
        ? `the only GPU is a software one (${declined.adapter.description}), slower than the CPU backend for one image; using the CPU (--backend gpu uses it)`
        : 'no WebGPU adapter found; using the CPU backend',
    );
    return new Engine('cpu', null, await cpuPool(threads));
  }

  /** The adapter in use, or null on the CPU backend. */
  get adapter(): AdapterReport | null {
    return this.gpu?.handle.adapter ?? null;
  }

  /** CPU threads that run kernels: the worker count, or 1 (in this thread); 1 on the GPU backend. */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /**
   * Kernels run in this thread (the CPU backend without workers), so a kernel can take an image band by band as it
   * decodes (formats/pngBands.ts) instead of whole.
   */
  get inThread(): boolean {
    return !this.gpu && !this.pool;
  }

  /** The live GPU device (re-created if lost), for callers that want to share it; null on the CPU backend. */
  async device(): Promise<GPUDevice | null> {
    return this.gpu ? (await this.gpu.acquire()).device : null;
  }

  /**
   * Runs one kernel on this engine's backend: `gpu` with a live device (re-created first if it was lost), or the
   * CPU reference. Every kernel module goes through here, so backend choice and device recovery live in one place.
   */
  async run<T>(kernel: EngineKernel<T>): Promise<T> {
    if (!this.gpu) return this.pool && kernel.cpuPool ? kernel.cpuPool(this.pool) : kernel.cpu();
    return kernel.gpu(await this.gpu.acquire());
  }

  /**
   * Memory of `bytes` bytes that a call copies from (`input`: fill it in place, e.g. decode a frame into it, and
   * pass it as an image's data) or into (`output`: pass it as `into`, and read the result there). On the GPU it is
   * the mapped transfer buffer itself, so the call makes no host copy of that side. Take `data` again after each
   * call: the call detaches the array it had. On the CPU backends it is a plain array.
   */
  async stage(bytes: number, direction: StageDirection = 'input'): Promise<StagedMemory> {
    if (direction !== 'input' && direction !== 'output') throw new RangeError(`stage direction must be input or output, not ${String(direction)}`);
    if (!this.gpu) return new PlainStagedMemory(bytes);
    return GpuStagedMemory.create((await this.gpu.acquire()).device, bytes, direction);
  }

  orderedPalette(image: RgbaImage, params: OrderedPaletteParams, options: GpuRunOptions = {}): Promise<KernelRun> {
    return this.run({
      cpu: () => ({ indices: orderedPalette(image, params, 0, image.height, options.into), gpuMs: null }),
      cpuPool: async (pool) => ({ indices: await pool.orderedPalette(image, params, options.into), gpuMs: null }),
      // Loaded on first use: the GPU kernels and their pipeline code are ~50 ms of start-up the CPU backend skips.
      gpu: async (gpu) => (await import('./kernels/orderedPalette.gpu.js')).orderedPaletteGpu(gpu, image, params, options),
    });
  }

  /**
   * Frees GPU resources (a device the engine created is destroyed so the process can exit) and stops the CPU
   * workers. The promise settles once the workers have exited; awaiting it is optional.
   */
  destroy(): Promise<void> {
    this.gpu?.destroy();
    return this.pool?.destroy() ?? Promise.resolve();
  }
}

/**
 * The worker pool for threads > 1, started and warmed. Loaded on demand, so browser bundles never see
 * node:worker_threads; from the sources (vitest) the module is the .ts file.
 */
async function cpuPool(threads: number): Promise<CpuPool | null> {
  if (threads <= 1) return null;
  // Joined at run time so that bundlers cannot resolve it and pull Node modules into a browser build.
  const spec = ['.', 'cpu', import.meta.url.endsWith('.ts') ? 'pool.ts' : 'pool.js'].join('/');
  const mod = (await import(/* @vite-ignore */ spec)) as typeof import('./cpu/pool.js');
  const pool = new mod.CpuPool(threads);
  await pool.warm();
  return pool;
}
