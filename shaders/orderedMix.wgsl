// Ordered dithering by palette mixing (after Yliluoma). The host (src/kernels/orderedMix.ts) builds, for a grid of
// nodes over the sRGB-encoded cube, plans of palette colours whose mean approximates each node, sorted by
// luminance. Per pixel: tetrahedral interpolation gives 4 corner nodes and integer weights summing to 2^16, and
// the output is the colour at quantile t of the weighted mixture of their plans, found by walking the plans in
// luminance order. Integers and host tables only, so the CPU reference gives the same bits. Four pixels per
// invocation, four indices per u32, pixel 0 in the low byte.
//!include rgbaPixels
//!include mapCursor

struct Params {
  width: u32,       // image width in pixels
  firstRow: u32,    // row of this chunk's first pixel in the whole image (thresholds use absolute rows)
  pixelCount: u32,  // pixels in this chunk
  mapWidth: u32,
  mapHeight: u32,
  bits: u32,        // 8: one u32 per RGBA8 pixel; 16: two u32 per RGBA16 pixel (R | G << 16, B | A << 16)
  grid: u32,        // nodes per channel
  planSize: u32,    // entries per plan
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read> nodes: array<u32>;      // code → lower node | Q16 fraction << 8
@group(0) @binding(3) var<storage, read> thresholds: array<u32>; // per map cell, floor(t · 2^16)
@group(0) @binding(4) var<storage, read> runs: array<u32>;       // 2 plan entries per word: rank | (run left) << 8
@group(0) @binding(5) var<storage, read> rankToIndex: array<u32>; // luminance rank → palette index
@group(0) @binding(6) var<storage, read_write> indices: array<u32>;

const WORKGROUP: u32 = 64u;
const ONE: u32 = 65536u;

fn entry(at: u32) -> u32 {
  return (runs[at >> 1u] >> (16u * (at & 1u))) & 0xffffu;
}

fn mixIndex(rgb: vec3<u32>, t: u32) -> u32 {
  let e = vec3<u32>(nodes[rgb.x], nodes[rgb.y], nodes[rgb.z]);
  let base = e & vec3<u32>(0xffu);
  let f = e >> vec3<u32>(8u);
  // Position of each channel in descending order of fraction (ties to the lower channel); corner k steps up the
  // channels placed before k and weighs sorted[k] − sorted[k + 1].
  let a01 = select(0u, 1u, f.x >= f.y);
  let a02 = select(0u, 1u, f.x >= f.z);
  let a12 = select(0u, 1u, f.y >= f.z);
  let place = vec3<u32>(2u - a01 - a02, a01 + 1u - a12, a02 + a12);
  let hi = max(max(f.x, f.y), f.z);
  let lo = min(min(f.x, f.y), f.z);
  let sorted = array<u32, 5>(ONE, hi, f.x + f.y + f.z - hi - lo, lo, 0u);
  let P = params.planSize;
  let G = params.grid;
  var start: array<u32, 4>;
  var end: array<u32, 4>;
  var weight: array<u32, 4>;
  for (var k = 0u; k < 4u; k++) {
    let n = base + select(vec3<u32>(0u), vec3<u32>(1u), place < vec3<u32>(k));
    let node = (n.x * G + n.y) * G + n.z;
    weight[k] = sorted[k] - sorted[k + 1u];
    start[k] = node * P;
    end[k] = select(node * P, node * P + P, weight[k] > 0u); // a corner of weight 0 is skipped
  }
  // Take the lowest rank at the head of any plan, add weight × run length of every plan whose head has it, and
  // stop once the mass passes t·P (both below 2^24). The total mass 2^16·P exceeds any goal; 4·P bounds the walk.
  let goal = t * P;
  var mass = 0u;
  for (var step = 0u; step < 4u * P; step++) {
    var rank = 256u;
    for (var k = 0u; k < 4u; k++) {
      if (start[k] < end[k]) { rank = min(rank, entry(start[k]) & 0xffu); }
    }
    for (var k = 0u; k < 4u; k++) {
      if (start[k] < end[k]) {
        let x = entry(start[k]);
        if ((x & 0xffu) == rank) {
          mass += weight[k] * ((x >> 8u) + 1u);
          start[k] += (x >> 8u) + 1u;
        }
      }
    }
    if (mass > goal) { return rankToIndex[rank]; }
  }
  return 0u;
}

fn codes(p: u32) -> vec3<u32> {
  return rgbaAt(p, params.bits == 16u).xyz;
}

@compute @workgroup_size(WORKGROUP)
fn orderedMix(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let word = gid.y * groups.x * WORKGROUP + gid.x;
  let p0 = word * 4u;
  if (p0 >= params.pixelCount) { return; }
  let tile = MapTile(0u, params.mapWidth, params.mapHeight, params.firstRow);
  var c = cursorAt(p0, params.width, tile);
  var packed = 0u;
  for (var k = 0u; k < 4u; k++) {
    let p = p0 + k;
    if (p >= params.pixelCount) { break; }
    packed |= mixIndex(codes(p), thresholds[mapCell(c)]) << (8u * k);
    mapStep(&c, params.width, tile);
  }
  indices[word] = packed;
}
