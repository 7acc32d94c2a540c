// Leafnode cases: a hub and a leaf on this machine (the leaf dials the hub's leafnode port). The
// publisher on the hub and the subscriber on the leaf (128B), and the other way; for kind K both
// servers are K. Each server gets a config file (nats-server has no leafnode flags).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Case, Sample, Settings } from '../model.js';
import { startBenchServer, type BenchServer, type Kind } from '../servers.js';
import { freePort } from '../../dev/ports.js';
import { runFlood, SUBJECT, type Flood } from './throughput.js';
import { si } from '../stats.js';

const dir = mkdtempSync(join(tmpdir(), 'tsnats-bench-leaf-'));

interface Pair {
  hub: BenchServer;
  leaf: BenchServer;
  httpHub: number;
  httpLeaf: number;
  stop(): Promise<void>;
}

async function leafz(http: number): Promise<{ leafnodes: number; leafs: { subscriptions_list?: string[] }[] | null }> {
  const r = await fetch(`http://127.0.0.1:${http}/leafz?subs=1`);
  return (await r.json()) as { leafnodes: number; leafs: { subscriptions_list?: string[] }[] | null };
}

async function until(pred: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!(await pred().catch(() => false))) {
    if (Date.now() - t0 > ms) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A hub and a leaf of the same kind, both with a monitor; resolves once the leaf connection is up. */
async function startPair(kind: Kind): Promise<Pair> {
  const [lp, httpHub, httpLeaf] = await Promise.all([freePort(), freePort(), freePort()]);
  const hubConf = join(dir, `hub-${lp}.conf`);
  writeFileSync(hubConf, `leafnodes { listen: "127.0.0.1:${lp}" }\n`);
  const leafConf = join(dir, `leaf-${lp}.conf`);
  writeFileSync(leafConf, `leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:${lp}" } ] }\n`);
  const hub = await startBenchServer(kind, { args: ['-m', String(httpHub), '-c', hubConf] });
  let leaf: BenchServer | null = null;
  try {
    leaf = await startBenchServer(kind, { args: ['-m', String(httpLeaf), '-c', leafConf] });
    await until(async () => (await leafz(httpHub)).leafnodes === 1 && (await leafz(httpLeaf)).leafnodes === 1, 'the leaf connection');
  } catch (e) {
    await Promise.all([hub.stop(), leaf?.stop()]);
    throw e;
  }
  const l = leaf;
  return { hub, leaf: l, httpHub, httpLeaf, stop: async () => { await Promise.all([hub.stop(), l.stop()]); } };
}

/** The connection on the publisher's side carries the subscriber side's interest in `subject`. */
const interestOn = (http: number, subject: string) => async () => ((await leafz(http)).leafs ?? []).some((l) => l.subscriptions_list?.includes(subject));

function flood(f: Flood, hubToLeaf: boolean): (kind: Kind, s: Settings) => Promise<Sample> {
  return async (kind, s) => {
    const p = await startPair(kind);
    try {
      return await runFlood(f, s, {
        pubPort: hubToLeaf ? p.hub.port : p.leaf.port,
        subPorts: [hubToLeaf ? p.leaf.port : p.hub.port],
        pids: [p.hub.pid, p.leaf.pid],
        ready: () => until(interestOn(hubToLeaf ? p.httpHub : p.httpLeaf, SUBJECT), 'interest across the leaf connection'),
      });
    } finally {
      await p.stop();
    }
  };
}

const rate = [{ key: 'rate', label: '', unit: 'msg/s', better: 'higher' as const, format: si }];

export const leafCases: Case[] = [
  {
    id: 'leaf128', group: 'leaf', title: 'leafnode hub→leaf 128B (pub on the hub, sub on the leaf)', metrics: rate, cpuPer: 'msg',
    run: flood({ id: 'leaf128', group: 'leaf', title: '', size: 128, pubs: 1, subs: 1, unit: 'msg/s', cpuPer: 'msg' }, true),
  },
  {
    id: 'leafup128', group: 'leaf', title: 'leafnode leaf→hub 128B (pub on the leaf, sub on the hub)', metrics: rate, cpuPer: 'msg',
    run: flood({ id: 'leafup128', group: 'leaf', title: '', size: 128, pubs: 1, subs: 1, unit: 'msg/s', cpuPer: 'msg' }, false),
  },
];
