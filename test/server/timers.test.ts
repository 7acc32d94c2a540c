// Node runs a setTimeout delay above 2^31−1 ms (~24.8 days) after 1 ms. Every timer with a delay from
// config, claims or clients goes through timers.ts: one test per kind with a delay past the limit
// (issue: a user JWT valid for 30 days was expired at once, authorization.timeout of 3,000,000 s
// timed every client out at once).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timer, MAX_TIMER_MS } from '../../src/timers.js';
import { withServer } from '../helpers/tsnats.js';
import { RawConn } from '../helpers/raw.js';
import { Operators, rawAuth, sync } from '../auth/helpers.js';

const DAY_MS = 24 * 3600 * 1000;
const DAYS_30 = 30 * DAY_MS;
const now = () => Math.floor(Date.now() / 1000);

test('Timer: a delay past the limit does not fire at once; chaining reaches the deadline', async (t) => {
  // Timers are unref'd (they never keep a process alive): hold the loop open while waiting on them.
  const hold = setInterval(() => {}, 1000);
  t.after(() => clearInterval(hold));
  let fired = false;
  const long = new Timer(() => (fired = true), MAX_TIMER_MS + 1000);
  // A bare setTimeout with this delay fires after 1 ms; give it ample time to misbehave.
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(fired, false);
  long.clear();
  // The chain, with 20 ms chunks standing in for the 24.8-day limit: fires once, at the deadline.
  const t0 = Date.now();
  let n = 0;
  await new Promise<void>((resolve) => new Timer(() => { n++; resolve(); }, 130, 20));
  assert.equal(n, 1);
  assert.ok(Date.now() - t0 >= 125, `fired after ${Date.now() - t0} ms`);
  // refresh() re-arms a chained timer from now; clear() stops it.
  let m = 0;
  const r = new Timer(() => m++, 60, 20);
  await new Promise((res) => setTimeout(res, 40));
  r.refresh();
  await new Promise((res) => setTimeout(res, 40));
  assert.equal(m, 0, 'refreshed before its deadline');
  r.clear();
  await new Promise((res) => setTimeout(res, 80));
  assert.equal(m, 0, 'cleared');
  // Infinity and NaN never fire.
  new Timer(() => assert.fail('Infinity fired'), Infinity).clear();
});

test('authorization timeout past the limit: a client that sends nothing is not timed out at once', async (t) => {
  const srv = await withServer(t, { username: 'a', password: 'b', authTimeout: 3_000_000_000 });
  const { c } = await RawConn.openAndInfo(srv.port);
  assert.equal(await c.drain(100), '', 'no -ERR \'Authentication Timeout\'');
  assert.equal(c.closed, false, 'still connected');
  c.send('CONNECT {"verbose":false,"user":"a","pass":"b"}\r\n');
  assert.equal(await c.roundTrip(), 'PONG\r\n');
  c.close();
});

test('ping_interval and write_deadline past the limit: no immediate PING, no stale close', async (t) => {
  const srv = await withServer(t, { pingInterval: DAYS_30, writeDeadline: DAYS_30, disableShortFirstPing: true });
  const { c } = await RawConn.openAndInfo(srv.port);
  c.send('CONNECT {"verbose":false}\r\nSUB x 1\r\nPUB x 2\r\nhi\r\n');
  const out = await c.roundTrip();
  assert.equal(out, 'MSG x 1 2\r\nhi\r\nPONG\r\n');
  assert.equal(await c.drain(100), '', 'no PING, no -ERR');
  assert.equal(c.closed, false);
  c.close();
});

test('a user JWT and an account JWT that expire in 30 days: connected and not expired', async (t) => {
  const ops = await new Operators().init();
  const acc = await ops.account('APP', {}, { exp: now() + 30 * 24 * 3600 });
  const u = await ops.user('month', acc.kp, {}, { exp: now() + 30 * 24 * 3600 });
  const srv = await withServer(t, ops.options({ [acc.kp.getPublicKey()]: acc.jwt }));
  const { c } = await rawAuth(srv.port, { jwt: u.jwt }, u.kp);
  assert.equal(await sync(c), 'PONG\r\n');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await sync(c), 'PONG\r\n', 'still connected, no -ERR');
  c.close();
});

test('lame duck duration past the limit: entering lame duck mode does not close clients at once', async (t) => {
  const srv = await withServer(t, { lameDuckDuration: 40 * DAY_MS, lameDuckGracePeriod: DAYS_30 });
  const { c } = await RawConn.openAndInfo(srv.port);
  c.send('CONNECT {"verbose":false,"protocol":1}\r\n');
  assert.equal(await c.roundTrip(), 'PONG\r\n');
  void srv.lameDuckMode();
  assert.match(await c.readLine(), /"ldm":true/);
  await c.drain(100);
  assert.equal(c.closed, false, 'the grace period has not passed');
  c.close();
});

test('websocket handshake_timeout and authorization timeout past the limit: neither fires at once', async (t) => {
  const srv = await withServer(t, { websocket: { port: 0, handshakeTimeout: DAYS_30, authorization: { user: 'u', password: 'p', timeout: DAYS_30 } } });
  const wsPort = srv.service<{ readonly name: string; readonly port: number }>('websocket')!.port;
  // An unfinished upgrade request stays open.
  const c = await RawConn.open(wsPort);
  c.send('GET / HTTP/1.1\r\nHost: x\r\n');
  assert.equal(await c.until((_b, closed) => closed, 100), false, 'not closed by the handshake timeout at once');
  c.close();
  // An upgraded client that does not authenticate is not timed out at once.
  const { WsRaw } = await import('../websocket/wsraw.js');
  const ws = await WsRaw.open(wsPort);
  await ws.readNats('INFO ');
  assert.equal(await ws.conn.until((_b, closed) => closed, 100), false, 'no Authentication Timeout at once');
  ws.sendNats('CONNECT {"verbose":false,"user":"u","pass":"p"}\r\nPING\r\n');
  await ws.readNats('PONG\r\n');
  ws.close();
});
