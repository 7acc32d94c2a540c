// What every hub/leaf pairing must do, through the official client (nats.js v3): shared by the
// nats-server+tsnats, tsnats+nats-server, tsnats+tsnats and nats-server+nats-server (the reference's
// own answer) files, one pairing per file so the files run in parallel.
//
// Topology: the hub has account APP (clients app/app) and $G (clients g/g), and leafnode users
// leafapp → APP and leafg → $G. The leaf has account LAPP (clients l/l) and $G (lg/lg) and two
// remotes: LAPP ↔ APP (deny_exports secret.>, deny_imports private.>) and $G ↔ $G.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, headers as natsHeaders, type NatsConnection, type Msg } from '@nats-io/transport-node';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { startConf, waitLeafs, eventually, type LeafServer } from '../helpers/leaf.js';

export function hubConf(): string {
  return `
accounts { APP { users [{user: app, password: app}] } }
authorization { users [{user: g, password: g}] }
leafnodes {
  listen: "127.0.0.1:$LEAFPORT"
  authorization { users [ {user: leafapp, password: lp, account: APP}, {user: leafg, password: lg} ] }
}`;
}

export function leafConf(hubLeafPort: number): string {
  return `
accounts { LAPP { users [{user: l, password: l}] } }
authorization { users [{user: lg, password: lg}] }
leafnodes {
  reconnect: 1
  remotes [
    { url: "nats-leaf://leafapp:lp@127.0.0.1:${hubLeafPort}", account: LAPP, deny_exports: ["secret.>"], deny_imports: ["private.>"] }
    { url: "nats-leaf://leafg:lg@127.0.0.1:${hubLeafPort}" }
  ]
}`;
}

/** Publishes `subject` on `from` until `to` sees it (interest crossed the leaf connection). */
export async function crossed(from: NatsConnection, to: NatsConnection, subject: string, ms = 5000): Promise<void> {
  let got = false;
  const sub = to.subscribe(subject, { callback: () => { got = true; } });
  await to.flush();
  await eventually(async () => {
    from.publish(subject, 'probe');
    await from.flush();
    await new Promise((r) => setTimeout(r, 20));
    return got;
  }, ms, `interest in ${subject} across the leaf connection`);
  sub.unsubscribe();
  await to.flush();
}

/** Resolves once a request to `subject` from `nc` is answered (the responder's interest arrived). */
async function answered(nc: NatsConnection, subject: string): Promise<void> {
  await eventually(async () => {
    try {
      await nc.request(subject, 'x', { timeout: 200 });
      return true;
    } catch {
      return false;
    }
  }, 5000, `a responder on ${subject}`);
}

