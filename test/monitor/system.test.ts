// The system account with the official client (@nats-io/transport-node): $SYS.REQ.* requests
// from a system-account user, KICK and LDM of live connections, and the events published on
// connect, close, authentication failure, periodically (STATSZ) and at shutdown.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection, type Msg } from '@nats-io/transport-node';
import { startServer, type Server } from '../../src/index.js';
import type { ServerOptions } from '../../src/options.js';
import { getJSON, rawClient, readUntil } from './helpers.js';
import { monitorPort } from '../helpers/tsnats.js';

type J = Record<string, any>;

const AUTH: Partial<ServerOptions> = {
  accounts: [
    { name: 'SYS', users: [{ user: 'sys', password: 'pass' }] },
    { name: 'APP', users: [{ user: 'bob', password: 'bob' }] },
  ],
  systemAccount: 'SYS',
};

async function req(nc: NatsConnection, subject: string, body: unknown = '', timeout = 2000): Promise<J> {
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  const m = await nc.request(subject, data, { timeout });
  return m.json<J>();
}

/** Collects the messages of a subscription; `next()` waits for the next one. */
function collector(nc: NatsConnection, subject: string) {
  const msgs: Msg[] = [];
  const waiters: (() => void)[] = [];
  const sub = nc.subscribe(subject, {
    callback: (_e, m) => {
      msgs.push(m);
      waiters.splice(0).forEach((w) => w());
    },
  });
  return {
    sub,
    msgs,
    async next(pred: (m: Msg) => boolean = () => true, ms = 5000): Promise<Msg> {
      const deadline = Date.now() + ms;
      for (;;) {
        const i = msgs.findIndex(pred);
        if (i >= 0) return msgs.splice(i, 1)[0];
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no message on ${subject} within ${ms}ms`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => { clearTimeout(t); r(); });
        });
      }
    },
  };
}

describe('$SYS requests', () => {
  let srv: Server;
  let sys: NatsConnection;
  let app: NatsConnection;
  before(async () => {
    srv = await startServer({ ...AUTH, httpPort: -1 });
    sys = await connect({ servers: srv.url, user: 'sys', pass: 'pass', name: 'sysmon' });
    app = await connect({ servers: srv.url, user: 'bob', pass: 'bob', name: 'app-1' });
    app.subscribe('orders.*', { callback: () => {} });
    app.publish('orders.new', 'hello');
    await app.flush();
  });
  after(async () => {
    await app.close().catch(() => {});
    await sys.close();
    await srv.shutdown();
  });

  test('$SYS.REQ.SERVER.PING.CONNZ answers {server, data} with the /connz data', async () => {
    const r = await req(sys, '$SYS.REQ.SERVER.PING.CONNZ');
    assert.deepEqual(Object.keys(r), ['server', 'data']);
    assert.equal(r.server.id, srv.id);
    assert.equal(r.server.name, srv.name);
    assert.equal(r.server.ver, '2.9.10');
    assert.equal(typeof r.server.seq, 'number');
    const names = r.data.connections.map((c: J) => c.name).sort();
    assert.deepEqual(names, ['app-1', 'sysmon']);
    const http = await getJSON(monitorPort(srv), '/connz');
    assert.deepEqual(Object.keys(r.data), Object.keys(http), 'same shape as HTTP');
  });

  test('the request body carries the /connz options; state is numeric', async () => {
    const r = await req(sys, '$SYS.REQ.SERVER.PING.CONNZ', { auth: true, subscriptions_detail: true, sort: 'subs' });
    const a = r.data.connections.find((c: J) => c.name === 'app-1');
    assert.deepEqual([a.authorized_user, a.account], ['bob', 'APP']);
    assert.equal(a.subscriptions_list_detail[0].subject, 'orders.*');
    const closed = await req(sys, '$SYS.REQ.SERVER.PING.CONNZ', { state: 1 });
    assert.deepEqual(closed.data.connections, []);
    const bad = await req(sys, '$SYS.REQ.SERVER.PING.CONNZ', { state: 'open' });
    assert.deepEqual(bad.error, { code: 400, description: 'json: cannot unmarshal string into Go struct field ConnzEventOptions.state of type server.ConnState' });
    assert.equal(bad.data, undefined);
    const sort = await req(sys, '$SYS.REQ.SERVER.PING.CONNZ', { sort: 'bogus' });
    assert.deepEqual([sort.data, sort.error], [null, { code: 500, description: 'invalid sorting option: bogus' }]);
    const junk = await req(sys, '$SYS.REQ.SERVER.PING.CONNZ', 'notjson');
    assert.equal(junk.error.code, 400);
  });

  test('a filter for another server gets no answer', async () => {
    await assert.rejects(req(sys, '$SYS.REQ.SERVER.PING.VARZ', { server_name: 'not-this-one' }, 300));
    const r = await req(sys, '$SYS.REQ.SERVER.PING.VARZ', { server_name: srv.name.slice(0, 8) });
    assert.equal(r.data.server_id, srv.id);
  });

  test('$SYS.REQ.SERVER.PING (and .STATSZ) answer statsz', async () => {
    for (const subject of ['$SYS.REQ.SERVER.PING', '$SYS.REQ.SERVER.PING.STATSZ', `$SYS.REQ.SERVER.${srv.id}.STATSZ`]) {
      const r = await req(sys, subject);
      assert.deepEqual(Object.keys(r), ['server', 'statsz'], subject);
      assert.equal(r.statsz.connections, 2);
      assert.equal(r.statsz.active_accounts, 2);
      assert.ok(r.statsz.received.msgs >= 1);
      assert.deepEqual(r.statsz.slow_consumer_stats, { clients: 0, routes: 0, gateways: 0, leafs: 0 });
      assert.equal(r.statsz.stale_connections, undefined, 'omitted while zero');
    }
  });

  test('every server endpoint answers on PING.<EP> and <id>.<EP>', async () => {
    const keys: Record<string, string> = {
      VARZ: 'server_id', SUBSZ: 'num_subscriptions', CONNZ: 'connections', ROUTEZ: 'num_routes', GATEWAYZ: 'outbound_gateways',
      LEAFZ: 'leafnodes', ACCOUNTZ: 'accounts', JSZ: 'disabled', HEALTHZ: 'status',
    };
    for (const [ep, key] of Object.entries(keys)) {
      for (const subject of [`$SYS.REQ.SERVER.PING.${ep}`, `$SYS.REQ.SERVER.${srv.id}.${ep}`]) {
        const r = await req(sys, subject);
        assert.ok(key in r.data, `${subject}: ${JSON.stringify(r).slice(0, 200)}`);
      }
    }
    const h = await req(sys, '$SYS.REQ.SERVER.PING.HEALTHZ');
    assert.deepEqual(h.data, { status: 'ok' });
    const acc = await req(sys, '$SYS.REQ.SERVER.PING.ACCOUNTZ', { account: 'APP' });
    assert.equal(acc.data.account_detail.client_connections, 1);
  });

  test('IDZ answers the bare server identity', async () => {
    const r = await req(sys, '$SYS.REQ.SERVER.PING.IDZ');
    assert.deepEqual(r, { name: srv.name, host: '127.0.0.1', id: srv.id });
  });

  test('account requests: CONNZ, SUBSZ, INFO, STATZ, CONNS', async () => {
    const connz = await req(sys, '$SYS.REQ.ACCOUNT.APP.CONNZ');
    assert.deepEqual(connz.data.connections.map((c: J) => c.name), ['app-1']);
    const subsz = await req(sys, '$SYS.REQ.ACCOUNT.APP.SUBSZ');
    // The account's internal subscriptions (its imports of the system services) are listed too, as
    // nats-server lists them under the account's internal client.
    assert.deepEqual(subsz.data.subscriptions_list.map((s: J) => [s.account, s.subject]).sort(), [
      ['APP', '$SYS.REQ.ACCOUNT.PING.CONNZ'], ['APP', '$SYS.REQ.ACCOUNT.PING.STATZ'], ['APP', '$SYS.REQ.SERVER.PING.CONNZ'], ['APP', 'orders.*'],
    ]);
    const info = await req(sys, '$SYS.REQ.ACCOUNT.APP.INFO');
    // One client subscription plus the three system service imports, as the reference counts them.
    assert.deepEqual([info.data.account_name, info.data.client_connections, info.data.subscriptions], ['APP', 1, 4]);
    const statz = await req(sys, '$SYS.REQ.ACCOUNT.APP.STATZ');
    assert.deepEqual(statz.data.account_statz.map((a: J) => [a.acc, a.conns, a.received.msgs]), [['APP', 1, 1]]);
    const conns = await req(sys, '$SYS.REQ.ACCOUNT.APP.CONNS');
    assert.equal(conns.type, 'io.nats.server.advisory.v1.account_connections');
    assert.deepEqual([conns.acc, conns.conns, conns.total_conns, conns.server.id], ['APP', 1, 1, srv.id]);
    const missing = await req(sys, '$SYS.REQ.ACCOUNT.NOPE.INFO');
    assert.deepEqual(missing.error, { code: 500, description: 'Account NOPE does not exist' });
    const ping = await req(sys, '$SYS.REQ.ACCOUNT.PING.STATZ', { accounts: ['APP'] });
    assert.equal(ping.data.account_statz[0].acc, 'APP');
  });

  test('KICK closes a live connection with reason Kicked', async () => {
    const victim = await connect({ servers: srv.url, user: 'bob', pass: 'bob', name: 'victim', reconnect: false });
    const cid = victim.info!.client_id;
    const r = await req(sys, `$SYS.REQ.SERVER.${srv.id}.KICK`, { cid });
    assert.deepEqual(Object.keys(r), ['server'], 'no data, no error');
    await victim.closed();
    const closed = await getJSON(monitorPort(srv), `/connz?state=closed&cid=${cid}`);
    assert.equal(closed.connections[0].reason, 'Kicked');
    const again = await req(sys, `$SYS.REQ.SERVER.${srv.id}.KICK`, { cid });
    assert.deepEqual(again.error, { code: 500, description: 'no such client id' });
  });

  test('LDM sends the connection an INFO with ldm:true', async () => {
    const raw = await rawClient(srv.port, { user: 'bob', pass: 'bob', name: 'ldm' });
    try {
      const cid = (await getJSON(monitorPort(srv), '/connz?auth=1&user=bob')).connections.find((c: J) => c.name === 'ldm').cid;
      const r = await req(sys, `$SYS.REQ.SERVER.${srv.id}.LDM`, { cid });
      assert.equal(r.error, undefined);
      const line = (await readUntil(raw, '\r\n')).trim();
      assert.match(line, /^INFO \{.*\}$/);
      assert.equal(JSON.parse(line.slice(5)).ldm, true);
    } finally {
      raw.close();
    }
  });
});

describe('$SYS events', () => {
  test('CONNECT, CONNS (both subjects) and DISCONNECT with the reason', async (t) => {
    const srv = await startServer(AUTH);
    t.after(() => srv.shutdown());
    const sys = await connect({ servers: srv.url, user: 'sys', pass: 'pass' });
    t.after(() => sys.close());
    const ev = collector(sys, '$SYS.>');
    await sys.flush();

    const app = await connect({ servers: srv.url, user: 'bob', pass: 'bob', name: 'evt-client' });
    const cid = app.info!.client_id;
    const con = (await ev.next((m) => m.subject === '$SYS.ACCOUNT.APP.CONNECT')).json<J>();
    assert.equal(con.type, 'io.nats.server.advisory.v1.client_connect');
    assert.match(con.id, /^[0-9A-Za-z]{22}$/);
    assert.equal(con.server.id, srv.id);
    assert.deepEqual(
      { id: con.client.id, acc: con.client.acc, user: con.client.user, name: con.client.name, lang: con.client.lang, kind: con.client.kind, type: con.client.client_type },
      { id: cid, acc: 'APP', user: 'bob', name: 'evt-client', lang: 'nats.js', kind: 'Client', type: 'nats' },
    );
    for (const subject of ['$SYS.SERVER.ACCOUNT.APP.CONNS', '$SYS.ACCOUNT.APP.SERVER.CONNS']) {
      const c = (await ev.next((m) => m.subject === subject)).json<J>();
      assert.deepEqual([c.type, c.acc, c.conns], ['io.nats.server.advisory.v1.account_connections', 'APP', 1], subject);
    }

    app.publish('x', 'abc');
    await app.flush();
    await app.close();
    const dis = (await ev.next((m) => m.subject === '$SYS.ACCOUNT.APP.DISCONNECT')).json<J>();
    assert.equal(dis.type, 'io.nats.server.advisory.v1.client_disconnect');
    assert.equal(dis.reason, 'Client Closed');
    assert.equal(dis.client.id, cid);
    assert.equal(typeof dis.client.rtt, 'number', 'rtt in nanoseconds');
    assert.match(dis.client.stop, /Z$/);
    assert.deepEqual(dis.sent, { msgs: 1, bytes: 3 });
    const after = (await ev.next((m) => m.subject === '$SYS.ACCOUNT.APP.SERVER.CONNS')).json<J>();
    assert.deepEqual([after.conns, after.received], [0, { msgs: 1, bytes: 3 }]);
  });

  test('CLIENT.AUTH.ERR on a failed login', async (t) => {
    const srv = await startServer(AUTH);
    t.after(() => srv.shutdown());
    const sys = await connect({ servers: srv.url, user: 'sys', pass: 'pass' });
    t.after(() => sys.close());
    const ev = collector(sys, `$SYS.SERVER.${srv.id}.CLIENT.AUTH.ERR`);
    await sys.flush();
    await assert.rejects(connect({ servers: srv.url, user: 'bob', pass: 'wrong', name: 'intruder', reconnect: false }));
    const e = (await ev.next()).json<J>();
    assert.equal(e.type, 'io.nats.server.advisory.v1.client_disconnect');
    assert.equal(e.reason, 'Authentication Failure');
    assert.deepEqual([e.client.user, e.client.name, e.client.acc], ['bob', 'intruder', '$G']);
  });

  test('STATSZ is broadcast with a doubling interval', async (t) => {
    const srv = await startServer(AUTH);
    t.after(() => srv.shutdown());
    const sys = await connect({ servers: srv.url, user: 'sys', pass: 'pass' });
    t.after(() => sys.close());
    const ev = collector(sys, `$SYS.SERVER.${srv.id}.STATSZ`);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const m = await ev.next(() => true, 10_000);
      times.push(Date.now());
      assert.equal(m.json<J>().statsz.connections, 1);
    }
    // 250ms, 500ms, 1s, 2s… between broadcasts: each gap about twice the previous one.
    const g1 = times[1] - times[0];
    const g2 = times[2] - times[1];
    assert.ok(g2 > g1 * 1.4, `gaps ${g1}ms then ${g2}ms`);
  });

  test('SHUTDOWN is published before the connections close; raw framing has two spaces', async (t) => {
    const srv = await startServer(AUTH);
    let stopped = false;
    t.after(() => (stopped ? undefined : srv.shutdown()));
    const raw = await rawClient(srv.port, { user: 'sys', pass: 'pass' }, `SUB $SYS.SERVER.${srv.id}.SHUTDOWN 7\r\nSUB _INBOX.r 8\r\n`);
    // A system message without a reply: `MSG <subject> <sid>  <size>` (two spaces), as the reference.
    raw.send('PUB $SYS.REQ.SERVER.PING.IDZ _INBOX.r 0\r\n\r\n');
    const line = (await readUntil(raw, '}\r\n')).split('\r\n')[0];
    assert.match(line, /^MSG _INBOX\.r 8  \d+$/);
    await srv.shutdown();
    stopped = true;
    const out = await raw.readUntilClose();
    const m = out.match(new RegExp(`MSG \\$SYS\\.SERVER\\.${srv.id}\\.SHUTDOWN 7  (\\d+)\\r\\n(.*)\\r\\n`));
    assert.ok(m, out);
    const body = JSON.parse(m![2]);
    assert.deepEqual([body.id, body.name, body.ver], [srv.id, srv.name, '2.9.10']);
  });

  test('LAMEDUCK is published when lame duck mode starts', async (t) => {
    const srv = await startServer({ ...AUTH, lameDuckDuration: 30_000, lameDuckGracePeriod: 10_000 });
    t.after(() => srv.shutdown());
    const raw = await rawClient(srv.port, { user: 'sys', pass: 'pass' }, `SUB $SYS.SERVER.${srv.id}.LAMEDUCK 1\r\n`);
    t.after(() => raw.close());
    void srv.lameDuckMode();
    const out = await readUntil(raw, '}\r\n');
    const m = out.match(/MSG \S+\.LAMEDUCK 1  \d+\r\n(.*)\r\n/);
    assert.ok(m, out);
    assert.equal(JSON.parse(m![1]).id, srv.id);
  });

  test('no system account: no $SYS services', async (t) => {
    const srv = await startServer({ noSystemAccount: true, httpPort: -1 });
    t.after(() => srv.shutdown());
    assert.equal(srv.service('system'), undefined);
    const v = await getJSON(monitorPort(srv), '/varz');
    assert.equal(v.system_account, undefined);
    const raw = await rawClient(srv.port, {}, 'SUB _INBOX.x 1\r\nPUB $SYS.REQ.SERVER.PING _INBOX.x 0\r\n\r\n');
    t.after(() => raw.close());
    assert.equal(await raw.until((b) => b.includes('MSG'), 300), false);
  });
});
