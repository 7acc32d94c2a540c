// The official nats.js WebSocket client (@nats-io/nats-core wsconnect, with `ws` as the W3C
// WebSocket Node 20 lacks) against the engine over the WebSocket transport.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { wsconnect, headers } from '@nats-io/nats-core';
import { startWsHarness } from './harness.js';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

for (const compression of [false, true]) {
  test(`wsconnect: pub/sub, request/reply, headers, drain${compression ? ' (permessage-deflate)' : ''}`, async (t) => {
    const h = await startWsHarness(t, {}, { compression });
    const nc = await wsconnect({ servers: `ws://127.0.0.1:${h.wsPort}`, name: 'wsconnect-test' });
    t.after(() => nc.close());
    assert.equal(nc.info?.proto, 1);
    // The engine sees a websocket connection.
    const client = [...(h.srv as unknown as { clients: Map<number, { type: string; opts: { name?: string } }> }).clients.values()].find((c) => c.opts.name === 'wsconnect-test');
    assert.equal(client?.type, 'websocket');

    const got: string[] = [];
    const sub = nc.subscribe('greet.*', { callback: (_e, m) => { got.push(`${m.subject}:${m.string()}:${m.headers?.get('X-Id') ?? ''}`); } });
    nc.subscribe('svc', { callback: (_e, m) => { m.respond(`re:${m.string()}`); } });
    const hdr = headers();
    hdr.set('X-Id', '7');
    nc.publish('greet.a', 'hello', { headers: hdr });
    const big = 'b'.repeat(200_000);
    nc.publish('greet.big', big);
    const r = await nc.request('svc', 'ping', { timeout: 2000 });
    assert.equal(r.string(), 're:ping');
    await nc.flush();
    assert.deepEqual(got, ['greet.a:hello:7', `greet.big:${big}:`]);
    // Many messages in a burst.
    const n = 5000;
    let count = 0;
    const done = new Promise<void>((resolve) => nc.subscribe('burst', { callback: () => { if (++count === n) resolve(); } }));
    for (let i = 0; i < n; i++) nc.publish('burst', `m${i}`);
    await done;
    sub.unsubscribe();
    await nc.drain();
  });
}
