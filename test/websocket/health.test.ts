// Connection health is the same over WebSocket (startServer({ websocket })): keepalive PINGs and
// stale detection, slow consumers by pending bytes and by write deadline with the real socket's
// backlog, the producer stall, lame duck (clients move to another server, the listener closes),
// and every close with its reason in the closed ring, /connz and the log (`wid:`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { wsconnect } from '@nats-io/nats-core';
import { startServer, type Server, type Client } from '../../src/index.js';
import type { WebsocketService } from '../../src/services.js';
import { connz } from '../../src/monitor/connz.js';
import { ConnState } from '../../src/monitor/params.js';
import { RawConn } from '../helpers/raw.js';
import { logCollector } from '../helpers/tsnats.js';
import { WsRaw } from './wsraw.js';
import { statusOf } from './dual.js';

async function wsServer(t: import('node:test').TestContext, opts: Parameters<typeof startServer>[0] = {}): Promise<{ srv: Server; wsPort: number }> {
  const srv = await startServer({ websocket: { port: 0 }, ...opts });
  t.after(() => srv.shutdown());
  return { srv, wsPort: srv.service<WebsocketService>('websocket')!.port };
}

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

/** A WebSocket subscriber that stops reading its socket once subscribed. */
async function frozenWsSub(wsPort: number, subject: string, name: string): Promise<WsRaw> {
  const ws = await WsRaw.open(wsPort);
  await ws.readNats('INFO ');
  ws.sendNats(`CONNECT {"verbose":false,"name":"${name}"}\r\nSUB ${subject} 1\r\nPING\r\n`);
  await ws.readNats('PONG\r\n');
  ws.conn.sock.pause();
  return ws;
}

async function tcpPublisher(port: number): Promise<RawConn> {
  const { c } = await RawConn.openAndInfo(port);
  c.send('CONNECT {"verbose":false,"name":"pub"}\r\n');
  await c.roundTrip();
  return c;
}

function flood(p: RawConn, subject: string, size: number, count: number): void {
  const frame = Buffer.concat([Buffer.from(`PUB ${subject} ${size}\r\n`), Buffer.alloc(size, 0x61), Buffer.from('\r\n')]);
  for (let i = 0; i < count; i++) p.send(frame);
}

test('keepalive: PINGs inside the WebSocket stream; unanswered, Stale Connection with its close frame', async (t) => {
  const logs = logCollector();
  const { srv, wsPort } = await wsServer(t, { pingInterval: 200, pingMax: 1, log: logs.log });
  // A wsconnect client answers PINGs and stays.
  const nc = await wsconnect({ servers: `ws://127.0.0.1:${wsPort}`, name: 'alive' });
  t.after(() => nc.close());
  const ws = await WsRaw.open(wsPort);
  await ws.readNats('INFO ');
  ws.sendNats('CONNECT {"verbose":false,"name":"silent"}\r\n');
  const closed = closeOf(srv, 'silent', 5000);
  await ws.readNats('PING\r\n', 3000);
  const end = await ws.closing(5000);
  assert.equal(await closed, 'Stale Connection');
  assert.match(end.frames.map((f) => f.payload.toString()).join(''), /-ERR 'Stale Connection'\r\n$/);
  assert.deepEqual(end.close, { status: 1006, reason: 'Stale Connection' });
  assert.equal(srv.stats.staleConnections, 1);
  await logs.wait(/\[WRN\] 127\.0\.0\.1:\d+ - wid:\d+ - "silent" - Stale Client Connection - Closing/);
  const cc = connz(srv, { state: ConnState.Closed }).connections.find((c) => c.name === 'silent');
  assert.equal(cc?.type, 'websocket');
  assert.equal(cc?.reason, 'Stale Connection');
  // The answering client outlived several ping intervals.
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(nc.isClosed(), false);
  const open = connz(srv).connections.find((c) => c.name === 'alive');
  assert.equal(open?.type, 'websocket');
  assert.ok(open!.rtt !== undefined && open!.rtt !== '0s', `rtt measured: ${open?.rtt}`);
});

