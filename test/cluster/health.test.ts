// Health of routes (reference §1.6): the first PING about 1s after the connection (here
// min(ping_interval, 1s)), then every ping_interval; a route that stops answering is closed as stale
// with -ERR 'Stale Connection' (differential, raw fake route); a route that stops reading is a slow
// consumer at the write deadline; a frozen member is dropped and the mesh heals when it thaws.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { RawConn } from '../helpers/raw.js';
import { startServer, hasNatsServer, type ServerKind, type TestServer } from '../helpers/servers.js';
import { startCluster, routez } from '../helpers/cluster.js';
import { withServer, logCollector } from '../helpers/tsnats.js';
import { freePort } from '../../dev/ports.js';
import type { ClusterService } from '../../src/services.js';
import { eventually } from './scenarios.js';

const KINDS: ServerKind[] = hasNatsServer() ? ['tsnats', 'nats-server'] : ['tsnats'];
const dir = mkdtempSync(join(tmpdir(), 'tsnats-route-health-'));

function routeConnect(id: string): string {
  return `CONNECT {"echo":true,"verbose":false,"pedantic":false,"tls_required":false,"headers":true,"name":"${id}","cluster":"C1","lnoc":true}\r\n` +
    `INFO {"server_id":"${id}","server_name":"fake","version":"2.9.10","proto":2,"go":"go1.19.8","host":"127.0.0.1","port":7999,"headers":true,"max_payload":1048576,"cluster":"C1","lnoc":true}\r\n`;
}

for (const kind of KINDS) {
  describe(`${kind}: keepalive on routes`, () => {
    let s: TestServer;
    let clusterPort = 0;
    before(async () => {
      clusterPort = await freePort();
      const conf = join(dir, `${kind}-${clusterPort}.conf`);
      writeFileSync(conf, `ping_interval: "300ms"\nping_max: 2\ncluster { name: C1, listen: 127.0.0.1:${clusterPort} }\n`);
      s = await startServer(kind, { config: conf });
      if (kind === 'nats-server') await s.waitForOutput(/Listening for route connections/);
    });
    after(() => s.stop());

    test('a silent route: PINGs every interval from the first, then -ERR Stale Connection and close', async () => {
      const { c } = await RawConn.openAndInfo(clusterPort);
      c.send(routeConnect('N'.padEnd(56, 'S')));
      const t0 = Date.now();
      const pings: number[] = [];
      let err = '';
      while (!c.closed) {
        let line: string;
        try {
          line = await c.readLine(5000);
        } catch {
          break;
        }
        if (line === 'PING') pings.push(Date.now() - t0);
        else if (line.startsWith('-ERR')) err = line;
      }
      assert.equal(err, "-ERR 'Stale Connection'");
      assert.equal(pings.length, 2, JSON.stringify(pings));
      // First PING at min(ping_interval, 1s) + up to 20%, the next one interval later.
      assert.ok(pings[0] >= 250 && pings[0] < 1500, JSON.stringify(pings));
      assert.ok(pings[1] - pings[0] >= 150, JSON.stringify(pings));
    });

    test('a route that answers its PINGs stays up', async () => {
      const { c } = await RawConn.openAndInfo(clusterPort);
      c.send(routeConnect('N'.padEnd(56, 'P')));
      const t0 = Date.now();
      let pings = 0;
      while (Date.now() - t0 < 1600) {
        const line = await c.readLine(2000).catch(() => '');
        if (line === 'PING') {
          pings++;
          c.send('PONG\r\n');
        }
      }
      assert.ok(!c.closed);
      assert.ok(pings >= 2, `${pings} PINGs`);
      c.close();
    });
  });
}

test('tsnats: a stale route is counted and logged; the route that stops reading is a slow consumer', async (t) => {
  const logs = logCollector();
  const srv = await withServer(t, { pingInterval: 300, pingMax: 2, writeDeadline: 300, maxPending: 8 * 1024 * 1024, cluster: { port: -1, host: '127.0.0.1', name: 'C1' }, log: logs.log });
  const port = srv.service<ClusterService>('cluster')!.cluster!.port;
  const { c } = await RawConn.openAndInfo(port);
  c.send(routeConnect('N'.padEnd(56, 'T')));
  await c.readUntilClose(5000);
  await logs.wait(/rid:\d+ - Stale Route Connection - Closing/);
  await logs.wait(/rid:\d+ - Router connection closed: Stale Connection/);
  assert.equal(srv.stats.staleRoutes, 1);
  assert.equal(srv.stats.staleClients, 0);

  // A route that never reads: after the write deadline with nothing written, it is closed.
  const sock: Socket = netConnect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  sock.write(routeConnect('N'.padEnd(56, 'W')) + 'RS+ $G big\r\n');
  sock.pause();
  const { c: pub } = await RawConn.openAndInfo(srv.port);
  pub.send('CONNECT {"verbose":false}\r\n');
  const payload = 'x'.repeat(64 * 1024);
  const frame = `PUB big ${payload.length}\r\n${payload}\r\n`.repeat(16);
  await eventually(async () => {
    if (srv.stats.slowConsumerRoutes > 0) return true;
    await pub.write(frame);
    return false;
  }, 15_000, 'slow route');
  await logs.wait(/rid:\d+ - Slow Consumer Detected: WriteDeadline of 300ms exceeded/);
  await eventually(() => srv.service<ClusterService>('cluster')!.cluster!.routes.size === 0, 10_000, 'slow route closed');
  await logs.wait(/Router connection closed: Slow Consumer \(Write Deadline\)/);
  assert.equal(srv.stats.slowConsumerClients, 0);
  sock.destroy();
  pub.close();
});

test('a frozen member is dropped as stale by the others, and the mesh heals when it thaws', { skip: !hasNatsServer() && 'nats-server is not installed' }, async () => {
  const confs: string[] = [];
  const cl = await startCluster(['tsnats', 'nats-server', 'tsnats'].map((kind, i) => ({
    kind: kind as ServerKind,
    seeds: i === 0 ? [] : [0],
    config: (m) => {
      const f = join(dir, `frozen-${i}-${m.clusterPort}.conf`);
      writeFileSync(f, `server_name: F${i}\nping_interval: "300ms"\nping_max: 2\ncluster { name: C1, listen: 127.0.0.1:${m.clusterPort}${m.seeds.length ? `, routes: ["${m.seeds[0]}"]` : ''} }\n`);
      confs.push(f);
      return f;
    },
  })));
  try {
    await cl.formed();
    // Freeze the nats-server member: both tsnats members close their routes to it as stale.
    cl.members[1].server.freeze();
    await eventually(async () => (await routez(cl.members[0])).num_routes === 1 && (await routez(cl.members[2])).num_routes === 1, 10_000, 'frozen member dropped');
    const v = await (await fetch(`http://127.0.0.1:${cl.members[0].server.httpPort}/varz`)).json() as { stale_connection_stats: { routes: number } };
    assert.ok(v.stale_connection_stats.routes >= 1, JSON.stringify(v.stale_connection_stats));
    cl.members[1].server.thaw();
    await cl.formed(15_000);
    // Freeze a tsnats member: the nats-server member drops it too.
    cl.members[2].server.freeze();
    await eventually(async () => (await routez(cl.members[1])).num_routes === 1, 10_000, 'nats-server drops the frozen tsnats');
    cl.members[2].server.thaw();
    await cl.formed(15_000);
    const nc = await connect({ servers: cl.members[2].url });
    await nc.close();
  } finally {
    await cl.stop();
  }
});
