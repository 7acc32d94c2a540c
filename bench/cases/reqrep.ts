// Request/reply latency: one requester and one responder (agent threads), sequential requests with a
// fixed reply subject, 128-byte payloads both ways; latency = request written → whole reply read.
import type { Case, Sample, Settings } from '../model.js';
import { Agent, Mailbox, startAgents, stopAgents } from '../pool.js';
import { openWindow } from '../window.js';
import { startBenchServer, type Kind } from '../servers.js';
import { percentile } from '../stats.js';

const SIZE = 128;
export const REQ_SUBJECT = 'req';
const SUBJECT = REQ_SUBJECT;
export const REQ_INBOX = '_INBOX.bench';
const INBOX = REQ_INBOX;

async function measure(kind: Kind, s: Settings): Promise<Sample> {
  const server = await startBenchServer(kind);
  try {
    return await runReqRep(s, { reqPort: server.port, respPort: server.port, pids: [server.pid] });
  } finally {
    await server.stop();
  }
}

/** Where requests run: the requester's server, the responder's, the server pids. */
export interface ReqRepPlace {
  reqPort: number;
  respPort: number;
  pids: number[];
  /** After both subscribed, before the first request (a cluster: interest has spread both ways). */
  ready?: () => Promise<void>;
}

export async function runReqRep(s: Settings, place: ReqRepPlace): Promise<Sample> {
  const box = new Mailbox();
  let agents: Agent[] = [];
  try {
    const [responder] = await startAgents(box, [{ role: 'responder', port: place.respPort, subject: SUBJECT, inbox: INBOX, size: SIZE }]);
    agents = [responder];
    const [requester] = await startAgents(box, [{ role: 'requester', port: place.reqPort, subject: SUBJECT, inbox: INBOX, size: SIZE }]);
    agents.push(requester);
    await place.ready?.();
    let seq = 0;
    const run = async (ms: number) => {
      const id = ++seq;
      const wins = place.pids.map((p) => openWindow(p));
      requester.send({ op: 'go', seq: id, durationMs: ms });
      const m = await box.take((x) => x.type === 'done' && x.seq === id, ms + 60_000, 'requests');
      const cpus = wins.map((w) => w());
      return { lat: m.latencies as Float64Array, cpu: { server: cpus.reduce((a, c) => a + c.server, 0), client: cpus[0].client, otherCores: cpus[0].otherCores } };
    };
    if (s.warmupMs > 0) await run(s.warmupMs);
    const r = await run(s.reqMs);
    const n = r.lat.length;
    return {
      values: { p50: percentile(r.lat, 50) / 1000, p99: percentile(r.lat, 99) / 1000 },
      serverCpu: r.cpu.server / n,
      clientCpu: r.cpu.client / n,
      extra: { requests: n, mean_us: r.lat.reduce((a, x) => a + x, 0) / n / 1000, otherCores: r.cpu.otherCores },
    };
  } finally {
    await stopAgents(agents);
  }
}

const us = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 100 ? 1 : 0) : '—');

export const reqrepCase: Case = {
  id: 'reqrep',
  group: 'reqrep',
  title: 'request/reply 128B',
  metrics: [
    { key: 'p50', label: 'p50', unit: 'µs', better: 'lower', format: us },
    { key: 'p99', label: 'p99', unit: 'µs', better: 'lower', format: us },
  ],
  cpuPer: 'request',
  run: measure,
};
