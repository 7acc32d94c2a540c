// busy_poll (tsnats extension): after a flush the event loop keeps polling, without sleeping, for the
// configured window, then stops; 0 turns it off; shutdown stops it. Latency itself is measured in
// `npm run bench` (reqrep), not here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { startServer, type Server } from '../../src/index.js';

/** An in-process client that has subscribed to `s`; `roundTrip` publishes and resolves on its MSG. */
async function client(srv: Server): Promise<{ conn: Duplex; roundTrip: (onMsg: () => void) => Promise<number> }> {
  const conn = srv.connectInProcess();
  let buf = '';
  let waiter: ((text: string) => void) | null = null;
  conn.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    if (waiter) waiter(buf);
  });
  const until = (needle: string) => new Promise<void>((resolve) => {
    const check = (text: string) => {
      const i = text.indexOf(needle);
      if (i < 0) return;
      buf = text.slice(i + needle.length);
      waiter = null;
      resolve();
    };
    waiter = check;
    check(buf);
  });
  conn.write('CONNECT {"verbose":false}\r\nSUB s 1\r\nPING\r\n');
  await until('PONG\r\n');
  return {
    conn,
    roundTrip: async (onMsg) => {
      const t0 = performance.now();
      const got = until('hi\r\n');
      conn.write('PUB s 2\r\nhi\r\n');
      await new Promise<void>((resolve) => {
        const prev = waiter!;
        waiter = (text) => { if (text.includes('hi\r\n')) onMsg(); prev(text); };
        got.then(resolve);
        waiter(buf);
      });
      return performance.now() - t0;
    },
  };
}

async function eventually(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(what);
    await new Promise((r) => setTimeout(r, 2));
  }
}

test('busy_poll: polling after a delivery, for the window only', async () => {
  const window = 10; // ms, the largest allowed: the check below needs the delivery to land inside it
  const srv = await startServer({ port: 0, busyPoll: window });
  try {
    assert.equal(srv.busyPolling, false, 'idle: no polling before any flush');
    const c = await client(srv);
    await eventually(() => !srv.busyPolling, 2000, 'the handshake flush stops polling after its window');
    let seen = false;
    // A round trip slower than the window (a descheduled test process) says nothing: try again.
    for (let i = 0; i < 20 && !seen; i++) {
      let polling = false;
      const took = await c.roundTrip(() => { polling = srv.busyPolling; });
      if (took < window / 2) {
        assert.equal(polling, true, `polling when the message arrived ${took.toFixed(2)} ms after the PUB`);
        seen = true;
      }
      await eventually(() => !srv.busyPolling, 2000, 'polling stops after the window');
    }
    assert.ok(seen, 'no round trip fit in the window');
    c.conn.destroy();
  } finally {
    await srv.shutdown();
  }
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(srv.busyPolling, false, 'stopped with the server');
});

test('busy_poll: 0 never polls', async () => {
  const srv = await startServer({ port: 0, busyPoll: 0 });
  try {
    const c = await client(srv);
    for (let i = 0; i < 5; i++) {
      let polling = true;
      await c.roundTrip(() => { polling = srv.busyPolling; });
      assert.equal(polling, false);
    }
    c.conn.destroy();
  } finally {
    await srv.shutdown();
  }
});

test('busy_poll is reloadable and shown in /varz (ns)', async () => {
  const srv = await startServer({ port: 0, busyPoll: 0.1 });
  try {
    const { varz } = await import('../../src/monitor/varz.js');
    assert.equal(varz(srv).busy_poll, 100_000);
    const r = srv.reload({ ...srv.opts, busyPoll: 0.3 });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(varz(srv).busy_poll, 300_000);
  } finally {
    await srv.shutdown();
  }
});
