// Monitoring of leaf connections, differential (tsnats and nats-server hubs, the same leaf config):
// /leafz (every field, subs=1, acc=), /varz's leaf block and leafnodes, $SYS LEAFZ, the account's
// CONNS events counting leafnodes and the DISCONNECT event of a leaf, /connz without leafs while they
// are open and with them (kind Leafnode) once closed (saveClosedClient).
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { startConf, waitLeafs, leafz, varz, eventually, type LeafServer } from '../helpers/leaf.js';

const KINDS: ServerKind[] = hasNatsServer() ? ['tsnats', 'nats-server'] : ['tsnats'];
const HUB = `
accounts {
  APP { users [{user: app, password: app}] }
  SYS { users [{user: sys, password: sys}] }
}
system_account: SYS
leafnodes { listen: "127.0.0.1:$LEAFPORT", authorization { users [ {user: leafapp, password: lp, account: APP} ] } }`;

const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

interface Seen {
  leafzHub: unknown;
  leafzHubKeys: string[];
  leafzLeaf: unknown;
  varzLeafHub: Record<string, unknown>;
  varzLeafLeaf: Record<string, unknown>;
  connzOpen: number;
  sysLeafz: unknown;
  conns: unknown[];
  disconnect: Record<string, unknown>;
  closed: Record<string, unknown>;
}

