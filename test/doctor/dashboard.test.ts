// The dashboard (/dashboard) in headless Chromium: connection rows appear, sorting by idle works,
// a close shows up in recent closes; the counters and accounts are shown; it works under
// http_base_path; and its data endpoint directly.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type Server } from '../../src/index.js';
import { stagedOptions, natsClient, closeOf, stageAll, type Staged } from './stage.js';
import { hasChromium, openBrowser, type Browser } from '../helpers/browser.js';
import { get } from '../monitor/helpers.js';
import { monitorPort } from '../helpers/tsnats.js';

/** Waits for the page's next refresh after now (the script counts them on <body data-updates>). */
async function nextUpdate(b: Browser): Promise<void> {
  const n = Number((await b.page.getAttribute('body', 'data-updates')) ?? 0);
  await b.page.waitForFunction((k) => Number((globalThis as any).document.body.dataset.updates || 0) > k, n, { timeout: 10_000 });
}

describe('dashboard in Chromium', { skip: !hasChromium() && !process.env.CI && 'Debian chromium is not installed (apt-get install -y chromium)' }, () => {
  let s: Staged;
  let b: Browser;
  before(async () => {
    s = await stageAll();
    b = await openBrowser();
  });
  after(async () => {
    await b?.close();
    await s?.stop();
  });

  test('rows appear; counters, recent closes and accounts are shown', async () => {
    await b.page.goto(`${s.httpUrl}/dashboard?interval=250`);
    await b.page.waitForSelector('#conns tbody tr[data-cid]');
    const names = await b.page.$$eval('#conns tbody tr td.name', (tds) => tds.map((t) => t.textContent));
    for (const n of ['orders-api', 'orders-worker', 'tenant-a-1', '(unnamed)']) assert.ok(names.includes(n), `${n} in ${names}`);
    assert.equal(await b.page.textContent('#c-stale'), '1');
    assert.equal(await b.page.textContent('#c-slow'), '1');
    assert.ok(Number(await b.page.textContent('#c-stalled')) >= 1);
    const reasons = await b.page.$$eval('#closed tbody td.reason', (tds) => tds.map((t) => t.textContent));
    assert.ok(reasons.includes('Stale Connection'), String(reasons));
    assert.ok(reasons.some((r) => r!.startsWith('Slow Consumer')), String(reasons));
    assert.equal(await b.page.textContent('#accounts tr[data-account="A"] td.num'), '4 / 5');
    assert.match((await b.page.getAttribute('#accounts tr[data-account="A"] .bar > div', 'class'))!, /warn/);
  });

  test('sorting by idle: the most idle first; by msgs: the busiest first', async () => {
    // Activity on one connection makes it the least idle.
    const busy = s.ncs[0]!;
    busy.publish('orders.new', 'x');
    await busy.flush();
    await b.page.click('#conns th[data-sort="msgs"]');
    await b.page.waitForSelector('#conns th[data-sort="msgs"].sorted');
    await nextUpdate(b);
    const msgs = await b.page.$$eval('#conns tbody tr[data-cid]', (trs) => trs.map((t) => Number((t as any).dataset.msgs)));
    assert.deepEqual(msgs, [...msgs].sort((x, y) => y - x));
    await b.page.click('#conns th[data-sort="idle"]');
    await b.page.waitForSelector('#conns th[data-sort="idle"].sorted');
    await nextUpdate(b);
    const idle = await b.page.$$eval('#conns tbody tr[data-cid]', (trs) => trs.map((t) => Number((t as any).dataset.idleMs)));
    assert.ok(idle.length >= 8);
    assert.deepEqual(idle, [...idle].sort((x, y) => y - x));
    const last = await b.page.$$eval('#conns tbody tr[data-cid] td.name', (tds) => tds.map((t) => t.textContent));
    // orders-api published, orders-worker got it: both just active, so last.
    assert.deepEqual(last.slice(-2).sort(), ['orders-api', 'orders-worker']);
    assert.match(b.page.url(), /sort=idle/);
  });

  test('a close shows up in recent closes with its reason', async () => {
    const nc = await natsClient(s.srv, { name: 'short-lived' });
    const cid = [...s.srv.clients.values()].find((c) => c.opts.name === 'short-lived')!.cid;
    await b.page.waitForSelector(`#conns tbody tr[data-cid="${cid}"]`);
    const closed = closeOf(s.srv, (c) => c.cid === cid);
    await nc.close();
    assert.equal(await closed, 'Client Closed');
    await b.page.waitForSelector(`#closed tbody tr[data-cid="${cid}"]`);
    assert.equal(await b.page.textContent(`#closed tbody tr[data-cid="${cid}"] td.reason`), 'Client Closed');
    await b.page.waitForSelector(`#conns tbody tr[data-cid="${cid}"]`, { state: 'detached' });
  });
});

