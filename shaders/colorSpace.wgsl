// The integer distance-space transform of src/color/space.ts, shared by every kernel that measures colour
// distance. A kernel pulls it in with the line `//!include colorSpace`; it owns bind group 1.

struct SpaceTransform {
  m1: array<vec4<i32>, 3>,  // rows, Q14 (xyz used): linear Q16 RGB → Q16
  m2: array<vec4<i32>, 3>,  // rows, Q12 (xyz used)
}

@group(1) @binding(0) var<uniform> space: SpaceTransform;
@group(1) @binding(1) var<storage, read> spaceCurve: array<u32>;  // 65536 entries, Q16 → Q16

fn spaceRow(row: vec4<i32>, lin: vec3<i32>) -> u32 {
  return spaceCurve[u32(clamp((dot(row.xyz, lin) + 8192) >> 14u, 0, 65535))];
}

/** Linear Q16 RGB → coordinates where 4096 is 1.0. Every product fits in 32 bits; shifts are arithmetic. */
fn toSpace(lin: vec3<i32>) -> vec3<i32> {
  let u = vec3<i32>(vec3<u32>(spaceRow(space.m1[0], lin), spaceRow(space.m1[1], lin), spaceRow(space.m1[2], lin)));
  return vec3<i32>(dot(space.m2[0].xyz, u) >> 16u, dot(space.m2[1].xyz, u) >> 16u, dot(space.m2[2].xyz, u) >> 16u);
}
