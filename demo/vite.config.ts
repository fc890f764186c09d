// Vite config for the browser demo. Run from the repository root: `npx vite demo` (dev) or `npx vite build demo`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { embedShaders } from '../scripts/embed-shaders.mjs';

// The engine imports src/generated/shaders.ts, which is generated from shaders/*.wgsl (and git-ignored).
embedShaders();

export default defineConfig({
  // Explicit, so `vite build --config demo/vite.config.ts` from the repository root works too.
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  // 127.0.0.1 is a secure context, which WebGPU requires.
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
