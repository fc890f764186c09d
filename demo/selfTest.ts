// What the browser test calls through `window.ditherforgeSelfTest`: a seeded random image dithered on the GPU
// inside the page. The image comes back with the indices so the test can run the CPU reference on the same bytes.
import type { Engine } from '../src/engine.js';
import type { AdapterReport } from '../src/host/adapterInfo.js';
import { orderedPaletteParams } from '../src/kernels/orderedPalette.js';
import { bayer } from '../src/maps/bayer.js';
import { getPreset } from '../src/palette/presets.js';

export interface SelfTestResult {
  readonly adapter: AdapterReport;
  readonly width: number;
  readonly height: number;
  /** RGBA8 bytes, row-major. */
  readonly image: number[];
  /** One palette index per pixel. */
  readonly indices: number[];
  readonly gpuMs: number | null;
}

export type SelfTest = (width: number, height: number, seed: number, presetName: string) => Promise<SelfTestResult>;

/** xorshift32 bytes (the top byte of each state), as test/helpers/random.ts makes them. A zero seed means 1. */
export function randomRgba(width: number, height: number, seed: number): Uint8Array {
  let s = seed >>> 0 || 1;
  const out = new Uint8Array(width * height * 4);
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s >>> 24;
  }
  return out;
}

export function makeSelfTest(engine: () => Promise<Engine>): SelfTest {
  return async (width, height, seed, presetName) => {
    for (const [name, v] of [['width', width], ['height', height]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, not ${v}`);
    }
    const palette = getPreset(presetName);
    if (!palette) throw new RangeError(`unknown preset '${presetName}'`);
    const e = await engine();
    const report = e.adapter;
    if (e.backend !== 'gpu' || !report) throw new Error('the engine is not running on the GPU');
    const image = { width, height, data: randomRgba(width, height, seed) };
    const run = await e.orderedPalette(image, orderedPaletteParams(bayer([8, 8]), palette.colors));
    return {
      adapter: report,
      width,
      height,
      image: Array.from(image.data),
      indices: Array.from(run.indices),
      gpuMs: run.gpuMs,
    };
  };
}
