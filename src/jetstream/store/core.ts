// What both stores share (memstore.go and filestore.go do the same things twice), part 1: the
// stream counters, per-subject state kept incrementally, storing, removing, limits with discard
// old/new, max_age expiry, and the flush/ack plumbing of the durability contract (types.ts). A
// store implements the primitives below over its own message index; base.ts adds the lookups.
//
// Per-subject state: each subject has {msgs, first, last}, and its live messages form a doubly
// linked list by sequence (prev/next kept in the index), so last-by-subject, the per-subject limit
// (remove the subject's first), num_subjects and removals anywhere never scan the stream.
import { DoneQueue } from './done-queue.js';
import {
  ErrInvalidSequence,
  ErrMaxBytes,
  ErrMaxMsgs,
  ErrMaxMsgsPerSubject,
  ErrMaxMsgSize,
  ErrSequenceMismatch,
  ErrStoreClosed,
  StoreError,
} from './errors.js';
import { LongTimer } from './timer.js';
import { nowNs } from './time.js';
import type {
  ConsumerStore,
  ConsumerStoreConfig,
  StorageType,
  StorageUpdateHandler,
  StoredSeq,
  StoreLimits,
  StoreLogger,
  RawMsg,
  WrittenCallback,
  LostStreamData,
} from './types.js';

/** One subject's state (SimpleState) plus the store's bookkeeping. */
export class SubjState {
  msgs = 0;
  first = 0;
  last = 0;
  /** File store: the subject's id in the block index. */
  id = 0;
  /** Memoized filter match for one query (see matcher()). */
  mEpoch = 0;
  mVal = false;
  /** The subject's length in bytes (what the byte accounting counts). */
  readonly sblen: number;
  /** File store: the subject's bytes, copied into each record. */
  bytes: Buffer | null = null;
  constructor(readonly subj: string) {
    this.sblen = Buffer.byteLength(subj);
  }
}

export interface Limits {
  maxMsgs: number;
  maxBytes: number;
  maxAgeMs: number;
  maxMsgsPerSubject: number;
  maxMsgSize: number;
  discardNew: boolean;
  discardNewPerSubject: boolean;
}

export function normalizeLimits(l: StoreLimits = {}): Limits {
  const n = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);
  return {
    maxMsgs: n(l.maxMsgs),
    maxBytes: n(l.maxBytes),
    maxAgeMs: typeof l.maxAgeMs === 'number' && Number.isFinite(l.maxAgeMs) && l.maxAgeMs > 0 ? l.maxAgeMs : 0,
    maxMsgsPerSubject: n(l.maxMsgsPerSubject),
    maxMsgSize: n(l.maxMsgSize),
    discardNew: l.discard === 'new',
    discardNewPerSubject: l.discardNewPerSubject === true,
  };
}

/**
 * A sequence (or count) argument must be a non-negative safe integer: anything else is refused
 * (fail closed: a NaN would otherwise compare false everywhere and, e.g., compact everything).
 */
export function checkSeq(...v: number[]): void {
  for (const x of v) if (!Number.isSafeInteger(x) || x < 0) throw ErrInvalidSequence();
}

/** firstTs meaning time.Unix(0, 0) (not the zero time.Time that 0 stands for). */
export const EPOCH_TS = -1;

export abstract class StoreCore {
  abstract readonly type: StorageType;
  protected lim: Limits;
  protected msgs = 0;
  protected bytes = 0;
  protected firstSeq = 0;
  protected firstTs = 0;
  protected lastSeq = 0;
  protected lastTs = 0;
  protected readonly subjects = new Map<string, SubjState>();
  protected closed = false;
  protected lost: LostStreamData | null = null;
  protected readonly done = new DoneQueue();
  protected readonly consumers = new Set<ConsumerStore>();
  protected readonly log: StoreLogger;
  /** After a failed write: refuse stores with this error until refuseUntil (ms). */
  protected refuseErr: StoreError | null = null;
  protected refuseUntil = 0;
  private scb: StorageUpdateHandler | null = null;
  private readonly ageTimer = new LongTimer();
  private flushQueued = false;

  constructor(limits: StoreLimits | undefined, log: StoreLogger | undefined) {
    this.lim = normalizeLimits(limits);
    this.log = log ?? (() => {});
  }

