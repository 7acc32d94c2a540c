// Keepalive exactly as nats-server (reference §2.1), with short intervals and bounds that leave
// room for a loaded 2-core machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn } from '../helpers/raw.js';
import { withServer, logCollector } from '../helpers/tsnats.js';

const IV = 200; // ping_interval in these tests

async function client(port: number, connect = '{"verbose":false}') {
  const { c } = await RawConn.openAndInfo(port);
  c.send(`CONNECT ${connect}\r\n`);
  return c;
}

/** Times (ms since t0) at which each PING arrives, and when the connection closed. */
async function timeline(c: RawConn, t0: number, untilMs: number, answer: (n: number) => boolean) {
  const pings: number[] = [];
  let n = 0;
  const deadline = t0 + untilMs;
  while (!c.closed && Date.now() < deadline) {
    let line: string;
    try {
      line = await c.readLine(Math.max(1, deadline - Date.now()));
    } catch {
      break;
    }
    if (line === 'PING') {
      pings.push(Date.now() - t0);
      if (answer(++n)) c.send('PONG\r\n');
    } else if (line.startsWith('-ERR')) {
      await c.readUntilClose(2000).catch(() => '');
      return { pings, err: line, closedAt: Date.now() - t0 };
    }
  }
  return { pings, err: '', closedAt: c.closed ? Date.now() - t0 : -1 };
}

test('silent client: PING at ~1 interval, then every interval, -ERR Stale Connection on the 3rd tick', async (t) => {
  const logs = logCollector();
  const srv = await withServer(t, { pingInterval: IV, pingMax: 2, log: logs.log });
  const c = await client(srv.port, '{"verbose":false,"name":"zombie"}');
  // From the CONNECT (the connection's set-up is not part of the timeline: under load it alone took ~0.5 s).
  const t0 = Date.now();
  const r = await timeline(c, t0, 5000, () => false);
  assert.equal(r.err, "-ERR 'Stale Connection'");
  assert.equal(r.pings.length, 2, `pings at ${r.pings}`);
  // first PING: min(interval, 2s) + up to 20% jitter after CONNECT
  // (the upper bound leaves a loaded machine 0.8 s and still catches the 2 s cap or a missed first PING)
  assert.ok(r.pings[0] >= IV - 50 && r.pings[0] <= IV * 1.2 + 800, `first PING at ${r.pings[0]}`);
  // The second PING one interval after the first: seen from here a PING can only arrive late, so the
  // gap between two arrivals can shrink (a late first one); the time since CONNECT cannot.
  assert.ok(r.pings[1] >= 2 * IV - 10, `second PING at ${r.pings[1]}`);
  assert.ok(r.closedAt >= 3 * IV - 10 && r.closedAt <= 3 * IV * 1.2 + 1500, `closed at ${r.closedAt}`);
  const line = await logs.wait(/Stale Client Connection - Closing/);
  assert.match(line, /\[WRN\] 127\.0\.0\.1:\d+ - cid:\d+ - "zombie" - Stale Client Connection - Closing \(idle \S+, pings outstanding 2, pending \d+ bytes, subscriptions 0, rtt \S+, account "\$G", user ""\)/);
  assert.equal(srv.stats.staleConnections, 1);
  assert.equal(srv.stats.staleClients, 1);
  const closed = srv.closedClients.list().at(-1)!;
  assert.equal(closed.reason, 'Stale Connection');
  assert.equal(closed.name, 'zombie');
});

test('PONG resets the count: a client that answers stays connected', async (t) => {
  const srv = await withServer(t, { pingInterval: IV, pingMax: 2 });
  const t0 = Date.now();
  const c = await client(srv.port);
  const r = await timeline(c, t0, IV * 7, () => true);
  assert.equal(r.err, '');
  assert.equal(c.closed, false);
  assert.ok(r.pings.length >= 4, `pings at ${r.pings}`);
  const conn = [...srv.clients.values()][0];
  assert.ok(conn.rtt > 0 && conn.rtt < 1000, `rtt ${conn.rtt}`);
  c.close();
});

test('activity delays PINGs (but the first is always sent); PINGs resume when it stops', async (t) => {
  const logs = logCollector();
  // A longer interval than the other tests, and a publish every 1/16 of it: only a stall of most of an
  // interval on a loaded machine could look like inactivity.
  const iv = 2 * IV;
  const srv = await withServer(t, { pingInterval: iv, pingMax: 2, log: logs.log, debug: true });
  const t0 = Date.now();
  const c = await client(srv.port);
  // publish every iv/16 for ~6 intervals, never answering PINGs
  const timer = setInterval(() => c.send('PUB busy 1\r\nx\r\n'), iv / 16);
  const busy = await timeline(c, t0, iv * 6, () => false);
  clearInterval(timer);
  assert.equal(busy.err, '');
  assert.equal(busy.pings.length, 1, `only the first PING while active: ${busy.pings}`);
  await logs.wait(/Delaying PING due to client activity/);
  // now silent: one more PING, then stale (2 outstanding)
  const idle = await timeline(c, Date.now(), 5000, () => false);
  assert.equal(idle.err, "-ERR 'Stale Connection'");
  assert.equal(idle.pings.length, 1);
});

test('a client PING also delays the server PING', async (t) => {
  const logs = logCollector();
  const srv = await withServer(t, { pingInterval: IV, pingMax: 2, log: logs.log, debug: true });
  const t0 = Date.now();
  const c = await client(srv.port);
  const timer = setInterval(() => c.send('PING\r\n'), IV / 4);
  const r = await timeline(c, t0, IV * 5, () => false);
  clearInterval(timer);
  assert.equal(r.err, '');
  assert.equal(r.pings.length, 1);
  await logs.wait(/Delaying PING due to remote ping/);
  c.close();
});

test('ping_timeout (extension): an unanswered PING closes within ping_interval + ping_timeout', async (t) => {
  const logs = logCollector();
  const srv = await withServer(t, { pingInterval: IV, pingMax: 5, pingTimeout: 100, log: logs.log });
  const t0 = Date.now();
  const c = await client(srv.port);
  const r = await timeline(c, t0, 5000, () => false);
  assert.equal(r.err, "-ERR 'Stale Connection'");
  assert.equal(r.pings.length, 1);
  assert.ok(r.closedAt - r.pings[0] >= 90 && r.closedAt - r.pings[0] <= 1000, `closed ${r.closedAt - r.pings[0]}ms after the PING`);
  await logs.wait(/Stale Client Connection - Closing \(no PONG within ping_timeout 100ms/);
});

test('ping_timeout off by default: pings_max decides', async (t) => {
  const srv = await withServer(t, { pingInterval: IV, pingMax: 2 });
  assert.equal(srv.opts.pingTimeout, 0);
});

test('a client that never sends CONNECT is pinged at ping_interval and closed as stale', async (t) => {
  const srv = await withServer(t, { pingInterval: IV, pingMax: 1 });
  const t0 = Date.now();
  const { c } = await RawConn.openAndInfo(srv.port);
  const r = await timeline(c, t0, 5000, () => false);
  assert.equal(r.err, "-ERR 'Stale Connection'");
  assert.equal(r.pings.length, 1);
  assert.ok(r.pings[0] >= IV - 10, `first PING at ${r.pings[0]}`);
});

test('defaults are 2m and 2', async (t) => {
  const srv = await withServer(t);
  assert.equal(srv.opts.pingInterval, 120_000);
  assert.equal(srv.opts.pingMax, 2);
});
