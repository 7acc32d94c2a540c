// Differential tests of account claims and activation tokens (issue 13 item 4, and the same rules
// for the rest of an account JWT): imports of token-required exports with activations of the wrong
// kind, for another account, expired, or for a wider subject; service imports' `to`; account JWTs
// the jwt library's Validate refuses (overlapping exports, too many imports, bad signing keys…).
// Same raw transcripts against nats-server and tsnats (dual.ts), and tsnats's own answer asserted.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createAccount, type KeyPair } from '@nats-io/nkeys';
import { encodeActivation } from '@nats-io/jwt';
import { hasNatsServer } from '../helpers/servers.js';
import { dual, type Scenario, type Outcome } from './dual.js';
import { Operators, UNLIMITED } from './helpers.js';
import { signRaw, baseClaims, rawAccount } from './jwt-raw.js';
import { natsServerCheck, ourVerdict } from '../config/reference.js';
import { loadConfig } from '../../src/config/load.js';

async function same(t: Parameters<typeof dual>[0], sc: Scenario): Promise<Outcome> {
  if (!hasNatsServer()) {
    // Without the reference, run tsnats alone: the assertions on its outcome still apply.
    const { ts } = await dual(t, sc, { tsnatsOnly: true });
    return ts;
  }
  const { ref, ts } = await dual(t, sc);
  if (process.env.SHOW_REF) console.log(JSON.stringify(ref, null, 1), JSON.stringify(ts, null, 1));
  assert.deepEqual(ts.conns, ref.conns, 'what the clients received');
  assert.deepEqual(ts.log, ref.log, 'the [ERR]/[WRN] log lines');
  return ts;
}

const AV = ["INFO auth_required=true max_payload=1048576 nonce=len15", "-ERR 'Authorization Violation'", '<closed>'];

