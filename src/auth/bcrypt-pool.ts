// bcrypt comparisons off the event loop: a small pool of worker threads, started on first use. A
// cost-11 hash takes a few hundred ms in JavaScript, which must never run on the server's loop.
// Workers are unref'd, and a plain timer keeps the process alive while checks are pending. (unref()
// must come after the 'message' listener: adding one refs the worker's MessagePort again.)
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';

const BCRYPTJS = createRequire(import.meta.url).resolve('bcryptjs');
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const bcrypt = require(${JSON.stringify(BCRYPTJS)});
parentPort.on('message', (m) => {
  let ok = false;
  try { ok = bcrypt.compareSync(m.password, m.hash); } catch { ok = false; }
  parentPort.postMessage({ id: m.id, ok });
});
`;

class PoolWorker {
  readonly w: Worker;
  readonly pending = new Map<number, (ok: boolean) => void>();

  constructor(onExit: (pw: PoolWorker) => void) {
    this.w = new Worker(WORKER_SOURCE, { eval: true });
    this.w.on('message', (m: { id: number; ok: boolean }) => {
      const resolve = this.pending.get(m.id);
      if (resolve === undefined) return;
      this.pending.delete(m.id);
      settled();
      resolve(m.ok);
    });
    const fail = () => {
      for (const resolve of this.pending.values()) {
        settled();
        resolve(false);
      }
      this.pending.clear();
      onExit(this);
    };
    this.w.on('error', fail);
    this.w.on('exit', fail);
    this.w.unref();
  }
}

const SIZE = Math.max(1, Math.min(4, availableParallelism()));
let workers: PoolWorker[] = [];
let nextId = 1;
let inFlight = 0;
let keepAlive: NodeJS.Timeout | null = null;

function settled(): void {
  if (--inFlight === 0 && keepAlive !== null) {
    clearInterval(keepAlive);
    keepAlive = null;
  }
}

/** Compares `password` with a bcrypt `hash` in a worker thread. */
export function bcryptCompare(password: string, hash: string): Promise<boolean> {
  // A new worker while the pool is not full and every worker is busy.
  if (workers.length < SIZE && workers.every((w) => w.pending.size > 0)) {
    workers.push(new PoolWorker((pw) => { workers = workers.filter((x) => x !== pw); }));
  }
  let pw = workers[0];
  for (const w of workers) if (w.pending.size < pw.pending.size) pw = w;
  const id = nextId++;
  if (inFlight++ === 0) keepAlive = setInterval(() => {}, 1 << 30);
  return new Promise<boolean>((resolve) => {
    pw.pending.set(id, resolve);
    pw.w.postMessage({ id, password, hash });
  });
}
