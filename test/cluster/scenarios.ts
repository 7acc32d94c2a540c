// What every mixed cluster must do, checked through the official client (nats.js v3) connected to
// different members: shared by the tsnats×3, tsnats×2 + nats-server and tsnats + nats-server×2
// files (one cluster per file, so the files run in parallel).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { startCluster, routez, type TestCluster } from '../helpers/cluster.js';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';

/** Resolves when `pred()` holds (polling), rejects after `ms`. */
export async function eventually(pred: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Until a message published on `from` reaches a subscription on `to` (interest has propagated). */
export async function interestReady(from: NatsConnection, to: NatsConnection, subject: string): Promise<void> {
  const probe = `${subject}`;
  let got = false;
  const sub = to.subscribe(probe, { callback: () => { got = true; } });
  await to.flush();
  await eventually(async () => {
    from.publish(probe, 'probe');
    await from.flush();
    await new Promise((r) => setTimeout(r, 20));
    return got;
  }, 5000, `interest in ${subject}`);
  sub.unsubscribe();
  await to.flush();
}

export function mixedClusterSuite(kinds: [ServerKind, ServerKind, ServerKind]): void {
  const needsRef = kinds.includes('nats-server');
  describe(`cluster ${kinds.join(' + ')} (member 2 knows only member 0: gossip)`, { skip: needsRef && !hasNatsServer() && 'nats-server is not installed' }, () => {
    let cl: TestCluster;
    let nc: NatsConnection[] = [];
    before(async () => {
      cl = await startCluster(kinds.map((kind) => ({ kind, seeds: [] as number[] })).map((s, i) => ({ ...s, seeds: i === 0 ? [] : [0] })));
      await cl.formed();
      nc = await Promise.all(cl.members.map((m) => connect({ servers: m.url, noRandomize: true })));
    });
    after(async () => {
      await Promise.all(nc.map((c) => c.close().catch(() => {})));
      await cl?.stop();
    });

    test('full mesh: every member has a route to every other; gossiped routes are not configured', async () => {
      const r2 = await routez(cl.members[2]);
      assert.equal(r2.num_routes, 2);
      const solicited = r2.routes.filter((r) => r.did_solicit);
      assert.ok(solicited.length >= 1);
      // The route between 1 and 2 came from gossip: on whichever side dialled it, it is not configured.
      const r1 = await routez(cl.members[1]);
      const between = [...r1.routes, ...r2.routes].filter((r) => r.did_solicit && !r.is_configured);
      assert.ok(between.length >= 1, JSON.stringify([r1, r2]));
    });

    test('clients learn every member in connect_urls', async () => {
      await eventually(() => nc.every((c) => (c.info?.connect_urls?.length ?? 0) === 3), 5000, 'connect_urls of 3');
      const want = cl.members.map((m) => `127.0.0.1:${m.server.port}`).sort();
      for (const c of nc) assert.deepEqual([...(c.info!.connect_urls ?? [])].sort(), want);
    });

    test('messages, wildcards and headers across members', async () => {
      const got: string[][] = [[], [], []];
      const subs = [
        nc[1].subscribe('orders.*', { callback: (_e, m) => { got[1].push(`${m.subject}:${m.string()}:${m.headers?.get('X-K') ?? ''}`); } }),
        nc[2].subscribe('orders.>', { callback: (_e, m) => { got[2].push(`${m.subject}:${m.string()}:${m.headers?.get('X-K') ?? ''}`); } }),
      ];
      await Promise.all([nc[1].flush(), nc[2].flush()]);
      await interestReady(nc[0], nc[1], 'orders.probe1');
      await interestReady(nc[0], nc[2], 'orders.probe2');
      got[1].length = 0;
      got[2].length = 0;
      const h = natsHeaders();
      h.set('X-K', 'v1');
      nc[0].publish('orders.new', 'a', { headers: h });
      nc[0].publish('orders.new.eu', 'b');
      await eventually(() => got[1].length >= 1 && got[2].length >= 2, 5000, 'deliveries');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(got[1], ['orders.new:a:v1']);
      assert.deepEqual(got[2], ['orders.new:a:v1', 'orders.new.eu:b:']);
      for (const s of subs) s.unsubscribe();
    });

    test('request/reply across members; no_responders decided by the requester\'s server', async () => {
      const svc = nc[2].subscribe('svc.echo', { callback: (_e, m) => { m.respond(`re:${m.string()}`); } });
      await nc[2].flush();
      await interestReady(nc[0], nc[2], 'svc.probe');
      await eventually(async () => {
        try {
          await nc[0].request('svc.echo', 'x', { timeout: 200 });
          return true;
        } catch {
          return false;
        }
      });
      const r = await nc[0].request('svc.echo', 'hi', { timeout: 2000 });
      assert.equal(r.string(), 're:hi');
      const r2 = await nc[1].request('svc.echo', 'there', { timeout: 2000 });
      assert.equal(r2.string(), 're:there');
      svc.unsubscribe();
      await nc[2].flush();
      const t0 = Date.now();
      await eventually(async () => {
        try {
          await nc[0].request('svc.echo', 'x', { timeout: 1000 });
          return false;
        } catch (e) {
          return /no responders/i.test((e as Error).message);
        }
      }, 5000, 'no responders after the service left');
      assert.ok(Date.now() - t0 < 5000);
    });

    test('a queue group spread over the members gets each message exactly once', async () => {
      const seen = new Map<string, number>();
      const per = [0, 0, 0];
      const subs = nc.map((c, i) => c.subscribe('work', { queue: 'workers', callback: (_e, m) => {
        seen.set(m.string(), (seen.get(m.string()) ?? 0) + 1);
        per[i]++;
      } }));
      await Promise.all(nc.map((c) => c.flush()));
      // Interest in the group everywhere: each server must know the other two servers' members.
      await eventually(async () => {
        for (const m of cl.members) {
          const r = await routez(m);
          const n = r.routes.reduce((a, x) => a + Number(x.subscriptions ?? 0), 0);
          if (n === 0) return false;
        }
        return true;
      });
      await new Promise((r) => setTimeout(r, 200));
      seen.clear();
      per.fill(0);
      const N = 300;
      for (let i = 0; i < N; i++) nc[i % 3].publish('work', String(i));
      await Promise.all(nc.map((c) => c.flush()));
      await eventually(() => seen.size === N, 5000, `${N} distinct messages`);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal([...seen.values()].filter((n) => n !== 1).length, 0, 'duplicates');
      assert.equal(per.reduce((a, b) => a + b, 0), N);
      // No local preference for client publishers: every member gets a share.
      for (const n of per) assert.ok(n > 30, JSON.stringify(per));
      for (const s of subs) s.unsubscribe();
    });

    test('echo:false holds across the cluster', async () => {
      const quiet = await connect({ servers: cl.members[0].url, noEcho: true });
      try {
        const mine: string[] = [];
        const theirs: string[] = [];
        quiet.subscribe('echo.t', { callback: (_e, m) => { mine.push(m.string()); } });
        nc[1].subscribe('echo.t', { callback: (_e, m) => { theirs.push(m.string()); } });
        await Promise.all([quiet.flush(), nc[1].flush()]);
        await interestReady(nc[0], nc[1], 'echo.probe');
        await eventually(async () => {
          quiet.publish('echo.t', 'p');
          await quiet.flush();
          await new Promise((r) => setTimeout(r, 30));
          return theirs.length > 0;
        });
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(mine, []);
      } finally {
        await quiet.close();
      }
    });
  });
}