test('dashboard under http_base_path, and its data endpoint', { skip: !hasChromium() && !process.env.CI && 'Debian chromium is not installed' }, async (t) => {
  const srv: Server = await startServer(stagedOptions({ httpBasePath: '/nats', pingInterval: 60_000 }));
  t.after(() => srv.shutdown());
  const nc = await natsClient(srv, { name: 'based' });
  t.after(() => nc.close());
  const port = monitorPort(srv);
  assert.equal((await get(port, '/dashboard')).status, 404);
  const page = await get(port, '/nats/dashboard');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  const js = await get(port, '/nats/dashboard/app.js');
  assert.match(String(js.headers['content-type']), /^text\/javascript/);
  const data = (await get(port, '/nats/dashboard/data?sort=msgs')).json<any>();
  assert.equal(data.sort, 'msgs');
  assert.equal(data.connections[0].name, 'based');
  assert.equal(typeof data.connections[0].idle_ms, 'number');
  assert.deepEqual(data.accounts.find((a: any) => a.name === 'A'), { name: 'A', conns: 0, max_connections: 5 });
  const b = await openBrowser();
  t.after(() => b.close());
  await b.page.goto(`http://127.0.0.1:${port}/nats/dashboard?interval=250`);
  await b.page.waitForSelector('#conns tbody tr[data-cid]');
  assert.equal(await b.page.textContent('#conns tbody td.name'), 'based');
});

