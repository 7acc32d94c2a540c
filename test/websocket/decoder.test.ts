// The frame decoder on its own: a stream of frames (masked, fragmented, control frames interleaved,
// compressed, every length encoding) split at every byte and in random splits gives the same
// events as when fed whole; invalid input gives nats-server's close status and text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, unmask, type FrameSink } from '../../src/transport/ws/decoder.js';
import { encodeData, frameHeader } from '../../src/transport/ws/encoder.js';
import { closePayload, closeStatusFor } from '../../src/transport/ws/close.js';
import { inflateMessage } from '../../src/transport/ws/deflate.js';
import { frame, closeBody, deflate, inflate } from './wsraw.js';

class Rec implements FrameSink {
  events: string[] = [];
  bytes: Buffer[] = [];
  data(b: Buffer) { this.bytes.push(Buffer.from(b)); }
  private flushData() {
    if (this.bytes.length) this.events.push('data ' + Buffer.concat(this.bytes).toString('latin1'));
    this.bytes = [];
  }
  ping(p: Buffer) { this.flushData(); this.events.push('ping ' + p.toString('latin1')); }
  close(reply: Buffer, status: number) { this.flushData(); this.events.push(`close ${status} ${reply.readUInt16BE(0)} ${reply.subarray(2).toString('latin1')}`); }
  error(status: number, text: string, sendClose: boolean) { this.flushData(); this.events.push(`error ${status} ${text} ${sendClose}`); }
  end(): string[] { this.flushData(); return this.events; }
}

function run(chunks: Buffer[], o = { maskRequired: true, maxDecompressed: 1 << 20 }): string[] {
  const r = new Rec();
  const d = new FrameDecoder(r, o);
  // The decoder unmasks in place: give it copies.
  for (const c of chunks) d.feed(Buffer.from(c));
  return r.end();
}

const big = Buffer.alloc(70_000, 0x61); // 64-bit length encoding
const mid = Buffer.alloc(300, 0x62); // 16-bit length encoding
const stream = Buffer.concat([
  frame(2, 'PUB a 2\r\nhi\r\n'),
  frame(2, 'PI', { fin: false }),
  frame(9, 'hb'),
  frame(0, 'NG', { fin: false, key: Buffer.from([9, 8, 7, 6]) }),
  frame(10, 'pong'),
  frame(0, '\r\n'),
  frame(1, 'text frame\r\n'),
  frame(2, mid),
  frame(2, big, { key: Buffer.from([0xde, 0xad, 0xbe, 0xef]) }),
  frame(2, ''),
  frame(2, deflate('compressed PUB b 3\r\nabc\r\n'), { rsv: 0x40 }),
  frame(2, deflate('z'.repeat(500)).subarray(0, 3), { rsv: 0x40, fin: false }),
  frame(9, ''),
  frame(0, deflate('z'.repeat(500)).subarray(3)),
  frame(8, closeBody(1000, 'bye')),
  frame(2, 'after close'),
]);

test('a frame stream gives the same events split at every byte and in random splits', () => {
  const whole = run([stream]);
  assert.deepEqual(whole, [
    'data PUB a 2\r\nhi\r\nPI',
    'ping hb',
    'data NG\r\ntext frame\r\n' + mid.toString('latin1') + big.toString('latin1') + 'compressed PUB b 3\r\nabc\r\n',
    'ping ',
    'data ' + 'z'.repeat(500),
    'close 1000 1000 bye',
  ]);
  // Every split point of the first part (headers of each encoding, masks, control frames).
  const head = stream.subarray(0, 400);
  for (let i = 1; i < head.length; i++) assert.deepEqual(run([stream.subarray(0, i), stream.subarray(i)]), whole, `split at ${i}`);
  // One byte at a time.
  assert.deepEqual(run([...stream].map((b) => Buffer.from([b]))), whole);
  // Random splits.
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let k = 0; k < 50; k++) {
    const parts: Buffer[] = [];
    for (let p = 0; p < stream.length; ) {
      const n = 1 + Math.floor(rnd() * 3000);
      parts.push(stream.subarray(p, p + n));
      p += n;
    }
    assert.deepEqual(run(parts), whole, `random split ${k}`);
  }
});

