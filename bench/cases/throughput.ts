// Throughput cases: floods of fixed-size PUB frames from agent threads, counted at the subscribers
// from byte totals. Window: first write → last PONG (pub-only) or last delivered byte (with subscribers).
import type { Case, Sample, Settings } from '../model.js';
import { Agent, Mailbox, split, startAgents, stopAgents } from '../pool.js';
import type { AgentData } from '../agent.js';
import { msgFrameLen } from '../frames.js';
import { openWindow } from '../window.js';
import { startBenchServer, type Kind, type BenchServer } from '../servers.js';
import { si } from '../stats.js';
import { benchCert, tlsFlags, type KeyKind } from '../tls.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../dev/ports.js';

export interface Flood {
  id: string;
  group: string;
  title: string;
  size: number;
  pubs: number;
  subs: number;
  /** Subscribers form one queue group (each message delivered once) instead of each getting a copy. */
  queue?: boolean;
  /** Publishers and subscribers connect to the WebSocket listener (websocket { no_tls: true }), with permessage-deflate when `compress`. */
  ws?: { compress: boolean };
  unit: string;
  cpuPer: string;
  /** Over TLS with this kind of server key. */
  tls?: KeyKind;
}

export const SUBJECT = 'foo';
const CHUNK = Number(process.env.BENCH_CHUNK ?? 128 * 1024);
/** Agent threads per role: the machine has 2 cores, more threads only add switching. */
const THREADS = Number(process.env.BENCH_THREADS ?? 2);

