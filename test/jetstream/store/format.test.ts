// Low-level pieces of the stores: the CRC-32 (against zlib's), records and delete-log entries,
// the long timer (delays past 2^31-1 ms are chained, never fired at once), Go time formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { crc32 } from '../../../src/jetstream/store/crc32.js';
import { checkDlt, checkRecord, D_FLOOR, encodeDlt, encodeMsg, encodeSkip, readU64, resync } from '../../../src/jetstream/store/file-format.js';
import { LongTimer } from '../../../src/jetstream/store/timer.js';
import { goTimeNs, nsString } from '../../../src/jetstream/store/time.js';
import { AckReply } from '../../../src/jetstream/ack-reply.js';

test('crc32 matches zlib for every length and offset', () => {
  const z = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  const buf = Buffer.alloc(5000);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 131 + 7) & 0xff;
  assert.equal(crc32(Buffer.from('123456789'), 0, 9), 0xcbf43926); // the standard check value
  if (!z) return;
  for (const [s, e] of [[0, 0], [0, 1], [3, 11], [5, 200], [1, 2049], [7, 4999]]) assert.equal(crc32(buf, s, e), z(buf.subarray(s, e)) >>> 0, `${s}..${e}`);
});

test('records: encode, check, a flipped bit or a cut fails, resync finds the next one', () => {
  const b = Buffer.alloc(1000);
  const l1 = encodeMsg(b, 0, 2 ** 40 + 3, 1_700_000_000_123_456_768, Buffer.from('a.b'), Buffer.from('NATS/1.0\r\n\r\n'), Buffer.from('payload'));
  const l2 = encodeSkip(b, l1, 77, 5, 1);
  assert.equal(checkRecord(b, 0, l1 + l2), l1);
  assert.equal(checkRecord(b, l1, l1 + l2), l2);
  assert.equal(readU64(b, 8), 2 ** 40 + 3);
  assert.equal(readU64(b, 16), 1_700_000_000_123_456_768);
  assert.equal(checkRecord(b, 0, l1 - 1), 0, 'cut');
  b[30] ^= 4;
  assert.equal(checkRecord(b, 0, l1 + l2), 0, 'flipped');
  assert.equal(resync(b, 1, l1 + l2), l1);
  const d = Buffer.alloc(24);
  encodeDlt(d, 0, D_FLOOR, 12345, 6789);
  assert.equal(checkDlt(d, 0), true);
  d[5] ^= 1;
  assert.equal(checkDlt(d, 0), false);
});

test('LongTimer: a delay beyond 2^31-1 ms is armed and does not fire at once; clear() disarms', async () => {
  const t = new LongTimer();
  let fired = false;
  t.set(2 ** 31 + 5000, () => (fired = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(fired, false);
  assert.equal(t.armed, true);
  t.clear();
  assert.equal(t.armed, false);
  const hold = setTimeout(() => {}, 5000);
  await new Promise<void>((r) => t.set(5, r));
  clearTimeout(hold);
});

test('Go time format of UnixNano timestamps', () => {
  assert.equal(goTimeNs(0), '0001-01-01T00:00:00Z');
  assert.equal(goTimeNs(1_700_000_000_000_000_000), '2023-11-14T22:13:20Z');
  assert.equal(goTimeNs(1_700_000_000_500_000_000), '2023-11-14T22:13:20.5Z');
  assert.equal(goTimeNs(1_700_000_000_123_456_768), '2023-11-14T22:13:20.123456768Z');
  // Against an oracle built on Date's ISO string, in and out of order (the formatter caches a second).
  const oracle = (ts: number) => {
    const sec = Math.floor(ts / 1e9);
    const ns = ts - sec * 1e9;
    const base = new Date(sec * 1000).toISOString().slice(0, 19);
    return ns === 0 ? `${base}Z` : `${base}.${String(ns).padStart(9, '0').replace(/0+$/, '')}Z`;
  };
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let ts = 1_733_369_244_000_000_000;
  for (let i = 0; i < 50_000; i++) {
    ts = i % 7 === 0 ? Math.round((1e12 + rnd() * 4e12) * 1e6) : ts + Math.round(rnd() * 3e8);
    if (i % 11 === 0) ts = Math.floor(ts / 1e9) * 1e9 + [0, 100_000_000, 120_000_000, 999_999_744][i % 4]!;
    assert.equal(goTimeNs(ts), oracle(ts), `ts ${ts}`);
  }
});

test('nsString: the exact decimal value of a nanosecond timestamp (the ack reply token)', () => {
  const exact = (ts: number) => BigInt(ts).toString();
  // Edges: below 2^53 (String() is exact there), the first values past it, the ulp steps of today's
  // epoch range and beyond, and the int64 end.
  for (const ts of [0, 1, 999, 123456789, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 60, 2 ** 60 + 256, 2 ** 61 - 512, 2 ** 61, 2 ** 62 + 2 ** 20, 9.2e18, 1e18, 1e15]) {
    assert.equal(nsString(ts), exact(ts), `ts ${ts}`);
  }
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 100_000; i++) {
    const ts = Math.round((1e12 + rnd() * 4e12) * 1e6); // years 2001–2128, in ns
    assert.equal(nsString(ts), exact(ts));
    assert.equal(Number(nsString(ts)), ts, 'parses back to the same number');
  }
  assert.equal(nsString(-5), '-5');
  assert.equal(nsString(1.5), '1.5');
});

test('AckReply: the bytes written are the reply string, for every kind of number and timestamp', () => {
  const pre = '$JS.ACK.ORDERS.C1.';
  const a = new AckReply(pre);
  const out = Buffer.alloc(256, 0x78);
  const check = (dc: number, seq: number, dseq: number, ts: number, pending: number) => {
    const want = `${pre}${dc}.${seq}.${dseq}.${nsString(ts)}.${pending}`;
    a.set(dc, seq, dseq, ts, pending);
    assert.equal(a.toString(), want);
    assert.equal(a.length, want.length, want);
    out.fill(0x78);
    const end = a.write(out, 3);
    assert.equal(end, 3 + want.length, want);
    assert.equal(out.toString('latin1', 3, end), want);
    assert.equal(out[end], 0x78, 'nothing written past the reply');
  };
  // Digit-count edges (the bounds of the 32-bit path too), 2^53 - 1, timestamps below and past 2^53.
  const nums = [0, 1, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 999_999_999_999_999, 1e15, 2 ** 53 - 1];
  for (const n of nums) check(n, n, n, 1_733_380_000_123_456_768, n);
  for (const ts of [0, 7, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e18, 9.2e18, 1.5, -5, 2 ** 63]) check(1, 2, 3, ts, 4);
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 20_000; i++) {
    const big = (k: number) => Math.floor(rnd() ** 4 * 10 ** k);
    check(1 + big(2), big(15), big(12), Math.round((1e12 + rnd() * 4e12) * 1e6), big(9));
  }
});
