// Operator mode with the memory resolver: account and user claims (permissions, limits, expiry,
// revocations, signing keys, bearer tokens, src), exports/imports between JWT accounts, updates of
// account claims while clients are connected. JWTs are made and checked with @nats-io/jwt.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { createAccount, createUser } from '@nats-io/nkeys';
import { encodeUser, encodeAccount, newScopedSigner, type User as UserClaims } from '@nats-io/jwt';
import { withServer, logCollector } from '../helpers/tsnats.js';
import { Operators, rawAuth, sync, errs, waitFor, UNLIMITED } from './helpers.js';
import { updateAccountClaims, reloadAuthorization, type Server } from '../../src/index.js';

const now = () => Math.floor(Date.now() / 1000);

function closeReason(srv: Server, name: string, ms = 8000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not closed within ${ms}ms`)), ms);
    srv.on('client:close', (c, reason) => {
      if (c.opts.name === name) {
        clearTimeout(timer);
        resolve(reason);
      }
    });
  });
}

describe('operator mode', () => {
  test('user claims: permissions, limits (account and user), the JWT User in violation logs', async (t) => {
    const logs = logCollector();
    const ops = await new Operators().init();
    const acc = await ops.account('APP', { limits: { conn: -1, subs: 3, payload: 100 } });
    const u = await ops.user('alice', acc.kp, { pub: { allow: ['orders.>'] }, sub: { deny: ['secret'] }, subs: 2 });
    const srv = await withServer(t, { ...ops.options({ [acc.kp.getPublicKey()]: acc.jwt }), log: logs.log });
    assert.equal(srv.sysAcc?.name, ops.sys.getPublicKey(), 'the system account is the operator\'s');
    const { c, info } = await rawAuth(srv.port, { jwt: u.jwt, protocol: 1 }, u.kp);
    assert.match(String(info.nonce), /^[A-Za-z0-9_-]{15}$/);
    assert.equal(info.auth_required, true);
    c.send('SUB secret 1\r\nSUB orders.> 2\r\nSUB a 3\r\nSUB b 4\r\nPUB orders.new 2\r\nok\r\nPUB bills 2\r\nno\r\n');
    const out = await sync(c);
    assert.deepEqual(errs(out), [
      `-ERR 'Permissions Violation for Subscription to "secret"'`,
      `-ERR 'maximum subscriptions exceeded'`,
      `-ERR 'Permissions Violation for Publish to "bills"'`,
    ]);
    assert.match(out, /MSG orders\.new 2 2\r\nok/);
    assert.match(out, /INFO \{.*"max_payload":100,/, 'account payload limit announced after the first PING');
    await logs.wait(new RegExp(`Publish Violation - JWT User "${u.kp.getPublicKey()}", Subject "bills"`));
    const client = [...srv.clients.values()].find((x) => x.connectReceived)!;
    assert.equal(client.account.name, acc.kp.getPublicKey());
    assert.equal(client.account.nameTag, 'APP');
    assert.equal(client.user, u.kp.getPublicKey());
    c.close();
  });

  test('a user JWT that expires while connected: -ERR User Authentication Expired, closed as Authentication Expired', async (t) => {
    const ops = await new Operators().init();
    const acc = await ops.account('APP');
    const u = await ops.user('short', acc.kp, {}, { exp: now() + 2 });
    const srv = await withServer(t, ops.options({ [acc.kp.getPublicKey()]: acc.jwt }));
    const closed = closeReason(srv, 'short-lived');
    const { c } = await rawAuth(srv.port, { jwt: u.jwt, name: 'short-lived' }, u.kp);
    assert.equal(await sync(c), 'PONG\r\n');
    // The first keepalive PING (2 s after CONNECT, plus jitter) may come just before the expiry.
    assert.equal((await c.readUntilClose(5000)).replace(/^PING\r\n/, ''), "-ERR 'User Authentication Expired'\r\n");
    assert.equal(await closed, 'Authentication Expired');
    // And once expired it cannot connect again (the JWT is expired once the clock is past exp in
    // whole seconds, as jwt ClaimsData.Validate compares Unix seconds; within the second of exp the
    // reference admits it and expires it at once).
    const exp = Number(JSON.parse(Buffer.from(u.jwt.split('.')[1]!, 'base64url').toString()).exp);
    await waitFor(() => Math.floor(Date.now() / 1000) > exp, 3000, 'the second after exp');
    const { c: again } = await rawAuth(srv.port, { jwt: u.jwt }, u.kp);
    assert.equal(await again.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
  });

  test('the official client sees UserAuthenticationExpiredError', async (t) => {
    const ops = await new Operators().init();
    const acc = await ops.account('APP');
    const u = await ops.user('short', acc.kp, {}, { exp: now() + 2 });
    const srv = await withServer(t, ops.options({ [acc.kp.getPublicKey()]: acc.jwt }));
    const nc: NatsConnection = await connect({ servers: srv.url, authenticator: credsAuthenticator(u.creds), reconnect: false });
    const err = await nc.closed();
    assert.equal(err?.name, 'UserAuthenticationExpiredError', String(err));
  });

  test('revocation: new account claims close the revoked user\'s connection and refuse it afterwards', async (t) => {
    const logs = logCollector();
    const ops = await new Operators().init();
    const akp = createAccount();
    const acc = await ops.account('APP', {}, { kp: akp });
    const victim = await ops.user('victim', akp);
    const other = await ops.user('other', akp);
    const srv = await withServer(t, { ...ops.options({ [akp.getPublicKey()]: acc.jwt }), log: logs.log, debug: true });
    const { c: v } = await rawAuth(srv.port, { jwt: victim.jwt, name: 'victim' }, victim.kp);
    const { c: o } = await rawAuth(srv.port, { jwt: other.jwt, name: 'other' }, other.kp);
    await sync(v);
    await sync(o);
    const closed = closeReason(srv, 'victim');
    // JWT iat has a one-second resolution: revoke everything issued up to now.
    const revoked = await encodeAccount('APP', akp, { limits: UNLIMITED, revocations: { [victim.kp.getPublicKey()]: now() } }, { signer: ops.op });
    updateAccountClaims(srv, revoked);
    assert.equal(await v.readUntilClose(), "-ERR 'User Authentication Revoked'\r\n");
    assert.equal(await closed, 'Credentials Revoked');
    assert.equal(await sync(o), 'PONG\r\n', 'other users stay');
    const { c: back } = await rawAuth(srv.port, { jwt: victim.jwt }, victim.kp);
    assert.equal(await back.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    await logs.wait(/User authentication revoked/);
    o.close();
  });

  test('a reload with new resolver_preload claims revokes and re-limits at once', async (t) => {
    const ops = await new Operators().init();
    const akp = createAccount();
    const acc = await ops.account('APP', {}, { kp: akp });
    const victim = await ops.user('victim', akp);
    const keeper = await ops.user('keeper', akp);
    const srv = await withServer(t, ops.options({ [akp.getPublicKey()]: acc.jwt }));
    const { c: v } = await rawAuth(srv.port, { jwt: victim.jwt }, victim.kp);
    const { c: k } = await rawAuth(srv.port, { jwt: keeper.jwt, protocol: 1 }, keeper.kp);
    await sync(v);
    await sync(k);
    const next = await encodeAccount('APP', akp, { limits: { ...UNLIMITED, payload: 10 }, revocations: { [victim.kp.getPublicKey()]: now() } }, { signer: ops.op });
    await reloadAuthorization(srv, ops.options({ [akp.getPublicKey()]: next }));
    assert.equal(await v.readUntilClose(), "-ERR 'User Authentication Revoked'\r\n");
    k.send('PUB x 11\r\n');
    assert.equal(await k.readUntilClose(), "-ERR 'Maximum Payload Violation'\r\n", 'the new payload limit applies to open connections');
  });

  test('account conn limit from claims, raised by an update', async (t) => {
    const ops = await new Operators().init();
    const akp = createAccount();
    const acc = await ops.account('APP', { limits: { conn: 1 } }, { kp: akp });
    const u = await ops.user('u', akp);
    const srv = await withServer(t, ops.options({ [akp.getPublicKey()]: acc.jwt }));
    const { c: first } = await rawAuth(srv.port, { jwt: u.jwt }, u.kp);
    await sync(first);
    const { c: second } = await rawAuth(srv.port, { jwt: u.jwt }, u.kp);
    assert.equal(await second.readUntilClose(), "-ERR 'maximum account active connections exceeded'\r\n");
    updateAccountClaims(srv, await encodeAccount('APP', akp, { limits: { ...UNLIMITED, conn: 2 } }, { signer: ops.op }));
    const { c: third } = await rawAuth(srv.port, { jwt: u.jwt }, u.kp);
    assert.equal(await sync(third), 'PONG\r\n');
    first.close();
    third.close();
  });

  test('signing keys: plain and scoped (the template\'s permissions apply); unknown issuers are refused', async (t) => {
    const logs = logCollector();
    const ops = await new Operators().init();
    const akp = createAccount();
    const sk = createAccount();
    const scoped = createAccount();
    const acc = await ops.account('APP', {
      signing_keys: [sk.getPublicKey(), newScopedSigner(scoped, 'readonly', { pub: { allow: ['read.>'] } })],
    }, { kp: akp });
    const viaSk = await ops.user('via-sk', akp, {}, { signer: sk });
    const viaScoped = await ops.user('via-scoped', akp, {}, { signer: scoped, scoped: true });
    const stranger = createAccount();
    const rogue = await ops.user('rogue', akp, {}, { signer: stranger });
    const srv = await withServer(t, { ...ops.options({ [akp.getPublicKey()]: acc.jwt }), log: logs.log, debug: true });
    const { c: a } = await rawAuth(srv.port, { jwt: viaSk.jwt }, viaSk.kp);
    a.send('PUB anything 1\r\nx\r\n');
    assert.deepEqual(errs(await sync(a)), []);
    const { c: b } = await rawAuth(srv.port, { jwt: viaScoped.jwt }, viaScoped.kp);
    b.send('PUB read.x 1\r\nx\r\nPUB write.x 1\r\nx\r\n');
    assert.deepEqual(errs(await sync(b)), [`-ERR 'Permissions Violation for Publish to "write.x"'`]);
    const { c: r } = await rawAuth(srv.port, { jwt: rogue.jwt }, rogue.kp);
    assert.equal(await r.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    await logs.wait(/User JWT issuer is not known/);
    a.close();
    b.close();
  });

  test('bearer tokens need no signature; src CIDRs; JWTs signed by an untrusted operator are refused', async (t) => {
    const logs = logCollector();
    const ops = await new Operators().init();
    const akp = createAccount();
    const acc = await ops.account('APP', {}, { kp: akp });
    const bearer = await ops.user('bearer', akp, { bearer_token: true });
    const lan = await ops.user('lan-only', akp, { src: ['10.0.0.0/8'] });
    const local = await ops.user('local', akp, { src: ['127.0.0.1/32'] });
    const otherOps = await new Operators().init();
    const foreignAcc = await otherOps.account('FOREIGN');
    const foreign = await otherOps.user('f', foreignAcc.kp);
    const srv = await withServer(t, {
      ...ops.options({ [akp.getPublicKey()]: acc.jwt, [foreignAcc.kp.getPublicKey()]: foreignAcc.jwt }),
      log: logs.log, debug: true,
    }).catch((e) => { throw e; });
    const { c: b } = await rawAuth(srv.port, { jwt: bearer.jwt });
    assert.equal(await sync(b), 'PONG\r\n');
    const { c: l } = await rawAuth(srv.port, { jwt: lan.jwt }, lan.kp);
    assert.equal(await l.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    await logs.wait(/\[ERR\] .* - Bad src Ip 127\.0\.0\.1/);
    const { c: ok } = await rawAuth(srv.port, { jwt: local.jwt }, local.kp);
    assert.equal(await sync(ok), 'PONG\r\n');
    const { c: f } = await rawAuth(srv.port, { jwt: foreign.jwt }, foreign.kp);
    assert.equal(await f.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    // The reference's words (verifyAccountClaims: an untrusted issuer is ErrAccountValidation).
    await logs.wait(/Account JWT lookup error: account validation failed/);
    b.close();
    ok.close();
  });

  test('times: connections only inside the user\'s daily windows (in its locale)', async (t) => {
    const logs = logCollector();
    const ops = await new Operators().init();
    const akp = createAccount();
    const acc = await ops.account('APP', {}, { kp: akp });
    const hms = (d: Date) => d.toISOString().slice(11, 19);
    const inH = (h: number) => new Date(Date.now() + h * 3600_000);
    // The zone is `times_location` (jwt UserLimits.Locale); the JS library's `locale` is not read by nats-server.
    // A window across midnight is open from its start to midnight only (validateTimes), so the open
    // window is the whole day and the closed one starts in two hours.
    const day = await ops.user('day', akp, { times: [{ start: '00:00:00', end: '23:59:59' }], times_location: 'UTC' } as Partial<UserClaims>);
    const night = await ops.user('night', akp, { times: [{ start: hms(inH(2)), end: hms(inH(3)) }], times_location: 'UTC' } as Partial<UserClaims>);
    const srv = await withServer(t, { ...ops.options({ [akp.getPublicKey()]: acc.jwt }), log: logs.log });
    const { c: d } = await rawAuth(srv.port, { jwt: day.jwt }, day.kp);
    assert.equal(await sync(d), 'PONG\r\n');
    const { c: n } = await rawAuth(srv.port, { jwt: night.jwt }, night.kp);
    assert.equal(await n.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    await logs.wait(/\[ERR\] .* - Outside connect times/);
    d.close();
  });

  test('an expired account JWT refuses its users', async (t) => {
    const logs = logCollector();
    const ops = await new Operators().init();
    const akp = createAccount();
    const acc = await ops.account('OLD', {}, { kp: akp, exp: now() - 5 });
    const u = await ops.user('u', akp);
    const srv = await withServer(t, { ...ops.options({ [akp.getPublicKey()]: acc.jwt }), log: logs.log, debug: true });
    const { c } = await rawAuth(srv.port, { jwt: u.jwt }, u.kp);
    assert.equal(await c.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    // As the reference: an expired account JWT fails validation when fetched (a time check), and
    // its preload is reported at startup.
    await logs.wait(/Account JWT lookup error: account validation failed/);
    await logs.wait(/\[WRN\] Account \[A[A-Z0-9]+\] has validation issues:/);
    await logs.wait(/\[WRN\] {3}- claim is expired/);
  });

  test('exports and imports between JWT accounts: a service request with the official client', async (t) => {
    const ops = await new Operators().init();
    const provider = createAccount();
    const consumer = createAccount();
    const p = await ops.account('PROVIDER', { exports: [{ name: 'time', subject: 'time.now', type: 'service' }, { name: 'ticks', subject: 'ticks.>', type: 'stream' }] }, { kp: provider });
    const c = await ops.account('CONSUMER', {
      imports: [
        // A service import renamed with local_subject (a service import's deprecated `to` names the
        // exporter's subject, not the local one: nats-server refuses `to: "what.time"` here).
        { name: 'time', subject: 'time.now', account: provider.getPublicKey(), type: 'service', local_subject: 'what.time' },
        { name: 'ticks', subject: 'ticks.>', account: provider.getPublicKey(), type: 'stream', to: 'remote' },
      ],
    }, { kp: consumer });
    const pu = await ops.user('p', provider);
    const cu = await ops.user('c', consumer);
    const srv = await withServer(t, ops.options({ [provider.getPublicKey()]: p.jwt, [consumer.getPublicKey()]: c.jwt }));
    const pnc = await connect({ servers: srv.url, authenticator: credsAuthenticator(pu.creds), reconnect: false });
    const cnc = await connect({ servers: srv.url, authenticator: credsAuthenticator(cu.creds), reconnect: false });
    t.after(async () => { await pnc.close(); await cnc.close(); });
    pnc.subscribe('time.now', { callback: (_e, m) => { m.respond('noon'); } });
    await pnc.flush();
    assert.equal((await cnc.request('what.time', '', { timeout: 2000 })).string(), 'noon');
    const sub = cnc.subscribe('remote.ticks.>', { max: 1 });
    await cnc.flush();
    pnc.publish('ticks.1', 'tick');
    for await (const m of sub) assert.equal(`${m.subject} ${m.string()}`, 'remote.ticks.1 tick');
  });

  test('limits missing from the account JWT are 0, as nats-server reads them: no connection gets in', async (t) => {
    const ops = await new Operators().init();
    const akp = createAccount();
    const bare = await encodeAccount('BARE', akp, {}, { signer: ops.op });
    const subsOnly = createAccount();
    const partial = await encodeAccount('PARTIAL', subsOnly, { limits: { conn: -1 } }, { signer: ops.op });
    const u = await ops.user('u', akp);
    const p = await ops.user('p', subsOnly);
    const srv = await withServer(t, ops.options({ [akp.getPublicKey()]: bare, [subsOnly.getPublicKey()]: partial }));
    const { c } = await rawAuth(srv.port, { jwt: u.jwt }, u.kp);
    assert.equal(await c.readUntilClose(), "-ERR 'maximum account active connections exceeded'\r\n");
    // conn -1 but no subs/payload: told at once it is at its subscription limit, closed 20ms later.
    const closed = closeReason(srv, 'partial');
    const { c: c2 } = await rawAuth(srv.port, { jwt: p.jwt, name: 'partial' }, p.kp);
    assert.equal(await c2.readUntilClose(), "-ERR 'maximum subscriptions exceeded'\r\n");
    assert.equal(await closed, 'Maximum Subscriptions Exceeded');
  });

  test('a user JWT signed for another account (issuer_account mismatch) or not yet valid is refused', async (t) => {
    const logs = logCollector();
    const ops = await new Operators().init();
    const akp = createAccount();
    const acc = await ops.account('APP', {}, { kp: akp });
    const ukp = createUser();
    const early = await encodeUser('early', ukp, akp, {}, { nbf: now() + 3600 });
    const srv = await withServer(t, { ...ops.options({ [akp.getPublicKey()]: acc.jwt }), log: logs.log, debug: true });
    const { c } = await rawAuth(srv.port, { jwt: early }, ukp);
    assert.equal(await c.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    await logs.wait(/User JWT no longer valid: &\{Issues:\[claim is not yet valid\]\}/);
    // A garbled JWT.
    const { c: g } = await rawAuth(srv.port, { jwt: early.slice(0, -4) + 'AAAA' }, ukp);
    assert.equal(await g.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    await logs.wait(/User JWT not valid: /);
    await waitFor(() => srv.closedClients.length === 2, 2000, 'both closed');
  });
});