test('invalid frames: the status and text nats-server queues (websocket.go wsRead)', () => {
  const cases: Array<[string, Buffer, string]> = [
    ['unmasked', frame(2, 'PING\r\n', { mask: false }), 'error 1002 mask bit missing true'],
    ['opcode 3', frame(3, 'x'), 'error 1002 unknown opcode 3 true'],
    ['opcode 11', frame(11, 'x'), 'error 1002 unknown opcode 11 true'],
    ['ping of 126 bytes', frame(9, Buffer.alloc(126)), 'error 1002 control frame length bigger than maximum allowed of 125 bytes true'],
    ['ping without FIN', frame(9, 'hb', { fin: false }), 'error 1002 control frame does not have final bit set true'],
    ['continuation without start', frame(0, 'x'), 'error 1002 invalid continuation frame true'],
    ['RSV1 on a continuation', Buffer.concat([frame(2, 'a', { fin: false }), frame(0, 'b', { rsv: 0x40 })]), 'error 1002 invalid continuation frame true'],
    ['new message before final', Buffer.concat([frame(2, 'a', { fin: false }), frame(2, 'b')]), 'error 1002 new message started before final frame for previous message was received true'],
    ['length with the top bit set', Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]), 'error 1002 invalid payload length true'],
    ['not deflate data with RSV1', frame(2, 'PING\r\n', { rsv: 0x40 }), 'error 1007 flate: invalid stored block lengths false'],
  ];
  for (const [name, bytes, want] of cases) {
    const ev = run([bytes]);
    assert.equal(ev.at(-1), want, name);
    // Split after the first byte: the same answer.
    assert.equal(run([bytes.subarray(0, 1), bytes.subarray(1)]).at(-1), want, `${name} (split)`);
  }
  // An error ends the stream: nothing after it is read.
  assert.deepEqual(run([Buffer.concat([frame(2, 'a'), frame(3, 'x'), frame(2, 'b')])]), ['data a', 'error 1002 unknown opcode 3 true']);
});

test('RSV2/RSV3 are ignored and text frames are not UTF-8 checked (as nats-server)', () => {
  assert.deepEqual(run([frame(2, 'a', { rsv: 0x20 }), frame(2, 'b', { rsv: 0x10 })]), ['data ab']);
  assert.deepEqual(run([frame(1, Buffer.from([0xff, 0xfe]))]), ['data \xff\xfe']);
});

test('unmasked frames are read after "Nats-No-Masking: true"', () => {
  assert.deepEqual(run([frame(2, 'PING\r\n', { mask: false })], { maskRequired: false, maxDecompressed: 100 }), ['data PING\r\n']);
  // A masked frame is still unmasked.
  assert.deepEqual(run([frame(2, 'PING\r\n')], { maskRequired: false, maxDecompressed: 100 }), ['data PING\r\n']);
});

test('close frames: status and body echoed; none → 1005; invalid UTF-8 body → 1007', () => {
  assert.deepEqual(run([frame(8, closeBody(1000, 'bye'))]), ['close 1000 1000 bye']);
  assert.deepEqual(run([frame(8, '')]), ['close 1005 1005 ']);
  assert.deepEqual(run([frame(8, Buffer.from([3]))]), ['close 1005 1005 ']);
  // Not validated: 1005 and 999 come back as sent (captured from nats-server 2.9.10).
  assert.deepEqual(run([frame(8, closeBody(1005))]), ['close 1005 1005 ']);
  assert.deepEqual(run([frame(8, closeBody(999))]), ['close 999 999 ']);
  assert.deepEqual(run([frame(8, closeBody(4000, 'app'))]), ['close 4000 4000 app']);
  assert.deepEqual(run([frame(8, closeBody(1000, Buffer.from([0xff, 0xfe])))]), ['close 1007 1007 invalid utf8 body in close frame']);
});

