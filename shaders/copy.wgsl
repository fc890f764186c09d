// The roofline's yardstick: a plain copy of 16-byte words, no arithmetic, so its bandwidth is what the device's
// memory system gives a compute kernel. Each workgroup copies one block of WORKGROUP·PER words, invocation t the
// words t, t + WORKGROUP, … of its block, so neighbouring invocations touch neighbouring words (coalesced).
// (`base`, not `block`: the reflection parser reads `block` as a keyword.)

struct Params {
  words: u32,  // 16-byte words to copy
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<u32>>;

const WORKGROUP: u32 = 64u;
const PER: u32 = 4u;

@compute @workgroup_size(WORKGROUP)
fn copy(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) groups: vec3<u32>) {
  let base = (wid.y * groups.x + wid.x) * WORKGROUP * PER;
  let end = min(base + WORKGROUP * PER, params.words);
  for (var i = base + t; i < end; i += WORKGROUP) {
    dst[i] = src[i];
  }
}
