// What the CPU workers run: the single-threaded CPU references, applied to one tile (a range of rows of an image,
// or a range of layers / rows of a stack). Plain functions, callable in-thread too, so a tile's bits are by
// construction the reference's bits; arguments and results cross threads by structured clone.
import { orderedPalette, type OrderedPaletteParams } from '../kernels/orderedPalette.js';
import { levelsCpu, type LevelsParams } from '../kernels/levels.js';
import { greyLevelsCpu, materialFractionsCpu, type Samples } from '../stack/kernels.js';
import type { ThresholdMap } from '../maps/thresholdMap.js';
import type { LayerMaps } from '../stack/layerMaps.js';

/** Parameter tables a worker keeps, by id, most recent first out; the pool mirrors this cache exactly. */
export const PARAMS_CACHE = 8;

/** Rows [firstRow, firstRow + rows) of an RGBA image: `data` holds exactly those rows. */
export interface RowTile<P> {
  readonly width: number;
  readonly firstRow: number;
  readonly rows: number;
  readonly data: Uint8Array | Uint8ClampedArray | Uint16Array;
  readonly params: P;
}

/** A stack's layer maps as plain data: the distinct 2D maps, and per layer of the tile the index of its map. */
export interface TileMaps {
  readonly maps: readonly ThresholdMap[];
  readonly index: Uint16Array;
}

/** `count` layers from absolute layer z0, `height` rows each (a whole layer, or rows of one that keep its phase). */
export interface LayerTile {
  readonly width: number;
  readonly height: number;
  readonly z0: number;
  readonly count: number;
  readonly maps: TileMaps;
}

export interface GreyTile extends LayerTile {
  readonly data: Samples;
  readonly levels: number;
}

export interface FractionTile extends LayerTile {
  /** K channels, or one RGBA array (`rgba` true). */
  readonly channels: readonly Samples[];
  readonly rgba: boolean;
}

/** Rebuilds LayerMaps for a tile: layer z0 + l uses maps[index[l]]. */
export function tileLayerMaps(t: LayerTile): LayerMaps {
  return {
    name: 'tile',
    period: null,
    at: (z) => t.maps.maps[t.maps.index[z - t.z0]!]!,
  };
}

const tasks = {
  /** Answers once the worker's modules are loaded. */
  ping(_: null): Uint8Array {
    return new Uint8Array(0);
  },
  orderedPalette(t: RowTile<OrderedPaletteParams>): Uint8Array {
    return orderedPalette({ width: t.width, height: t.rows, data: t.data }, t.params, t.firstRow, t.rows);
  },
  levels(t: RowTile<LevelsParams>): Uint8Array {
    return levelsCpu({ width: t.width, height: t.rows, data: t.data as Uint8Array | Uint16Array }, t.params, t.firstRow, t.rows);
  },
  greyLevels(t: GreyTile): Uint8Array {
    return greyLevelsCpu({ width: t.width, height: t.height, z0: t.z0, count: t.count, data: t.data }, tileLayerMaps(t), t.levels).data;
  },
  materialFractions(t: FractionTile): Uint8Array {
    const shape = { width: t.width, height: t.height, z0: t.z0, count: t.count };
    const layers = t.rgba ? { ...shape, rgba: t.channels[0]! } : { ...shape, channels: t.channels };
    return materialFractionsCpu(layers, tileLayerMaps(t)).data;
  },
};

export type CpuTaskName = keyof typeof tasks;
export type CpuTaskArgs<K extends CpuTaskName> = Parameters<(typeof tasks)[K]>[0];

export function runCpuTask<K extends CpuTaskName>(name: K, args: CpuTaskArgs<K>): Uint8Array {
  const task = tasks[name] as (a: CpuTaskArgs<K>) => Uint8Array;
  if (!task) throw new Error(`unknown CPU task ${String(name)}`);
  return task(args);
}
