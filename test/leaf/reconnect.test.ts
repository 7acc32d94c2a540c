// A tsnats leaf when its hub goes away (reference §2.10, §2.11): a hub that restarts (the leaf
// redials after the reconnect interval, the interest is replayed both ways, live subscribers on
// both sides carry on, nothing published after the reconnection is lost), and a hub that vanishes
// without a FIN (the spoke's PINGs go unanswered: Stale Connection, then the next URL; the hub
// replaces the old connection from the same server). Hubs: tsnats and nats-server.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { startConf, restartConf, waitLeafs, eventually } from '../helpers/leaf.js';
import { BlackholeProxy } from '../helpers/proxy.js';
import { withServer, logCollector } from '../helpers/tsnats.js';
import { crossed } from './suite.js';

const HUBS: ServerKind[] = hasNatsServer() ? ['tsnats', 'nats-server'] : ['tsnats'];
const HUB = `
accounts { APP { users [{user: app, password: app}] } }
leafnodes { listen: "127.0.0.1:$LEAFPORT", authorization { users [ {user: leafapp, password: lp, account: APP} ] } }`;

const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

describe('a tsnats leaf when its hub goes away', () => {
  for (const hubKind of HUBS) {
    test(`${hubKind} hub restarted: the leaf reconnects, interest replayed both ways, nothing lost after`, async (t) => {
      let hub = await startConf(hubKind, 'HUB', HUB);
      cleanup.push(() => hub.server.stop());
      const logs = logCollector();
      const leaf = await withServer(t, {
        serverName: 'LEAF', log: logs.log,
        accounts: [{ name: 'LAPP', users: [{ user: 'l', password: 'l' }] }],
        leafnodes: { reconnect: 300, remotes: [{ urls: [`nats-leaf://leafapp:lp@127.0.0.1:${hub.leafPort}`], account: 'LAPP' }] },
      });
      await waitLeafs(hub, 1);
      const lc = await connect({ servers: leaf.url, user: 'l', pass: 'l' });
      t.after(() => lc.close());
      let hc = await connect({ servers: hub.url, user: 'app', pass: 'app', maxReconnectAttempts: -1, reconnectTimeWait: 50 });
      t.after(() => hc.close());
      const atLeaf: string[] = [];
      const atHub: string[] = [];
      lc.subscribe('to.leaf', { callback: (_e, m) => { atLeaf.push(m.string()); } });
      hc.subscribe('to.hub', { callback: (_e, m) => { atHub.push(m.string()); } });
      await Promise.all([lc.flush(), hc.flush()]);
      await crossed(hc, lc, 'to.leaf.probe');
      const t0 = Date.now();
      hub = await restartConf(hub);
      await logs.wait(/Leafnode connection closed: Client Closed account: LAPP/, 5000);
      // The same client (it reconnects) keeps its subscription; the leaf's is replayed to the new hub.
      await waitLeafs(hub, 1, 8000, (l) => (l[0].subscriptions_list ?? []).includes('to.leaf'));
      assert.ok(Date.now() - t0 < 8000);
      await eventually(() => !hc.isClosed() && hc.info !== undefined && hc.info.server_id !== undefined, 5000, 'the hub client back');
      await hc.flush();
      await eventually(async () => {
        lc.publish('to.hub', 'probe');
        await lc.flush();
        await new Promise((r) => setTimeout(r, 30));
        return atHub.includes('probe');
      }, 8000, 'the hub subscriber replayed to the leaf');
      atLeaf.length = 0;
      atHub.length = 0;
      for (let i = 0; i < 50; i++) {
        hc.publish('to.leaf', `h${i}`);
        lc.publish('to.hub', `l${i}`);
      }
      await Promise.all([hc.flush(), lc.flush()]);
      await eventually(() => atLeaf.length >= 50 && atHub.length >= 50, 5000, '50 messages each way');
      assert.deepEqual(atLeaf, Array.from({ length: 50 }, (_, i) => `h${i}`));
      assert.deepEqual(atHub.filter((x) => x !== 'probe'), Array.from({ length: 50 }, (_, i) => `l${i}`));
    });
  }

  test('a hub that vanishes without a FIN: the spoke\'s PINGs go unanswered, Stale Connection, the next URL', async (t) => {
    const hub = await withServer(t, {
      serverName: 'HUB',
      accounts: [{ name: 'APP', users: [{ user: 'app', password: 'app' }] }],
      leafnodes: { host: '127.0.0.1', port: -1, authorization: { users: [{ user: 'leafapp', password: 'lp', account: 'APP' }] } },
    });
    const hubLeafPort = (hub.service('leafnodes') as unknown as { leafnodes: { port: number } }).leafnodes.port;
    const proxy = await BlackholeProxy.start(hubLeafPort);
    cleanup.push(() => proxy.close());
    const logs = logCollector();
    const leaf = await withServer(t, {
      serverName: 'LEAF', log: logs.log, pingInterval: 200, pingMax: 2,
      leafnodes: { reconnect: 100, remotes: [{ urls: [`nats-leaf://leafapp:lp@127.0.0.1:${proxy.port}`], noRandomize: true }] },
    });
    const lc = await connect({ servers: leaf.url });
    t.after(() => lc.close());
    const hc = await connect({ servers: hub.url, user: 'app', pass: 'app' });
    t.after(() => hc.close());
    const got: string[] = [];
    lc.subscribe('x', { callback: (_e, m) => { got.push(m.string()); } });
    await lc.flush();
    await crossed(hc, lc, 'x.probe');
    // Through the proxy now; then it drops everything silently.
    proxy.blackhole();
    const t0 = Date.now();
    await logs.wait(/Stale Leafnode Connection - Closing/, 5000);
    const staleAfter = Date.now() - t0;
    // PINGs every 200ms whatever the traffic (spoke); the 3rd unanswered tick closes: ~600ms.
    assert.ok(staleAfter >= 350 && staleAfter < 3000, `stale after ${staleAfter}ms`);
    await logs.wait(/Leafnode connection closed: Stale Connection account: \$G/, 2000);
    // The hub advertised its own address: the leaf goes there directly, and the hub replaces the old connection.
    await eventually(async () => {
      hc.publish('x', 'after');
      await hc.flush();
      await new Promise((r) => setTimeout(r, 50));
      return got.includes('after');
    }, 8000, 'messages again after the reconnection');
  });
});
