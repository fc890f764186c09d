// The demo page in a real browser: builds demo/ with Vite, serves it with `vite preview` on 127.0.0.1 (a secure
// context), opens it in headless Chromium with WebGPU enabled, and checks that the GPU kernel run inside the page
// matches the CPU reference byte for byte. A missing navigator.gpu or adapter fails the test; it never skips.
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SelfTestResult } from '../../demo/selfTest.js';
import { orderedPalette, orderedPaletteParams } from '../../src/kernels/orderedPalette.js';
import { bayer } from '../../src/maps/bayer.js';
import { getPreset } from '../../src/palette/presets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG = join(ROOT, 'demo', 'vite.config.ts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

/** The same xorshift32 bytes the page makes (demo/selfTest.ts), written out again so the test checks the page. */
function xorshiftBytes(n: number, seed: number): Uint8Array {
  let s = seed >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s >>> 24;
  }
  return out;
}

function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `element ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}

let outDir: string | undefined;
let server: PreviewServer | undefined;
let browser: Browser | undefined;
let page: Page;
const pageLog: string[] = [];

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'ditherforge-demo-'));
  await build({ configFile: CONFIG, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  server = await preview({
    configFile: CONFIG,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
  });
  const { port } = server.httpServer.address() as AddressInfo;
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    protocolTimeout: 180_000,
  });
  page = await browser.newPage();
  page.on('console', (m) => pageLog.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => pageLog.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
  await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load', timeout: 90_000 });
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', { timeout: 90_000 });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
}, 60_000);

describe('demo page (headless Chromium, WebGPU)', () => {
  it('has navigator.gpu and an adapter', async () => {
    expect(await page.evaluate(() => window.isSecureContext), 'page is not a secure context').toBe(true);
    expect(await page.evaluate(() => 'gpu' in navigator), 'navigator.gpu is missing').toBe(true);
    const hasAdapter = await page.evaluate(async () => (await navigator.gpu.requestAdapter()) !== null);
    expect(hasAdapter, 'navigator.gpu.requestAdapter() returned null').toBe(true);
    const state = await page.evaluate(() => document.body.dataset.state);
    const shown = await page.$eval('#adapter', (e) => e.textContent ?? '');
    expect(state, `page did not start: ${shown}\n${pageLog.join('\n')}`).toBe('ready');
  });

  it('shows the adapter name', async () => {
    const { adapter } = await page.evaluate(() => window.ditherforgeSelfTest(1, 1, 1, 'bw'));
    expect(adapter.source).toBe('browser');
    expect(adapter.description.length).toBeGreaterThan(0);
    const shown = await page.$eval('#adapter', (e) => e.textContent ?? '');
    expect(shown).toContain(adapter.description);
  });

  it('draws the default image once the engine is ready', async () => {
    await page.waitForFunction(
      () => document.body.dataset.state !== 'ready' || (document.getElementById('out') as HTMLCanvasElement).width > 1,
      { timeout: 60_000 },
    );
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('ready');
    const status = await page.$eval('#status', (e) => e.textContent ?? '');
    expect(status).not.toMatch(/^Failed/);
  });

  const sizes: [number, number][] = [
    [1, 1],
    [7, 3],
    [64, 64],
    [257, 129],
  ];
  const cases = ['bw', 'pico8'].flatMap((preset) => sizes.map(([w, h], i) => ({ preset, w, h, seed: 0x9e3779b9 + 97 * i })));

  it.each(cases)('$preset, $w x $h: GPU indices in the page equal the CPU reference', async ({ preset, w, h, seed }) => {
    const r: SelfTestResult = await page.evaluate(
      (w, h, seed, preset) => window.ditherforgeSelfTest(w, h, seed, preset),
      w,
      h,
      seed,
      preset,
    );
    expect(r.adapter.source).toBe('browser');
    expect([r.width, r.height]).toEqual([w, h]);
    expect(firstMismatch(r.image, xorshiftBytes(w * h * 4, seed)), 'page image differs from its seed').toBeNull();
    const palette = getPreset(preset)!;
    const cpu = orderedPalette({ width: w, height: h, data: Uint8Array.from(r.image) }, orderedPaletteParams(bayer([8, 8]), palette.colors));
    expect(r.indices.every((v) => v < palette.size)).toBe(true);
    expect(firstMismatch(r.indices, cpu), 'GPU indices differ from the CPU reference').toBeNull();
  });
});
