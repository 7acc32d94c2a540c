// Seeded generation of fuzz cases: a plausible client session (CONNECT, SUB, PUB, HPUB, UNSUB, PING…,
// plus ops a client should never send), then mutations of the kinds real bugs and attackers produce —
// flipped bytes, wrong sizes, truncated lines, extra spaces/tabs, case changes, huge numbers, missing
// CRLF, binary garbage — and random cuts into separate writes.
import { Rng } from './rng.js';
import { SETUPS, type Case, type FuzzOp, type SetupName } from './case.js';

const SUBJECTS = ['foo', 'foo.bar', 'foo.*', 'foo.>', '>', '*', 'a.b.c', 'bar', '_INBOX.x.y', 'foo..bar', '.foo', 'foo.', 'foo.>.bar', 'x*', '$SYS.x'];
const TOKENS = ['a', 'b', 'foo', 'bar', '*', '>', '', 'Z', '_', '$', 'é', '1'];
const REPLIES = ['_INBOX.r', 'reply', '_R_.x', '$JS.ACK.a.b', '_GR_.x.y', 'foo.*'];
const QUEUES = ['q', 'g', 'q.1', 'q*', '>'];
/** Numbers that sit on boundaries: limits, int32/int64, the reference's 9-digit parse limit. */
const HUGE_NUMBERS = [
  '0', '00', '007', '-1', '+1', '1e3', '0x10', '256', '257', '1048576', '1048577', '999999999', '1000000000',
  '2147483647', '2147483648', '4294967296', '9007199254740993', '99999999999999999999', '2000000000',
];
const INTERESTING_BYTES = [0x20, 0x09, 0x0d, 0x0a, 0x00, 0xff, 0x7f, 0x2e, 0x2a, 0x3e, 0x22, 0x7b];

interface Ctx {
  r: Rng;
  setup: SetupName;
  headers: boolean;
  sids: string[];
  queuesUsed: Set<string>;
}

export function generate(seed: number): Case {
  const r = new Rng(seed);
  const setup = r.weighted<SetupName>([[6, 'default'], [2, 'limits'], [2, 'auth']]);
  const ctx: Ctx = { r, setup, headers: false, sids: [], queuesUsed: new Set() };
  const profile = r.weighted([[4, 'valid'], [5, 'mutated'], [1, 'garbage']] as const);
  const ops: Buffer[] = [];
  if (r.chance(0.85)) ops.push(connectOp(ctx));
  const n = r.range(1, 7);
  for (let i = 0; i < n; i++) ops.push(randomOp(ctx));

  if (profile === 'mutated') {
    // mostly one mutation, so the session goes on past it often enough to reach deeper states
    const k = r.weighted([[6, 1], [3, 2], [1, 4]]);
    for (let j = 0; j < k; j++) {
      const i = r.int(ops.length);
      ops[i] = mutate(r, ops[i]!, setup);
    }
    // op-level changes: duplicate, drop, swap
    if (r.chance(0.15) && ops.length > 1) { const i = r.int(ops.length); ops.splice(i, 0, ops[i]!); }
    if (r.chance(0.1) && ops.length > 1) ops.splice(r.int(ops.length), 1);
    if (r.chance(0.1) && ops.length > 1) { const i = r.int(ops.length - 1); [ops[i], ops[i + 1]] = [ops[i + 1]!, ops[i]!]; }
  } else if (profile === 'garbage') {
    const k = r.range(1, 3);
    for (let j = 0; j < k; j++) ops.splice(r.int(ops.length + 1), 0, r.bytes(r.range(1, 40)));
  }

  const fops: FuzzOp[] = ops.map((bytes) => ({
    bytes,
    split: r.chance(0.2),
    cuts: r.chance(0.15) && bytes.length > 1 ? Array.from({ length: r.range(1, 2) }, () => r.range(1, bytes.length - 1)) : [],
  }));
  return { seed, setup, ops: fops };
}

// ---------------------------------------------------------------------------------------------- ops

const crlf = (r: Rng) => (r.chance(0.95) ? '\r\n' : '\n');
const sp = (r: Rng) => (r.chance(0.9) ? ' ' : r.pick(['\t', '  ', ' \t ']));

function subject(r: Rng): string {
  if (r.chance(0.8)) return r.pick(SUBJECTS);
  return Array.from({ length: r.range(1, 4) }, () => r.pick(TOKENS)).join('.');
}

function sid(ctx: Ctx): string {
  const r = ctx.r;
  if (ctx.sids.length && r.chance(0.6)) return r.pick(ctx.sids);
  const s = r.chance(0.9) ? String(r.range(1, 9)) : r.pick(['abc', '0', '18446744073709551616', 'x.y']);
  ctx.sids.push(s);
  return s;
}

function payload(ctx: Ctx): Buffer {
  const r = ctx.r;
  const n = r.weighted([[6, r.range(0, 12)], [2, r.range(13, 120)], [1, r.range(200, 300)], [0.3, r.range(1000, 3000)]]);
  if (r.chance(0.7)) return Buffer.from(Array.from({ length: n }, () => String.fromCharCode(r.range(0x61, 0x7a))).join(''), 'latin1');
  return r.bytes(n);
}

