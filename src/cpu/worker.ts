// Worker entry of the CPU backend: runs one tile per message and moves the result back.
import { parentPort } from 'node:worker_threads';
import { runCpuTask, type CpuTaskName } from './tasks.js';

const port = parentPort;
if (!port) throw new Error('the CPU worker must run in a worker thread');

port.on('message', (msg: { id: number; task: CpuTaskName; args: never }) => {
  try {
    const out = runCpuTask(msg.task, msg.args);
    const whole = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength && out.buffer instanceof ArrayBuffer;
    port.postMessage({ id: msg.id, ok: true, out }, whole ? [out.buffer as ArrayBuffer] : []);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ id: msg.id, ok: false, name: e.name, message: e.message });
  }
});
