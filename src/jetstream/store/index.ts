// The JetStream storage layer: one StreamStore interface (types.ts, with the durability contract),
// a memory store and a file store, consumer state stores, and the typed errors.
export * from './types.js';
export * from './errors.js';
export { MemStore, type MemStoreOptions } from './memory.js';
export { FileStore, type FileStoreOptions } from './file.js';
export { memStoreMsgSize, fileStoreMsgSize } from './size.js';
export { goTimeNs, nowNs, nsString, ZERO_TIME } from './time.js';
export { storeLimits, type StreamConfigLimits } from './limits.js';
