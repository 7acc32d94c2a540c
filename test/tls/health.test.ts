// Connection health over TLS works as over TCP: keepalive and stale detection, slow consumers
// (pending bytes and write deadline), producer stall, lame duck; and a client that opens TCP and
// never finishes the handshake is closed at the TLS timeout and counted. Short intervals, one
// server per case, cases run side by side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect as natsConnect } from '@nats-io/transport-node';
import { testCerts, opensslBin } from '../helpers/certs.js';
import { startTlsTarget } from './engine.js';
import { TlsConn } from './tls-client.js';
import { connz } from '../../src/monitor/connz.js';
import { ConnState } from '../../src/monitor/params.js';
import { metrics, trackHealthCounters } from '../../src/monitor/metrics.js';
import type { Server } from '../../src/index.js';

const skip = opensslBin() ? false : 'openssl is not installed';

function closedReason(srv: Server, name: string): string | undefined {
  return connz(srv, { state: ConnState.Closed }).connections.find((c) => c.name === name)?.reason;
}

async function until<T>(fn: () => T | undefined, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('health over TLS', { skip, concurrency: true, timeout: 60_000 }, async (t) => {
  const C = await testCerts();
  const ca = readFileSync(C.ca.cert);
  const tls = { certFile: C.server.cert, keyFile: C.server.key };

  await t.test('keepalive: a TLS client that stops answering PINGs is closed as stale', async () => {
    const s = await startTlsTarget(tls, { pingInterval: 150, pingMax: 1 });
    try {
      const c = await TlsConn.open(s.port, { ca });
      c.send('CONNECT {"verbose":false,"name":"silent"}\r\nPING\r\n');
      await c.expect('PONG\r\n');
      await c.expect("-ERR 'Stale Connection'\r\n", 5000);
      await c.waitClosed();
      assert.equal(closedReason(s.srv, 'silent'), 'Stale Connection');
      assert.equal(s.srv.stats.staleConnections, 1);
      // a client that answers is kept
      const ok = await TlsConn.open(s.port, { ca });
      ok.send('CONNECT {"verbose":false}\r\nPING\r\n');
      await ok.expect('PONG\r\n');
      ok.send('PING\r\n');
      for (let i = 0; i < 3; i++) {
        await ok.expect('PING\r\n', 3000);
        ok.send('PONG\r\n');
      }
      assert.equal(ok.closed, false);
      ok.close();
    } finally {
      await s.close();
    }
  });

  await t.test('slow consumer: a TLS subscriber that does not read is cut at max_pending; its publisher was stalled first', async () => {
    const s = await startTlsTarget(tls, { maxPending: 256 * 1024, maxPayload: 64 * 1024, writeDeadline: 60_000 });
    try {
      const sub = await TlsConn.open(s.port, { ca });
      sub.send('CONNECT {"verbose":false,"name":"slow"}\r\nSUB flood 1\r\nPING\r\n');
      await sub.expect('PONG\r\n');
      sub.sock.pause(); // stop reading: the kernel buffers fill, then the server's pending bytes
      const pub = await natsConnect({ port: s.port, tls: { caFile: C.ca.cert } });
      const payload = new Uint8Array(8 * 1024);
      const deadline = Date.now() + 15_000;
      while (closedReason(s.srv, 'slow') === undefined && Date.now() < deadline) {
        for (let i = 0; i < 64; i++) pub.publish('flood', payload);
        await pub.flush();
      }
      assert.equal(closedReason(s.srv, 'slow'), 'Slow Consumer (Pending Bytes)');
      assert.ok(s.srv.stats.slowConsumers >= 1);
      assert.ok(s.srv.stats.stalledClients >= 1, 'the publisher was stalled before the cut');
      await pub.close();
      sub.close();
    } finally {
      await s.close();
    }
  });

  await t.test('write deadline: a write to a TLS subscriber stuck past write_deadline', async () => {
    const s = await startTlsTarget(tls, { maxPending: 64 * 1024 * 1024, writeDeadline: 300 });
    try {
      const sub = await TlsConn.open(s.port, { ca });
      sub.send('CONNECT {"verbose":false,"name":"stuck"}\r\nSUB flood 1\r\nPING\r\n');
      await sub.expect('PONG\r\n');
      sub.sock.pause();
      const pub = await natsConnect({ port: s.port, tls: { caFile: C.ca.cert } });
      const payload = new Uint8Array(32 * 1024);
      const deadline = Date.now() + 15_000;
      while (closedReason(s.srv, 'stuck') === undefined && Date.now() < deadline) {
        for (let i = 0; i < 32; i++) pub.publish('flood', payload);
        await pub.flush();
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(closedReason(s.srv, 'stuck'), 'Slow Consumer (Write Deadline)');
      await pub.close();
      sub.close();
    } finally {
      await s.close();
    }
  });

  await t.test('lame duck: TLS clients get INFO with ldm over TLS, then are closed', async () => {
    const s = await startTlsTarget(tls, { lameDuckDuration: 600, lameDuckGracePeriod: 100 });
    const c = await TlsConn.open(s.port, { ca });
    c.send('CONNECT {"verbose":false,"protocol":1}\r\nPING\r\n');
    await c.expect('PONG\r\n');
    const done = s.srv.lameDuckMode();
    await c.expect(/INFO \{[^\r]*"ldm":true[^\r]*\} ?\r\n/, 5000);
    await c.waitClosed(5000);
    await done;
  });

  await t.test('a client that opens TCP and never finishes the handshake is closed at the TLS timeout and counted', async () => {
    const s = await startTlsTarget({ ...tls, timeoutMs: 250 }, { httpPort: -1 });
    try {
      trackHealthCounters(s.srv);
      const t0 = performance.now();
      const closed = await Promise.all([0, 1, 2].map((i) => new Promise<number>((resolve) => {
        const sock = netConnect(s.port, '127.0.0.1');
        // one sends nothing, one half a record header, one a record header that promises more
        sock.once('data', () => { if (i === 1) sock.write(Buffer.from([0x16, 0x03])); if (i === 2) sock.write(Buffer.from([0x16, 0x03, 0x01, 0x01, 0x00, 0x01])); });
        sock.on('error', () => {});
        sock.on('close', () => resolve(performance.now() - t0));
      })));
      for (const ms of closed) assert.ok(ms >= 200 && ms < 3000, `closed after ${ms} ms`);
      await until(() => s.srv.clients.size === 0 || undefined, 3000, 'connections gone');
      const m = metrics(s.srv);
      assert.match(m, /^tsnats_tls_handshake_failures_total\{[^}]*cause="timeout"\} 3$/m);
      assert.match(m, /^tsnats_connections_closed_total\{[^}]*reason="TLS Handshake Failure"\} 3$/m);
      const rows = connz(s.srv, { state: ConnState.Closed }).connections;
      assert.equal(rows.filter((r) => r.reason === 'TLS Handshake Failure' && /^TLS handshake timeout/.test(r.tls_error ?? '')).length, 3);
      // no timer or socket left behind: the closed connections are gone from the server
      assert.equal(s.srv.numConnections, 0);
    } finally {
      await s.close();
    }
  });
});
