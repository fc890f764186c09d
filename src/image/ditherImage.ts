// The library call behind `ditherforge image`: an RGBA image in, palette indices out, on either backend.
import { Engine, type BackendChoice } from '../engine.js';
import { InputError } from '../errors.js';
import type { AdapterReport } from '../host/adapterInfo.js';
import { orderedPaletteParams, type RgbaImage } from '../kernels/orderedPalette.js';
import type { Raster } from '../formats/raster.js';
import { getPreset } from '../palette/presets.js';
import type { Palette } from '../palette/palette.js';
import type { ThresholdMap } from '../maps/thresholdMap.js';
import { bayer } from '../maps/bayer.js';

export interface DitherImageOptions {
  /** A palette, or a preset name such as 'bw' or 'pico8'. Default 'bw'. */
  readonly palette?: Palette | string;
  /** A threshold map. Default Bayer 8×8. */
  readonly map?: ThresholdMap;
  /** An engine to run on; otherwise one is created for `backend` and destroyed afterwards. */
  readonly engine?: Engine;
  readonly backend?: BackendChoice;
}

export interface DitheredImage {
  readonly width: number;
  readonly height: number;
  /** One palette index per pixel, row-major. */
  readonly indices: Uint8Array;
  readonly palette: Palette;
  readonly backend: 'gpu' | 'cpu';
  readonly adapter: AdapterReport | null;
  /** Wall time of the kernel call, upload and readback included. */
  readonly ms: number;
  /** GPU time from timestamp queries, when available. */
  readonly gpuMs: number | null;
}

function resolve(palette: Palette | string | undefined): Palette {
  if (palette === undefined) return resolve('bw');
  if (typeof palette !== 'string') return palette;
  const p = getPreset(palette);
  if (!p) throw new InputError('--palette', `unknown preset "${palette}"`);
  return p;
}

export async function ditherImage(image: Raster | RgbaImage, options: DitherImageOptions = {}): Promise<DitheredImage> {
  const palette = resolve(options.palette);
  const params = orderedPaletteParams(options.map ?? bayer([8, 8]), palette.colors);
  const engine = options.engine ?? (await Engine.create({ backend: options.backend ?? 'auto' }));
  try {
    const t0 = performance.now();
    const run = await engine.orderedPalette(image, params);
    const ms = performance.now() - t0;
    return {
      width: image.width,
      height: image.height,
      indices: run.indices,
      palette,
      backend: engine.backend,
      adapter: engine.adapter,
      ms,
      gpuMs: run.gpuMs,
    };
  } finally {
    if (!options.engine) engine.destroy();
  }
}
