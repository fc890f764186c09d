// `ditherforge stack` as a user runs it: SL1 round trip, slices, raw, reports, bad input, Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, test } from 'vitest';
import { decodePng } from '../../src/formats/index.js';
import { CLI, ditherforge, ourLines, tempDir } from '../helpers/cli.js';

const dir = tempDir();

function greyPng(w: number, h: number, f: (x: number, y: number) => number): Uint8Array {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = f(x, y);
  return encode({ width: w, height: h, data, channels: 1, depth: 8 });
}

function sliceDir(name: string, layers: number, w = 40, h = 24): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (let z = 0; z < layers; z++) writeFileSync(join(d, `layer${z + 1}.png`), greyPng(w, h, (x) => (x * 255) / (w - 1)));
  return d;
}

describe('ditherforge stack', () => {
  test('an SL1 round trip keeps every non-layer file byte-identical and dithers the layers', () => {
    const files: Record<string, Uint8Array> = {
      'config.ini': strToU8('jobDir = part\nlayerHeight = 0.05\nnumFast = 6\n'),
      'prusaslicer.ini': strToU8('printer_model = SL1S\nexposure_time = 2\n'),
      'thumbnail/thumbnail640x480.png': greyPng(64, 48, (x, y) => (x ^ y) & 255),
    };
    for (let z = 0; z < 6; z++) files[`part${String(z).padStart(5, '0')}.png`] = greyPng(50, 30, (x, y) => ((x + y + z) * 4) & 255);
    const input = join(dir, 'job.sl1');
    writeFileSync(input, zipSync(files));
    const output = join(dir, 'job-dithered.sl1');
    const r = ditherforge(['stack', input, '-o', output, '--method', 'bayer8+phase', '--backend', 'gpu']);
    expect(r.code, r.stderr).toBe(0);
    const out = unzipSync(readFileSync(output));
    expect(Object.keys(out).sort()).toEqual(Object.keys(files).sort());
    for (const name of ['config.ini', 'prusaslicer.ini', 'thumbnail/thumbnail640x480.png']) {
      expect(Buffer.from(out[name]!).equals(Buffer.from(files[name]!)), name).toBe(true);
    }
    const layer = decodePng(out['part00003.png']!, 'part00003.png');
    expect([layer.width, layer.height]).toEqual([50, 30]);
    const values = new Set(Array.from({ length: 50 * 30 }, (_, p) => layer.data[4 * p]));
    expect([...values].sort((a, b) => a! - b!)).toEqual([0, 255]); // dithered to two levels
  });

  test('GPU and CPU write identical slices and reports; --json reports layers/s', () => {
    const input = sliceDir('ramp', 9);
    const outs = ['gpu', 'cpu'].map((backend) => {
      const out = join(dir, `ramp-${backend}`);
      const report = join(dir, `ramp-${backend}.json`);
      const r = ditherforge(['stack', input, '-o', out, '--levels', '4', '--report', report, '--backend', backend, '--json', '--chunk-layers', backend === 'gpu' ? '7' : '2']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/layers\/s \|/); // no progress bar when stderr is not a terminal
      const json = JSON.parse(r.stdout) as { layers: number; layersPerSecond: number; backend: string };
      expect(json).toMatchObject({ layers: 9, backend });
      expect(json.layersPerSecond).toBeGreaterThan(0);
      return { files: readdirSync(out).sort().map((f) => readFileSync(join(out, f))), report: JSON.parse(readFileSync(report, 'utf8')) };
    });
    expect(outs[0]!.files.length).toBe(9);
    outs[0]!.files.forEach((f, i) => expect(f.equals(outs[1]!.files[i]!)).toBe(true));
    expect(outs[0]!.report).toEqual(outs[1]!.report);
  });

  test('raw volumes in and out', () => {
    const raw = join(dir, 'vol.raw');
    writeFileSync(raw, Uint8Array.from({ length: 16 * 8 * 5 }, (_, i) => (i * 7) & 255));
    const out = join(dir, 'vol-out.raw');
    const r = ditherforge(['stack', raw, '--size', '16x8x5', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out).length).toBe(16 * 8 * 5);
    const wrong = ditherforge(['stack', raw, '--size', '16x8x6', '-o', join(dir, 'never.raw')]);
    expect(wrong.code).not.toBe(0);
    expect(ourLines(wrong.stderr)).toHaveLength(1);
    expect(existsSync(join(dir, 'never.raw'))).toBe(false);
  });
});

describe('bad input: one line, non-zero exit, no output', () => {
  const cases: [string, () => string, RegExp][] = [
    ['a missing slice', () => {
      const d = sliceDir('gap', 4);
      writeFileSync(join(d, 'layer6.png'), readFileSync(join(d, 'layer1.png')));
      return d;
    }, /layer6\.png/],
    ['a size mismatch', () => {
      const d = sliceDir('mismatch', 3);
      writeFileSync(join(d, 'layer4.png'), greyPng(41, 24, () => 0));
      return d;
    }, /layer4\.png/],
    ['a corrupt PNG', () => {
      const d = sliceDir('corrupt', 3);
      writeFileSync(join(d, 'layer2.png'), readFileSync(join(d, 'layer2.png')).subarray(0, 60));
      return d;
    }, /layer2\.png/],
    ['zero layers', () => {
      const d = join(dir, 'empty');
      mkdirSync(d, { recursive: true });
      return d;
    }, /empty/],
  ];
  for (const [name, make, names] of cases) {
    test(name, () => {
      const input = make();
      const out = join(dir, `out-${name.replace(/ /g, '-')}`);
      const r = ditherforge(['stack', input, '-o', out]);
      expect(r.code).not.toBe(0);
      const lines = ourLines(r.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(names);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir).filter((f) => f.startsWith('.out-'))).toEqual([]); // no temporary left behind
    });
  }
});

test('Ctrl-C stops cleanly and leaves no output that looks complete', async () => {
  const input = sliceDir('long', 400, 256, 256);
  const out = join(dir, 'interrupted');
  const child = spawn(process.execPath, [CLI, 'stack', input, '-o', out, '--backend', 'cpu', '--chunk-layers', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  // Interrupt once the run is under way: its temporary output exists beside the target.
  const started = Date.now();
  while (!readdirSync(dir).some((f) => f.startsWith('.interrupted.')) && Date.now() - started < 60_000) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGINT');
  const code = await exited;
  expect(code).not.toBe(0);
  expect(ourLines(stderr).join('\n')).toMatch(/interrupted|Ctrl-C/);
  expect(existsSync(out)).toBe(false);
  expect(readdirSync(dir).filter((f) => f.includes('interrupted'))).toEqual([]);
}, 120_000);
