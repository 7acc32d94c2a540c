// The parser on its own: every op, split at every byte and in random splits, gives the same
// sequence of calls as when fed whole; max_control_line is enforced while buffering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Parser, type ParserHandler } from '../../src/protocol/parser.js';

class Recorder implements ParserHandler {
  closed = false;
  suspended = false;
  suspendOnConnect = false;
  calls: string[] = [];
  auth = false;
  mcl = 4096;
  awaitingAuth() { return this.auth; }
  maxControlLine() { return this.mcl; }
  private rec(op: string, buf?: Buffer, s?: number, e?: number) {
    this.calls.push(buf ? `${op} ${buf.toString('latin1', s, e)}` : op);
  }
  processConnect(b: Buffer, s: number, e: number) { this.rec('CONNECT', b, s, e); this.auth = false; this.suspended = this.suspendOnConnect; }
  /** The previous PUB/HPUB subject, to check the parser's sameSubject on every call. */
  prevSubj: string | null = null;
  sameCount = 0;
  processPubArgs(b: Buffer, s: number, e: number, h: boolean, n: number, tok: Int32Array, same: boolean) {
    const subj = n > 0 ? b.toString('latin1', tok[0], tok[1]) : null;
    // Never "same" for a different subject; always "same" for a repeated one that fits the cache.
    if (same) assert.equal(subj, this.prevSubj, `sameSubject for ${JSON.stringify(subj)} after ${JSON.stringify(this.prevSubj)}`);
    else if (subj !== null && subj.length <= 64) assert.notEqual(subj, this.prevSubj, `not sameSubject for a repeated ${JSON.stringify(subj)}`);
    if (same) this.sameCount++;
    if (subj !== null) this.prevSubj = subj;
    this.rec(h ? 'HPUB' : 'PUB', b, s, e);
    const k = Math.min(n, 4) - 1;
    return Number(b.toString('latin1', tok[2 * k], tok[2 * k + 1]));
  }
  processMsg(b: Buffer, s: number, e: number) { this.rec('MSG_PAYLOAD', b, s, e); }
  processSub(b: Buffer, s: number, e: number) { this.rec('SUB', b, s, e); }
  processUnsub(b: Buffer, s: number, e: number) { this.rec('UNSUB', b, s, e); }
  processPing() { this.rec('PING'); }
  processPong() { this.rec('PONG'); }
  processInfo(b: Buffer, s: number, e: number) { this.rec('INFO', b, s, e); }
  processErr(b: Buffer, s: number, e: number) { this.rec('ERR', b, s, e); this.closed = true; }
  processRemoteSub(b: Buffer, s: number, e: number, origin: boolean) { this.rec(origin ? 'LS+' : 'RS+', b, s, e); }
  processRemoteUnsub(b: Buffer, s: number, e: number) { this.rec('RS-', b, s, e); }
  processRoutedMsgArgs(b: Buffer, s: number, e: number, hdr: boolean, origin: boolean) {
    this.rec(origin ? 'LMSG' : hdr ? 'HMSG' : 'RMSG', b, s, e);
    const args = b.toString('latin1', s, e).trim().split(/[ \t]+/);
    return Number(args[args.length - 1]);
  }
  processAccountSub(b: Buffer, s: number, e: number, sub: boolean) { this.rec(sub ? 'A+' : 'A-', b, s, e); }
  parseError(state: number, _b: Buffer, i: number) { this.calls.push(`PARSE_ERROR state=${state}`); void i; this.closed = true; }
  authViolation() { this.calls.push('AUTH_VIOLATION'); this.closed = true; }
  maxControlLineViolation(state: number, len: number) { this.calls.push(`MAX_CONTROL_LINE state=${state} len>${this.mcl}`); void len; this.closed = true; }
}

function feed(input: Buffer, splits: number[], setup?: (r: Recorder) => void): string[] {
  const r = new Recorder();
  setup?.(r);
  const p = new Parser(r);
  let pos = 0;
  for (const at of [...splits, input.length]) {
    if (r.closed) break;
    if (at > pos) p.parse(input.subarray(pos, at));
    pos = at;
  }
  return r.calls;
}

