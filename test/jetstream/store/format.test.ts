// Low-level pieces of the stores: the CRC-32 (against zlib's), records and delete-log entries,
// the long timer (delays past 2^31-1 ms are chained, never fired at once), Go time formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { crc32 } from '../../../src/jetstream/store/crc32.js';
import { checkDlt, checkRecord, D_FLOOR, encodeDlt, encodeMsg, encodeSkip, readU64, resync } from '../../../src/jetstream/store/file-format.js';
import { LongTimer } from '../../../src/jetstream/store/timer.js';
import { goTimeNs } from '../../../src/jetstream/store/time.js';

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
});
