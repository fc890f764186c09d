import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePalette, paletteToHex, parseLockList, resolvePalette } from '../../src/palette/index.js';
import { asPalette, fakeFs, inputError } from './helpers.js';

const noFiles = fakeFs({});
const hexOf = (spec: string, read = noFiles) => paletteToHex(asPalette(resolvePalette(spec, read)));

describe('inline colours', () => {
  it.each([
    '#000000,#ff0000,#00ff00',
    '#000000, #ff0000, #00ff00',
    '#000000 #ff0000\t#00ff00',
    '000000,ff0000,00ff00',
    '#000,#f00,#0f0',
    '000 F00 0F0',
    ' ,#000000,,#FF0000 ,  #00ff00, ',
  ])('%j', (spec) => {
    const p = asPalette(resolvePalette(spec, noFiles));
    expect(p.name).toBe('inline');
    expect(paletteToHex(p)).toEqual(['#000000', '#ff0000', '#00ff00']);
  });

  it('a single bare hex word is a colour', () => {
    expect(hexOf('deadbe')).toEqual(['#deadbe']);
    expect(hexOf('abc')).toEqual(['#aabbcc']);
  });

  it('accepts 256 colours and refuses 257', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => '#0000' + i.toString(16).padStart(2, '0')).join(',');
    expect(hexOf(list(256))).toHaveLength(256);
    expect(inputError(() => resolvePalette(list(255) + ',#ffffff,#fffffe', noFiles), '--palette')).toContain('257');
  });

  it.each([
    ['#12345', "'#12345'"],
    ['#000000,#gggggg', "colour 2: bad hex colour '#gggggg'"],
    ['#000000,#1234567', "'#1234567'"],
    ['##000000', "'##000000'"],
    ['#', "'#'"],
    [' , ', 'no colours'],
  ])('%j is an error naming --palette', (spec, fragment) => {
    expect(inputError(() => resolvePalette(spec, noFiles), '--palette')).toContain(fragment);
  });
});

describe('resolvePalette', () => {
  it('auto:N gives the count for N in 2..256', () => {
    expect(resolvePalette('auto:2', noFiles)).toEqual({ auto: 2 });
    expect(resolvePalette('AUTO:256', noFiles)).toEqual({ auto: 256 });
    for (const bad of ['auto:1', 'auto:257', 'auto:', 'auto:x', 'auto:4.5', 'auto:-3']) {
      expect(inputError(() => resolvePalette(bad, noFiles), '--palette')).toContain('auto:N');
    }
  });

  it('precedence: preset, then auto:, then file, then inline', () => {
    const fs = fakeFs({
      bw: 'ff0000\n',
      'auto:4': 'ff0000\n',
      'abc.hex': '123456\n',
      abc: '#00ff00\n',
      'cafe00.hex': '010203\n',
    });
    expect(asPalette(resolvePalette('bw', fs)).name).toBe('bw'); // preset beats a file called bw
    expect(resolvePalette('auto:4', fs)).toEqual({ auto: 4 }); // auto beats a file
    expect(hexOf('abc.hex', fs)).toEqual(['#123456']);
    // 'abc' exists without a known extension: the file wins over the inline colour, and its format is refused.
    expect(inputError(() => resolvePalette('abc', fs), 'abc')).toContain('unknown palette format');
    expect(hexOf('fed', fs)).toEqual(['#ffeedd']); // no such file → inline
  });

  it('unknown preset names list valid ones', () => {
    const msg = inputError(() => resolvePalette('pico9', noFiles), '--palette');
    expect(msg).toContain("'pico9'");
    expect(msg).toContain('pico8');
    expect(msg).toContain('grays-N');
    expect(inputError(() => resolvePalette('', noFiles), '--palette')).toContain('empty');
  });

  it('missing or unreadable files name the path', () => {
    expect(inputError(() => resolvePalette('nope.gpl', noFiles), 'nope.gpl')).toContain('no such file');
    expect(inputError(() => resolvePalette('dir/nope', noFiles), 'dir/nope')).toContain('no such file');
    const denied = () => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    expect(inputError(() => resolvePalette('secret.gpl', denied), 'secret.gpl')).toContain('EACCES');
  });

  it('reads real files with the default reader', () => {
    const dir = mkdtempSync(join(tmpdir(), 'df-palette-'));
    const path = join(dir, 'two.hex');
    writeFileSync(path, '000000\nffffff\n');
    const p = asPalette(resolvePalette(path));
    expect(p.name).toBe('two.hex');
    expect(paletteToHex(p)).toEqual(['#000000', '#ffffff']);
    expect(inputError(() => resolvePalette(dir), dir)).toContain('cannot read file');
    expect(inputError(() => resolvePalette(join(dir, 'missing.txt')), join(dir, 'missing.txt'))).toContain(
      'no such file',
    );
  });
});

