// The library entry: everything the CLI does is available here.
export { Engine, BACKENDS, type BackendChoice, type EngineOptions, type KernelRun } from './engine.js';
export { ditherImage, type DitherImageOptions, type DitheredImage } from './image/ditherImage.js';
export { InputError, KernelError, DeviceLostError, NoAdapterError } from './errors.js';
export type { AdapterReport } from './host/adapterInfo.js';
export { requestGpu, wrapDevice, type GpuHandle } from './host/device.js';
export { orderedPalette, orderedPaletteParams, type OrderedPaletteParams, type RgbaImage } from './kernels/orderedPalette.js';
export * from './maps/index.js';
export * from './palette/index.js';
export * from './formats/index.js';
export * from './color/index.js';
