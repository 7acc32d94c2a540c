// The doctor's cluster checks: as pure functions of samples (thresholds, one and two samples, the
// comparison across members), and against a real mixed cluster (tsnats + nats-server) with a
// member down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { checkServer } from '../../src/doctor/report.js';
import { checkAcrossServers } from '../../src/doctor/cluster-checks.js';
import type { Sample } from '../../src/doctor/types.js';
import { startCluster } from '../helpers/cluster.js';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { doctorJSON } from './cli.js';

const NOW = Date.parse('2026-11-21T12:00:00Z');

function sample(over: { varz?: Record<string, any>; routes?: Record<string, any>[] | null } = {}, at = NOW): Sample {
  return {
    takenAt: at, now: at, conns: [], closed: [], accounts: [], notes: [],
    routez: over.routes === null ? null : { num_routes: (over.routes ?? []).length, routes: over.routes ?? [] },
    varz: {
      server_id: 'NSELF', server_name: 'a', version: '2.9.10', host: '10.0.0.1', port: 4222, auth_required: true, uptime: '2h',
      max_connections: 100, ping_interval: 60e9, ping_max: 2, max_payload: 1048576, slow_consumers: 0, stale_connections: 0, stalled_clients: 0,
      cluster: { name: 'C1', addr: '10.0.0.1', cluster_port: 6222, urls: ['10.0.0.1:6222', '10.0.0.2:6222', '10.0.0.3:6222'] },
      slow_consumer_stats: { routes: 0 }, stale_connection_stats: { routes: 0 },
      ...over.varz,
    },
  };
}
const route = (rid: number, id: string, r: Record<string, any> = {}) => ({ rid, remote_id: id, did_solicit: true, is_configured: true, ip: '10.0.0.2', port: 6222, rtt: '1ms', uptime: '1h', pending_size: 0, ...r });
const codes = (s: Sample[]) => Object.fromEntries(checkServer('x', s).findings.filter((f) => f.code.startsWith('CLUSTER')).map((f) => [f.code, f.severity]));

test('cluster checks: a healthy member passes them all; no cluster, nothing to check', () => {
  const ok = sample({ routes: [route(5, 'NB'), route(6, 'NC', { ip: '10.0.0.3' })] });
  const r = checkServer('x', [ok]);
  for (const c of ['CLUSTER_001', 'CLUSTER_002', 'CLUSTER_005', 'CLUSTER_006', 'CLUSTER_007']) assert.ok(r.passed.includes(c), c);
  const alone = checkServer('x', [sample({ varz: { cluster: {} } })]);
  assert.ok(alone.passed.includes('CLUSTER_001'));
});

test('CLUSTER_001: a configured route that is not up (ourselves in the list does not count)', () => {
  const one = sample({ routes: [route(5, 'NB')] });
  const r = checkServer('x', [one]).findings.find((f) => f.code === 'CLUSTER_001')!;
  assert.equal(r.severity, 'warning');
  assert.match(r.evidence, /2 configured route\(s\), 1 route\(s\) up; not connected: 10\.0\.0\.3:6222/);
  assert.equal(codes([sample({ routes: [] })]).CLUSTER_001, 'critical');
});

test('CLUSTER_002: a route that reconnected between two samples; young routes with one', () => {
  const a = sample({ routes: [route(5, 'NB'), route(6, 'NC', { ip: '10.0.0.3' })] }, NOW);
  const b = sample({ routes: [route(9, 'NB', { uptime: '3s' }), route(6, 'NC', { ip: '10.0.0.3' })] }, NOW + 5000);
  const f = checkServer('x', [a, b]).findings.find((x) => x.code === 'CLUSTER_002')!;
  assert.equal(f.severity, 'warning');
  assert.match(f.evidence, /rid 9 to NB… \(10\.0\.0\.2:6222\) reconnected \(was rid 5\)/);
  assert.equal(codes([b]).CLUSTER_002, 'info');
});

