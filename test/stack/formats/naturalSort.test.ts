import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { naturalCompare, orderSlices, sliceNumber } from '../../../src/stack/formats/naturalSort.js';

const sorted = (names: string[]): string[] => [...names].sort(naturalCompare);

describe('naturalCompare', () => {
  it('orders digit runs by value, not by characters', () => {
    expect(sorted(['slice10.png', 'slice2.png', 'slice1.png', 'slice100.png', 'slice9.png'])).toEqual([
      'slice1.png', 'slice2.png', 'slice9.png', 'slice10.png', 'slice100.png',
    ]);
  });

  it('compares every run: job2_layer10 before job10_layer1, and layer2 before layer10 within a job', () => {
    expect(sorted(['job10_layer1', 'job2_layer10', 'job2_layer2'])).toEqual(['job2_layer2', 'job2_layer10', 'job10_layer1']);
  });

  it('compares numbers longer than 2^53 exactly', () => {
    expect(naturalCompare('a90071992547409930', 'a90071992547409931')).toBeLessThan(0);
    expect(naturalCompare('a100000000000000000000', 'a99999999999999999999')).toBeGreaterThan(0);
  });

  it('breaks ties in value by fewer digits first, then by the whole name, and is antisymmetric', () => {
    expect(sorted(['a01', 'a1', 'a001'])).toEqual(['a1', 'a01', 'a001']);
    expect(sorted(['B1', 'a1'])).toEqual(['B1', 'a1']); // code units: 'B' < 'a'
    const names = ['x1', 'x01', 'x1a', 'x', 'x10', 'x2', 'y1', '1', '01', ''];
    for (const a of names) for (const b of names) expect(Math.sign(naturalCompare(a, b))).toBe(-Math.sign(naturalCompare(b, a)) || 0);
    for (const a of names) for (const b of names) if (a !== b) expect(naturalCompare(a, b)).not.toBe(0);
  });
});

describe('sliceNumber / orderSlices', () => {
  it('takes the last digit run before the extension', () => {
    expect(sliceNumber('job7_00012.png')).toBe(12n);
    expect(sliceNumber('v2-layer.png')).toBe(2n);
    expect(sliceNumber('preview.png')).toBeUndefined();
  });

  it('accepts a consecutive sequence from any start, in natural order', () => {
    expect(orderSlices(['s10.png', 's9.png', 's11.png'], (n) => n)).toEqual(['s9.png', 's10.png', 's11.png']);
  });

  const failure = (names: string[]): InputError => {
    try {
      orderSlices(names, (n) => `/dir/${n}`);
    } catch (err) {
      if (err instanceof InputError) return err;
      throw err;
    }
    throw new Error('no error');
  };

  it('a gap names the file after it and the missing numbers', () => {
    const e = failure(['s1.png', 's2.png', 's4.png', 's5.png']);
    expect(e.input).toBe('/dir/s4.png');
    expect(e.message).toMatch(/gap.*3 is missing/);
    expect(failure(['s1.png', 's5.png']).message).toMatch(/2\.\.4 are missing/);
  });

  it('a repeated number or a name without a number names the file', () => {
    expect(failure(['s1.png', 's01.png']).input).toBe('/dir/s01.png');
    expect(failure(['s1.png', 'cover.png']).input).toBe('/dir/cover.png');
  });
});
