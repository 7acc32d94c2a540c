// Differential tests of JWT claims (issue 13, items 1, 2, 6 and the same rules elsewhere): user JWTs
// validly signed by their account whose claims have the wrong type or shape, odd signatures, limits
// past int32, scoped signing keys. Each case goes to nats-server and tsnats started with the same
// operator configuration; the answers must be the same, and tsnats's answer is also checked against
// the expected one (so the test means something where nats-server is not installed).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createUser, createAccount, type KeyPair } from '@nats-io/nkeys';
import { newScopedSigner } from '@nats-io/jwt';
import { Operators } from './helpers.js';
import { rawUser, signRaw, baseClaims } from './jwt-raw.js';
import { startPair, probe, pool, type ProbeResult } from './jwt-probe.js';
import { tempDir } from './helpers.js';

const REFUSED = ["-ERR 'Authorization Violation'", '<closed>'];
/** Subscribes to two subjects (one with a queue) and publishes to both: what permissions allow shows. */
const SCRIPT = 'SUB p.a 1\r\nSUB p.b q 2\r\nPUB p.a 1\r\nx\r\nPUB p.b 1\r\ny\r\n';
const ALL_OK = ['MSG p.a 1 1', 'x', 'MSG p.b 2 1', 'y'];

interface Case {
  name: string;
  /** The `nats` claims of the user (merged over no-limit defaults), or a whole JWT. */
  nats?: Record<string, unknown>;
  top?: Record<string, unknown>;
  jwt?: (u: KeyPair) => string;
  /** What tsnats (and nats-server) must answer. */
  expect: string[];
  /** How the nonce signature is encoded (default: base64 RawURL). */
  sig?: (raw: Uint8Array) => string;
  /**
   * The answer when it depends on the signature's bytes (each server signs its own nonce): computed
   * from the encoded signature each server got, instead of `expect` and the cross-server comparison.
   */
  expectFor?: (encodedSig: string) => string[];
  script?: string | null;
}

async function runCases(t: Parameters<typeof startPair>[0], cases: Case[], setup?: { ops: Operators; acc: { kp: KeyPair; jwt: string }; extra?: Record<string, string> }) {
  const ops = setup?.ops ?? await new Operators().init();
  const acc = setup?.acc ?? await ops.account('APP');
  const accounts = { [acc.kp.getPublicKey()]: acc.jwt, ...setup?.extra };
  const { ref, ts } = await startPair(t, ops.conf(await tmp(t), accounts) + 'max_control_line: 1MB\n', { ...ops.options(accounts), maxControlLine: 1 << 20 });
  const built = cases.map((c) => {
    const u = createUser();
    const jwt = c.jwt ? c.jwt(u) : rawUser('u', u, acc.kp, { subs: -1, data: -1, payload: -1, ...c.nats }, c.top);
    return { c, u, jwt };
  });
  // One at a time: the users share an account and the probe subjects.
  const run = (port: number) => pool(built, 1, async ({ c, u, jwt }) => {
    let encoded = '';
    const sig = c.sig ? (raw: Uint8Array) => (encoded = c.sig!(raw)) : undefined;
    const r: ProbeResult = await probe(port, jwt, u, c.script === undefined ? SCRIPT : c.script, {}, sig);
    return { lines: r.lines, encoded };
  });
  const tsOut = await run(ts.port);
  const refOut = ref ? await run(ref.port) : null;
  for (const [i, { c }] of built.entries()) {
    if (c.expectFor) {
      if (refOut) assert.deepEqual(refOut[i].lines, c.expectFor(refOut[i].encoded), `${c.name}: nats-server`);
      assert.deepEqual(tsOut[i].lines, c.expectFor(tsOut[i].encoded), `${c.name}: tsnats`);
      continue;
    }
    if (refOut) assert.deepEqual(tsOut[i].lines, refOut[i].lines, `${c.name}: tsnats and nats-server differ`);
    assert.deepEqual(tsOut[i].lines, c.expect, `${c.name}: tsnats`);
  }
  // The server is alive and well after all of it.
  const good = await ops.user('good', acc.kp);
  assert.deepEqual((await probe(ts.port, good.jwt, good.kp, SCRIPT)).lines, ALL_OK, 'a good user after the cases');
  return { ref, ts };
}

