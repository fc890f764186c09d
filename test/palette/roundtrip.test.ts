import { describe, expect, it } from 'vitest';
import { formatPalette, makePalette, paletteToHex, resolvePalette } from '../../src/palette/index.js';
import { asPalette, fakeFs, inputError, randomPalette, rng } from './helpers.js';

const roundTrip = (p: ReturnType<typeof makePalette>, path: string) =>
  asPalette(resolvePalette(path, fakeFs({ [path]: formatPalette(p, path) })));

describe('write → parse round trips', () => {
  it.each(['.gpl', '.hex', '.txt'])('%s keeps order, size and duplicates', (ext) => {
    const rand = rng(ext.charCodeAt(1));
    for (const size of [1, 2, 3, 16, 100, 255, 256]) {
      const p = randomPalette(rand, size, false);
      const dup = makePalette('with dup', [...p.colors, ...p.colors.slice(0, 3)].slice(-768));
      for (const q of [p, dup]) {
        const back = roundTrip(q, `out${ext}`);
        expect(back.name).toBe(`out${ext}`);
        expect([...back.colors]).toEqual([...q.colors]);
      }
    }
  });

  it('.png keeps order and size for distinct colours', () => {
    const rand = rng(7);
    for (const size of [1, 2, 16, 200, 256]) {
      const p = randomPalette(rand, size, true);
      expect([...roundTrip(p, 'OUT.PNG').colors]).toEqual([...p.colors]);
    }
  });

  it('presets round trip through every format', () => {
    for (const name of ['pico8', 'websafe', 'grays-256']) {
      const p = asPalette(resolvePalette(name));
      for (const ext of ['.gpl', '.hex', '.txt', '.png']) {
        expect(paletteToHex(roundTrip(p, `p${ext}`))).toEqual(paletteToHex(p));
      }
    }
  });

  it('.gpl carries the palette name, on one line', () => {
    const text = new TextDecoder().decode(formatPalette(makePalette('two\nlines', [1, 2, 3]), 'x.gpl'));
    expect(text.split('\n').slice(0, 4)).toEqual(['GIMP Palette', 'Name: two lines', 'Columns: 1', '#']);
  });

  it('unknown output extensions name --palette-out', () => {
    const p = makePalette('x', [0, 0, 0]);
    expect(inputError(() => formatPalette(p, 'out.act'), '--palette-out')).toContain('out.act');
    expect(inputError(() => formatPalette(p, 'out'), '--palette-out')).toContain('.gpl');
  });
});
