// Health events for embedders: Server events and node:diagnostics_channel channels; counters
// exposed through the API; the closed-connection ring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { RawConn } from '../helpers/raw.js';
import { withServer } from '../helpers/tsnats.js';
import type { Client } from '../../src/index.js';

test('connect, stale and close arrive as Server events and on diagnostics channels', async (t) => {
  const srv = await withServer(t, { pingInterval: 100, pingMax: 1 });
  const seen: string[] = [];
  const onConnect = (m: unknown) => seen.push(`dc:connect:${(m as { client: Client }).client.opts.name}`);
  const onStale = (m: unknown) => seen.push(`dc:stale:${(m as { client: Client }).client.opts.name}`);
  const onClose = (m: unknown) => seen.push(`dc:close:${(m as { reason: string }).reason}`);
  diagnostics_channel.subscribe('tsnats:client:connect', onConnect);
  diagnostics_channel.subscribe('tsnats:client:stale', onStale);
  diagnostics_channel.subscribe('tsnats:client:close', onClose);
  t.after(() => {
    diagnostics_channel.unsubscribe('tsnats:client:connect', onConnect);
    diagnostics_channel.unsubscribe('tsnats:client:stale', onStale);
    diagnostics_channel.unsubscribe('tsnats:client:close', onClose);
  });
  srv.on('client:connect', (c: Client) => seen.push(`ev:connect:${c.opts.name}`));
  srv.on('client:stale', (c: Client) => seen.push(`ev:stale:${c.opts.name}`));
  const closed = new Promise<void>((r) => srv.on('client:close', (_c: Client, reason: string) => { seen.push(`ev:close:${reason}`); r(); }));
  const { c } = await RawConn.openAndInfo(srv.port);
  c.send('CONNECT {"verbose":false,"name":"ev"}\r\n');
  await closed;
  assert.deepEqual(seen, ['ev:connect:ev', 'dc:connect:ev', 'ev:stale:ev', 'dc:stale:ev', 'ev:close:Stale Connection', 'dc:close:Stale Connection']);
});

test('per-connection counters: in/out msgs and bytes, rtt, pending, last activity', async (t) => {
  const srv = await withServer(t);
  const { c } = await RawConn.openAndInfo(srv.port);
  c.send('CONNECT {"verbose":false,"name":"cnt"}\r\nSUB a 1\r\nPUB a 5\r\nhello\r\nPUB a 3\r\nabc\r\n');
  await c.roundTrip();
  const cl = [...srv.clients.values()].find((x) => x.opts.name === 'cnt')!;
  assert.equal(cl.inMsgs, 2);
  assert.equal(cl.inBytes, 8);
  assert.equal(cl.outMsgs, 2);
  assert.equal(cl.outBytes, 8);
  assert.equal(cl.pendingBytes, 0);
  assert.ok(cl.rtt > 0, 'initial rtt estimate from accept to CONNECT');
  assert.ok(Date.now() - cl.last < 5000);
  assert.equal(srv.stats.inMsgs, 2);
  assert.equal(srv.stats.outMsgs, 2);
  c.close();
});

test('the closed-connection ring keeps the last max_closed_clients, oldest first', async (t) => {
  const srv = await withServer(t, { maxClosedClients: 3 });
  for (let i = 0; i < 5; i++) {
    const { c } = await RawConn.openAndInfo(srv.port);
    c.send(`CONNECT {"verbose":false,"name":"c${i}"}\r\n`);
    await c.roundTrip();
    const closed = new Promise((r) => srv.once('client:close', r));
    c.close();
    await closed;
  }
  const list = srv.closedClients.list();
  assert.deepEqual(list.map((x) => x.name), ['c2', 'c3', 'c4']);
  assert.ok(list.every((x) => x.reason === 'Client Closed' && x.stop >= x.start));
  assert.equal(srv.closedClients.total, 5);
});
