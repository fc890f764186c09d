// Per-layer voxel kernels for stacks, several layers per dispatch: greyLevels (grey → N codes, packed bits for
// N = 2) and materialFractions (K material fractions → one material index per voxel). Every table is built on the
// host; src/stack/kernels.ts computes the same integers on the CPU (greyLevels through per-sample tables of the
// same quotient and remainder, materials with the same comparisons). All arithmetic is u32 and no product exceeds
// 2^32 − 1, so the GPU and the CPU reference give the same bits.
//
// A dispatch covers `layers` layers of `rows` rows each (whole layers, or a row range of one layer starting at the
// absolute row firstRow). Input samples are the layers' voxels concatenated; output words are per layer, each
// layer padded to whole words.

//!include mapCursor

struct GreyParams {
  width: u32,
  rows: u32,        // rows of each layer in this dispatch
  firstRow: u32,    // absolute row of the first one (maps tile absolute rows)
  layers: u32,
  wide: u32,        // 0: 8-bit samples, 4 per word; 1: 16-bit, 2 per word
  steps: u32,       // N − 1
  packBits: u32,    // 1: one bit per voxel, 32 per word; 0: one byte per voxel, 4 per word
  outWords: u32,    // output words per layer
}

struct FractionParams {
  width: u32,
  rows: u32,
  firstRow: u32,
  layers: u32,
  wide: u32,
  materials: u32,     // K (3 in RGBA mode)
  rgba: u32,          // 1: one RGBA sample per voxel; 0: K channel blocks
  outWords: u32,
  channelWords: u32,  // words between consecutive channel blocks in `fractions`
}

// Shared by both entries: per layer of the dispatch (map base in thresholds, map width, map height, unused), and
// the thresholds of every distinct map, t = floor((value + 0.5)/scale · 65535) in 0..65534.
@group(0) @binding(0) var<storage, read> layerMaps: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> thresholds: array<u32>;

@group(0) @binding(2) var<uniform> gp: GreyParams;
@group(0) @binding(3) var<storage, read> grey: array<u32>;
@group(0) @binding(4) var<storage, read_write> greyOut: array<u32>;

@group(0) @binding(5) var<uniform> fp: FractionParams;
@group(0) @binding(6) var<storage, read> fractions: array<u32>;
@group(0) @binding(7) var<storage, read_write> materialOut: array<u32>;

const WORKGROUP: u32 = 64u;

// Sample i of a packed 8- or 16-bit array, starting at word `base`.
fn sample8(base: u32, i: u32) -> u32 { return (fractions[base + (i >> 2u)] >> (8u * (i & 3u))) & 0xffu; }
fn sample16(base: u32, i: u32) -> u32 { return (fractions[base + (i >> 1u)] >> (16u * (i & 1u))) & 0xffffu; }

fn greySample(i: u32) -> u32 {
  if (gp.wide == 1u) { return (grey[i >> 1u] >> (16u * (i & 1u))) & 0xffffu; }
  return ((grey[i >> 2u] >> (8u * (i & 3u))) & 0xffu) * 257u;
}

// One invocation decides a run of 32 voxels of one layer (the divisions that locate it are paid once per run):
// one output word of bits, or 8 words of bytes.
const RUN: u32 = 32u;

// Where a run of RUN consecutive voxels starts: its layer (l ≥ layers: nothing to do), its first voxel among
// the dispatch's input samples and in its layer's output, its length, and its position in the layer's map.
// Shared by both entry points.
struct Run { l: u32, first: u32, v0: u32, n: u32, tile: MapTile, at: MapCursor }

fn runAt(run: u32, width: u32, rows: u32, firstRow: u32, layers: u32) -> Run {
  let voxels = width * rows;
  let runs = (voxels + RUN - 1u) / RUN;
  let l = run / runs;
  let none = MapTile(0u, 1u, 1u, 0u);
  if (l >= layers) { return Run(l, 0u, 0u, 0u, none, MapCursor(0u, 0u, 0u, 0u)); }
  let v0 = (run - l * runs) * RUN;
  let m = layerMaps[l];
  let tile = MapTile(m.x, m.y, m.z, firstRow);
  return Run(l, l * voxels + v0, v0, min(RUN, voxels - v0), tile, cursorAt(v0, width, tile));
}

