// The memory store (memstore.go's job). Messages live in chunks: each chunk is one arena buffer
// holding the headers and payloads of consecutive messages back to back, and a slot table
// (slots.ts, shared with the file store's blocks) with each message's sequence, time, subject id,
// links to the previous/next message on its subject, and where its bytes are. So a stored message
// costs its bytes plus ~45 bytes of typed arrays: no object, no Buffer, no Map entry of its own,
// nothing for the garbage collector to trace. Bytes are counted as memStoreMsgSize. Nothing is
// written anywhere: a message is acknowledged at the next flush() (the durability contract in
// types.ts).
//
// A record in the arena: the payload, or, with headers, hdrLen u32 | headers | payload.
// Arena bytes are never overwritten by a later message (a view handed out by loadMsg stays what
// it was): a chunk fills up and the next message opens a new one; a chunk whose messages are all
// gone is dropped, one mostly gone is compacted into a new, smaller buffer (not in place).
import { randomFillSync } from 'node:crypto';
import { EPOCH_TS, SubjState } from './base.js';
import { BlockStore } from './blocks.js';
import { ConsumerMemStore } from './consumer.js';
import { HDR, LIVE, SlotTable } from './slots.js';
import type { ConsumerStore, ConsumerStoreConfig, StoreLimits, StoreLogger, RawMsg } from './types.js';

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
  /** A chunk's arena grows up to this (default 1 MiB; tests use small ones). */
  chunkBytes?: number;
}

/** A chunk's arena grows by doubling up to this (chunkBytes); then the next message opens a new chunk. */
const CHUNK_BYTES = 1024 * 1024;
/** The first arena of a chunk (small streams stay small). */
const FIRST_BYTES = 4096;
/** At most this many slots per chunk (messages can be empty). */
const CHUNK_SLOTS = 1 << 16;

class Chunk extends SlotTable {
  data: Buffer = EMPTY;
  /** Arena bytes used (records are appended at `used`). */
  used = 0;
}

const EMPTY = Buffer.alloc(0);

export class MemStore extends BlockStore<Chunk> {
  readonly type = 'memory' as const;
  private readonly fileSizes: boolean;
  private readonly epochFirstTs: boolean;
  private readonly chunkBytes: number;
  /** A sealed chunk with less than half of its bytes live, and at least this many, is compacted. */
  private readonly compactMin: number;

  constructor(opts: MemStoreOptions = {}) {
    super(opts.limits, opts.log);
    this.fileSizes = opts.fileAccounting === true;
    this.epochFirstTs = opts.fileEmptyFirstTs === true;
    this.chunkBytes = Math.max(256, Math.min(opts.chunkBytes ?? CHUNK_BYTES, 64 * 1024 * 1024));
    this.compactMin = this.chunkBytes >> 4;
  }

  protected override emptyFirstTs(): number {
    return this.epochFirstTs ? EPOCH_TS : 0;
  }

  /** memStoreMsgSize (or fileStoreMsgSize in the test mode) of a slot. */
  private slotSize(c: Chunk, i: number): number {
    const ss = this.subjById[c.sid[i]];
    const sl = ss ? ss.sblen : 0;
    const hdr = (c.fl[i] & HDR) !== 0;
    const data = hdr ? c.len[i] - 4 : c.len[i]; // headers + payload
    if (this.fileSizes) return hdr ? 34 + sl + data : 30 + sl + data;
    return sl + data + 16;
  }

  protected _size(seq: number): number {
    return this.locate(seq) ? this.slotSize(this.cBlk!, this.cSlot) : 0;
  }

  // ---- appending ----

  /** The chunk for a record of len bytes, with room for it in its arena. */
  private chunkFor(len: number): Chunk {
    const n = this.blks.length;
    let c = n ? this.blks[n - 1] : null;
    if (c === null || c.n >= CHUNK_SLOTS || (c.used > 0 && c.used + len > this.chunkBytes)) {
      const sealed = c;
      c = new Chunk();
      this.blks.push(c);
      // Sealed with its messages gone (or mostly): it goes (or shrinks) now that it is not the last.
      if (sealed !== null) this.afterDeath(sealed);
    }
    if (c.used + len > c.data.length) {
      const size = Math.max(c.used + len, Math.min(this.chunkBytes, Math.max(FIRST_BYTES, c.data.length * 2)));
      const d = Buffer.allocUnsafeSlow(size);
      c.data.copy(d, 0, 0, c.used);
      c.data = d;
    }
    return c;
  }

  protected _append(ss: SubjState | null, _subject: string, hdr: Buffer | null, msg: Buffer, seq: number, ts: number, prev: number): number {
    const hl = hdr ? hdr.length : 0;
    const len = (hl ? 4 + hl : 0) + msg.length;
    const c = this.chunkFor(len);
    const d = c.data;
    let p = c.used;
    // One copy, out of the caller's buffers (usually the socket's read buffer).
    if (hl) {
      d.writeUInt32LE(hl, p);
      d.set(hdr!, p + 4);
      p += 4 + hl;
    }
    d.set(msg, p);
    const i = c.addSlot(seq, c.used, len, ss ? ss.id : 0, ts, prev, hl > 0);
    c.used += len;
    if (this.cSlot < 0) this.invalidate(); // a cached "not found" may be this one now
    return this.slotSize(c, i);
  }