const SESSION = Buffer.from(
  'CONNECT {"verbose":false,"headers":true}\r\n' +
  'sub foo.* 1\r\n' +
  'SUB\tbar   q  2\r\n' +
  'PUB foo.bar 5\r\nhello\r\n' +
  'pub foo.bar reply.x 0\r\n\r\n' +
  'HPUB foo.h 12 14\r\nNATS/1.0\r\n\r\nhi\r\n' +
  'PUB big 300\r\n' + 'x'.repeat(300) + '\r\n' +
  'PING\r\nPONG\n' +
  'UNSUB 1 5\r\nunsub 2\r\n' +
  'INFO {}\r\n+OK\r\n' +
  'PING\r\n',
);

test('a session parses into the expected calls', () => {
  assert.deepEqual(feed(SESSION, []), [
    'CONNECT {"verbose":false,"headers":true}',
    'SUB foo.* 1',
    'SUB bar   q  2',
    'PUB foo.bar 5',
    'MSG_PAYLOAD hello',
    'PUB foo.bar reply.x 0',
    'MSG_PAYLOAD ',
    'HPUB foo.h 12 14',
    'MSG_PAYLOAD NATS/1.0\r\n\r\nhi',
    'PUB big 300',
    'MSG_PAYLOAD ' + 'x'.repeat(300),
    'PING',
    'PONG',
    'UNSUB 1 5',
    'UNSUB 2',
    'INFO {}',
    'PING',
  ]);
});

test('split at every byte boundary gives the same calls', () => {
  const whole = feed(SESSION, []);
  for (let i = 1; i < SESSION.length; i++) assert.deepEqual(feed(SESSION, [i]), whole, `split at ${i}`);
});

test('fed one byte at a time gives the same calls', () => {
  const whole = feed(SESSION, []);
  const splits = Array.from({ length: SESSION.length - 1 }, (_, i) => i + 1);
  assert.deepEqual(feed(SESSION, splits), whole);
});

test('random splits give the same calls', () => {
  const whole = feed(SESSION, []);
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let round = 0; round < 500; round++) {
    const k = 1 + Math.floor(rnd() * 12);
    const splits = Array.from({ length: k }, () => Math.floor(rnd() * SESSION.length)).sort((a, b) => a - b);
    assert.deepEqual(feed(SESSION, splits), whole, `splits ${splits}`);
  }
});

test('a repeated PUB subject is recognised, and never a different one', () => {
  const long = 'l.' + 'x'.repeat(70);
  const subjects = ['foo.bar', 'foo.bar', 'foo.baz', 'foo.baz', 'foo', 'foo.bar', 'foo', 'foo', 'foo.barx', 'foo.bar',
    long, long, 'a\x01b', 'a\x01b', 'a\x02b', 'foo.bar', 'foo.bar'];
  let input = '';
  subjects.forEach((subj, k) => {
    const sep = k % 3 === 0 ? '\t' : ' ';
    input += k % 4 === 1 ? `HPUB${sep}${subj} r.${k} 12 14\r\nNATS/1.0\r\n\r\nhi\r\n` : `PUB${sep}${subj}${sep}${k % 2 ? 'reply ' : ''}2\r\nhi\r\n`;
  });
  const buf = Buffer.from(input, 'latin1');
  const whole = new Recorder();
  new Parser(whole).parse(buf);
  assert.equal(whole.calls.filter((c) => c.startsWith('PUB') || c.startsWith('HPUB')).length, subjects.length);
  assert.ok(whole.sameCount >= 5, `only ${whole.sameCount} repeats recognised`);
  // Split anywhere (the state machine's path for split lines), the answers hold too.
  for (let i = 0; i < 50; i++) {
    const cut = [1 + Math.floor(Math.random() * (buf.length - 1))];
    const r = new Recorder();
    const p = new Parser(r);
    p.parse(buf.subarray(0, cut[0]));
    p.parse(buf.subarray(cut[0]));
    assert.deepEqual(r.calls, whole.calls);
  }
});

