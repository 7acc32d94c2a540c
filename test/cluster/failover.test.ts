// A member killed (SIGKILL) and restarted, in a mixed cluster: clients fail over through
// connect_urls, the mesh re-forms, interest is rebuilt, and nothing published after the mesh
// re-formed is lost for a live subscriber.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { eventually, interestReady } from './scenarios.js';

async function kill(cl: TestCluster, i: number): Promise<void> {
  const p = cl.members[i].server.proc;
  p.kill('SIGKILL');
  if (p.exitCode === null && p.signalCode === null) await once(p, 'exit');
}

/** Publishes `n` numbered messages on `pub` and resolves with what `got` holds once they all came. */
async function roundOf(pub: NatsConnection, subject: string, got: Set<string>, tag: string, n = 100): Promise<void> {
  for (let i = 0; i < n; i++) pub.publish(subject, `${tag}-${i}`);
  await pub.flush();
  await eventually(() => [...Array(n).keys()].every((i) => got.has(`${tag}-${i}`)), 5000, `${n} messages ${tag}`);
}

for (const kinds of [['tsnats', 'nats-server', 'tsnats'], ['tsnats', 'tsnats', 'tsnats']] as ServerKind[][]) {
  test(`${kinds.join(' + ')}: SIGKILL a member and restart it: failover, the mesh re-forms, nothing lost after`, { skip: kinds.includes('nats-server') && !hasNatsServer() && 'nats-server is not installed' }, async () => {
    const cl = await startCluster(kinds.map((kind, i) => ({ kind, seeds: i === 0 ? [] : [0] })));
    const conns: NatsConnection[] = [];
    try {
      await cl.formed();
      const opts = { reconnectTimeWait: 50, maxReconnectAttempts: -1, noRandomize: true };
      // A subscriber on member 2 (it will lose its server), publishers on 0 and 1.
      const sub = await connect({ servers: cl.members[2].url, ...opts });
      const pub0 = await connect({ servers: cl.members[0].url, ...opts });
      const pub1 = await connect({ servers: cl.members[1].url, ...opts });
      conns.push(sub, pub0, pub1);
      await eventually(() => (sub.info?.connect_urls?.length ?? 0) === 3, 5000, 'connect_urls');
      const got = new Set<string>();
      sub.subscribe('ev', { callback: (_e, m) => { got.add(m.string()); } });
      await sub.flush();
      await interestReady(pub0, sub, 'ev.probe');
      await interestReady(pub1, sub, 'ev.probe');
      await roundOf(pub0, 'ev', got, 'before');

      // Member 2 dies: its client moves to another member, its interest comes back with it.
      const reconnected = (async () => {
        for await (const s of sub.status()) if (s.type === 'reconnect') return;
      })();
      await kill(cl, 2);
      await reconnected;
      assert.notEqual(sub.getServer(), `127.0.0.1:${cl.members[2].server.port}`);
      await cl.formed();
      await interestReady(pub1, sub, 'ev.probe2');
      await roundOf(pub1, 'ev', got, 'moved');

      // It comes back (same ports, a new server id): the mesh re-forms; a subscriber on it hears the others.
      await cl.restart(2);
      await cl.formed();
      const back = await connect({ servers: cl.members[2].url, ...opts });
      conns.push(back);
      const got2 = new Set<string>();
      back.subscribe('ev', { callback: (_e, m) => { got2.add(m.string()); } });
      await back.flush();
      await interestReady(pub0, back, 'ev.probe3');
      await roundOf(pub0, 'ev', got, 'after');
      await eventually(() => [...Array(100).keys()].every((i) => got2.has(`after-${i}`)), 5000, 'restarted member subscriber');

      // Member 1 dies: publishers and subscribers on the others carry on.
      await kill(cl, 1);
      await cl.formed();
      await roundOf(pub0, 'ev', got, 'without1');
    } finally {
      await Promise.all(conns.map((c) => c.close().catch(() => {})));
      await cl.stop();
    }
  });
}

for (const kind of (hasNatsServer() ? ['tsnats', 'nats-server'] : ['tsnats']) as ServerKind[]) {
  test(`lame duck on a ${kind} member moves its clients to the others`, async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'tsnats-ldm-'));
    const cl = await startCluster(['tsnats', kind].map((k, i) => ({
      kind: k as ServerKind,
      seeds: i === 0 ? [] : [0],
      config: (m) => {
        const f = join(dir, `m${i}.conf`);
        writeFileSync(f, `server_name: L${i}\nlame_duck_duration: "30s"\nlame_duck_grace_period: "500ms"\ncluster { name: C1, listen: 127.0.0.1:${m.clusterPort}${m.seeds.length ? `, routes: ["${m.seeds[0]}"]` : ''} }\n`);
        return f;
      },
    })));
    const conns: NatsConnection[] = [];
    try {
      await cl.formed();
      const opts = { reconnectTimeWait: 50, maxReconnectAttempts: -1, noRandomize: true };
      const sub = await connect({ servers: cl.members[1].url, ...opts });
      const pub = await connect({ servers: cl.members[0].url, ...opts });
      conns.push(sub, pub);
      await eventually(() => (sub.info?.connect_urls?.length ?? 0) === 2, 5000, 'connect_urls');
      const got = new Set<string>();
      sub.subscribe('ld', { callback: (_e, m) => { got.add(m.string()); } });
      await sub.flush();
      await interestReady(pub, sub, 'ld.probe');
      const moved = (async () => {
        for await (const s of sub.status()) if (s.type === 'reconnect') return;
      })();
      cl.members[1].server.proc.kill('SIGUSR2');
      await moved;
      assert.equal(sub.getServer(), `127.0.0.1:${cl.members[0].server.port}`);
      await interestReady(pub, sub, 'ld.probe2');
      await roundOf(pub, 'ld', got, 'after-ldm', 50);
    } finally {
      await Promise.all(conns.map((c) => c.close().catch(() => {})));
      await cl.stop();
    }
  });
}