  // ---- primitives over the store's message index ----
  protected abstract _has(seq: number): boolean;
  protected abstract _subj(seq: number): SubjState | null;
  protected abstract _ts(seq: number): number;
  /** Accounted size (memStoreMsgSize / fileStoreMsgSize). */
  protected abstract _size(seq: number): number;
  protected abstract _prev(seq: number): number;
  protected abstract _next(seq: number): number;
  protected abstract _setPrev(seq: number, v: number): void;
  protected abstract _setNext(seq: number, v: number): void;
  /** Keep the message (prev = the subject's previous last, next = 0); returns its accounted size. */
  protected abstract _append(ss: SubjState | null, subject: string, hdr: Buffer | null, msg: Buffer, seq: number, ts: number, prev: number): number;
  /** Drop one live message from the index and record its removal (overwrite it when secure). */
  protected abstract _drop(seq: number, secure: boolean): void;
  /** The first live sequence in (after, limit], or 0. */
  protected abstract _nextLive(after: number, limit: number): number;
  /** The last live sequence in [floor, before), or 0. */
  protected abstract _prevLive(before: number, floor: number): number;
  /** Visit live messages with from <= seq <= to in order; return false from fn to stop. */
  protected abstract _forEachLive(from: number, to: number, fn: (seq: number, ss: SubjState | null) => boolean | void): void;
  /** Fill `into` with the live message `seq` (RawMsg); false when it cannot be read. */
  protected abstract _readRaw(seq: number, into: RawMsg): boolean;
  protected abstract _recordSkip(seq: number, num: number, ts: number): void;
  /** Drop every message (purge); the next first sequence is newFirst. */
  protected abstract _discardAll(newFirst: number): void;
  /** Drop every message below seq (already unlinked and uncounted). */
  protected abstract _discardBelow(seq: number): void;
  /** Drop every message above seq (already unlinked and uncounted). */
  protected abstract _discardAbove(seq: number): void;
  /** Write what is buffered; resolve the done queue (errors included). */
  protected abstract _writePending(): void;
  protected abstract _newSubj(subject: string): SubjState;
  protected abstract _freeSubj(ss: SubjState): void;
  protected abstract _stopIO(): void;
  protected abstract _deleteIO(): void;
  protected abstract _consumerStore(name: string, cfg: ConsumerStoreConfig, onGone: (c: ConsumerStore) => void): ConsumerStore;
  abstract utilization(): { total: number; reported: number };
  /** Discard new with a full subject: is the subject's oldest too small to make room? */
  protected abstract _replaceTooSmall(firstSize: number, newLen: number): boolean;
  /** Before a store changes anything (the file store writes a batch that grew too big here). */
  protected _preStore(): void {}
  /**
   * first_ts once single removals (delete, limits, max_age) took the last message: Go's zero time
   * for memstore.go (0), the Unix epoch for filestore.go (EPOCH_TS: time.Unix(0, 0)).
   */
  protected emptyFirstTs(): number {
    return 0;
  }

  // ---- storing ----

  storeMsg(subject: string, hdr: Buffer | null, msg: Buffer, done: WrittenCallback | null): StoredSeq {
    this.checkOpen();
    this._preStore();
    this.checkWritable();
    const hl = hdr ? hdr.length : 0;
    // stream.go processJetStreamMsg checks max_msg_size before the store does anything.
    if (this.lim.maxMsgSize > 0 && hl + msg.length > this.lim.maxMsgSize) throw ErrMaxMsgSize();
    return this.storeRaw(subject, hdr, msg, this.lastSeq + 1, nowNs(), done);
  }

  storeRawMsg(subject: string, hdr: Buffer | null, msg: Buffer, seq: number, ts: number, done: WrittenCallback | null): StoredSeq {
    this.checkOpen();
    checkSeq(seq);
    this._preStore();
    this.checkWritable();
    return this.storeRaw(subject, hdr, msg, seq, ts, done);
  }

