// The shapes the stack streaming engine exchanges with file formats.

/** One decoded input layer: grey (channels 1) or RGBA (channels 4) samples, row-major. */
export interface Layer {
  /** Position in the stack, 0 for the first layer (not the number in the slice's file name). */
  z: number;
  width: number;
  height: number;
  depth: 8 | 16;
  channels: 1 | 4;
  data: Uint8Array | Uint16Array;
}

/** What a source knows before its first layer is decoded. */
export interface StackInfo {
  width: number;
  height: number;
  layers: number;
  depth: 8 | 16;
  channels: 1 | 4;
}

/** Layers in z order with bounded read-ahead; each iteration reads the stack again from the start. */
export interface LayerSource extends AsyncIterable<Layer> {
  readonly info: StackInfo;
  /** Where each layer comes from (file path, `archive/entry` or `file@offset`), in z order. */
  readonly names: readonly string[];
}

/**
 * One output layer. `bits`: one bit per voxel, 32 voxels per u32 word, bit i of word w = voxel 32w+i of the
 * layer in row-major order, the layer padded to whole words (ceil(width*height/32) words).
 * `codes`: one byte per voxel (a level 0..N-1 or a material index), row-major.
 */
export type OutputLayer =
  | { z: number; width: number; height: number; kind: 'bits'; data: Uint32Array }
  | { z: number; width: number; height: number; kind: 'codes'; data: Uint8Array };

/**
 * Consumes layers in z order (z = 0, 1, 2, ...). `write` resolves once the layer is accepted (encoding runs
 * behind it, a bounded number of layers deep) and copies what it needs, so the caller may reuse `data`.
 * `close` finishes and publishes the output; `abort` (also after a failed `close`) leaves nothing behind.
 */
export interface LayerSink {
  write(layer: OutputLayer): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * How `codes` layers become PNG pixels (`bits` layers are always 0 → black, 1 → white).
 * `palette`: indexed PNG, RGB triplets of the materials with void first, codes index it.
 * `levels`: grey PNG at the smallest depth holding N levels, code c → round(c * (2^depth-1) / (N-1)).
 * `minGreyDepth`: never write grey below this depth (printers that only read 8-bit slices).
 */
export interface PngEncoding {
  levels?: number;
  palette?: Uint8Array;
  minGreyDepth?: 1 | 2 | 4 | 8 | 16;
  /**
   * zlib level for 8- and 16-bit grey image data (default 6; the strategy is Z_RLE, fast on dithered noise and
   * good on slices). Sub-byte grey and indexed PNGs are written at the project's own level (ZLIB_LEVEL).
   */
  zlibLevel?: number;
}
