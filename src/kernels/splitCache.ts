// The GPU's memo of pair-rule splits for 8-bit colours (cachedSplit in shaders/orderedPalette.wgsl): a split
// depends on the colour and the palette's parameters only, never on the map or the image, so one table per device
// serves every later call and video frame with the same palette, and a warm call costs one read per pixel instead
// of up to 19 nearest-colour searches. Mirrors the CPU reference's memo (pairMemoised), with the same words.
import type { OrderedPaletteParams } from './orderedPalette.js';

/** One u32 per 8-bit RGB colour: 64 MiB. */
const ENTRIES = 1 << 24;

interface Table {
  readonly buffer: GPUBuffer;
  /** What the entries were computed for ('' when empty). */
  key: string;
  /** Calls running with it: a different palette may clear it only when none is. */
  users: number;
}

const tables = new WeakMap<GPUDevice, Promise<Table | null>>();

/** Everything a split depends on: the input decoding, the distance space and the palette. */
function keyOf(p: OrderedPaletteParams): string {
  return `${p.gammaSpace}:${p.space.name}:${p.palette.join(',')}`;
}

async function create(device: GPUDevice): Promise<Table | null> {
  device.pushErrorScope('out-of-memory');
  const buffer = device.createBuffer({ label: 'pair-splits', size: 4 * ENTRIES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  if (await device.popErrorScope()) {
    buffer.destroy();
    return null; // a device too small for the table runs uncached, with the same output
  }
  return { buffer, key: '', users: 0 };
}

export interface SplitLease {
  readonly buffer: GPUBuffer;
  release(): void;
}

/**
 * The device's split table for `params`, cleared first if it held another palette's; null (run uncached) when
 * another call is using it with another palette, or the device could not hold it.
 */
export async function leaseSplits(device: GPUDevice, params: OrderedPaletteParams): Promise<SplitLease | null> {
  let pending = tables.get(device);
  if (!pending) tables.set(device, (pending = create(device)));
  const table = await pending;
  if (!table) return null;
  const key = keyOf(params);
  if (table.key !== key) {
    if (table.users > 0) return null;
    const enc = device.createCommandEncoder();
    enc.clearBuffer(table.buffer); // 0 is "not computed"
    device.queue.submit([enc.finish()]);
    table.key = key;
  }
  table.users++;
  const t = table;
  let held = true;
  return {
    buffer: t.buffer,
    release() {
      if (held) t.users--;
      held = false;
    },
  };
}

/** Empties the device's table (the bench uses it to time a first call). */
export async function forgetSplits(device: GPUDevice): Promise<void> {
  const t = await tables.get(device);
  if (t && t.users === 0) t.key = '';
}