function connectOp(ctx: Ctx): Buffer {
  const r = ctx.r;
  const o: Record<string, unknown> = {};
  if (r.chance(0.8)) o.verbose = r.chance(0.3);
  if (r.chance(0.7)) o.pedantic = r.chance(0.3);
  if (r.chance(0.3)) o.echo = r.chance(0.7);
  if (r.chance(0.6)) o.headers = ctx.headers = r.chance(0.8);
  if (r.chance(0.3)) o.protocol = r.weighted([[6, 1], [3, 0], [0.5, 2], [0.3, -1]]);
  if (r.chance(0.15)) o.no_responders = true;
  if (r.chance(0.3)) o.name = r.pick(['fuzz', '', 'n "q"', 'é']);
  if (r.chance(0.2)) o.lang = 'fuzz';
  if (ctx.setup === 'auth') {
    const how = r.weighted([[8, 'good'], [1, 'bad'], [1, 'none']]);
    if (how !== 'none') { o.user = 'fuzz'; o.pass = how === 'good' ? 'secret' : 'wrong'; }
  }
  let json = JSON.stringify(o);
  if (r.chance(0.08)) json = r.pick(['{verbose:false}', '[]', '"x"', 'null', '{"verbose":"yes"}', '{"protocol":1.5}', '{', '{}}', '{"echo":false,}', '']);
  return Buffer.from(`${r.chance(0.9) ? 'CONNECT' : 'connect'}${sp(r)}${json}${crlf(r)}`, 'latin1');
}

function randomOp(ctx: Ctx): Buffer {
  const r = ctx.r;
  const kind = r.weighted([
    [10, 'pub'], [4, 'hpub'], [8, 'sub'], [3, 'unsub'], [4, 'ping'], [1, 'pong'], [1, 'connect'], [0.5, 'ok'],
    [0.3, 'err'], [0.5, 'info'], [0.5, 'msg'], [0.5, 'empty'], [0.5, 'unknown'], [0.4, 'long'],
  ] as const);
  const l = (s: string) => Buffer.from(s, 'latin1');
  switch (kind) {
    case 'pub': {
      const p = payload(ctx);
      const reply = r.chance(0.25) ? sp(r) + r.pick(REPLIES) : '';
      return Buffer.concat([l(`PUB${sp(r)}${subject(r)}${reply}${sp(r)}${p.length}${crlf(r)}`), p, l('\r\n')]);
    }
    case 'hpub': {
      const hdr = l(r.pick(['NATS/1.0\r\n\r\n', 'NATS/1.0\r\nK: v\r\n\r\n', 'NATS/1.0 503\r\n\r\n', 'bogus\r\n\r\n', '']));
      const p = payload(ctx);
      const reply = r.chance(0.25) ? sp(r) + r.pick(REPLIES) : '';
      return Buffer.concat([l(`HPUB${sp(r)}${subject(r)}${reply}${sp(r)}${hdr.length}${sp(r)}${hdr.length + p.length}${crlf(r)}`), hdr, p, l('\r\n')]);
    }
    case 'sub': {
      let queue = '';
      if (r.chance(0.25)) {
        // one member per queue group per case: which member gets a message is random in the reference
        const q = r.pick(QUEUES);
        if (!ctx.queuesUsed.has(q)) { ctx.queuesUsed.add(q); queue = sp(r) + q; }
      }
      return l(`SUB${sp(r)}${subject(r)}${queue}${sp(r)}${sid(ctx)}${crlf(r)}`);
    }
    case 'unsub':
      return l(`UNSUB${sp(r)}${sid(ctx)}${r.chance(0.4) ? sp(r) + r.pick(['1', '2', '0', '5']) : ''}${crlf(r)}`);
    case 'ping': return l(`${r.pick(['PING', 'PING', 'ping', 'PiNg', 'PING x'])}${crlf(r)}`);
    case 'pong': return l(`PONG${crlf(r)}`);
    case 'connect': return connectOp(ctx);
    case 'ok': return l(`+OK${crlf(r)}`);
    case 'err': return l(`-ERR 'x'${crlf(r)}`);
    case 'info': return l(`INFO ${r.pick(['{}', '{"server_id":"x"}', '[]', 'x'])}${crlf(r)}`);
    case 'msg': return l(r.pick(['MSG foo 1 2\r\nhi\r\n', 'HMSG foo 1 12 14\r\nNATS/1.0\r\n\r\nhi\r\n']));
    case 'empty': return l(r.pick(['\r\n', '\n', ' \r\n', '\t\r\n']));
    case 'unknown': return l(`${r.pick(['FOO', 'GET / HTTP/1.1', 'RS+ $G foo', 'LS+ foo', 'A', 'PUBX foo 1', 'SUBS foo 1', 'P'])}${crlf(r)}`);
    case 'long': {
      // a control line around max_control_line (the limit setup's, or the default's)
      const mcl = ctx.setup === 'limits' ? 128 : 4096;
      const n = mcl + r.range(-12, 12);
      const op = r.pick(['PUB ', 'SUB ', 'CONNECT ', 'PING ', 'UNSUB ']);
      const tail = op === 'PUB ' ? ' 0' : op === 'SUB ' ? ' 1' : '';
      const body = 'x'.repeat(Math.max(1, n - op.length - tail.length));
      return l(`${op}${op === 'CONNECT ' ? '{"name":"' + body.slice(11) + '"}' : body}${tail}${crlf(r)}${op === 'PUB ' ? '\r\n' : ''}`);
    }
  }
}

