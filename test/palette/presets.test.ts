import { describe, expect, it } from 'vitest';
import { getPreset, paletteToHex, PRESET_NAMES, resolvePalette } from '../../src/palette/index.js';
import { asPalette, inputError } from './helpers.js';

const SIZES: Record<string, number> = { bw: 2, cga: 16, cga4: 4, ega16: 16, gameboy: 4, pico8: 16, websafe: 216 };

describe('presets', () => {
  it('lists every fixed preset plus the grays-N family', () => {
    expect([...PRESET_NAMES].sort()).toEqual([...Object.keys(SIZES), 'grays-N'].sort());
  });

  it.each(Object.entries(SIZES))('%s has %i distinct colours', (name, size) => {
    const p = getPreset(name)!;
    expect(p.name).toBe(name);
    expect(p.size).toBe(size);
    expect(p.colors.length).toBe(3 * size);
    expect(new Set(paletteToHex(p)).size).toBe(size);
  });

  it('has the documented colours', () => {
    expect(paletteToHex(getPreset('bw')!)).toEqual(['#000000', '#ffffff']);
    expect(paletteToHex(getPreset('gameboy')!)).toEqual(['#0f380f', '#306230', '#8bac0f', '#9bbc0f']);
    expect(paletteToHex(getPreset('cga4')!)).toEqual(['#000000', '#55ffff', '#ff55ff', '#ffffff']);
    const pico = paletteToHex(getPreset('pico8')!);
    expect([pico[0], pico[8], pico[15]]).toEqual(['#000000', '#ff004d', '#ffccaa']);
    expect(paletteToHex(getPreset('cga')!)[6]).toBe('#aa5500'); // brown, not dark yellow
    expect(paletteToHex(getPreset('ega16')!)).toEqual(paletteToHex(getPreset('cga')!));
  });

  it('websafe is the 6-level cube in r-major order', () => {
    const hex = paletteToHex(getPreset('websafe')!);
    const levels = ['00', '33', '66', '99', 'cc', 'ff'];
    hex.forEach((h, i) => {
      expect(h).toBe('#' + levels[Math.floor(i / 36)]! + levels[Math.floor(i / 6) % 6]! + levels[i % 6]!);
    });
  });

  it('grays-N: N grey levels from 0 to 255, strictly increasing, for every N in 2..256', () => {
    for (let n = 2; n <= 256; n++) {
      const p = getPreset(`grays-${n}`)!;
      const levels = Array.from({ length: p.size }, (_, i) => p.colors[3 * i]!);
      const problems = levels.filter(
        (v, i) =>
          p.colors[3 * i + 1] !== v ||
          p.colors[3 * i + 2] !== v ||
          (i > 0 && v <= levels[i - 1]!) ||
          Math.abs(v - (i * 255) / (n - 1)) > 0.5,
      );
      expect({ n, size: p.size, first: levels[0], last: levels.at(-1), problems }).toEqual({
        n,
        size: n,
        first: 0,
        last: 255,
        problems: [],
      });
    }
  });

  it('names are case-insensitive; unknown names are undefined; bad grays-N is an error', () => {
    expect(getPreset('PICO8')?.name).toBe('pico8');
    expect(getPreset(' Grays-4 ')?.size).toBe(4);
    expect(getPreset('pico9')).toBeUndefined();
    for (const bad of ['grays-1', 'grays-0', 'grays-257']) {
      expect(inputError(() => getPreset(bad), '--palette')).toContain('2..256');
    }
  });

  it('colour arrays are independent copies', () => {
    const a = asPalette(resolvePalette('bw'));
    a.colors[0] = 9;
    expect(asPalette(resolvePalette('bw')).colors[0]).toBe(0);
  });
});
