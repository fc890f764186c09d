export * from './transfer.js';
export * from './space.js';
