// Every authentication method with the official client (@nats-io/transport-node): token,
// user/password, bcrypt, nkey seed, creds file with a user JWT, no_auth_user; and what a rejected
// client sees (AuthorizationError), what the log says, and the close reason.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { connect, nkeyAuthenticator, credsAuthenticator, type NatsConnection, type ConnectionOptions } from '@nats-io/transport-node';
import { createUser } from '@nats-io/nkeys';
import { withServer, logCollector } from '../helpers/tsnats.js';
import { Operators, tempDir, writeConf, waitFor } from './helpers.js';
import type { Server } from '../../src/index.js';

async function roundTrip(nc: NatsConnection, subject = 'ping.me'): Promise<string> {
  const sub = nc.subscribe(subject, { max: 1 });
  nc.publish(subject, 'hello');
  for await (const m of sub) return m.string();
  return '';
}

/** Connects with the official client and checks a round trip; closes it. */
async function works(srv: Server, opts: Partial<ConnectionOptions>): Promise<void> {
  const nc = await connect({ servers: srv.url, reconnect: false, ...opts });
  try {
    assert.equal(await roundTrip(nc), 'hello');
  } finally {
    await nc.close();
  }
}

/** The official client's connect must fail with an authorization error. */
async function refused(srv: Server, opts: Partial<ConnectionOptions>): Promise<void> {
  await assert.rejects(connect({ servers: srv.url, reconnect: false, ...opts }), (e: Error) => {
    assert.equal(e.name, 'AuthorizationError', `${e.name}: ${e.message}`);
    assert.match(e.message, /authorization violation/i);
    return true;
  });
}

function lastClosed(srv: Server) {
  return srv.closedClients.list().at(-1)!;
}

describe('token', () => {
  test('the right token connects; a wrong or missing one is refused with Authentication Failure', async (t) => {
    const logs = logCollector();
    const srv = await withServer(t, { authorization: 's3cret-token', log: logs.log });
    await works(srv, { token: 's3cret-token' });
    await refused(srv, { token: 'nope' });
    assert.equal(lastClosed(srv).reason, 'Authentication Failure');
    await logs.wait(/\[ERR\] 127\.0\.0\.1:\d+ - cid:\d+ - "v[^"]+:nats\.js" - authentication error\s*$/);
    await refused(srv, {});
    assert.ok(!logs.lines.some((l) => l.includes('s3cret-token') || l.includes('nope')), 'no token in the log');
  });

  test('a bcrypted token is compared with bcrypt', async (t) => {
    const srv = await withServer(t, { authorization: bcrypt.hashSync('tok', 4) });
    await works(srv, { token: 'tok' });
    await refused(srv, { token: 'tok2' });
  });
});

describe('user and password', () => {
  test('single user (--user/--pass): right password connects, wrong one is refused', async (t) => {
    const logs = logCollector();
    const srv = await withServer(t, { username: 'admin', password: 'pw', log: logs.log });
    await works(srv, { user: 'admin', pass: 'pw' });
    await refused(srv, { user: 'admin', pass: 'bad' });
    await refused(srv, { user: 'other', pass: 'pw' });
    await logs.wait(/\[WRN\] Plaintext passwords detected, use nkeys or bcrypt/);
  });

  test('users list: the log names the user that failed', async (t) => {
    const logs = logCollector();
    const srv = await withServer(t, { users: [{ user: 'alice', password: 'a1' }, { user: 'bob', password: 'b1' }], log: logs.log });
    await works(srv, { user: 'alice', pass: 'a1' });
    await works(srv, { user: 'bob', pass: 'b1' });
    await refused(srv, { user: 'bob', pass: 'a1' });
    await logs.wait(/ - authentication error - User "bob"\s*$/);
    assert.equal(lastClosed(srv).reason, 'Authentication Failure');
    assert.ok(!logs.lines.some((l) => /a1|b1/.test(l.replace(/cid:\d+/, ''))), 'no password in the log');
  });

  test('bcrypt: checked without blocking the event loop', async (t) => {
    const logs = logCollector();
    // Cost 12 takes hundreds of ms in JavaScript: long enough to see whether the loop stalls.
    const hash = await bcrypt.hash('correct horse', 12);
    const srv = await withServer(t, { users: [{ user: 'carol', password: hash }], log: logs.log });
    let maxGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    try {
      await works(srv, { user: 'carol', pass: 'correct horse' });
      await refused(srv, { user: 'carol', pass: 'wrong horse' });
    } finally {
      clearInterval(ticker);
    }
    // A synchronous check would block the loop for its whole duration: measured here, on this machine
    // under its current load, so the bound does not depend on how busy the machine is.
    const t0 = performance.now();
    bcrypt.compareSync('correct horse', hash);
    const syncMs = performance.now() - t0;
    assert.ok(maxGap < syncMs / 2, `event loop stalled for ${maxGap.toFixed(0)}ms (a synchronous check takes ${syncMs.toFixed(0)}ms)`);
    assert.ok(!logs.lines.some((l) => l.includes('Plaintext passwords')), 'bcrypt passwords are not plaintext');
  });

  test('a client that sends ops while bcrypt runs gets them processed in order, after CONNECT', async (t) => {
    const srv = await withServer(t, { users: [{ user: 'dave', password: bcrypt.hashSync('pw', 8) }] });
    const nc = await connect({ servers: srv.url, user: 'dave', pass: 'pw', reconnect: false });
    const sub = nc.subscribe('order.>');
    const got: string[] = [];
    const done = (async () => { for await (const m of sub) { got.push(m.subject); if (got.length === 3) break; } })();
    for (const s of ['order.1', 'order.2', 'order.3']) nc.publish(s);
    await done;
    assert.deepEqual(got, ['order.1', 'order.2', 'order.3']);
    await nc.close();
  });
});

