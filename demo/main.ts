// The demo page: drop or pick an image, choose a palette, see it dithered (Bayer 8x8) by the WebGPU engine.
import { Engine } from '../src/engine.js';
import { NoAdapterError } from '../src/errors.js';
import { adapterLabel } from '../src/host/adapterInfo.js';
import { orderedPaletteParams, type RgbaImage } from '../src/kernels/orderedPalette.js';
import { bayer } from '../src/maps/bayer.js';
import { getPreset, PRESET_NAMES } from '../src/palette/presets.js';
import { makeSelfTest, type SelfTest } from './selfTest.js';

declare global {
  interface Window {
    ditherforgeSelfTest: SelfTest;
  }
}

/** Larger images are scaled down on load so a software adapter stays interactive. */
const MAX_SIDE = 1024;
const DEFAULT_PALETTE = 'pico8';
const BAYER8 = bayer([8, 8]);

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from index.html`);
  return found as T;
}

const adapterText = el<HTMLParagraphElement>('adapter');
const statusText = el<HTMLSpanElement>('status');
const paletteSelect = el<HTMLSelectElement>('palette');
const fileInput = el<HTMLInputElement>('file');
const drop = el<HTMLDivElement>('drop');
const canvas = el<HTMLCanvasElement>('out');

const setState = (state: 'loading' | 'ready' | 'error'): void => {
  document.body.dataset.state = state;
};
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

// 'grays-N' is a family: offer a few members.
for (const name of PRESET_NAMES.flatMap((n) => (n === 'grays-N' ? ['grays-2', 'grays-4', 'grays-16'] : [n]))) {
  paletteSelect.add(new Option(name, name, name === DEFAULT_PALETTE, name === DEFAULT_PALETTE));
}

/** A hue sweep left to right, white at the top through full colour to black at the bottom. */
function defaultImage(width = 384, height = 240): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const t = y / (height - 1);
    for (let x = 0; x < width; x++) {
      const h = (x / width) * 6;
      const f = h - Math.floor(h);
      const hue = [
        [1, f, 0],
        [1 - f, 1, 0],
        [0, 1, f],
        [0, 1 - f, 1],
        [f, 0, 1],
        [1, 0, 1 - f],
      ][Math.floor(h)] ?? [0, 0, 0];
      const p = 4 * (y * width + x);
      for (let c = 0; c < 3; c++) {
        const v = hue[c] ?? 0;
        data[p + c] = 255 * (t < 0.5 ? 1 - 2 * t * (1 - v) : v * (2 - 2 * t));
      }
      data[p + 3] = 255;
    }
  }
  return { width, height, data };
}

async function decodeFile(file: File): Promise<RgbaImage> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const scratch = document.createElement('canvas');
  scratch.width = width;
  scratch.height = height;
  const ctx = scratch.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas context');
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return { width, height, data: ctx.getImageData(0, 0, width, height).data };
}

const enginePromise: Promise<Engine> = navigator.gpu
  ? Engine.create({ backend: 'gpu', notify: (m) => (statusText.textContent = m) })
  : Promise.reject(new Error('WebGPU is not available in this browser (navigator.gpu is missing).'));
// Handled below; this only stops an early rejection from being reported as unhandled.
enginePromise.catch(() => {});

window.ditherforgeSelfTest = makeSelfTest(() => enginePromise);

let source = defaultImage();
let runId = 0;

async function render(): Promise<void> {
  const id = ++runId;
  const palette = getPreset(paletteSelect.value);
  if (!palette) return;
  const engine = await enginePromise;
  statusText.textContent = 'Dithering…';
  const image = source;
  const t0 = performance.now();
  const { indices, gpuMs } = await engine.orderedPalette(image, orderedPaletteParams(BAYER8, palette.colors));
  if (id !== runId) return; // a newer image or palette arrived meanwhile
  const out = new ImageData(image.width, image.height);
  for (let i = 0; i < indices.length; i++) {
    const k = 3 * (indices[i] ?? 0);
    out.data[4 * i] = palette.colors[k] ?? 0;
    out.data[4 * i + 1] = palette.colors[k + 1] ?? 0;
    out.data[4 * i + 2] = palette.colors[k + 2] ?? 0;
    out.data[4 * i + 3] = 255;
  }
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')?.putImageData(out, 0, 0);
  const ms = gpuMs !== null ? `GPU ${gpuMs.toFixed(2)} ms` : `${(performance.now() - t0).toFixed(1)} ms`;
  statusText.textContent = `${image.width}×${image.height}, ${palette.size} colours, ${ms}`;
}

function show(task: () => Promise<void>): void {
  task().catch((err: unknown) => {
    statusText.textContent = `Failed: ${errorText(err)}`;
  });
}

async function loadFile(file: File | undefined): Promise<void> {
  if (!file) return;
  statusText.textContent = `Loading ${file.name}…`;
  source = await decodeFile(file);
  await render();
}

paletteSelect.addEventListener('change', () => show(render));
fileInput.addEventListener('change', () => show(() => loadFile(fileInput.files?.[0])));
window.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
window.addEventListener('dragleave', (e) => {
  if (e.relatedTarget === null) drop.classList.remove('over');
});
window.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  show(() => loadFile(e.dataTransfer?.files[0]));
});

enginePromise.then(
  (engine) => {
    adapterText.textContent = `Adapter: ${engine.adapter ? adapterLabel(engine.adapter) : 'none'}`;
    setState('ready');
    show(render);
  },
  (err: unknown) => {
    const why =
      err instanceof NoAdapterError
        ? 'the browser supports WebGPU but offered no adapter (is hardware acceleration off, or the GPU blocklisted?)'
        : errorText(err);
    adapterText.textContent = `WebGPU unavailable: ${why}`;
    setState('error');
  },
);
