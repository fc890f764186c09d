// What we tell users about the adapter: enough to judge whether a timing came from real hardware.

export interface AdapterReport {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** The browser or Dawn marked it a fallback adapter (typically a CPU implementation). */
  readonly isFallback: boolean;
  /** A CPU implementation of the API: lavapipe/llvmpipe, SwiftShader, WARP. */
  readonly isSoftware: boolean;
  /** Where the device came from. */
  readonly source: 'node' | 'browser' | 'caller';
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|warp|basic render/i;

export function describeAdapter(adapter: GPUAdapter | null, source: AdapterReport['source'], device?: GPUDevice): AdapterReport {
  // adapter.info (newer) or device.adapterInfo (newest); both may be absent for a caller's device.
  const info = (adapter?.info ?? (device as { adapterInfo?: GPUAdapterInfo } | undefined)?.adapterInfo) as
    | (GPUAdapterInfo & { isFallbackAdapter?: boolean })
    | undefined;
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const dev = info?.device ?? '';
  const description = info?.description || [vendor, architecture, dev].filter(Boolean).join(' ') || 'unknown adapter';
  const isFallback = Boolean(info?.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean } | null)?.isFallbackAdapter);
  const isSoftware = isFallback || SOFTWARE.test(`${vendor} ${architecture} ${dev} ${description}`);
  return { vendor, architecture, device: dev, description, isFallback, isSoftware, source };
}

export function adapterLabel(a: AdapterReport): string {
  return `${a.description}${a.isSoftware ? ' (software)' : ''}`;
}