test('decompression bomb: cut at the limit, never inflated whole', () => {
  const bomb = deflate(Buffer.alloc(16 << 20)); // 16 MiB of zeros in ~16 KB
  const t0 = process.hrtime.bigint();
  const ev = run([frame(2, bomb, { rsv: 0x40 })], { maskRequired: true, maxDecompressed: 1 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.deepEqual(ev, ['error 1009 decompressed message exceeds maximum allowed of 1048576 bytes true']);
  // Inflating all 16 MiB takes far longer than cutting at 1 MiB; a loose bound that cannot flake.
  assert.ok(ms < 2000, `took ${ms} ms`);
  // Exactly at the limit passes.
  const exact = Buffer.alloc(1000, 0x41);
  assert.equal(run([frame(2, deflate(exact), { rsv: 0x40 })], { maskRequired: true, maxDecompressed: 1000 })[0], 'data ' + exact.toString('latin1'));
  assert.match(run([frame(2, deflate(exact), { rsv: 0x40 })], { maskRequired: true, maxDecompressed: 999 })[0]!, /^error 1009/);
  // Compressed input longer than the output limit can allow is refused before inflating.
  const noise = randomish(5000);
  assert.match(run([frame(2, deflate(noise), { rsv: 0x40 })], { maskRequired: true, maxDecompressed: 1000 })[0]!, /^error 1009/);
});

test('a 2^53-byte frame streams (no buffering of the announced length)', () => {
  const r = run([Buffer.concat([frame(2, 'PING\r\n', { len: 2 ** 53 })])]);
  assert.deepEqual(r, ['data PING\r\n']);
});

test('unmask: any offset, length and key position equals the byte-wise XOR', () => {
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const src = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 31) & 0xff));
  for (let off = 0; off < 8; off++) {
    for (const len of [0, 1, 3, 4, 5, 31, 32, 33, 100, 291]) {
      for (let pos = 0; pos < 4; pos++) {
        const mem = Buffer.from(src);
        const view = mem.subarray(off, off + len);
        const end = unmask(view, key, pos);
        for (let i = 0; i < len; i++) assert.equal(view[i], src[off + i]! ^ key[(pos + i) & 3]!, `off ${off} len ${len} pos ${pos} i ${i}`);
        assert.equal(end, (pos + len) & 3);
      }
    }
  }
});

test('encoder: one frame per flush, 4096-byte frames for browsers, compression over 64 bytes', () => {
  const parts = [Buffer.from('MSG a 1 5000\r\n'), Buffer.alloc(5000, 0x78), Buffer.from('\r\n')];
  const total = 5016;
  const plain = encodeData(parts, total, { compress: false, browser: false, noCompressedFragments: false });
  assert.deepEqual(plain[0], frameHeader(2, total));
  assert.equal(plain[1], parts[0]); // the chunks themselves, not copies
  // Browser: complete binary frames of at most 4096 bytes, cut anywhere.
  const br = Buffer.concat(encodeData(parts, total, { compress: false, browser: true, noCompressedFragments: false }));
  assert.deepEqual(frames(br).map((f) => `${f.b0.toString(16)} ${f.payload.length}`), ['82 4096', '82 920']);
  assert.equal(Buffer.concat(frames(br).map((f) => f.payload)).toString(), Buffer.concat(parts).toString());
  // Compressed: RSV1, raw deflate without the 00 00 FF FF tail.
  const cz = Buffer.concat(encodeData(parts, total, { compress: true, browser: false, noCompressedFragments: false }));
  const cf = frames(cz);
  assert.equal(cf.length, 1);
  assert.equal(cf[0]!.b0, 0xc2);
  assert.equal(inflate(cf[0]!.payload).toString(), Buffer.concat(parts).toString());
  // Up to 64 bytes: not compressed.
  assert.equal(frames(Buffer.concat(encodeData([Buffer.alloc(64, 0x41)], 64, { compress: true, browser: false, noCompressedFragments: false })))[0]!.b0, 0x82);
  assert.equal(frames(Buffer.concat(encodeData([Buffer.alloc(65, 0x41)], 65, { compress: true, browser: false, noCompressedFragments: false })))[0]!.b0, 0xc2);
  // Compressed and browser, incompressible data: one message in 4096-byte fragments (RSV1 on the first).
  const noise = randomish(9000);
  const bf = frames(Buffer.concat(encodeData([noise], noise.length, { compress: true, browser: true, noCompressedFragments: false })));
  assert.ok(bf.length >= 3);
  assert.equal(bf[0]!.b0, 0x42); // no FIN, RSV1, binary
  for (const f of bf.slice(1, -1)) assert.equal(f.b0, 0x00);
  assert.equal(bf.at(-1)!.b0, 0x80);
  assert.equal(inflate(Buffer.concat(bf.map((f) => f.payload))).toString('latin1'), noise.toString('latin1'));
  // Safari: not fragmented.
  assert.equal(frames(Buffer.concat(encodeData([noise], noise.length, { compress: true, browser: true, noCompressedFragments: true }))).length, 1);
  // And our inflate reads our deflate.
  assert.equal(inflateMessage([cf[0]!.payload], 1 << 20).toString(), Buffer.concat(parts).toString());
});

