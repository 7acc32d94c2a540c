// The system account across a mixed cluster: $SYS.REQ.SERVER.PING (and .CONNZ, .VARZ) answered by
// every member, tsnats and nats-server alike; events from other servers seen; account connection
// limits enforced cluster-wide (each side reading the other's $SYS.SERVER.ACCOUNT.<acc>.CONNS).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { eventually } from './scenarios.js';
import { RawConn } from '../helpers/raw.js';
import { runCli } from '../doctor/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tsnats-cl-sys-'));

function conf(name: string, clusterPort: number, seeds: string[]): string {
  const f = join(dir, `${name}-${clusterPort}.conf`);
  writeFileSync(f, `
server_name: ${name}
cluster { name: C1, listen: 127.0.0.1:${clusterPort}${seeds.length ? `, routes: [${seeds.map((s) => `"${s}"`).join(', ')}]` : ''} }
system_account: SYS
accounts {
  SYS { users: [ {user: sys, password: s} ] }
  APP { users: [ {user: app, password: a} ] }
  LIM { users: [ {user: lim, password: l} ], limits: { max_connections: 2 } }
}
`);
  return f;
}

/** The answers to a request: until `expect` came (and 100 ms more for extras), or `ms`. */
async function gather(nc: NatsConnection, subject: string, body = '', expect = 3, ms = 1500): Promise<Record<string, any>[]> {
  const inbox = `_INBOX.gather.${Math.random().toString(36).slice(2)}`;
  const out: Record<string, any>[] = [];
  const sub = nc.subscribe(inbox, { callback: (_e, m) => { out.push(m.json()); } });
  nc.publish(subject, body, { reply: inbox });
  await nc.flush();
  const t0 = Date.now();
  while (out.length < expect && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 100));
  sub.unsubscribe();
  return out;
}

const KINDS: ServerKind[] = hasNatsServer() ? ['tsnats', 'nats-server', 'tsnats'] : ['tsnats', 'tsnats', 'tsnats'];

