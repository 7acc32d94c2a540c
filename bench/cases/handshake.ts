// TLS handshakes per second: client threads open TLS connections in parallel lanes, each one from
// scratch (TCP, INFO, TLS 1.3 handshake, CONNECT + PING → PONG, close), for a fixed time; the same
// with an ECDSA P-256 and an RSA 2048 server certificate.
import type { Case, Sample, Settings } from '../model.js';
import { Agent, Mailbox, startAgents, stopAgents } from '../pool.js';
import { openWindow } from '../window.js';
import { startBenchServer, type Kind } from '../servers.js';
import { si } from '../stats.js';
import { benchCert, tlsFlags, type KeyKind } from '../tls.js';

/** Client threads, and connections in flight in each. */
const THREADS = 2;
const LANES = Number(process.env.BENCH_TLS_LANES ?? 8);

async function measure(kind: Kind, key: KeyKind, s: Settings): Promise<Sample> {
  const server = await startBenchServer(kind, { args: tlsFlags(key) });
  const box = new Mailbox();
  let agents: Agent[] = [];
  try {
    const tls = benchCert(key).pem;
    agents = await startAgents(box, Array.from({ length: THREADS }, () => ({ role: 'handshaker' as const, port: server.port, lanes: LANES, tls })));
    let seq = 0;
    const run = async (ms: number) => {
      const id = ++seq;
      const win = openWindow(server.pid);
      for (const a of agents) a.send({ op: 'go', seq: id, durationMs: ms });
      const done = await box.takeEach(agents, (m) => m.type === 'done' && m.seq === id, ms + 60_000, 'handshakes');
      const n = done.reduce((a, m) => a + (m.sent as number), 0);
      const t0 = done.reduce((a, m) => ((m.tStart as bigint) < a ? (m.tStart as bigint) : a), done[0]!.tStart as bigint);
      const t1 = done.reduce((a, m) => ((m.tEnd as bigint) > a ? (m.tEnd as bigint) : a), 0n);
      return { n, secs: Number(t1 - t0) / 1e9, cpu: win() };
    };
    if (s.warmupMs > 0) await run(s.warmupMs);
    const r = await run(s.durationMs);
    return {
      values: { rate: r.n / r.secs },
      serverCpu: r.cpu.server / r.n,
      clientCpu: r.cpu.client / r.n,
      extra: { handshakes: r.n, seconds: r.secs, otherCores: r.cpu.otherCores },
    };
  } finally {
    await stopAgents(agents);
    await server.stop();
  }
}

function handshakeCase(key: KeyKind, title: string): Case {
  return {
    id: `tlshs-${key}`,
    group: 'tls',
    title,
    metrics: [{ key: 'rate', label: '', unit: 'hs/s', better: 'higher', format: si }],
    cpuPer: 'handshake',
    run: (kind, s) => measure(kind, key, s),
  };
}

export const handshakeCases: Case[] = [handshakeCase('ecdsa', 'TLS handshakes ECDSA P-256'), handshakeCase('rsa', 'TLS handshakes RSA 2048')];
