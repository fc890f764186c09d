// ditherImage on a PNG read band by band (what the CLI passes) gives the bytes it gives on the decoded image, on
// every backend and mode: streamed through this thread's kernel where it can, decoded whole where it cannot.
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Engine } from '../../src/engine.js';
import { decodePng, pngBands, type BandedRaster } from '../../src/formats/index.js';
import { ditherImage, type DitherImageOptions } from '../../src/image/ditherImage.js';
import { encodeDithered } from '../../src/image/encode.js';
import { randomBytes } from '../helpers/random.js';
import { gpuEngine } from '../helpers/gpu.js';

let gpu: Engine;
let cpu: Engine;
let pool: Engine;
beforeAll(async () => {
  gpu = await gpuEngine();
  cpu = await Engine.create({ backend: 'cpu' });
  pool = await Engine.create({ backend: 'cpu', threads: 2 });
});
afterAll(async () => {
  gpu.destroy();
  await pool.destroy();
});

/** A PNG of random pixels: RGB, or RGBA with some transparent pixels. */
function png(width: number, height: number, seed: number, alpha: boolean): Uint8Array {
  const channels = alpha ? 4 : 3;
  const data = randomBytes(width * height * channels, seed);
  if (alpha) for (let p = 3; p < data.length; p += 4 * 7) data[p] = 0;
  return encode({ width, height, data, channels });
}

/** Counts the bands taken, so a test can tell streaming (many) from a whole decode (none). */
function counted(file: Uint8Array): { source: BandedRaster; bands: () => number } {
  const source = pngBands(file, 'in.png', { bandBytes: 4 * 61 * 5 });
  let n = 0;
  const bands = source.bands.bind(source);
  return {
    source: {
      ...source,
      whole: source.whole,
      bands: async function* () {
        for await (const band of bands()) {
          n++;
          yield band;
        }
      },
    },
    bands: () => n,
  };
}

const MODES: [string, DitherImageOptions, boolean][] = [
  // name, options, whether the PNG has alpha
  ['pair, pico8', { palette: 'pico8', method: 'bluenoise64' }, false],
  ['offset, websafe, lab', { palette: 'websafe', mix: 'offset', distance: 'lab' }, false],
  ['pair, alpha threshold', { palette: 'pico8' }, true],
  ['pair, alpha dither', { palette: 'grays-4', alpha: 'dither' }, true],
  ['levels 6,6,4', { levels: '6,6,4' }, false],
  ['levels 2 with alpha kept, gamma space', { levels: '2', gammaSpace: true }, true],
  // These need the whole image: decoded whole, then as before.
  ['pair, alpha kept', { palette: 'pico8', alpha: 'keep' }, true],
  ['auto:8', { palette: 'auto:8' }, false],
  ['yliluoma', { palette: 'pico8', mix: 'yliluoma' }, false],
];
const STREAMS = new Set(['pair, pico8', 'offset, websafe, lab', 'pair, alpha threshold', 'pair, alpha dither', 'levels 6,6,4', 'levels 2 with alpha kept, gamma space']);

describe('a banded PNG dithers as the decoded one does', () => {
  for (const [name, options, alpha] of MODES) {
    for (const [w, h] of [[61, 37], [1, 1]] as const) {
      test(`${name}, ${w}x${h}`, async () => {
        const file = png(w, h, w + name.length, alpha);
        const want = await ditherImage(decodePng(file, 'in.png'), { ...options, engine: cpu });
        for (const [label, engine] of [['cpu', cpu], ['threads', pool], ['gpu', gpu]] as const) {
          const { source, bands } = counted(file);
          const got = await ditherImage(source, { ...options, engine });
          expect(encodeDithered(got, 'raw'), label).toEqual(encodeDithered(want, 'raw'));
          expect(encodeDithered(got, 'png'), label).toEqual(encodeDithered(want, 'png'));
          // Only this thread's kernels take bands; the others, and modes that need the whole image, decode it whole.
          const streamed = label === 'cpu' && STREAMS.has(name);
          expect(bands(), label).toBe(streamed ? Math.ceil(h / 5) : 0);
        }
      });
    }
  }

  test('a PNG that turns out corrupt mid-stream is one InputError, and nothing is returned', async () => {
    const file = png(61, 37, 3, false);
    // Break the zlib checksum and fix the chunk's CRC, so only the inflate finds it.
    const { makeChunk, readChunks } = await import('../../src/formats/pngChunks.js');
    const { chunks } = readChunks(file);
    const idat = chunks.find((c) => c.type === 'IDAT')!;
    const data = idat.data.slice();
    data[data.length - 1]! ^= 1;
    const bad = new Uint8Array([...file.subarray(0, idat.offset), ...makeChunk('IDAT', data), ...file.subarray(idat.offset + 12 + idat.data.length)]);
    await expect(ditherImage(pngBands(bad, 'bad.png'), { palette: 'pico8', engine: cpu })).rejects.toThrow(/^bad\.png: corrupt PNG \(image data: incorrect data check\)$/);
  });
});
