// /connz: every sort key, paging, filters, subscription lists, auth fields, and closed
// connections with their reasons (stale, slow consumer, client close, authentication failure).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type Server } from '../../src/index.js';
import { RawConn } from '../helpers/raw.js';
import { get, getJSON, rawClient, readUntil, until } from './helpers.js';
import { monitorPort } from '../helpers/tsnats.js';

type Conn = Record<string, any>;
const cids = (cz: Conn) => (cz.connections as Conn[]).map((c) => c.cid);

describe('/connz', () => {
  let srv: Server;
  let port: number;
  const conns: RawConn[] = [];
  before(async () => {
    srv = await startServer({
      httpPort: -1,
      accounts: [{ name: 'APP', users: [{ user: 'alice', password: 'a' }, { user: 'bob', password: 'b' }] }],
    });
    port = monitorPort(srv);
    // Three connections with different traffic, so every sort key orders them differently.
    const a = await rawClient(srv.port, { user: 'alice', pass: 'a', name: 'a', lang: 'go', version: '1.2' }, 'SUB foo.* 1\r\nSUB bar workers 2\r\nSUB baz 3\r\n');
    const b = await rawClient(srv.port, { user: 'bob', pass: 'b', name: 'b', lang: 'python' }, 'SUB foo.x 1\r\n');
    const c = await rawClient(srv.port, { user: 'alice', pass: 'a', name: 'c' });
    conns.push(a, b, c);
    // c publishes 3 messages of 10 bytes to foo.x: a and b each get 3; b publishes one big one.
    c.send('PUB foo.x 10\r\n0123456789\r\n'.repeat(3) + 'PING\r\n');
    await readUntil(c, 'PONG\r\n');
    b.send(`PUB nobody 100\r\n${'x'.repeat(100)}\r\nPING\r\n`);
    await readUntil(b, 'PONG\r\n');
    await until(() => srv.stats.outMsgs === 6, 5000, 'deliveries');
  });
  after(async () => {
    for (const c of conns) c.close();
    await srv.shutdown();
  });

  test('the connection fields, in the reference units', async () => {
    const cz = await getJSON(port, '/connz');
    assert.equal(cz.server_id, srv.id);
    assert.deepEqual([cz.num_connections, cz.total, cz.offset, cz.limit], [3, 3, 0, 1024]);
    const [a] = cz.connections;
    assert.equal(a.kind, 'Client');
    assert.equal(a.type, 'nats');
    assert.equal(a.ip, '127.0.0.1');
    assert.equal(typeof a.port, 'number');
    assert.deepEqual([a.name, a.lang, a.version], ['a', 'go', '1.2']);
    assert.equal(a.subscriptions, 3);
    assert.deepEqual([a.in_msgs, a.out_msgs, a.in_bytes, a.out_bytes], [0, 3, 0, 30]);
    assert.equal(a.pending_bytes, 0);
    assert.match(a.rtt, /^\d+(\.\d+)?(ns|µs|ms|s)$/);
    assert.match(a.uptime, /^\d+s$/);
    assert.match(a.idle, /^\d+s$/);
    assert.match(a.start, /Z$/);
    assert.match(a.last_activity, /Z$/);
    assert.equal(a.stalls, undefined, 'stalls is omitted while zero');
    assert.equal(a.authorized_user, undefined, 'only with auth');
    assert.equal(a.subscriptions_list, undefined, 'only with subs');
  });

  test('sort keys order as the reference (cid/start/uptime ascend, counters descend)', async () => {
    const [a, b, c] = cids(await getJSON(port, '/connz'));
    const order = async (key: string) => cids(await getJSON(port, `/connz?sort=${key}`));
    assert.deepEqual(await order('cid'), [a, b, c]);
    assert.deepEqual(await order('start'), [a, b, c]);
    assert.deepEqual(await order('subs'), [a, b, c]);
    assert.deepEqual(await order('msgs_to'), [a, b, c]);
    assert.deepEqual(await order('bytes_to'), [a, b, c]);
    assert.deepEqual(await order('msgs_from'), [c, b, a]);
    assert.deepEqual(await order('bytes_from'), [b, c, a]);
    assert.deepEqual(await order('pending'), [a, b, c], 'ties keep cid order');
    // uptime ascends: the youngest connection first.
    assert.deepEqual(await order('uptime'), [c, b, a]);
    const rtt = (await getJSON(port, '/connz?sort=rtt')).connections;
    const ms = (s: string) => parseFloat(s) * (s.endsWith('µs') ? 1e-3 : s.endsWith('ns') ? 1e-6 : s.endsWith('ms') ? 1 : 1000);
    for (let i = 1; i < rtt.length; i++) assert.ok(ms(rtt[i - 1].rtt) >= ms(rtt[i].rtt), 'rtt descends');
  });

  test('sort=idle puts the most idle first, sort=last the most recently active', async () => {
    const [a, b, c] = cids(await getJSON(port, '/connz'));
    await new Promise((r) => setTimeout(r, 30));
    conns[0].send('PUB q 1\r\nx\r\nPING\r\n');
    await readUntil(conns[0], 'PONG\r\n');
    const idle = cids(await getJSON(port, '/connz?sort=idle'));
    assert.equal(idle[idle.length - 1], a, 'a just published: least idle');
    assert.equal(cids(await getJSON(port, '/connz?sort=last'))[0], a);
    assert.deepEqual(new Set(idle), new Set([a, b, c]));
  });

  test('limit and offset page the sorted list', async () => {
    const all = cids(await getJSON(port, '/connz'));
    const p1 = await getJSON(port, '/connz?limit=2');
    assert.deepEqual([cids(p1), p1.num_connections, p1.total, p1.limit], [all.slice(0, 2), 2, 3, 2]);
    const p2 = await getJSON(port, '/connz?limit=2&offset=2');
    assert.deepEqual([cids(p2), p2.offset], [all.slice(2), 2]);
    const past = await getJSON(port, '/connz?offset=10');
    assert.deepEqual([past.connections, past.total], [[], 3]);
    const neg = await getJSON(port, '/connz?offset=-3&limit=0');
    assert.deepEqual([neg.offset, neg.limit, neg.num_connections], [0, 1024, 3]);
  });

  test('cid selects one connection (limit 1)', async () => {
    const [, b] = cids(await getJSON(port, '/connz'));
    const one = await getJSON(port, `/connz?cid=${b}`);
    assert.deepEqual([cids(one), one.limit], [[b], 1]);
    assert.deepEqual(cids(await getJSON(port, '/connz?cid=9999')), []);
  });

  test('subs=1 lists subjects, subs=detail the subscriptions', async () => {
    const a = (await getJSON(port, '/connz?subs=1')).connections[0];
    assert.deepEqual(a.subscriptions_list.sort(), ['bar', 'baz', 'foo.*']);
    const d = (await getJSON(port, '/connz?subs=detail')).connections[0];
    const bar = d.subscriptions_list_detail.find((s: Conn) => s.subject === 'bar');
    assert.deepEqual(bar, { subject: 'bar', qgroup: 'workers', sid: '2', msgs: 0, cid: d.cid });
    const foo = d.subscriptions_list_detail.find((s: Conn) => s.subject === 'foo.*');
    assert.equal(foo.msgs, 3);
    assert.equal(d.subscriptions_list, undefined);
  });

  test('auth=1 adds authorized_user and account; user and acc filter', async () => {
    const cz = await getJSON(port, '/connz?auth=1');
    assert.deepEqual(cz.connections.map((c: Conn) => [c.authorized_user, c.account]), [['alice', 'APP'], ['bob', 'APP'], ['alice', 'APP']]);
    assert.deepEqual((await getJSON(port, '/connz?auth=1&user=bob')).connections.map((c: Conn) => c.name), ['b']);
    assert.equal((await getJSON(port, '/connz?acc=APP')).total, 3);
    assert.equal((await getJSON(port, '/connz?acc=$G')).total, 0);
    assert.deepEqual((await getJSON(port, '/connz?acc=NOPE')).connections, []);
  });

  test('filter_subject (with acc) keeps connections whose subscriptions could match', async () => {
    assert.deepEqual((await getJSON(port, '/connz?acc=APP&filter_subject=foo.x')).connections.map((c: Conn) => c.name), ['a', 'b']);
    assert.deepEqual((await getJSON(port, '/connz?acc=APP&filter_subject=baz')).connections.map((c: Conn) => c.name), ['a']);
  });

  test('mqtt_client matches nothing (no MQTT connections)', async () => {
    assert.deepEqual((await getJSON(port, '/connz?mqtt_client=x')).connections, []);
  });
});

