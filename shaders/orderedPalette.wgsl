// Ordered dithering to a palette. Each pixel is decoded through a host table, then one of two rules applies:
// - pair (default): A = the nearest colour in the distance space; B = the nearest colour met going on from A
//   through the pixel; the pixel becomes B when its linear-light position along A→B exceeds the threshold.
//   Perceptual choice of colours, linear-light choice of how often: the mean is preserved along A→B.
// - offset: add the threshold map's offset in linear light, then take the nearest colour (the classic method).
// Integers only, so the CPU reference (src/kernels/orderedPalette.ts) gives the same bits. Four pixels per
// invocation, four indices per u32. The pair rule's work before the threshold test depends on the colour alone:
// for 8-bit pixels it is done once per colour and kept in a device table (`splits`), so a warm call reads one
// word per pixel.
//!include colorSpace
//!include rgbaPixels
//!include mapCursor

struct Params {
  width: u32,            // image width in pixels
  firstRow: u32,         // row of this chunk's first pixel in the whole image (thresholds use absolute rows)
  pixelCount: u32,       // pixels in this chunk
  wide: u32,             // 0: RGBA8, one u32 per pixel; 1: RGBA16, two u32 per pixel
  mapWidth: u32,
  mapHeight: u32,
  transparent: u32,      // the index written for transparent pixels
  gridDim: u32,          // nearest-colour grid: cells per axis (see src/kernels/nearestGrid.ts)
  pair: u32,             // 1: the pair rule, 0: the offset rule
  paletteSize: u32,
  cached: u32,           // 1: the pair rule on 8-bit pixels, through `splits`
  maxGroupsX: u32,       // the device's maxComputeWorkgroupsPerDimension (missDispatch lays its grid out with it)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read> toLinear: array<u32>;    // input code → Q16 (256 or 65536 entries)
// Per map cell: (pair rule: threshold, Q16 in 0..65535 | offset rule: offset in Q16, alpha cut).
@group(0) @binding(3) var<storage, read> cells: array<vec2<i32>>;
// paletteSize entries of space coordinates, then paletteSize entries of linear Q16 colour (xyz).
@group(0) @binding(4) var<storage, read> palette: array<vec4<i32>>;
// The nearest-colour grid over linear RGB: 65536 words mapping a Q16 value to its cell along an axis, then one
// word per cell (start << 9 | count) into the candidate lists that follow.
@group(0) @binding(5) var<storage, read> nearestGrid: array<u32>;
@group(0) @binding(6) var<storage, read_write> indices: array<u32>; // 4 per word, pixel 0 in the low byte
// With `cached`: per 8-bit colour r | g << 8 | b << 16, its pair split + 1 (0: not computed yet). It lives on the
// device across calls with the same palette (src/kernels/splitCache.ts): the split does not depend on the map.
@group(0) @binding(7) var<storage, read_write> splits: array<atomic<u32>>;

// The split table in two passes (applySplits; then missDispatch, fillSplits and patchMisses, below), as an
// alternative to the fused `orderedPalette` entry: there the search, inlined into the one kernel, sets every
// invocation's register budget, and the table is read with atomic loads, which are not reordered; here the pass
// over the pixels reads the table plainly and holds no search, and only the pixels whose colour is not in the
// table yet run one.
@group(0) @binding(8) var<storage, read> knownSplits: array<u32>;          // `splits`, read plainly
@group(0) @binding(9) var<storage, read_write> misses: array<atomic<u32>>; // [0]: how many; then their pixel numbers
@group(0) @binding(10) var<storage, read_write> missGroups: array<u32>;    // the second pass's indirect grid
@group(0) @binding(11) var<storage, read_write> patched: array<atomic<u32>>; // the `indices` words, for patchMisses

const WORKGROUP: u32 = 64u;

const AXIS_WORDS: u32 = 65536u;

// Exact nearest colour to the linear colour `lin`: its grid cell's candidate list holds every palette entry that
// can be nearest to some colour of the cell, in index order, so the strict < keeps the lowest index among ties,
// exactly as a search of the whole palette would.
fn nearest(lin: vec3<i32>) -> u32 {
  let c = toSpace(lin);
  let g = vec3<u32>(nearestGrid[lin.x], nearestGrid[lin.y], nearestGrid[lin.z]);
  let cell = nearestGrid[AXIS_WORDS + (g.z * params.gridDim + g.y) * params.gridDim + g.x];
  let start = cell >> 9u;
  let end = start + (cell & 511u);
  var best = 0u;
  var bestD = 0x7fffffff;
  for (var k = start; k < end; k++) {
    let i = nearestGrid[k];
    let d = c - palette[i].xyz;
    let dist = d.x * d.x + d.y * d.y + d.z * d.z;
    if (dist < bestD) { bestD = dist; best = i; }
  }
  return best;
}

// The pair rule with the threshold left open, as A | B << 8 | (T − 1) << 16: the pixel becomes B iff t < T
// (A = B, T = 1 where one colour wins at every threshold). Mirrors pairSplit in the CPU reference.
fn pairSplit(lin: vec3<i32>) -> u32 {
  let a = nearest(lin);
  let A = palette[params.paletteSize + a].xyz;
  let e = lin - A;
  // B: walk from A through the pixel, doubling the step, until another colour is nearest or the cube's edge.
  var b = a;
  var s = e;
  for (var k = 0u; k < 18u && b == a; k++) {
    s = clamp(s * 2, vec3<i32>(-131072), vec3<i32>(131072));
    b = nearest(clamp(A + s, vec3<i32>(0), vec3<i32>(65535)));
    if (all((abs(s) >= vec3<i32>(65536)) | (e == vec3<i32>(0)))) { break; }
  }
  if (b == a) { return a | (a << 8u); }
  let d = (palette[params.paletteSize + b].xyz - A) >> vec3<u32>(4u);
  let num = dot(e >> vec3<u32>(4u), d);
  let den = dot(d, d);
  if (den == 0 || num <= 0) { return a | (a << 8u); }
  if (num >= den) { return b | (b << 8u); }
  // T = ceil(num·65536 / den) by long division: 0 < num < den < 2^26, so 2·r stays below 2^27.
  var q = 0u;
  var r = u32(num);
  for (var i = 0u; i < 16u; i++) {
    r <<= 1u;
    q <<= 1u;
    if (r >= u32(den)) { r -= u32(den); q |= 1u; }
  }
  return a | (b << 8u) | ((q + select(0u, 1u, r != 0u) - 1u) << 16u);
}

/** The index a split gives at threshold `t` (Q16): B iff t < T. */
fn splitPick(split: u32, t: i32) -> u32 {
  return select(split & 0xffu, (split >> 8u) & 0xffu, u32(t) <= split >> 16u);
}

// An 8-bit pixel's split through the cache: computed by the first invocation that meets its colour, then read.
// Racing invocations store the same word, and atomics make the race well defined.
fn cachedSplit(px: vec4<u32>) -> u32 {
  let key = splitKey(px);
  var stored = atomicLoad(&splits[key]);
  if (stored == 0u) {
    stored = pairSplit(linearOf(px)) + 1u;
    atomicStore(&splits[key], stored);
  }
  return stored - 1u;
}

/** A pixel's entry in the split table: its 8-bit colour r | g << 8 | b << 16. */
fn splitKey(px: vec4<u32>) -> u32 {
  return px.x | (px.y << 8u) | (px.z << 16u);
}

fn linearOf(px: vec4<u32>) -> vec3<i32> {
  return vec3<i32>(i32(toLinear[px.x]), i32(toLinear[px.y]), i32(toLinear[px.z]));
}

/** An opaque pixel's index; `v` is its map cell's value (pair rule: threshold; offset rule: offset). */
fn pick(px: vec4<u32>, v: i32) -> u32 {
  if (params.cached == 1u) { return splitPick(cachedSplit(px), v); }
  let lin = linearOf(px);
  if (params.pair == 1u) { return splitPick(pairSplit(lin), v); }
  return nearest(clamp(lin + vec3<i32>(v), vec3<i32>(0), vec3<i32>(65535)));
}

// The pixel with alpha on a 16-bit scale, so one alpha cut serves both depths.
fn fetch(p: u32) -> vec4<u32> {
  let px = rgbaAt(p, params.wide == 1u);
  return vec4<u32>(px.xyz, select(px.w * 257u, px.w, params.wide == 1u));
}

/** The invocation's index over a grid laid over x and y (as the host and missDispatch lay them). */
fn flatId(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return gid.y * groups.x * WORKGROUP + gid.x;
}

/** The threshold map's tile over this chunk's rows (absolute rows, so chunking changes nothing). */
fn imageTile() -> MapTile {
  return MapTile(0u, params.mapWidth, params.mapHeight, params.firstRow);
}

@compute @workgroup_size(WORKGROUP)
fn orderedPalette(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let word = flatId(gid, groups);
  let p0 = word * 4u;
  if (p0 >= params.pixelCount) { return; }
  let tile = imageTile();
  var c = cursorAt(p0, params.width, tile);
  var packed = 0u;
  for (var k = 0u; k < 4u; k++) {
    let p = p0 + k;
    if (p >= params.pixelCount) { break; }
    let px = fetch(p);
    let cell = cells[mapCell(c)];
    var index = params.transparent;
    if (i32(px.w) >= cell.y) { index = pick(px, cell.x); }
    packed |= index << (8u * k);
    mapStep(&c, params.width, tile);
  }
  indices[word] = packed;
}

// The first of the two passes: every pixel whose colour the table holds is written; the others are written as
// index 0 and queued in `misses` for the second pass. Only for the pair rule on 8-bit pixels (`cached`). The four
// pixels and their table words are loaded first, in named values rather than an array (which may live in memory),
// so the loads can be in flight together.
@compute @workgroup_size(WORKGROUP)
fn applySplits(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let word = flatId(gid, groups);
  let p0 = word * 4u;
  if (p0 >= params.pixelCount) { return; }
  let tile = imageTile();
  var c = cursorAt(p0, params.width, tile);
  let last = params.pixelCount - 1u;
  let px0 = fetch(p0);
  let px1 = fetch(min(p0 + 1u, last));
  let px2 = fetch(min(p0 + 2u, last));
  let px3 = fetch(min(p0 + 3u, last));
  let s0 = knownSplits[splitKey(px0)];
  let s1 = knownSplits[splitKey(px1)];
  let s2 = knownSplits[splitKey(px2)];
  let s3 = knownSplits[splitKey(px3)];
  var packed = applyOne(p0, px0, s0, &c, tile);
  packed |= applyOne(p0 + 1u, px1, s1, &c, tile) << 8u;
  packed |= applyOne(p0 + 2u, px2, s2, &c, tile) << 16u;
  packed |= applyOne(p0 + 3u, px3, s3, &c, tile) << 24u;
  indices[word] = packed;
}

/** applySplits for pixel p (0 past the chunk's end), its table word `stored`; steps the cursor on. */
fn applyOne(p: u32, px: vec4<u32>, stored: u32, c: ptr<function, MapCursor>, tile: MapTile) -> u32 {
  if (p >= params.pixelCount) { return 0u; }
  let cell = cells[mapCell(*c)];
  mapStep(c, params.width, tile);
  if (i32(px.w) < cell.y) { return params.transparent; }
  if (stored == 0u) {
    atomicStore(&misses[1u + atomicAdd(&misses[0], 1u)], p);
    return 0u;
  }
  return splitPick(stored - 1u, cell.x);
}

// The grid of fillSplits and patchMisses: one invocation per queued pixel, laid over x and y as the host lays
// direct dispatches.
@compute @workgroup_size(1)
fn missDispatch() {
  let groups = (atomicLoad(&misses[0]) + WORKGROUP - 1u) / WORKGROUP;
  let x = min(groups, params.maxGroupsX);
  missGroups[0] = x;
  missGroups[1] = select(1u, (groups + x - 1u) / x, x > 0u);
  missGroups[2] = 1u;
}

// The second pass, in two kernels so that neither binds more than 8 storage buffers (WebGPU's default per stage):
// fillSplits computes each queued colour's split into the table, then patchMisses reads it back and ORs the
// pixel's index into the word applySplits wrote (index 0 there). Many queued pixels share a colour (on a first
// call, every pixel is queued: a 4K photo has about 16 pixels per colour), so the first invocation to claim a
// colour's word computes it and the others leave it: on a GPU with many thousands of invocations in flight, the
// search then runs once per colour instead of once per queued pixel. CLAIMED is never a stored split + 1
// (T − 1 <= 65534), and the winner overwrites it before fillSplits ends, so no later kernel sees it.
const CLAIMED: u32 = 0xffffffffu;

@compute @workgroup_size(WORKGROUP)
fn fillSplits(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flatId(gid, groups);
  if (i >= atomicLoad(&misses[0])) { return; }
  let px = fetch(atomicLoad(&misses[1u + i]));
  let key = splitKey(px);
  // The weak exchange may fail with the word still 0: then try again, until it is this invocation's or another's.
  loop {
    let r = atomicCompareExchangeWeak(&splits[key], 0u, CLAIMED);
    if (r.exchanged) {
      atomicStore(&splits[key], pairSplit(linearOf(px)) + 1u);
      break;
    }
    if (r.old_value != 0u) { break; }
  }
}

@compute @workgroup_size(WORKGROUP)
fn patchMisses(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flatId(gid, groups);
  if (i >= atomicLoad(&misses[0])) { return; }
  let p = atomicLoad(&misses[1u + i]);
  let tile = imageTile();
  let split = knownSplits[splitKey(fetch(p))] - 1u;
  let index = splitPick(split, cells[mapCell(cursorAt(p, params.width, tile))].x);
  atomicOr(&patched[p / 4u], index << (8u * (p % 4u)));
}
