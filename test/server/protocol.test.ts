// Raw-TCP transcripts for every client op and -ERR path, with the bytes nats-server 2.9.10 sends
// (reference §1). The differential suite (test/diff) runs the same kind of transcripts against
// nats-server itself.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn } from '../helpers/raw.js';
import { withServer, logCollector } from '../helpers/tsnats.js';
import type { Server } from '../../src/index.js';

const CRLF = '\r\n';

async function connected(port: number, connect = '{"verbose":false}') {
  const { c, info } = await RawConn.openAndInfo(port);
  c.send(`CONNECT ${connect}\r\n`);
  return { c, info };
}

describe('client protocol (default options)', () => {
  let srv: Server;
  const logs = logCollector();
  before(async () => {
    srv = await withServer(null, { log: logs.log, debug: true });
  });
  after(() => srv.shutdown());

  test('INFO on accept: fields in the reference order, space before CRLF', async () => {
    const c = await RawConn.open(srv.port);
    const line = await c.readLine();
    c.close();
    assert.match(line, /^INFO \{.*\} $/);
    const info = JSON.parse(line.slice(5));
    assert.deepEqual(Object.keys(info), ['server_id', 'server_name', 'version', 'proto', 'go', 'host', 'port', 'headers', 'max_payload', 'client_id', 'client_ip']);
    assert.equal(info.proto, 1);
    assert.equal(info.headers, true);
    assert.equal(info.max_payload, 1048576);
    assert.equal(info.client_ip, '127.0.0.1');
    assert.equal(info.port, srv.port);
    assert.match(info.server_id, /^N[A-Z0-9]{55}$/);
  });

  test('CONNECT {} means verbose, pedantic and echo: +OK for CONNECT/SUB/PUB, not for PING', async () => {
    const { c } = await connected(srv.port, '{}');
    c.send('SUB foo 1\r\nPUB foo 5\r\nhello\r\nPUB foo.* 1\r\nx\r\nSUB foo.>.bar 2\r\n');
    const out = await c.roundTrip();
    assert.equal(out,
      '+OK\r\n+OK\r\n+OK\r\nMSG foo 1 5\r\nhello\r\n' +
      "-ERR 'Invalid Publish Subject'\r\n+OK\r\n" +
      "-ERR 'Invalid Subject'\r\nPONG\r\n");
    c.close();
  });

  test('ops are case-insensitive; tabs, runs of spaces and bare \\n are accepted', async () => {
    const { c } = await connected(srv.port);
    c.send('sub\tfoo   1\nPuB foo\t\t 2\nhi\r\nping\n');
    assert.equal(await c.readLine(), 'MSG foo 1 2');
    assert.equal(await c.readLine(), 'hi');
    assert.equal(await c.readLine(), 'PONG');
    c.close();
  });

  test('reply subjects, UNSUB with max, unknown sid ignored', async () => {
    const { c } = await connected(srv.port);
    c.send('SUB foo 1\r\nUNSUB 1 2\r\nUNSUB 99\r\n');
    for (let i = 0; i < 3; i++) c.send(`PUB foo reply.${i} 1\r\n${i}\r\n`);
    const out = await c.roundTrip();
    assert.equal(out, 'MSG foo 1 reply.0 1\r\n0\r\nMSG foo 1 reply.1 1\r\n1\r\nPONG\r\n');
    c.close();
  });

  test('queue groups: one member per group, plain subscribers get everything', async () => {
    const { c: a } = await connected(srv.port);
    const { c: b } = await connected(srv.port);
    const { c: p } = await connected(srv.port);
    a.send('SUB work q 1\r\nSUB work 2\r\n');
    b.send('SUB work q 1\r\n');
    await a.roundTrip();
    await b.roundTrip();
    for (let i = 0; i < 40; i++) p.send(`PUB work 1\r\n${i % 10}\r\n`);
    await p.roundTrip();
    const outA = await a.roundTrip();
    const outB = await b.roundTrip();
    const qa = (outA.match(/MSG work 1 1/g) ?? []).length;
    const plain = (outA.match(/MSG work 2 1/g) ?? []).length;
    const qb = (outB.match(/MSG work 1 1/g) ?? []).length;
    assert.equal(plain, 40);
    assert.equal(qa + qb, 40);
    assert.ok(qa > 0 && qb > 0, `both members should get some: ${qa}/${qb}`);
    a.close(); b.close(); p.close();
  });

  test('echo:false does not deliver own messages', async () => {
    const { c } = await connected(srv.port, '{"verbose":false,"echo":false}');
    const { c: other } = await connected(srv.port);
    c.send('SUB e 1\r\n');
    await c.roundTrip();
    c.send('PUB e 1\r\na\r\n');
    assert.equal(await c.roundTrip(), 'PONG\r\n');
    other.send('PUB e 1\r\nb\r\n');
    await other.roundTrip();
    assert.equal(await c.roundTrip(), 'MSG e 1 1\r\nb\r\nPONG\r\n');
    c.close(); other.close();
  });

  test('HPUB/HMSG for header clients; headers stripped to MSG for the others', async () => {
    const { c: h } = await connected(srv.port, '{"verbose":false,"headers":true}');
    const { c: plain } = await connected(srv.port);
    h.send('SUB h 1\r\n');
    plain.send('SUB h 1\r\n');
    await h.roundTrip();
    await plain.roundTrip();
    h.send('HPUB h r 18 20\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\n');
    assert.equal(await h.roundTrip(), 'HMSG h 1 r 18 20\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\nPONG\r\n');
    assert.equal(await plain.roundTrip(), 'MSG h 1 r 2\r\nhi\r\nPONG\r\n');
    h.close(); plain.close();
  });

  test('no_responders: 503 on the requester\'s reply subscription', async () => {
    const { c } = await connected(srv.port, '{"verbose":false,"headers":true,"no_responders":true}');
    c.send('SUB _INBOX.x.* 7\r\nPUB nobody _INBOX.x.1 0\r\n\r\n');
    assert.equal(await c.roundTrip(), 'HMSG _INBOX.x.1 7 16 16\r\nNATS/1.0 503\r\n\r\n\r\nPONG\r\n');
    // without a matching reply subscription, nothing is sent
    c.send('PUB nobody other.reply 0\r\n\r\n');
    assert.equal(await c.roundTrip(), 'PONG\r\n');
    c.close();
  });

  test('reserved reply prefixes are a permissions violation; the connection stays', async () => {
    const { c } = await connected(srv.port);
    c.send('SUB x 1\r\nPUB x _R_.abc 1\r\na\r\n');
    assert.equal(await c.roundTrip(), `-ERR 'Permissions Violation for Publish with Reply of "_R_.abc"'\r\nPONG\r\n`);
    c.close();
  });

  test('publishing to a wildcard subject without pedantic is delivered literally', async () => {
    const { c } = await connected(srv.port, '{"verbose":false,"pedantic":false}');
    c.send('SUB foo.* 1\r\nSUB foo.> 2\r\nSUB foo.bar 3\r\nPUB foo.* 1\r\nx\r\nPUB foo..x 1\r\ny\r\n');
    const out = await c.roundTrip();
    // the reference's order: the '>' node before the '*' node
    assert.equal(out, 'MSG foo.* 2 1\r\nx\r\nMSG foo.* 1 1\r\nx\r\nPONG\r\n');
    c.close();
  });

  for (const [name, input, expect] of [
    ['unknown op', 'FOO bar\r\n', "-ERR 'Unknown Protocol Operation'\r\n"],
    ['payload longer than declared', 'PUB foo 3\r\nhello\r\n', "-ERR 'Unknown Protocol Operation'\r\n"],
    ['PUB with too few arguments', 'PUB foo\r\n', ''],
    ['PUB with a bad size', 'PUB foo bar\r\n', ''],
    ['PUB with a size of more than 9 digits (parseSize: bad size, not max payload)', 'PUB foo 2000000000\r\n', ''],
    ['SUB without sid', 'SUB foo\r\n', ''],
    ['HPUB without headers:true', 'HPUB foo 1 2\r\n', ''],
    ['an empty line', '\r\n', "-ERR 'Unknown Protocol Operation'\r\n"],
    ['MSG from a client', 'MSG foo 1 1\r\n', "-ERR 'Unknown Protocol Operation'\r\n"],
    ['binary garbage', '\x00\xff\xfe\x01', "-ERR 'Unknown Protocol Operation'\r\n"],
    ['-ERR from a client', '-ERR boom\r\n', ''],
  ] as const) {
    test(`${name}: the reference answer, then close`, async () => {
      const { c } = await connected(srv.port);
      c.send(input);
      assert.equal(await c.readUntilClose(), expect);
    });
  }

  test('bad CONNECT JSON closes without -ERR', async () => {
    const { c } = await RawConn.openAndInfo(srv.port);
    c.send('CONNECT {bad\r\n');
    assert.equal(await c.readUntilClose(), '');
    await logs.wait(/invalid character/);
  });

  test('CONNECT protocol 2 and no_responders without headers are refused with their texts', async () => {
    const a = (await RawConn.openAndInfo(srv.port)).c;
    a.send('CONNECT {"verbose":false,"protocol":2}\r\n');
    assert.equal(await a.readUntilClose(), "-ERR 'invalid client protocol'\r\n");
    const b = (await RawConn.openAndInfo(srv.port)).c;
    b.send('CONNECT {"verbose":false,"no_responders":true}\r\n');
    assert.equal(await b.readUntilClose(), "-ERR 'no responders requires headers support'\r\n");
  });

  test('maximum payload: -ERR right after the control line, before the payload', async () => {
    const { c } = await connected(srv.port);
    c.send('PUB foo 2000000\r\n'); // no payload sent at all
    assert.equal(await c.readUntilClose(), "-ERR 'Maximum Payload Violation'\r\n");
    await logs.wait(/maximum payload exceeded: 2000000 vs 1048576/);
  });

  test('half a frame then silence: no answer, the connection stays, others unaffected', async () => {
    const { c } = await connected(srv.port);
    c.send('PUB foo 10\r\nhal');
    const { c: other } = await connected(srv.port);
    assert.equal(await other.roundTrip(), 'PONG\r\n');
    assert.equal(await c.drain(100), '');
    assert.equal(c.closed, false);
    c.send('f-frame\r\n');
    assert.equal(await c.roundTrip(), 'PONG\r\n');
    c.close(); other.close();
  });

  test('the close is logged with its reason', async () => {
    const { c } = await connected(srv.port, '{"verbose":false,"name":"bye"}');
    await c.roundTrip();
    c.close();
    await logs.wait(/cid:\d+ - "bye" - Client connection closed: Client Closed/);
  });
});

