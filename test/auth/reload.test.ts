// Reloading the authorization: changed credentials disconnect the clients that used the old ones
// (Authorization Violation), their reconnects are refused with a clear error and the log says why;
// changed permissions remove the subscriptions no longer allowed; a bad configuration changes nothing.
//
// The same case through a nats.conf edited on disk and SIGHUP, on both servers: reload-signal.test.ts.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection, type Status } from '@nats-io/transport-node';
import { withServer, logCollector } from '../helpers/tsnats.js';
import { reloadAuthorization } from '../../src/index.js';
import { rawAuth, sync, errs, waitFor } from './helpers.js';
import type { UserConfig } from '../../src/options.js';

const users = (alicePw: string): UserConfig[] => [
  { user: 'alice', password: alicePw },
  { user: 'bob', password: 'b1', permissions: { subscribe: { allow: ['news.>', 'other'] } } },
];

describe('reload of the authorization', () => {
  test('a changed password: the client is disconnected, its reconnect refused, the log says why', async (t) => {
    const logs = logCollector();
    const srv = await withServer(t, { users: users('old-pw'), log: logs.log });
    const statuses: Status[] = [];
    const nc: NatsConnection = await connect({
      servers: srv.url, user: 'alice', pass: 'old-pw', name: 'alice-app',
      reconnect: true, maxReconnectAttempts: 5, reconnectTimeWait: 50,
    });
    (async () => { for await (const s of nc.status()) statuses.push(s); })();
    await nc.flush();

    await reloadAuthorization(srv, { users: users('new-pw') });

    const err = await nc.closed();
    assert.equal(err?.name, 'AuthorizationError', `closed with ${err}`);
    assert.match(err!.message, /authorization violation/i);
    // The log names the user, for the disconnect and for every refused reconnect.
    const lines = logs.lines.filter((l) => /"v[^"]*:nats\.js:alice-app" - authentication error - User "alice"/.test(l));
    assert.ok(lines.length >= 2, `disconnect and refused reconnect logged:\n${logs.lines.join('')}`);
    const reasons = srv.closedClients.list().map((c) => c.reason);
    assert.ok(reasons.filter((r) => r === 'Authentication Failure').length >= 2, reasons.join(', '));
    assert.ok(statuses.some((s) => s.type === 'disconnect'), 'the client saw the disconnect');
    // The new password works.
    const again = await connect({ servers: srv.url, user: 'alice', pass: 'new-pw', reconnect: false });
    await again.flush();
    await again.close();
  });

  test('changed permissions remove subscriptions no longer allowed; a removed user is disconnected', async (t) => {
    const logs = logCollector();
    const srv = await withServer(t, { users: users('a1'), log: logs.log });
    const { c: bob } = await rawAuth(srv.port, { user: 'bob', pass: 'b1' });
    bob.send('SUB news.x 1\r\nSUB other 2\r\n');
    assert.deepEqual(errs(await sync(bob)), []);
    const { c: alice } = await rawAuth(srv.port, { user: 'alice', pass: 'a1' });
    await sync(alice);

    await reloadAuthorization(srv, { users: [{ user: 'bob', password: 'b1', permissions: { subscribe: { allow: ['news.>'] } } }] });

    assert.deepEqual(errs(await sync(bob)), [`-ERR 'Permissions Violation for Subscription to "other" (sid "2")'`]);
    await logs.wait(/\[INF\] Removed sub "other" \(sid "2"\) for User "bob" - not authorized/);
    assert.equal(await alice.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    await logs.wait(/authentication error - User "alice"/);
    // news.x still delivered, other no more.
    const { c: pub } = await rawAuth(srv.port, { user: 'bob', pass: 'b1' });
    pub.send('PUB news.x 1\r\n1\r\nPUB other 1\r\n2\r\n');
    await sync(pub);
    assert.equal(await sync(bob), 'MSG news.x 1 1\r\n1\r\nPONG\r\n');
    bob.close();
    pub.close();
  });

  test('a configuration that would fail changes nothing', async (t) => {
    const srv = await withServer(t, { users: users('a1') });
    const { c } = await rawAuth(srv.port, { user: 'alice', pass: 'a1' });
    await sync(c);
    const before = srv.auth;
    await assert.rejects(reloadAuthorization(srv, {
      users: users('a2'),
      accounts: [{ name: 'X', imports: [{ stream: { account: 'NOPE', subject: 'x' } }] }],
    }), /"NOPE" account not defined for stream import/);
    assert.equal(srv.auth, before);
    assert.equal(await sync(c), 'PONG\r\n', 'the client is untouched');
    assert.equal(srv.accounts.has('X'), false);
    c.close();
    await waitFor(() => srv.numConnections === 0, 2000, 'close');
  });

  test('bcrypt passwords are checked again asynchronously', async (t) => {
    const bcrypt = (await import('bcryptjs')).default;
    const srv = await withServer(t, { users: [{ user: 'carol', password: bcrypt.hashSync('pw1', 6) }] });
    const { c } = await rawAuth(srv.port, { user: 'carol', pass: 'pw1' });
    await sync(c);
    await reloadAuthorization(srv, { users: [{ user: 'carol', password: bcrypt.hashSync('pw1', 6) }] });
    assert.equal(await sync(c), 'PONG\r\n', 'same password, new hash: still connected');
    await reloadAuthorization(srv, { users: [{ user: 'carol', password: bcrypt.hashSync('pw2', 6) }] });
    assert.equal(await c.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
  });
});
