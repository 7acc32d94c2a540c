// No leaks after close: rounds of hostile clients (garbage, oversized PUBs, endless lines, slowloris,
// blackholed and non-reading clients, JSON bombs, subscription floods, dropped handshakes) and ordinary
// clients come and go while a healthy client stays; after each round the server, in a process of its
// own (leak-child.ts, --expose-gc), must be back to where it was: no connections, subscriptions,
// timers or handles beyond its baseline, a closed-connection ring at its bound, and a heap that does
// not grow from round to round. After shutdown nothing of the server remains.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import * as A from './hostile/actions.js';
import * as T from './hostile/tls-actions.js';
import { readFileSync } from 'node:fs';
import { testCerts, opensslBin, type TestCerts } from '../helpers/certs.js';
import { Healthy } from './hostile/healthy.js';
import { Child, settle, type Sample } from './leak-harness.js';

const MB = 1024 * 1024;
const ROUNDS = Number(process.env.TSNATS_LEAK_ROUNDS ?? 4);
/** Heap growth allowed between the first and the last round (GC noise, JIT code). */
const HEAP_SLACK = 3 * MB;
// A keepalive short enough to close slowloris and blackholed clients within a round, long enough for the
// healthy client to answer on a loaded machine.
const OPTS = { pingInterval: 500, pingMax: 2, maxPending: MB, maxClosedClients: 100 };

