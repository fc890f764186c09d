// The dispatch loop every 2D image kernel shares: the image goes up in row chunks that fit one binding and one
// batch (their thresholds use absolute rows, so chunking never changes a bit); each chunk is uploaded, dispatched
// and read back into one output array, two chunks in flight so that transfers overlap compute. Kernels supply
// only their tables, their uniforms and their output width.
import { runBatches, sharedTables, type Batch } from './batches.js';
import { bindingLimit, rowChunks, type RowChunk } from './chunking.js';
import { outputArray } from './outputArray.js';
import type { GpuHandle } from './device.js';
import type { Kernel } from './pipelines.js';
import type { Recorder } from './recorder.js';
import { claimCall } from './stagedMemory.js';

export interface RowKernelSpec {
  readonly kernel: Kernel;
  /** RGBA samples, 8-bit (one u32 per pixel on the GPU) or 16-bit (two). Bound as `pixels`. */
  readonly image: { readonly width: number; readonly height: number; readonly data: Uint8Array | Uint8ClampedArray | Uint16Array };
  /** Tables the kernel reads, uploaded once for all chunks (WGSL binding name → data). */
  readonly tables: Readonly<Record<string, ArrayBufferView>>;
  /** Device buffers the kernel binds as they are (WGSL binding name → buffer), e.g. a cache kept across calls. */
  readonly buffers?: Readonly<Record<string, GPUBufferBinding>>;
  /** The WGSL name of the output binding, and the bytes it holds per pixel (packed into u32 words). */
  readonly output: { readonly name: string; readonly bytesPerPixel: 1 | 4 };
  /** Uniform values for one chunk. */
  readonly uniforms: (chunk: ChunkInfo) => Readonly<Record<string, Readonly<Record<string, number | readonly number[]>>>>;
  readonly pixelsPerWorkgroup: number;
  /** Caps a chunk's input binding (tests use it to force many chunks). */
  readonly maxChunkBytes?: number | undefined;
  /** Fills each output buffer with this word first, so tests can prove every element is written. */
  readonly poison?: number | undefined;
  /** Dispatches of a chunk besides the kernel's own, e.g. a second pass. */
  readonly passes?: ChunkPasses;
  /** Where the output goes (at least width · height · bytesPerPixel bytes); by default a new array. */
  readonly into?: Uint8Array | undefined;
}

/** A chunk as its dispatches see it. */
export interface ChunkInfo extends RowChunk {
  readonly pixelCount: number;
}

export interface ChunkPasses {
  /** How many dispatches `after` records (each gets timestamp queries). */
  readonly extra: number;
  /** Buffers the kernel binds for this chunk besides the shared ones (recorded before its dispatch). */
  before(rec: Recorder, chunk: ChunkInfo): Readonly<Record<string, GPUBufferBinding>>;
  /** Records the dispatches that follow the kernel's, given every buffer it bound. */
  after(rec: Recorder, chunk: ChunkInfo, bound: Readonly<Record<string, GPUBufferBinding>>): void;
}

export async function runRowKernel(gpu: GpuHandle, spec: RowKernelSpec): Promise<{ output: Uint8Array; gpuMs: number | null }> {
  const { width, height, data } = spec.image;
  const bytesPerPixel = 4 * data.BYTES_PER_ELEMENT;
  const outPerPixel = spec.output.bytesPerPixel;
  const outBytes = width * height * outPerPixel;
  const limit = Math.min(bindingLimit(gpu.device), spec.maxChunkBytes ?? Infinity);
  // A row wider than a batch still goes whole (the binding limit is the only hard one).
  const maxRows = Math.max(1, Math.floor(gpu.batchBytes / (width * bytesPerPixel)));
  let chunks = rowChunks(height, width * bytesPerPixel, limit, maxRows);
  const output = outputArray(outBytes, spec.into);
  // Staged memory is copied on the GPU's side, from offsets read now: once unmapped, its arrays are detached.
  // Claimed first: memory a call is using says so, rather than reading as an empty array.
  const staged = claimCall(gpu.device, data, spec.into, outBytes);
  const gpuIn = staged.input?.direct ? staged.input : null;
  let tables: ReturnType<typeof sharedTables> | null = null;
  try {
    if (data.length < 4 * width * height) throw new RangeError(`image data holds ${data.length} samples; ${width}×${height} RGBA needs ${4 * width * height}`);
    let gpuOut = staged.output?.direct ? staged.output : null;
    // Staged output takes each chunk's result at its offset in whole words: chunks of whole multiples of the rows
    // that fill whole words (every chunk but the last has `fit` rows), or the host copies where none fits.
    const fit = chunks[0]?.count ?? 0;
    const rowsPerWord = 4 / gcd(width * outPerPixel, 4);
    if (gpuOut && chunks.length > 1 && fit % rowsPerWord !== 0) {
      if (fit < rowsPerWord) gpuOut = null;
      else chunks = rowChunks(height, width * bytesPerPixel, limit, fit - (fit % rowsPerWord));
    }
    const shared = (tables = sharedTables(gpu, spec.tables));
    const batches = chunks.map(
      (chunk): Batch => ({
        dispatches: 1 + (spec.passes?.extra ?? 0),
        record(rec) {
          const pixelCount = chunk.count * width;
          const info: ChunkInfo = { ...chunk, pixelCount };
          const words = Math.ceil((pixelCount * outPerPixel) / 4);
          const at = chunk.first * width * bytesPerPixel;
          const bytes = pixelCount * bytesPerPixel;
          const out = rec.buffer(words * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC, spec.output.name);
          if (spec.poison !== undefined) rec.upload(out, new Uint32Array(words).fill(spec.poison));
          const buffers = {
            pixels: gpuIn ? rec.inputStaged(gpuIn, at, bytes, 'pixels') : rec.input(new Uint8Array(data.buffer, data.byteOffset + at, bytes), 'pixels'),
            ...shared.buffers,
            ...spec.buffers,
            ...spec.passes?.before(rec, info),
            [spec.output.name]: { buffer: out, offset: 0, size: words * 4 },
          };
          rec.dispatch({ kernel: spec.kernel, buffers, uniforms: spec.uniforms(info), workgroups: Math.ceil(pixelCount / spec.pixelsPerWorkgroup) });
          spec.passes?.after(rec, info, buffers);
          const outAt = chunk.first * width * outPerPixel;
          const outLength = pixelCount * outPerPixel;
          if (gpuOut) {
            rec.readStaged(out, 0, gpuOut, outAt, outLength);
            return [];
          }
          return [rec.read(out, 0, outLength, output.subarray(outAt, outAt + outLength))];
        },
      }),
    );
    const gpuMs = await runBatches(gpu, batches);
    return { output: gpuOut ? await gpuOut.result(outBytes) : output, gpuMs };
  } finally {
    tables?.release();
    await staged.release();
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
