// The doctor's leafnode checks (leaf-checks.ts): each from fabricated samples, then end to end over
// HTTP against real servers: a leaf whose hub is down (LEAF_001) and a loop (LEAF_002/LEAF_003,
// with leafnodes.loop_delay made short).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkServer } from '../../src/doctor/report.js';
import { checkLeafAcrossServers } from '../../src/doctor/leaf-checks.js';
import type { Sample } from '../../src/doctor/types.js';
import { withServer } from '../helpers/tsnats.js';
import { monitorPort } from '../helpers/tsnats.js';
import { eventually } from '../helpers/leaf.js';
import { freePort } from '../../dev/ports.js';
import { doctorJSON } from './cli.js';

const NOW = Date.parse('2026-11-21T12:00:00Z');

function sample(over: { varz?: Record<string, any>; leafs?: Record<string, any>[] | null; closed?: Record<string, any>[]; accounts?: { name: string; conns: number; limit: number | null }[]; conns?: Record<string, any>[] } = {}): Sample {
  return {
    takenAt: NOW, now: NOW, conns: (over.conns ?? []) as never, closed: [], closedLeafs: (over.closed ?? []) as never, accounts: over.accounts ?? [], notes: [], routez: null,
    leafz: over.leafs === null ? null : { leafnodes: (over.leafs ?? []).length, leafs: over.leafs ?? [] },
    varz: {
      server_id: 'NSELF', server_name: 'leaf', version: '2.9.10', host: '10.0.0.1', port: 4222, uptime: '2h', max_connections: 100,
      ping_interval: 60e9, ping_max: 2, max_payload: 1048576, slow_consumers: 0, stale_connections: 0, stalled_clients: 0,
      leaf: { remotes: [{ local_account: 'LAPP', urls: ['10.0.0.9:7422'] }] },
      ...over.varz,
    },
  };
}
const leaf = (r: Record<string, any> = {}) => ({ account: 'LAPP', ip: '10.0.0.9', port: 7422, rtt: '1ms', in_msgs: 0, out_msgs: 0, subscriptions: 3, ...r });
const closedLeaf = (secsAgo: number, r: Record<string, any> = {}) => ({ cid: Math.floor(Math.random() * 1e6), kind: 'Leafnode', ip: '10.0.0.9', port: 7422, stop: new Date(NOW - secsAgo * 1000).toISOString(), reason: 'Stale Connection', account: 'LAPP', ...r });
const codes = (s: Sample[]) => Object.fromEntries(checkServer('x', s).findings.filter((f) => f.code.startsWith('LEAF')).map((f) => [f.code, f.severity]));

test('leaf checks: a connected leaf passes; a server without leafnodes has nothing to check', () => {
  const r = checkServer('x', [sample({ leafs: [leaf()], accounts: [{ name: 'LAPP', conns: 2, limit: null }] })]);
  for (const c of ['LEAF_001', 'LEAF_002', 'LEAF_003', 'LEAF_004']) assert.ok(r.passed.includes(c), c);
  const none = checkServer('x', [sample({ varz: { leaf: {} }, leafs: [] })]);
  assert.deepEqual(none.findings.filter((f) => f.code.startsWith('LEAF')), []);
});

test('LEAF_001: a remote with no connection, with the recent close reasons', () => {
  const f = checkServer('x', [sample({ leafs: [], closed: [closedLeaf(5, { reason: 'Client Closed' })] })]).findings.find((x) => x.code === 'LEAF_001')!;
  assert.equal(f.severity, 'critical');
  assert.match(f.evidence, /1 remote\(s\) configured, not connected: 10\.0\.0\.9:7422 \(account LAPP\); recent closes: 1× Client Closed/);
  // A server that also listens: the remote counts as up only through a connection to its URL.
  assert.equal(codes([sample({ varz: { leaf: { port: 7422, remotes: [{ local_account: 'LAPP', urls: ['10.0.0.9:7422'] }] } }, leafs: [leaf({ port: 50123 })] })]).LEAF_001, 'critical');
  assert.equal(codes([sample({ leafs: null })]).LEAF_001, undefined);
  assert.match(checkServer('x', [sample({ leafs: null })]).skipped.find((k) => k.code === 'LEAF_001')!.reason, /leafz unavailable/);
});