describe('/connz closed connections', () => {
  test('state=closed keeps each connection with its reason, stop and subscriptions', async (t) => {
    const srv = await startServer({ httpPort: -1, accounts: [{ name: 'APP', users: [{ user: 'u', password: 'p' }] }] });
    t.after(() => srv.shutdown());
    const port = monitorPort(srv);
    const a = await rawClient(srv.port, { user: 'u', pass: 'p', name: 'leaver' }, 'SUB foo 1\r\nSUB bar q 2\r\n');
    a.close();
    // (The server sees that close before the next connection is refused: the ring's order is fixed.)
    await until(() => srv.closedClients.length === 1, 5000, 'the first close');
    // A failed login is closed too, with its reason.
    const bad = await RawConn.open(srv.port);
    bad.send('CONNECT {"verbose":false,"user":"u","pass":"wrong","name":"bad"}\r\n');
    await bad.readUntilClose();
    await until(() => srv.closedClients.length === 2, 5000, 'two closed');
    const cz = await getJSON(port, '/connz?state=closed&subs=detail&auth=1');
    assert.deepEqual([cz.num_connections, cz.total], [2, 2]);
    const [left, failed] = cz.connections;
    assert.equal(left.reason, 'Client Closed');
    assert.match(left.stop, /Z$/);
    assert.equal(left.authorized_user, 'u');
    assert.equal(left.account, 'APP');
    assert.equal(left.subscriptions, 2);
    assert.deepEqual(left.subscriptions_list_detail.map((s: Conn) => [s.account, s.subject, s.qgroup ?? '']), [['APP', 'foo', ''], ['APP', 'bar', 'q']]);
    assert.equal(failed.reason, 'Authentication Failure');
    assert.equal(failed.name, 'bad');

    assert.deepEqual((await getJSON(port, '/connz?state=closed&sort=reason')).connections.map((c: Conn) => c.reason), ['Authentication Failure', 'Client Closed']);
    assert.deepEqual(cids(await getJSON(port, '/connz?state=closed&sort=stop')), [failed.cid, left.cid], 'latest stop first');
    assert.deepEqual((await getJSON(port, '/connz?state=closed&subs=1')).connections[0].subscriptions_list, ['foo', 'bar']);
    assert.equal((await getJSON(port, '/connz?state=closed&acc=APP')).total, 1);
    assert.equal((await getJSON(port, `/connz?state=closed&cid=${left.cid}`)).connections[0].name, 'leaver');

    const live = await rawClient(srv.port, { user: 'u', pass: 'p', name: 'live' });
    t.after(() => live.close());
    const all = await getJSON(port, '/connz?state=all');
    assert.equal(all.total, 3);
    assert.deepEqual(all.connections.map((c: Conn) => c.name), ['leaver', 'bad', 'live']);
    assert.equal((await getJSON(port, '/connz?state=open')).total, 1);
    assert.equal((await get(port, '/connz?state=all&sort=stop')).status, 400);
  });

  test('a stale connection: reason, /varz counters and stale_connection_stats', async (t) => {
    const srv = await startServer({ httpPort: -1, pingInterval: 100, pingMax: 1 });
    t.after(() => srv.shutdown());
    const port = monitorPort(srv);
    // Never answers the server's PINGs.
    const c = await rawClient(srv.port, { name: 'frozen' });
    t.after(() => c.close());
    await until(() => srv.closedClients.length === 1, 10_000, 'stale close');
    const closed = (await getJSON(port, '/connz?state=closed')).connections[0];
    assert.equal(closed.reason, 'Stale Connection');
    assert.equal(closed.name, 'frozen');
    const v = await getJSON(port, '/varz');
    assert.equal(v.stale_connections, 1);
    assert.deepEqual(v.stale_connection_stats, { clients: 1, routes: 0, gateways: 0, leafs: 0 });
  });

  test('a slow consumer: reason, slow_consumers and slow_consumer_stats', async (t) => {
    const srv = await startServer({ httpPort: -1, maxPending: 4096, maxPayload: 4096 });
    t.after(() => srv.shutdown());
    const port = monitorPort(srv);
    const sub = await rawClient(srv.port, { name: 'slow' }, 'SUB big 1\r\n');
    t.after(() => sub.close());
    const pub = await rawClient(srv.port, { name: 'fast' });
    t.after(() => pub.close());
    // Two 3000-byte messages in one read: the second would take pending past 4096.
    const payload = 'y'.repeat(3000);
    pub.send(`PUB big 3000\r\n${payload}\r\nPUB big 3000\r\n${payload}\r\n`);
    await until(() => srv.closedClients.length === 1, 5000, 'slow consumer close');
    const closed = (await getJSON(port, '/connz?state=closed')).connections[0];
    assert.equal(closed.reason, 'Slow Consumer (Pending Bytes)');
    const v = await getJSON(port, '/varz');
    assert.equal(v.slow_consumers, 1);
    assert.equal(v.slow_consumer_stats.clients, 1);
    const acc = await getJSON(port, '/accstatz');
    assert.equal(acc.account_statz.find((a: Conn) => a.acc === '$G').slow_consumers, 1);
  });
});
