// Ordered dithering to a palette. Each pixel is decoded through a host table, then one of two rules applies:
// - pair (default): A = the nearest colour in the distance space; B = the nearest colour met going on from A
//   through the pixel; the pixel becomes B when its linear-light position along A→B exceeds the threshold.
//   Perceptual choice of colours, linear-light choice of how often: the mean is preserved along A→B.
// - offset: add the threshold map's offset in linear light, then take the nearest colour (the classic method).
// Integers only, so the CPU reference (src/kernels/orderedPalette.ts) gives the same bits. Four pixels per
// invocation, four indices per u32.
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

// The pair rule. `t` is the cell's threshold in Q16.
fn pairPick(lin: vec3<i32>, t: i32) -> u32 {
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
  if (b == a) { return a; }
  let d = (palette[params.paletteSize + b].xyz - A) >> vec3<u32>(4u);
  let num = dot(e >> vec3<u32>(4u), d);
  let den = dot(d, d);
  if (den == 0 || num <= 0) { return a; }
  if (num >= den) { return b; }
  // b iff num / den > t / 65536, i.e. num·65536 > t·den, compared exactly without 64-bit integers:
  // with den = dh·65536 + dl, that is (num − t·dh)·65536 > t·dl.
  let diff = num - t * (den >> 16u);
  if (diff <= 0) { return a; }
  if (diff >= 65536) { return b; }
  return select(a, b, (u32(diff) << 16u) > u32(t) * u32(den & 0xffff));
}

// The pixel with alpha on a 16-bit scale, so one alpha cut serves both depths.
fn fetch(p: u32) -> vec4<u32> {
  let px = rgbaAt(p, params.wide == 1u);
  return vec4<u32>(px.xyz, select(px.w * 257u, px.w, params.wide == 1u));
}

@compute @workgroup_size(WORKGROUP)
fn orderedPalette(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let word = gid.y * groups.x * WORKGROUP + gid.x;
  let p0 = word * 4u;
  if (p0 >= params.pixelCount) { return; }
  let tile = MapTile(0u, params.mapWidth, params.mapHeight, params.firstRow);
  var c = cursorAt(p0, params.width, tile);
  var packed = 0u;
  for (var k = 0u; k < 4u; k++) {
    let p = p0 + k;
    if (p >= params.pixelCount) { break; }
    let px = fetch(p);
    let cell = cells[mapCell(c)];
    var index = params.transparent;
    if (i32(px.w) >= cell.y) {
      let lin = vec3<i32>(i32(toLinear[px.x]), i32(toLinear[px.y]), i32(toLinear[px.z]));
      if (params.pair == 1u) {
        index = pairPick(lin, cell.x);
      } else {
        index = nearest(clamp(lin + vec3<i32>(cell.x), vec3<i32>(0), vec3<i32>(65535)));
      }
    }
    packed |= index << (8u * k);
    mapStep(&c, params.width, tile);
  }
  indices[word] = packed;
}