@compute @workgroup_size(WORKGROUP)
fn greyLevels(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = runAt(gid.y * groups.x * WORKGROUP + gid.x, gp.width, gp.rows, gp.firstRow, gp.layers);
  if (r.l >= gp.layers) { return; }
  var c = r.at;
  let outAt = r.l * gp.outWords + select(r.v0 / 4u, r.v0 / 32u, gp.packBits == 1u);
  var packed = 0u;
  for (var k = 0u; k < RUN; k++) {
    if (k < r.n) {
      let num = greySample(r.first + k) * gp.steps;
      let code = num / 65535u;
      let up = select(0u, 1u, num - code * 65535u > thresholds[mapCell(c)]);
      if (gp.packBits == 1u) {
        packed |= (code + up) << k;
      } else {
        packed |= (code + up) << (8u * (k & 3u));
      }
      mapStep(&c, gp.width, r.tile);
    }
    // Bytes: a word is complete every 4 voxels; the last one of the layer may be partial.
    if (gp.packBits == 0u && (k & 3u) == 3u) {
      if (k - 3u < r.n) { greyOut[outAt + k / 4u] = packed; }
      packed = 0u;
    }
  }
  if (gp.packBits == 1u) { greyOut[outAt] = packed; }
}

// a·b as (high, low) words, from 16-bit halves so that no product exceeds 2^32 − 1.
fn mul64(a: u32, b: u32) -> vec2<u32> {
  let ll = (a & 0xffffu) * (b & 0xffffu);
  let lh = (a & 0xffffu) * (b >> 16u);
  let hl = (a >> 16u) * (b & 0xffffu);
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2<u32>((a >> 16u) * (b >> 16u) + (lh >> 16u) + (hl >> 16u) + (mid >> 16u), (mid << 16u) | (ll & 0xffffu));
}

fn less64(a: vec2<u32>, b: vec2<u32>) -> bool { return a.x < b.x || (a.x == b.x && a.y < b.y); }

// Fraction m (0-based) of voxel i: Q16 in channel mode; the raw R, G, B or A sample in RGBA mode.
fn fraction(m: u32, i: u32) -> u32 {
  if (fp.rgba == 1u) {
    if (fp.wide == 1u) { return sample16(0u, 4u * i + m); }
    return (fractions[i] >> (8u * m)) & 0xffu;
  }
  let base = m * fp.channelWords;
  if (fp.wide == 1u) { return sample16(base, i); }
  return sample8(base, i) * 257u;
}

// The material of voxel i against threshold t (CPU: voxelMaterial). C_m = floor(scale·run_m / den), and
// C_m <= t  <=>  scale·run_m < (t + 1)·den, compared exactly in 64 bits: no division at all. Channels that sum to
// at most 1 (scale = den = 1) take one pass; an over-full voxel counts again with its scale.
fn material(i: u32, t: u32) -> u32 {
  let k = select(fp.materials, 3u, fp.rgba == 1u);
  var total = 0u;
  var below = 0u;
  for (var j = 0u; j < k; j++) {
    total += fraction(j, i);
    below += select(0u, 1u, total <= t);
  }
  var scale = 65535u;
  var den = total;
  if (fp.rgba == 1u) {
    scale = fraction(3u, i) * select(257u, 1u, fp.wide == 1u);
    den = max(total, 1u); // total 0: every run is 0, so every C_m = 0 and the voxel is void
  }
  if (fp.rgba == 1u || total > 65535u) {
    let limit = mul64(t + 1u, den);
    var run = 0u;
    below = 0u;
    for (var j = 0u; j < k; j++) {
      run += fraction(j, i);
      below += select(0u, 1u, less64(mul64(scale, run), limit));
    }
  }
  return select(below + 1u, 0u, below == k);
}

@compute @workgroup_size(WORKGROUP)
fn materialFractions(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = runAt(gid.y * groups.x * WORKGROUP + gid.x, fp.width, fp.rows, fp.firstRow, fp.layers);
  if (r.l >= fp.layers) { return; }
  var c = r.at;
  let outAt = r.l * fp.outWords + r.v0 / 4u;
  var packed = 0u;
  for (var k = 0u; k < RUN; k++) {
    if (k < r.n) {
      packed |= material(r.first + k, thresholds[mapCell(c)]) << (8u * (k & 3u));
      mapStep(&c, fp.width, r.tile);
    }
    if ((k & 3u) == 3u) {
      if (k - 3u < r.n) { materialOut[outAt + k / 4u] = packed; }
      packed = 0u;
    }
  }
}

