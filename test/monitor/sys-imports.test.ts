// The system services every account imports (events.go addSystemAccountExports,
// registerSystemImports): a user of a normal account asks `$SYS.REQ.ACCOUNT.PING.CONNZ`,
// `$SYS.REQ.SERVER.PING.CONNZ` and `$SYS.REQ.ACCOUNT.PING.STATZ` with the official client and
// sees its own account only; /accountz and `$SYS.REQ.ACCOUNT.<acc>.INFO` list those imports and
// the system account's exports; `$SYS.DEBUG.SUBSCRIBERS` counts subscribers. The same config file
// runs on nats-server and on the tsnats CLI, and the answers are compared.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { startServer as spawnServer, hasNatsServer, type TestServer, type ServerKind } from '../helpers/servers.js';
import { startServer } from '../../src/index.js';
import { importAuthorized } from '../../src/accounts/account-config.js';
import { reloadAuthorization } from '../../src/auth/auth-reload.js';
import { getJSON } from './helpers.js';
import { Operators } from '../auth/helpers.js';
import { monitorPort } from '../helpers/tsnats.js';

type J = Record<string, any>;

const CONF = `accounts: {
  SYS: { users: [ { user: sys, password: pass } ] }
  APP: { users: [ { user: bob, password: bob }, { user: bea, password: bea } ] }
  OTHER: { users: [ { user: al, password: al } ] }
}
system_account: SYS
`;

async function req(nc: NatsConnection, subject: string, body = ''): Promise<J> {
  return (await nc.request(subject, body, { timeout: 3000 })).json<J>();
}

/** The request's outcome when nobody may answer it: the client's error code (503 no responders). */
async function refused(nc: NatsConnection, subject: string): Promise<string> {
  try {
    await nc.request(subject, '', { timeout: 3000 });
    return 'answered';
  } catch (e) {
    const err = e as { code?: string; name?: string; message: string };
    return /no responders/i.test(err.message) || err.name === 'NoRespondersError' ? 'no responders' : err.message;
  }
}

interface Observed {
  accConnz: J;
  srvConnz: J;
  statz: J;
  sysConnz: J;
  otherConnz: string;
  info: J;
  accountz: Record<string, J>;
  debug: Record<string, string>;
}

/** The workload, on either server started from CONF. */
async function observe(kind: ServerKind, conf: string): Promise<Observed> {
  const server: TestServer = await spawnServer(kind, { config: conf, monitor: true });
  const conns: NatsConnection[] = [];
  try {
    const open = async (user: string, name: string) => {
      const nc = await connect({ port: server.port, user, pass: user === 'sys' ? 'pass' : user, name, reconnect: false });
      conns.push(nc);
      return nc;
    };
    const sys = await open('sys', 'sys-1');
    const bob = await open('bob', 'bob-1');
    const bea = await open('bea', 'bob-2');
    const al = await open('al', 'al-1');
    bob.subscribe('orders.new');
    al.subscribe('orders.new');
    for (const s of ['probe.>', 'probe.a']) sys.subscribe(s);
    sys.subscribe('probe.a', { queue: 'q' });
    for (const nc of conns) await nc.flush();
    void bea;
    const debug: Record<string, string> = {};
    for (const body of ['probe.a', 'probe.*', 'probe.a q', 'probe.>', 'nothing', '']) {
      debug[body] = (await sys.request('$SYS.DEBUG.SUBSCRIBERS', body, { timeout: 3000 })).string();
    }
    const out: Observed = {
      accConnz: await req(bob, '$SYS.REQ.ACCOUNT.PING.CONNZ'),
      srvConnz: await req(bob, '$SYS.REQ.SERVER.PING.CONNZ', JSON.stringify({ subscriptions: true })),
      statz: await req(bob, '$SYS.REQ.ACCOUNT.PING.STATZ'),
      sysConnz: await req(sys, '$SYS.REQ.SERVER.PING.CONNZ'),
      otherConnz: await refused(bob, '$SYS.REQ.ACCOUNT.OTHER.CONNZ'),
      info: await req(sys, '$SYS.REQ.ACCOUNT.APP.INFO'),
      accountz: {},
      debug,
    };
    for (const acc of ['APP', 'SYS', '$G']) out.accountz[acc] = (await getJSON(server.httpPort!, `/accountz?acc=${encodeURIComponent(acc)}`)).account_detail;
    return out;
  } finally {
    for (const nc of conns) await nc.close().catch(() => {});
    await server.stop();
  }
}

function keyPaths(v: unknown, path: string, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) keyPaths(x, `${path}[]`, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      // `responses` is keyed by random `_R_.` subjects.
      const p = path.endsWith('.responses') ? `${path}.*` : `${path}.${k}`;
      out.add(p);
      keyPaths(x, p, out);
    }
  }
  return out;
}

const names = (r: J) => r.data.connections.map((c: J) => c.name).sort();
/** Imports and exports in a stable order (the reference lists them from Go maps). */
const sorted = (l: J[] | undefined) => [...(l ?? [])].sort((a, b) => (a.subject + a.to < b.subject + b.to ? -1 : 1));

