// `ditherforge image` end to end: both backends give the same file, JSON reports, backend selection, bad input.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { describe, expect, test } from 'vitest';
import { deflateSync } from 'node:zlib';
import { decodePng } from '../../src/formats/index.js';
import { craft, ihdr, scanlines } from '../formats/helpers.js';
import { CLI, ditherforge, NO_ADAPTER, ourLines, tempDir } from '../helpers/cli.js';
import { randomBytes } from '../helpers/random.js';

const dir = tempDir();
const input = join(dir, 'in.png');
const pixels = randomBytes(203 * 77 * 4, 42);
for (let p = 3; p < pixels.length; p += 4) pixels[p] = 255; // opaque: alpha has its own tests
writeFileSync(input, encode({ width: 203, height: 77, data: pixels, channels: 4, depth: 8 }));

describe('ditherforge image', () => {
  test('GPU and CPU write byte-identical files, and --json reports the run', () => {
    const outs: Buffer[] = [];
    for (const backend of ['gpu', 'cpu']) {
      const out = join(dir, `out-${backend}.png`);
      const r = ditherforge(['image', input, '-o', out, '--palette', 'pico8', '--method', 'bayer8', '--backend', backend, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(report).toMatchObject({ backend, width: 203, height: 77 });
      expect(typeof report.milliseconds).toBe('number');
      expect(report.adapter === null).toBe(backend === 'cpu');
      writeFileSync(join(dir, `out-${backend}.json`), r.stdout); // the adapter, for the auto test below
      outs.push(readFileSync(out));
    }
    expect(outs[0]!.equals(outs[1]!)).toBe(true);
    const decoded = decodePng(outs[0]!, 'out');
    expect(decoded.source.colorType).toBe('indexed');
    expect(decoded.source.bitDepth).toBe(4); // 16 colours
  });

  test('--backend auto without an adapter says so once and uses the CPU, with the same output', () => {
    const out = join(dir, 'auto.png');
    const r = ditherforge(['image', input, '-o', out, '--palette', 'pico8', '--json'], NO_ADAPTER);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).backend).toBe('cpu');
    // Asked and not found, or (on Linux without a GPU device node) not asked: one line either way.
    expect(ourLines(r.stderr)).toEqual([expect.stringMatching(/^ditherforge: (no WebGPU adapter found; using the CPU backend|no hardware GPU here \(no GPU device node\).*using the CPU)/)]);
    expect(readFileSync(out).equals(readFileSync(join(dir, 'out-cpu.png')))).toBe(true);
  });

  test('--backend auto with only a software GPU says so once and uses the CPU (with a hardware GPU: the GPU)', () => {
    const out = join(dir, 'auto-software.png');
    const r = ditherforge(['image', input, '-o', out, '--palette', 'pico8', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const gpu = JSON.parse(readFileSync(join(dir, 'out-gpu.json'), 'utf8')) as { adapter: { isSoftware: boolean; description: string } };
    const software = gpu.adapter.isSoftware;
    expect(JSON.parse(r.stdout).backend).toBe(software ? 'cpu' : 'gpu');
    const said = ourLines(r.stderr);
    // The adapter named, or (on Linux without a GPU device node) not even asked for.
    if (software) expect(said).toEqual([expect.stringMatching(/^ditherforge: (the only GPU is a software one \(.+\)|no hardware GPU here \(no GPU device node\)).*using the CPU/)]);
    else expect(said).toEqual([]);
    expect(readFileSync(out).equals(readFileSync(join(dir, 'out-cpu.png')))).toBe(true);
  });

  test('--backend gpu without an adapter is a one-line error and writes nothing', () => {
    const out = join(dir, 'nogpu.png');
    const r = ditherforge(['image', input, '-o', out, '--backend', 'gpu'], NO_ADAPTER);
    expect(r.code).not.toBe(0);
    expect(ourLines(r.stderr)).toHaveLength(1);
    expect(ourLines(r.stderr)[0]).toMatch(/no WebGPU adapter/);
    expect(existsSync(out)).toBe(false);
  });

  test('--help lists the options with their defaults', () => {
    const r = ditherforge(['image', '--help']);
    expect(r.code).toBe(0);
    const text = r.stdout.replace(/\s+/g, ' '); // commander wraps lines at 80 columns
    for (const s of ['--palette', '--method', '--backend', '--json', 'default: "bw"', 'default: "bayer8"', 'default: "auto"']) {
      expect(text).toContain(s);
    }
  });
});

describe('bad input: one line, non-zero exit, no output file', () => {
  const png = readFileSync(input);
  const hugeHeader = Buffer.from(png.subarray(0, 33));
  hugeHeader.writeUInt32BE(100000, 16);
  hugeHeader.writeUInt32BE(100000, 20);
  // Larger than one band (512 rows of 512 pixels): these fail after the first bands were dithered, in the stream.
  const W = 512, H = 1200;
  const rows = scanlines(randomBytes(3 * W * H, 7), H);
  const badFilter = rows.slice();
  badFilter[1100 * (1 + 3 * W)] = 9;
  const z = deflateSync(rows);
  const cases: [string, Uint8Array | string][] = [
    ['late-bad-filter.png', craft(ihdr(W, H, 8, 2), badFilter)],
    ['bad-zlib-checksum.png', craft(ihdr(W, H, 8, 2), rows, [], z.map((b, i) => (i === z.length - 1 ? b ^ 1 : b)))],
    ['image-data-short.png', craft(ihdr(W, H, 8, 2), rows.subarray(0, rows.length - 5))],
    ['truncated.png', png.subarray(0, Math.floor(png.length / 2))],
    ['text.png', 'this is not an image\n'],
    ['empty.png', new Uint8Array(0)],
    ['huge.png', hugeHeader],
  ];
  for (const [name, bytes] of cases) {
    // With no --backend too: the engine's notice (which backend, and why) must not make it two lines.
    test(name, () => {
      const bad = join(dir, name);
      writeFileSync(bad, bytes);
      const out = join(dir, `bad-${name}`);
      const before = readdirSync(dir).length;
      for (const backend of [['--backend', 'cpu'], []]) {
        const r = ditherforge(['image', bad, '-o', out, ...backend]);
        expect(r.code).toBe(1);
        const lines = ourLines(r.stderr);
        expect(lines, r.stderr).toHaveLength(1);
        expect(lines[0]).toContain(bad);
        expect(existsSync(out)).toBe(false);
        expect(readdirSync(dir).length).toBe(before); // no temp file left either
      }
    });
  }

  test('--max-pixels refuses from the header, and raising it lets the image through', () => {
    const out = join(dir, 'limited.png');
    const refused = ditherforge(['image', input, '-o', out, '--max-pixels', '1000', '--backend', 'cpu']);
    expect(refused.code).not.toBe(0);
    expect(ourLines(refused.stderr)[0]).toMatch(/--max-pixels/);
    expect(existsSync(out)).toBe(false);
    const allowed = ditherforge(['image', input, '-o', out, '--max-pixels', String(203 * 77), '--backend', 'cpu']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
  });

  test('a directory is one line; a pipe is read whole and works', () => {
    const r = ditherforge(['image', dir, '-o', join(dir, 'x.png'), '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(ourLines(r.stderr)).toEqual([`ditherforge: ${dir}: is a directory`]);
    const out = join(dir, 'from-stdin.png');
    // Through a shell's pipe, as a user would (node's own stdin pipes are sockets, which /dev/stdin cannot open).
    const piped = spawnSync('sh', ['-c', 'cat "$1" | "$2" "$3" image /dev/stdin -o "$4" --palette pico8 --backend cpu', 'sh', input, process.execPath, CLI, out]);
    expect(piped.status, piped.stderr.toString()).toBe(0);
    const direct = ditherforge(['image', input, '-o', join(dir, 'from-file.png'), '--palette', 'pico8', '--backend', 'cpu']);
    expect(direct.code, direct.stderr).toBe(0);
    expect(readFileSync(out).equals(readFileSync(join(dir, 'from-file.png')))).toBe(true);
  });

  test('a missing file and a bad option value name the input', () => {
    const missing = ditherforge(['image', join(dir, 'nope.png'), '-o', join(dir, 'x.png')]);
    expect(missing.code).not.toBe(0);
    expect(ourLines(missing.stderr)[0]).toMatch(/nope\.png/);
    const badPalette = ditherforge(['image', input, '-o', join(dir, 'x.png'), '--palette', 'nosuchpreset']);
    expect(badPalette.code).not.toBe(0);
    expect(ourLines(badPalette.stderr)[0]).toMatch(/nosuchpreset/);
    expect(existsSync(join(dir, 'x.png'))).toBe(false);
  });

  test('with no --backend, a bad option is its own one line, whatever adapter there is (none, software, hardware)', () => {
    const rgba = join(dir, 'rgba.png');
    const px = randomBytes(31 * 7 * 4, 9); // alpha random: transparent pixels present
    writeFileSync(rgba, encode({ width: 31, height: 7, data: px, channels: 4, depth: 8 }));
    const gpl = join(dir, '256.gpl');
    writeFileSync(gpl, `GIMP Palette\n${Array.from({ length: 256 }, (_, i) => `${i} ${255 - i} ${(7 * i) % 256}\tc${i}`).join('\n')}\n`);
    const cases: [string[], RegExp][] = [
      [['--palette', 'auto:3', '--lock', '#000000,#ffffff,#ff0000'], /--lock/],
      [['--palette', 'auto:4', '--lock', '#000000,#000000'], /listed twice/],
      [['--mix', 'yliluoma'], /--alpha/],
      [['--palette', gpl], /256-colour/],
      [['--levels', '1'], /--levels/],
      [['--levels', '4', '--cutoff', '1.5'], /--cutoff/],
    ];
    for (const env of [NO_ADAPTER, {}]) {
      for (const [args, message] of cases) {
        const out = join(dir, 'bad.png');
        const r = ditherforge(['image', rgba, '-o', out, ...args], env);
        expect(r.code, args.join(' ')).not.toBe(0);
        expect(ourLines(r.stderr), args.join(' ')).toEqual([expect.stringMatching(message)]);
        expect(existsSync(out)).toBe(false);
      }
    }
  });
});
