// Compute pipelines, created once per device and kernel. The cache is a WeakMap on the device, so a lost or
// destroyed device takes its pipelines with it.
import { shaderSources } from '../generated/shaders.js';
import { KernelError } from '../errors.js';
import { reflectKernel, type KernelReflection } from './reflect.js';

export interface Kernel {
  /** `shaderFile/entry`, used in error messages and timings. */
  readonly name: string;
  readonly pipeline: GPUComputePipeline;
  readonly layouts: GPUBindGroupLayout[];
  readonly reflection: KernelReflection;
}

const cache = new WeakMap<GPUDevice, Map<string, Promise<Kernel>>>();

/**
 * The WGSL of shaders/`file`.wgsl with its `//!include name` lines replaced by shaders/name.wgsl (once each),
 * so shared functions are written once.
 */
export function shaderSource(file: string, seen = new Set<string>()): string {
  const src = shaderSources[file];
  if (src === undefined) throw new Error(`no shader shaders/${file}.wgsl`);
  seen.add(file);
  return src.replace(/^\/\/!include (\w+)\s*$/gm, (_, name: string) => (seen.has(name) ? '' : shaderSource(name, seen)));
}

async function build(device: GPUDevice, file: string, entry: string): Promise<Kernel> {
  const name = `${file}/${entry}`;
  const code = shaderSource(file);
  const reflection = reflectKernel(code, entry);
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: file, code });
  const info = await module.getCompilationInfo();
  const firstError = info.messages.find((m) => m.type === 'error');
  const layouts = reflection.layouts.map((d) => device.createBindGroupLayout(d));
  const pipeline = await device
    .createComputePipelineAsync({
      label: name,
      layout: device.createPipelineLayout({ label: name, bindGroupLayouts: layouts }),
      compute: { module, entryPoint: entry },
    })
    .catch((e: unknown) => e as Error);
  const scoped = await device.popErrorScope();
  if (firstError) throw new KernelError(name, 'validation', `${firstError.lineNum}:${firstError.linePos} ${firstError.message}`);
  if (scoped) throw new KernelError(name, 'validation', scoped.message);
  if (pipeline instanceof Error) throw new KernelError(name, 'validation', pipeline.message);
  return { name, pipeline, layouts, reflection };
}

/** The kernel `entry` of shaders/`file`.wgsl on this device, compiled at most once. */
export function getKernel(device: GPUDevice, file: string, entry: string): Promise<Kernel> {
  let perDevice = cache.get(device);
  if (!perDevice) cache.set(device, (perDevice = new Map()));
  const key = `${file}/${entry}`;
  let k = perDevice.get(key);
  if (!k) {
    k = build(device, file, entry);
    perDevice.set(key, k);
    k.catch(() => perDevice?.delete(key)); // a failed build is not cached
  }
  return k;
}