describe('nkeys', () => {
  test('nkey seed (nkeyAuthenticator): signed nonce connects, another key is refused with - Nkey in the log', async (t) => {
    const logs = logCollector();
    const good = createUser();
    const other = createUser();
    const srv = await withServer(t, { users: [{ nkey: good.getPublicKey() }, { user: 'pw', password: 'pw' }], log: logs.log });
    await works(srv, { authenticator: nkeyAuthenticator(good.getSeed()) });
    await refused(srv, { authenticator: nkeyAuthenticator(other.getSeed()) });
    await logs.wait(new RegExp(`authentication error - Nkey "${other.getPublicKey()}"`));
    // The reference quirk: with nkeys configured, a user/password failure names the (empty) Nkey.
    await refused(srv, { user: 'pw', pass: 'bad' });
    await logs.wait(/authentication error - Nkey ""\s*$/);
    // user/password users still work next to nkey users.
    await works(srv, { user: 'pw', pass: 'pw' });
  });
});

describe('JWT (operator mode, memory resolver)', () => {
  test('creds file (credsAuthenticator) connects into the account; bad signature and unknown account are refused', async (t) => {
    const logs = logCollector();
    const ops = await new Operators().init();
    const acc = await ops.account('APP');
    const u = await ops.user('app-user', acc.kp);
    const dir = tempDir(t);
    const credsFile = writeConf(dir, 'user.creds', new TextDecoder().decode(u.creds));
    const srv = await withServer(t, { ...ops.options({ [acc.kp.getPublicKey()]: acc.jwt }), log: logs.log, debug: true });
    await works(srv, { authenticator: credsAuthenticator(readFileSync(credsFile)) });
    await logs.wait(/Authenticated JWT: Client "U[A-Z2-7]+" \(claim-name: "app-user"/);
    await waitFor(() => srv.closedClients.length === 1, 5000, 'the connection to close');
    const conn = srv.closedClients.list().at(-1)!;
    assert.equal(conn.account, acc.kp.getPublicKey());
    assert.equal(conn.user, u.kp.getPublicKey());
    // Right JWT, wrong key signing the nonce.
    const thief = createUser();
    await refused(srv, { authenticator: () => ({ jwt: u.jwt, nkey: thief.getPublicKey(), sig: Buffer.from(thief.sign(new TextEncoder().encode('x'))).toString('base64url') }) });
    // A user of an account the resolver does not know.
    const stranger = await ops.account('STRANGER');
    const su = await ops.user('s', stranger.kp);
    await refused(srv, { authenticator: credsAuthenticator(su.creds) });
    await logs.wait(/Account JWT lookup error: account missing/);
    // No JWT at all.
    await refused(srv, { user: 'x', pass: 'y' });
    await logs.wait(/Authentication requires a user JWT/);
    assert.ok(logs.lines.some((l) => / - authentication error\s*$/.test(l)), 'operator mode failures log a bare authentication error');
  });
});

describe('no_auth_user', () => {
  test('a client without credentials is that user, with its permissions; others still authenticate', async (t) => {
    const srv = await withServer(t, {
      users: [{ user: 'guest', password: 'unused', permissions: { publish: { allow: ['public.>'] }, subscribe: { allow: ['public.>'] } } }, { user: 'admin', password: 'adm' }],
      noAuthUser: 'guest',
    });
    const nc = await connect({ servers: srv.url, reconnect: false });
    assert.equal(await roundTrip(nc, 'public.x'), 'hello');
    const conn = [...srv.clients.values()].find((c) => c.connectReceived)!;
    assert.equal(conn.user, 'guest');
    await nc.close();
    await works(srv, { user: 'admin', pass: 'adm' });
    await refused(srv, { user: 'admin', pass: 'wrong' });
  });
});