describe('activation tokens (token_req exports): kind, importer, subject and time, as checkActivation', () => {
  test('item 4: a wrong-kind, kind-less or foreign activation invalidates the importing account; a wider subject is fine; an expired one leaves the import out', async (t) => {
    const ops = await new Operators().init();
    const ekp = createAccount();
    const exporter = await ops.account('EXP', {
      exports: [
        { name: 'priv', subject: 'priv.>', type: 'stream', token_req: true },
        { name: 'svc', subject: 'svc.a', type: 'service', token_req: true },
      ],
    }, { kp: ekp });
    const now = Math.floor(Date.now() / 1000);
    const act = (importer: KeyPair, kind: 'stream' | 'service', subject: string, opts: { exp?: number } = {}) =>
      encodeActivation('act', importer, ekp, kind, { subject }, opts);
    const kindless = (importer: KeyPair, subject: string) =>
      signRaw({ ...baseClaims('act', importer.getPublicKey(), ekp), nats: { subject, type: 'activation', version: 2 } }, ekp);
    const importers: { name: string; imports: (k: KeyPair) => Promise<Record<string, unknown>[]> }[] = [
      { name: 'stream-with-service-activation', imports: async (k) => [{ name: 'p', subject: 'priv.>', account: ekp.getPublicKey(), type: 'stream', token: await act(k, 'service', 'priv.>') }] },
      { name: 'service-with-stream-activation', imports: async (k) => [{ name: 's', subject: 'svc.a', account: ekp.getPublicKey(), type: 'service', token: await act(k, 'stream', 'svc.a') }] },
      { name: 'service-with-kindless-activation', imports: async (k) => [{ name: 's', subject: 'svc.a', account: ekp.getPublicKey(), type: 'service', token: kindless(k, 'svc.a') }] },
      { name: 'stream-with-stream-activation', imports: async (k) => [{ name: 'p', subject: 'priv.>', account: ekp.getPublicKey(), type: 'stream', token: await act(k, 'stream', 'priv.>') }] },
      { name: 'service-with-wider-activation', imports: async (k) => [{ name: 's', subject: 'svc.a', account: ekp.getPublicKey(), type: 'service', token: await act(k, 'service', 'svc.>') }] },
      { name: 'activation-for-another-account', imports: async () => [{ name: 'p', subject: 'priv.>', account: ekp.getPublicKey(), type: 'stream', token: await act(createAccount(), 'stream', 'priv.>') }] },
      { name: 'expired-activation', imports: async (k) => [{ name: 'p', subject: 'priv.>', account: ekp.getPublicKey(), type: 'stream', token: await act(k, 'stream', 'priv.>', { exp: now - 10 }) }] },
      { name: 'narrower-activation', imports: async (k) => [{ name: 'p', subject: 'priv.>', account: ekp.getPublicKey(), type: 'stream', token: await act(k, 'stream', 'priv.x') }] },
    ];
    const accounts: Record<string, string> = { [ekp.getPublicKey()]: exporter.jwt };
    const users: Record<string, { kp: KeyPair; jwt: string }> = {};
    for (const im of importers) {
      const kp = createAccount();
      const a = await ops.account(im.name, { imports: await im.imports(kp) as never }, { kp });
      accounts[kp.getPublicKey()] = a.jwt;
      users[im.name] = await ops.user(im.name, kp);
    }
    const eu = await ops.user('exporter', ekp);
    const conf = ops.inlineConf(accounts);
    const ts = await same(t, {
      conf, opts: ops.options(accounts),
      async run(io) {
        await io.open('exp', { jwt: eu.jwt, headers: true }, eu.kp);
        io.send('exp', 'SUB svc.a 1\r\n');
        await io.sync('exp');
        for (const im of importers) {
          const u = users[im.name]!;
          await io.open(im.name, { jwt: u.jwt, headers: true }, u.kp, true);
          io.send(im.name, 'SUB priv.> 1\r\nSUB _INBOX.> 2\r\n');
          await io.sync(im.name);
        }
        io.send('exp', 'PUB priv.secret 6\r\nsecret\r\n');
        await io.sync('exp');
        for (const im of importers) {
          io.send(im.name, 'PUB svc.a _INBOX.r 3\r\nreq\r\n');
          await io.sync(im.name);
        }
        await io.sync('exp');
        for (const im of importers) await io.sync(im.name);
      },
    });
    const c = ts.conns;
    for (const refused of ['stream-with-service-activation', 'service-with-stream-activation', 'service-with-kindless-activation', 'activation-for-another-account']) {
      assert.deepEqual(c[refused], AV, `${refused}: the importing account fails validation`);
    }
    assert.ok(c['stream-with-stream-activation']!.includes('MSG priv.secret 1 6'), 'a stream activation imports the stream');
    assert.ok(!c['expired-activation']!.some((l) => l.startsWith('MSG priv')), 'an expired activation imports nothing');
    assert.ok(!c['narrower-activation']!.some((l) => l.startsWith('MSG priv')), 'an activation for a narrower subject imports nothing');
    const requests = c.exp!.filter((l) => l.startsWith('HMSG svc.a') || l.startsWith('MSG svc.a')).length;
    assert.equal(requests, 1, 'one request reached the service: through the wider activation only');
  });
});

test('an account JWT that crashes nats-server 2.9.10 (a null export, limited exports, no wildcards) refuses its users in tsnats', async (t) => {
  // The reference panics in jwt Account.Validate (account_claims.go:208) on this preload; tsnats
  // must refuse the account (Validate: "null export is not allowed") and carry on.
  const ops = await new Operators().init();
  const kp = createAccount();
  const jwt = rawAccount('A', kp, ops.op, { limits: { ...UNLIMITED, exports: 5, wildcards: false }, exports: [null, { subject: 'a.*', type: 'stream' }] });
  const u = await ops.user('u', kp);
  const good = await ops.account('B');
  const gu = await ops.user('g', good.kp);
  const accounts = { [kp.getPublicKey()]: jwt, [good.kp.getPublicKey()]: good.jwt };
  const { ts } = await dual(t, {
    conf: '', opts: ops.options(accounts),
    async run(io) {
      await io.open('u', { jwt: u.jwt }, u.kp, true);
      await io.open('g', { jwt: gu.jwt }, gu.kp, true);
    },
  }, { tsnatsOnly: true });
  assert.deepEqual(ts.conns.u, AV);
  assert.deepEqual(ts.conns.g, ['INFO auth_required=true max_payload=1048576 nonce=len15']);
});

