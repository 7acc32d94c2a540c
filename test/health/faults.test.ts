// Real faults: a client frozen with SIGSTOP, a client behind a proxy that silently stops
// forwarding, a client killed with SIGKILL, a client that resets. Each is detected within its
// window with the right reason, its slot is freed, and the other clients carry on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { withServer } from '../helpers/tsnats.js';
import { BlackholeProxy } from '../helpers/proxy.js';
import { RawConn } from '../helpers/raw.js';
import type { Server, Client } from '../../src/index.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'child-client.js');
const IV = 200;

function closeOf(srv: Server, pred: (c: Client) => boolean, ms = 10_000): Promise<{ reason: string; at: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no close within ' + ms)), ms);
    const on = (c: Client, reason: string) => {
      if (!pred(c)) return;
      clearTimeout(timer);
      srv.off('client:close', on);
      resolve({ reason, at: Date.now() });
    };
    srv.on('client:close', on);
  });
}

async function spawnClient(url: string, name: string) {
  const child = spawn(process.execPath, [CHILD, url, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => { if (String(d).includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  return child;
}

/** A healthy client keeps working while a fault is handled. */
async function healthyWhile<T>(srv: Server, during: Promise<T>): Promise<T> {
  const nc = await connect({ servers: srv.url, name: 'healthy' });
  let n = 0;
  nc.subscribe('healthy.ok', { callback: () => { n++; } });
  const timer = setInterval(() => nc.publish('healthy.ok', 'x'), 20);
  try {
    const r = await during;
    await nc.flush();
    assert.ok(n > 0, 'the healthy client kept receiving');
    return r;
  } finally {
    clearInterval(timer);
    await nc.close();
  }
}

test('a client frozen with SIGSTOP is closed as stale within ping_interval × (ping_max+1)', async (t) => {
  const srv = await withServer(t, { pingInterval: IV, pingMax: 2 });
  const child = await spawnClient(srv.url, 'frozen');
  t.after(() => { child.kill('SIGKILL'); });
  const closed = closeOf(srv, (c) => c.opts.name === 'frozen');
  const t0 = Date.now();
  child.kill('SIGSTOP');
  const r = await healthyWhile(srv, closed);
  assert.equal(r.reason, 'Stale Connection');
  // at most: the current interval + ping_max more intervals (+ jitter and scheduling slack)
  assert.ok(r.at - t0 <= IV * 4 + 2000, `detected after ${r.at - t0}ms`);
  assert.equal([...srv.clients.values()].filter((c) => c.opts.name === 'frozen').length, 0, 'slot freed');
});

test('a frozen subscriber that keeps being sent messages is still PINGed and closed as stale', async (t) => {
  // Deliveries are not a sign of life: only what the client sends delays the keepalive PINGs
  // (nats-server 2.9.16+ lastIn). With 2.9.10's rule this zombie would hold its slot until its
  // buffers filled up.
  const srv = await withServer(t, { pingInterval: IV, pingMax: 2 });
  const child = await spawnClient(srv.url, 'frozen-sub');
  t.after(() => { child.kill('SIGKILL'); });
  const nc = await connect({ servers: srv.url, name: 'feeder' });
  t.after(() => nc.close());
  const timer = setInterval(() => nc.publish('fault.feed', 'tick'), 20);
  t.after(() => clearInterval(timer));
  const closed = closeOf(srv, (c) => c.opts.name === 'frozen-sub');
  const t0 = Date.now();
  child.kill('SIGSTOP');
  const r = await closed;
  assert.equal(r.reason, 'Stale Connection');
  assert.ok(r.at - t0 <= IV * 4 + 2000, `detected after ${r.at - t0}ms`);
});

test('a client behind a proxy that silently drops traffic (no FIN, no RST) is closed as stale', async (t) => {
  const srv = await withServer(t, { pingInterval: IV, pingMax: 2 });
  const proxy = await BlackholeProxy.start(srv.port);
  t.after(() => proxy.close());
  const nc = await connect({ servers: `nats://127.0.0.1:${proxy.port}`, name: 'behind-nat', pingInterval: 3600_000, reconnect: false });
  t.after(() => nc.close().catch(() => {}));
  nc.subscribe('fault.>', { callback: () => {} });
  await nc.flush();
  const closed = closeOf(srv, (c) => c.opts.name === 'behind-nat');
  const t0 = Date.now();
  proxy.blackhole();
  const r = await healthyWhile(srv, closed);
  assert.equal(r.reason, 'Stale Connection');
  assert.ok(r.at - t0 <= IV * 4 + 2000, `detected after ${r.at - t0}ms`);
});

test('ping_timeout catches the dead peer sooner', async (t) => {
  const srv = await withServer(t, { pingInterval: IV, pingMax: 10, pingTimeout: 100 });
  const proxy = await BlackholeProxy.start(srv.port);
  t.after(() => proxy.close());
  const nc = await connect({ servers: `nats://127.0.0.1:${proxy.port}`, name: 'nat2', pingInterval: 3600_000, reconnect: false });
  t.after(() => nc.close().catch(() => {}));
  await nc.flush();
  const closed = closeOf(srv, (c) => c.opts.name === 'nat2');
  const t0 = Date.now();
  proxy.blackhole();
  const r = await closed;
  assert.equal(r.reason, 'Stale Connection');
  // ping_max 10 alone would take ~2.2s; ping_timeout closes at interval + timeout
  assert.ok(r.at - t0 <= IV + 100 + 1200, `detected after ${r.at - t0}ms`);
});

test('a client killed with SIGKILL is closed at once (Client Closed) and its subscriptions go', async (t) => {
  const srv = await withServer(t, { pingInterval: 60_000 });
  const child = await spawnClient(srv.url, 'killed');
  const subsBefore = srv.gacc.sl.size;
  assert.ok(subsBefore >= 1);
  const closed = closeOf(srv, (c) => c.opts.name === 'killed', 5000);
  child.kill('SIGKILL');
  const r = await closed;
  assert.ok(r.reason === 'Client Closed' || r.reason === 'Read Error', r.reason);
  assert.equal(srv.gacc.sl.size, subsBefore - 1);
});

test('FIN gives Client Closed; RST gives Read Error', async (t) => {
  const srv = await withServer(t);
  const a = (await RawConn.openAndInfo(srv.port)).c;
  a.send('CONNECT {"verbose":false,"name":"fin"}\r\n');
  await a.roundTrip();
  const ca = closeOf(srv, (c) => c.opts.name === 'fin');
  a.close();
  assert.equal((await ca).reason, 'Client Closed');
  const b = (await RawConn.openAndInfo(srv.port)).c;
  b.send('CONNECT {"verbose":false,"name":"rst"}\r\n');
  await b.roundTrip();
  const cb = closeOf(srv, (c) => c.opts.name === 'rst');
  b.reset();
  assert.equal((await cb).reason, 'Read Error');
});

test('TCP keepalive is on for accepted sockets (configurable), off when set to 0', async (t) => {
  const keepaliveTimer = (port: number) => {
    // /proc/net/tcp: local address is hex IP:PORT; "tr" 02 means the keepalive timer is armed
    const rows = readFileSync('/proc/net/tcp', 'utf8').trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    const row = rows.find((r) => r[1].endsWith(':' + hex) && r[3] === '01'); // 01 = ESTABLISHED
    return row ? row[5].split(':')[0] : 'none';
  };
  const on = await withServer(t, { tcpKeepAlive: 5000 });
  const a = (await RawConn.openAndInfo(on.port)).c;
  const off = await withServer(t, { tcpKeepAlive: 0 });
  const b = (await RawConn.openAndInfo(off.port)).c;
  assert.equal(keepaliveTimer(on.port), '02');
  assert.equal(keepaliveTimer(off.port), '00');
  a.close();
  b.close();
});
