// Differences from nats-server found by the differential fuzz (fuzz.test.ts), each pinned as a
// transcript against an in-process tsnats with the reference's answer (captured from nats-server 2.9.10).
// Each test failed before its fix in src/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RawConn } from '../helpers/raw.js';
import { startServer as startTsnats } from '../../src/index.js';
import { startServer, hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { decodeClientOpts, defaultClientOpts } from '../../src/server/connect.js';

/** Connect, read INFO, send each write separately (a few ms apart), then collect until the server closes. */
async function untilClosed(port: number, writes: string[], ms = 3000): Promise<{ got: string; closed: boolean }> {
  const { c } = await RawConn.openAndInfo(port);
  c.sock.setNoDelay(true);
  try {
    for (const w of writes) {
      await c.write(Buffer.from(w, 'latin1'));
      await sleep(10);
    }
    const closed = await c.until((_b, isClosed) => isClosed, ms);
    return { got: c.take().toString('latin1'), closed };
  } finally {
    c.close();
  }
}

/** Connect, read INFO, send, then PING and collect up to the PONG (or the close). */
async function roundTrip(port: number, data: string): Promise<{ got: string; closed: boolean }> {
  const { c } = await RawConn.openAndInfo(port);
  try {
    await c.write(Buffer.from(data + 'PING\r\n', 'latin1'));
    await c.until((b, closed) => closed || b.toString('latin1').endsWith('PONG\r\n'), 3000);
    return { got: c.take().toString('latin1'), closed: c.closed };
  } finally {
    c.close();
  }
}

const QUIET = 'CONNECT {"verbose":false,"pedantic":false}\r\n';

interface Running { port: number; stop(): Promise<void> }

/** A server of `kind` on a free port: tsnats in-process, nats-server as a child. */
async function start(kind: ServerKind, auth: boolean): Promise<Running> {
  if (kind === 'tsnats') {
    const s = await startTsnats({ host: '127.0.0.1', port: 0, ...(auth ? { username: 'fuzz', password: 'secret' } : {}) });
    return { port: s.port, stop: () => s.shutdown() };
  }
  const s = await startServer('nats-server', { args: auth ? ['--user', 'fuzz', '--pass', 'secret'] : [] });
  return { port: s.port, stop: () => s.stop() };
}

// The same transcripts run against nats-server too (when installed), to show they hold the reference's answers.
for (const kind of ['tsnats', 'nats-server'] as const) describe(`fuzz findings (regressions): ${kind}`, { skip: kind === 'nats-server' && !hasNatsServer() && 'nats-server is not installed' }, () => {
  let srv: Running;
  let auth: Running;
  before(async () => {
    srv = await start(kind, false);
    auth = await start(kind, true);
  });
  after(async () => {
    await srv?.stop();
    await auth?.stop();
  });

  it('a wrong byte right after a split payload fails at once, without waiting for one more byte (fuzz seed 17)', async () => {
    // nats-server checks the '\r' after the payload as soon as it arrives (parser.go MSG_END_R);
    // the LF that would follow never comes here, and the reference does not wait for it.
    const r = await untilClosed(srv.port, ['CONNECT {"verbose":false}\r\nPUB foo 5\r\n', 'hello!']);
    assert.equal(r.got, "-ERR 'Unknown Protocol Operation'\r\n");
    assert.ok(r.closed, 'closed by the server');
  });

  it('the same when the payload and the wrong byte come with the control line', async () => {
    const r = await untilClosed(srv.port, ['CONNECT {"verbose":false}\r\nPUB foo 5\r\nhello!']);
    assert.equal(r.got, "-ERR 'Unknown Protocol Operation'\r\n");
    assert.ok(r.closed, 'closed by the server');
  });

  it('a size of more than 9 digits is a bad size, even with leading zeros (fuzz seed 1565; server/util.go parseSize)', async () => {
    // processPub Bad or Missing Size: close, no -ERR (not a Maximum Payload Violation)
    for (const size of ['9925474099', '2147483648', '0000000005']) {
      const r = await untilClosed(srv.port, [`${QUIET}PUB r ${size}\r\n`]);
      assert.deepEqual(r, { got: '', closed: true }, `PUB r ${size}`);
    }
    const h = await untilClosed(srv.port, [`CONNECT {"verbose":false,"headers":true}\r\nHPUB r 1 2147483648\r\n`]);
    assert.deepEqual(h, { got: '', closed: true }, 'HPUB total size');
  });

  it('UNSUB with a max of more than 9 digits unsubscribes at once, as a bad max does', async () => {
    const r = await roundTrip(srv.port, `${QUIET}SUB u 1\r\nUNSUB 1 1234567890\r\nPUB u 1\r\na\r\n`);
    assert.deepEqual(r, { got: 'PONG\r\n', closed: false });
  });

  it('CONNECT int fields take only integer literals within int64, as Go decodes them (fuzz seeds 1312, 5744)', async () => {
    // json: cannot unmarshal number 1e3 into Go struct field ClientOpts.protocol of type int → close, no -ERR
    for (const v of ['1e3', '1E0', '1.0', '99999999999999999999', '-1.5']) {
      const r = await untilClosed(srv.port, [`CONNECT {"verbose":false,"protocol":${v}}\r\n`]);
      assert.deepEqual(r, { got: '', closed: true }, `protocol ${v}`);
    }
    // the first bad value fails the decode even when a later key of the same field is fine
    const dup = await untilClosed(srv.port, ['CONNECT {"verbose":false,"protocol":1.5,"Protocol":1}\r\n']);
    assert.deepEqual(dup, { got: '', closed: true }, 'duplicate key');
    // before the credentials are looked at: no Authorization Violation
    const a = await untilClosed(auth.port, ['CONNECT {"protocol":99999999999999999999}\r\n']);
    assert.deepEqual(a, { got: '', closed: true }, 'auth server');
    // integer literals are fine: -0 is 0; int64 max is an int (then an invalid protocol)
    assert.deepEqual(await roundTrip(srv.port, 'CONNECT {"verbose":false,"protocol":-0}\r\n'), { got: 'PONG\r\n', closed: false });
    assert.deepEqual(await untilClosed(srv.port, ['CONNECT {"verbose":false,"protocol":9223372036854775807}\r\n']),
      { got: "-ERR 'invalid client protocol'\r\n", closed: true });
  });

  it('pedantic publish subjects may hold control characters (fuzz seed 1969; 2.9 IsValidLiteralSubject)', async () => {
    const r = await roundTrip(srv.port, 'CONNECT {"verbose":false,"pedantic":true}\r\nPUB \r 1\r\nx\r\nPUB a\fb 1\r\nx\r\nPUB a.* 1\r\nx\r\n');
    assert.deepEqual(r, { got: "-ERR 'Invalid Publish Subject'\r\nPONG\r\n", closed: false });
  });

  it('subjects in permission errors are quoted as Go %q quotes their bytes (fuzz seed 3490)', async () => {
    // invalid UTF-8 → \xNN; valid printable UTF-8 kept; \a \v and non-printable runes (U+0085) escaped
    const r = await roundTrip(srv.port, `${QUIET}PUB _GR_.\xb2 3\r\nmcl\r\nPUB _GR_.a\x07\x0b\xc3\xa9\xc2\x85 1\r\nx\r\n`);
    assert.equal(r.got,
      `-ERR 'Permissions Violation for Publish to "_GR_.\\xb2"'\r\n` +
      `-ERR 'Permissions Violation for Publish to "_GR_.a\\a\\v\xc3\xa9\\u0085"'\r\nPONG\r\n`);
  });

  it('subscription subjects and queues may hold control characters (fuzz seed 29635; 2.9 Sublist.Insert checks tokens only)', async () => {
    const r = await roundTrip(srv.port, 'CONNECT {"verbose":true,"pedantic":false}\r\nSUB \f 1\r\nSUB foo q\fx 2\r\nSUB a\x0bb 3\r\nSUB \f.> 4\r\nPUB \f.x 1\r\nz\r\n');
    assert.deepEqual(r, { got: '+OK\r\n'.repeat(6) + 'MSG \f.x 4 1\r\nz\r\nPONG\r\n', closed: false });
  });

  it('no responders: the 503 goes to a plain subscription on the reply, never a queue one (fuzz seed 38404; subForReply)', async () => {
    const hdrs = 'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\n';
    const q = await roundTrip(srv.port, `${hdrs}SUB nr.reply.q grp 1\r\nPUB nr.nobody.q nr.reply.q 0\r\n\r\n`);
    assert.deepEqual(q, { got: 'PONG\r\n', closed: false });
    const p = await roundTrip(srv.port, `${hdrs}SUB nr.reply.p 1\r\nPUB nr.nobody.p nr.reply.p 0\r\n\r\n`);
    assert.deepEqual(p, { got: 'HMSG nr.reply.p 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\nPONG\r\n', closed: false });
  });
});

describe('CONNECT JSON bombs (found by hostile.test.ts)', () => {
  it('nesting deeper than Go\'s 10,000 levels fails fast, with Go\'s message', () => {
    // nats-server 2.9.10 logs "invalid character '[' exceeded max depth" (captured with max_control_line 16MB)
    // and closes; tsnats used to parse all of it first, blocking every other client for most of a second
    const deep = (n: number) => `{"verbose":false,"name":${'['.repeat(n)}${']'.repeat(n)}}`;
    // the object around the field is one level: 9,999 + 1 is the deepest Go takes
    assert.equal(decodeClientOpts(deep(9_999), defaultClientOpts()), 'json: cannot unmarshal array into Go struct field ClientOpts.name of type string');
    assert.equal(decodeClientOpts(deep(10_000), defaultClientOpts()), "invalid character '[' exceeded max depth");
    assert.equal(decodeClientOpts(`{"a":"${'['.repeat(20_000)}"}`, defaultClientOpts()), null, 'brackets inside strings do not count');
    const t0 = performance.now();
    assert.equal(decodeClientOpts('['.repeat(2 << 20) + ']'.repeat(2 << 20), defaultClientOpts()), "invalid character '[' exceeded max depth");
    const ms = performance.now() - t0;
    assert.ok(ms < 400, `2M levels took ${ms.toFixed(0)} ms`);
  });
});