test('close frames for each closing reason (wsEnqueueCloseMessage)', () => {
  const want: Record<string, number> = {
    'Client Closed': 1000,
    'Authentication Timeout': 1008,
    'Authentication Failure': 1008,
    'Slow Consumer (Pending Bytes)': 1008,
    'Maximum Connections Exceeded': 1008,
    'Maximum Control Line Exceeded': 1008,
    'Parse Error': 1002,
    'Protocol Violation': 1002,
    'Maximum Message Payload Exceeded': 1009,
    'Server Shutdown': 1001,
    'Stale Connection': 1006,
    'Read Error': 1006,
    'Kicked': 1011,
  };
  for (const [reason, status] of Object.entries(want)) assert.equal(closeStatusFor(reason), status, reason);
  assert.deepEqual(closePayload(1008, 'Authentication Failure'), Buffer.concat([Buffer.from([0x03, 0xf0]), Buffer.from('Authentication Failure')]));
  // Longer than 123 bytes: cut to 120 and "...".
  const long = closePayload(1002, 'x'.repeat(200));
  assert.equal(long.length, 125);
  assert.equal(long.subarray(2).toString(), 'x'.repeat(120) + '...');
});

function frames(b: Buffer): Array<{ b0: number; payload: Buffer }> {
  const out: Array<{ b0: number; payload: Buffer }> = [];
  let off = 0;
  while (off < b.length) {
    let len = b[off + 1]! & 0x7f;
    let h = 2;
    if (len === 126) { len = b.readUInt16BE(off + 2); h = 4; } else if (len === 127) { len = Number(b.readBigUInt64BE(off + 2)); h = 10; }
    out.push({ b0: b[off]!, payload: b.subarray(off + h, off + h + len) });
    off += h + len;
  }
  return out;
}

/** Incompressible bytes (xorshift32), the same every run. */
function randomish(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 2463534242;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

test('random bytes and mutated frames never throw', () => {
  let x = 88172645;
  const rnd = (n: number) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
  const base = stream.subarray(0, 2000);
  for (let k = 0; k < 3000; k++) {
    const b = Buffer.from(k % 3 === 0 ? randomish(1 + rnd(300)) : base);
    if (k % 3 !== 0) for (let m = 0; m < 1 + rnd(4); m++) b[rnd(b.length)] = rnd(256);
    const r = new Rec();
    const d = new FrameDecoder(r, { maskRequired: k % 2 === 0, maxDecompressed: 4096 });
    for (let p = 0; p < b.length; ) {
      const n = 1 + rnd(64);
      d.feed(b.subarray(p, p + n));
      p += n;
    }
  }
});
