// Worker entry of the CPU backend: runs one tile per message. The tile's input and its output slot are views of
// shared memory (posting them shares, not copies); a call's parameter tables arrive once per worker and are kept
// under their id, in the same small cache that the pool mirrors.
import { parentPort } from 'node:worker_threads';
import { PARAMS_CACHE, runCpuTask, type CpuTaskName } from './tasks.js';

const port = parentPort;
if (!port) throw new Error('the CPU worker must run in a worker thread');

const cache = new Map<number, unknown>();

interface TileMessage {
  task: CpuTaskName;
  args: Record<string, unknown>;
  /** Where the tile's result goes: a view of the pool's shared output buffer. */
  out: Uint8Array;
  paramsId?: number;
  params?: unknown;
}

port.on('message', (msg: TileMessage) => {
  try {
    if (msg.paramsId !== undefined) {
      if ('params' in msg) {
        cache.set(msg.paramsId, msg.params);
        if (cache.size > PARAMS_CACHE) cache.delete(cache.keys().next().value!);
      }
      msg.args.params = cache.get(msg.paramsId);
    }
    const result = runCpuTask(msg.task, msg.args as never);
    if (result.length !== msg.out.length) throw new RangeError(`tile result has ${result.length} bytes for a slot of ${msg.out.length}`);
    msg.out.set(result);
    port.postMessage({ ok: true });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ ok: false, name: e.name, message: e.message });
  }
});
