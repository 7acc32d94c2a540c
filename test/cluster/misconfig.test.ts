// Misconfigured clusters (the bad-input list): a route to ourselves and a loop of routes,
// a wrong cluster name or password on the dialling side, two servers with the same name, a client
// on an open route port. The reference's answers and log lines, nothing else affected, the mesh heals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withServer, logCollector } from '../helpers/tsnats.js';
import type { Server } from '../../src/server/server.js';
import type { ClusterService } from '../../src/services.js';
import type { Cluster } from '../../src/cluster/cluster.js';
import { RawConn } from '../helpers/raw.js';
import { startServer, hasNatsServer } from '../helpers/servers.js';
import { eventually } from './scenarios.js';
import { freePort } from '../../dev/ports.js';

const cluster = (s: Server): Cluster => s.service<ClusterService>('cluster')!.cluster!;

test('routes to ourselves and both ways between two servers: one route, no duplicates, messages once', async (t) => {
  const pa = await freePort();
  const pb = await freePort();
  const la = logCollector();
  const routes = [`nats-route://127.0.0.1:${pa}`, `nats-route://127.0.0.1:${pb}`];
  const a = await withServer(t, { serverName: 'A', cluster: { port: pa, host: '127.0.0.1', name: 'C1' }, routes, log: la.log, debug: true });
  const b = await withServer(t, { serverName: 'B', cluster: { port: pb, host: '127.0.0.1', name: 'C1' }, routes });
  await eventually(() => cluster(a).routes.size === 1 && cluster(b).routes.size === 1, 8000, 'one route each');
  await la.wait(/Detected route to self, ignoring "nats-route:\/\/127\.0\.0\.1:\d+"/);
  await new Promise((r) => setTimeout(r, 1500)); // reconnect attempts settle: still one route
  assert.equal(cluster(a).routes.size, 1);
  assert.equal(cluster(b).routes.size, 1);
  const { c: sub } = await RawConn.openAndInfo(b.port);
  sub.send('CONNECT {"verbose":false}\r\nSUB loop 1\r\n');
  await sub.roundTrip();
  const { c: pub } = await RawConn.openAndInfo(a.port);
  pub.send('CONNECT {"verbose":false}\r\n');
  await eventually(async () => {
    pub.send('PUB loop 1\r\nx\r\n');
    await pub.roundTrip();
    return sub.pending().toString().includes('MSG loop');
  }, 5000, 'interest');
  sub.take();
  for (let i = 0; i < 10; i++) pub.send('PUB loop 1\r\ny\r\n');
  await pub.roundTrip();
  await new Promise((r) => setTimeout(r, 200));
  const got = sub.take().toString().split('\r\n').filter((l) => l.startsWith('MSG loop'));
  assert.equal(got.length, 10);
  sub.close();
  pub.close();
});

test('the dialling side: a wrong cluster name or password closes, and the configured route is retried', async (t) => {
  const lb = logCollector();
  const b = await withServer(t, { serverName: 'B', cluster: { port: -1, host: '127.0.0.1', name: 'C2', username: 'r', password: 'right' }, log: lb.log });
  const la = logCollector();
  await withServer(t, { serverName: 'A', cluster: { port: -1, host: '127.0.0.1', name: 'C1' }, routes: [`nats-route://r:right@127.0.0.1:${cluster(b).port}`], log: la.log });
  await lb.wait(/Rejecting connection, cluster name "C1" does not match "C2"/);
  await la.wait(/Router connection closed: Cluster Name Conflict/);
  // Retried every second, as long as it is configured.
  await eventually(() => la.lines.filter((l) => l.includes('Route connection created')).length >= 2, 4000, 'a second attempt');
  const lc = logCollector();
  await withServer(t, { serverName: 'C', cluster: { port: -1, host: '127.0.0.1', name: 'C2' }, routes: [`nats-route://r:wrong@127.0.0.1:${cluster(b).port}`], log: lc.log });
  await lb.wait(/authentication error/);
  await lc.wait(/Route Error 'Authorization Violation'|Router connection closed/);
  assert.equal(cluster(b).routes.size, 0);
});

test('two servers with the same name: the acceptor refuses the second (Duplicate Server Name)', async (t) => {
  const lb = logCollector();
  const b = await withServer(t, { serverName: 'SAME', cluster: { port: -1, host: '127.0.0.1', name: 'C1' }, log: lb.log });
  await withServer(t, { serverName: 'SAME', cluster: { port: -1, host: '127.0.0.1', name: 'C1' }, routes: [`nats-route://127.0.0.1:${cluster(b).port}`] });
  await lb.wait(/Remote server has a duplicate name: "SAME"/);
  await lb.wait(/Router connection closed: Duplicate Server Name/);
  assert.equal(cluster(b).routes.size, 0);
});

