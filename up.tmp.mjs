import { Engine } from './dist/src/engine.js';
const e = await Engine.create({ backend: 'gpu' });
const d = await e.device();
const MB = 32 << 20, N = 8;
const data = new Uint8Array(MB).map((_, i) => i);
const dst = d.createBuffer({ size: MB, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
async function staging(fresh) {
  const bufs = [];
  for (let i = 0; i < N; i++) {
    const s = d.createBuffer({ size: MB, usage: GPUBufferUsage.MAP_WRITE | GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
    new Uint8Array(s.getMappedRange()).set(data); s.unmap();
    const enc = d.createCommandEncoder(); enc.copyBufferToBuffer(s, 0, dst, 0, MB); d.queue.submit([enc.finish()]);
    bufs.push(s);
  }
  await d.queue.onSubmittedWorkDone(); bufs.forEach(b => b.destroy());
}
let reuse = [];
async function stagingReuse() {
  for (let i = 0; i < N; i++) {
    let s = reuse.pop();
    if (!s) s = d.createBuffer({ size: MB, usage: GPUBufferUsage.MAP_WRITE | GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
    new Uint8Array(s.getMappedRange()).set(data); s.unmap();
    const enc = d.createCommandEncoder(); enc.copyBufferToBuffer(s, 0, dst, 0, MB); d.queue.submit([enc.finish()]);
    s.mapAsync(GPUMapMode.WRITE).then(() => reuse.push(s));
  }
  await d.queue.onSubmittedWorkDone();
}
async function write() {
  for (let i = 0; i < N; i++) d.queue.writeBuffer(dst, 0, data);
  await d.queue.onSubmittedWorkDone();
}
const rb = d.createBuffer({ size: MB, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
async function readback() {
  const out = new Uint8Array(MB);
  for (let i = 0; i < N; i++) {
    const enc = d.createCommandEncoder(); enc.copyBufferToBuffer(dst, 0, rb, 0, MB); d.queue.submit([enc.finish()]);
    await rb.mapAsync(GPUMapMode.READ); out.set(new Uint8Array(rb.getMappedRange())); rb.unmap();
  }
}
for (const [n, f] of [['fresh staging', () => staging()], ['reused staging', stagingReuse], ['writeBuffer', write], ['readback', readback]]) {
  for (let r = 0; r < 3; r++) { const t0 = performance.now(); await f(); const ms = performance.now() - t0; console.log(n, ms.toFixed(0), 'ms', (N * MB / ms / 1e6).toFixed(2), 'GB/s'); }
}
e.destroy();
