import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { blueNoise, blueNoiseCachePath, clearBlueNoiseMemo, generateBlueNoise } from '../../src/maps/index.js';
import { firstRanks, isPermutation, lowFrequencyShare, nearestNeighbours, whiteNoise } from './helpers.js';

let root: string;
let cacheHome: string;
const savedXdg = process.env.XDG_CACHE_HOME;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ditherforge-bn-'));
});
beforeEach(() => {
  // A fresh, empty cache for every test.
  cacheHome = mkdtempSync(join(root, 'cache-'));
  process.env.XDG_CACHE_HOME = cacheHome;
  clearBlueNoiseMemo();
});
afterAll(() => {
  if (savedXdg === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedXdg;
  clearBlueNoiseMemo();
  rmSync(root, { recursive: true, force: true });
});

describe('blueNoise generation', () => {
  it('is a permutation of 0..N-1 with scale N, for square, rectangular and 3D sizes', () => {
    for (const [sizes, name] of [
      [[64, 64], 'bluenoise64'],
      [[32, 16], 'bluenoise32x16'],
      [[16, 16, 16], 'bluenoise3d16'],
      [[8, 8, 4], 'bluenoise3d8x8x4'],
    ] as const) {
      const m = generateBlueNoise(sizes);
      expect(m.name).toBe(name);
      expect(m.size).toEqual([sizes[0], sizes[1], sizes[2] ?? 1]);
      expect(m.scale).toBe(m.values.length);
      expect(isPermutation(m.values)).toBe(true);
    }
  });

  it('is deterministic: two generations from scratch agree, and agree with the cached map', () => {
    for (const sizes of [[64, 64], [16, 16, 16]]) {
      const a = generateBlueNoise(sizes);
      const b = generateBlueNoise(sizes);
      expect(a.values).not.toBe(b.values);
      expect(b.values).toEqual(a.values);
      expect(blueNoise(sizes).values).toEqual(a.values);
    }
  });

  it('2D: the first 10% of ranks are evenly spread, with little low-frequency power', () => {
    const m = generateBlueNoise([64, 64]);
    const white = whiteNoise(m.size, 1);
    const count = m.scale / 10;
    const blue = nearestNeighbours(firstRanks(m, count), m.size);
    const rand = nearestNeighbours(firstRanks(white, count), m.size);
    expect(rand.min).toBe(1); // white noise has touching points at this density...
    expect(blue.min).toBeGreaterThanOrEqual(Math.SQRT2); // ...blue noise never puts two side by side
    expect(blue.mean).toBeGreaterThan(1.4 * rand.mean);
    for (const fraction of [0.1, 0.25, 0.5]) {
      // White noise puts ~pi*8^2/4096 = 5% of its power within radius 8 of DC.
      const whiteShare = lowFrequencyShare(white, fraction, 8);
      expect(whiteShare).toBeGreaterThan(0.03);
      expect(lowFrequencyShare(m, fraction, 8), `fraction ${fraction}`).toBeLessThan(whiteShare / 10);
    }
  });

  it('3D: every density level has little low-frequency power, and points are spread apart', () => {
    const m = generateBlueNoise([16, 16, 16]);
    const white = whiteNoise(m.size, 2);
    for (const fraction of [0.05, 0.1, 0.25, 0.5]) {
      const whiteShare = lowFrequencyShare(white, fraction, 4);
      expect(whiteShare).toBeGreaterThan(0.03);
      expect(lowFrequencyShare(m, fraction, 4), `fraction ${fraction}`).toBeLessThan(whiteShare / 5);
    }
    const count = m.scale / 10;
    const blue = nearestNeighbours(firstRanks(m, count), m.size);
    expect(blue.mean).toBeGreaterThan(1.1 * nearestNeighbours(firstRanks(white, count), m.size).mean);
  });

  it('generates 256x256 well within 5 seconds', () => {
    const t = performance.now();
    const m = generateBlueNoise([256, 256]);
    expect(performance.now() - t).toBeLessThan(5000);
    expect(isPermutation(m.values)).toBe(true);
  });

  it('rejects unsupported sizes', () => {
    for (const sizes of [[64], [100, 100], [512, 512], [4, 4], [128, 128, 128], [2, 2, 2], [64, 64, 64, 64], [64.5, 64]]) {
      expect(() => blueNoise(sizes), JSON.stringify(sizes)).toThrow(InputError);
    }
    expect(() => blueNoise([100, 100], '--method')).toThrow(/^--method: .*100.*power of two/);
  });
});

describe('blueNoise memo and disk cache', () => {
  const sizes = [16, 16];
  const cacheFile = (): string => blueNoiseCachePath(sizes)!;

  it('memoises per process', () => {
    const a = blueNoise(sizes);
    expect(blueNoise(sizes)).toBe(a);
    clearBlueNoiseMemo();
    const b = blueNoise(sizes);
    expect(b).not.toBe(a);
    expect(b.values).toEqual(a.values);
  });

  it('writes a small binary file under $XDG_CACHE_HOME/ditherforge, with no temp files left', () => {
    expect(cacheFile().startsWith(join(cacheHome, 'ditherforge'))).toBe(true);
    blueNoise(sizes);
    expect(existsSync(cacheFile())).toBe(true);
    expect(readFileSync(cacheFile()).length).toBeLessThan(1024); // 256 cells
    expect(readdirSync(join(cacheHome, 'ditherforge')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reads the map back from disk rather than regenerating it', () => {
    const generated = generateBlueNoise(sizes);
    blueNoise(sizes);
    // Swap the last two stored values (u16 LE at the end of the file): still a valid permutation, so a map that
    // comes back swapped can only have been read from the file.
    const bytes = readFileSync(cacheFile());
    const end = bytes.length;
    bytes.set([...bytes.subarray(end - 2, end), ...bytes.subarray(end - 4, end - 2)], end - 4);
    writeFileSync(cacheFile(), bytes);
    clearBlueNoiseMemo();
    const n = generated.values.length;
    const back = blueNoise(sizes).values;
    expect([back[n - 2], back[n - 1]]).toEqual([generated.values[n - 1], generated.values[n - 2]]);
    expect(back.subarray(0, n - 2)).toEqual(generated.values.subarray(0, n - 2));
  });

  it('round-trips maps with more than 65536 cells', () => {
    const big = [64, 64, 32];
    const generated = blueNoise(big);
    expect(existsSync(blueNoiseCachePath(big)!)).toBe(true);
    clearBlueNoiseMemo();
    expect(blueNoise(big).values).toEqual(generated.values);
  });

  it('ignores and replaces a corrupt cache file', () => {
    const generated = generateBlueNoise(sizes);
    blueNoise(sizes);
    const good = readFileSync(cacheFile());
    const duplicate = Uint8Array.from(good);
    duplicate.set(duplicate.subarray(duplicate.length - 2), duplicate.length - 4); // two equal values
    for (const corrupt of [new Uint8Array(0), good.subarray(0, good.length - 1), Uint8Array.from(good).fill(0xff), duplicate]) {
      writeFileSync(cacheFile(), corrupt);
      clearBlueNoiseMemo();
      expect(blueNoise(sizes).values).toEqual(generated.values);
      expect(readFileSync(cacheFile())).toEqual(good); // regenerated and rewritten
    }
  });

  it('still works when the cache directory cannot be created', () => {
    const blocker = join(cacheHome, 'not-a-dir');
    writeFileSync(blocker, 'a file where the cache directory would go');
    process.env.XDG_CACHE_HOME = blocker;
    expect(blueNoise(sizes).values).toEqual(generateBlueNoise(sizes).values);
  });

  it('ignores a relative XDG_CACHE_HOME, as the XDG spec says', () => {
    process.env.XDG_CACHE_HOME = 'relative/cache';
    expect(blueNoiseCachePath(sizes)!.startsWith(join(homedir(), '.cache', 'ditherforge'))).toBe(true);
  });
});
