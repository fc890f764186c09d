// Auto palettes (`--palette auto:N`): an exact colour histogram and the assignment step of k-means in OkLab.
// Integers only, so the CPU references in src/kernels/autoPalette.ts give the same bits.
//
// histogram: bins pixels by the top `bits` of each sRGB channel and adds, per bin, the pixel count and the sums
// of linear Q16 R, G, B as 64-bit integers (a low word and a carry word). Integer sums do not depend on the
// order of the atomics, so the result is the same on every run and every device.
// assign: for each non-empty bin, the index of the nearest centroid in integer OkLab (ties: lowest index).
// Bins go through toSpace here; centroids arrive converted (a uniform table).

//!include colorSpace
//!include rgbaPixels

const WORKGROUP: u32 = 64u;
// Pixels per histogram invocation. Consecutive pixels of one bin are summed in registers and added with one set of
// atomics, which spares flat areas thousands of contended atomics on the same bin. Changes nothing in the result.
const RUN: u32 = 32u;
const MAX_CENTROIDS: u32 = 256u;

struct HistogramParams {
  pixelCount: u32,       // pixels in this chunk
  wide: u32,             // 1: 16-bit samples, two words per pixel (R | G << 16, B | A << 16); 0: RGBA8, one word
  shift: u32,            // sample >> shift is the channel's bin coordinate
  bits: u32,             // bits per channel of a bin index: bin = r << 2·bits | g << bits | b
  skipTransparent: u32,  // 1: pixels whose alpha is 0 are not counted
}

@group(0) @binding(0) var<uniform> hp: HistogramParams;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read> toLinear: array<u32>;  // sample → linear Q16 (256 or 65536 entries)
// 8 words per bin: count, sum R, sum G, sum B, each as (low word, carry word).
@group(0) @binding(3) var<storage, read_write> hist: array<atomic<u32>>;

/** 64-bit add of v into the word pair at `at`: atomicAdd returns the old low word, so a wrap is detected exactly. */
fn add64(at: u32, v: u32) {
  let old = atomicAdd(&hist[at], v);
  if (old > 0xffffffffu - v) { atomicAdd(&hist[at + 1u], 1u); }
}

fn flush(bin: u32, n: u32, sum: vec3<u32>) {
  let at = bin * 8u;
  add64(at, n);
  add64(at + 2u, sum.x);
  add64(at + 4u, sum.y);
  add64(at + 6u, sum.z);
}

@compute @workgroup_size(WORKGROUP)
fn histogram(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let p0 = (gid.y * groups.x * WORKGROUP + gid.x) * RUN;
  if (p0 >= hp.pixelCount) { return; }
  let p1 = min(p0 + RUN, hp.pixelCount);
  var bin = 0xffffffffu;
  var n = 0u;
  var sum = vec3<u32>(0u);  // at most RUN · 65535 per lane: no overflow
  for (var p = p0; p < p1; p++) {
    let s = rgbaAt(p, hp.wide == 1u);
    if (hp.skipTransparent == 1u && s.w == 0u) { continue; }
    let c = s.xyz >> vec3<u32>(hp.shift);
    let b = (c.x << (2u * hp.bits)) | (c.y << hp.bits) | c.z;
    if (b != bin) {
      if (n > 0u) { flush(bin, n, sum); }
      bin = b;
      n = 0u;
      sum = vec3<u32>(0u);
    }
    n += 1u;
    sum += vec3<u32>(toLinear[s.x], toLinear[s.y], toLinear[s.z]);
  }
  if (n > 0u) { flush(bin, n, sum); }
}

struct AssignParams {
  binCount: u32,
  k: u32,  // centroids, 1..MAX_CENTROIDS
  // Centroids in the distance space (xyz), converted on the host by the CPU mirror of toSpace (the same integers).
  // A uniform: every invocation reads centroid j at once, which a uniform buffer broadcasts.
  centroids: array<vec4<i32>, MAX_CENTROIDS>,
}

@group(0) @binding(4) var<uniform> ap: AssignParams;
@group(0) @binding(5) var<storage, read> bins: array<vec4<u32>>;       // bin representative, linear Q16 (xyz)
@group(0) @binding(6) var<storage, read_write> assignment: array<u32>; // per bin, index of its nearest centroid

@compute @workgroup_size(WORKGROUP)
fn assign(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.y * groups.x * WORKGROUP + gid.x;
  if (i >= ap.binCount) { return; }
  let c = toSpace(vec3<i32>(bins[i].xyz));
  var best = 0u;
  var bestD = 0x7fffffff;
  for (var j = 0u; j < ap.k; j++) {
    let d = c - ap.centroids[j].xyz;
    let dist = d.x * d.x + d.y * d.y + d.z * d.z;
    if (dist < bestD) { bestD = dist; best = j; }  // strict: ties keep the lowest index
  }
  assignment[i] = best;
}
