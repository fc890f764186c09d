/**
 * Node built-ins, looked up at run time rather than imported so that this folder still bundles for the browser
 * demo. There they are undefined: the blue-noise disk cache is skipped and map files must be passed as bytes.
 */
export interface NodeBuiltins {
  fs: typeof import('node:fs');
  os: typeof import('node:os');
  path: typeof import('node:path');
}

export function nodeBuiltins(): NodeBuiltins | undefined {
  const proc = globalThis.process;
  if (typeof proc?.getBuiltinModule !== 'function') return undefined;
  return {
    fs: proc.getBuiltinModule('node:fs'),
    os: proc.getBuiltinModule('node:os'),
    path: proc.getBuiltinModule('node:path'),
  };
}
