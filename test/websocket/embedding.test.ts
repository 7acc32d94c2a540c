// startServer({ websocket: { port: 0 } }): the embedding option (a free port, the server's host),
// its startup lines and ports-file entry, /varz, the default handshake_timeout, the INFO WebSocket
// clients get, wss:// from node:tls options, the CLI with a config file; and WebSocket clients
// counted by the dashboard, `tsnats doctor` and `tsnats conns`.
import { testCerts } from '../helpers/certs.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { wsconnect } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { startServer } from '../../src/index.js';
import type { WebsocketService } from '../../src/services.js';
import { varz } from '../../src/monitor/varz.js';
import { dashboardData } from '../../src/monitor/dashboard.js';
import { RawConn } from '../helpers/raw.js';
import { logCollector, monitorPort } from '../helpers/tsnats.js';
import { runCli, doctorJSON } from '../doctor/cli.js';
import { startServer as startChild } from '../helpers/servers.js';
import { tempDir, writeConf } from '../auth/helpers.js';
import { freePort } from '../../dev/ports.js';
import { WsRaw } from './wsraw.js';
import './dual.js'; // globalThis.WebSocket for wsconnect

test('startServer({ websocket: { port: 0 } }): a free port on the server\'s host, the log lines, ports file and /varz', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-wsembed-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logs = logCollector();
  const srv = await startServer({ websocket: { port: 0 }, portsFileDir: dir, log: logs.log });
  t.after(() => srv.shutdown());
  const ws = srv.service<WebsocketService>('websocket')!;
  assert.ok(ws.port > 0);
  await logs.wait(new RegExp(`\\[INF\\] Listening for websocket clients on ws://127\\.0\\.0\\.1:${ws.port}`));
  await logs.wait(/\[WRN\] Websocket not configured with TLS\. DO NOT USE IN PRODUCTION!/);
  const ports = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.ports'))!), 'utf8'));
  assert.deepEqual(ports, { nats: [srv.url], websocket: [`ws://127.0.0.1:${ws.port}`] });
  assert.deepEqual(varz(srv).websocket, { host: '127.0.0.1', port: ws.port, handshake_timeout: 2_000_000_000, no_tls: true });
  // A client connects, and gets the TCP listener's host and port in INFO, as nats-server sends them.
  const nc = await wsconnect({ servers: `ws://127.0.0.1:${ws.port}` });
  assert.equal(nc.info?.port, srv.port);
  assert.equal(nc.info?.host, '127.0.0.1');
  await nc.close();
  // Shut down: the listener goes with the server.
  await srv.shutdown();
  await assert.rejects(RawConn.open(ws.port));
});

test('handshake_timeout: 2 s by default (nats-server has none), an upgrade that never completes is closed unanswered', async (t) => {
  const srv = await startServer({ websocket: { port: 0 } });
  t.after(() => srv.shutdown());
  const c = await RawConn.open(srv.service<WebsocketService>('websocket')!.port);
  const t0 = Date.now();
  c.send('GET / HTTP/1.1\r\nHost: x\r\n');
  assert.ok(await c.until((_b, closed) => closed, 6000), 'closed');
  const ms = Date.now() - t0;
  assert.ok(ms >= 1900 && ms < 5000, `closed after ${ms} ms`);
  assert.equal(c.pending().length, 0, 'no answer');
  // 0 turns it off, as nats-server's default.
  const off = await startServer({ websocket: { port: 0, handshakeTimeout: 0 } });
  t.after(() => off.shutdown());
  assert.equal(varz(off).websocket['handshake_timeout'], undefined);
});

test('wss:// with node:tls options (the API; the config file\'s tls {} comes with the TLS block)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-wss-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  if (r.status !== 0) return void t.skip('openssl is not available');
  const logs = logCollector();
  const srv = await startServer({ log: logs.log, websocket: { port: 0, tls: { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) } } });
  t.after(() => srv.shutdown());
  const port = srv.service<WebsocketService>('websocket')!.port;
  await logs.wait(new RegExp(`Listening for websocket clients on wss://127\\.0\\.0\\.1:${port}`));
  assert.ok(!logs.lines.some((l) => l.includes('not configured with TLS')));
  assert.equal(varz(srv).websocket['no_tls'], undefined);
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(`wss://127.0.0.1:${port}`, { rejectUnauthorized: false });
  let got = '';
  const pong = new Promise<void>((resolve) => ws.on('message', (d: Buffer) => { got += d.toString(); if (got.includes('PONG')) resolve(); }));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.send('CONNECT {"verbose":false}\r\nPING\r\n');
  await pong;
  ws.close();
});

