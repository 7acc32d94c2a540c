// The leak tests' driver: a server in a process of its own (leak-child.ts, --expose-gc), asked over
// IPC to start, to sample its connections, subscriptions, timers, handles and heap, and to shut down.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Sample } from './leak-child.js';

export type { Sample };

const CHILD = fileURLToPath(new URL('./leak-child.js', import.meta.url));

export class Child {
  private waiters: ((m: unknown) => void)[] = [];
  private constructor(readonly proc: ChildProcess) {
    proc.on('message', (m) => this.waiters.shift()?.(m));
  }

  static async start(): Promise<{ child: Child; before: Sample }> {
    const proc = fork(CHILD, [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const child = new Child(proc);
    const ready = (await child.next()) as { before: Sample };
    return { child, before: ready.before };
  }

  next(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) return reject(new Error('leak child is gone'));
      const onExit = (code: number | null) => reject(new Error(`leak child exited (${code})`));
      this.proc.once('exit', onExit);
      this.waiters.push((m) => {
        this.proc.off('exit', onExit);
        const e = (m as { error?: string }).error;
        if (e) reject(new Error(e)); else resolve(m);
      });
    });
  }

  async ask<T>(cmd: string, opts?: object): Promise<T> {
    const p = this.next();
    this.proc.send({ cmd, opts });
    return (await p) as T;
  }

  stop(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}

/** Wait until the server has let go of every hostile connection and its resources are still. */
export async function settle(child: Child, baseline: Sample | null, clients: number): Promise<Sample> {
  const until = Date.now() + 15_000;
  let last = await child.ask<Sample>('sample');
  for (;;) {
    await new Promise((r) => setTimeout(r, 150));
    const s = await child.ask<Sample>('sample');
    const still = JSON.stringify(s.resources) === JSON.stringify(last.resources) && s.clients === last.clients;
    const home = s.clients === clients && (!baseline || JSON.stringify(s.resources) === JSON.stringify(baseline.resources));
    last = s;
    if ((still && s.clients === clients && home) || Date.now() > until) return s;
  }
}
