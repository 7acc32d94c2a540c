// The reference's binary consumer state (store.go encodeConsumerState, filestore.go
// decodeConsumerState): magic 22, version 2, then uvarints (Go's binary.PutUvarint) for the ack
// floor and delivered pairs, the pending entries (stream and consumer sequences relative to the ack
// floor, timestamps in seconds relative to a base) and the redelivered counts.
import { ErrCorruptState } from './errors.js';
import type { ConsumerState, Pending } from './types.js';

const MAGIC = 22;

class Writer {
  buf = Buffer.allocUnsafe(64);
  n = 0;
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(b, 0, 0, this.n);
    this.buf = b;
  }
  byte(v: number): void {
    this.room(1);
    this.buf[this.n++] = v;
  }
  uvarint(v: number): void {
    this.room(10);
    if (v < 0) {
      // Go computes these differences in uint64: a negative one wraps (and wraps back on decode).
      let x = (1n << 64n) + BigInt(v);
      while (x >= 0x80n) {
        this.buf[this.n++] = Number(x & 0x7fn) | 0x80;
        x >>= 7n;
      }
      this.buf[this.n++] = Number(x);
      return;
    }
    while (v >= 0x80) {
      this.buf[this.n++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.n++] = v;
  }
  /** Go's PutVarint: zig-zag. */
  varint(v: number): void {
    this.uvarint(v < 0 ? -2 * v - 1 : 2 * v);
  }
}

export function encodeConsumerState(st: ConsumerState, nowSec = Math.round(Date.now() / 1000)): Buffer {
  const w = new Writer();
  w.byte(MAGIC);
  w.byte(2);
  w.uvarint(st.ack_floor.consumer_seq);
  w.uvarint(st.ack_floor.stream_seq);
  w.uvarint(st.delivered.consumer_seq);
  w.uvarint(st.delivered.stream_seq);
  w.uvarint(st.pending.size);
  const asflr = st.ack_floor.stream_seq;
  const adflr = st.ack_floor.consumer_seq;
  if (st.pending.size > 0) {
    // The base is now rounded to seconds; timestamps are kept to the second (as the reference).
    w.varint(nowSec);
    for (const [k, v] of st.pending) {
      w.uvarint(k - asflr);
      w.uvarint(v.sequence - adflr);
      w.varint(nowSec - Math.trunc(v.timestamp / 1e9));
    }
  }
  w.uvarint(st.redelivered.size);
  for (const [k, v] of st.redelivered) {
    w.uvarint(k - asflr);
    w.uvarint(v);
  }
  return w.buf.subarray(0, w.n);
}

export function decodeConsumerState(buf: Buffer): ConsumerState {
  if (buf.length < 2 || buf[0] !== MAGIC) throw ErrCorruptState();
  const version = buf[1];
  if (version !== 1 && version !== 2) throw ErrCorruptState();
  let i = 2;
  /** A uvarint; values past 2^63 are Go's wrapped negative differences, returned negative. */
  const uv = (): number => {
    let v = 0n;
    let shift = 0n;
    for (let k = 0; k < 10; k++) {
      if (i >= buf.length) throw ErrCorruptState();
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v >= 1n << 63n ? Number(v - (1n << 64n)) : Number(v);
      shift += 7n;
    }
    throw ErrCorruptState();
  };
  const sv = (): number => {
    const u = uv();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  };
  const st: ConsumerState = {
    ack_floor: { consumer_seq: uv(), stream_seq: uv() },
    delivered: { consumer_seq: uv(), stream_seq: uv() },
    pending: new Map<number, Pending>(),
    redelivered: new Map<number, number>(),
  };
  if (version === 1) {
    // Version 1 stored delivered as the next to deliver.
    if (st.ack_floor.consumer_seq > 1) st.delivered.consumer_seq += st.ack_floor.consumer_seq - 1;
    if (st.ack_floor.stream_seq > 1) st.delivered.stream_seq += st.ack_floor.stream_seq - 1;
  }
  const np = uv();
  if (np > 0) {
    const mints = sv();
    for (let k = 0; k < np; k++) {
      let sseq = uv();
      let dseq = version === 2 ? uv() : 0;
      const ts = sv();
      sseq += st.ack_floor.stream_seq;
      if (sseq === 0) throw ErrCorruptState();
      if (version === 2) dseq += st.ack_floor.consumer_seq;
      st.pending.set(sseq, { sequence: dseq, timestamp: (version === 1 ? ts + mints : mints - ts) * 1e9 });
    }
  }
  const nr = uv();
  for (let k = 0; k < nr; k++) {
    const seq = uv();
    const n = uv();
    if (seq > 0 && n > 0) st.redelivered.set(seq + st.ack_floor.stream_seq, n);
  }
  return st;
}
