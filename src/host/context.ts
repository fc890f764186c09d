// The engine's hold on a GPU: acquires a device, notices when it is lost, and replaces it on the next call.
import { DeviceLostError, NoAdapterError } from '../errors.js';
import { requestGpu, wrapDevice, type GpuHandle, type GpuRequest } from './device.js';
import { poolFor } from './bufferPool.js';

export type Notify = (message: string) => void;

export class GpuContext {
  private constructor(
    private current: GpuHandle,
    private readonly notify: Notify,
  ) {}

  /** A context on the caller's device, or on a new one; null when there is no adapter. */
  static async open(options: { device?: GPUDevice; notify?: Notify; declineSoftware?: GpuRequest['declineSoftware']; batchBytes?: number } = {}): Promise<GpuContext | null> {
    const notify = options.notify ?? (() => {});
    const request: GpuRequest = {
      ...(options.declineSoftware ? { declineSoftware: options.declineSoftware } : {}),
      ...(options.batchBytes === undefined ? {} : { batchBytes: options.batchBytes }),
    };
    const handle = options.device ? wrapDevice(options.device, options.batchBytes) : await requestGpu(request);
    return handle ? new GpuContext(handle, notify) : null;
  }

  /** The handle as it stands, possibly lost. */
  get handle(): GpuHandle {
    return this.current;
  }

  /** A live device: if the last one was lost, say so and create a new one (only for devices we own). */
  async acquire(): Promise<GpuHandle> {
    const lost = this.current.lost;
    if (!lost) return this.current;
    if (!this.current.owned) throw new DeviceLostError(lost.reason, `${lost.message} (the caller's device cannot be replaced)`);
    this.notify(`GPU device lost (${lost.reason}${lost.message ? `: ${lost.message}` : ''}); creating a new one`);
    const next = await requestGpu({ batchBytes: this.current.batchBytes }); // the engine's batch size, kept
    if (!next) throw new NoAdapterError('the GPU device was lost and no adapter is available any more');
    this.current = next;
    return next;
  }

  /** Releases pooled buffers and, for a device we created, the device itself (which lets Node exit). */
  destroy(): void {
    poolFor(this.current.device).clear();
    if (this.current.owned) this.current.device.destroy();
  }
}