async function scenario(kind: ServerKind): Promise<Seen> {
  const hub = await startConf(kind, 'HUB', HUB);
  cleanup.push(() => hub.server.stop());
  const sys = await connect({ servers: hub.url, user: 'sys', pass: 'sys' });
  cleanup.push(() => sys.close());
  const conns: unknown[] = [];
  // The app client's DISCONNECT comes too (it closes first): the leaf's is the one compared.
  const disconnects: Record<string, unknown>[] = [];
  sys.subscribe('$SYS.ACCOUNT.APP.SERVER.CONNS', { callback: (_e, m) => { const j = m.json<Record<string, unknown>>(); conns.push({ conns: j.conns, leafnodes: j.leafnodes, total_conns: j.total_conns }); } });
  sys.subscribe('$SYS.ACCOUNT.APP.DISCONNECT', { callback: (_e, m) => { disconnects.push(m.json<Record<string, unknown>>()); } });
  await sys.flush();
  const leaf: LeafServer = await startConf('tsnats', 'LEAF', `
accounts { LAPP { users [{user: l, password: l}] } }
leafnodes { remotes [ { url: "nats-leaf://leafapp:lp@127.0.0.1:${hub.leafPort}", account: LAPP, deny_imports: ["x.>"] } ] }`);
  await waitLeafs(hub, 1);
  const lc: NatsConnection = await connect({ servers: leaf.url, user: 'l', pass: 'l' });
  lc.subscribe('leafsub');
  lc.subscribe('lq', { queue: 'g' });
  await lc.flush();
  const hl = await waitLeafs(hub, 1, 5000, (l) => (l[0].subscriptions_list ?? []).includes('lq'));
  const app = await connect({ servers: hub.url, user: 'app', pass: 'app' });
  app.publish('leafsub', 'hi');
  await app.flush();
  await eventually(async () => ((await leafz(hub)).leafs?.[0].out_msgs ?? 0) === 1, 5000, 'out_msgs');
  const z = await leafz(hub, true);
  const plain = await leafz(hub);
  const mask = (l: Record<string, unknown>) => ({ ...l, port: typeof l.port, rtt: typeof l.rtt, subscriptions_list: (l.subscriptions_list as string[] | undefined)?.map((s) => s.replace(/\$LDS\..*/, '$LDS')).sort() });
  const sysLeafz = (await sys.request('$SYS.REQ.SERVER.PING.LEAFZ', JSON.stringify({ subscriptions: true }), { timeout: 2000 })).json<{ data: { leafnodes: number; leafs: { account: string }[] } }>();
  const connz = (await (await fetch(`http://127.0.0.1:${hub.server.httpPort}/connz`)).json()) as { num_connections: number };
  const vh = await varz(hub);
  const vl = await varz(leaf);
  await lc.close();
  await app.close();
  await leaf.server.stop();
  const isLeaf = (d: Record<string, unknown>) => (d.client as Record<string, unknown> | undefined)?.kind === 'Leafnode';
  await eventually(() => disconnects.some(isLeaf), 5000, "the leaf's DISCONNECT event");
  const disconnect = disconnects.find(isLeaf)!;
  await eventually(() => conns.length >= 2, 5000, 'CONNS events');
  const closed = (await (await fetch(`http://127.0.0.1:${hub.server.httpPort}/connz?state=closed`)).json()) as { connections: Record<string, unknown>[] };
  const cl = closed.connections.find((c) => c.kind === 'Leafnode')!;
  const client = disconnect.client as Record<string, unknown>;
  return {
    leafzHub: (z.leafs ?? []).map((l) => mask(l as unknown as Record<string, unknown>)),
    leafzHubKeys: Object.keys(plain.leafs![0]),
    leafzLeaf: null,
    varzLeafHub: { ...(vh.leaf as Record<string, unknown>), port: typeof (vh.leaf as Record<string, unknown>).port },
    varzLeafLeaf: JSON.parse(JSON.stringify(vl.leaf).replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')) as Record<string, unknown>,
    connzOpen: connz.num_connections,
    sysLeafz: { leafnodes: sysLeafz.data.leafnodes, account: sysLeafz.data.leafs[0].account },
    conns: [conns[0], conns[conns.length - 1]],
    disconnect: { type: disconnect.type, reason: disconnect.reason, kind: client.kind, acc: client.acc, name: client.name, client_type: client.client_type ?? null },
    closed: { kind: cl.kind, reason: cl.reason, name: cl.name, version: cl.version, subscriptions: cl.subscriptions },
  };
  void hl;
}

describe('monitoring of leaf connections (tsnats and nats-server hubs alike)', () => {
  test('/leafz, /varz, $SYS LEAFZ, CONNS and DISCONNECT events, /connz', async () => {
    const results = await Promise.all(KINDS.map((k) => scenario(k)));
    for (let i = 1; i < results.length; i++) assert.deepEqual(results[0], results[i], `${KINDS[0]} vs ${KINDS[i]}`);
    const r = results[0];
    assert.deepEqual(r.leafzHubKeys, ['account', 'ip', 'port', 'rtt', 'in_msgs', 'out_msgs', 'in_bytes', 'out_bytes', 'subscriptions']);
    assert.deepEqual(r.leafzHub, [{
      account: 'APP', ip: '127.0.0.1', port: 'number', rtt: 'string', in_msgs: 0, out_msgs: 1, in_bytes: 0, out_bytes: 2, subscriptions: 6,
      subscriptions_list: ['$LDS', '$SYS.REQ.ACCOUNT.PING.CONNZ', '$SYS.REQ.ACCOUNT.PING.STATZ', '$SYS.REQ.SERVER.PING.CONNZ', 'leafsub', 'lq'],
    }]);
    assert.deepEqual(r.varzLeafHub, { host: '127.0.0.1', port: 'number', auth_timeout: 2, tls_timeout: 2 });
    // The sys and app clients only.
    assert.equal(r.connzOpen, 2);
    assert.deepEqual(r.varzLeafLeaf, { remotes: [{ local_account: 'LAPP', urls: ['127.0.0.1:PORT'], deny: { imports: ['x.>'] } }] });
    assert.deepEqual(r.sysLeafz, { leafnodes: 1, account: 'APP' });
    assert.deepEqual(r.conns, [{ conns: 0, leafnodes: 1, total_conns: 1 }, { conns: 0, leafnodes: 0, total_conns: 0 }]);
    assert.deepEqual(r.disconnect, { type: 'io.nats.server.advisory.v1.client_disconnect', reason: 'Client Closed', kind: 'Leafnode', acc: 'APP', name: 'LEAF', client_type: null });
    assert.deepEqual(r.closed, { kind: 'Leafnode', reason: 'Client Closed', name: 'LEAF', version: '2.9.10', subscriptions: 4 });
  });
});
