// Bind group layouts and uniform layouts derived from the WGSL itself, so no binding is described twice.
import { ResourceType, WgslReflect, type VariableInfo } from 'wgsl_reflect/wgsl_reflect.module.js';

export interface BindingInfo {
  readonly name: string;
  readonly group: number;
  readonly binding: number;
  readonly kind: 'uniform' | 'read-only-storage' | 'storage';
  /** Uniform structs only: member name → where its values go, for packing. */
  readonly members?: ReadonlyMap<string, MemberLayout>;
  /** Size of the uniform struct in bytes. */
  readonly size: number;
}

/** A uniform member: `count` elements of `width` scalars, `stride` bytes apart, from `offset`. */
export interface MemberLayout {
  readonly offset: number;
  readonly scalar: 'f32' | 'i32' | 'u32';
  readonly width: number;
  readonly count: number;
  readonly stride: number;
}

export interface KernelReflection {
  readonly entry: string;
  readonly workgroupSize: readonly [number, number, number];
  readonly bindings: readonly BindingInfo[];
  readonly layouts: GPUBindGroupLayoutDescriptor[];
}

// GPUShaderStage.COMPUTE, spelled out: reflection runs before any device exists (and Dawn's globals with it).
const COMPUTE_STAGE = 0x4;

function kindOf(v: VariableInfo): BindingInfo['kind'] {
  if (v.resourceType === ResourceType.Uniform) return 'uniform';
  if (v.resourceType === ResourceType.Storage) return v.access === 'read' ? 'read-only-storage' : 'storage';
  throw new Error(`binding ${v.name}: only buffers are supported (resource type ${v.resourceType})`);
}

function membersOf(v: VariableInfo): BindingInfo['members'] {
  const members = v.members;
  if (!members) return undefined;
  const out = new Map<string, MemberLayout>();
  for (const m of members) {
    const element = m.isArray ? (m.format?.getTypeName() ?? 'u32') : m.type.getTypeName();
    const width = vectorWidth(element);
    out.set(m.name, {
      offset: m.offset,
      scalar: scalarOf(element),
      width,
      count: m.isArray ? m.count : 1,
      stride: m.isArray ? m.stride : 4 * width,
    });
  }
  return out;
}

function vectorWidth(type: string): number {
  const m = /^vec([234])/.exec(type);
  return m ? Number(m[1]) : 1;
}

function scalarOf(type: string): MemberLayout['scalar'] {
  if (/f32|vec[234]f|^f/.test(type)) return 'f32';
  if (/i32|vec[234]i/.test(type)) return 'i32';
  return 'u32';
}

export function reflectKernel(source: string, entry: string): KernelReflection {
  const reflect = new WgslReflect(source);
  const fn = reflect.entry.compute.find((f) => f.name === entry);
  if (!fn) throw new Error(`no @compute entry point named ${entry}`);
  const bindings: BindingInfo[] = fn.resources.map((v) => {
    const members = membersOf(v);
    return { name: v.name, group: v.group, binding: v.binding, kind: kindOf(v), size: v.size, ...(members ? { members } : {}) };
  });
  const groups = Math.max(-1, ...bindings.map((b) => b.group)) + 1;
  const layouts: GPUBindGroupLayoutDescriptor[] = Array.from({ length: groups }, (_, g) => ({
    label: `${entry}/group${g}`,
    entries: bindings
      .filter((b) => b.group === g)
      .map((b) => ({ binding: b.binding, visibility: COMPUTE_STAGE, buffer: { type: b.kind } })),
  }));
  const ws = fn.workgroupSize ?? [1, 1, 1];
  return { entry, workgroupSize: [ws[0], ws[1], ws[2]], bindings, layouts };
}

/** Packs a uniform struct from named values, at the offsets the WGSL compiler will use. */
export function packUniform(binding: BindingInfo, values: Readonly<Record<string, number | readonly number[]>>): ArrayBuffer {
  if (!binding.members) throw new Error(`binding ${binding.name} is not a struct`);
  const buf = new ArrayBuffer(Math.ceil(binding.size / 16) * 16);
  const view = new DataView(buf);
  for (const [name, value] of Object.entries(values)) {
    const m = binding.members.get(name);
    if (!m) throw new Error(`uniform ${binding.name} has no member ${name}`);
    const list = typeof value === 'number' ? [value] : value;
    if (list.length > m.count * m.width) {
      throw new Error(`uniform ${binding.name}.${name}: ${list.length} values for ${m.count * m.width} slots`);
    }
    list.forEach((x, i) => {
      const at = m.offset + Math.floor(i / m.width) * m.stride + 4 * (i % m.width);
      if (m.scalar === 'f32') view.setFloat32(at, x, true);
      else if (m.scalar === 'i32') view.setInt32(at, x, true);
      else view.setUint32(at, x, true);
    });
  }
  for (const name of binding.members.keys()) {
    if (!(name in values) && !name.startsWith('_')) throw new Error(`uniform ${binding.name}.${name} was not given`);
  }
  return buf;
}