test('LEAF_002: three closes of one peer within ten minutes', () => {
  const closed = [closedLeaf(10), closedLeaf(70, { reason: 'Duplicate Remote LeafNode Connection' }), closedLeaf(200)];
  const f = checkServer('x', [sample({ leafs: [leaf()], closed })]).findings.find((x) => x.code === 'LEAF_002')!;
  assert.equal(f.severity, 'warning');
  assert.match(f.evidence, /hub 10\.0\.0\.9:7422 \(account LAPP\): 3 closes \(2× Stale Connection, 1× Duplicate Remote LeafNode Connection\)/);
  assert.equal(codes([sample({ leafs: [leaf()], closed: [closedLeaf(10), closedLeaf(900), closedLeaf(1000)] })]).LEAF_002, undefined);
});

test('LEAF_003: Protocol Violation closes with two remotes on one account is a loop', () => {
  const varz = { leaf: { remotes: [{ local_account: '$G', urls: ['10.0.0.9:7422'] }, { local_account: '$G', urls: ['10.0.0.8:7422'] }] } };
  const closed = [closedLeaf(5, { reason: 'Protocol Violation', account: '$G' })];
  assert.equal(codes([sample({ varz, leafs: [], closed })]).LEAF_003, 'critical');
  assert.equal(codes([sample({ leafs: [leaf()], closed: [closedLeaf(5, { reason: 'Protocol Violation' }), closedLeaf(40, { reason: 'Protocol Violation' })] })]).LEAF_003, 'warning');
  assert.equal(codes([sample({ leafs: [leaf()], closed: [closedLeaf(5, { reason: 'Protocol Violation' })] })]).LEAF_003, undefined);
});

test('LEAF_004: a leaf bound to an account without clients while others have some', () => {
  const f = checkServer('x', [sample({ leafs: [leaf({ account: '$G' })], accounts: [{ name: 'LAPP', conns: 3, limit: null }] })]).findings.find((x) => x.code === 'LEAF_004')!;
  assert.match(f.evidence, /leaf 10\.0\.0\.9:7422 bound to account \$G \(no client connections\); clients are in LAPP/);
  assert.equal(codes([sample({ leafs: [leaf({ account: '$G' })], accounts: [{ name: 'LAPP', conns: 3, limit: null }], conns: [{ cid: 9, account: '$G' }] })]).LEAF_004, undefined);
});

test('LEAF_005 across servers: the leaf\'s local account and the hub\'s differ', () => {
  const leafS = sample({ leafs: [leaf()] });
  const hubS = sample({ varz: { server_name: 'hub', leaf: { port: 7422 } }, leafs: [leaf({ account: 'APP', ip: '10.0.0.1', port: 51000 })] });
  const reports = [leafS, hubS].map((s) => checkServer('x', [s]));
  checkLeafAcrossServers(reports, [leafS, hubS]);
  assert.match(reports[0]!.findings.find((f) => f.code === 'LEAF_005')!.evidence, /local account LAPP joins hub hub in APP/);
});

test('doctor end to end: a leaf whose hub is down, a loop', async (t) => {
  // A hub whose leafnode port nobody listens on.
  const dead = await freePort();
  const down = await withServer(t, { serverName: 'L1', httpPort: -1, leafnodes: { reconnect: 100, remotes: [{ url: `nats-leaf://127.0.0.1:${dead}` }] } });
  // A hub and a leaf with two remotes to it on one account: a loop (the delay made short).
  const hub = await withServer(t, { serverName: 'HUB', httpPort: -1, accounts: [{ name: 'APP', users: [{ user: 'a', password: 'a' }] }], leafnodes: { host: '127.0.0.1', port: -1 } });
  const hubPort = (hub.service('leafnodes') as unknown as { leafnodes: { port: number } }).leafnodes.port;
  const loopy = await withServer(t, {
    serverName: 'L2', httpPort: -1,
    leafnodes: { reconnect: 100, loopDelay: 200, remotes: [{ url: `nats-leaf://127.0.0.1:${hubPort}` }, { url: `nats-leaf://127.0.0.1:${hubPort}` }] },
  });
  const url = (s: typeof hub) => `http://127.0.0.1:${monitorPort(s)}`;
  await eventually(async () => {
    const r = await fetch(`${url(loopy)}/connz?state=closed`);
    const j = (await r.json()) as { connections: { kind?: string; reason?: string }[] };
    return j.connections.filter((c) => c.kind === 'Leafnode').length >= 3;
  }, 8000, 'leaf connections closing on the loop side');
  const res = await doctorJSON([url(down), url(loopy), url(hub)]);
  const [d, l, h] = res.report.servers;
  assert.equal(d.findings.find((f: any) => f.code === 'LEAF_001')?.severity, 'critical');
  const lf = l.findings.map((f: any) => f.code);
  assert.ok(lf.includes('LEAF_002') || lf.includes('LEAF_003'), JSON.stringify(l.findings));
  assert.ok(h.passed.includes('LEAF_001'));
});
