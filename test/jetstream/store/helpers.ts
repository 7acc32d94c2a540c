// Shared helpers of the store tests: a factory for either store, temp directories, payloads.
import { linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemStore } from '../../../src/jetstream/store/memory.js';
import { FileStore, type FileStoreOptions } from '../../../src/jetstream/store/file.js';
import type { StoreLimits, StreamStore, StoredSeq } from '../../../src/jetstream/store/types.js';

export type Kind = 'memory' | 'file';
export const KINDS: Kind[] = ['memory', 'file'];

const dirs: string[] = [];

export function tempDir(prefix = 'js-store-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function cleanupDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface Made {
  store: StreamStore;
  /** The file store's directory (file only). */
  dir?: string;
  logs: string[];
  /** Reopen a file store on the same directory (stops the old one first); memory: a fresh store. */
  reopen(limits?: StoreLimits, extra?: Partial<FileStoreOptions>): StreamStore;
  /**
   * File store: what a SIGKILL would leave, opened. Everything written so far (after a flush) is
   * hard-linked into a new directory (the same files: inodes, sizes, times), including the index
   * file of the last clean stop if there is one; the old store is then stopped (its new index goes
   * to the old directory only) and a store is opened on the image, which becomes `dir`.
   */
  crash(limits?: StoreLimits): StreamStore;
}

/** Hard-link every file of `from` into `to` (same tree). */
export function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) linkTree(join(from, e.name), join(to, e.name));
    else linkSync(join(from, e.name), join(to, e.name));
  }
}

export function make(kind: Kind, limits: StoreLimits = {}, extra: Partial<FileStoreOptions> = {}): Made {
  const logs: string[] = [];
  const log = (l: string, m: string) => {
    logs.push(`[${l}] ${m}`);
  };
  if (kind === 'memory') {
    // A block size asks for small chunks too (chunk rotation, removal and compaction take part).
    const chunkBytes = extra.blockSize;
    const m: Made = {
      store: new MemStore({ limits, log, chunkBytes }),
      logs,
      reopen: (l = limits) => {
        m.store.stop();
        return (m.store = new MemStore({ limits: l, log, chunkBytes }));
      },
      crash: () => {
        throw new Error('crash images are for the file store');
      },
    };
    return m;
  }
  const dir = extra.dir ?? tempDir();
  const opts = { dir, limits, blockSize: 4096, name: 'T', log, ...extra };
  const m: Made = {
    store: new FileStore(opts),
    dir,
    logs,
    reopen: (l = limits, more = {}) => {
      m.store.stop();
      return (m.store = new FileStore({ ...opts, dir: m.dir!, limits: l, ...more }));
    },
    crash: (l = limits) => {
      m.store.flush();
      const image = tempDir('js-crash-image-');
      rmSync(image, { recursive: true });
      linkTree(m.dir!, image);
      m.store.stop();
      m.dir = image;
      return (m.store = new FileStore({ ...opts, dir: image, limits: l }));
    },
  };
  return m;
}

export const buf = (s: string) => Buffer.from(s);
export const HDR = Buffer.from('NATS/1.0\r\nX-A: 1\r\n\r\n');

/** A payload derived from a number (so a test can check it came back intact). */
export function payload(n: number, size = 24): Buffer {
  const b = Buffer.alloc(size);
  const tag = `#${n}#`;
  for (let k = 0; k < size; k++) b[k] = k < tag.length ? tag.charCodeAt(k) : 97 + ((n + k) % 26);
  return b;
}

/** Store and return the sequence. */
export function put(s: StreamStore, subj: string, data: Buffer | string = 'x', hdr: Buffer | null = null): number {
  return s.storeMsg(subj, hdr, typeof data === 'string' ? Buffer.from(data) : data, null).seq;
}

/** Store n messages on subjects chosen round-robin; returns their sequences. */
export function putMany(s: StreamStore, subjects: string[], n: number, size = 24): StoredSeq[] {
  const out: StoredSeq[] = [];
  for (let i = 0; i < n; i++) out.push(s.storeMsg(subjects[i % subjects.length], null, payload(i, size), null));
  return out;
}

/** Resolves at the next macrotask (after the store's microtask flush). */
export const tick = () => new Promise<void>((r) => setImmediate(r));
