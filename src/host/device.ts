// Device acquisition in the browser (navigator.gpu) and in Node (the `webgpu` package, which is Dawn).
import { describeAdapter, type AdapterReport } from './adapterInfo.js';
import { BATCH_BYTES } from './batches.js';

export interface GpuHandle {
  readonly device: GPUDevice;
  readonly adapter: AdapterReport;
  /** timestamp-query was offered and enabled. */
  readonly timestamps: boolean;
  /** We created the device (and may destroy and re-create it); false for a caller's device. */
  readonly owned: boolean;
  /** Set when device.lost resolves. */
  lost: GPUDeviceLostInfo | null;
  /** Input bytes per batch, one submit each (BATCH_BYTES unless the engine was given another size). */
  readonly batchBytes: number;
}

// Dawn's instance must outlive every device made from it, or the process dies later in Dawn's event loop.
// V8 may collect even a module-level const that nothing reads, so it hangs off globalThis.
const DAWN_KEY = Symbol.for('ditherforge.dawnInstance');
type GlobalWithDawn = typeof globalThis & { [DAWN_KEY]?: GPU };

async function nodeGpu(): Promise<GPU | null> {
  const g = globalThis as GlobalWithDawn;
  if (g[DAWN_KEY]) return g[DAWN_KEY];
  let mod: { create: (options: string[]) => GPU; globals: Record<string, unknown> };
  try {
    const name = 'webgpu'; // a variable keeps browser bundlers from trying to resolve Dawn
    mod = (await import(/* @vite-ignore */ name)) as typeof mod;
  } catch {
    return null;
  }
  // Dawn's constants (GPUBufferUsage, GPUMapMode, ...) as globals, without clobbering any that exist.
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  // Dawn rounds timestamps down to 2^16 ns by default (a browser's guard against timing attacks): every kernel
  // time would be a multiple of 65.5 µs, which hides a real GPU's sub-millisecond kernels. A CLI has no such threat.
  g[DAWN_KEY] = mod.create(['disable-dawn-features=timestamp_quantization']);
  return g[DAWN_KEY];
}

function browserGpu(): GPU | null {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu ?? null;
}

function isNode(): boolean {
  return typeof process !== 'undefined' && Boolean(process.versions?.node);
}

/** Limits worth asking for: everything the adapter offers, so large images and stacks are not held to defaults. */
function requestedLimits(adapter: GPUAdapter): Record<string, number> {
  const out: Record<string, number> = {};
  const names = [
    'maxBufferSize',
    'maxStorageBufferBindingSize',
    'maxComputeWorkgroupsPerDimension',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupStorageSize',
    'maxStorageBuffersPerShaderStage',
  ] as const;
  for (const n of names) {
    const v = adapter.limits[n];
    if (typeof v === 'number') out[n] = v;
  }
  return out;
}

function watchLoss(handle: GpuHandle): GpuHandle {
  void handle.device.lost.then((info) => {
    handle.lost = info;
  });
  return handle;
}

export interface GpuRequest {
  readonly powerPreference?: GPUPowerPreference;
  readonly limits?: 'adapter' | 'default';
  /** When given, a software adapter is not used: this is told which one, and the request gives null. */
  readonly declineSoftware?: (adapter: AdapterReport) => void;
  /** Input bytes per batch (default BATCH_BYTES). */
  readonly batchBytes?: number;
}

/**
 * A GPU device, or null when no adapter is available (or only a software one, with `declineSoftware`). Requests the adapter's real limits and timestamp-query
 * when offered.
 */
export async function requestGpu(options: GpuRequest = {}): Promise<GpuHandle | null> {
  const source = browserGpu() ? 'browser' : 'node';
  const gpu = browserGpu() ?? (isNode() ? await nodeGpu() : null);
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) return null;
  if (options.declineSoftware) {
    const report = describeAdapter(adapter, source);
    if (report.isSoftware) {
      options.declineSoftware(report);
      return null;
    }
  }
  const timestamps = adapter.features.has('timestamp-query');
  const device = await adapter.requestDevice({
    requiredFeatures: timestamps ? ['timestamp-query'] : [],
    // 'default': WebGPU's defaults, as a page's plain requestDevice() gets (tests hold every kernel to them).
    requiredLimits: options.limits === 'default' ? {} : requestedLimits(adapter),
  });
  return watchLoss({ device, adapter: describeAdapter(adapter, source, device), timestamps, owned: true, lost: null, batchBytes: options.batchBytes ?? BATCH_BYTES });
}

/** Wraps a device the caller already has. We never destroy it and cannot replace it if it is lost. */
export function wrapDevice(device: GPUDevice, batchBytes = BATCH_BYTES): GpuHandle {
  return watchLoss({
    device,
    adapter: describeAdapter(null, 'caller', device),
    timestamps: device.features.has('timestamp-query'),
    owned: false,
    lost: null,
    batchBytes,
  });
}
