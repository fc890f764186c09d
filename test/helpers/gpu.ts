// The real adapter for GPU tests. No adapter is a failure, never a skip: CI installs lavapipe for this.
import { Engine } from '../../src/engine.js';

export async function gpuEngine(): Promise<Engine> {
  const engine = await Engine.create({ backend: 'gpu', notify: () => {} });
  if (engine.backend !== 'gpu') throw new Error('expected a GPU engine');
  return engine;
}