// ---- Fast paths for 8-bit samples (the host picks them: src/stack/kernels.gpu.ts). Rows are whole runs, so a
// run never crosses a row and every layer ends on a whole output word: the run's row and map cell are found once
// per run, and its thresholds are 8 aligned words of a host-built table (kernels.gpu.ts: phasedRows): each map
// row extended cyclically, once per phase (its first cell mod LANES per word), so that a run starting at map
// column mx reads words mx / LANES + 0..7 of phase mx % LANES, with LANES cells per word.
@group(0) @binding(8) var<storage, read> grey8: array<vec4<u32>>;
@group(0) @binding(9) var<storage, read> fractions8: array<vec4<u32>>;
@group(0) @binding(10) var<storage, read_write> materialOut16: array<vec4<u32>>;

/** The first table word of run `run` (`len` voxels) of the dispatch's layers × rows rows of `width`. */
fn runThresholds(run: u32, len: u32, lanes: u32, width: u32, rows: u32, firstRow: u32) -> u32 {
  let perRow = width / len;
  let row = run / perRow; // among the dispatch's layers × rows rows
  let l = row / rows;
  let m = layerMaps[l]; // base, width, height, words per phase of a row
  let mx = ((run - row * perRow) * len) % m.y;
  let my = (row - l * rows + firstRow) % m.z;
  return m.x + (my * lanes + mx % lanes) * m.w + mx / lanes;
}

// Bit i of lane n of the result: byte i of g[n] >= v, the threshold byte of its voxel (greyLevels with 2 levels:
// g·257 > t iff g >= floor(t/257) + 1 = v, 1..255), given byte i of u[n], 256 − v (1..255). Then byte + u >= 256:
// bit 8 of a 16-bit lane that holds the sum, and lanes cannot carry into each other (sums <= 510; odd bytes sit
// one bit down). Bits 8, 15, 24, 31 then move to 28..31 by one product: its other partial products land on
// distinct lower bits (8, 14, 15, 21, 22, 24) or above bit 31, so nothing carries into the four.
fn bits4(g: vec4<u32>, u: vec4<u32>) -> vec4<u32> {
  let even = (g & vec4(0x00ff00ffu)) + (u & vec4(0x00ff00ffu)); // bytes 0, 2: bits 8, 24
  let odd = ((g >> vec4(1u)) & vec4(0x7f807f80u)) + ((u >> vec4(1u)) & vec4(0x7f807f80u)); // bytes 1, 3: bits 15, 31
  return (((even & vec4(0x01000100u)) | (odd & vec4(0x80008000u))) * 0x00104041u) >> vec4(28u);
}

/** The output word of run `run` from its 32 samples a, b (voxels 0..15, 16..31). */
fn greyWord(run: u32, a: vec4<u32>, b: vec4<u32>) -> u32 {
  let at = runThresholds(run, 32u, 4u, gp.width, gp.rows, gp.firstRow);
  let lo = bits4(a, vec4(thresholds[at], thresholds[at + 1u], thresholds[at + 2u], thresholds[at + 3u])) << vec4(0u, 4u, 8u, 12u);
  let hi = bits4(b, vec4(thresholds[at + 4u], thresholds[at + 5u], thresholds[at + 6u], thresholds[at + 7u])) << vec4(16u, 20u, 24u, 28u);
  let w = lo | hi;
  return w.x | w.y | w.z | w.w;
}

// greyLevels for 8-bit samples, 2 levels, width a multiple of 32: a run = two vec4 loads = one output word. (Four
// runs per invocation, all loads first, measured no faster on an H200: 408 against 429 Gvoxel/s.)
@compute @workgroup_size(WORKGROUP)
fn greyBits8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let run = gid.y * groups.x * WORKGROUP + gid.x;
  if (run >= gp.layers * gp.rows * (gp.width / 32u)) { return; }
  greyOut[run] = greyWord(run, grey8[2u * run], grey8[2u * run + 1u]);
}