  private storeRaw(subject: string, hdr: Buffer | null, msg: Buffer, seq: number, ts: number, done: WrittenCallback | null): StoredSeq {
    if (hdr && hdr.length === 0) hdr = null;
    const hl = hdr ? hdr.length : 0;
    const lim = this.lim;
    let ss = subject ? this.subjects.get(subject) : undefined;
    // The reference's storeRawMsg checks, in its order and with its comparisons.
    const asl = lim.maxMsgsPerSubject > 0 && ss !== undefined && ss.msgs >= lim.maxMsgsPerSubject;
    if (lim.discardNew) {
      if (asl && lim.discardNewPerSubject) throw ErrMaxMsgsPerSubject();
      if (lim.maxMsgs > 0 && this.msgs >= lim.maxMsgs && !asl) throw ErrMaxMsgs();
      if (lim.maxBytes > 0 && this.bytes + hl + msg.length >= lim.maxBytes) {
        if (!asl || this._replaceTooSmall(this._size(ss!.first), hl + msg.length)) throw ErrMaxBytes();
      }
    }
    if (seq !== this.lastSeq + 1) {
      if (seq > 0) throw ErrSequenceMismatch();
      seq = this.lastSeq + 1;
    }
    if (!Number.isFinite(ts) || ts < 0) ts = nowNs();
    let created = false;
    if (subject && !ss) {
      ss = this._newSubj(subject);
      this.subjects.set(subject, ss);
      created = true;
    }
    const prev = ss ? ss.last : 0;
    let size: number;
    try {
      size = this._append(ss ?? null, subject, hdr, msg, seq, ts, prev);
    } catch (e) {
      if (created) {
        this.subjects.delete(subject);
        this._freeSubj(ss!);
      }
      throw e;
    }
    if (ss) {
      if (prev) this._setNext(prev, seq);
      else ss.first = seq;
      ss.last = seq;
      ss.msgs++;
    }
    if (this.msgs === 0) {
      this.firstSeq = seq;
      this.firstTs = ts;
    }
    this.msgs++;
    this.bytes += size;
    this.lastSeq = seq;
    this.lastTs = ts;
    if (done) this.done.add(seq, ts, done);
    this.scheduleFlush();
    // Per-subject limit, then max_msgs, then max_bytes (memstore.go storeRawMsg).
    if (ss && lim.maxMsgsPerSubject > 0) {
      while (ss.msgs > lim.maxMsgsPerSubject) if (!this.removeOne(ss.first, false)) break;
    }
    this.enforceMsgLimit();
    this.enforceBytesLimit();
    this.ensureAgeTimer();
    this.scb?.(1, size, seq, subject);
    return { seq, ts };
  }

  skipMsg(): number {
    this.checkOpen();
    const seq = this.lastSeq + 1;
    this.skipRange(seq, 1);
    // SkipMsg (memstore.go, filestore.go): with no messages the first time is now, as the last.
    if (this.msgs === 0) this.firstTs = this.lastTs;
    return seq;
  }

  skipMsgs(seq: number, num: number): void {
    this.checkOpen();
    checkSeq(seq, num);
    if (seq !== this.lastSeq + 1) {
      if (seq > 0) throw ErrSequenceMismatch();
      seq = this.lastSeq + 1;
    }
    if (num <= 0) return;
    this.writeNow();
    this.checkWritable();
    this.skipRange(seq, num);
    this.writeNow();
    if (this.lastSeq < seq + num - 1) throw this.refuseErr ?? ErrStoreClosed();
  }

  private skipRange(seq: number, num: number): void {
    const now = nowNs();
    this.lastSeq = seq + num - 1;
    this.lastTs = now;
    // memstore.go SkipMsg: with no messages the first moves past the skipped ones.
    if (this.msgs === 0) {
      this.firstSeq = this.lastSeq + 1;
      this.firstTs = 0;
    }
    this._recordSkip(seq, num, now);
    this.scheduleFlush();
  }

  // ---- removing ----

  removeMsg(seq: number, batched = false): boolean {
    checkSeq(seq);
    if (batched) {
      this.checkOpen();
      return this.removeOne(seq, false);
    }
    return this.removeWritten(seq, false);
  }

  eraseMsg(seq: number): boolean {
    checkSeq(seq);
    return this.removeWritten(seq, true);
  }

  private removeWritten(seq: number, secure: boolean): boolean {
    this.checkOpen();
    // Write buffered stores first: if that fails the store reloads from disk before the removal.
    this.writeNow();
    const ok = this.removeOne(seq, secure);
    if (ok) this.writeNow();
    return ok;
  }

  /** Remove one message: subject links, counters, first, the index, the update callback. */
  protected removeOne(seq: number, secure: boolean, notify = true): boolean {
    if (seq <= 0 || seq < this.firstSeq || seq > this.lastSeq || !this._has(seq)) return false;
    const ss = this._subj(seq);
    const size = this._size(seq);
    this.unlinkSubj(seq, ss);
    this.msgs--;
    this.bytes -= size;
    this._drop(seq, secure);
    if (seq === this.firstSeq) this.advanceFirst(seq, this.emptyFirstTs());
    this.scheduleFlush();
    if (notify) this.scb?.(-1, -size, seq, ss ? ss.subj : '');
    return true;
  }

