// CONNECT keys as Go's encoding/json matches them (issue 13 item 5): case-insensitively with
// Unicode simple folding ('ſ' U+017F is 's', 'K' U+212A is 'k'), every occurrence decoded in order
// so the last one wins, null leaving a field alone. The same raw CONNECTs to nats-server and tsnats;
// the same verdicts, and tsnats's own asserted.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createUser } from '@nats-io/nkeys';
import { hasNatsServer } from '../helpers/servers.js';
import { dual, type Scenario, type Outcome } from './dual.js';
import { RawConn } from '../helpers/raw.js';
import { withServer } from '../helpers/tsnats.js';

async function same(t: Parameters<typeof dual>[0], sc: Scenario): Promise<Outcome> {
  const { ref, ts } = await dual(t, sc, { tsnatsOnly: !hasNatsServer() });
  if (hasNatsServer()) {
    assert.deepEqual(ts.conns, ref.conns, 'what the clients received');
    assert.deepEqual(ts.log, ref.log, 'the [ERR]/[WRN] log lines');
  }
  return ts;
}

const OK = ['INFO auth_required=true max_payload=1048576 nonce=none', 'PONG'];
const AV = ['INFO auth_required=true max_payload=1048576 nonce=none', "-ERR 'Authorization Violation'", '<closed>'];

/** CONNECT text with keys exactly as written (JSON.stringify would merge duplicates). */
const raw = (members: string) => `{"verbose":false,"pedantic":false,${members}}`;

describe('CONNECT keys by Go\'s rules', () => {
  test('user/password: folded keys, the last key wins, null leaves the field', async (t) => {
    const cases: [string, string, string[]][] = [
      ['paſſ is pass', raw('"user":"admin","paſſ":"s3cret"'), OK],
      ['a later paſſ overrides pass', raw('"user":"admin","pass":"s3cret","paſſ":"wrong"'), AV],
      ['a later pass overrides paſſ', raw('"user":"admin","paſſ":"wrong","pass":"s3cret"'), OK],
      ['uſer and PASS', raw('"uſer":"admin","PASS":"s3cret"'), OK],
      ['USER in upper case', raw('"USER":"admin","Pass":"s3cret"'), OK],
      ['pass twice, the last wins', raw('"user":"admin","pass":"wrong","pass":"s3cret"'), OK],
      ['pass then null', raw('"user":"admin","pass":"s3cret","pass":null'), OK],
      ['an escaped key', raw('"us\\u0065r":"admin","pass":"s3cret"'), OK],
      ['a long s elsewhere is not an s', raw('"user":"admin","pasſ":"s3cret","pass":"x"'), AV],
      ['a key with a trailing space', raw('"user ":"admin","pass":"s3cret"'), AV],
      ['a fullwidth letter is not a letter', raw('"ｕser":"admin","pass":"s3cret"'), AV],
    ];
    const ts = await same(t, {
      conf: 'authorization { users = [ {user: admin, password: s3cret} ] }\n',
      opts: { users: [{ user: 'admin', password: 's3cret' }] },
      logFilter: /\[(ERR|WRN)\] (?!.*Plaintext)/,
      async run(io) {
        for (const [name, connect] of cases) {
          await io.open(name, null);
          io.send(name, `CONNECT ${connect}\r\nPING\r\n`);
          await io.settled(name);
        }
      },
    });
    for (const [name, , want] of cases) assert.deepEqual(ts.conns[name], want, name);
  });

  test('nkey with a Kelvin sign (K folds to k) and a folded sig key', async (t) => {
    const kp = createUser();
    const ts = await same(t, {
      conf: `authorization { users = [ {nkey: ${kp.getPublicKey()}} ] }\n`,
      opts: { users: [{ nkey: kp.getPublicKey() }] },
      async run(io) {
        for (const [name, nkeyKey, sigKey] of [['plain', 'nkey', 'sig'], ['kelvin', 'n\u212aey', 'SIG'], ['upper', 'NKEY', 'Sig']] as const) {
          const info = await io.open(name, null);
          const sig = Buffer.from(kp.sign(new TextEncoder().encode(String(info.nonce)))).toString('base64url');
          io.send(name, `CONNECT ${raw(`"${nkeyKey}":"${kp.getPublicKey()}","${sigKey}":"${sig}"`)}\r\nPING\r\n`);
          await io.settled(name);
        }
      },
    });
    const ok = ['INFO auth_required=true max_payload=1048576 nonce=len15', 'PONG'];
    for (const n of ['plain', 'kelvin', 'upper']) assert.deepEqual(ts.conns[n], ok, n);
  });
});

test('a huge CONNECT of nested arrays is refused without holding the event loop', async (t) => {
  // Nesting past Go's 10,000 levels is a syntax error; the parser walks it without recursion.
  const srv = await withServer(t, { maxControlLine: 1 << 20 });
  const c = await RawConn.open(srv.port);
  await c.readLine();
  const t0 = Date.now();
  c.send(`CONNECT {"name":${'['.repeat(200_000)}\r\n`);
  const out = await c.readUntilClose(5000);
  assert.equal(out, '', 'a protocol error closes without -ERR, as the reference');
  assert.ok(Date.now() - t0 < 2000, 'refused quickly');
  const c2 = await RawConn.open(srv.port);
  await c2.readLine();
  c2.send('CONNECT {"name":' + '['.repeat(9_999) + ']'.repeat(9_999) + '}\r\nPING\r\n');
  assert.match(await c2.readUntilClose(5000), /^$/, 'an array where a string goes is a type error: closed');
});

test('a client\'s INFO is decoded into the reference\'s Info struct: a known field of the wrong type closes', async (t) => {
  const infos = ['{}', '{"port":1,"server_id":"x","connect_urls":["a"]}', '{"port":"x"}', '[]', '{"max_payload":3000000000}', '{"client_id":-1}',
    '{"gateway_cmd_payload":"!!"}', '{"gateway_cmd_payload":"aGk="}', '{"gateway_cmd_payload":[1,2]}', '{"import":{"allow":[1]}}', '{"PORT":"x"}', '{"unknown":{"x":[1]}}'];
  const ts = await same(t, {
    conf: '', opts: {},
    logFilter: /\[(ERR|WRN)\]/,
    async run(io) {
      for (const [i, info] of infos.entries()) {
        await io.open(`c${i}`, { verbose: false });
        io.send(`c${i}`, `INFO ${info}\r\nPING\r\n`);
        await io.settled(`c${i}`);
      }
    },
  });
  const closed = infos.filter((_, i) => ts.conns[`c${i}`]!.includes('<closed>'));
  assert.deepEqual(closed, ['{"port":"x"}', '[]', '{"max_payload":3000000000}', '{"client_id":-1}', '{"gateway_cmd_payload":"!!"}', '{"import":{"allow":[1]}}', '{"PORT":"x"}']);
});