test('CLUSTER_005/006/007: RTT, pending bytes, stale or slow routes', () => {
  assert.equal(codes([sample({ routes: [route(5, 'NB', { rtt: '80ms' }), route(6, 'NC', { ip: '10.0.0.3' })] })]).CLUSTER_005, 'warning');
  assert.equal(codes([sample({ routes: [route(5, 'NB', { pending_size: 5e6 }), route(6, 'NC', { ip: '10.0.0.3' })] })]).CLUSTER_006, 'warning');
  const routes = [route(5, 'NB'), route(6, 'NC', { ip: '10.0.0.3' })];
  assert.equal(codes([sample({ routes, varz: { stale_connection_stats: { routes: 2 } } })]).CLUSTER_007, 'warning');
  const skipped = checkServer('x', [sample({ routes, varz: { stale_connection_stats: undefined, slow_consumer_stats: undefined } })]).skipped;
  assert.match(skipped.find((k) => k.code === 'CLUSTER_007')!.reason, /per-kind counters/);
});

test('across members: a different cluster name (CLUSTER_003), members without routes to each other (CLUSTER_004)', () => {
  const a = sample({ varz: { server_id: 'NA', server_name: 'a' }, routes: [route(5, 'NB')] });
  const b = sample({ varz: { server_id: 'NB', server_name: 'b' }, routes: [route(5, 'NA')] });
  const c = sample({ varz: { server_id: 'NC', server_name: 'c', cluster: { name: 'OTHER', cluster_port: 6222 } }, routes: [] });
  const reports = [a, b, c].map((s) => checkServer('x', [s]));
  checkAcrossServers(reports, [a, b, c]);
  assert.equal(reports[2]!.findings.find((f) => f.code === 'CLUSTER_003')?.severity, 'critical');
  assert.ok(!reports[0]!.findings.some((f) => f.code === 'CLUSTER_003'));
  assert.match(reports[0]!.findings.find((f) => f.code === 'CLUSTER_004')!.evidence, /no route to c/);
  assert.match(reports[2]!.findings.find((f) => f.code === 'CLUSTER_004')!.evidence, /no route to a, b/);
});

test('doctor over a mixed cluster: all clear; then a member down is reported', { skip: !hasNatsServer() && 'nats-server is not installed' }, async () => {
  const kinds: ServerKind[] = ['tsnats', 'nats-server', 'tsnats'];
  // Every member lists every other (a shared route list, as in the docs' example).
  const cl = await startCluster(kinds.map((kind, i) => ({ kind, seeds: [0, 1, 2].filter((j) => j !== i) })));
  try {
    await cl.formed();
    const urls = cl.members.map((m) => `http://127.0.0.1:${m.server.httpPort}`);
    const ok = await doctorJSON([...urls, '--route-rtt', '2s', '--rtt', '2s']);
    for (const s of ok.report.servers) {
      const cf = s.findings.filter((f: any) => f.code.startsWith('CLUSTER'));
      assert.deepEqual(cf, [], JSON.stringify(cf));
      for (const c of ['CLUSTER_001', 'CLUSTER_003', 'CLUSTER_004']) assert.ok(s.passed.includes(c), `${s.url} ${c}`);
    }
    const p = cl.members[2].server.proc;
    p.kill('SIGKILL');
    await once(p, 'exit');
    await cl.formed();
    const down = await doctorJSON([...urls, '--route-rtt', '2s', '--rtt', '2s']);
    assert.equal(down.code, 2);
    const s0 = down.report.servers[0];
    assert.match(s0.findings.find((f: any) => f.code === 'CLUSTER_001').evidence, new RegExp(`not connected: .*127\\.0\\.0\\.1:${cl.members[2].clusterPort}`));
    assert.match(s0.findings.find((f: any) => f.code === 'CLUSTER_004').evidence, /could not read http:\/\/127\.0\.0\.1:\d+/);
    assert.ok(down.report.servers[2].error);
  } finally {
    await cl.stop();
  }
});