  protected _recordSkip(): void {}

  // ---- removing ----

  protected _drop(seq: number, secure: boolean): void {
    if (!this.locate(seq)) return;
    const c = this.cBlk!;
    const i = this.cSlot;
    c.markDead(i);
    // memstore.go removeMsg(secure): overwrite the bytes.
    if (secure) randomFillSync(c.data, c.off[i], c.len[i]);
    this.afterDeath(c);
  }

  /** A chunk lost messages: drop it when nothing is left, compact it when mostly dead (not the last). */
  private afterDeath(c: Chunk): void {
    const blks = this.blks;
    if (c === blks[blks.length - 1]) return;
    if (c.live === 0) {
      const k = blks.indexOf(c);
      if (k >= 0) blks.splice(k, 1);
      this.invalidate();
    } else if (c.used >= this.compactMin && c.liveRaw * 2 < c.used) this.compactChunk(c);
  }

  /** Copy a chunk's live records into a new arena of their size; drop its dead slots. */
  private compactChunk(c: Chunk): void {
    const d = Buffer.allocUnsafeSlow(c.liveRaw);
    let p = 0;
    for (let i = 0; i < c.n; i++) {
      if (!(c.fl[i] & LIVE)) continue;
      const o = c.off[i];
      const l = c.len[i];
      c.data.copy(d, p, o, o + l);
      c.off[i] = p;
      p += l;
    }
    c.data = d;
    c.used = p;
    c.compactSlots();
    c.shrink();
    this.invalidate();
  }

  protected _discardAll(): void {
    this.blks = [];
    this.invalidate();
  }

  protected _discardBelow(seq: number): void {
    const blks = this.blks;
    let k = 0;
    while (k < blks.length - 1 && blks[k].lastSlotSeq < seq) k++;
    if (k > 0) blks.splice(0, k);
    const c = blks[0];
    if (c) {
      for (let i = 0; i < c.n && c.seq[i] < seq; i++) c.markDead(i);
      this.afterDeath(c);
    }
    this.invalidate();
  }

  /** Truncate: chunks after seq's go; its later slots go (their arena bytes are not reused). */
  protected _discardAbove(seq: number): void {
    if (!this.locate(seq)) return;
    const c = this.cBlk!;
    const i = this.cSlot;
    while (this.blks.length > 0 && this.blks[this.blks.length - 1] !== c) this.blks.pop();
    for (let j = i + 1; j < c.n; j++) c.markDead(j);
    c.n = i + 1;
    this.invalidate();
  }

  // ---- loading ----

  protected _readRaw(seq: number, into: RawMsg): boolean {
    if (!this.locate(seq)) return false;
    const c = this.cBlk!;
    const i = this.cSlot;
    if (!(c.fl[i] & LIVE)) return false;
    const o = c.off[i];
    const d = c.data;
    // Kept as [header length (4 bytes)] headers payload, or the payload alone.
    if (c.fl[i] & HDR) {
      into.hdr = d.readUInt32LE(o);
      into.s = o + 4;
    } else {
      into.hdr = 0;
      into.s = o;
    }
    into.buf = d;
    into.e = o + c.len[i];
    into.subject = this.subjById[c.sid[i]]?.subj ?? '';
    into.seq = seq;
    into.ts = c.ts[i];
    return true;
  }

  /** The first live message at or after ts, in sequence order (times need not ascend: sources). */
  override getSeqFromTime(ts: number): number {
    this.checkOpen();
    if (!Number.isFinite(ts)) return super.getSeqFromTime(ts); // refuses it
    if (this.msgs === 0) return this.lastSeq + 1;
    if (ts <= this.firstTs) return this.firstSeq;
    for (const c of this.blks) {
      if (c.live === 0) continue;
      for (let i = 0; i < c.n; i++) if (c.fl[i] & LIVE && c.ts[i] >= ts) return c.seq[i];
    }
    return this.lastSeq + 1;
  }

  // ---- the rest ----

  protected _writePending(): void {
    this.done.resolveAll();
  }

  /** memstore.go: discard new may replace the subject's oldest only if that one is not smaller. */
  protected _replaceTooSmall(firstSize: number, newLen: number): boolean {
    return firstSize < newLen;
  }

  utilization(): { total: number; reported: number } {
    return { total: this.bytes, reported: this.bytes };
  }

  /** Memory the store holds for messages: arenas and slot tables (for the benchmarks and tests). */
  heldBytes(): number {
    let n = 0;
    for (const c of this.blks) n += c.data.length + c.slotBytes();
    return n;
  }

  protected _consumerStore(name: string, cfg: ConsumerStoreConfig, onGone: (c: ConsumerStore) => void): ConsumerStore {
    return new ConsumerMemStore(name, cfg, onGone);
  }

  protected _stopIO(): void {
    this.blks = [];
    this.invalidate();
  }

  protected _deleteIO(): void {}
}
