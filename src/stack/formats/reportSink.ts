// Voxel counts per output value over the whole stack (material usage for PolyJet jobs), as JSON written
// atomically at close. Counting runs on the pool; totals are exact up to 2^53 voxels.
import { writeFileAtomic } from '../../formats/atomicWrite.js';
import { sharedPool, type WorkerPool } from '../workers/pool.js';
import { detachedCopy, makeSink, windowFor } from './stream.js';
import type { LayerSink } from './types.js';

export interface VoxelReportOptions {
  /** Material colours, RGB triplets with void first; listed as `rgb` per value. */
  palette?: Uint8Array;
  /** Material names per value. */
  names?: readonly string[];
  /** List values 0..levels-1 even when unused. */
  levels?: number;
  pool?: WorkerPool;
  inFlight?: number;
}

export interface VoxelReport {
  format: 'ditherforge-voxel-report';
  version: 1;
  width: number;
  height: number;
  layers: number;
  voxels: number;
  /** Every value up to the largest used or declared one (palette, names, levels; 0 and 1 for bits). */
  values: { value: number; count: number; fraction: number; name?: string; rgb?: string }[];
}

export async function createVoxelReportSink(path: string, options: VoxelReportOptions = {}): Promise<LayerSink> {
  const pool = options.pool ?? sharedPool();
  const totals = new Float64Array(256);
  let width = 0, height = 0, sawBits = false;
  return makeSink<Float64Array>({
    depth: (first) => options.inFlight ?? windowFor(first.data.byteLength, pool.size),
    encode(layer) {
      width = layer.width;
      height = layer.height;
      sawBits ||= layer.kind === 'bits';
      const copy = detachedCopy(layer);
      return pool.run('countValues', { layer: copy }, [copy.data.buffer as ArrayBuffer]);
    },
    async commit(counts) {
      for (let v = 0; v < 256; v++) totals[v]! += counts[v]!;
    },
    async finish(layers) {
      const report = buildReport(totals, { ...options, width, height, layers, minValues: sawBits ? 2 : 0 });
      await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`));
    },
    async cleanup() {}, // nothing is written before close
  });
}

export function buildReport(
  totals: Float64Array,
  o: VoxelReportOptions & { width: number; height: number; layers: number; minValues?: number },
): VoxelReport {
  let last = -1;
  totals.forEach((c, v) => {
    if (c > 0) last = v;
  });
  const declared = Math.max(o.palette ? o.palette.length / 3 : 0, o.names?.length ?? 0, o.levels ?? 0, o.minValues ?? 0);
  const count = Math.min(256, Math.max(last + 1, declared));
  const voxels = totals.reduce((a, b) => a + b, 0);
  const values: VoxelReport['values'] = [];
  for (let v = 0; v < count; v++) {
    const entry: VoxelReport['values'][number] = { value: v, count: totals[v]!, fraction: voxels > 0 ? totals[v]! / voxels : 0 };
    const name = o.names?.[v];
    if (name !== undefined) entry.name = name;
    if (o.palette && 3 * v + 2 < o.palette.length) {
      entry.rgb = `#${Array.from(o.palette.subarray(3 * v, 3 * v + 3), (b) => b.toString(16).padStart(2, '0')).join('')}`;
    }
    values.push(entry);
  }
  return { format: 'ditherforge-voxel-report', version: 1, width: o.width, height: o.height, layers: o.layers, voxels, values };
}