  private unlinkSubj(seq: number, ss: SubjState | null): void {
    if (!ss) return;
    const p = this._prev(seq);
    const n = this._next(seq);
    if (p) this._setNext(p, n);
    else ss.first = n;
    if (n) this._setPrev(n, p);
    else ss.last = p;
    if (--ss.msgs === 0) {
      this.subjects.delete(ss.subj);
      this._freeSubj(ss);
    }
  }

  private advanceFirst(from: number, emptyTs: number): void {
    const nf = this.msgs > 0 ? this._nextLive(from, this.lastSeq) : 0;
    if (nf) {
      this.firstSeq = nf;
      this.firstTs = this._ts(nf);
    } else {
      this.firstSeq = this.lastSeq + 1;
      this.firstTs = emptyTs;
    }
  }

  purge(): number {
    this.checkOpen();
    this.writeNow();
    const purged = this.msgs;
    const bytes = this.bytes;
    for (const ss of this.subjects.values()) this._freeSubj(ss);
    this.subjects.clear();
    const newFirst = this.lastSeq + 1;
    this._discardAll(newFirst);
    this.msgs = 0;
    this.bytes = 0;
    this.firstSeq = newFirst;
    this.firstTs = 0;
    this.ageTimer.clear();
    this.writeNow();
    if (purged || bytes) this.notify(-purged, -bytes, 0, '');
    return purged;
  }

  compact(seq: number): number {
    this.checkOpen();
    checkSeq(seq);
    if (seq <= 0) return this.purge();
    this.writeNow();
    if (seq > this.lastSeq) {
      // Past the end: purge and make the next message get seq (memstore/filestore Compact).
      const purged = this.msgs;
      const bytes = this.bytes;
      for (const ss of this.subjects.values()) this._freeSubj(ss);
      this.subjects.clear();
      this._discardAll(seq);
      this.msgs = 0;
      this.bytes = 0;
      this.firstSeq = seq;
      this.firstTs = 0;
      this.lastSeq = seq - 1;
      this.ageTimer.clear();
      this.writeNow();
      if (purged || bytes) this.notify(-purged, -bytes, 0, '');
      return purged;
    }
    if (seq <= this.firstSeq) return 0;
    let purged = 0;
    let bytes = 0;
    const gone: number[] = [];
    this._forEachLive(this.firstSeq, seq - 1, (s) => {
      gone.push(s);
    });
    for (const s of gone) {
      const size = this._size(s);
      this.unlinkSubj(s, this._subj(s));
      purged++;
      bytes += size;
    }
    this.msgs -= purged;
    this.bytes -= bytes;
    this._discardBelow(seq);
    this.advanceFirst(seq - 1, 0);
    this.writeNow();
    if (purged) this.notify(-purged, -bytes, 0, '');
    return purged;
  }

  truncate(seq: number): void {
    this.checkOpen();
    checkSeq(seq);
    this.writeNow();
    if (seq < this.firstSeq || seq > this.lastSeq || !this._has(seq)) throw ErrInvalidSequence();
    let purged = 0;
    let bytes = 0;
    const gone: number[] = [];
    this._forEachLive(seq + 1, this.lastSeq, (s) => {
      gone.push(s);
    });
    for (let i = gone.length - 1; i >= 0; i--) {
      const s = gone[i];
      bytes += this._size(s);
      this.unlinkSubj(s, this._subj(s));
      purged++;
    }
    this.msgs -= purged;
    this.bytes -= bytes;
    this._discardAbove(seq);
    this.lastSeq = seq;
    this.lastTs = this._ts(seq);
    this.writeNow();
    if (purged) this.notify(-purged, -bytes, 0, '');
  }

  // ---- limits ----

  private enforceMsgLimit(): void {
    const max = this.lim.maxMsgs;
    if (max <= 0) return;
    while (this.msgs > max) if (!this.removeOne(this.firstSeq, false)) break;
  }

  private enforceBytesLimit(): void {
    const max = this.lim.maxBytes;
    if (max <= 0) return;
    while (this.bytes > max && this.msgs > 0) if (!this.removeOne(this.firstSeq, false)) break;
  }

  updateConfig(limits: StoreLimits): void {
    this.checkOpen();
    this.writeNow();
    const oldMaxp = this.lim.maxMsgsPerSubject;
    this.lim = normalizeLimits(limits);
    this.enforceLimits(oldMaxp);
    this.writeNow();
  }

