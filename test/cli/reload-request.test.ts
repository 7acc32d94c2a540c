// `$SYS.REQ.SERVER.<id>.RELOAD` (nats-server 2.10+, events.go reloadConfig): a system user asks the
// server to reload its configuration as SIGHUP does. The answer is `{"server":…}` when the reload
// applied, `{"server":…,"error":{"code":500,"description":<why>}}` when it was refused; a server
// without a config file (an embedder without a reloader, the CLI without -c) refuses with the
// reference's text, which SIGHUP logs too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startServer as spawnServer, hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { startServer } from '../../src/index.js';

type J = Record<string, any>;

const ACCOUNTS = `accounts: {
  SYS: { users: [ { user: sys, password: pass } ] }
  APP: { users: [ { user: bob, password: bob } ] }
}
system_account: SYS
`;

async function req(nc: NatsConnection, subject: string, body = ''): Promise<J> {
  return (await nc.request(subject, body, { timeout: 5000 })).json<J>();
}

test('RELOAD reloads the edited config file; a refused or broken reload answers why and changes nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-reloadreq-'));
  const f = join(dir, 'r.conf');
  writeFileSync(f, `${ACCOUNTS}ping_interval: "2m"\n`);
  const srv = await spawnServer('tsnats', { config: f });
  t.after(() => srv.stop());
  const sys = await connect({ port: srv.port, user: 'sys', pass: 'pass', reconnect: false });
  t.after(() => sys.close());
  const bob = await connect({ port: srv.port, user: 'bob', pass: 'bob', name: 'bob-1', reconnect: false });
  t.after(() => bob.close());
  const id = sys.info!.server_id;
  const subject = `$SYS.REQ.SERVER.${id}.RELOAD`;
  const pingInterval = async () => (await req(sys, `$SYS.REQ.SERVER.${id}.VARZ`)).data.ping_interval;

  writeFileSync(f, `${ACCOUNTS}ping_interval: "5s"\n`);
  const ok = await req(sys, subject);
  assert.deepEqual(Object.keys(ok), ['server'], 'no data, no error');
  assert.equal(ok.server.id, id);
  await srv.waitForOutput(/\[INF\] Reloaded: ping_interval = 5s\n.*\[INF\] Reloaded server configuration/);
  assert.equal(await pingInterval(), 5e9);

  // Not reloadable: refused as a whole, with the reason SIGHUP logs.
  writeFileSync(f, `${ACCOUNTS}ping_interval: "7s"\nmax_pending: 32MB\n`);
  const refused = await req(sys, subject);
  assert.deepEqual(refused.error, { code: 500, description: 'config reload not supported for MaxPending: old=67108864, new=33554432' });
  assert.equal(refused.data, undefined);
  await srv.waitForOutput(/\[ERR\] Failed to reload server configuration: config reload not supported for MaxPending/);
  assert.equal(await pingInterval(), 5e9);

  // A file that does not parse: the loader's error, with file, line and column.
  writeFileSync(f, `${ACCOUNTS}ping_max: "lots"\n`);
  const broken = await req(sys, subject);
  assert.equal(broken.error.code, 500);
  assert.match(broken.error.description, /r\.conf:\d+:\d+: /);

  // A body that does not decode is a 400, as for every $SYS request.
  const bad = await req(sys, subject, '{"server_name":5}');
  assert.deepEqual(bad.error, { code: 400, description: 'json: cannot unmarshal number into Go struct field EventFilterOptions.server_name of type string' });

  // Only the system account has it; the accounts reloaded keep their system imports.
  await assert.rejects(bob.request(subject, '', { timeout: 5000 }), /no responders/i);
  const own = await req(bob, '$SYS.REQ.ACCOUNT.PING.CONNZ');
  assert.deepEqual(own.data.connections.map((c: J) => c.name), ['bob-1']);
});

test('an embedded server: no reloader, the reference refusal; with one, its options apply', async (t) => {
  const srv = await startServer({ accounts: [{ name: 'SYS', users: [{ user: 'sys', password: 'pass' }] }], systemAccount: 'SYS' });
  t.after(() => srv.shutdown());
  const sys = await connect({ servers: srv.url, user: 'sys', pass: 'pass' });
  t.after(() => sys.close());
  const subject = `$SYS.REQ.SERVER.${srv.id}.RELOAD`;
  const none = await req(sys, subject);
  assert.deepEqual(none.error, { code: 500, description: 'can only reload config when a file is provided using -c or --config' });
  let calls = 0;
  srv.setReloader(() => (++calls === 1 ? { ...srv.opts, pingInterval: 5000 } : new Error('x.conf:1:2: bad')));
  assert.deepEqual(Object.keys(await req(sys, subject)), ['server']);
  assert.equal(srv.opts.pingInterval, 5000);
  assert.deepEqual((await req(sys, subject)).error, { code: 500, description: 'x.conf:1:2: bad' });
  assert.equal(calls, 2);
});

const kinds: ServerKind[] = hasNatsServer() ? ['tsnats', 'nats-server'] : ['tsnats'];
for (const kind of kinds) {
  test(`${kind} without -c: SIGHUP is refused, the log says why`, async (t) => {
    const srv = await spawnServer(kind);
    t.after(() => srv.stop());
    srv.proc.kill('SIGHUP');
    await srv.waitForOutput(/\[ERR\] Failed to reload server configuration: can only reload config when a file is provided using -c or --config/);
    assert.doesNotMatch(srv.output(), /Reloaded server configuration/);
  });
}