describe('file formats', () => {
  const read = (name: string, text: string) => asPalette(resolvePalette(name, fakeFs({ [name]: text })));
  const fail = (name: string, text: string) => inputError(() => resolvePalette(name, fakeFs({ [name]: text })), name);

  it('.gpl: header, Name/Columns, comments, names, tabs, CRLF', () => {
    const text =
      '\uFEFFGIMP Palette\r\nName: Test\r\nColumns: 4\r\n#\r\n# a comment\r\n  0   0   0\tBlack\r\n255 128   7 Orange-ish  name\r\n\r\n 12\t34\t56\r\n';
    const p = read('t.gpl', text);
    expect(p.name).toBe('t.gpl');
    expect(paletteToHex(p)).toEqual(['#000000', '#ff8007', '#0c2238']);
  });

  it.each([
    ['', "line 1: missing 'GIMP Palette' header"],
    ['\n\nJASC-PAL\n0 0 0\n', "line 3: missing 'GIMP Palette' header"],
    ['GIMP Palette\nName: x\n', 'no colours found'],
    ['GIMP Palette\n0 0 0\n1 2\n', "line 3: expected 'R G B [name]'"],
    ['GIMP Palette\n0 0 0\n1 -2 3\n', 'line 3'],
    ['GIMP Palette\n0 0 0\n0 256 0 x\n', 'line 3: component 256'],
  ])('.gpl error %j', (text, fragment) => {
    expect(fail('bad.gpl', text)).toContain(fragment);
  });

  it('.hex: lospec style, optional #, blank lines', () => {
    expect(paletteToHex(read('l.hex', '0f380f\n#306230\r\n\n8BAC0F\n9bbc0f'))).toEqual([
      '#0f380f',
      '#306230',
      '#8bac0f',
      '#9bbc0f',
    ]);
  });

  it.each([
    ['', 'no colours found'],
    ['000000\nfff\n', "line 2: bad hex colour 'fff'"],
    ['000000\n12345g\n', 'line 2'],
    ['; comment\n000000\n', 'line 1'],
  ])('.hex error %j', (text, fragment) => {
    expect(fail('bad.hex', text)).toContain(fragment);
  });

  it('.txt: hex, short hex, paint.net AARRGGBB, decimal triplets and comments', () => {
    const text = [
      ';paint.net Palette File',
      '; Colors: 7',
      '# a hash comment',
      '#',
      '#102030',
      'a0b0c0 ; trailing comment',
      '#abc',
      'FF112233',
      '80ffffff',
      '1 2 3',
      '  255,\t0 , 128',
    ].join('\n');
    expect(paletteToHex(read('p.txt', text))).toEqual([
      '#102030',
      '#a0b0c0',
      '#aabbcc',
      '#112233',
      '#ffffff',
      '#010203',
      '#ff0080',
    ]);
  });

  it.each([
    ['; only comments\n', 'no colours found'],
    ['#000000\n#comment\n', "line 2: bad colour '#comment'"],
    ['#000000\n255\n', "line 2: bad colour '255'"],
    ['1 2 3\n1 2 300\n', 'line 2: component 300'],
    ['1 2 3\n1 2 3 4\n', 'line 2'],
    ['#11223344\n', 'line 1'],
  ])('.txt error %j', (text, fragment) => {
    expect(fail('bad.txt', text)).toContain(fragment);
  });

  it('more than 256 colours names the line of the 257th', () => {
    const rows = Array.from({ length: 257 }, (_, i) => `${i % 256} 0 0`);
    expect(fail('big.gpl', ['GIMP Palette', ...rows].join('\n'))).toContain('line 258: more than 256 colours');
    expect(fail('big.hex', rows.map((_, i) => '0000' + (i % 256).toString(16).padStart(2, '0')).join('\n'))).toContain(
      'line 257',
    );
  });

  it('extensions are case-insensitive; paths keep their base name', () => {
    expect(read('dir/sub/My.HEX', 'ffffff\n').name).toBe('My.HEX');
  });
});

describe('parseLockList', () => {
  it('returns RGB triplets', () => {
    expect([...parseLockList('#000000,#ffffff')]).toEqual([0, 0, 0, 255, 255, 255]);
    expect([...parseLockList('f00 #00ff00')]).toEqual([255, 0, 0, 0, 255, 0]);
  });
  it('errors name --lock', () => {
    expect(inputError(() => parseLockList(''), '--lock')).toContain('no colours');
    expect(inputError(() => parseLockList('#000000,red'), '--lock')).toContain("colour 2: bad hex colour 'red'");
  });
});

describe('makePalette', () => {
  it('validates count and components', () => {
    expect(makePalette('x', [1, 2, 3]).size).toBe(1);
    expect(inputError(() => makePalette('x', []), 'x')).toContain('no colours');
    expect(inputError(() => makePalette('x', [1, 2]), 'x')).toContain('multiple of 3');
    expect(inputError(() => makePalette('x', new Array(771).fill(0)), 'x')).toContain('257 colours');
    expect(inputError(() => makePalette('x', [0, 0, 256]), 'x')).toContain('256');
    expect(inputError(() => makePalette('x', [0, 1.5, 0], '--palette'), '--palette')).toContain('1.5');
    expect(inputError(() => makePalette('x', [0, -1, 0]), 'x')).toContain('-1');
  });
});