for (const kind of hasNatsServer() ? ['tsnats', 'nats-server'] as const : ['tsnats'] as const) {
  test(`${kind}: a client on a route port without route auth: -ERR 'attempted to connect to route port'`, async (t) => {
    const clusterPort = await freePort();
    const s = await startServer(kind, { args: ['--cluster', `nats://127.0.0.1:${clusterPort}`, '--cluster_name', 'C1'] });
    t.after(() => s.stop());
    if (kind === 'nats-server') await s.waitForOutput(/Listening for route connections/);
    const { c } = await RawConn.openAndInfo(clusterPort);
    c.send('CONNECT {"verbose":false,"lang":"node","version":"3.0.0"}\r\n');
    assert.equal(await c.readUntilClose(), "-ERR 'attempted to connect to route port'\r\n");
    await s.waitForOutput(/attempted to connect to route port/);
    await s.waitForOutput(/Router connection closed: Incorrect Port/);
  });
}

test('routes that come and go leave nothing behind: registry, remote interest, timers', async (t) => {
  const srv = await withServer(t, { serverName: 'L', cluster: { port: -1, host: '127.0.0.1', name: 'C1' } });
  const cl = cluster(srv);
  const size = () => [...srv.accounts.values()].reduce((a, acc) => a + acc.sl.size, 0);
  const before = size();
  for (let i = 0; i < 60; i++) {
    const { c } = await RawConn.openAndInfo(cl.port);
    const id = `NLEAK${i}`.padEnd(56, 'A');
    c.send(`CONNECT {"echo":true,"verbose":false,"pedantic":false,"tls_required":false,"headers":true,"name":"${id}","cluster":"C1","lnoc":true}\r\n`);
    c.send(`INFO {"server_id":"${id}","server_name":"leak${i}","version":"2.9.10","proto":2,"go":"go1.19.8","host":"127.0.0.1","port":1,"headers":true,"max_payload":1048576,"cluster":"C1","connect_urls":["127.0.0.1:${10000 + i}"]}\r\n`);
    c.send(`RS+ $G a.${i}\r\nRS+ $G q.${i} g 3\r\nRS+ $SYS $SYS.x.${i}\r\nPING\r\n`);
    await c.until((b) => b.toString().includes('PONG'), 3000);
    // Half leave with FIN, half with RST.
    if (i % 2) c.close();
    else c.reset();
  }
  await eventually(() => cl.routes.size === 0 && cl.remotes.size === 0, 5000, 'routes gone');
  assert.equal(size(), before);
  assert.deepEqual(srv.connectURLs, [`127.0.0.1:${srv.port}`]);
  assert.equal(srv.clients.size, 0);
});

test('a cluster without a name takes the name of a configured peer', async (t) => {
  const la = logCollector();
  const a = await withServer(t, { serverName: 'A', cluster: { port: -1, host: '127.0.0.1' }, log: la.log });
  await la.wait(/Cluster name was dynamically generated, consider setting one/);
  assert.notEqual(cluster(a).clusterName, 'NAMED');
  await withServer(t, { serverName: 'B', cluster: { port: -1, host: '127.0.0.1', name: 'NAMED' }, routes: [`nats-route://127.0.0.1:${cluster(a).port}`] });
  await eventually(() => cluster(a).routes.size === 1, 5000, 'route');
  assert.equal(cluster(a).clusterName, 'NAMED');
  assert.equal(a.clusterName, 'NAMED');
});

test('a gossiped route that cannot be reached is tried connect_retries more times, then dropped', async (t) => {
  // C advertises an address nobody listens on: A gossips C's INFO to B, which cannot reach it.
  const dead = await freePort();
  const a = await withServer(t, { serverName: 'A', cluster: { port: -1, host: '127.0.0.1', name: 'C1' } });
  const lb = logCollector();
  await withServer(t, { serverName: 'B', cluster: { port: -1, host: '127.0.0.1', name: 'C1', connectRetries: 2 }, routes: [`nats-route://127.0.0.1:${cluster(a).port}`], log: lb.log, debug: true });
  await eventually(() => cluster(a).routes.size === 1, 5000, 'B joined A');
  await withServer(t, { serverName: 'C', cluster: { port: -1, host: '127.0.0.1', name: 'C1', advertise: `127.0.0.1:${dead}` }, routes: [`nats-route://127.0.0.1:${cluster(a).port}`] });
  await lb.wait(new RegExp(`Error trying to connect to route \\(attempt 1\\): dial tcp 127\\.0\\.0\\.1:${dead}: connect: connection refused`));
  await lb.wait(/Error trying to connect to route \(attempt 3\)/, 5000);
  await new Promise((r) => setTimeout(r, 1300));
  assert.ok(!lb.lines.some((l) => /attempt 4/.test(l)), 'no 4th attempt');
});