async function tmp(t: Parameters<typeof startPair>[0]): Promise<string> {
  return tempDir(t);
}

describe('JWT claims: wrong types and shapes are refused as nats-server refuses them', () => {
  test('item 1: permission lists holding non-strings refuse the user and nothing else (no crash)', async (t) => {
    await runCases(t, [
      { name: 'pub.allow [5]', nats: { pub: { allow: [5] } }, expect: REFUSED },
      { name: 'pub.deny ["secret.>", 5]', nats: { pub: { deny: ['secret.>', 5] } }, expect: REFUSED },
      // null in a []string decodes to "" in Go, which Validate refuses (subject cannot be empty).
      { name: 'sub.allow [null]', nats: { sub: { allow: [null] } }, expect: REFUSED },
      { name: 'sub.deny [true]', nats: { sub: { deny: [true] } }, expect: REFUSED },
      { name: 'pub.allow [{}]', nats: { pub: { allow: [{}] } }, expect: REFUSED },
      { name: 'pub.allow [["x"]]', nats: { pub: { allow: [['x']] } }, expect: REFUSED },
      { name: 'resp.max "1"', nats: { resp: { max: '1', ttl: 0 } }, expect: REFUSED },
      { name: 'src [1]', nats: { src: [1] }, expect: REFUSED },
      { name: 'times [{"start":5}]', nats: { times: [{ start: 5, end: '10:00:00' }] }, expect: REFUSED },
      { name: 'tags [1]', nats: { tags: [1] }, expect: REFUSED },
    ]);
  });

  test('item 2: malformed claims (exp, pub/sub shapes, queue entries) are refused, not ignored', async (t) => {
    await runCases(t, [
      { name: 'exp "string"', top: { exp: 'tomorrow' }, expect: REFUSED },
      { name: 'exp 1e20', top: { exp: 1e20 }, expect: REFUSED },
      // A negative exp passes validation (only exp > 0 is checked) and expires the user at once.
      { name: 'exp -5', top: { exp: -5 }, script: null, expect: ["-ERR 'User Authentication Expired'", '<closed>'] },
      { name: 'exp 5 (1970)', top: { exp: 5 }, script: null, expect: REFUSED },
      { name: 'nbf in the future', top: { nbf: 4102444800 }, script: null, expect: REFUSED },
      { name: 'exp 1.5', top: { exp: 4102444800.5 }, expect: REFUSED },
      { name: 'iat "now"', top: { iat: 'now' }, expect: REFUSED },
      { name: 'pub.deny an object', nats: { pub: { deny: { 'p.a': true } } }, expect: REFUSED },
      { name: 'pub an array', nats: { pub: ['p.a'] }, expect: REFUSED },
      { name: 'pub.deny a string', nats: { pub: { deny: 'p.a' } }, expect: REFUSED },
      { name: 'sub.deny a string', nats: { sub: { deny: 'p.a' } }, expect: REFUSED },
      { name: 'sub.allow ["x q extra"]', nats: { sub: { allow: ['p.b q extra'] } }, expect: REFUSED },
      { name: 'sub.allow with two spaces', nats: { sub: { allow: ['p.b  q'] } }, expect: REFUSED },
      { name: 'pub.allow with a queue', nats: { pub: { allow: ['p.a q'] } }, expect: REFUSED },
      { name: 'pub.allow [""]', nats: { pub: { allow: [''] } }, expect: REFUSED },
      { name: 'subs "5"', nats: { subs: '5' }, expect: REFUSED },
      { name: 'bearer_token "yes"', nats: { bearer_token: 'yes' }, expect: REFUSED },
      { name: 'src without a mask', nats: { src: ['127.0.0.1'] }, expect: REFUSED },
      { name: 'src with a leading zero', nats: { src: ['127.0.0.01/32'] }, expect: REFUSED },
      { name: 'times with a bad clock', nats: { times: [{ start: '25:00:00', end: '26:00:00' }] }, expect: REFUSED },
      { name: 'times_location unknown', nats: { times_location: 'Mars/Olympus' }, expect: REFUSED },
      { name: 'issuer_account not a key', nats: { issuer_account: 'nope' }, expect: REFUSED },
      { name: 'version 3', nats: { version: 3 }, expect: REFUSED },
      { name: 'no version', nats: { version: null }, expect: REFUSED },
      { name: 'nats an array', jwt: (u) => signRaw({ ...baseClaims('u', u.getPublicKey(), acc1!), nats: [] }, acc1!), expect: REFUSED },
      // Accepted shapes: the reference reads these, and so must tsnats.
      { name: 'src as a comma list', nats: { src: '127.0.0.1/32, 10.0.0.0/8' }, expect: ALL_OK },
      { name: 'allowed_connection_types in lower case', nats: { allowed_connection_types: ['standard'] }, expect: ALL_OK },
      { name: 'only unknown connection types', nats: { allowed_connection_types: ['CARRIER_PIGEON'] }, expect: REFUSED },
      { name: 'times with a fraction of a second', nats: { times: [{ start: '00:00:00.5', end: '23:59:59' }], times_location: 'UTC' }, expect: ALL_OK },
      { name: 'unknown fields', nats: { frobnicate: { deep: [1, 2] } }, top: { extra: 'x' }, expect: ALL_OK },
      { name: 'null permissions', nats: { pub: null, sub: { allow: null } }, expect: ALL_OK },
    ], { ops: ops1!, acc: acc1Full! });
  });

  test('duplicate and case-folded keys merge as Go decodes them', async (t) => {
    const text = (nats: string) => (u: KeyPair) => signRaw(
      `{"jti":"J","iat":${Math.floor(Date.now() / 1000)},"iss":"${acc1!.getPublicKey()}","name":"u","sub":"${u.getPublicKey()}","nats":{"type":"user","version":2,"subs":-1,"data":-1,"payload":-1,${nats}}}`, acc1!);
    await runCases(t, [
      { name: 'pub twice: the objects merge', jwt: text('"pub":{"allow":["p.>"]},"pub":{"deny":["p.a"]}'), expect: ["-ERR 'Permissions Violation for Publish to \"p.a\"'", 'MSG p.b 2 1', 'y'] },
      { name: 'Pub and pub merge', jwt: text('"pub":{"allow":["p.>"]},"Pub":{"deny":["p.b"]}'), expect: ['MSG p.a 1 1', 'x', "-ERR 'Permissions Violation for Publish to \"p.b\"'"] },
      { name: 'ſub is sub (U+017F folds to s)', jwt: text('"ſub":{"deny":["p.a"]}'), expect: ["-ERR 'Permissions Violation for Subscription to \"p.a\"'", 'MSG p.b 2 1', 'y'] },
      { name: 'an allow list given twice: the last wins', jwt: text('"pub":{"allow":["p.a"],"allow":["p.b"]}'), expect: ["-ERR 'Permissions Violation for Publish to \"p.a\"'", 'MSG p.b 2 1', 'y'] },
      { name: 'Deny in upper case', jwt: text('"sub":{"DENY":["p.b q"]}'), expect: ["-ERR 'Permissions Violation for Subscription to \"p.b\" using queue \"q\"'", 'MSG p.a 1 1', 'x'] },
      { name: 'a key with an escape', jwt: text('"p\\u0075b":{"deny":["p.a"]}'), expect: ["-ERR 'Permissions Violation for Publish to \"p.a\"'", 'MSG p.b 2 1', 'y'] },
    ], { ops: ops1!, acc: acc1Full! });
  });

  test('limits are int32 as nats-server keeps them: negative and huge values limit, not unlimit', async (t) => {
    await runCases(t, [
      // The limit is announced (an INFO after the first PONG, as the reference sends it) and enforced.
      { name: 'payload -5', nats: { payload: -5 }, expect: ['INFO max_payload=-5', "-ERR 'Maximum Payload Violation'", '<closed>'] },
      { name: 'payload 2^32 (0 as int32)', nats: { payload: 4294967296 }, expect: ['INFO max_payload=0', "-ERR 'Maximum Payload Violation'", '<closed>'] },
      { name: 'subs 2^32+1 (1 as int32)', nats: { subs: 4294967297 }, script: 'SUB p.a 1\r\nSUB p.b 2\r\n', expect: ["-ERR 'maximum subscriptions exceeded'"] },
      { name: 'payload 2^31+10 (negative as int32)', nats: { payload: 2147483658 }, expect: ['INFO max_payload=-2147483638', "-ERR 'Maximum Payload Violation'", '<closed>'] },
    ], { ops: ops1!, acc: acc1Full! });
  });

  test('item 6: nonce signatures decoded as Go decodes base64 (line breaks skipped, padding, alphabets)', async (t) => {
    const cases: Case[] = [];
    const variant = (name: string, sig: (raw: Uint8Array) => string, admitted: boolean) => cases.push({ name, expect: admitted ? ALL_OK : REFUSED, sig });
    variant('raw url', (s) => Buffer.from(s).toString('base64url'), true);
    variant('raw url with a newline inside', (s) => { const b = Buffer.from(s).toString('base64url'); return `${b.slice(0, 40)}\n${b.slice(40)}`; }, true);
    variant('raw url with CRLF inside and at the end', (s) => { const b = Buffer.from(s).toString('base64url'); return `${b.slice(0, 20)}\r\n${b.slice(20)}\r\n`; }, true);
    variant('standard, padded', (s) => Buffer.from(s).toString('base64'), true);
    variant('standard, padded, with a newline in the padding', (s) => Buffer.from(s).toString('base64').replace(/=$/, '\n='), true);
    // RawURL refuses padding; nats-server then tries StdEncoding, which decodes it unless the signature
    // has a URL-only character (- or _): which depends on the bytes of each server's nonce signature.
    cases.push({
      name: 'raw url with padding', expect: REFUSED, sig: (s) => `${Buffer.from(s).toString('base64url')}==`,
      expectFor: (enc) => (/[-_]/.test(enc) ? REFUSED : ALL_OK),
    });
    variant('a space inside', (s) => { const b = Buffer.from(s).toString('base64url'); return `${b.slice(0, 40)} ${b.slice(40)}`; }, false);
    variant('a tab at the end', (s) => `${Buffer.from(s).toString('base64url')}\t`, false);
    variant('one character short', (s) => Buffer.from(s).toString('base64url').slice(0, -1), false);
    variant('empty', () => '', false);
    await runCases(t, cases, { ops: ops1!, acc: acc1Full! });
  });

  test('scoped signing keys: the user must carry no permissions or limits; the template applies, with its {{references}}', async (t) => {
    const ops = await new Operators().init();
    const akp = createAccount();
    const scoped = createAccount();
    const acc = await ops.account('APP', {
      signing_keys: [newScopedSigner(scoped, 'role', { pub: { allow: ['p.{{name()}}', 'p.b'], deny: [] }, sub: { allow: ['p.>'], deny: [] } })],
    }, { kp: akp });
    const scopedUser = (nats: Record<string, unknown>) => (u: KeyPair) => signRaw({ ...baseClaims('a', u.getPublicKey(), scoped), nats: { type: 'user', version: 2, issuer_account: akp.getPublicKey(), ...nats } }, scoped);
    await runCases(t, [
      { name: 'no limits of its own: the template (p.{{name()}} is p.a)', jwt: scopedUser({}), expect: ALL_OK },
      { name: 'limits of its own (what the JS library writes by default)', jwt: scopedUser({ subs: -1, data: -1, payload: -1 }), expect: REFUSED },
      { name: 'an empty allow list of its own', jwt: scopedUser({ pub: { allow: [] } }), expect: REFUSED },
      { name: 'src "" of its own (an empty, non-nil list)', jwt: scopedUser({ src: '' }), expect: REFUSED },
      { name: 'null fields are no fields', jwt: scopedUser({ src: null, pub: null, resp: null }), expect: ALL_OK },
    ], { ops, acc: { kp: akp, jwt: acc.jwt } });
  });
});

// Shared operator/account for the cases that build raw JWTs with the account key.
let ops1: Operators | undefined;
let acc1: KeyPair | undefined;
let acc1Full: { kp: KeyPair; jwt: string } | undefined;
const ready = (async () => {
  ops1 = await new Operators().init();
  acc1Full = await ops1.account('APP');
  acc1 = acc1Full.kp;
})();
await ready;
