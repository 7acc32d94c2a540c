// Request/reply latency: one requester and one responder (agent threads), sequential requests with a
// fixed reply subject, 128-byte payloads both ways; latency = request written → whole reply read.
import type { Case, Sample, Settings } from '../model.js';
import { Agent, Mailbox, startAgents, stopAgents } from '../pool.js';
import { openWindow } from '../window.js';
import { startBenchServer, type Kind } from '../servers.js';
import { percentile } from '../stats.js';

const SIZE = 128;
const SUBJECT = 'req';
const INBOX = '_INBOX.bench';

async function measure(kind: Kind, s: Settings): Promise<Sample> {
  const server = await startBenchServer(kind);
  const box = new Mailbox();
  let agents: Agent[] = [];
  try {
    const [responder] = await startAgents(box, [{ role: 'responder', port: server.port, subject: SUBJECT, inbox: INBOX, size: SIZE }]);
    agents = [responder];
    const [requester] = await startAgents(box, [{ role: 'requester', port: server.port, subject: SUBJECT, inbox: INBOX, size: SIZE }]);
    agents.push(requester);
    let seq = 0;
    const run = async (ms: number) => {
      const id = ++seq;
      const win = openWindow(server.pid);
      requester.send({ op: 'go', seq: id, durationMs: ms });
      const m = await box.take((x) => x.type === 'done' && x.seq === id, ms + 60_000, 'requests');
      return { lat: m.latencies as Float64Array, cpu: win() };
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
    await server.stop();
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