describe('limits', () => {
  test('max_control_line: -ERR and close', async (t) => {
    const srv = await withServer(t, { maxControlLine: 256 });
    const { c } = await connected(srv.port);
    c.send(`SUB ${'a'.repeat(300)} 1\r\n`);
    assert.equal(await c.readUntilClose(), "-ERR 'maximum control line exceeded'\r\n");
  });

  test('max_connections: INFO, then -ERR and close', async (t) => {
    const srv = await withServer(t, { maxConnections: 1 });
    const { c } = await connected(srv.port);
    await c.roundTrip();
    const c2 = await RawConn.open(srv.port);
    const out = await c2.readUntilClose();
    assert.match(out, /^INFO \{.*\} \r\n-ERR 'maximum connections exceeded'\r\n$/);
    c.close();
  });

  test('max_subscriptions: -ERR, the connection stays open', async (t) => {
    const srv = await withServer(t, { maxSubscriptions: 2 });
    const { c } = await connected(srv.port);
    c.send('SUB a 1\r\nSUB b 2\r\nSUB c 3\r\n');
    assert.equal(await c.roundTrip(), "-ERR 'maximum subscriptions exceeded'\r\nPONG\r\n");
    c.close();
  });

  test('auth: any op before CONNECT is an Authorization Violation', async (t) => {
    const srv = await withServer(t, { username: 'a', password: 'b' });
    const { c, info } = await RawConn.openAndInfo(srv.port);
    assert.equal(info.auth_required, true);
    c.send('PING\r\n');
    assert.equal(await c.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    const d = (await RawConn.openAndInfo(srv.port)).c;
    d.send('CONNECT {"verbose":false,"user":"a","pass":"wrong"}\r\n');
    assert.equal(await d.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    const e = (await RawConn.openAndInfo(srv.port)).c;
    e.send('CONNECT {"verbose":false,"user":"a","pass":"b"}\r\n');
    assert.equal(await e.roundTrip(), 'PONG\r\n');
    e.close();
  });

  test('auth timeout: -ERR Authentication Timeout when no CONNECT comes', async (t) => {
    const srv = await withServer(t, { authorization: 'tok', authTimeout: 200 });
    const t0 = Date.now(); // the timer starts at accept, so measure from before the connect
    const { c } = await RawConn.openAndInfo(srv.port);
    assert.equal(await c.readUntilClose(), "-ERR 'Authentication Timeout'\r\n");
    assert.ok(Date.now() - t0 >= 190, `closed after ${Date.now() - t0}ms`);
  });
});

void CRLF;