describe('account JWTs the reference cannot decode are config errors (resolver_preload)', () => {
  test('wrong types in an account JWT: "invalid account JWT" at the preload, as nats-server -t says', async () => {
    const ops = await new Operators().init();
    const cases: Record<string, Record<string, unknown>> = {
      'limits.conn "1"': { limits: { ...UNLIMITED, conn: '1' } },
      'an export type null': { limits: UNLIMITED, exports: [{ subject: 'a.>', type: null }] },
      'an export type "Stream"': { limits: UNLIMITED, exports: [{ subject: 'a.>', type: 'Stream' }] },
      'revocations a list': { limits: UNLIMITED, revocations: ['U'] },
      'default_permissions.pub.allow [1]': { limits: UNLIMITED, default_permissions: { pub: { allow: [1] } } },
      'a signing key scope of an unknown kind': { limits: UNLIMITED, signing_keys: [{ kind: 'other', key: 'x' }] },
      'a mapping weight 256': { limits: UNLIMITED, mappings: { 'm.a': [{ subject: 'm.b', weight: 256 }] } },
      'limits 1.5': { limits: { ...UNLIMITED, subs: 1.5 } },
      'version 0': { version: 0 },
    };
    for (const [name, nats] of Object.entries(cases)) {
      const kp = createAccount();
      const text = `operator: ${ops.opJwt}\nresolver: MEMORY\nresolver_preload: {\n  ${kp.getPublicKey()}: ${rawAccount('A', kp, ops.op, nats)}\n}\n`;
      const ours = ourVerdict(loadConfig(text, { env: {} }));
      assert.deepEqual([ours.valid, ours.line, ours.message], [false, 4, 'invalid account JWT'], `${name}: tsnats`);
      if (hasNatsServer()) {
        const ref = natsServerCheck(text);
        assert.deepEqual([ref.valid, ref.line, ref.message], [ours.valid, ours.line, ours.message], `${name}: nats-server`);
      }
    }
  });
});

