// Accounts and permissions across routes, in a tsnats + nats-server pair (and tsnats + tsnats):
// account isolation, stream and service imports whose two ends are on different servers, and
// subscribe-deny withholding messages that came over a route.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { eventually } from './scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'tsnats-cl-acc-'));

function conf(name: string, clusterPort: number, seeds: string[]): string {
  const f = join(dir, `${name}-${clusterPort}.conf`);
  writeFileSync(f, `
server_name: ${name}
cluster { name: C1, listen: 127.0.0.1:${clusterPort}${seeds.length ? `, routes: [${seeds.map((s) => `"${s}"`).join(', ')}]` : ''} }
accounts {
  APP { users: [ {user: app, password: a}, {user: limited, password: l, permissions: { subscribe: { allow: ">", deny: "secret.>" } }} ] }
  OTHER { users: [ {user: other, password: o} ] }
  EXP {
    users: [ {user: exp, password: e} ]
    exports: [ {stream: "feed.>"}, {service: "svc.>"} ]
  }
  IMP {
    users: [ {user: imp, password: i} ]
    imports: [ {stream: {account: EXP, subject: "feed.>"}}, {service: {account: EXP, subject: "svc.>"}} ]
  }
}
`);
  return f;
}

const PAIRS: [ServerKind, ServerKind][] = hasNatsServer() ? [['tsnats', 'nats-server'], ['nats-server', 'tsnats'], ['tsnats', 'tsnats']] : [['tsnats', 'tsnats']];

for (const kinds of PAIRS) {
  describe(`${kinds.join(' + ')}: accounts across routes`, () => {
    let cl: TestCluster;
    const conns: NatsConnection[] = [];
    const on = async (i: number, user: string, pass: string) => {
      const nc = await connect({ servers: cl.members[i].url, user, pass });
      conns.push(nc);
      return nc;
    };
    before(async () => {
      cl = await startCluster(kinds.map((kind, i) => ({ kind, name: `S${i}`, seeds: i === 0 ? [] : [0], config: (m) => conf(`S${i}`, m.clusterPort, m.seeds) })));
      await cl.formed();
    });
    after(async () => {
      await Promise.all(conns.map((c) => c.close().catch(() => {})));
      await cl?.stop();
    });

    test('account isolation: the same subject in another account is not delivered', async () => {
      const app0 = await on(0, 'app', 'a');
      const app1 = await on(1, 'app', 'a');
      const other1 = await on(1, 'other', 'o');
      const got: string[] = [];
      app0.subscribe('x', { callback: (_e, m) => { got.push(m.string()); } });
      await app0.flush();
      await eventually(async () => {
        app1.publish('x', 'probe');
        await app1.flush();
        await new Promise((r) => setTimeout(r, 20));
        return got.length > 0;
      });
      got.length = 0;
      other1.publish('x', 'other');
      app1.publish('x', 'app');
      await Promise.all([other1.flush(), app1.flush()]);
      await eventually(() => got.includes('app'));
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(got, ['app']);
    });

    test('a stream import: importer on one server, exporter publishing on the other', async () => {
      const imp0 = await on(0, 'imp', 'i');
      const exp1 = await on(1, 'exp', 'e');
      const got: string[] = [];
      imp0.subscribe('feed.>', { callback: (_e, m) => { got.push(`${m.subject}:${m.string()}`); } });
      await imp0.flush();
      await eventually(async () => {
        exp1.publish('feed.a', 'x');
        await exp1.flush();
        await new Promise((r) => setTimeout(r, 20));
        return got.length > 0;
      });
      assert.equal(got[0], 'feed.a:x');
    });

    test('a service import: requester on one server, responder on the other', async () => {
      const imp0 = await on(0, 'imp', 'i');
      const exp1 = await on(1, 'exp', 'e');
      exp1.subscribe('svc.echo', { callback: (_e, m) => { m.respond(`re:${m.string()}`); } });
      await exp1.flush();
      let reply = '';
      await eventually(async () => {
        try {
          reply = (await imp0.request('svc.echo', 'hi', { timeout: 300 })).string();
          return true;
        } catch {
          return false;
        }
      }, 8000, 'service reply');
      assert.equal(reply, 're:hi');
    });

    test('subscribe deny withholds a message that came over a route', async () => {
      const lim0 = await on(0, 'limited', 'l');
      const app1 = await on(1, 'app', 'a');
      const got: string[] = [];
      lim0.subscribe('>', { callback: (_e, m) => { got.push(m.subject); } });
      await lim0.flush();
      await eventually(async () => {
        app1.publish('open.p', 'x');
        await app1.flush();
        await new Promise((r) => setTimeout(r, 20));
        return got.includes('open.p');
      });
      app1.publish('secret.a', 'x');
      app1.publish('open.q', 'x');
      await app1.flush();
      await eventually(() => got.includes('open.q'));
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(!got.includes('secret.a'), JSON.stringify(got));
    });
  });
}
