// Transfer curves as host-built integer tables. Both backends read the same tables, so sRGB decoding never
// depends on a vendor's pow(); this is what makes GPU and CPU output bit-identical.

/** Linear light is carried as unsigned Q16: 0 = black, 65535 = full intensity. */
export const LINEAR_ONE = 65535;

/** The sRGB electro-optical transfer function (IEC 61966-2-1), encoded value in [0,1] → linear in [0,1]. */
export function srgbDecode(v: number): number {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** Inverse of srgbDecode. */
export function srgbEncode(l: number): number {
  return l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055;
}

const cache = new Map<string, Uint32Array>();

function memo(key: string, build: () => Uint32Array): Uint32Array {
  let table = cache.get(key);
  if (!table) cache.set(key, (table = build()));
  return table;
}

/** sRGB code (0..2^bits-1) → linear Q16, for 8- or 16-bit inputs. */
export function srgbToLinearTable(bits: 8 | 16): Uint32Array {
  return memo(`srgb->lin/${bits}`, () => {
    const max = 2 ** bits - 1;
    const t = new Uint32Array(max + 1);
    for (let i = 0; i <= max; i++) t[i] = Math.round(srgbDecode(i / max) * LINEAR_ONE);
    return t;
  });
}

/** Identity transfer (used by --gamma-space): code → Q16 on the same scale. */
export function identityTable(bits: 8 | 16): Uint32Array {
  return memo(`id/${bits}`, () => {
    const max = 2 ** bits - 1;
    const t = new Uint32Array(max + 1);
    for (let i = 0; i <= max; i++) t[i] = Math.round((i / max) * LINEAR_ONE);
    return t;
  });
}
