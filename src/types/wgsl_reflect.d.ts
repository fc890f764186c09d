// wgsl_reflect@1.6 ships its ESM build at a subpath whose name has no typings of its own; its typings are in types/.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect/types/index.js';
}