test('wss:// from the config file: websocket { tls {} } with the client port\'s block, through a WebSocket client that trusts the CA', async (t) => {
  const certs = await testCerts();
  const dir = tempDir(t);
  const wsPort = await freePort();
  const conf = writeConf(dir, 'wss.conf', `websocket { host: 127.0.0.1, port: ${wsPort}, tls { cert_file: "${certs.server.cert}", key_file: "${certs.server.key}" } }\n`);
  const s = await startChild('tsnats', { config: conf });
  t.after(() => s.stop());
  await s.waitForOutput(new RegExp(`Listening for websocket clients on wss://127\\.0\\.0\\.1:${wsPort}`));
  assert.ok(!s.output().includes('not configured with TLS'));
  // A client that trusts the test CA connects; one that does not is refused by its TLS stack.
  const { WebSocket } = await import('ws');
  const ca = readFileSync(certs.ca.cert);
  const ws = new WebSocket(`wss://127.0.0.1:${wsPort}`, { ca });
  let got = '';
  const pong = new Promise<void>((resolve) => ws.on('message', (d: Buffer) => { got += d.toString(); if (got.includes('PONG')) resolve(); }));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.send('CONNECT {"verbose":false}\r\nPING\r\n');
  await pong;
  ws.close();
  const untrusted = new WebSocket(`wss://127.0.0.1:${wsPort}`);
  const err = await new Promise<Error>((resolve) => untrusted.once('error', resolve));
  assert.match(err.message, /self[- ]signed|unable to verify|certificate/i);
});

test('the CLI with a websocket block: listens as configured; a block without port is no listener', async (t) => {
  const dir = tempDir(t);
  const wsPort = await freePort();
  const s = await startChild('tsnats', { config: writeConf(dir, 'a.conf', `websocket { host: 127.0.0.1, port: ${wsPort}, no_tls: true }\n`) });
  t.after(() => s.stop());
  await s.waitForOutput(new RegExp(`Listening for websocket clients on ws://127\\.0\\.0\\.1:${wsPort}`));
  const ws = await WsRaw.open(wsPort);
  await ws.readNats('INFO ');
  ws.sendNats('PING\r\n');
  await ws.readNats('PONG\r\n');
  ws.close();
  const none = await startChild('tsnats', { config: writeConf(dir, 'b.conf', 'websocket { no_tls: true, compression: true }\n') });
  t.after(() => none.stop());
  assert.ok(!none.output().includes('websocket'), none.output());
  // `-t` reports the startup checks at the block's position.
  const bad = writeConf(dir, 'c.conf', 'websocket {\n  port: 8080\n}\n');
  const r = await runCli(['-c', bad, '-t']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /c\.conf:1:1: websocket requires TLS configuration/);
});

test('the dashboard, `tsnats doctor` and `tsnats conns` count WebSocket clients', async (t) => {
  const srv = await startServer({ httpPort: -1, websocket: { port: 0 } });
  t.after(() => srv.shutdown());
  const wsPort = srv.service<WebsocketService>('websocket')!.port;
  const a = await wsconnect({ servers: `ws://127.0.0.1:${wsPort}`, name: 'browser-a' });
  const b = await wsconnect({ servers: `ws://127.0.0.1:${wsPort}`, name: 'browser-b' });
  const c = await connect({ servers: srv.url, name: 'backend' });
  t.after(async () => { await a.close(); await b.close(); await c.close(); });
  const d = dashboardData(srv);
  assert.equal(d.counters.connections, 3);
  assert.equal(d.counters.websocket_connections, 2);
  assert.deepEqual(d.connections.filter((x) => x.type === 'websocket').map((x) => x.name).sort(), ['browser-a', 'browser-b']);
  const url = `http://127.0.0.1:${monitorPort(srv)}`;
  const { report } = await doctorJSON([url]);
  assert.deepEqual(report.servers[0].connections, { open: 3, websocket: 2 });
  const text = await runCli(['doctor', url]);
  assert.match(text.stdout, /^ {2}connections: 3 open, 2 over WebSocket$/m);
  const conns = await runCli(['conns', url, '--sort', 'cid']);
  assert.match(conns.stdout, /browser-a +127\.0\.0\.1:\d+ \(ws\)/);
  assert.match(conns.stdout, /backend +127\.0\.0\.1:\d+ +\d/);
});
