// Memory patterns of the real kernels, stripped of their arithmetic (bench/probe.ts): how close each pattern alone
// can come to the copy kernel on a given GPU, so that the gap between a real kernel and the roofline splits into
// what its memory access costs and what its arithmetic costs.

struct Params {
  words: u32,  // input words (one RGBA8 pixel each)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

const WORKGROUP: u32 = 64u;

fn flatId(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return gid.y * groups.x * WORKGROUP + gid.x;
}

// The 2D kernels' pattern: four consecutive pixels per invocation as four word loads, one packed output word.
@compute @workgroup_size(WORKGROUP)
fn pixels4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let w = flatId(gid, groups);
  let p = 4u * w;
  if (p + 3u >= params.words) { return; }
  dst[w] = (src[p] & 0xffu) | ((src[p + 1u] & 0xffu) << 8u) | ((src[p + 2u] & 0xffu) << 16u) | (src[p + 3u] << 24u);
}

// The same four pixels as one 16-byte load.
@group(0) @binding(3) var<storage, read> src4: array<vec4<u32>>;

@compute @workgroup_size(WORKGROUP)
fn pixels4vec(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let w = flatId(gid, groups);
  if (4u * w + 3u >= params.words) { return; }
  let v = src4[w];
  dst[w] = (v.x & 0xffu) | ((v.y & 0xffu) << 8u) | ((v.z & 0xffu) << 16u) | (v.w << 24u);
}

// The warm split table: pixels4 plus one table word per pixel at its 24-bit colour, read plainly (two passes'
// applySplits) or with atomic loads (the fused kernel).
@group(0) @binding(4) var<storage, read> table: array<u32>;
@group(0) @binding(5) var<storage, read_write> atomicTable: array<atomic<u32>>;

@compute @workgroup_size(WORKGROUP)
fn pixels4table(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let w = flatId(gid, groups);
  let p = 4u * w;
  if (p + 3u >= params.words) { return; }
  let a = table[src[p] & 0xffffffu];
  let b = table[src[p + 1u] & 0xffffffu];
  let c = table[src[p + 2u] & 0xffffffu];
  let d = table[src[p + 3u] & 0xffffffu];
  dst[w] = (a & 0xffu) | ((b & 0xffu) << 8u) | ((c & 0xffu) << 16u) | (d << 24u);
}

@compute @workgroup_size(WORKGROUP)
fn pixels4atomic(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let w = flatId(gid, groups);
  let p = 4u * w;
  if (p + 3u >= params.words) { return; }
  let a = atomicLoad(&atomicTable[src[p] & 0xffffffu]);
  let b = atomicLoad(&atomicTable[src[p + 1u] & 0xffffffu]);
  let c = atomicLoad(&atomicTable[src[p + 2u] & 0xffffffu]);
  let d = atomicLoad(&atomicTable[src[p + 3u] & 0xffffffu]);
  dst[w] = (a & 0xffu) | ((b & 0xffu) << 8u) | ((c & 0xffu) << 16u) | (d << 24u);
}

// The grey stacks' pattern: 32 bytes (two 16-byte loads) in, one word out.
@compute @workgroup_size(WORKGROUP)
fn bytes32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let w = flatId(gid, groups);
  if (8u * w + 7u >= params.words) { return; }
  let a = src4[2u * w];
  let b = src4[2u * w + 1u];
  let o = (a | b) & vec4(0x80808080u);
  dst[w] = o.x | (o.y >> 1u) | (o.z >> 2u) | (o.w >> 3u);
}
