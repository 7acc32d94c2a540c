// Reload (reload.go clusterOption, routesOption): routes added and removed live, cluster host and
// port refused, new permissions re-announce interest; in-process servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withServer, logCollector } from '../helpers/tsnats.js';
import type { Server } from '../../src/server/server.js';
import type { ClusterService } from '../../src/services.js';
import type { Cluster } from '../../src/cluster/cluster.js';
import { RawConn } from '../helpers/raw.js';
import { eventually } from './scenarios.js';

const cluster = (s: Server): Cluster => s.service<ClusterService>('cluster')!.cluster!;
const remoteKeys = (s: Server) => [...cluster(s).routes.values()].flatMap((c) => [...c.route!.subs.keys()]).filter((k) => !k.startsWith('$SYS')).sort();

async function pair(t: Parameters<typeof withServer>[0], logs = logCollector()) {
  const b = await withServer(t, { serverName: 'B', cluster: { port: -1, host: '127.0.0.1', name: 'C1' } });
  const a = await withServer(t, { serverName: 'A', cluster: { port: -1, host: '127.0.0.1', name: 'C1' }, log: logs.log });
  return { a, b, logs, bURL: `nats-route://127.0.0.1:${cluster(b).port}` };
}

test('routes added and removed by reload: the route comes up, then goes and stays gone', async (t) => {
  const { a, b, logs, bURL } = await pair(t);
  const r = a.reload({ ...a.opts, routes: [bURL] });
  assert.ok(r.ok, r.error);
  assert.ok(r.lines.includes('Reloaded: cluster routes'), JSON.stringify(r.lines));
  await eventually(() => cluster(a).routes.size === 1 && cluster(b).routes.size === 1, 5000, 'route up');
  const r2 = a.reload({ ...a.opts, routes: [] });
  assert.ok(r2.ok, r2.error);
  await eventually(() => cluster(a).routes.size === 0 && cluster(b).routes.size === 0, 5000, 'route gone');
  await logs.wait(/Removed route nats-route:\/\/127\.0\.0\.1:\d+/);
  await logs.wait(/Router connection closed: Route Removed/);
  await new Promise((res) => setTimeout(res, 1300)); // past the reconnect delay: no new route
  assert.equal(cluster(a).routes.size, 0);
});

test('reload refuses to move the cluster listener', async (t) => {
  const { a } = await pair(t);
  const r = a.reload({ ...a.opts, cluster: { ...a.opts.cluster, port: 6999 } });
  assert.equal(r.ok, false);
  assert.equal(r.error, 'config reload not supported for cluster port: old=-1, new=6999');
  const r2 = a.reload({ ...a.opts, cluster: { ...a.opts.cluster, host: '0.0.0.0' } });
  assert.equal(r2.error, 'config reload not supported for cluster host: old=127.0.0.1, new=0.0.0.0');
  const r3 = a.reload({ ...a.opts, cluster: { ...a.opts.cluster, noAdvertise: true } });
  assert.ok(r3.ok, r3.error);
  assert.ok(r3.lines.includes('Reloaded: cluster'));
});

test('new cluster permissions: interest the import permission no longer allows is withdrawn, and back', async (t) => {
  const { a, b, bURL } = await pair(t);
  const { c } = await RawConn.openAndInfo(a.port);
  c.send('CONNECT {"verbose":false}\r\nSUB in.x 1\r\nSUB out.y 2\r\n');
  await c.roundTrip();
  assert.ok(a.reload({ ...a.opts, routes: [bURL] }).ok);
  await eventually(() => remoteKeys(b).length === 2, 5000, 'interest on B');
  assert.deepEqual(remoteKeys(b), ['$G in.x', '$G out.y']);
  assert.ok(a.reload({ ...a.opts, cluster: { ...a.opts.cluster, permissions: { import: { allow: ['in.>'] } } } }).ok);
  await eventually(() => remoteKeys(b).length === 1, 5000, 'out.y withdrawn');
  assert.deepEqual(remoteKeys(b), ['$G in.x']);
  assert.ok(a.reload({ ...a.opts, cluster: { ...a.opts.cluster, permissions: undefined } }).ok);
  await eventually(() => remoteKeys(b).length === 2, 5000, 'out.y back');
  c.close();
});
