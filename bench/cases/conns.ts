// Memory per idle connection: server RSS before and after N connections (each having completed
// CONNECT + PING/PONG, opened from child processes), divided by N.
import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Case, Sample, Settings } from '../model.js';
import { fdLimit, rssBytes } from '../proc.js';
import { openWindow } from '../window.js';
import { startBenchServer, type Kind } from '../servers.js';
import { fixed } from '../stats.js';

const PER_CHILD = 5000;
const CONCURRENCY = 50;
const SETTLE_MS = 1000;

function child(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const c = fork(new URL('./conns-child.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    c.once('message', () => resolve(c));
    c.once('error', reject);
    c.once('exit', (code) => reject(new Error(`connection child exited (${code})`)));
  });
}

function nextMessage(c: ChildProcess, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout waiting for the connection child')), timeoutMs);
    c.once('message', (m) => { clearTimeout(t); resolve(m as Record<string, unknown>); });
  });
}

async function measure(kind: Kind, s: Settings): Promise<Sample> {
  const n = s.conns;
  // Each accepted connection is a file descriptor in the server: ask for room (capped by the hard limit).
  const server = await startBenchServer(kind, { nofile: n + 1024 });
  const children: ChildProcess[] = [];
  try {
    const limit = fdLimit(server.pid);
    if (limit < n + 64) throw new Error(`server fd limit ${limit} is too low for ${n} connections (raise the hard limit: ulimit -Hn)`);
    await sleep(300);
    const before = rssBytes(server.pid);
    for (let left = n; left > 0; left -= PER_CHILD) children.push(await child());
    const win = openWindow(server.pid, children.map((c) => c.pid!));
    const t0 = performance.now();
    const shares = children.map((_, i) => Math.min(PER_CHILD, n - i * PER_CHILD));
    const ready = children.map((c) => nextMessage(c, 120_000));
    children.forEach((c, i) => c.send({ op: 'open', port: server.port, count: shares[i], concurrency: CONCURRENCY }));
    const res = await Promise.all(ready);
    const openMs = performance.now() - t0;
    const cpu = win();
    const failed = res.reduce((a, r) => a + (r.failed as number), 0);
    if (failed) throw new Error(`${failed} of ${n} connections failed (first: ${res.find((r) => r.firstError)?.firstError})`);
    await sleep(SETTLE_MS);
    const after = rssBytes(server.pid);
    return {
      values: { kbPerConn: (after - before) / n / 1024 },
      serverCpu: cpu.server / n,
      clientCpu: cpu.client / n,
      extra: { conns: n, rssBeforeMB: before / 2 ** 20, rssAfterMB: after / 2 ** 20, openSeconds: openMs / 1000, otherCores: cpu.otherCores },
    };
  } finally {
    for (const c of children) { c.removeAllListeners('exit'); if (c.connected) c.send({ op: 'close' }); }
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
    await server.stop();
  }
}

export function connsCase(s: Settings): Case {
  return {
    id: 'conns',
    group: 'conns',
    title: `idle conns ${s.conns >= 1000 ? `${(s.conns / 1000).toFixed(s.conns % 1000 ? 1 : 0)}k` : s.conns}`,
    metrics: [{ key: 'kbPerConn', label: 'RSS', unit: 'KB/conn', better: 'lower', format: (x) => fixed(x, 1) }],
    cpuPer: 'conn',
    rounds: (st) => Math.min(st.rounds, 3),
    run: measure,
  };
}