describe('system services imported into every account: nats-server vs tsnats', { skip: !hasNatsServer() && 'nats-server is not installed' }, () => {
  let dir: string;
  let ref: Observed;
  let ts: Observed;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsnats-sysimp-'));
    const conf = join(dir, 'sys.conf');
    writeFileSync(conf, CONF);
    [ref, ts] = await Promise.all([observe('nats-server', conf), observe('tsnats', conf)]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a user of APP sees the connections of APP only, through both CONNZ imports', () => {
    for (const o of [ref, ts]) {
      assert.deepEqual(names(o.accConnz), ['bob-1', 'bob-2']);
      assert.deepEqual(names(o.srvConnz), ['bob-1', 'bob-2']);
      assert.deepEqual(o.accConnz.data.total, 2);
      // The request options come through the import (subscriptions listed).
      assert.ok(o.srvConnz.data.connections.find((c: J) => c.name === 'bob-1').subscriptions_list.includes('orders.new'));
      // A system user's SERVER.PING.CONNZ is not imported: every connection.
      assert.deepEqual(names(o.sysConnz), ['al-1', 'bob-1', 'bob-2', 'sys-1']);
    }
  });

  test('ACCOUNT.PING.STATZ answers the statistics of APP only', () => {
    for (const o of [ref, ts]) assert.deepEqual(o.statz.data.account_statz.map((a: J) => [a.acc, a.conns, a.total_conns]), [['APP', 2, 2]]);
  });

  test("another account's services cannot be reached: no responders", () => {
    assert.equal(ref.otherConnz, 'no responders');
    assert.equal(ts.otherConnz, 'no responders');
  });

  test('the answers carry every key of the reference', () => {
    const missing: string[] = [];
    for (const k of ['accConnz', 'srvConnz', 'statz', 'info'] as const) {
      const have = keyPaths(ts[k], k);
      for (const p of keyPaths(ref[k], k)) if (!have.has(p)) missing.push(p);
    }
    for (const acc of ['APP', 'SYS', '$G']) {
      const have = keyPaths(ts.accountz[acc], acc);
      for (const p of keyPaths(ref.accountz[acc], acc)) if (!have.has(p)) missing.push(p);
    }
    assert.deepEqual(missing, []);
  });

  test('/accountz and ACCOUNT.<acc>.INFO list the same imports and exports', () => {
    for (const acc of ['APP', '$G']) {
      assert.equal(ts.accountz[acc].imports.length, 3, acc);
      assert.deepEqual(sorted(ts.accountz[acc].imports), sorted(ref.accountz[acc].imports), acc);
      assert.equal(ts.accountz[acc].exports, undefined);
    }
    assert.deepEqual(sorted(ts.accountz.SYS.exports), sorted(ref.accountz.SYS.exports));
    assert.equal(ts.accountz.SYS.imports, undefined);
    assert.deepEqual(sorted(ts.info.data.imports), sorted(ref.info.data.imports));
    // The import subscriptions count as the account's subscriptions, as in the reference.
    assert.equal(ts.accountz.APP.subscriptions, ref.accountz.APP.subscriptions);
    assert.equal(ts.accountz.$G.subscriptions, 3);
  });

  test('the system account lists the pending (streamed) responses of the open requesters', () => {
    const shape = (o: Observed) => Object.entries(o.accountz.SYS.responses as Record<string, J>)
      .map(([k, r]) => [k === r.subject, /^_R_\.\w{6}\.\w{6}$/.test(k), r.account, r.to.startsWith('_INBOX.'), r.type])
      .sort();
    assert.ok(shape(ref).length > 0);
    assert.deepEqual(shape(ts), shape(ref));
  });

  test('$SYS.DEBUG.SUBSCRIBERS counts subscribers as the reference', () => {
    assert.deepEqual(ts.debug, ref.debug);
    assert.equal(ts.debug['probe.a'], '3');
  });
});