/** Both servers with the same nats.conf: a websocket block on a free port. */
async function startWsServer(kind: Kind, compress: boolean): Promise<BenchServer & { wsPort: number }> {
  const wsPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-bench-ws-'));
  const conf = join(dir, 'ws.conf');
  writeFileSync(conf, `websocket {\n  host: 127.0.0.1\n  port: ${wsPort}\n  no_tls: true\n  compression: ${compress}\n}\n`);
  try {
    const server = await startBenchServer(kind, { args: ['-c', conf] });
    return { ...server, wsPort, stop: async () => { await server.stop(); rmSync(dir, { recursive: true, force: true }); } };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function measure(kind: Kind, f: Flood, s: Settings): Promise<Sample> {
  const server = f.ws ? await startWsServer(kind, f.ws.compress) : await startBenchServer(kind, f.tls ? { args: tlsFlags(f.tls) } : {});
  const ws = f.ws && 'wsPort' in server ? { wsPort: server.wsPort as number, compress: f.ws.compress } : undefined;
  try {
    return await runFlood(f, s, { pubPort: server.port, subPorts: [server.port], pids: [server.pid], ws, tls: f.tls ? benchCert(f.tls).pem : undefined });
  } finally {
    await server.stop();
  }
}

/** Where a flood runs: the publishers' server, the subscribers' servers (spread evenly), the server pids. */
export interface FloodPlace {
  pubPort: number;
  subPorts: number[];
  pids: number[];
  /** Publishers and subscribers on the WebSocket listener. */
  ws?: { wsPort: number; compress: boolean };
  /** TLS clients: the CA PEM they trust (the servers were started with the bench certificate). */
  tls?: string;
  /** After the subscribers subscribed, before anything is published (a cluster: interest has spread). */
  ready?: () => Promise<void>;
}

/** One warm-up and one timed flood of `f` at `place`. */
export async function runFlood(f: Flood, s: Settings, place: FloodPlace): Promise<Sample> {
  const ws = place.ws;
  const tls = place.tls;
  const box = new Mailbox();
  let agents: Agent[] = [];
  try {
    const shared = new SharedArrayBuffer(8 * 2 * Math.max(1, f.subs));
    const subData: AgentData[] = [];
    let base = 0;
    // Subscribers spread over the servers, then over the threads.
    const perServer = f.subs ? split(f.subs, place.subPorts.length) : [];
    perServer.forEach((m, i) => {
      for (const n of split(m, Math.max(1, Math.floor(THREADS / perServer.length)))) {
        subData.push({ role: 'sub', port: place.subPorts[i], conns: n, subject: SUBJECT, queue: f.queue ? 'q' : undefined, shared, base, total: f.subs, ws, tls });
        base += n;
      }
    });
    const subs = await startAgents(box, subData);
    agents = subs;
    await place.ready?.();
    const pubs = await startAgents(box, split(f.pubs, THREADS).map((n): AgentData =>
      ({ role: 'pub', port: place.pubPort, conns: n, subject: SUBJECT, size: f.size, chunkBytes: CHUNK, ws, tls })));
    agents = [...subs, ...pubs];
    const frameLen = msgFrameLen(SUBJECT, '1', f.size);
    const copies = f.queue ? 1 : f.subs;
    let seq = 0;
    let expected = 0;

    const flood = async (ms: number) => {
      const id = ++seq;
      const timeout = ms + 60_000;
      const wins = place.pids.map((p) => openWindow(p));
      for (const p of pubs) p.send({ op: 'go', seq: id, durationMs: ms });
      const done = await box.takeEach(pubs, (m) => m.type === 'done' && m.seq === id, timeout, 'flood end');
      const sent = done.reduce((a, m) => a + (m.sent as number), 0);
      const tStart = done.reduce((a, m) => (m.tStart as bigint) < a ? (m.tStart as bigint) : a, done[0].tStart as bigint);
      let tEnd = done.reduce((a, m) => (m.tEnd as bigint) > a ? (m.tEnd as bigint) : a, 0n);
      let units = sent;
      if (f.subs) {
        expected += sent * frameLen * copies;
        for (const a of subs) a.send({ op: 'expect', seq: id, target: expected });
        const got = await box.take((m) => m.type === 'done' && m.seq === id, timeout, 'deliveries');
        if ((got.tEnd as bigint) > tEnd) tEnd = got.tEnd as bigint;
        units = sent * copies;
      }
      const cpus = wins.map((w) => w());
      // Several servers: their CPU adds up; the other load is what none of them used.
      const cpu = { server: cpus.reduce((a, c) => a + c.server, 0), client: cpus[0].client, otherCores: Math.max(0, cpus[0].otherCores - cpus.slice(1).reduce((a, c) => a + c.server, 0) / 1e9 / Math.max(1e-9, Number(tEnd - tStart) / 1e9)) };
      const secs = Number(tEnd - tStart) / 1e9;
      return { units, secs, cpu };
    };

    if (s.warmupMs > 0) await flood(s.warmupMs);
    const r = await flood(s.durationMs);
    if (f.subs) {
      for (const a of subs) a.send({ op: 'verify', seq: 0 });
      const v = await box.takeEach(subs, (m) => m.type === 'verified', 10_000, 'verify');
      const bad = v.find((m) => !m.ok);
      if (bad) throw new Error(`subscriber got more than the expected frames: ${JSON.stringify(bad.detail)}`);
    }
    return {
      values: { rate: r.units / r.secs },
      serverCpu: r.cpu.server / r.units,
      clientCpu: r.cpu.client / r.units,
      extra: { units: r.units, seconds: r.secs, otherCores: r.cpu.otherCores },
    };
  } finally {
    await stopAgents(agents);
  }
}

function floodCase(f: Flood): Case {
  return {
    id: f.id,
    group: f.group,
    title: f.title,
    metrics: [{ key: 'rate', label: '', unit: f.unit, better: 'higher', format: si }],
    cpuPer: f.cpuPer,
    run: (kind, s) => measure(kind, f, s),
  };
}

const sizes: [string, number][] = [['16', 16], ['128', 128], ['1k', 1024]];
const sizeName = (n: number) => (n >= 1024 ? `${n / 1024}KB` : `${n}B`);

export const throughputCases: Case[] = [
  ...sizes.map(([k, n]) => floodCase({ id: `pub${k}`, group: 'pub', title: `pub-only ${sizeName(n)}`, size: n, pubs: 1, subs: 0, unit: 'msg/s', cpuPer: 'msg' })),
  ...sizes.map(([k, n]) => floodCase({ id: `pubsub${k}`, group: 'pubsub', title: `pub/sub 1:1 ${sizeName(n)}`, size: n, pubs: 1, subs: 1, unit: 'msg/s', cpuPer: 'msg' })),
  floodCase({ id: 'fanout', group: 'fanout', title: 'fan-out 1:4 128B', size: 128, pubs: 1, subs: 4, unit: 'deliv/s', cpuPer: 'delivery' }),
  floodCase({ id: 'fanin', group: 'fanin', title: 'queue 4→q4 128B', size: 128, pubs: 4, subs: 4, queue: true, unit: 'deliv/s', cpuPer: 'delivery' }),
  // WebSocket: publisher and subscriber both on the WebSocket listener; frames of 32 KiB of PUBs, as nats.js flushes.
  floodCase({ id: 'ws-pubsub128', group: 'ws', title: 'WebSocket pub/sub 1:1 128B', size: 128, pubs: 1, subs: 1, ws: { compress: false }, unit: 'msg/s', cpuPer: 'msg' }),
  floodCase({ id: 'ws-pubsub128-deflate', group: 'ws', title: 'WebSocket pub/sub 1:1 128B, permessage-deflate', size: 128, pubs: 1, subs: 1, ws: { compress: true }, unit: 'msg/s', cpuPer: 'msg' }),
];

/** TLS pub/sub 1:1 128B (ECDSA P-256 server certificate, TLS 1.3). */
export const tlsThroughputCases: Case[] = [
  floodCase({ id: 'tlspubsub128', group: 'tls', title: 'TLS pub/sub 1:1 128B', size: 128, pubs: 1, subs: 1, unit: 'msg/s', cpuPer: 'msg', tls: 'ecdsa' }),
];
