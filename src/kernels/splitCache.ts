// The GPU's memo of pair-rule splits for 8-bit colours (cachedSplit in shaders/orderedPalette.wgsl): a split
// depends on the colour and the palette's parameters only, never on the map or the image, so one table per device
// serves every later call and video frame with the same palette, and a warm call costs one read per pixel instead
// of up to 19 nearest-colour searches. Mirrors the CPU reference's memo (pairMemoised), with the same words.
import type { OrderedPaletteParams } from './orderedPalette.js';

/** One u32 per 8-bit RGB colour: 64 MiB. */
const ENTRIES = 1 << 24;

/**
 * Pixels a device must have dithered with one palette before `auto` makes the table. A first call with the table
 * empty is already faster than none at 4K (on lavapipe and on an H200), but allocating and clearing 64 MiB costs
 * a software adapter about 170 ms on our 2-core VM: more than a small image's whole run, so a single small image
 * goes without, while a stream of frames switches to the table after about a megapixel.
 */
export const SPLIT_TABLE_MIN_PIXELS = 1 << 20;

/** `auto`: make the table once it pays (above); `always`: make it at once (tests); `never`: run uncached. */
export type SplitTableMode = 'auto' | 'always' | 'never';

interface Table {
  readonly buffer: GPUBuffer;
  /** What the entries were computed for ('' when empty). */
  key: string;
  /** Calls running with it: a different palette may clear it only when none is. */
  users: number;
  /** Pixels of the calls that have leased it since it was last cleared. */
  pixels: number;
}

const tables = new WeakMap<GPUDevice, Promise<Table | null>>();
/** Before a device has a table: the palette it last ran and the pixels run with it since. */
const uncached = new WeakMap<GPUDevice, { key: string; pixels: number }>();

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
  return { buffer, key: '', users: 0, pixels: 0 };
}

export interface SplitLease {
  readonly buffer: GPUBuffer;
  /** The table held this palette's splits from calls at least this call's size: it should miss few colours. */
  readonly warm: boolean;
  release(): void;
}

/**
 * The device's split table for a call of `pixels` pixels with `params`, cleared first if it held another
 * palette's; null (run uncached) when `mode` says so, when another call is using it with another palette, or when
 * the device could not hold it.
 */
export async function leaseSplits(device: GPUDevice, params: OrderedPaletteParams, pixels: number, mode: SplitTableMode = 'auto'): Promise<SplitLease | null> {
  if (mode === 'never') return null;
  const key = keyOf(params);
  let pending = tables.get(device);
  if (!pending) {
    if (mode === 'auto') {
      const seen = uncached.get(device);
      const run = { key, pixels: (seen?.key === key ? seen.pixels : 0) + pixels };
      uncached.set(device, run);
      if (run.pixels < SPLIT_TABLE_MIN_PIXELS) return null;
    }
    tables.set(device, (pending = create(device)));
  }
  const table = await pending;
  if (!table) return null;
  // Warm: this palette's, and filled by calls of at least this call's size (a video's earlier frames), so few of
  // its colours should be missing; a call after a much smaller one would queue most of its pixels.
  const warm = table.key === key && table.pixels >= pixels;
  if (table.key !== key) {
    if (table.users > 0) return null;
    const enc = device.createCommandEncoder();
    enc.clearBuffer(table.buffer); // 0 is "not computed"
    device.queue.submit([enc.finish()]);
    table.key = key;
    table.pixels = 0;
  }
  table.users++;
  table.pixels += pixels;
  const t = table;
  let held = true;
  return {
    buffer: t.buffer,
    warm,
    release() {
      if (held) t.users--;
      held = false;
    },
  };
}

/** Whether the device has made its table (tests of the `auto` policy). */
export function hasSplitTable(device: GPUDevice): boolean {
  return tables.has(device);
}

/** Empties the device's table (the bench uses it to time a first call). */
export async function forgetSplits(device: GPUDevice): Promise<void> {
  const t = await tables.get(device);
  if (t && t.users === 0) {
    t.key = '';
    t.pixels = 0;
  }
}