test('long argument lines split into many reads are copied whole, with the lone \\r of a split line dropped', () => {
  const name = Array.from({ length: 200_000 }, (_, i) => String.fromCharCode(0x61 + (i % 26))).join('');
  const input = Buffer.from(`CONNECT {"name":"${name}"}\r\nSUB ${name.slice(0, 3000)} 1\r\nPING\r\n`, 'latin1');
  const big = (r: Recorder) => { r.mcl = 1 << 20; };
  const whole = feed(input, [], big);
  assert.equal(whole.length, 3);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let round = 0; round < 50; round++) {
    const splits = Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * input.length)).sort((a, b) => a - b);
    assert.deepEqual(feed(input, splits, big), whole, `splits ${splits}`);
  }
  // A '\r' inside a line that spans reads is dropped (the reference's split-buffer path keeps only other bytes).
  const cr = Buffer.from('SUB a\rb 1\r\n', 'latin1');
  assert.deepEqual(feed(cr, [5]), ['SUB ab 1']);
  assert.deepEqual(feed(cr, []), ['SUB a\rb 1']);
});

test('unknown operations and bad framing are parse errors', () => {
  assert.deepEqual(feed(Buffer.from('FOO bar\r\n'), []), ['PARSE_ERROR state=0']);
  assert.deepEqual(feed(Buffer.from('\r\n'), []), ['PARSE_ERROR state=0']);
  assert.deepEqual(feed(Buffer.from('PUX\r\n'), []), ['PARSE_ERROR state=30']);
  // payload longer than declared: the byte after the payload is not '\r'
  assert.deepEqual(feed(Buffer.from('PUB foo 3\r\nhello\r\n'), []), ['PUB foo 3', 'PARSE_ERROR state=41']);
  assert.deepEqual(feed(Buffer.from('PUB foo 3\r\nhello\r\n'), [12]), ['PUB foo 3', 'PARSE_ERROR state=41']);
  // route/leaf ops and MSG are not for clients
  for (const op of ['RS+ foo\r\n', 'LS+ foo\r\n', 'A+ foo\r\n', 'MSG foo 1 1\r\n']) {
    assert.deepEqual(feed(Buffer.from(op), []), ['PARSE_ERROR state=0'], op);
  }
});

test('bare \\n ends lines; PING ignores trailing bytes up to the newline', () => {
  assert.deepEqual(feed(Buffer.from('PING\nSUB a 1\nPINGXYZ\r\n'), []), ['PING', 'SUB a 1', 'PING']);
});

test('only CONNECT is accepted while awaiting auth', () => {
  assert.deepEqual(feed(Buffer.from('PING\r\n'), [], (r) => (r.auth = true)), ['AUTH_VIOLATION']);
  assert.deepEqual(feed(Buffer.from('CONNECT {}\r\nPING\r\n'), [], (r) => (r.auth = true)), ['CONNECT {}', 'PING']);
});

test('max_control_line is enforced on complete and on split lines', () => {
  const long = `SUB ${'a'.repeat(300)} 1\r\n`;
  const set = (r: Recorder) => (r.mcl = 256);
  assert.deepEqual(feed(Buffer.from(long), [], set), ['MAX_CONTROL_LINE state=47 len>256']);
  // split: detected while buffering, before the line ends
  assert.deepEqual(feed(Buffer.from(long), [200, 280], set), ['MAX_CONTROL_LINE state=47 len>256']);
  // a line that never ends is caught as soon as it passes the limit
  const r = new Recorder();
  r.mcl = 256;
  const p = new Parser(r);
  p.parse(Buffer.from('PUB '));
  for (let i = 0; i < 100 && !r.closed; i++) p.parse(Buffer.from('abcdefgh'));
  assert.deepEqual(r.calls, ['MAX_CONTROL_LINE state=33 len>256']);
});

test('a payload split across many reads is reassembled', () => {
  const payload = Buffer.alloc(100_000, 0x61);
  const input = Buffer.concat([Buffer.from('PUB big 100000\r\n'), payload, Buffer.from('\r\nPING\r\n')]);
  const splits: number[] = [];
  for (let i = 7; i < input.length; i += 4093) splits.push(i);
  const calls = feed(input, splits);
  assert.equal(calls.length, 3);
  assert.equal(calls[1], 'MSG_PAYLOAD ' + 'a'.repeat(100_000));
});

test('a client -ERR closes (processErr)', () => {
  assert.deepEqual(feed(Buffer.from('-ERR foo\r\nPING\r\n'), []), ['ERR foo']);
});

