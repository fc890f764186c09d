// Whether this machine can have a hardware GPU adapter at all, read from its device nodes without loading Dawn
// (whose adapter request alone costs ~0.15 s with software Vulkan). On Linux every hardware Vulkan driver opens a
// DRM render node (/dev/dri/renderD*), NVIDIA's /dev/nvidiactl, or WSL's /dev/dxg: with none of them, an adapter
// can only be a software one. Elsewhere, or when in doubt, the answer is yes and the adapter is asked.

export async function mayHaveHardwareGpu(): Promise<boolean> {
  if (typeof process === 'undefined' || process.platform !== 'linux' || (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) return true;
  const name = 'node:fs'; // a variable keeps browser bundlers from resolving it
  const fs = (await import(/* @vite-ignore */ name)) as typeof import('node:fs');
  if (fs.existsSync('/dev/nvidiactl') || fs.existsSync('/dev/dxg')) return true;
  try {
    return fs.readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