export function leafSuite(hubKind: ServerKind, leafKind: ServerKind): void {
  const needsRef = hubKind === 'nats-server' || leafKind === 'nats-server';
  describe(`leafnode: ${hubKind} hub + ${leafKind} leaf`, { skip: needsRef && !hasNatsServer() && 'nats-server is not installed' }, () => {
    let hub: LeafServer;
    let leaf: LeafServer;
    let happ: NatsConnection;
    let hg: NatsConnection;
    let lapp: NatsConnection;
    let lg: NatsConnection;
    before(async () => {
      hub = await startConf(hubKind, 'HUB', hubConf());
      leaf = await startConf(leafKind, 'LEAF', leafConf(hub.leafPort));
      await Promise.all([waitLeafs(hub, 2), waitLeafs(leaf, 2)]);
      [happ, hg, lapp, lg] = await Promise.all([
        connect({ servers: hub.url, user: 'app', pass: 'app' }),
        connect({ servers: hub.url, user: 'g', pass: 'g' }),
        connect({ servers: leaf.url, user: 'l', pass: 'l' }),
        connect({ servers: leaf.url, user: 'lg', pass: 'lg' }),
      ]);
    });
    after(async () => {
      await Promise.all([happ, hg, lapp, lg].map((c) => c?.close().catch(() => {})));
      await Promise.all([leaf?.server.stop(), hub?.server.stop()]);
    });

    test('/leafz: the hub sees the hub accounts, the leaf its local accounts and the hub address', async () => {
      const h = await waitLeafs(hub, 2);
      assert.deepEqual(h.map((l) => l.account).sort(), ['$G', 'APP']);
      for (const l of h) {
        assert.equal(l.ip, '127.0.0.1');
        assert.equal(typeof l.rtt, 'string');
        // The leaf's own $LDS subject and its service imports at least.
        assert.ok(l.subscriptions >= 1 && l.subscriptions_list!.some((s) => s.startsWith('$LDS.')), JSON.stringify(l));
      }
      const lf = await waitLeafs(leaf, 2);
      assert.deepEqual(lf.map((l) => l.account).sort(), ['$G', 'LAPP']);
      for (const l of lf) assert.equal(l.port, hub.leafPort);
    });

    test('messages both ways in the bound accounts, wildcards and headers; accounts stay apart', async () => {
      const got: string[] = [];
      const rec = (who: string) => (_e: unknown, m: Msg) => {
        got.push(`${who}:${m.subject}:${m.string()}:${m.headers?.get('X-K') ?? ''}`);
      };
      const s1 = lapp.subscribe('orders.>', { callback: rec('lapp') });
      const s2 = happ.subscribe('events.*', { callback: rec('happ') });
      const s3 = lg.subscribe('orders.>', { callback: rec('lg') });
      const s4 = hg.subscribe('events.*', { callback: rec('hg') });
      await Promise.all([lapp.flush(), happ.flush(), lg.flush(), hg.flush()]);
      await crossed(happ, lapp, 'orders.probe');
      await crossed(lapp, happ, 'events.probe');
      await crossed(hg, lg, 'orders.gprobe');
      got.length = 0;
      const h = natsHeaders();
      h.set('X-K', 'v1');
      happ.publish('orders.new', 'a', { headers: h });
      lapp.publish('events.created', 'b');
      hg.publish('orders.g', 'c');
      await eventually(() => got.length >= 3, 5000, 'three deliveries');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(got.sort(), ['happ:events.created:b:', 'lapp:orders.new:a:v1', 'lg:orders.g:c:']);
      for (const s of [s1, s2, s3, s4]) s.unsubscribe();
    });

    test('request/reply both ways, with headers; no_responders both ways', async () => {
      const svcLeaf = lapp.subscribe('svc.leaf', { callback: (_e, m) => { m.respond(`leaf:${m.string()}:${m.headers?.get('X-K') ?? ''}`); } });
      const svcHub = happ.subscribe('svc.hub', { callback: (_e, m) => { m.respond(`hub:${m.string()}`); } });
      await Promise.all([lapp.flush(), happ.flush()]);
      await answered(happ, 'svc.leaf');
      await answered(lapp, 'svc.hub');
      const h = natsHeaders();
      h.set('X-K', 'hk');
      assert.equal((await happ.request('svc.leaf', 'q1', { timeout: 2000, headers: h })).string(), 'leaf:q1:hk');
      assert.equal((await lapp.request('svc.hub', 'q2', { timeout: 2000 })).string(), 'hub:q2');
      // Nobody anywhere: both sides answer 503 at once.
      for (const nc of [happ, lapp]) {
        const t0 = Date.now();
        await assert.rejects(nc.request('svc.none', 'x', { timeout: 3000 }), /no responders/i);
        assert.ok(Date.now() - t0 < 1500);
      }
      // The responder leaves: the requester on the other side gets no responders once the interest is gone.
      svcLeaf.unsubscribe();
      await lapp.flush();
      await eventually(async () => {
        try {
          await happ.request('svc.leaf', 'x', { timeout: 1000 });
          return false;
        } catch (e) {
          return /no responders/i.test((e as Error).message);
        }
      }, 5000, 'no responders after the leaf responder left');
      svcHub.unsubscribe();
    });

    test('queue groups: each message once; a publisher\'s own side first, the other side when it has no member', async () => {
      const count = { hub: 0, leaf: 0 };
      const mk = (nc: NatsConnection, who: 'hub' | 'leaf') => nc.subscribe('work', { queue: 'workers', callback: () => { count[who]++; } });
      const hs = [mk(happ, 'hub'), mk(happ, 'hub')];
      const ls = [mk(lapp, 'leaf'), mk(lapp, 'leaf')];
      await Promise.all([happ.flush(), lapp.flush()]);
      for (let i = 0; i < 50; i++) happ.publish('work', String(i));
      for (let i = 0; i < 50; i++) lapp.publish('work', String(i));
      await Promise.all([happ.flush(), lapp.flush()]);
      await eventually(() => count.hub + count.leaf === 100, 5000, '100 deliveries');
      assert.deepEqual(count, { hub: 50, leaf: 50 });
      for (const s of hs) s.unsubscribe();
      await happ.flush();
      count.hub = count.leaf = 0;
      await eventually(async () => {
        happ.publish('work', 'p');
        await happ.flush();
        await new Promise((r) => setTimeout(r, 30));
        return count.leaf > 0;
      }, 5000, 'the hub publisher reaching the leaf members');
      count.leaf = 0;
      for (let i = 0; i < 40; i++) happ.publish('work', String(i));
      await happ.flush();
      await eventually(() => count.leaf === 40, 5000, '40 deliveries on the leaf');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(count, { hub: 0, leaf: 40 });
      for (const s of ls) s.unsubscribe();
    });

    test('deny_exports and deny_imports on the remote', async () => {
      const got: string[] = [];
      const hsub = happ.subscribe('secret.>', { callback: (_e, m) => { got.push(`hub:${m.subject}`); } });
      const lsub = lapp.subscribe('private.>', { callback: (_e, m) => { got.push(`leaf:${m.subject}`); } });
      const ok1 = happ.subscribe('open.hub', { callback: (_e, m) => { got.push(`hub:${m.subject}`); } });
      await Promise.all([happ.flush(), lapp.flush()]);
      await crossed(lapp, happ, 'open.probe');
      await crossed(happ, lapp, 'open.probe2');
      lapp.publish('secret.x', '1');
      happ.publish('private.y', '2');
      lapp.publish('open.hub', '3');
      await eventually(() => got.includes('hub:open.hub'), 5000, 'the allowed message');
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual(got, ['hub:open.hub']);
      for (const s of [hsub, lsub, ok1]) s.unsubscribe();
    });
  });
}