describe(`${KINDS.join(' + ')}: the system account across the cluster`, () => {
  let cl: TestCluster;
  const conns: NatsConnection[] = [];
  const on = async (i: number, user: string, pass: string) => {
    const nc = await connect({ servers: cl.members[i].url, user, pass, maxReconnectAttempts: 0 });
    conns.push(nc);
    return nc;
  };
  before(async () => {
    cl = await startCluster(KINDS.map((kind, i) => ({ kind, name: `S${i}`, seeds: i === 0 ? [] : [0], config: (m) => conf(`S${i}`, m.clusterPort, m.seeds) })));
    await cl.formed();
  });
  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => {})));
    await cl?.stop();
  });

  test('$SYS.REQ.SERVER.PING, .CONNZ and .VARZ: one answer per member, from any member', async () => {
    for (const i of [0, 1]) {
      const sys = await on(i, 'sys', 's');
      await eventually(async () => (await gather(sys, '$SYS.REQ.SERVER.PING', '', 3, 500)).length === 3, 8000, 'three statsz');
      const ping = await gather(sys, '$SYS.REQ.SERVER.PING');
      assert.deepEqual(ping.map((r) => r.server.name).sort(), ['S0', 'S1', 'S2']);
      for (const r of ping) {
        assert.equal(r.server.cluster, 'C1');
        assert.equal(r.statsz.routes.length, 2, JSON.stringify(r.statsz.routes));
      }
      const connz = await gather(sys, '$SYS.REQ.SERVER.PING.CONNZ');
      assert.deepEqual(connz.map((r) => r.server.name).sort(), ['S0', 'S1', 'S2']);
      const varz = await gather(sys, '$SYS.REQ.SERVER.PING.VARZ', '{"cluster":"C1"}');
      assert.deepEqual(varz.map((r) => r.data.cluster.name), ['C1', 'C1', 'C1']);
      assert.deepEqual(varz.map((r) => r.data.routes), [2, 2, 2]);
      const none = await gather(sys, '$SYS.REQ.SERVER.PING.VARZ', '{"cluster":"other"}', 1, 300);
      assert.deepEqual(none, []);
    }
  });

  test('connect and disconnect events from other members are seen', async () => {
    const sys = await on(0, 'sys', 's');
    const seen: string[] = [];
    sys.subscribe('$SYS.ACCOUNT.APP.>', { callback: (_e, m) => { const j = m.json<any>(); seen.push(`${m.subject.split('.').pop()}@${j.server.name}`); } });
    await sys.flush();
    await new Promise((r) => setTimeout(r, 300));
    for (const i of [1, 2]) {
      const c = await on(i, 'app', 'a');
      await c.close();
    }
    await eventually(() => ['CONNECT@S1', 'DISCONNECT@S1', 'CONNECT@S2', 'DISCONNECT@S2'].every((x) => seen.includes(x)), 8000, `events, have ${JSON.stringify(seen)}`);
  });

  test('account max_connections holds cluster-wide', async () => {
    // Two connections on two members; a third anywhere else is refused once the counts have spread.
    // A raw CONNECT (nats.js waits out its connect timeout on this -ERR, with either server).
    const attempt = async (i: number) => {
      const { c } = await RawConn.openAndInfo(cl.members[i].server.port);
      c.send('CONNECT {"verbose":false,"user":"lim","pass":"l"}\r\nPING\r\n');
      const line = await c.readLine();
      c.close();
      return line === 'PONG' ? 'ok' : line;
    };
    const a = await on(0, 'lim', 'l');
    const b = await on(2, 'lim', 'l');
    await eventually(async () => /maximum account active connections exceeded/i.test(await attempt(1)), 10_000, 'refused on member 1');
    await b.close();
    await eventually(async () => (await attempt(1)) === 'ok', 10_000, 'accepted once one left');
    const c = await on(1, 'lim', 'l');
    await eventually(async () => /maximum account active connections exceeded/i.test(await attempt(2)), 10_000, 'refused on member 2');
    await Promise.all([a.close(), c.close()]);
  });

  test('tsnats conns and kick reach a connection on another member (--server ID)', async () => {
    // The target on member 2 (KICK needs tsnats or nats-server 2.10+), reached through member 1.
    const target = await connect({ servers: cl.members[2].url, user: 'app', pass: 'a', name: 'far-away', maxReconnectAttempts: 0 });
    conns.push(target);
    const sys = await on(1, 'sys', 's');
    const ping = await gather(sys, '$SYS.REQ.SERVER.PING');
    const id1 = ping.find((r) => r.server.name === 'S2')!.server.id as string;
    const url = `nats://127.0.0.1:${cl.members[1].server.port}`;
    const listed = await runCli(['conns', url, '--user', 'sys', '--password', 's', '--server', id1, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const row = JSON.parse(listed.stdout).connections.find((c: any) => c.name === 'far-away');
    assert.ok(row, listed.stdout);
    const closed = (async () => {
      for await (const st of target.status()) if (st.type === 'disconnect' || st.type === 'error') return;
    })();
    const kicked = await runCli(['kick', String(row.cid), url, '--user', 'sys', '--password', 's', '--server', id1]);
    assert.equal(kicked.code, 0, kicked.stderr);
    assert.match(kicked.stdout, new RegExp(`kicked cid ${row.cid} on server ${id1}`));
    await Promise.race([closed, target.closed()]);
  });

  test('/routez: the same fields from tsnats and nats-server members, subs=1 and subs=detail', async () => {
    const get = async (i: number, q = '') => (await (await fetch(`http://127.0.0.1:${cl.members[i].server.httpPort}/routez${q}`)).json()) as any;
    const [t0, n1] = [await get(0), await get(1)];
    assert.deepEqual(Object.keys(t0), Object.keys(n1));
    assert.deepEqual(Object.keys(t0.routes[0]).sort(), Object.keys(n1.routes[0]).sort());
    assert.equal(t0.num_routes, 2);
    for (const q of ['?subs=1', '?subs=detail']) {
      const [a, b] = [await get(0, q), await get(1, q)];
      assert.deepEqual(Object.keys(a.routes[0]).sort(), Object.keys(b.routes[0]).sort(), q);
    }
    const d = await get(0, '?subs=detail');
    const det = d.routes.flatMap((r: any) => r.subscriptions_list_detail ?? []);
    assert.ok(det.some((x: any) => /^SYS \$SYS\./.test(x.sid)), JSON.stringify(det.slice(0, 3)));
  });
});
