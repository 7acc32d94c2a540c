// The official nats.js v3 client (@nats-io/transport-node) against tsnats.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { startServer, type Server } from '../../src/index.js';

describe('nats.js v3', () => {
  let srv: Server;
  let nc: NatsConnection;
  before(async () => {
    srv = await startServer({ port: 0 });
    nc = await connect({ servers: srv.url, name: 'official' });
  });
  after(async () => {
    await nc.close();
    await srv.shutdown();
  });

  test('connect: the server sees the named connection', () => {
    const c = [...srv.clients.values()].find((x) => x.opts.name === 'official');
    assert.ok(c, 'connection named "official"');
    assert.equal(c!.opts.lang, 'nats.js');
    assert.equal(c!.headers, true);
  });

  test('pub/sub with wildcards', async () => {
    const got: string[] = [];
    const s1 = nc.subscribe('orders.*', { callback: (_e, m) => { got.push(`*:${m.subject}`); } });
    const s2 = nc.subscribe('orders.>', { callback: (_e, m) => { got.push(`>:${m.subject}`); } });
    nc.publish('orders.new', 'a');
    nc.publish('orders.eu.new', 'b');
    await nc.flush();
    await new Promise((r) => setTimeout(r, 20));
    s1.unsubscribe();
    s2.unsubscribe();
    assert.deepEqual(got.sort(), ['*:orders.new', '>:orders.eu.new', '>:orders.new']);
  });

  test('queue groups: each message to one member', async () => {
    const counts = [0, 0, 0];
    const subs = counts.map((_, i) => nc.subscribe('jobs', { queue: 'workers', callback: () => { counts[i]++; } }));
    const nc2 = await connect({ servers: srv.url });
    for (let i = 0; i < 300; i++) nc2.publish('jobs', String(i));
    await nc2.flush();
    await nc.flush();
    await new Promise((r) => setTimeout(r, 20));
    for (const s of subs) s.unsubscribe();
    await nc2.close();
    assert.equal(counts.reduce((a, b) => a + b, 0), 300);
    assert.ok(counts.every((c) => c > 0), `all members got work: ${counts}`);
  });

  test('request/reply', async () => {
    const sub = nc.subscribe('svc.echo', { callback: (_e, m) => { m.respond(`echo:${m.string()}`); } });
    const r = await nc.request('svc.echo', 'hi', { timeout: 2000 });
    assert.equal(r.string(), 'echo:hi');
    sub.unsubscribe();
  });

  test('headers round-trip', async () => {
    const h = headers();
    h.set('X-Trace', 'abc');
    const p = new Promise<string>((resolve) => {
      const sub = nc.subscribe('hdr', { max: 1, callback: (_e, m) => resolve(`${m.headers?.get('X-Trace')}:${m.string()}`) });
      void sub;
    });
    await nc.flush();
    nc.publish('hdr', 'body', { headers: h });
    assert.equal(await p, 'abc:body');
  });

  test('no responders', async () => {
    await assert.rejects(nc.request('nobody.home', 'x', { timeout: 2000 }), (e: Error & { code?: string }) => /no responders/i.test(e.message));
  });

  test('flush round-trips', async () => {
    const t0 = Date.now();
    await nc.flush();
    assert.ok(Date.now() - t0 < 2000);
  });

  test('echo: false', async () => {
    const nc3 = await connect({ servers: srv.url, noEcho: true });
    let own = 0;
    nc3.subscribe('echo.test', { callback: () => { own++; } });
    nc3.publish('echo.test', 'x');
    await nc3.flush();
    let other = 0;
    const sub = nc.subscribe('echo.test', { callback: () => { other++; } });
    await nc.flush();
    nc3.publish('echo.test', 'y');
    await nc3.flush();
    await nc.flush();
    await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    await nc3.close();
    assert.equal(own, 0);
    assert.equal(other, 1);
  });

  test('drain delivers in-flight messages then closes, and the server sees Client Closed', async () => {
    const nc4 = await connect({ servers: srv.url, name: 'drainer' });
    let n = 0;
    nc4.subscribe('drain.me', { callback: () => { n++; } });
    await nc4.flush();
    for (let i = 0; i < 1000; i++) nc.publish('drain.me', 'x');
    await nc.flush();
    const closed = new Promise<string>((resolve) => srv.once('client:close', (c, reason) => c.opts.name === 'drainer' && resolve(reason)));
    await nc4.drain();
    assert.equal(n, 1000);
    assert.equal(await closed, 'Client Closed');
  });
});
