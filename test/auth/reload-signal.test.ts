// The guides' reconnect case, on both servers: a nats.conf whose credentials change, reloaded with
// SIGHUP while the official client is connected. The client is disconnected, its reconnect with the
// old password is rejected with a clear authorization error, it gives up, and the server log says
// why (`authentication error - User "alice"`). tsnats also logs which reload made the credentials
// invalid. Plus: a new account import added by reload reaches open connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type Status } from '@nats-io/transport-node';
import { startServer, hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { tempDir } from './helpers.js';

const kinds: ServerKind[] = hasNatsServer() ? ['nats-server', 'tsnats'] : ['tsnats'];
const conf = (pw: string) => `authorization { users: [ {user: alice, password: "${pw}"}, {user: bob, password: "b"} ] }\n`;

for (const kind of kinds) {
  test(`${kind}: credentials changed by reload → the reconnect is rejected, the client gives up, the log says why`, async (t) => {
    const dir = tempDir(t);
    const f = join(dir, 'auth.conf');
    writeFileSync(f, conf('old-pw'));
    const srv = await startServer(kind, { config: f });
    t.after(() => srv.stop());
    const statuses: Status[] = [];
    const nc = await connect({ servers: srv.url, user: 'alice', pass: 'old-pw', name: 'app', reconnectTimeWait: 50, maxReconnectAttempts: 20 });
    (async () => { for await (const s of nc.status()) statuses.push(s); })();
    const bob = await connect({ servers: srv.url, user: 'bob', pass: 'b', reconnect: false });
    await nc.flush();

    writeFileSync(f, conf('new-pw'));
    srv.proc.kill('SIGHUP');

    const err = await nc.closed();
    assert.equal(err?.name, 'AuthorizationError', `closed with ${err}`);
    assert.match(err!.message, /authorization violation/i);
    assert.ok(statuses.some((s) => s.type === 'disconnect'), 'disconnected');
    await srv.waitForOutput(/Reloaded server configuration/);
    // The disconnect and the refused reconnect are logged (the log pipe may lag the socket).
    await srv.waitForOutput(/\[ERR\] .*authentication error - User "alice"[\s\S]*\[ERR\] .*authentication error - User "alice"/);
    if (kind === 'tsnats') assert.match(srv.output(), /\[WRN\] .* - Credentials no longer valid after reload - User "alice"/);
    // Others are untouched, and the new password works.
    await bob.flush();
    assert.equal(bob.isClosed(), false);
    const again = await connect({ servers: srv.url, user: 'alice', pass: 'new-pw', reconnect: false });
    await again.flush();
    await again.close();
    await bob.close();
  });
}

test('tsnats: an import added by reload reaches subscribers that were already there, and new ones', async (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'acc.conf');
  const base = (imports: string) => `accounts {
  A { users: [{user: a, password: a}], exports: [{stream: "news.>"}] }
  B { users: [{user: b, password: b}], imports: [${imports}] }
}\n`;
  writeFileSync(f, base(''));
  const srv = await startServer('tsnats', { config: f });
  t.after(() => srv.stop());
  const a = await connect({ servers: srv.url, user: 'a', pass: 'a', reconnect: false });
  const b = await connect({ servers: srv.url, user: 'b', pass: 'b', reconnect: false });
  t.after(async () => { await a.close(); await b.close(); });
  const got: string[] = [];
  b.subscribe("news.>", { callback: (_e, m) => { got.push(m.subject); } });
  await b.flush();
  writeFileSync(f, base('{stream: {account: A, subject: "news.>"}}'));
  srv.proc.kill('SIGHUP');
  await srv.waitForOutput(/Reloaded server configuration/);
  b.subscribe('news.today', { callback: (_e, m) => { got.push(`new:${m.subject}`); } });
  await b.flush();
  a.publish('news.today', 'x');
  await a.flush();
  await b.flush();
  assert.deepEqual(got.sort(), ['new:news.today', 'news.today'], 'the old and the new subscription');
});