/** One round of clients that misbehave, and a few that do not. */
async function round(port: number): Promise<void> {
  const cleanups: (() => Promise<void>)[] = [];
  // allSettled: whatever fails, every client finishes and every proxy is closed before the round ends
  const settled = await Promise.allSettled([
    A.garbageStream(port, false, 8 * MB),
    A.garbageStream(port, true, 8 * MB),
    A.hugeDeclared(port, 'PUB big 2147483648'),
    A.hugeDeclared(port, 'PUB big 999999999'),
    A.endlessLine(port, 'PUB ', 2 * MB),
    A.endlessLine(port, 'CONNECT {"name":"', 2 * MB),
    A.slowloris(port, 'CONNECT {"verbose":false}\r\nSUB ', 'abcdef'),
    A.vanish(port).then((v) => { cleanups.push(() => v.proxy.close()); }),
    A.pingFloodNoRead(port, 16 * MB),
    A.connectBomb(port, A.bombs.nested(2040)),
    A.connectBomb(port, A.bombs.escapes(100)),
    A.subFlood(port, 5000),
    A.validFlood(port, 8 * MB),
    A.dropMany(port, 400, 20),
    (async () => { // ordinary clients: connect, subscribe, request, leave
      for (let i = 0; i < 10; i++) {
        const nc = await connect({ port, name: `ordinary-${i}`, reconnect: false });
        nc.subscribe(`ordinary.${i}`, { callback: (_e, m) => { m.respond('ok'); } });
        await nc.request(`ordinary.${i}`, 'hi', { timeout: 2000 });
        await nc.close();
      }
    })(),
  ]);
  for (const c of cleanups) await c();
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** One round of TLS bad input (tls.test.ts's cases) and ordinary TLS clients. */
async function tlsRound(port: number, C: TestCerts): Promise<void> {
  const ca = readFileSync(C.ca.cert);
  const cert = readFileSync(C.clientDn.cert);
  const key = readFileSync(C.clientDn.key);
  const hello = await T.clientHello();
  const settled = await Promise.allSettled([
    T.afterInfo(port, Buffer.from('CONNECT {"verbose":false}\r\nPING\r\n')),
    T.afterInfo(port, Buffer.from('GET / HTTP/1.1\r\n\r\n')),
    T.afterInfo(port, () => T.garbageRecords()),
    T.afterInfo(port, hello.subarray(0, hello.length >> 1)),
    T.tlsSession(port, { ca, cert: T.hugeChain(C.clientDn.cert, C.ca.cert), key }),
    T.tlsSession(port, { ca, cert, key, maxVersion: 'TLSv1.2' }, (t) => { t.renegotiate({}, () => {}); }),
    T.tlsSession(port, { ca }), // no client certificate
    T.dropManyHandshakes(port, 200),
    (async () => { // ordinary TLS clients
      for (let i = 0; i < 5; i++) {
        const nc = await connect({ port, name: `ordinary-tls-${i}`, reconnect: false, tls: { caFile: C.ca.cert, certFile: C.clientDn.cert, keyFile: C.clientDn.key } });
        nc.subscribe(`ordinary.${i}`, { callback: (_e, m) => { m.respond('ok'); } });
        await nc.request(`ordinary.${i}`, 'hi', { timeout: 10_000 });
        await nc.close();
      }
    })(),
  ]);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw new Error(`TLS round: ${(failed.reason as Error).stack ?? failed.reason}`);
}

describe('no leaks after hostile clients have come and gone', () => {
  it(`${ROUNDS} rounds of hostile and ordinary clients leave no connections, subscriptions, timers, handles or heap behind`, { timeout: 120_000 }, async (t) => {
    const { child, before } = await Child.start();
    let healthy: Healthy | null = null;
    try {
      const { port } = await child.ask<{ port: number }>('start', OPTS);
      const fresh = await child.ask<Sample>('sample'); // the server's own subscriptions (system imports…)
      healthy = await Healthy.start(`nats://127.0.0.1:${port}`);
      // warm-up: JIT, buffer pools, the sublist cache, and the closed ring past its bound
      await round(port);
      await round(port);
      const base = await settle(child, null, 1);
      assert.equal(base.clients, 1, 'only the healthy client');
      assert.deepEqual(base.subs, { ...fresh.subs, $G: fresh.subs.$G! + 1 }, 'only the healthy client\'s subscription added to the fresh server\'s');
      const heaps: number[] = [];
      let last = base;
      for (let r = 0; r < ROUNDS; r++) {
        await round(port);
        last = await settle(child, base, 1);
        heaps.push(last.heapUsed);
        const where = `after round ${r + 1}: ${JSON.stringify(last)}\nbaseline: ${JSON.stringify(base)}`;
        assert.equal(last.clients, 1, `connections left ${where}`);
        assert.deepEqual(last.subs, base.subs, `subscriptions left ${where}`);
        assert.deepEqual(last.resources, base.resources, `timers or sockets left (getActiveResourcesInfo) ${where}`);
        assert.deepEqual(last.handles, base.handles, `handles left (_getActiveHandles) ${where}`);
        assert.equal(last.closed, OPTS.maxClosedClients, 'the closed-connection ring stays at its bound');
        assert.ok(last.closedTotal > base.closedTotal, 'connections were closed');
      }
      const growth = heaps[heaps.length - 1]! - base.heapUsed;
      t.diagnostic(`${last.closedTotal - base.closedTotal} connections closed in ${ROUNDS} rounds; heapUsed after gc: baseline ${(base.heapUsed / MB).toFixed(2)} MB, ` +
        `after each round ${heaps.map((h) => (h / MB).toFixed(2)).join(', ')} MB; resources ${JSON.stringify(last.resources)}`);
      assert.ok(growth < HEAP_SLACK, `heap grew by ${(growth / MB).toFixed(2)} MB over ${ROUNDS} rounds (${heaps.map((h) => (h / MB).toFixed(1)).join(', ')} MB; baseline ${(base.heapUsed / MB).toFixed(1)} MB)`);
      const h = healthy;
      healthy = null;
      await h.assertUnaffected(`${ROUNDS + 2} leak rounds`);
      // shutdown: the server leaves nothing running
      const after = await child.ask<Sample>('shutdown');
      assert.deepEqual(after.resources, before.resources, `after shutdown: ${JSON.stringify(after)}\nbefore start: ${JSON.stringify(before)}`);
      assert.deepEqual(after.handles, before.handles, 'handles after shutdown');
    } finally {
      await healthy?.stop().catch(() => {});
      child.stop();
    }
  });
});

describe('no leaks after bad input on a TLS port', { skip: opensslBin() ? false : 'openssl is not installed' }, () => {
  it('rounds of TLS bad input and TLS clients leave no connections, timers, sockets or heap behind', { timeout: 120_000 }, async (t) => {
    const C = await testCerts();
    const { child, before } = await Child.start();
    let healthy: Healthy | null = null;
    try {
      // a TLS timeout that a loaded machine's handshakes stay well within (the half handshake waits it out)
      const tls = { certFile: C.server.cert, keyFile: C.server.key, caFile: C.ca.cert, verify: true, timeoutMs: 1000 };
      const { port } = await child.ask<{ port: number }>('start', { ...OPTS, tls });
      healthy = await Healthy.start(`nats://127.0.0.1:${port}`, { tls: { caFile: C.ca.cert, certFile: C.clientDn.cert, keyFile: C.clientDn.key } });
      await tlsRound(port, C);
      await tlsRound(port, C);
      const base = await settle(child, null, 1);
      assert.equal(base.clients, 1, 'only the healthy client');
      const rounds = Math.max(2, ROUNDS - 1);
      let last = base;
      const heaps: number[] = [];
      for (let r = 0; r < rounds; r++) {
        await tlsRound(port, C);
        last = await settle(child, base, 1);
        heaps.push(last.heapUsed);
        const where = `after TLS round ${r + 1}: ${JSON.stringify(last)}\nbaseline: ${JSON.stringify(base)}`;
        assert.equal(last.clients, 1, `connections left ${where}`);
        assert.deepEqual(last.resources, base.resources, `timers or sockets left ${where}`);
        assert.deepEqual(last.handles, base.handles, `handles left ${where}`);
      }
      const growth = heaps[heaps.length - 1]! - base.heapUsed;
      t.diagnostic(`TLS: ${last.closedTotal - base.closedTotal} connections closed in ${rounds} rounds; heapUsed after gc: baseline ${(base.heapUsed / MB).toFixed(2)} MB, after each round ${heaps.map((h) => (h / MB).toFixed(2)).join(', ')} MB`);
      assert.ok(growth < HEAP_SLACK, `heap grew by ${(growth / MB).toFixed(2)} MB over ${rounds} TLS rounds`);
      const h = healthy;
      healthy = null;
      await h.assertUnaffected(`${rounds + 2} TLS leak rounds`);
      const after = await child.ask<Sample>('shutdown');
      assert.deepEqual(after.resources, before.resources, `after shutdown: ${JSON.stringify(after)}\nbefore start: ${JSON.stringify(before)}`);
      assert.deepEqual(after.handles, before.handles, 'handles after shutdown');
    } finally {
      await healthy?.stop().catch(() => {});
      child.stop();
    }
  });
});
