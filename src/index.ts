// The library entry: everything the CLI does is available here.
export { Engine, BACKENDS, type BackendChoice, type EngineOptions, type KernelRun } from './engine.js';
export { InputError, KernelError, DeviceLostError, NoAdapterError } from './errors.js';
export type { AdapterReport } from './host/adapterInfo.js';
export type { StagedMemory, StageDirection } from './host/stagedMemory.js';
export { requestGpu, wrapDevice, type GpuHandle } from './host/device.js';

// 2D images
export {
  ditherImage,
  MIX_METHODS,
  type DitherImageOptions,
  type DitheredImage,
  type PaletteDithered,
  type LevelsDithered,
  type MixMethod,
} from './image/ditherImage.js';
export { encodeDithered, type OutputFormat } from './image/encode.js';
export { levels, encodeLevelsPng, parseLevels, parseCodes, parseCutoff, type LevelsOptions, type LevelsResult, type AlphaMode } from './image/levels.js';
export {
  orderedPalette,
  orderedPaletteParams,
  type OrderedPaletteOptions,
  type OrderedPaletteParams,
  type PaletteRule,
  type RgbaImage,
} from './kernels/orderedPalette.js';
export { orderedMixParams, orderedMixCpu, type OrderedMixOptions, type OrderedMixParams } from './kernels/orderedMix.js';
export { orderedMix } from './kernels/orderedMix.gpu.js';
export { autoPalette, type AutoPaletteOptions } from './palette/auto.js';

export * from './maps/index.js';
export * from './palette/index.js';
export * from './formats/index.js';
export * from './color/index.js';

// 3D voxel stacks
export { ditherStack, type DitherStackOptions, type StackInput, type StackLayer } from './stack/ditherStack.js';
export { parseLayerMethod, parseVoxel, type LayerMaps, type Voxel } from './stack/layerMaps.js';
export { greyLevelsLayers, materialFractionsLayers } from './stack/kernels.gpu.js';
export { greyLevelsCpu, materialFractionsCpu, type GreyLayers, type FractionLayers, type LayerOutput } from './stack/kernels.js';
export * from './stack/formats/index.js';
