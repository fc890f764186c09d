import { defineConfig } from 'vitest/config';
import { embedShaders } from './scripts/embed-shaders.mjs';

embedShaders();

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // GPU tests share one software adapter; running files in parallel on 2 cores only adds contention.
    fileParallelism: false,
    // The soak test forces collections between cycles to prove Dawn's instance outlives its devices.
    execArgv: ['--expose-gc'],
    env: { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
  },
});