test('a suspended CONNECT holds the rest of the read until resumed', () => {
  const r = new Recorder();
  r.suspendOnConnect = true;
  const p = new Parser(r);
  p.parse(Buffer.from('CONNECT {}\r\nSUB a 1\r\nPUB a 2\r\nhi\r\n'));
  assert.deepEqual(r.calls, ['CONNECT {}']);
  r.suspended = false;
  p.resumeParsing();
  p.parse(Buffer.from('PING\r\n'));
  assert.deepEqual(r.calls, ['CONNECT {}', 'SUB a 1', 'PUB a 2', 'MSG_PAYLOAD hi', 'PING']);
});

// ---- route operations (a ROUTER row of KIND_OPS): RS+/RS-, LS+/LS-, RMSG/HMSG/LMSG, A+/A-.
import { KIND_OPS, Kind } from '../../src/server/kind.js';

function feedRoute(input: Buffer, splits: number[]): string[] {
  const r = new Recorder();
  const p = new Parser(r, KIND_OPS[Kind.ROUTER]);
  let pos = 0;
  for (const at of [...splits, input.length]) {
    if (r.closed) break;
    if (at > pos) p.parse(input.subarray(pos, at));
    pos = at;
  }
  return r.calls;
}

const ROUTE_SESSION = Buffer.from(
  'CONNECT {"echo":true}\r\n' +
  'INFO {"server_id":"X"}\r\n' +
  'RS+ $G foo\r\nrs+ APP bar q1 2\r\nRS- APP bar q1\r\n' +
  'LS+ LC APP leaf\r\nLS-  APP leaf\r\n' +
  'RMSG $G foo 5\r\nhello\r\n' +
  'RMSG $G foo + rep q1 q2 3\r\nabc\r\n' +
  'RMSG $G foo | q1 0\r\n\r\n' +
  'HMSG $G x.z 12 14\r\nNATS/1.0\r\n\r\nhi\r\n' +
  'LMSG LC APP h2 0 2\r\nl3\r\n' +
  'A+ $G\r\nA- $G\r\n' +
  'RMSG $G big ' + 300 + '\r\n' + 'y'.repeat(300) + '\r\n' +
  'PING\r\nPONG\r\n',
);

test('route operations parse into the expected calls, whole and split anywhere', () => {
  const whole = feedRoute(ROUTE_SESSION, []);
  assert.deepEqual(whole, [
    'CONNECT {"echo":true}',
    'INFO {"server_id":"X"}',
    'RS+ $G foo',
    'RS+ APP bar q1 2',
    'RS- APP bar q1',
    'LS+ LC APP leaf',
    'RS- APP leaf',
    'RMSG $G foo 5',
    'MSG_PAYLOAD hello',
    'RMSG $G foo + rep q1 q2 3',
    'MSG_PAYLOAD abc',
    'RMSG $G foo | q1 0',
    'MSG_PAYLOAD ',
    'HMSG $G x.z 12 14',
    'MSG_PAYLOAD NATS/1.0\r\n\r\nhi',
    'LMSG LC APP h2 0 2',
    'MSG_PAYLOAD l3',
    'A+ $G',
    'A- $G',
    'RMSG $G big 300',
    'MSG_PAYLOAD ' + 'y'.repeat(300),
    'PING',
    'PONG',
  ]);
  for (let i = 1; i < ROUTE_SESSION.length; i++) assert.deepEqual(feedRoute(ROUTE_SESSION, [i]), whole, `split at ${i}`);
});

test('route operations: parse errors at the reference states; client ops a route may send', () => {
  // 'M' is not an op start (state 0); RX, RS?, LX at their states (parser.go OP_R 57, OP_RS 58, OP_L 55).
  assert.deepEqual(feedRoute(Buffer.from('MSG a 1 1\r\n'), []), ['PARSE_ERROR state=0']);
  assert.deepEqual(feedRoute(Buffer.from('RX\r\n'), []), ['PARSE_ERROR state=57']);
  assert.deepEqual(feedRoute(Buffer.from('RS*\r\n'), []), ['PARSE_ERROR state=58']);
  assert.deepEqual(feedRoute(Buffer.from('LX\r\n'), []), ['PARSE_ERROR state=55']);
  // The reference's parser reads SUB, UNSUB and PUB from a route too (the connection decides: SUB ignored, UNSUB as RS-).
  assert.deepEqual(feedRoute(Buffer.from('SUB a 1\r\nUNSUB 1\r\nPUB a 1\r\nx\r\n'), []), ['SUB a 1', 'UNSUB 1', 'PUB a 1', 'MSG_PAYLOAD x']);
});
