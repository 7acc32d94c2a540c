// The memory store (memstore.go): messages by sequence in a Map (insertion order is sequence
// order), each with its subject state and its links to the previous/next message on that subject.
// Bytes are counted as memStoreMsgSize. Nothing is written anywhere: a message is acknowledged at
// the next flush() (see the durability contract in types.ts).
import { randomFillSync } from 'node:crypto';
import { EPOCH_TS, StoreBase, SubjState } from './base.js';
import { ConsumerMemStore } from './consumer.js';
import { fileStoreMsgSize, memStoreMsgSize } from './size.js';
import type { ConsumerStore, ConsumerStoreConfig, StoreLimits, StoreLogger, StoreMsg } from './types.js';

class MemMsg {
  constructor(
    readonly seq: number,
    readonly ts: number,
    readonly ss: SubjState | null,
    /** headers then payload, one copy. */
    readonly buf: Buffer,
    readonly hl: number,
    public prev: number,
    public next: number,
  ) {}
}

export interface MemStoreOptions {
  limits?: StoreLimits;
  log?: StoreLogger;
  /**
   * Count bytes as the file store does (fileStoreMsgSize) instead of memStoreMsgSize: the
   * in-memory test mode keeps "file" streams here and reports what a file stream would.
   */
  fileAccounting?: boolean;
  /** first_ts once single removals took the last message: as the file store (the Unix epoch). */
  fileEmptyFirstTs?: boolean;
}

/** Beyond this many missing sequences in a range, walk the map instead of the range. */
const GAP_WALK = 4096;

export class MemStore extends StoreBase {
  readonly type = 'memory' as const;
  private map = new Map<number, MemMsg>();

  private readonly size: (subjLen: number, hdrLen: number, msgLen: number) => number;
  private readonly epochFirstTs: boolean;

  constructor(opts: MemStoreOptions = {}) {
    super(opts.limits, opts.log);
    this.size = opts.fileAccounting ? fileStoreMsgSize : memStoreMsgSize;
    this.epochFirstTs = opts.fileEmptyFirstTs === true;
  }

  protected override emptyFirstTs(): number {
    return this.epochFirstTs ? EPOCH_TS : 0;
  }

  protected _has(seq: number): boolean {
    return this.map.has(seq);
  }
  protected _subj(seq: number): SubjState | null {
    return this.map.get(seq)?.ss ?? null;
  }
  protected _ts(seq: number): number {
    return this.map.get(seq)?.ts ?? 0;
  }
  protected _size(seq: number): number {
    const m = this.map.get(seq);
    return m ? this.size(m.ss ? m.ss.sblen : 0, m.hl, m.buf.length - m.hl) : 0;
  }
  protected _prev(seq: number): number {
    return this.map.get(seq)?.prev ?? 0;
  }
  protected _next(seq: number): number {
    return this.map.get(seq)?.next ?? 0;
  }
  protected _setPrev(seq: number, v: number): void {
    const m = this.map.get(seq);
    if (m) m.prev = v;
  }
  protected _setNext(seq: number, v: number): void {
    const m = this.map.get(seq);
    if (m) m.next = v;
  }

  protected _append(ss: SubjState | null, _subject: string, hdr: Buffer | null, msg: Buffer, seq: number, ts: number, prev: number): number {
    const hl = hdr ? hdr.length : 0;
    // Copy: the caller's buffers are usually a socket's read buffer.
    const buf = Buffer.allocUnsafe(hl + msg.length);
    if (hdr) hdr.copy(buf, 0);
    msg.copy(buf, hl);
    this.map.set(seq, new MemMsg(seq, ts, ss, buf, hl, prev, 0));
    return this.size(ss ? ss.sblen : 0, hl, msg.length);
  }

  protected _drop(seq: number, secure: boolean): void {
    const m = this.map.get(seq);
    if (!m) return;
    this.map.delete(seq);
    if (secure) randomFillSync(m.buf); // memstore.go removeMsg(secure): overwrite the bytes
  }

  protected _nextLive(after: number, limit: number): number {
    if (limit - after > GAP_WALK && limit - after > 2 * this.map.size) {
      let best = 0;
      for (const k of this.map.keys()) if (k > after && k <= limit) return k; // keys ascend
      return best;
    }
    for (let s = after + 1; s <= limit; s++) if (this.map.has(s)) return s;
    return 0;
  }

  protected _prevLive(before: number, floor: number): number {
    if (before - floor > GAP_WALK && before - floor > 2 * this.map.size) {
      let best = 0;
      for (const k of this.map.keys()) {
        if (k >= before) break;
        if (k >= floor) best = k;
      }
      return best;
    }
    for (let s = before - 1; s >= floor && s > 0; s--) if (this.map.has(s)) return s;
    return 0;
  }

  protected _forEachLive(from: number, to: number, fn: (seq: number, ss: SubjState | null) => boolean | void): void {
    if (to - from > GAP_WALK && to - from > 2 * this.map.size) {
      for (const m of this.map.values()) {
        if (m.seq < from) continue;
        if (m.seq > to) break;
        if (fn(m.seq, m.ss) === false) return;
      }
      return;
    }
    for (let s = from; s <= to; s++) {
      const m = this.map.get(s);
      if (m && fn(s, m.ss) === false) return;
    }
  }

  protected _read(seq: number): StoreMsg | null {
    const m = this.map.get(seq);
    if (!m) return null;
    return {
      subject: m.ss ? m.ss.subj : '',
      hdr: m.hl ? m.buf.subarray(0, m.hl) : null,
      msg: m.buf.subarray(m.hl),
      seq,
      ts: m.ts,
    };
  }

  protected _recordSkip(): void {}

  protected _discardAll(): void {
    this.map = new Map();
  }

  protected _discardBelow(seq: number): void {
    for (const k of this.map.keys()) {
      if (k >= seq) break;
      this.map.delete(k);
    }
  }

  protected _discardAbove(seq: number): void {
    if (this.lastSeq - seq > GAP_WALK && this.lastSeq - seq > 2 * this.map.size) {
      for (const k of [...this.map.keys()]) if (k > seq) this.map.delete(k);
      return;
    }
    for (let s = this.lastSeq; s > seq; s--) this.map.delete(s);
  }

  protected _writePending(): void {
    this.done.resolveAll();
  }

  protected _newSubj(subject: string): SubjState {
    return new SubjState(subject);
  }
  protected _freeSubj(): void {}

  /** memstore.go: discard new may replace the subject's oldest only if that one is not smaller. */
  protected _replaceTooSmall(firstSize: number, newLen: number): boolean {
    return firstSize < newLen;
  }

  utilization(): { total: number; reported: number } {
    return { total: this.bytes, reported: this.bytes };
  }

  protected _consumerStore(name: string, cfg: ConsumerStoreConfig, onGone: (c: ConsumerStore) => void): ConsumerStore {
    return new ConsumerMemStore(name, cfg, onGone);
  }

  protected _stopIO(): void {
    this.map = new Map();
  }
  protected _deleteIO(): void {}
}
