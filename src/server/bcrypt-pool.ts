// bcrypt comparisons off the event loop: a small pool of worker threads (bcrypt-worker.ts), started
// on first use. Workers are unref'd while idle so they never keep the process alive.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';

interface Pending {
  resolve: (ok: boolean) => void;
}

class PoolWorker {
  readonly w: Worker;
  readonly pending = new Map<number, Pending>();

  constructor(onExit: (pw: PoolWorker) => void) {
    this.w = new Worker(new URL('./bcrypt-worker.js', import.meta.url));
    this.w.unref();
    this.w.on('message', (m: { id: number; ok: boolean }) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.w.unref();
      p.resolve(m.ok);
    });
    const fail = () => {
      for (const p of this.pending.values()) p.resolve(false);
      this.pending.clear();
      onExit(this);
    };
    this.w.on('error', fail);
    this.w.on('exit', fail);
  }
}

const SIZE = Math.max(1, Math.min(4, availableParallelism()));
let workers: PoolWorker[] = [];
let nextId = 1;

/** Compares `password` with a bcrypt `hash` in a worker thread. */
export function bcryptCompare(password: string, hash: string): Promise<boolean> {
  if (workers.length < SIZE) workers.push(new PoolWorker((pw) => { workers = workers.filter((x) => x !== pw); }));
  // The least busy worker takes it.
  let pw = workers[0];
  for (const w of workers) if (w.pending.size < pw.pending.size) pw = w;
  const id = nextId++;
  return new Promise<boolean>((resolve) => {
    if (pw.pending.size === 0) pw.w.ref();
    pw.pending.set(id, { resolve });
    pw.w.postMessage({ id, password, hash });
  });
}
