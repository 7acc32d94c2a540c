// Memory per idle connection: server RSS before and after N connections (each having completed
// CONNECT + PING/PONG, opened from child processes), divided by N.
import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Case, Sample, Settings } from '../model.js';
import { fdLimit, rssBytes } from '../proc.js';
import { openWindow } from '../window.js';
import { startBenchServer, type Kind } from '../servers.js';
import { fixed } from '../stats.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { benchCert, tlsFlags, type KeyKind } from '../tls.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

async function measure(kind: Kind, s: Settings, tls?: KeyKind): Promise<Sample> {
  const n = tls ? s.tlsConns : s.conns;
  // Each accepted connection is a file descriptor in the server: ask for room (capped by the hard limit).
  // With a hold, both servers run a short keepalive so that every connection is PINGed several times.
  let args: string[] = [];
  if (s.holdMs > 0) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-conns-'));
    const conf = join(dir, 'keepalive.conf');
    writeFileSync(conf, `ping_interval: "${s.pingIntervalMs}ms"\nping_max: 2\n`);
    args = ['-c', conf];
  }
  if (tls) args = [...args, ...tlsFlags(tls)];
  const ca = tls ? benchCert(tls).pem : undefined;
  const server = await startBenchServer(kind, { nofile: n + 1024, args });
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
    children.forEach((c, i) => c.send({ op: 'open', port: server.port, count: shares[i], concurrency: tls ? 8 : CONCURRENCY, tls: ca }));
    const res = await Promise.all(ready);
    const openMs = performance.now() - t0;
    const cpu = win();
    const failed = res.reduce((a, r) => a + (r.failed as number), 0);
    if (failed) throw new Error(`${failed} of ${n} connections failed (first: ${res.find((r) => r.firstError)?.firstError})`);
    await sleep(SETTLE_MS);
    const after = rssBytes(server.pid);
    const extra: Record<string, number | string> = { conns: n, rssBeforeMB: before / 2 ** 20, rssAfterMB: after / 2 ** 20, openSeconds: openMs / 1000, otherCores: cpu.otherCores };
    if (s.holdMs > 0) {
      // Hold them with keepalive running: every connection answers, so no server should close any.
      await sleep(s.holdMs);
      const st = await Promise.all(children.map((c) => { const p = nextMessage(c, 30_000); c.send({ op: 'status' }); return p; }));
      const closed = st.reduce((a, r) => a + (r.closedByServer as number), 0);
      const pings = st.reduce((a, r) => a + (r.pings as number), 0);
      Object.assign(extra, { heldMs: s.holdMs, pingIntervalMs: s.pingIntervalMs, pingsAnswered: pings, closedDuringHold: closed, rssAfterHoldMB: rssBytes(server.pid) / 2 ** 20 });
      if (closed > 0) throw new Error(`${closed} of ${n} connections closed by the server while held with keepalive (${st.find((r) => r.lastError)?.lastError ?? 'no -ERR'})`);
      if (pings < n) throw new Error(`only ${pings} PINGs answered for ${n} connections in ${s.holdMs} ms: keepalive did not run`);
    }
    return {
      values: { kbPerConn: (after - before) / n / 1024 },
      serverCpu: cpu.server / n,
      clientCpu: cpu.client / n,
      extra,
    };
  } finally {
    for (const c of children) { c.removeAllListeners('exit'); if (c.connected) c.send({ op: 'close' }); }
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
    await server.stop();
  }
}

/** RSS per idle TLS connection (ECDSA P-256 certificate, TLS 1.3), `--tls-conns` of them. */
export function tlsConnsCase(s: Settings): Case {
  const k = s.tlsConns;
  return {
    id: 'tlsconns',
    group: 'tls',
    title: `idle TLS conns ${k >= 1000 ? `${(k / 1000).toFixed(k % 1000 ? 1 : 0)}k` : k}`,
    metrics: [{ key: 'kbPerConn', label: 'RSS', unit: 'KB/conn', better: 'lower', format: (x) => fixed(x, 1) }],
    cpuPer: 'conn',
    rounds: (st) => Math.min(st.rounds, 3),
    run: (kind, st) => measure(kind, st, 'ecdsa'),
  };
}

export function connsCase(s: Settings): Case {
  return {
    id: 'conns',
    group: 'conns',
    title: `idle conns ${s.conns >= 1000 ? `${(s.conns / 1000).toFixed(s.conns % 1000 ? 1 : 0)}k` : s.conns}${s.holdMs > 0 ? ` held ${s.holdMs / 1000}s` : ''}`,
    metrics: [{ key: 'kbPerConn', label: 'RSS', unit: 'KB/conn', better: 'lower', format: (x) => fixed(x, 1) }],
    cpuPer: 'conn',
    rounds: (st) => Math.min(st.rounds, 3),
    run: (kind, st) => measure(kind, st),
  };
}