describe('service imports and account claims as the jwt library validates them', () => {
  test('a service import\'s `to` names the exporter\'s subject; local_subject renames locally', async (t) => {
    const ops = await new Operators().init();
    const ekp = createAccount();
    const exporter = await ops.account('EXP', { exports: [{ name: 't', subject: 'time.now', type: 'service' }] }, { kp: ekp });
    const mk = async (name: string, imp: Record<string, unknown>) => {
      const kp = createAccount();
      const a = await ops.account(name, { imports: [{ name: 't', account: ekp.getPublicKey(), type: 'service', ...imp }] as never }, { kp });
      return { kp, jwt: a.jwt, user: await ops.user(name, kp) };
    };
    const toExporter = await mk('to-exporter', { subject: 'what.time', to: 'time.now' });
    const toLocal = await mk('to-local', { subject: 'time.now', to: 'what.time' });
    const renamed = await mk('renamed', { subject: 'time.now', local_subject: 'clock' });
    const accounts = { [ekp.getPublicKey()]: exporter.jwt, [toExporter.kp.getPublicKey()]: toExporter.jwt, [toLocal.kp.getPublicKey()]: toLocal.jwt, [renamed.kp.getPublicKey()]: renamed.jwt };
    const eu = await ops.user('exporter', ekp);
    const ts = await same(t, {
      conf: ops.inlineConf(accounts), opts: ops.options(accounts),
      async run(io) {
        await io.open('exp', { jwt: eu.jwt }, eu.kp);
        io.send('exp', 'SUB time.now 1\r\n');
        await io.sync('exp');
        for (const [n, x, subj] of [['a', toExporter, 'what.time'], ['b', toLocal, 'what.time'], ['c', renamed, 'clock']] as const) {
          await io.open(n, { jwt: x.user.jwt }, x.user.kp, true);
          io.send(n, `PUB ${subj} 1\r\n${n}\r\n`);
          await io.sync(n);
        }
        await io.sync('exp');
      },
    });
    assert.deepEqual(ts.conns.exp!.filter((l) => !l.startsWith('INFO') && l !== 'PONG'), ['MSG time.now 1 1', 'a', 'MSG time.now 1 1', 'c']);
  });

  test('account JWTs that fail validation refuse their users; importers of them lose the import', async (t) => {
    const ops = await new Operators().init();
    const bad: Record<string, (k: KeyPair) => string | Promise<string>> = {
      'overlapping exports': (k) => rawAccount('A', k, ops.op, { limits: UNLIMITED, exports: [{ subject: 'a.>', type: 'stream' }, { subject: 'a.b', type: 'stream' }] }),
      'an export of no type': (k) => rawAccount('A', k, ops.op, { limits: UNLIMITED, exports: [{ subject: 'a.>' }] }),
      'a null export': (k) => rawAccount('A', k, ops.op, { limits: UNLIMITED, exports: [null] }),
      'more exports than allowed': (k) => rawAccount('A', k, ops.op, { limits: { ...UNLIMITED, exports: 0 }, exports: [{ subject: 'a', type: 'stream' }] }),
      'a wildcard export, wildcards off': (k) => rawAccount('A', k, ops.op, { limits: { ...UNLIMITED, exports: 5, wildcards: false }, exports: [{ subject: 'a.*', type: 'stream' }] }),
      'an import with no account': (k) => rawAccount('A', k, ops.op, { limits: UNLIMITED, imports: [{ subject: 'x', type: 'stream' }] }),
      'a bad signing key': (k) => rawAccount('A', k, ops.op, { limits: UNLIMITED, signing_keys: ['nope'] }),
      'a mapping over 100%': (k) => rawAccount('A', k, ops.op, { limits: UNLIMITED, mappings: { 'm.a': [{ subject: 'm.b', weight: 60 }, { subject: 'm.c', weight: 60 }] } }),
      'an info_url without a host': (k) => rawAccount('A', k, ops.op, { limits: UNLIMITED, info_url: 'nohost' }),
      'a negative response threshold': (k) => rawAccount('A', k, ops.op, { limits: UNLIMITED, exports: [{ subject: 's', type: 'service', response_threshold: -1 }] }),
      'signed by an account key': (k) => rawAccount('A', k, createAccount(), { limits: UNLIMITED }),
    };
    const good: Record<string, (k: KeyPair) => string | Promise<string>> = {
      // Accepted shapes: the reference reads these, so must tsnats.
      'unknown fields': (k) => rawAccount('A', k, ops.op, { limits: { ...UNLIMITED, frob: 1 }, whatever: [1] }),
      'mappings summing to 300% (uint8 arithmetic)': (k) => rawAccount('A', k, ops.op, { limits: UNLIMITED, mappings: { 'm.a': [{ subject: 'm.b', weight: 200 }, { subject: 'm.c', weight: 100 }] } }),
      'an info_url with a host': (k) => rawAccount('A', k, ops.op, { limits: UNLIMITED, info_url: 'https://example.com/x' }),
      'signing keys with a null and a number': (k) => rawAccount('A', k, ops.op, { limits: UNLIMITED, signing_keys: [null, 5] }),
    };
    const accounts: Record<string, string> = {};
    const users: [string, { kp: KeyPair; jwt: string }, boolean][] = [];
    for (const [name, mk] of [...Object.entries(bad).map(([n, f]) => [n, f, false] as const), ...Object.entries(good).map(([n, f]) => [n, f, true] as const)]) {
      const kp = createAccount();
      accounts[kp.getPublicKey()] = await mk(kp);
      users.push([name, await ops.user(name, kp), good[name] !== undefined]);
    }
    const ts = await same(t, {
      conf: ops.inlineConf(accounts), opts: ops.options(accounts),
      async run(io) {
        for (const [name, u] of users) {
          await io.open(name, { jwt: u.jwt }, u.kp, true);
          await io.sync(name);
        }
      },
    });
    for (const [name, , ok] of users) {
      if (ok) assert.deepEqual(ts.conns[name], ['INFO auth_required=true max_payload=1048576 nonce=len15', 'PONG'], `${name}: admitted`);
      else assert.deepEqual(ts.conns[name], AV, `${name}: refused`);
    }
  });
});