// materialFractions for K channels of 8-bit samples, width a multiple of 16: a run = one vec4 per channel = one
// vec4 of material bytes. With bytes s_j, prefix sums P_j and S = P_K (<= 7·255), material() says C_j <= t
// iff 65535·P_j < (t + 1)·D with D = max(S, 255):
//  - S <= 255 (total = 257·S <= 65535): C_j = 257·P_j <= t iff 257·P_j < t + 1 iff (times 255) 65535·P_j <
//    255·(t + 1);
//  - S >= 256 (over-full): 65535·257·P_j < (t + 1)·257·S, divided by 257.
// Both sides stay below 65535·1786 < 2^32, and for whole P that is P_j < X = ceil((t + 1)·D / 65535) <= 1785,
// one division per voxel whatever K; the table holds t + 1 (1..65535), two per word. Each P_j < X is then
// tested two voxels at a time: bit 15 of the 16-bit lane P_j + 0x8000 − X is set iff P_j >= X. Component q of
// every vec4 below is voxels 4q..4q + 3; "even" lanes hold voxels 4q, 4q + 2, "odd" ones 4q + 1, 4q + 3.
// The channels are read twice (sums, then counts) rather than held in an array, which would go to local memory.
@compute @workgroup_size(WORKGROUP)
fn materials8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let run = gid.y * groups.x * WORKGROUP + gid.x;
  if (run >= fp.layers * fp.rows * (fp.width / 16u)) { return; }
  let at = runThresholds(run, 16u, 2u, fp.width, fp.rows, fp.firstRow);
  let stride = fp.channelWords / 4u; // vec4s from one channel block to the next
  let k = fp.materials;
  var e = vec4(0u);
  var o = vec4(0u);
  for (var j = 0u; j < k; j++) {
    let c = channelLanes(j * stride + run);
    e += c.even;
    o += c.odd;
  }
  let t0 = vec4(thresholds[at], thresholds[at + 2u], thresholds[at + 4u], thresholds[at + 6u]); // voxels 4q, 4q + 1
  let t1 = vec4(thresholds[at + 1u], thresholds[at + 3u], thresholds[at + 5u], thresholds[at + 7u]); // 4q + 2, 4q + 3
  let lo = vec4(0xffffu);
  let ye = bound(t0 & lo, e & lo) | (bound(t1 & lo, e >> vec4(16u)) << vec4(16u));
  let yo = bound(t0 >> vec4(16u), o & lo) | (bound(t1 >> vec4(16u), o >> vec4(16u)) << vec4(16u));
  // Counts of P_j >= X per lane (0..K), then the material: void if none, else K + 1 − count.
  var pe = vec4(0u);
  var po = vec4(0u);
  var ge = vec4(0u);
  var go = vec4(0u);
  for (var j = 0u; j < k; j++) {
    let c = channelLanes(j * stride + run);
    pe += c.even;
    po += c.odd;
    ge += ((pe + ye) >> vec4(15u)) & vec4(0x00010001u);
    go += ((po + yo) >> vec4(15u)) & vec4(0x00010001u);
  }
  materialOut16[run] = materialLanes(ge, k) | (materialLanes(go, k) << vec4(8u));
}

/** One channel's 16 voxels (vec4 `at` of fractions8) in 16-bit lanes: bytes 0 and 2 of each word, then 1 and 3. */
struct Lanes { even: vec4<u32>, odd: vec4<u32> }
fn channelLanes(at: u32) -> Lanes {
  let c = fractions8[at];
  return Lanes(c & vec4(0x00ff00ffu), (c >> vec4(8u)) & vec4(0x00ff00ffu));
}

/** 0x8000 − X per voxel, X = ceil(t1·max(s, 255) / 65535) with t1 = t + 1 and s its channel sum. */
fn bound(t1: vec4<u32>, s: vec4<u32>) -> vec4<u32> { return vec4(0x8000u) - (t1 * max(s, vec4(255u)) + vec4(65534u)) / vec4(65535u); }

/** Two lanes of counts (0..k) → materials: 0 where the count is 0, else k + 1 − count. */
fn materialLanes(count: vec4<u32>, k: u32) -> vec4<u32> {
  let some = ((count + vec4(0x00070007u)) >> vec4(3u)) & vec4(0x00010001u); // count + 7 >= 8 iff count >= 1 (count <= 7)
  return (vec4((k + 1u) * 0x00010001u) - count) & (some * 0xffffu);
}
