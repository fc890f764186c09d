// `ditherforge bench --quick` end to end on a tiny configuration: every part runs and the JSON, markdown and SVG
// are written and well-formed. No timing is asserted.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { BenchResult } from '../../bench/report.js';
import { escapeXml } from '../../bench/svg.js';
import { pairedRatio } from '../../bench/peers.js';
import { stats } from '../../bench/stats.js';
import { benchCommand, benchConfig } from '../../src/cli/bench.js';
import { InputError } from '../../src/errors.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs the command in this process, as `ditherforge bench ARGS` would, and reads back what it wrote. */
async function bench(args: string[]): Promise<{ json: BenchResult; md: string; svg: string }> {
  const out = mkdtempSync(join(tmpdir(), 'ditherforge-bench-test-'));
  dirs.push(out);
  const before = process.exitCode;
  await benchCommand().exitOverride().parseAsync([...args, '--out', out, '--name', 'smoke'], { from: 'user' });
  expect(process.exitCode ?? 0).toBe(0);
  process.exitCode = before;
  for (const ext of ['json', 'md', 'svg']) expect(existsSync(join(out, `smoke.${ext}`))).toBe(true);
  const read = (ext: string) => readFileSync(join(out, `smoke.${ext}`), 'utf8');
  return { json: JSON.parse(read('json')) as BenchResult, md: read('md'), svg: read('svg') };
}

/** Tags balance, attributes are quoted, and text has no raw markup characters. */
function wellFormedSvg(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z][\w:-]*="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (const m of svg.matchAll(tag)) {
    const text = svg.slice(last, m.index);
    expect(text).not.toMatch(/[<>]|&(?!amp;|lt;|gt;|quot;)/);
    last = m.index + m[0].length;
    if (m[4]) continue;
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else stack.push(m[2]!);
  }
  expect(stack).toEqual([]);
  expect(svg.slice(last).trim()).toBe('');
}

function wellFormedTables(md: string): void {
  const lines = md.split('\n');
  lines.forEach((line, i) => {
    if (!line.startsWith('|') || lines[i - 1]?.startsWith('|')) return;
    const cols = line.split('|').length; // a table's header: every row below has as many cells
    for (let j = i + 1; lines[j]?.startsWith('|'); j++) expect(lines[j]!.split('|').length, lines[j]).toBe(cols);
  });
}

describe('bench', () => {
  test('kernels on every backend: figures as medians with a spread, tables and chart written', async () => {
    const { json, md, svg } = await bench(['--quick', '--scale', '0.03', '--repeats', '2', '--budget', '1', '--no-peers']);
    expect(json.schema).toBe('ditherforge-bench/1');
    expect(json.machine.node).toBe(process.version);
    expect(json.machine.cpuModel.length).toBeGreaterThan(0);
    expect(json.roofline.cpu.copyGBs.median).toBeGreaterThan(0);
    const groups = new Set(json.kernels.map((k) => k.group));
    const live = json.backends.filter((b) => b.status === 'ok').map((b) => b.id);
    expect(live).toEqual(expect.arrayContaining(['cpu', 'threads']));
    const gpuLive = live.includes('gpu');
    expect([...groups]).toEqual(['2D palette', 'levels 16→8 bit', '3D grey8→1 bit', '3D 4 materials']);
    // Staged memory is the GPU's: the CPU backends have no host copy to spare, so they do not run it.
    const staged = json.kernels.filter((x) => x.label.endsWith(', staged'));
    expect(staged.length).toBe(gpuLive ? 2 : 0); // 1080p with 16 colours, and the grey stack
    for (const k of staged) expect(k.backend).toBe('gpu');
    for (const k of json.kernels) {
      expect(live).toContain(k.backend);
      expect(k.status, k.note).toBe('ok');
      const w = k.wallMs!;
      expect(w.n).toBeGreaterThanOrEqual(1);
      expect(w.min <= w.q1 && w.q1 <= w.median && w.median <= w.q3 && w.q3 <= w.max).toBe(true);
      expect(k.wallMitemsPerS).toBeGreaterThan(0);
      expect(k.bytesPerItem).toBeGreaterThan(1);
    }
    if (live.includes('gpu')) {
      expect(json.adapter?.description.length).toBeGreaterThan(0);
      expect(json.roofline.gpu?.copyGBs.median).toBeGreaterThan(0);
    }
    expect(json.targets.map((t) => t.id)).toEqual(['image-vs-imagemagick', 'image-vs-ffmpeg', 'threads', 'gpu-2d-small', 'gpu-2d-256', 'gpu-3d', 'gpu-m2m', 'gpu-m2m-staged']);
    for (const t of json.targets) expect(['met', 'missed', 'n/a']).toContain(t.verdict);
    expect(md).toContain('## Kernels');
    for (const id of new Set(json.kernels.map((k) => k.label))) expect(md).toContain(id);
    wellFormedTables(md);
    wellFormedSvg(svg);
  });

  test('peers: each installed tool measured or skipped with a note, ratios against our CLI', async () => {
    const { json, md, svg } = await bench(['--quick', '--scale', '0.03', '--repeats', '1', '--backends', 'cpu', '--only', 'peers']);
    expect(json.kernels).toEqual([]);
    const peers = json.peers!;
    expect(peers.input.width).toBe(Math.round(1920 * 0.03));
    for (const tool of peers.tools) expect(tool.version !== null || typeof tool.note === 'string').toBe(true);
    const installed = peers.tools.filter((t) => t.version !== null).map((t) => t.name);
    for (const r of peers.rows) {
      expect(installed).toContain(r.tool);
      if (r.status === 'ok') expect(r.wallMs!.median).toBeGreaterThan(0);
      else expect(r.note).toBeTruthy();
    }
    if (installed.includes('ditherforge')) {
      for (const r of peers.rows.filter((x) => x.tool !== 'ditherforge' && x.status === 'ok')) {
        expect(r.ratios?.cpu).toBeGreaterThan(0);
        expect(r.ratios?.default).toBeGreaterThan(0); // the command with no --backend, which the targets judge
      }
      for (const t of json.targets.filter((x) => x.id.startsWith('image-vs-') && x.verdict !== 'n/a')) expect(t.measured).toContain('judged: default');
    }
    expect(md).toContain('## Whole process vs peers');
    wellFormedTables(md);
    wellFormedSvg(svg);
  });

  test('bad options are InputErrors naming the option', () => {
    const opts = { out: 'x', backends: 'cpu', threads: 2, scale: 1, peers: true };
    expect(() => benchConfig({ ...opts, backends: 'cpu,tpu' })).toThrow(InputError);
    expect(() => benchConfig({ ...opts, only: '2d,4d' })).toThrow(/--only/);
    expect(benchConfig({ ...opts, quick: true, only: '3d' }).sizes2d).toEqual([]);
  });

  test('stats and escaping', () => {
    expect(stats([5, 1, 3, 2, 4])).toEqual({ n: 5, median: 3, min: 1, max: 5, q1: 2, q3: 4 });
    expect(escapeXml('a<b & "c">')).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
  });

  test('peer ratios pair each round, so drift in machine speed between rounds cancels', () => {
    // The peer takes twice our time in 4 rounds of 5 while the machine's speed drifts; the medians alone give 4 / 5.
    expect(pairedRatio([2, 10, 3, 4, 12], [1, 5, 10, 2, 6])).toBe(2);
    // Rounds one command did not run are left out.
    expect(pairedRatio([3, 3, 3], [1, 1])).toBe(3);
  });
});
