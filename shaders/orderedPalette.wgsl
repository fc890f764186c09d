// Ordered dithering of RGBA8 pixels to a palette: decode sRGB through a host table, add the threshold map's
// offset in linear light, pick the nearest palette colour. Integers only, so the CPU reference
// (src/kernels/orderedPalette.ts) gives the same bits. Four pixels per invocation, four indices per u32.

struct Params {
  width: u32,        // image width in pixels
  firstRow: u32,     // row of this chunk's first pixel in the whole image (thresholds use absolute rows)
  pixelCount: u32,   // pixels in this chunk
  mapWidth: u32,
  mapHeight: u32,
  paletteSize: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;        // RGBA8, R in the low byte
@group(0) @binding(2) var<storage, read> toLinear: array<u32>;      // 256 entries: sRGB code → linear Q16
@group(0) @binding(3) var<storage, read> offsets: array<i32>;       // per map cell, Q16 offset in linear light
@group(0) @binding(4) var<storage, read> palette: array<vec4<i32>>; // palette in linear Q12 (xyz)
@group(0) @binding(5) var<storage, read_write> indices: array<u32>; // 4 indices per word, pixel 0 in the low byte

const WORKGROUP: u32 = 64u;

fn nearest(c: vec3<i32>) -> u32 {
  var best = 0u;
  var bestD = 0x7fffffff;
  for (var i = 0u; i < params.paletteSize; i++) {
    let d = c - palette[i].xyz;
    let dist = d.x * d.x + d.y * d.y + d.z * d.z;
    if (dist < bestD) { bestD = dist; best = i; }  // strict: ties keep the lowest index
  }
  return best;
}

@compute @workgroup_size(WORKGROUP)
fn orderedPalette(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let word = gid.y * groups.x * WORKGROUP + gid.x;
  let p0 = word * 4u;
  if (p0 >= params.pixelCount) { return; }
  var y = p0 / params.width;
  var x = p0 - y * params.width;
  var packed = 0u;
  for (var k = 0u; k < 4u; k++) {
    let p = p0 + k;
    if (p >= params.pixelCount) { break; }
    let rgba = pixels[p];
    let lin = vec3<i32>(
      i32(toLinear[rgba & 0xffu]),
      i32(toLinear[(rgba >> 8u) & 0xffu]),
      i32(toLinear[(rgba >> 16u) & 0xffu]),
    );
    let cell = ((y + params.firstRow) % params.mapHeight) * params.mapWidth + x % params.mapWidth;
    let c = clamp(lin + vec3<i32>(offsets[cell]), vec3<i32>(0), vec3<i32>(65535)) >> vec3<u32>(4u);
    packed |= nearest(c) << (8u * k);
    x += 1u;
    if (x == params.width) { x = 0u; y += 1u; }
  }
  indices[word] = packed;
}
