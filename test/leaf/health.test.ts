// Health of leaf connections on a tsnats hub: a leaf that stops reading is cut at write_deadline
// as a slow consumer (kind leafs in /varz, the reason in /connz?state=closed, the log line), a leaf
// that stops answering PINGs is closed as stale, and every close carries its reason; the publisher
// and the other connections carry on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { RawConn } from '../helpers/raw.js';
import { withServer, logCollector, monitorPort } from '../helpers/tsnats.js';
import { eventually } from '../helpers/leaf.js';

async function json(port: number, path: string): Promise<any> {
  return (await fetch(`http://127.0.0.1:${port}${path}`)).json();
}

/** A fake leaf on `port` that completed the handshake (its interest sent). */
async function fakeLeaf(port: number, subs: string): Promise<RawConn> {
  const c = await RawConn.open(port);
  await c.readLine();
  c.send(`CONNECT ${JSON.stringify({ name: 'SLOW', cluster: 'SC', headers: true, version: '2.9.10' })}\r\n${subs}PING\r\n`);
  // The INFO answering CONNECT, the hub's interest, then our PONG.
  for (let i = 0; i < 50; i++) {
    const line = await c.readLine();
    if (line === 'PONG') break;
  }
  return c;
}

describe('leaf connection health on a tsnats hub', () => {
  test('a leaf that stops reading: Slow Consumer (Write Deadline), counted as a leaf; the publisher carries on', async (t) => {
    const logs = logCollector();
    const hub = await withServer(t, { httpPort: -1, writeDeadline: 200, log: logs.log, leafnodes: { host: '127.0.0.1', port: -1 } });
    const lp = (hub.service('leafnodes') as unknown as { leafnodes: { port: number } }).leafnodes.port;
    const leaf = await fakeLeaf(lp, 'LS+ big.>\r\n');
    leaf.sock.pause();
    const nc = await connect({ servers: hub.url });
    t.after(() => nc.close());
    const payload = new Uint8Array(64 * 1024);
    await eventually(async () => {
      for (let i = 0; i < 50; i++) nc.publish('big.x', payload);
      await nc.flush();
      const z = await json(monitorPort(hub), '/leafz');
      return z.leafnodes === 0;
    }, 20_000, 'the slow leaf closed');
    await logs.wait(/lid:\d+ - Slow Consumer Detected: WriteDeadline of 200ms exceeded with \d+ chunks of \d+ total bytes\./, 2000);
    await logs.wait(/Leafnode connection closed: Slow Consumer \(Write Deadline\) account: \$G/, 2000);
    const v = await json(monitorPort(hub), '/varz');
    assert.ok(v.slow_consumer_stats.leafs >= 1, JSON.stringify(v.slow_consumer_stats));
    assert.equal(v.slow_consumer_stats.clients, 0);
    const closed = await json(monitorPort(hub), '/connz?state=closed');
    assert.equal(closed.connections.find((c: any) => c.kind === 'Leafnode').reason, 'Slow Consumer (Write Deadline)');
    // The publisher is fine.
    const rep = nc.subscribe('ok');
    await nc.flush();
    nc.publish('ok', 'still');
    for await (const m of rep) {
      assert.equal(m.string(), 'still');
      break;
    }
    leaf.sock.destroy();
  });

  test('a leaf that stops answering PINGs: -ERR \'Stale Connection\', closed as stale', async (t) => {
    const logs = logCollector();
    const hub = await withServer(t, { httpPort: -1, pingInterval: 150, pingMax: 1, log: logs.log, leafnodes: { host: '127.0.0.1', port: -1 } });
    const lp = (hub.service('leafnodes') as unknown as { leafnodes: { port: number } }).leafnodes.port;
    const leaf = await fakeLeaf(lp, 'LS+ a\r\n');
    const t0 = Date.now();
    const rest = await leaf.readUntilClose(5000);
    const took = Date.now() - t0;
    assert.match(rest, /^(PING\r\n)+-ERR 'Stale Connection'\r\n$/);
    assert.ok(took >= 200 && took < 3000, `stale after ${took}ms`);
    await logs.wait(/Stale Leafnode Connection - Closing/, 2000);
    const v = await json(monitorPort(hub), '/varz');
    assert.equal(v.stale_connection_stats.leafs, 1);
    const closed = await json(monitorPort(hub), '/connz?state=closed');
    assert.deepEqual(closed.connections.filter((c: any) => c.kind === 'Leafnode').map((c: any) => [c.reason, c.name]), [['Stale Connection', 'SLOW']]);
  });

  test('garbage after CONNECT: Unknown Protocol Operation, a Protocol Violation close, no leak', async (t) => {
    const hub = await withServer(t, { httpPort: -1, leafnodes: { host: '127.0.0.1', port: -1 } });
    const lp = (hub.service('leafnodes') as unknown as { leafnodes: { port: number } }).leafnodes.port;
    for (let i = 0; i < 20; i++) {
      const leaf = await fakeLeaf(lp, `LS+ s${i}\r\n`);
      leaf.send('XYZZY\r\n');
      assert.equal(await leaf.readUntilClose(), "-ERR 'Unknown Protocol Operation'\r\n");
    }
    // Nothing left behind: no leaf registered, their interest gone from the account.
    const z = await json(monitorPort(hub), '/leafz');
    assert.equal(z.leafnodes, 0);
    const subs = await json(monitorPort(hub), '/subsz?subs=1');
    assert.ok(!JSON.stringify(subs).includes('"s1'), JSON.stringify(subs).slice(0, 300));
    const closed = await json(monitorPort(hub), '/connz?state=closed');
    assert.equal(closed.connections.filter((c: any) => c.kind === 'Leafnode' && c.reason === 'Protocol Violation').length, 20);
  });
});