describe('operator mode: the JWT accounts import the system services too', { skip: !hasNatsServer() && 'nats-server is not installed' }, () => {
  test('a JWT user asks $SYS.REQ.SERVER.PING.CONNZ and sees its account; /accountz lists the imports', async (t) => {
    const ops = await new Operators().init();
    const acc = await ops.account('APP');
    const u = await ops.user('alice', acc.kp);
    const key = acc.kp.getPublicKey();
    const dir = mkdtempSync(join(tmpdir(), 'tsnats-sysimp-op-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const conf = join(dir, 'op.conf');
    writeFileSync(conf, ops.inlineConf({ [key]: acc.jwt }));
    const run = async (kind: ServerKind) => {
      const server = await spawnServer(kind, { config: conf, monitor: true });
      try {
        const nc = await connect({ port: server.port, authenticator: credsAuthenticator(u.creds), name: 'alice-1', reconnect: false });
        try {
          const connz = await req(nc, '$SYS.REQ.SERVER.PING.CONNZ');
          const info = (await getJSON(server.httpPort!, `/accountz?acc=${key}`)).account_detail;
          return { names: names(connz), acc: connz.data.connections[0].account, imports: sorted(info.imports) };
        } finally {
          await nc.close();
        }
      } finally {
        await server.stop();
      }
    };
    const [ref, ts] = [await run('nats-server'), await run('tsnats')];
    assert.deepEqual(ref.names, ['alice-1']);
    assert.deepEqual(ts, ref);
    assert.equal(ts.imports.length, 3);
    assert.equal(ts.imports[0].account, ops.sys.getPublicKey());
  });
});

describe('system imports in tsnats', () => {
  test('the account token of the CONNZ/STATZ exports must name the importer', async (t) => {
    const srv = await startServer({
      accounts: [{ name: 'SYS' }, { name: 'APP' }, { name: 'OTHER' }],
      systemAccount: 'SYS',
    });
    t.after(() => srv.shutdown());
    const ex = srv.sysAcc!.serviceExports;
    assert.notEqual(importAuthorized(ex, 'APP', '$SYS.REQ.ACCOUNT.APP.CONNZ', () => false), null);
    assert.equal(importAuthorized(ex, 'APP', '$SYS.REQ.ACCOUNT.OTHER.CONNZ', () => false), null);
    assert.equal(importAuthorized(ex, 'APP', '$SYS.REQ.ACCOUNT.OTHER.STATZ', () => false), null);
    assert.notEqual(importAuthorized(ex, 'APP', '$SYS.DEBUG.SUBSCRIBERS', () => false), null);
  });

  test('the streamed response mappings go when the requester closes, not before', async (t) => {
    const srv = await startServer({ accounts: [{ name: 'SYS' }, { name: 'APP', users: [{ user: 'bob', password: 'bob' }] }], systemAccount: 'SYS' });
    t.after(() => srv.shutdown());
    const bob = await connect({ servers: srv.url, user: 'bob', pass: 'bob', name: 'bob-1' });
    await req(bob, '$SYS.REQ.ACCOUNT.PING.CONNZ');
    await req(bob, '$SYS.REQ.ACCOUNT.PING.STATZ');
    const sys = srv.sysAcc!;
    assert.deepEqual([...sys.responses.values()].map((r) => r.acc.name), ['APP', 'APP']);
    // Another subscription going away leaves them alone: the reply inbox still has interest.
    const other = bob.subscribe('x.y');
    await bob.flush();
    other.unsubscribe();
    await bob.flush();
    assert.equal(sys.responses.size, 2);
    await bob.close();
    const deadline = Date.now() + 5000;
    while (sys.responses.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(sys.responses.size, 0);
  });

  test('no system account, no imports', async (t) => {
    const srv = await startServer({ noSystemAccount: true, httpPort: -1 });
    t.after(() => srv.shutdown());
    assert.equal(srv.gacc.serviceImports.length, 0);
    const d = await getJSON(monitorPort(srv), '/accountz?acc=$G');
    assert.equal(d.account_detail.imports, undefined);
  });

  test('a configured import on the same local subject wins; a reload of the accounts keeps the system imports', async (t) => {
    const accounts = [
      { name: 'SYS', users: [{ user: 'sys', password: 'pass' }] },
      { name: 'SVC', exports: [{ service: 'my.connz' }] },
      { name: 'APP', users: [{ user: 'bob', password: 'bob' }], imports: [{ service: { account: 'SVC', subject: 'my.connz' }, to: '$SYS.REQ.SERVER.PING.CONNZ' }] },
    ];
    const srv = await startServer({ accounts, systemAccount: 'SYS' });
    t.after(() => srv.shutdown());
    const app = () => srv.accounts.get('APP')!;
    const local = () => app().serviceImports.map((si) => `${si.from} -> ${si.acc.name} ${si.to}`).sort();
    const want = [
      '$SYS.REQ.ACCOUNT.PING.CONNZ -> SYS $SYS.REQ.ACCOUNT.APP.CONNZ',
      '$SYS.REQ.ACCOUNT.PING.STATZ -> SYS $SYS.REQ.ACCOUNT.APP.STATZ',
      '$SYS.REQ.SERVER.PING.CONNZ -> SVC my.connz',
    ];
    assert.deepEqual(local(), want);
    const bob = await connect({ servers: srv.url, user: 'bob', pass: 'bob', name: 'bob-1' });
    t.after(() => bob.close());
    const before = await req(bob, '$SYS.REQ.ACCOUNT.PING.CONNZ');
    assert.deepEqual(names(before), ['bob-1']);
    // Reload with one more user in APP: the accounts are configured again.
    const next = accounts.map((a) => (a.name === 'APP' ? { ...a, users: [...a.users!, { user: 'bea', password: 'bea' }] } : a));
    await reloadAuthorization(srv, { accounts: next });
    assert.deepEqual(local(), want);
    assert.equal(srv.sysAcc!.serviceExports.length, 3);
    const after = await req(bob, '$SYS.REQ.ACCOUNT.PING.CONNZ');
    assert.deepEqual(names(after), ['bob-1']);
  });
});
