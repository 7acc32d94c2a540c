// The WebSocket listener as an engine service: startup log lines in the reference's order, the
// ports-file entry, /connz type, and the listener closed at shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { startWsHarness } from './harness.js';
import { WsRaw } from './wsraw.js';

test('startup lines, ports file, connection type, shutdown', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-ws-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const h = await startWsHarness(null, { portsFileDir: dir });
  const msgs = h.lines.map((l) => l.replace(/^\[\d+\] \S+ \S+ /, '').trimEnd());
  const i = msgs.indexOf(`[INF] Listening for websocket clients on ws://127.0.0.1:${h.wsPort}`);
  assert.ok(i >= 0, msgs.join('\n'));
  assert.equal(msgs[i + 1], '[WRN] Websocket not configured with TLS. DO NOT USE IN PRODUCTION!');
  assert.ok(msgs.findIndex((m) => m.startsWith('[INF] Listening for client connections on')) > i + 1, 'before the client listener');
  const pf = readdirSync(dir).find((f) => f.endsWith('.ports'))!;
  const ports = JSON.parse(readFileSync(join(dir, pf), 'utf8'));
  assert.deepEqual(Object.keys(ports), ['nats', 'websocket']);
  assert.deepEqual(ports.websocket, [`ws://127.0.0.1:${h.wsPort}`]);

  const ws = await WsRaw.open(h.wsPort);
  await ws.readNats('INFO ');
  ws.sendNats('CONNECT {"verbose":false,"name":"w"}\r\nPING\r\n');
  await ws.readNats('PONG\r\n');
  const c = [...(h.srv as unknown as { clients: Map<number, { type: string; opts: { name?: string } }> }).clients.values()].find((x) => x.opts.name === 'w');
  assert.equal(c?.type, 'websocket');

  const end = ws.closing();
  await h.srv.shutdown();
  assert.deepEqual((await end).close, { status: 1001, reason: 'Server Shutdown' });
  // The listener is gone.
  const refused = await new Promise<boolean>((resolve) => {
    const s = connect(h.wsPort, '127.0.0.1');
    s.on('connect', () => { s.destroy(); resolve(false); });
    s.on('error', () => resolve(true));
  });
  assert.ok(refused, 'connection refused after shutdown');
});

test('a /leafnode upgrade without leafnodes: the 101, then a silent close (as 2.9.10)', async (t) => {
  const h = await startWsHarness(t);
  const ws = await WsRaw.open(h.wsPort, '', `GET /leafnode HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  assert.ok(ws.upgraded);
  const end = await ws.closing();
  assert.deepEqual(end, { frames: [], close: null, tcpClosed: true });
  assert.ok(h.errors.includes('Not configured to accept leaf node connections'), h.errors.join('\n'));
});

test('wss: the listener with TLS (a self-signed certificate made by openssl)', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-wss-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  if (r.status !== 0) {
    t.skip('openssl is not available');
    return;
  }
  const h = await startWsHarness(t, {}, { tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) } });
  const msgs = h.lines.map((l) => l.replace(/^\[\d+\] \S+ \S+ /, '').trimEnd());
  assert.ok(msgs.includes(`[INF] Listening for websocket clients on wss://127.0.0.1:${h.wsPort}`), msgs.join('\n'));
  assert.ok(!msgs.some((m) => m.includes('not configured with TLS')));
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(`wss://127.0.0.1:${h.wsPort}`, { rejectUnauthorized: false });
  let got = '';
  const pong = new Promise<void>((resolve) => ws.on('message', (d: Buffer) => { got += d.toString(); if (got.includes('PONG\r\n')) resolve(); }));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.send('CONNECT {"verbose":false}\r\nSUB s 1\r\nPUB s 2\r\nok\r\nPING\r\n');
  await pong;
  assert.match(got, /^INFO .*\r\nMSG s 1 2\r\nok\r\nPONG\r\n$/s);
  ws.close();
});
