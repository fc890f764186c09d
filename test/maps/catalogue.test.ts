import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { bayer, blueNoise, clearBlueNoiseMemo, METHOD_HELP, parseMethod } from '../../src/maps/index.js';

let dir: string;
const savedXdg = process.env.XDG_CACHE_HOME;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ditherforge-catalogue-'));
  process.env.XDG_CACHE_HOME = join(dir, 'cache'); // keep generated blue noise out of the real cache
  clearBlueNoiseMemo();
});
afterAll(() => {
  if (savedXdg === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedXdg;
  clearBlueNoiseMemo();
  rmSync(dir, { recursive: true, force: true });
});

describe('parseMethod', () => {
  it('accepts every documented form', () => {
    const cases: [string, string, [number, number, number]][] = [
      ['bayer2', 'bayer2', [2, 2, 1]],
      ['bayer8', 'bayer8', [8, 8, 1]],
      ['bayer256', 'bayer256', [256, 256, 1]],
      ['bayer8x4', 'bayer8x4', [8, 4, 1]],
      ['bayer3d8', 'bayer3d8', [8, 8, 8]],
      ['bayer3d16x16x4', 'bayer3d16x16x4', [16, 16, 4]],
      ['bluenoise64', 'bluenoise64', [64, 64, 1]],
      ['bluenoise3d', 'bluenoise3d32', [32, 32, 32]],
      ['bluenoise3d16', 'bluenoise3d16', [16, 16, 16]],
    ];
    for (const [spec, name, size] of cases) {
      const m = parseMethod(spec);
      expect(m.name, spec).toBe(name);
      expect(m.size, spec).toEqual(size);
    }
    expect(parseMethod('bayer8x4').values).toEqual(bayer([8, 4]).values);
    expect(parseMethod('bluenoise64')).toBe(blueNoise([64, 64]));
  });

  it('is case-insensitive and ignores surrounding spaces', () => {
    expect(parseMethod(' Bayer8 ').values).toEqual(bayer([8, 8]).values);
    expect(parseMethod('BLUENOISE3D16').name).toBe('bluenoise3d16');
  });

  it('gives maps whose names parse back to the same map', () => {
    for (const m of [bayer([4, 4]), bayer([8]), bayer([16, 2]), bayer([2, 4, 8]), blueNoise([16, 16]), blueNoise([8, 8, 4])]) {
      expect(parseMethod(m.name).values, m.name).toEqual(m.values);
    }
  });

  it('reads map:FILE', () => {
    const path = join(dir, 'mine.txt');
    writeFileSync(path, '0 3\n2 1\n');
    const m = parseMethod(`map:${path}`);
    expect(m.name).toBe(`map:${path}`);
    expect(Array.from(m.values)).toEqual([0, 3, 2, 1]);
  });

  it('rejects unknown methods with the accepted forms', () => {
    for (const spec of ['foo', '', 'bayer', 'bayer3d8x8', 'bayer8x4x2', 'bluenoise', 'bluenoise3d8x8', 'bayer-8', 'floyd']) {
      expect(() => parseMethod(spec), spec).toThrow(InputError);
    }
    expect(() => parseMethod('floyd')).toThrow(`--method: unknown method "floyd"; expected one of ${METHOD_HELP}`);
  });

  it('rejects bad sizes and files as --method or file errors', () => {
    expect(() => parseMethod('bayer12')).toThrow(/^--method: .*12.*power of two/);
    expect(() => parseMethod('bayer512')).toThrow(/^--method: /);
    expect(() => parseMethod('bluenoise100')).toThrow(/^--method: .*100/);
    expect(() => parseMethod('bluenoise3d128')).toThrow(/^--method: .*128/);
    expect(() => parseMethod('map:')).toThrow(/^--method: map: needs a file name/);
    const missing = join(dir, 'nope.txt');
    expect(() => parseMethod(`map:${missing}`)).toThrow(`${missing}: no such file`);
  });

  it('has a one-line help text naming every form', () => {
    expect(METHOD_HELP).not.toContain('\n');
    for (const form of ['bayerN', 'bayerWxH', 'bayer3dN', 'bayer3dWxHxD', 'bluenoise64', 'bluenoise3d', 'map:FILE']) {
      expect(METHOD_HELP).toContain(form);
    }
  });
});
