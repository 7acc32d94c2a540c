// The WebSocket listener's bad input (issue 16): an upgrade that never finishes, oversized headers,
// unmasked frames, a 2^63 frame length, invalid close codes, invalid UTF-8 in a text frame, a
// decompression bomb, clients that vanish — each gets the reference's answer or a clean close with
// a reason; a healthy client never notices; and after each round the server (a process of its own,
// leak-child.ts) is back to its baseline: no connections, subscriptions, timers, handles or heap left.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { wsconnect } from '@nats-io/nats-core';
import * as W from './hostile/ws-actions.js';
import { Healthy } from './hostile/healthy.js';
import { Child, settle, type Sample } from './leak-harness.js';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const MB = 1024 * 1024;
const ROUNDS = Number(process.env.TSNATS_LEAK_ROUNDS ?? 3);
const HEAP_SLACK = 3 * MB;
const OPTS = {
  pingInterval: 500, pingMax: 2, maxPending: MB, maxClosedClients: 50,
  websocket: { port: 0, compression: true, handshakeTimeout: 400 },
};

async function round(wsPort: number): Promise<void> {
  const r = await Promise.allSettled([
    W.slowUpgrade(wsPort).then((o) => assert.deepEqual([o.status, o.closedByServer], ['', true], 'unfinished upgrade: closed, unanswered')),
    W.hugeHeaders(wsPort).then((o) => assert.deepEqual([o.status, o.closedByServer], ['HTTP/1.1 431 Request Header Fields Too Large', true])),
    W.afterUpgrade(wsPort, [W.badFrames.unmasked!]).then((o) => assert.deepEqual(o.close, { status: 1002, reason: 'mask bit missing' })),
    W.afterUpgrade(wsPort, [W.badFrames.len2pow63!]).then((o) => assert.deepEqual(o.close, { status: 1002, reason: 'invalid payload length' })),
    W.afterUpgrade(wsPort, [W.badFrames.unknownOpcode!]).then((o) => assert.deepEqual(o.close, { status: 1002, reason: 'unknown opcode 3' })),
    W.afterUpgrade(wsPort, [W.badFrames.bigPing!]).then((o) => assert.equal(o.close?.status, 1002)),
    W.afterUpgrade(wsPort, [W.badFrames.orphanContinuation!]).then((o) => assert.deepEqual(o.close, { status: 1002, reason: 'invalid continuation frame' })),
    W.afterUpgrade(wsPort, [W.closeCode999]).then((o) => assert.deepEqual([o.close, o.closedByServer], [{ status: 999, reason: 'x' }, true])),
    W.afterUpgrade(wsPort, [W.bomb()], 'Sec-WebSocket-Extensions: permessage-deflate\r\n').then((o) =>
      assert.deepEqual(o.close, { status: 1009, reason: `decompressed message exceeds maximum allowed of ${MB + 4096 + 64 * 1024} bytes` })),
    W.invalidUtf8Text(wsPort).then((got) => assert.ok(got.includes('MSG z 1 2\r\n\xff\xfe\r\n'), JSON.stringify(got))),
    W.vanish(wsPort),
    (async () => { // ordinary browser-style clients come and go
      for (let i = 0; i < 5; i++) {
        const nc = await wsconnect({ servers: `ws://127.0.0.1:${wsPort}`, name: `ws-ordinary-${i}`, reconnect: false });
        nc.subscribe(`o.${i}`, { callback: (_e, m) => { m.respond('ok'); } });
        await nc.request(`o.${i}`, 'hi', { timeout: 2000 });
        await nc.close();
      }
    })(),
  ]);
  const failed = r.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (failed) throw failed.reason;
}

describe('WebSocket bad input leaves nothing behind', () => {
  it(`${ROUNDS} rounds of hostile WebSocket clients: the reference's answers, a healthy client unaffected, no leaks`, { timeout: 120_000 }, async (t) => {
    const { child, before } = await Child.start();
    let healthy: Healthy | null = null;
    try {
      const { port, wsPort } = await child.ask<{ port: number; wsPort: number }>('start', OPTS);
      assert.ok(wsPort > 0, 'the WebSocket listener is up');
      healthy = await Healthy.start(`nats://127.0.0.1:${port}`);
      await round(wsPort); // warm-up
      const base = await settle(child, null, 1);
      assert.equal(base.clients, 1, 'only the healthy client');
      const heaps: number[] = [];
      let last: Sample = base;
      for (let i = 0; i < ROUNDS; i++) {
        await round(wsPort);
        last = await settle(child, base, 1);
        heaps.push(last.heapUsed);
        const where = `after round ${i + 1}: ${JSON.stringify(last)}\nbaseline: ${JSON.stringify(base)}`;
        assert.equal(last.clients, 1, `connections left ${where}`);
        assert.deepEqual(last.subs, base.subs, `subscriptions left ${where}`);
        assert.deepEqual(last.resources, base.resources, `timers or sockets left ${where}`);
        assert.deepEqual(last.handles, base.handles, `handles left ${where}`);
      }
      const growth = heaps[heaps.length - 1]! - base.heapUsed;
      t.diagnostic(`heapUsed after gc: baseline ${(base.heapUsed / MB).toFixed(2)} MB, after each round ${heaps.map((h) => (h / MB).toFixed(2)).join(', ')} MB`);
      assert.ok(growth < HEAP_SLACK, `heap grew by ${(growth / MB).toFixed(2)} MB`);
      const h = healthy;
      healthy = null;
      await h.assertUnaffected(`${ROUNDS + 1} WebSocket rounds`);
      const after = await child.ask<Sample>('shutdown');
      assert.deepEqual(after.resources, before.resources, `after shutdown: ${JSON.stringify(after)}\nbefore start: ${JSON.stringify(before)}`);
      assert.deepEqual(after.handles, before.handles, 'handles after shutdown');
    } finally {
      await healthy?.stop().catch(() => {});
      child.stop();
    }
  });
});