// ------------------------------------------------------------------------------------------ mutation

function mutate(r: Rng, b: Buffer, setup: SetupName): Buffer {
  if (b.length === 0) return Buffer.from([r.int(256)]);
  const pos = r.int(b.length);
  switch (r.int(12)) {
    case 0: { // flip one bit
      const c = Buffer.from(b);
      c[pos] ^= 1 << r.int(8);
      return c;
    }
    case 1: { // replace a byte
      const c = Buffer.from(b);
      c[pos] = r.chance(0.5) ? r.pick(INTERESTING_BYTES) : r.int(256);
      return c;
    }
    case 2: // insert bytes
      return Buffer.concat([b.subarray(0, pos), r.chance(0.5) ? Buffer.from([r.pick(INTERESTING_BYTES)]) : r.bytes(r.range(1, 8)), b.subarray(pos)]);
    case 3: { // delete a range
      const n = r.range(1, Math.max(1, Math.min(8, b.length - pos)));
      return Buffer.concat([b.subarray(0, pos), b.subarray(pos + n)]);
    }
    case 4: { // change the case of the letters of the op name
      const c = Buffer.from(b);
      for (let i = 0; i < c.length && c[i] !== 0x20 && c[i] !== 0x09 && c[i] !== 0x0d && c[i] !== 0x0a; i++) {
        if (r.chance(0.5)) c[i] ^= (c[i]! | 0x20) >= 0x61 && (c[i]! | 0x20) <= 0x7a ? 0x20 : 0;
      }
      return c;
    }
    case 5:
    case 6: { // a number (a size, a sid, max msgs) becomes another: off by one, zero, huge, signed
      const s = b.toString('latin1');
      const nums = [...s.matchAll(/\d+/g)];
      if (nums.length === 0) return mutate(r, b, setup);
      const m = r.pick(nums);
      const v = Number(m[0]);
      const repl = r.weighted([[3, String(v + 1)], [3, String(Math.max(0, v - 1))], [4, r.pick(HUGE_NUMBERS)], [1, String(v * 2)]]);
      return Buffer.from(s.slice(0, m.index) + repl + s.slice(m.index! + m[0].length), 'latin1');
    }
    case 7: { // whitespace: tabs for spaces, runs of blanks, leading or trailing blanks
      const s = b.toString('latin1');
      const spaces = [...s.matchAll(/ /g)].map((m) => m.index!);
      const ws = r.pick(['\t', '  ', ' \t', '\t\t', '   ']);
      if (spaces.length && r.chance(0.7)) { const i = r.pick(spaces); return Buffer.from(s.slice(0, i) + ws + s.slice(i + 1), 'latin1'); }
      const eol = s.indexOf('\r\n');
      if (eol > 0 && r.chance(0.5)) return Buffer.from(s.slice(0, eol) + ws + s.slice(eol), 'latin1');
      return Buffer.from(ws + s, 'latin1');
    }
    case 8: { // line endings: drop the CR, the LF, both, or swap them
      const s = b.toString('latin1');
      const eols = [...s.matchAll(/\r\n/g)].map((m) => m.index!);
      if (eols.length === 0) return mutate(r, b, setup);
      const i = r.pick(eols);
      const repl = r.pick(['\n', '\r', '', '\n\r', '\r\r\n', '\r\n\r\n']);
      return Buffer.from(s.slice(0, i) + repl + s.slice(i + 2), 'latin1');
    }
    case 9: // truncate
      return b.subarray(0, pos);
    case 10: { // binary garbage appended or prepended
      const g = r.bytes(r.range(1, 24));
      return r.chance(0.5) ? Buffer.concat([b, g]) : Buffer.concat([g, b]);
    }
    default: { // stretch the first argument towards or past max_control_line
      const mcl = setup === 'limits' ? 128 : 4096;
      const s = b.toString('latin1');
      const sp1 = s.search(/[ \t]/);
      if (sp1 < 0) return mutate(r, b, setup);
      const grow = Math.max(1, mcl - s.indexOf('\n') + r.range(-4, 6));
      return Buffer.from(s.slice(0, sp1 + 1) + 'y'.repeat(grow) + s.slice(sp1 + 1), 'latin1');
    }
  }
}

export { SETUPS };
