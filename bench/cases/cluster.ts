// Cluster cases: two servers joined by a route, on this machine. Publisher on A, subscriber on B
// (128B); a fan-out to 4 subscribers spread over both; request/reply across them (p50/p99); and the
// mixed pair in both directions. For kind K both servers are K; for the mixed row, kind K is the
// publisher's server and the subscriber's is the other kind (ratio = tsnats→nats-server ÷
// nats-server→tsnats).
import type { Case, Sample, Settings } from '../model.js';
import { startBenchServer, type BenchServer, type Kind } from '../servers.js';
import { freePort } from '../../dev/ports.js';
import { runFlood, SUBJECT, type Flood } from './throughput.js';
import { runReqRep, REQ_SUBJECT, REQ_INBOX } from './reqrep.js';
import { si } from '../stats.js';

interface Pair {
  a: BenchServer;
  b: BenchServer;
  httpA: number;
  httpB: number;
  stop(): Promise<void>;
}

async function routez(http: number, subs = false): Promise<{ num_routes: number; routes: { subscriptions_list?: string[] }[] }> {
  const r = await fetch(`http://127.0.0.1:${http}/routez${subs ? '?subs=1' : ''}`);
  return (await r.json()) as { num_routes: number; routes: { subscriptions_list?: string[] }[] };
}

async function until(pred: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!(await pred().catch(() => false))) {
    if (Date.now() - t0 > ms) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Two servers, B routed to A, both with a monitor; resolves once the route is up. */
async function startPair(kindA: Kind, kindB: Kind): Promise<Pair> {
  const [cpA, cpB, httpA, httpB] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const cl = (cp: number) => ['--cluster', `nats://127.0.0.1:${cp}`, '--cluster_name', 'BENCH'];
  const a = await startBenchServer(kindA, { args: ['-m', String(httpA), ...cl(cpA)] });
  let b: BenchServer | null = null;
  try {
    b = await startBenchServer(kindB, { args: ['-m', String(httpB), ...cl(cpB), '--routes', `nats-route://127.0.0.1:${cpA}`] });
    await until(async () => (await routez(httpA)).num_routes === 1 && (await routez(httpB)).num_routes === 1, 'the route');
  } catch (e) {
    await Promise.all([a.stop(), b?.stop()]);
    throw e;
  }
  const bb = b;
  return { a, b: bb, httpA, httpB, stop: async () => { await Promise.all([a.stop(), bb.stop()]); } };
}

/** A's route to B carries B's interest in `subject`. */
const interestOn = (http: number, subject: string) => async () => (await routez(http, true)).routes.some((r) => r.subscriptions_list?.includes(subject));

function floodAcross(f: Flood, spread: boolean, mixed: boolean): (kind: Kind, s: Settings) => Promise<Sample> {
  return async (kind, s) => {
    const other: Kind = kind === 'tsnats' ? 'nats-server' : 'tsnats';
    const p = await startPair(kind, mixed ? other : kind);
    try {
      return await runFlood(f, s, {
        pubPort: p.a.port,
        subPorts: spread ? [p.a.port, p.b.port] : [p.b.port],
        pids: [p.a.pid, p.b.pid],
        ready: () => until(interestOn(p.httpA, SUBJECT), 'interest on A'),
      });
    } finally {
      await p.stop();
    }
  };
}

const rate = [{ key: 'rate', label: '', unit: 'msg/s', better: 'higher' as const, format: si }];
const us = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 100 ? 1 : 0) : '—');

export const clusterCases: Case[] = [
  {
    id: 'route128', group: 'cluster', title: 'route A→B 128B (pub on A, sub on B)', metrics: rate, cpuPer: 'msg',
    run: floodAcross({ id: 'route128', group: 'cluster', title: '', size: 128, pubs: 1, subs: 1, unit: 'msg/s', cpuPer: 'msg' }, false, false),
  },
  {
    id: 'routefan', group: 'cluster', title: 'route fan-out 1:4 over A+B 128B', metrics: [{ ...rate[0], unit: 'deliv/s' }], cpuPer: 'delivery',
    run: floodAcross({ id: 'routefan', group: 'cluster', title: '', size: 128, pubs: 1, subs: 4, unit: 'deliv/s', cpuPer: 'delivery' }, true, false),
  },
  {
    id: 'routereq', group: 'cluster', title: 'request/reply across A→B 128B', cpuPer: 'request',
    metrics: [
      { key: 'p50', label: 'p50', unit: 'µs', better: 'lower', format: us },
      { key: 'p99', label: 'p99', unit: 'µs', better: 'lower', format: us },
    ],
    run: async (kind, s) => {
      const p = await startPair(kind, kind);
      try {
        return await runReqRep(s, {
          reqPort: p.a.port,
          respPort: p.b.port,
          pids: [p.a.pid, p.b.pid],
          ready: async () => {
            await until(interestOn(p.httpA, REQ_SUBJECT), 'responder interest on A');
            await until(interestOn(p.httpB, REQ_INBOX), 'requester interest on B');
          },
        });
      } finally {
        await p.stop();
      }
    },
  },
  {
    id: 'routemix', group: 'cluster', title: 'mixed route 128B (kind = publisher\'s server, sub on the other kind)', metrics: rate, cpuPer: 'msg',
    run: floodAcross({ id: 'routemix', group: 'cluster', title: '', size: 128, pubs: 1, subs: 1, unit: 'msg/s', cpuPer: 'msg' }, false, true),
  },
];
