import { Engine } from './dist/src/engine.js';
import { orderedPaletteParams } from './dist/src/kernels/orderedPalette.js';
import { parseMethod } from './dist/src/maps/index.js';
import { getPreset } from './dist/src/palette/index.js';
import { greyLevelsLayers } from './dist/src/stack/kernels.gpu.js';
import { parseLayerMethod } from './dist/src/stack/layerMaps.js';
const e = await Engine.create({ backend: 'gpu' });
const w = 3840, h = 2160;
const data = new Uint8Array(4 * w * h).map((_, i) => (i * 2654435761) >>> 24);
const params = orderedPaletteParams(parseMethod('bayer8'), getPreset('bw').colors, { rule: 'offset', distance: 'linear' });
for (let r = 0; r < 5; r++) { const t0 = performance.now(); const o = await e.orderedPalette({ width: w, height: h, data }, params); console.log('2D 4K', (performance.now() - t0).toFixed(0), 'ms wall, kernel', o.gpuMs?.toFixed(0)); }
const grey = new Uint8Array(2048 * 2048 * 32).map((_, i) => (i * 2654435761) >>> 24);
const maps = parseLayerMethod('bayer3d8');
for (let r = 0; r < 5; r++) { const t0 = performance.now(); const o = await greyLevelsLayers(e, { width: 2048, height: 2048, z0: 0, count: 32, data: grey }, maps, 2); console.log('3D 2048²×32', (performance.now() - t0).toFixed(0), 'ms wall, kernel', o.gpuMs?.toFixed(0)); }
e.destroy();
