// Stack file formats: streaming layer sources and sinks (slice directories, SL1 zips, raw volumes, reports).
export type { Layer, LayerSink, LayerSource, OutputLayer, PngEncoding, StackInfo } from './types.js';
export { naturalCompare, orderSlices, sliceNumber } from './naturalSort.js';
export { openSliceDir, type SourceOptions } from './sliceDir.js';
export { openStack, type OpenStackOptions } from './open.js';
export { isLayerEntry, openSl1, type Sl1Archive, type Sl1Source } from './sl1.js';
export { createRawSink, openRawVolume, parseVolumeSize, type RawSinkOptions, type RawVolumeOptions } from './raw.js';
export { createPngSliceSink, sliceFileName, type PngSliceSinkOptions } from './pngSliceSink.js';
export { createSl1Sink, type Sl1SinkOptions } from './sl1Sink.js';
export { buildReport, createVoxelReportSink, type VoxelReport, type VoxelReportOptions } from './reportSink.js';
export { greyDepthFor, levelValues } from './layerEncode.js';
export { WorkerPool, sharedPool, type PoolOptions } from '../workers/pool.js';