test('slow consumer by pending bytes: a frozen WebSocket subscriber is cut, no close frame, others unaffected', async (t) => {
  const logs = logCollector();
  const { srv, wsPort } = await wsServer(t, { maxPending: 1024 * 1024, maxPayload: 64 * 1024, pingInterval: 60_000, disableShortFirstPing: true, log: logs.log });
  const slow = await frozenWsSub(wsPort, 'data', 'slowws');
  t.after(() => slow.close());
  const fast = await wsconnect({ servers: `ws://127.0.0.1:${wsPort}`, name: 'fastws' });
  t.after(() => fast.close());
  let fastBytes = 0;
  fast.subscribe('data', { callback: (_e, m) => { fastBytes += m.data.length; } });
  await fast.flush();
  const pub = await tcpPublisher(srv.port);
  t.after(() => pub.close());
  const closed = closeOf(srv, 'slowws');
  flood(pub, 'data', 60_000, 150); // 9 MB
  assert.equal(await closed, 'Slow Consumer (Pending Bytes)');
  await logs.wait(/\[INF\] 127\.0\.0\.1:\d+ - wid:\d+ - "slowws" - Slow Consumer Detected: MaxPending of 1048576 Exceeded/);
  assert.equal(srv.stats.slowConsumers, 1);
  const cc = connz(srv, { state: ConnState.Closed }).connections.find((c) => c.name === 'slowws')!;
  assert.equal(cc.type, 'websocket');
  assert.equal(cc.reason, 'Slow Consumer (Pending Bytes)');
  await pub.roundTrip(30_000);
  const t0 = Date.now();
  while (fastBytes < 150 * 60_000 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
  assert.equal(fastBytes, 150 * 60_000, 'the other WebSocket subscriber got every message');
  assert.equal(fast.isClosed(), false);
});

test('write deadline: a flush stuck in the WebSocket\'s socket past write_deadline is a slow consumer', async (t) => {
  const logs = logCollector();
  const { srv, wsPort } = await wsServer(t, { writeDeadline: 300, pingInterval: 60_000, disableShortFirstPing: true, log: logs.log });
  const slow = await frozenWsSub(wsPort, 'data', 'stuck');
  t.after(() => slow.close());
  const pub = await tcpPublisher(srv.port);
  t.after(() => pub.close());
  const closed = closeOf(srv, 'stuck');
  flood(pub, 'data', 60_000, 300);
  assert.equal(await closed, 'Slow Consumer (Write Deadline)');
  await logs.wait(/- wid:\d+ - "stuck" - Slow Consumer Detected: WriteDeadline of 300ms exceeded with \d+ chunks of \d+ total bytes\./);
});

test('pending bytes are the socket\'s real backlog, in /connz, and drain to 0 when the client reads again', async (t) => {
  const { srv, wsPort } = await wsServer(t, { pingInterval: 60_000, disableShortFirstPing: true });
  const sub = await frozenWsSub(wsPort, 'data', 'paused');
  t.after(() => sub.close());
  const pub = await tcpPublisher(srv.port);
  t.after(() => pub.close());
  flood(pub, 'data', 60_000, 150); // 9 MB: more than the kernel buffers hold
  pub.send('PUB data 3\r\nend\r\n');
  await pub.roundTrip(30_000);
  const row = () => connz(srv).connections.find((c) => c.name === 'paused')!;
  const t0 = Date.now();
  while (row().pending_bytes === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
  const backlog = row().pending_bytes;
  assert.ok(backlog > 1024 * 1024, `pending ${backlog} bytes while the client does not read`);
  sub.conn.sock.resume();
  const got = await sub.readNats('MSG data 1 3\r\nend\r\n', 20_000);
  assert.equal(got.length, 150 * (60_000 + 'MSG data 1 60000\r\n\r\n'.length) + 'MSG data 1 3\r\nend\r\n'.length);
  const t1 = Date.now();
  while (row().pending_bytes !== 0 && Date.now() - t1 < 5000) await new Promise((r) => setTimeout(r, 20));
  assert.equal(row().pending_bytes, 0);
});

test('producer stall: a WebSocket publisher is paused while a subscriber drains, then carries on', async (t) => {
  const { srv, wsPort } = await wsServer(t, { maxPending: 4 * 1024 * 1024, pingInterval: 60_000, disableShortFirstPing: true });
  const { c: sub } = await RawConn.openAndInfo(srv.port);
  t.after(() => sub.close());
  sub.send('CONNECT {"verbose":false,"name":"slowtcp"}\r\nSUB data 1\r\n');
  await sub.roundTrip();
  let bytes = 0;
  sub.sock.removeAllListeners('data'); // count only (RawConn would keep 20 MB)
  sub.sock.on('data', (d: Buffer) => { bytes += d.length; });
  sub.sock.pause();
  // Resume the subscriber once the server stalls the WebSocket producer.
  const stalled = new Promise<Client>((resolve) => srv.once('client:stall', (c: Client) => { sub.sock.resume(); resolve(c); }));
  const pub = await WsRaw.open(wsPort);
  t.after(() => pub.close());
  await pub.readNats('INFO ');
  pub.sendNats('CONNECT {"verbose":false,"name":"wspub"}\r\n');
  const one = `PUB data 50000\r\n${'b'.repeat(50_000)}\r\n`;
  for (let i = 0; i < 8; i++) pub.sendNats(one.repeat(50)); // 8 frames of 2.5 MB: 20 MB
  pub.sendNats('PING\r\n');
  const who = await stalled;
  assert.equal(who.opts.name, 'wspub', 'the WebSocket publisher was the one stalled');
  await pub.readNats('PONG\r\n', 30_000);
  const want = 400 * (50_000 + 'MSG data 1 50000\r\n\r\n'.length);
  const t0 = Date.now();
  while (bytes < want && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
  assert.equal(bytes, want, 'every message delivered');
  assert.ok(srv.stats.stalledClients >= 1);
  assert.equal(srv.stats.slowConsumers, 0);
  assert.ok(connz(srv).connections.some((c) => c.name === 'wspub'), 'the publisher is still connected');
});

test('lame duck: WebSocket clients are told (ldm) and move to another server; the WebSocket listener closes', async (t) => {
  const a = await wsServer(t, { lameDuckDuration: 600, lameDuckGracePeriod: 200 });
  const b = await wsServer(t);
  const nc = await wsconnect({ servers: [`ws://127.0.0.1:${a.wsPort}`, `ws://127.0.0.1:${b.wsPort}`], noRandomize: true, reconnectTimeWait: 50, name: 'mover' });
  t.after(() => nc.close());
  assert.equal(nc.info?.server_id, a.srv.id);
  const got: string[] = [];
  nc.subscribe('x', { callback: (_e, m) => { got.push(m.string()); } });
  await nc.flush();
  const ldm = statusOf(nc.status(), 'ldm', 5000);
  const moved = statusOf(nc.status(), 'reconnect', 10_000);
  const closed = closeOf(a.srv, 'mover', 10_000);
  const done = a.srv.lameDuckMode();
  await ldm;
  // No new WebSocket connections during lame duck.
  const refused = await new Promise<boolean>((resolve) => {
    const s = netConnect(a.wsPort, '127.0.0.1');
    s.on('connect', () => { s.destroy(); resolve(false); });
    s.on('error', () => resolve(true));
  });
  assert.ok(refused, 'the WebSocket listener is closed in lame duck mode');
  assert.equal(await closed, 'Server Shutdown');
  await moved;
  assert.equal(nc.info?.server_id, b.srv.id);
  await nc.flush();
  const pub = await tcpPublisher(b.srv.port);
  pub.send('PUB x 5\r\nmoved\r\n');
  await pub.roundTrip();
  pub.close();
  await nc.flush();
  const t0 = Date.now();
  while (got.length === 0 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(got, ['moved']);
  await done;
});

test('log lines: wid:N, X-Forwarded-For in front (not in /connz), frame errors as "read error" closing as Read Error', async (t) => {
  const logs = logCollector();
  const { srv, wsPort } = await wsServer(t, { log: logs.log });
  const ws = await WsRaw.open(wsPort, 'X-Forwarded-For: 10.1.2.3\r\n');
  await ws.readNats('INFO ');
  ws.sendNats('CONNECT {"verbose":false,"name":"proxied"}\r\nPING\r\n');
  await ws.readNats('PONG\r\n');
  const row = connz(srv).connections.find((c) => c.name === 'proxied')!;
  assert.equal(row.ip, '127.0.0.1', '/connz keeps the TCP peer');
  const closed = closeOf(srv, 'proxied');
  ws.sendNats('FOO\r\n');
  assert.equal(await closed, 'Protocol Violation');
  await logs.wait(new RegExp(`\\[ERR\\] 10\\.1\\.2\\.3/127\\.0\\.0\\.1:${row.port} - wid:${row.cid} - "proxied" - Client parser ERROR`));
  assert.deepEqual((await ws.closing()).close, { status: 1002, reason: 'Protocol Violation' });
  // A framing error: nats-server's "read error" line, the close frame, Read Error.
  const bad = await WsRaw.open(wsPort);
  await bad.readNats('INFO ');
  bad.sendNats('CONNECT {"verbose":false,"name":"unmasked"}\r\nPING\r\n');
  await bad.readNats('PONG\r\n');
  const closed2 = closeOf(srv, 'unmasked');
  bad.send(Buffer.from([0x82, 0x06, ...Buffer.from('PING\r\n')]));
  assert.equal(await closed2, 'Read Error');
  await logs.wait(/\[ERR\] 127\.0\.0\.1:\d+ - wid:\d+ - "unmasked" - read error: mask bit missing/);
  assert.deepEqual((await bad.closing()).close, { status: 1002, reason: 'mask bit missing' });
});
