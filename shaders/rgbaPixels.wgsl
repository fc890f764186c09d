// Reading RGBA pixels, shared by the image kernels (`//!include rgbaPixels`). The including kernel declares
// `pixels: array<u32>`: RGBA8 as one word per pixel (R in the low byte), or RGBA16 as two words
// (R | G << 16, B | A << 16).

/** Pixel `p`'s samples at their own depth: 0..255 when `wide` is false, 0..65535 when it is true. */
fn rgbaAt(p: u32, wide: bool) -> vec4<u32> {
  if (wide) {
    let lo = pixels[2u * p];
    let hi = pixels[2u * p + 1u];
    return vec4<u32>(lo & 0xffffu, lo >> 16u, hi & 0xffffu, hi >> 16u);
  }
  let w = pixels[p];
  return vec4<u32>(w & 0xffu, (w >> 8u) & 0xffu, (w >> 16u) & 0xffu, w >> 24u);
}
