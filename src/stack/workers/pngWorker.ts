// Worker entry: runs one task per message and posts the result, moving its buffers back.
import { parentPort } from 'node:worker_threads';
import { InputError } from '../../errors.js';
import type { WorkerFailure } from './pool.js';
import { runTask, type TaskName } from './tasks.js';

const port = parentPort;
if (!port) throw new Error('pngWorker must run in a worker thread');

port.on('message', (msg: { task: TaskName; args: never }) => {
  try {
    const result = runTask(msg.task, msg.args);
    port.postMessage({ ok: true, result }, buffersOf(result));
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const error: WorkerFailure = { name: e.name, message: e.message };
    if (err instanceof InputError) error.input = err.input;
    port.postMessage({ ok: false, error });
  }
});

function buffersOf(result: unknown): ArrayBuffer[] {
  const views = ArrayBuffer.isView(result) ? [result] : Object.values(result as object).filter((v) => ArrayBuffer.isView(v));
  const out: ArrayBuffer[] = [];
  for (const v of views as ArrayBufferView[]) {
    // Node Buffers may share a pooled ArrayBuffer; moving that would detach unrelated memory here.
    if (v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && !out.includes(v.buffer)) {
      out.push(v.buffer);
    }
  }
  return out;
}
