// Starting a worker from the TypeScript sources (vitest transforms TS on its own thread only). The entry and
// the .ts modules it imports are transpiled here, once per process, with the `typescript` devDependency; the
// worker is a small CommonJS bootstrap that registers module hooks serving those sources, then imports the
// entry. From dist/ none of this runs: the entry is compiled JavaScript and starts as a plain worker.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker, type WorkerOptions } from 'node:worker_threads';

// Runs on Node's hooks thread, so it is plain JavaScript; a data: URL keeps it out of the file tree.
const HOOKS = `
let sources = {};
export function initialize(data) { sources = data.sources; }
export async function resolve(specifier, context, next) {
  // NodeNext sources import './x.js' where only './x.ts' exists.
  if (context.parentURL in sources && /^\\.\\.?\\//.test(specifier)) {
    const url = new URL(specifier.replace(/\\.js$/, '.ts'), context.parentURL).href;
    if (url in sources) return { url, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url in sources) return { format: 'module', source: sources[url], shortCircuit: true };
  return next(url, context);
}
`;

const BOOTSTRAP = `
const { register } = require('node:module');
const { workerData } = require('node:worker_threads');
register(workerData.tsHooks, { data: { sources: workerData.tsSources } });
import(workerData.tsEntry);
`;

const graphs = new Map<string, Record<string, string>>();

/** The entry and every .ts module it reaches through relative imports, transpiled to JavaScript. */
function transpiledGraph(entry: URL): Record<string, string> {
  const cached = graphs.get(entry.href);
  if (cached) return cached;
  const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');
  const sources: Record<string, string> = {};
  const todo = [entry.href];
  while (todo.length > 0) {
    const url = todo.pop()!;
    if (url in sources) continue;
    const js = ts.transpileModule(readFileSync(new URL(url), 'utf8'), {
      fileName: url,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    sources[url] = js;
    for (const { fileName } of ts.preProcessFile(js, true, true).importedFiles) {
      if (!/^\.\.?\//.test(fileName)) continue;
      const dep = new URL(fileName.replace(/\.js$/, '.ts'), url);
      if (existsSync(dep)) todo.push(dep.href);
    }
  }
  graphs.set(entry.href, sources);
  return sources;
}

/** A worker running `entry` (a .ts or .js file URL); workerData is passed through with a few keys added. */
export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const workerData = {
    ...(options.workerData as object | undefined),
    tsHooks: `data:text/javascript,${encodeURIComponent(HOOKS)}`,
    tsSources: transpiledGraph(entry),
    tsEntry: entry.href,
  };
  return new Worker(BOOTSTRAP, { ...options, eval: true, workerData });
}
