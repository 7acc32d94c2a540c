// A leaf on a hub that is a 2-server cluster, any mix of tsnats and nats-server (reference §2.8,
// §2.10): the leaf dials HUB1 only and learns HUB2 from leafnode_urls; its interest crosses the hub
// route as LS+ with its cluster as origin and its messages as LMSG; when HUB1 stops it moves to
// HUB2, its interest is replayed there and nothing published after that is lost; it stays on HUB2
// when HUB1 comes back.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { startConf, restartConf, waitLeafs, eventually, type LeafServer } from '../helpers/leaf.js';
import { freePort } from '../../dev/ports.js';
import { crossed } from './suite.js';

function hubMember(clusterPort: number, otherPort: number): string {
  return `
accounts { APP { users [{user: app, password: app}] } }
cluster { name: HC, listen: "127.0.0.1:${clusterPort}", routes: ["nats-route://127.0.0.1:${otherPort}"] }
leafnodes {
  listen: "127.0.0.1:$LEAFPORT"
  authorization { users [ {user: leafapp, password: lp, account: APP} ] }
}`;
}

async function routes(s: LeafServer): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${s.server.httpPort}/routez`);
  return ((await r.json()) as { num_routes: number }).num_routes;
}

export function hubClusterSuite(h1: ServerKind, h2: ServerKind, leafKind: ServerKind): void {
  const needsRef = [h1, h2, leafKind].includes('nats-server');
  describe(`leafnode on a hub cluster: ${h1} + ${h2} hubs, ${leafKind} leaf`, { skip: needsRef && !hasNatsServer() && 'nats-server is not installed' }, () => {
    let hub1: LeafServer;
    let hub2: LeafServer;
    let leaf: LeafServer;
    let c1: NatsConnection;
    let c2: NatsConnection;
    let lc: NatsConnection;
    before(async () => {
      const [cp1, cp2] = await Promise.all([freePort(), freePort()]);
      [hub1, hub2] = await Promise.all([startConf(h1, 'HUB1', hubMember(cp1, cp2)), startConf(h2, 'HUB2', hubMember(cp2, cp1))]);
      await eventually(async () => (await routes(hub1)) === 1 && (await routes(hub2)) === 1, 10_000, 'the hub route');
      leaf = await startConf(leafKind, 'LEAF', `
accounts { LAPP { users [{user: l, password: l}] } }
leafnodes { reconnect: 1, remotes [ { url: "nats-leaf://leafapp:lp@127.0.0.1:${hub1.leafPort}", account: LAPP } ] }`);
      await waitLeafs(hub1, 1);
      [c1, c2, lc] = await Promise.all([
        connect({ servers: hub1.url, user: 'app', pass: 'app', maxReconnectAttempts: 0 }),
        connect({ servers: hub2.url, user: 'app', pass: 'app' }),
        connect({ servers: leaf.url, user: 'l', pass: 'l' }),
      ]);
    });
    after(async () => {
      await Promise.all([c1, c2, lc].map((c) => c?.close().catch(() => {})));
      await Promise.all([leaf?.server.stop(), hub1?.server.stop(), hub2?.server.stop()]);
    });

    test('the leaf\'s interest and messages cross the hub route both ways; request/reply through it', async () => {
      const got: string[] = [];
      const ls = lc.subscribe('l.>', { callback: (_e, m) => { got.push(`leaf:${m.subject}:${m.string()}`); } });
      const hs = c2.subscribe('h2.*', { callback: (_e, m) => { got.push(`hub2:${m.subject}:${m.string()}`); } });
      await Promise.all([lc.flush(), c2.flush()]);
      await crossed(c2, lc, 'l.probe');
      await crossed(lc, c2, 'h2.probe');
      got.length = 0;
      c2.publish('l.a', '1');
      lc.publish('h2.b', '2');
      await eventually(() => got.length === 2, 5000, 'two deliveries');
      assert.deepEqual(got.sort(), ['hub2:h2.b:2', 'leaf:l.a:1']);
      const svc = lc.subscribe('svc.leaf', { callback: (_e, m) => { m.respond(`re:${m.string()}`); } });
      const svc2 = c2.subscribe('svc.hub2', { callback: (_e, m) => { m.respond(`h2:${m.string()}`); } });
      await Promise.all([lc.flush(), c2.flush()]);
      await eventually(async () => {
        try {
          return (await c2.request('svc.leaf', 'q', { timeout: 300 })).string() === 're:q';
        } catch {
          return false;
        }
      }, 5000, 'a request from HUB2 to the leaf');
      await eventually(async () => {
        try {
          return (await lc.request('svc.hub2', 'q', { timeout: 300 })).string() === 'h2:q';
        } catch {
          return false;
        }
      }, 5000, 'a request from the leaf to HUB2');
      svc.unsubscribe();
      svc2.unsubscribe();
      ls.unsubscribe();
      hs.unsubscribe();
    });

    test('HUB1 stops: the leaf moves to HUB2 (advertised URL), its interest is replayed, nothing after that is lost; it stays when HUB1 returns', async () => {
      const got: string[] = [];
      const ls = lc.subscribe('live.>', { callback: (_e, m) => { got.push(m.string()); } });
      await lc.flush();
      await crossed(c2, lc, 'live.probe');
      const t0 = Date.now();
      await hub1.server.stop();
      // Reconnect after the reconnect interval (1s), to the next URL: HUB2's leafnode port.
      await waitLeafs(hub2, 1, 8000, (l) => (l[0].subscriptions_list ?? []).includes('live.>'));
      const took = Date.now() - t0;
      assert.ok(took >= 900 && took < 8000, `reconnected after ${took}ms`);
      got.length = 0;
      for (let i = 0; i < 100; i++) c2.publish('live.n', String(i));
      await c2.flush();
      await eventually(() => got.length >= 100, 5000, '100 messages after the reconnection');
      assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => String(i)));
      hub1 = await restartConf(hub1);
      await eventually(async () => (await routes(hub1)) === 1, 10_000, 'HUB1 back in the cluster');
      await new Promise((r) => setTimeout(r, 1500));
      await waitLeafs(hub2, 1);
      await waitLeafs(hub1, 0);
      // Through HUB1 and the route to the leaf, again.
      c1 = await connect({ servers: hub1.url, user: 'app', pass: 'app' });
      await crossed(c1, lc, 'live.probe2');
      ls.unsubscribe();
    });
  });
}
