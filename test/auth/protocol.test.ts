// Protocol-level details of authentication: the nonce, secrets kept out of the log (trace included),
// ops before CONNECT, the auth timer with a no_auth_user, constant-time comparison.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createUser } from '@nats-io/nkeys';
import { withServer, logCollector } from '../helpers/tsnats.js';
import { RawConn } from '../helpers/raw.js';
import { rawAuth, sync } from './helpers.js';
import { safeEqual, isBcrypt, redactConnect } from '../../src/auth/auth.js';
import { decodeSig } from '../../src/auth/nonce.js';

describe('auth on the wire', () => {
  test('INFO: a fresh 15-character base64url nonce per connection when nkeys are configured, none otherwise', async (t) => {
    const kp = createUser();
    const srv = await withServer(t, { users: [{ nkey: kp.getPublicKey() }] });
    const nonces = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const { c, info } = await RawConn.openAndInfo(srv.port);
      assert.match(String(info.nonce), /^[A-Za-z0-9_-]{15}$/);
      assert.equal(info.auth_required, true);
      nonces.add(String(info.nonce));
      c.close();
    }
    assert.equal(nonces.size, 5);
    const plain = await withServer(t, { users: [{ user: 'u', password: 'p' }] });
    const { c, info } = await RawConn.openAndInfo(plain.port);
    assert.equal(info.nonce, undefined);
    c.close();
  });

  test('a signature over another nonce (a replay) is refused', async (t) => {
    const kp = createUser();
    const srv = await withServer(t, { users: [{ nkey: kp.getPublicKey() }] });
    const { c: first, info } = await RawConn.openAndInfo(srv.port);
    const sig = Buffer.from(kp.sign(new TextEncoder().encode(String(info.nonce)))).toString('base64url');
    first.send(`CONNECT ${JSON.stringify({ verbose: false, nkey: kp.getPublicKey(), sig })}\r\n`);
    assert.equal(await sync(first), 'PONG\r\n');
    const { c: replay } = await RawConn.openAndInfo(srv.port);
    replay.send(`CONNECT ${JSON.stringify({ verbose: false, nkey: kp.getPublicKey(), sig })}\r\n`);
    assert.equal(await replay.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    // Standard base64 is accepted too, as by the reference.
    const { c: std, info: i2 } = await RawConn.openAndInfo(srv.port);
    const sig2 = Buffer.from(kp.sign(new TextEncoder().encode(String(i2.nonce)))).toString('base64');
    std.send(`CONNECT ${JSON.stringify({ verbose: false, nkey: kp.getPublicKey(), sig: sig2 })}\r\n`);
    assert.equal(await sync(std), 'PONG\r\n');
    first.close();
    std.close();
  });

  test('no secret reaches the log, even at trace level: pass, auth_token and sig are redacted', async (t) => {
    const logs = logCollector();
    const kp = createUser();
    const srv = await withServer(t, { users: [{ user: 'alice', password: 'hunter2-secret' }, { nkey: kp.getPublicKey() }], log: logs.log, trace: true, debug: true });
    const { c: a } = await rawAuth(srv.port, { user: 'alice', pass: 'hunter2-secret' });
    await sync(a);
    const { c: b } = await rawAuth(srv.port, { user: 'alice', pass: 'wrong-secret-9' });
    await b.readUntilClose();
    const { c: n } = await rawAuth(srv.port, {}, kp);
    await sync(n);
    const tok = await withServer(t, { authorization: 'tok-secret-77', log: logs.log, trace: true });
    const { c: d } = await rawAuth(tok.port, { auth_token: 'tok-secret-77' });
    await sync(d);
    const all = logs.lines.join('');
    assert.match(all, /<<- \[CONNECT \{"verbose":false,"pedantic":false,"user":"alice","pass":"\[REDACTED\]"\}\]/);
    assert.match(all, /"auth_token":"\[REDACTED\]"/);
    assert.match(all, /"sig":"\[REDACTED\]"/);
    for (const secret of ['hunter2-secret', 'wrong-secret-9', 'tok-secret-77']) assert.ok(!all.includes(secret), `${secret} logged`);
    for (const c of [a, n, d]) c.close();
  });

  test('with a no_auth_user the auth timer still runs: a silent client gets Authentication Timeout', async (t) => {
    const srv = await withServer(t, { users: [{ user: 'guest', password: '' }], noAuthUser: 'guest', authTimeout: 200 });
    const { c, info } = await RawConn.openAndInfo(srv.port);
    assert.equal(info.auth_required, undefined, 'INFO omits auth_required');
    assert.equal(await c.readUntilClose(), "-ERR 'Authentication Timeout'\r\n");
    // A client that starts with PING is the no_auth_user at once (and no timeout).
    const { c: p } = await RawConn.openAndInfo(srv.port);
    assert.equal(await sync(p), 'PONG\r\n');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(p.closed, false);
    assert.equal([...srv.clients.values()].find((x) => x.user === 'guest')?.account.name, '$G');
    p.close();
  });

  test('ops before CONNECT are an Authorization Violation when auth is required', async (t) => {
    const srv = await withServer(t, { authorization: 't' });
    const { c } = await RawConn.openAndInfo(srv.port);
    c.send('SUB x 1\r\n');
    assert.equal(await c.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    assert.equal(srv.closedClients.list().at(-1)!.reason, 'Authentication Failure');
  });
});

describe('helpers', () => {
  test('safeEqual compares whole strings (lengths included)', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('abc', 'abd'), false);
    assert.equal(safeEqual('abc', 'abcd'), false);
    assert.equal(safeEqual('', ''), true);
  });

  test('isBcrypt knows $2a$, $2b$, $2x$, $2y$ with a two-digit cost', () => {
    for (const h of ['$2a$11$abc', '$2b$04$x', '$2x$10$y', '$2y$12$z']) assert.equal(isBcrypt(h), true, h);
    for (const h of ['$2c$11$abc', '$2a$1$x', 'plain', '2a$11$']) assert.equal(isBcrypt(h), false, h);
  });

  test('redactConnect hides pass, auth_token and sig, any case, with escapes', () => {
    assert.equal(redactConnect('{"user":"u","pass":"p\\"x","auth_token":"t","SIG":"s","jwt":"j"}'),
      '{"user":"u","pass":"[REDACTED]","auth_token":"[REDACTED]","SIG":"[REDACTED]","jwt":"j"}');
  });

  test('decodeSig: base64 RawURL, then standard base64; garbage is refused', () => {
    assert.deepEqual([...decodeSig('AQID')!], [1, 2, 3]);
    assert.deepEqual([...decodeSig('_-8')!], [255, 239]);
    assert.deepEqual([...decodeSig('+/8=')!], [251, 255]);
    assert.equal(decodeSig('!!!'), null);
  });
});