  /**
   * Enforce the limits on what is stored. The per-subject limit is applied to existing subjects
   * only when it was lowered from a positive value (memstore.go/filestore.go UpdateConfig: going
   * from unlimited to a limit leaves existing subjects as they are), or always (recovery).
   */
  protected enforceLimits(oldMaxp = Infinity): void {
    this.enforceMsgLimit();
    this.enforceBytesLimit();
    const maxp = this.lim.maxMsgsPerSubject;
    if (maxp > 0 && oldMaxp > 0 && maxp < oldMaxp) {
      for (const ss of [...this.subjects.values()]) {
        while (ss.msgs > maxp) if (!this.removeOne(ss.first, false)) break;
      }
    }
    this.ageTimer.clear();
    if (this.lim.maxAgeMs > 0) this.expireMsgs();
  }

  protected clearAgeTimer(): void {
    this.ageTimer.clear();
  }

  protected notify(msgs: number, bytes: number, seq: number, subj: string): void {
    this.scb?.(msgs, bytes, seq, subj);
  }

  /** Arm the max_age timer for the first message's expiry, unless it is armed already. */
  protected ensureAgeTimer(): void {
    if (this.lim.maxAgeMs <= 0 || this.msgs === 0 || this.ageTimer.armed || this.closed) return;
    const dueMs = (this.firstTs - nowNs()) / 1e6 + this.lim.maxAgeMs;
    // A little slack so a busy stream expires in small batches rather than one timer per message.
    const slack = Math.min(this.lim.maxAgeMs / 100, 250);
    this.ageTimer.set(Math.max(0, dueMs) + slack, () => this.expireMsgs());
  }

  /** Remove the expired messages from the head (never a scan: the first message tells). */
  protected expireMsgs(): void {
    if (this.closed || this.lim.maxAgeMs <= 0) return;
    const minAge = nowNs() - this.lim.maxAgeMs * 1e6;
    let removed = false;
    while (this.msgs > 0 && this.firstTs <= minAge) {
      if (!this.removeOne(this.firstSeq, false)) break;
      removed = true;
    }
    this.ageTimer.clear();
    this.ensureAgeTimer();
    if (removed) {
      try {
        this.flush();
      } catch (e) {
        this.log('ERR', `JetStream store expiry: ${(e as Error).message}`);
      }
    }
  }

  // ---- plumbing ----

  registerStorageUpdates(cb: StorageUpdateHandler | null): void {
    this.scb = cb;
    // filestore.go RegisterStorageUpdates reports what is already there.
    if (cb && this.bytes > 0) cb(0, this.bytes, 0, '');
  }

  flush(): void {
    if (!this.closed) this._writePending();
    this.done.drain(this.onCallbackThrow);
  }

  private readonly onCallbackThrow = (e: unknown): void => {
    this.log('ERR', `JetStream store: a stored-message callback threw: ${(e as Error)?.stack ?? e}`);
  };

  /** Write now what an admin call changed (no callbacks: those belong to flush()). */
  protected writeNow(): void {
    if (!this.closed) this._writePending();
    this.scheduleFlush();
  }

  protected scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      try {
        this.flush();
      } catch (e) {
        this.log('ERR', `JetStream store flush: ${(e as Error)?.stack ?? e}`);
      }
    });
  }

  protected checkOpen(): void {
    if (this.closed) throw ErrStoreClosed();
  }

  private checkWritable(): void {
    this.checkOpen();
    if (this.refuseErr) {
      if (Date.now() < this.refuseUntil) throw this.refuseErr;
      this.refuseErr = null;
    }
  }

  consumerStore(name: string, cfg: ConsumerStoreConfig): ConsumerStore {
    this.checkOpen();
    // The name becomes a directory name in the file store: nothing that could leave it.
    if (!name || !cfg || /[/\\\0]/.test(name) || name === '.' || name === '..') throw new StoreError('BAD_CONFIG', 'bad consumer config');
    const c = this._consumerStore(name, cfg, (x) => this.consumers.delete(x));
    this.consumers.add(c);
    return c;
  }

  stop(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.ageTimer.clear();
    for (const c of [...this.consumers]) c.stop();
    this.consumers.clear();
    this._stopIO();
    this.done.resolve(() => ErrStoreClosed());
    this.done.drain(() => {});
  }

  delete(): void {
    if (!this.closed) this.purge();
    for (const c of [...this.consumers]) c.delete();
    this.stop();
    this._deleteIO();
  }
}