test('dashboard of a cluster member: the mesh and a row per route with its RTT, pending bytes and age', { skip: !hasChromium() && !process.env.CI && 'Debian chromium is not installed' }, async (t) => {
  const b2: Server = await startServer({ port: 0, serverName: 'peer', cluster: { port: -1, host: '127.0.0.1', name: 'MESH' } });
  t.after(() => b2.shutdown());
  const peerPort = (b2.service('cluster') as any).cluster.port as number;
  const srv: Server = await startServer({ port: 0, httpPort: -1, serverName: 'me', cluster: { port: -1, host: '127.0.0.1', name: 'MESH' }, routes: [`nats-route://127.0.0.1:${peerPort}`] });
  t.after(() => srv.shutdown());
  const port = monitorPort(srv);
  let data: any;
  for (let i = 0; i < 100; i++) {
    data = (await get(port, '/dashboard/data')).json<any>();
    if (data.cluster?.routes.length === 1) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(data.cluster.name, 'MESH');
  const r = data.cluster.routes[0];
  assert.equal(r.name, 'peer');
  assert.equal(r.did_solicit, true);
  assert.equal(r.is_configured, true);
  for (const k of ['rtt_ms', 'pending_bytes', 'age_ms', 'idle_ms', 'subscriptions']) assert.equal(typeof r[k], 'number', k);
  const alone = (await get(monitorPort(await (async () => {
    const s: Server = await startServer({ port: 0, httpPort: -1 });
    t.after(() => s.shutdown());
    return s;
  })()), '/dashboard/data')).json<any>();
  assert.equal(alone.cluster, null);
  const b = await openBrowser();
  t.after(() => b.close());
  await b.page.goto(`http://127.0.0.1:${port}/dashboard?interval=250`);
  await b.page.waitForSelector('#routes tbody tr[data-rid]');
  assert.equal(await b.page.textContent('#cluster-name'), 'MESH');
  assert.match((await b.page.textContent('#mesh'))!, /^me.*peer · /);
  assert.match((await b.page.textContent('#routes tbody tr[data-rid]'))!, /peer.*dialled \(configured\)/);
});

test('dashboard with JetStream: streams with their limit use, consumers with what holds them up', { skip: !hasChromium() && !process.env.CI && 'Debian chromium is not installed' }, async (t) => {
  const srv: Server = await startServer({ port: 0, httpPort: -1, jetstream: { memoryOnly: true } });
  t.after(() => srv.shutdown());
  const { connect } = await import('@nats-io/transport-node');
  const nc = await connect({ servers: srv.url });
  t.after(() => nc.close());
  const enc = new TextEncoder();
  const api = (s: string, body: unknown) => nc.request(`$JS.API.${s}`, enc.encode(JSON.stringify(body)));
  await api('STREAM.CREATE.ORDERS', { name: 'ORDERS', subjects: ['orders.>'], max_msgs: 4, discard: 'new' });
  for (let i = 0; i < 4; i++) await nc.request('orders.new', enc.encode('x'));
  await api('CONSUMER.DURABLE.CREATE.ORDERS.STALL', { stream_name: 'ORDERS', config: { durable_name: 'STALL', ack_policy: 'explicit', max_ack_pending: 1 } });
  await api('CONSUMER.DURABLE.CREATE.ORDERS.NOSUB', { stream_name: 'ORDERS', config: { durable_name: 'NOSUB', deliver_subject: 'nobody.here' } });
  await nc.request('$JS.API.CONSUMER.MSG.NEXT.ORDERS.STALL', enc.encode('1'), { timeout: 3000, noMux: true });
  const port = monitorPort(srv);
  const data = (await get(port, '/dashboard/data')).json<any>();
  assert.deepEqual(data.jetstream.streams.map((s: any) => [s.name, s.messages, s.max_msgs, s.consumers]), [['ORDERS', 4, 4, 2]]);
  const stall = data.jetstream.consumers.find((c: any) => c.name === 'STALL');
  assert.deepEqual([stall.kind, stall.num_ack_pending, stall.max_ack_pending, stall.num_pending], ['pull', 1, 1, 3]);
  const plain: Server = await startServer({ port: 0, httpPort: -1 });
  t.after(() => plain.shutdown());
  assert.equal((await get(monitorPort(plain), '/dashboard/data')).json<any>().jetstream, null);
  const b = await openBrowser();
  t.after(() => b.close());
  await b.page.goto(`http://127.0.0.1:${port}/dashboard?interval=250`);
  await b.page.waitForSelector('#js-streams tbody tr[data-stream="ORDERS"]');
  assert.match((await b.page.getAttribute('#js-streams tr[data-stream="ORDERS"] .bar > div', 'class'))!, /bad/, 'at its max_msgs');
  assert.equal(await b.page.textContent('#js-consumers tr[data-consumer="ORDERS/STALL"] td.reason'), 'stalled at max_ack_pending');
  assert.equal(await b.page.textContent('#js-consumers tr[data-consumer="ORDERS/NOSUB"] td.reason'), 'no subscriber');
  assert.match((await b.page.textContent('#js-note'))!, /^1 stream · 2 consumers/);
});

test('dashboard of a leaf and of its hub: a row per leaf connection, the remotes, one not connected', { skip: !hasChromium() && !process.env.CI && 'Debian chromium is not installed' }, async (t) => {
  const hub: Server = await startServer({ port: 0, httpPort: -1, serverName: 'hub', leafnodes: { host: '127.0.0.1', port: -1 } });
  t.after(() => hub.shutdown());
  const hubLeafPort = (hub.service('leafnodes') as any).leafnodes.port as number;
  const leaf: Server = await startServer({
    port: 0, httpPort: -1, serverName: 'edge', accounts: [{ name: 'EDGE' }],
    leafnodes: { reconnect: 100, remotes: [{ url: `nats-leaf://127.0.0.1:${hubLeafPort}` }, { url: 'nats-leaf://127.0.0.1:1', account: 'EDGE' }] },
  });
  t.after(() => leaf.shutdown());
  let data: any;
  for (let i = 0; i < 100; i++) {
    data = (await get(monitorPort(leaf), '/dashboard/data')).json<any>();
    if (data.leafnodes?.leafs.length === 1 && data.leafnodes.remotes.some((r: any) => r.last_error)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(data.leafnodes.listen, '');
  const l = data.leafnodes.leafs[0];
  assert.deepEqual([l.role, l.name, l.account, l.port], ['hub', 'hub', '$G', hubLeafPort]);
  for (const k of ['rtt_ms', 'pending_bytes', 'age_ms', 'idle_ms', 'subscriptions']) assert.equal(typeof l[k], 'number', k);
  assert.deepEqual(data.leafnodes.remotes.map((r: any) => [r.account, r.connected]), [['$G', true], ['EDGE', false]]);
  assert.match(data.leafnodes.remotes[1].last_error, /connection refused/);
  const hd = (await get(monitorPort(hub), '/dashboard/data')).json<any>();
  assert.deepEqual([hd.leafnodes.leafs[0].role, hd.leafnodes.leafs[0].name, hd.leafnodes.listen], ['leaf', 'edge', `127.0.0.1:${hubLeafPort}`]);
  const b = await openBrowser();
  t.after(() => b.close());
  await b.page.goto(`http://127.0.0.1:${monitorPort(leaf)}/dashboard?interval=250`);
  await b.page.waitForSelector('#leafs tbody tr[data-lid]');
  assert.match((await b.page.textContent('#leafs tbody tr[data-lid]'))!, /hub.*our hub \(dialled\).*\$G/);
  assert.match((await b.page.textContent('#leaf-remotes'))!, /remote 127\.0\.0\.1:1 \(EDGE\) · not connected/);
  assert.equal(await b.page.getAttribute('#leaf-remotes .node.bad', 'title') !== null, true);
});
