// Slow consumers (reference §2.3): a subscriber that never reads. Pending bytes over max_pending
// close it without flush; a flush stuck past write_deadline closes it; a fast producer is stalled
// briefly on the way; other subscribers carry on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn } from '../helpers/raw.js';
import { withServer, logCollector } from '../helpers/tsnats.js';
import type { Server, Client } from '../../src/index.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { startServer as startChild, hasNatsServer, type ServerKind } from '../helpers/servers.js';

function closeOf(srv: Server, name: string, ms = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not closed within ${ms}ms`)), ms);
    const on = (c: Client, reason: string) => {
      if (c.opts.name !== name) return;
      clearTimeout(timer);
      srv.off('client:close', on);
      resolve(reason);
    };
    srv.on('client:close', on);
  });
}

/** A subscriber whose socket is never read again: the kernel buffers fill, then the server's. */
async function frozenSubscriber(port: number, subject: string, name = 'slowsub') {
  const { c } = await RawConn.openAndInfo(port);
  c.send(`CONNECT {"verbose":false,"name":"${name}"}\r\nSUB ${subject} 1\r\n`);
  await c.roundTrip();
  c.sock.pause();
  return c;
}

async function publisher(port: number) {
  const { c } = await RawConn.openAndInfo(port);
  c.send('CONNECT {"verbose":false,"name":"fastpub"}\r\n');
  await c.roundTrip();
  return c;
}

function flood(p: RawConn, subject: string, size: number, count: number): void {
  const frame = Buffer.concat([Buffer.from(`PUB ${subject} ${size}\r\n`), Buffer.alloc(size, 0x61), Buffer.from('\r\n')]);
  for (let i = 0; i < count; i++) p.send(frame);
}

test('pending bytes over max_pending: Slow Consumer (Pending Bytes), logged and counted; others carry on', async (t) => {
  const logs = logCollector();
  // keepalive PINGs out of the way of the byte counts
  const srv = await withServer(t, { maxPending: 1024 * 1024, maxPayload: 64 * 1024, log: logs.log, pingInterval: 60_000, disableShortFirstPing: true });
  const slow = await frozenSubscriber(srv.port, 'data');
  t.after(() => slow.close());
  const { c: fast } = await RawConn.openAndInfo(srv.port);
  fast.send('CONNECT {"verbose":false,"name":"fastsub"}\r\nSUB data 1\r\n');
  await fast.roundTrip();
  let fastBytes = 0;
  fast.sock.on('data', (d) => { fastBytes += d.length; });
  const pub = await publisher(srv.port);
  const closed = closeOf(srv, 'slowsub');
  flood(pub, 'data', 60_000, 300); // 18 MB
  assert.equal(await closed, 'Slow Consumer (Pending Bytes)');
  await logs.wait(/\[INF\] 127\.0\.0\.1:\d+ - cid:\d+ - "slowsub" - Slow Consumer Detected: MaxPending of 1048576 Exceeded/);
  assert.equal(srv.stats.slowConsumers, 1);
  assert.equal(srv.stats.slowConsumerClients, 1);
  const info = srv.closedClients.list().find((x) => x.name === 'slowsub')!;
  assert.equal(info.reason, 'Slow Consumer (Pending Bytes)');
  // the fast subscriber gets every message
  assert.match(await pub.roundTrip(30_000), /^(PING\r\n)*PONG\r\n$/);
  const want = 300 * (60_000 + 'MSG data 1 60000\r\n\r\n'.length);
  const t0 = Date.now();
  while (fastBytes < want && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
  assert.equal(fastBytes, want);
  // the producer was stalled on the way (counted on the server, and as `stalls` of the slow
  // subscriber that caused it, as 2.12), and released
  assert.ok(srv.stats.stalledClients >= 1, `stalled ${srv.stats.stalledClients}`);
  assert.ok(info.stalls >= 1, `stalls on the slow consumer: ${info.stalls}`);
  pub.close();
  fast.close();
});

test('a flush stuck past write_deadline: Slow Consumer (Write Deadline)', async (t) => {
  const logs = logCollector();
  const srv = await withServer(t, { writeDeadline: 300, log: logs.log });
  const slow = await frozenSubscriber(srv.port, 'wd');
  t.after(() => slow.close());
  const pub = await publisher(srv.port);
  const closed = closeOf(srv, 'slowsub');
  flood(pub, 'wd', 100_000, 200); // 20 MB, under the 64 MB max_pending
  assert.equal(await closed, 'Slow Consumer (Write Deadline)');
  await logs.wait(/"slowsub" - Slow Consumer Detected: WriteDeadline of 300ms exceeded with \d+ chunks of \d+ total bytes\./);
  assert.equal(srv.stats.slowConsumers, 1);
  pub.close();
});

test('after a slow consumer closes, its buffered data is released', async (t) => {
  const srv = await withServer(t, { maxPending: 1024 * 1024, maxPayload: 64 * 1024 });
  const slow = await frozenSubscriber(srv.port, 'rel');
  t.after(() => slow.close());
  const pub = await publisher(srv.port);
  const closed = closeOf(srv, 'slowsub');
  flood(pub, 'rel', 60_000, 200);
  await closed;
  assert.match(await pub.roundTrip(30_000), /^(PING\r\n)*PONG\r\n$/);
  assert.equal([...srv.clients.values()].some((c) => c.opts.name === 'slowsub'), false);
  pub.close();
});

test('a subscriber with a 4 KB receive buffer that never reads: Slow Consumer (Write Deadline)', async (t) => {
  // As the reference's capture: SO_RCVBUF=4K and no reads, so the kernel hides almost nothing.
  // Node cannot set SO_RCVBUF on a TCP socket; a few lines of Python can.
  const { spawnSync, spawn } = await import('node:child_process');
  if (spawnSync('python3', ['-c', 'import socket'], { stdio: 'ignore' }).status !== 0) {
    t.skip('python3 is not available to open a socket with a small receive buffer');
    return;
  }
  const logs = logCollector();
  const srv = await withServer(t, { writeDeadline: 500, log: logs.log });
  const script = [
    'import socket, sys, time',
    's = socket.socket()',
    's.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)',
    `s.connect(("127.0.0.1", ${srv.port}))`,
    's.recv(4096)',
    's.sendall(b\'CONNECT {"verbose":false,"name":"tinybuf"}\\r\\nSUB big 1\\r\\nPING\\r\\n\')',
    'data = b""',
    'while b"PONG" not in data: data += s.recv(4096)',
    'print("ready", flush=True)',
    'time.sleep(60)',
  ].join('\n');
  const py = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => { py.kill('SIGKILL'); });
  await new Promise<void>((resolve, reject) => {
    py.stdout!.on('data', (d) => { if (String(d).includes('ready')) resolve(); });
    py.once('exit', (code) => reject(new Error(`python exited ${code}`)));
  });
  const pub = await publisher(srv.port);
  const closed = closeOf(srv, 'tinybuf');
  flood(pub, 'big', 100_000, 100); // 10 MB
  assert.equal(await closed, 'Slow Consumer (Write Deadline)');
  await logs.wait(/"tinybuf" - Slow Consumer Detected: WriteDeadline of 500ms exceeded/);
  const info = srv.closedClients.list().find((x) => x.name === 'tinybuf')!;
  assert.equal(info.reason, 'Slow Consumer (Write Deadline)');
  pub.close();
});

test('a client publishing to its own subscription is stalled, not cut: everything arrives, as nats-server delivers it', async (t) => {
  // The official client reads its socket, but the app publishes 20 MB to itself faster than the
  // server can write it back: the producer is its own slow consumer. nats-server stalls its read loop
  // (stalledWait) while its write loop drains; tsnats pauses its reads the same way.
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-selfpub-'));
  const conf = join(dir, 'mp.conf');
  writeFileSync(conf, 'max_pending: 2MB\n');
  const kinds: ServerKind[] = hasNatsServer() ? ['nats-server', 'tsnats'] : ['tsnats'];
  const N = 20_000;
  const payload = new Uint8Array(1024);
  for (const kind of kinds) {
    const srv = await startChild(kind, { config: conf });
    t.after(() => srv.stop());
    const nc = await connect({ servers: srv.url, reconnect: false });
    let got = 0;
    const all = new Promise<void>((resolve) => nc.subscribe('self', { callback: () => { if (++got === N) resolve(); } }));
    for (let i = 0; i < N; i++) nc.publish('self', payload);
    const outcome = await Promise.race([all.then(() => 'all delivered'), nc.closed().then((e) => `closed: ${e}`)]);
    assert.equal(outcome, 'all delivered', `${kind}: ${got} of ${N}`);
    await nc.close();
  }
});
