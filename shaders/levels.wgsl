// Per-channel levels: reduce each channel of an RGBA8 or RGBA16 image to N output codes by deciding in linear
// light between the two bracketing codes against a tiled threshold map. Every table is built on the host
// (src/kernels/levels.ts, which mirrors this shader operation for operation); all arithmetic is u32 and no
// product exceeds 2^32 - 1, so the GPU and the CPU reference give the same bits.
//!include rgbaPixels

struct Params {
  width: u32,              // image width in pixels
  firstRow: u32,           // row of this chunk's first pixel in the whole image (the map tiles absolute rows)
  pixelCount: u32,         // pixels in this chunk
  mapWidth: u32,
  mapHeight: u32,
  wide: u32,               // 1: RGBA16, two words per pixel (R | G << 16, B | A << 16); 0: RGBA8, one word
  decodeBase: vec4<u32>,   // per channel, start of its decode table in toLinear
  rowBase: vec4<u32>,      // per channel, start of its threshold row in thresholds
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read> toLinear: array<u32>;    // input code -> linear Q16
@group(0) @binding(3) var<storage, read> bracket: array<u32>;     // bytes: channel * 65536 + linear -> lower code k
@group(0) @binding(4) var<storage, read> codes: array<u32>;       // channel * 256 + k -> L_k | file value << 16
@group(0) @binding(5) var<storage, read> thresholds: array<u32>;  // rowBase + map cell -> effective threshold, Q16
@group(0) @binding(6) var<storage, read_write> outCodes: array<u32>; // one pixel per word, R in the low byte

const WORKGROUP: u32 = 64u;

@compute @workgroup_size(WORKGROUP)
fn levels(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let p = gid.y * groups.x * WORKGROUP + gid.x;
  if (p >= params.pixelCount) { return; }
  let y = p / params.width;
  let x = p - y * params.width;
  let sample = rgbaAt(p, params.wide == 1u);
  let cell = ((y + params.firstRow) % params.mapHeight) * params.mapWidth + x % params.mapWidth;
  var packed = 0u;
  for (var c = 0u; c < 4u; c++) {
    let lin = toLinear[params.decodeBase[c] + sample[c]];
    let b = c * 65536u + lin;
    let k = (bracket[b >> 2u] >> (8u * (b & 3u))) & 0xffu;
    let lower = codes[c * 256u + k];
    let upper = codes[c * 256u + k + 1u];
    let l0 = lower & 0xffffu;
    let t = thresholds[params.rowBase[c] + cell];
    // (lin - L_k) <= 65535, so both sides stay below 2^32.
    let up = ((lin - l0) << 16u) > t * ((upper & 0xffffu) - l0);
    packed |= (select(lower, upper, up) >> 16u) << (8u * c);
  }
  outCodes[p] = packed;
}
