// The file store (filestore.go's job, our own format: nothing outside tsnats reads it).
//
// FILES (all in the stream's directory)
//   meta.json             the stream config the API layer asked us to keep (opaque JSON)
//   msgs/<N>.blk          message block N: append-only records, N ascending with sequences
//   msgs/<N>.dlt          block N's delete log: append-only 24-byte entries
//   msgs/index.db         the index file: the in-memory index as of the last clean stop
//                         (file-index.ts; a cache, used only for blocks it still describes)
//   obs/<name>/...        consumer state (consumer.ts)
//
// BLOCK RECORD (little endian; 64-bit fields as lo/hi u32 halves; 32 bytes + data)
//   len u32 | type u8 | flags u8 | subjLen u16 | seq u64 | ts u64 | hdrLen u32 |
//   subject | headers | payload | crc32 u32 (IEEE, of every byte before it, len included)
//   type 1 MSG (flags bit 0: has headers), 2 SKIP (seq .. seq+hdrLen-1 used, no message),
//   3 ERASED (a MSG overwritten in place by eraseMsg: same length, zeros, same seq/ts).
// DELETE-LOG ENTRY: kind u8 | 0 0 0 | seq u64 | ts u64 | crc32 u32 (of the 20 bytes before it)
//   kind 1 DEL: message seq of this block is deleted.
//   kind 2 FLOOR: every sequence below seq is deleted, in any block (limits, max_age, purge and
//   compact move the first sequence: one entry instead of one per message); ts = last_ts then.
//   FLOOR is written to the log of the block holding the first message (or the last block), so it
//   lives as long as older records it covers can exist.
//
// WHAT IS DURABLE WHEN (see also the contract in types.ts)
//   storeMsg puts the record in the last block's write buffer (readable at once). flush() writes
//   each block's buffer with one write(2) at its end offset, then the delete-log entries, then
//   in-place erases, compactions and file removals. A message is acknowledged (its done callback)
//   only after the write(2) of its record returned (and fsync(2) when syncAlways). Without
//   syncAlways, dirty files are fsynced every syncIntervalMs.
//
// RECOVERY (open): every delete log is read (torn/bad entries skipped); each block the index file
//   describes exactly as it is on disk takes its slots from there (file-index.ts), every other
//   block is scanned record by record checking lengths and CRCs. A bad record followed by a valid
//   one (found by scanning forward) is skipped and reported as lost; a bad tail (a write cut by a
//   crash) is truncated. The index, subjects and counters are rebuilt from what is valid, blocks
//   with nothing live are removed, limits and max_age are applied. The in-memory index is a cache
//   of the files; so is the index file, written by a clean stop after everything was fsynced.
//
// SPACE: a block rotates at blockSize. A block whose messages are all gone is removed; a block
//   with less than half of its bytes live (and at least compactMin bytes) is rewritten (tmp file,
//   fsync, rename) without the dead records.
//
// WRITE ERRORS: if a block write fails (ENOSPC, EIO ...), the partial bytes are cut off, the
//   in-memory state is rebuilt from disk, the failed batch's done callbacks get the error, and new
//   stores are refused with it for writeErrorBackoffMs. A failed delete-log write is retried at the
//   next flush.
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { EPOCH_TS, SubjState } from './base.js';
import { BlockStore } from './blocks.js';
import { ConsumerFileStore, ConsumerMemStore } from './consumer.js';
import { crc32 } from './crc32.js';
import { writeFailed } from './errors.js';
import { Block, CHECKED, HDR, LIVE } from './file-block.js';
import { INDEX_FILE, readIndex, removeIndex, stampOf, writeIndex, type BlockStamps } from './file-index.js';
import { recoverFiles } from './file-recover.js';
import { rewriteBlock, rewriteDlt } from './file-rewrite.js';
import { D_DEL, D_FLOOR, DLT_ENTRY, encodeDlt, encodeErased, encodeMsg, encodeSkip, REC_HDR, REC_MIN } from './file-format.js';
import { LongTimer } from './timer.js';
import type { ConsumerStore, ConsumerStoreConfig, StoreLimits, StoreLogger, RawMsg } from './types.js';

export interface FileStoreOptions {
  /** The stream's directory (created when missing). */
  dir: string;
  /** The stream name, for log lines ("Filestore [name] ..."). */
  name?: string;
  limits?: StoreLimits;
  /** Block rotation size (default 8 MiB, filestore.go defaultLargeBlockSize). */
  blockSize?: number;
  /** fsync period without syncAlways (default 2 minutes, stream.go's SyncInterval). */
  syncIntervalMs?: number;
  /** fsync every batch before acknowledging it. */
  syncAlways?: boolean;
  /** Write a batch early once it buffers this many bytes (default 1 MiB). */
  maxPendingBytes?: number;
  /** After a failed write, refuse stores for this long (default 1 s). */
  writeErrorBackoffMs?: number;
  /** Written to meta.json (atomically) when given. */
  meta?: unknown;
  log?: StoreLogger;
}

const DEFAULT_BLOCK = 8 * 1024 * 1024;
/** Open block files kept per store (the last block's are always open). */
const MAX_OPEN = 32;
/** Bytes read ahead from a block file at once (_read). */
const READ_AHEAD = 64 * 1024;
/** Random readers (direct gets, KV gets) read whole pages of this size and keep them (readWritten). */
const PAGE_SHIFT = 12;
const PAGE = 1 << PAGE_SHIFT;
/** Pages kept per store (8 MiB), the oldest read dropped first. */
const MAX_PAGES = 2048;
/**
 * And by all the file stores of the process together (32 MiB): a store at the limit drops its own
 * oldest page to keep a new one; a store with none kept keeps none until others drop theirs.
 */
const MAX_PAGES_PROCESS = 8192;
let pagesInProcess = 0;

/** Pages the file stores of this process keep for random readers (tests, diagnostics). */
export function pagesCached(): number {
  return pagesInProcess;
}
/**
 * A page is kept on its second miss only: a first miss reads just the record and notes the page in
 * a table of GHOST_SLOTS (one slot per hash of block and page, overwritten by later misses), so only
 * a page asked for again soon is kept. Uniformly random reads over a stream far larger than the
 * cache would otherwise read, allocate and drop a page for nearly every record.
 */
const GHOST_SHIFT = 10;
const GHOST_SLOTS = 1 << GHOST_SHIFT;

interface Erase {
  b: Block;
  off: number;
  len: number;
  seq: number;
  ts: number;
}

export class FileStore extends BlockStore<Block> {
  readonly type = 'file' as const;
  readonly dir: string;
  private readonly mdir: string;
  private readonly name: string;
  private readonly blockSize: number;
  private readonly compactMin: number;
  private readonly syncIntervalMs: number;
  private readonly syncAlways: boolean;
  private readonly maxPending: number;
  private readonly backoffMs: number;

  private nextIndex = 1;
  private persistedFloor = 0;
  /** Blocks with buffered appends, in order. */
  private wq: Block[] = [];
  private pendBytes = 0;
  /** Blocks with delete-log entries to write. */
  private dltQ = new Set<Block>();
  private eraseQ: Erase[] = [];
  private compactQ = new Set<Block>();
  private unlinkQ: Block[] = [];
  private dirtySync = new Set<Block>();
  /** Blocks with open files, least recently used first (at most MAX_OPEN besides the last one). */
  private fdLru = new Map<Block, true>();
  private readonly syncTimer = new LongTimer();
  private dirDirty = false;
  /** The next block number recorded by an index file read (new blocks never take a lower one). */
  private ixNext = 0;
  private deleting = false;
  /** How the last load went: blocks taken from the index file, blocks scanned. */
  recovered = { indexed: 0, scanned: 0 };

  constructor(opts: FileStoreOptions) {
    super(opts.limits, opts.log);
    this.dir = opts.dir;
    this.mdir = join(opts.dir, 'msgs');
    this.name = opts.name ?? opts.dir;
    this.blockSize = Math.max(4096, Math.min(opts.blockSize ?? DEFAULT_BLOCK, 1024 * 1024 * 1024));
    this.compactMin = Math.min(2 * 1024 * 1024, Math.max(1024, this.blockSize >> 2));
    this.syncIntervalMs = opts.syncIntervalMs ?? 120_000;
    this.syncAlways = opts.syncAlways === true;
    this.maxPending = opts.maxPendingBytes ?? 1024 * 1024;
    this.backoffMs = opts.writeErrorBackoffMs ?? 1000;
    mkdirSync(this.mdir, { recursive: true });
    mkdirSync(join(this.dir, 'obs'), { recursive: true });
    if (opts.meta !== undefined) this.writeMeta(opts.meta);
    this.load();
    this.armSync();
  }

  /** The meta.json of a stream directory, or undefined. */
  static readMeta(dir: string): unknown {
    try {
      return JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    } catch {
      return undefined;
    }
  }

  writeMeta(meta: unknown): void {
    const p = join(this.dir, 'meta.json');
    writeFileSync(p + '.tmp', JSON.stringify(meta));
    renameSync(p + '.tmp', p);
  }

  /** The consumers recorded on disk (to recreate them after a restart). */
  listConsumers(): { name: string; config: ConsumerStoreConfig }[] {
    return ConsumerFileStore.list(this.dir);
  }

  private warn(msg: string): void {
    this.log('WRN', `Filestore [${this.name}] ${msg}`);
  }

  private get lmb(): Block {
    return this.blks[this.blks.length - 1];
  }

  // ---- the index ----

  protected _size(seq: number): number {
    if (!this.locate(seq)) return 0;
    const b = this.cBlk!;
    // fileStoreMsgSize: our record has a 32-byte frame, the reference's 30 (+4 with headers).
    return b.len[this.cSlot] - 2 + (b.fl[this.cSlot] & HDR ? 4 : 0);
  }
  protected override emptyFirstTs(): number {
    return EPOCH_TS;
  }

  /** filestore.go: discard new may replace the subject's oldest only if it is bigger. */
  protected _replaceTooSmall(firstSize: number, newLen: number): boolean {
    return firstSize <= newLen;
  }

  // ---- appending ----

  protected override _preStore(): void {
    if (this.pendBytes >= this.maxPending) this._writePending();
  }

  /** A block for a record of len bytes: the last one, or a new one when it is full. */
  private blockFor(len: number): Block {
    let b = this.lmb;
    if (b.fullSize > 0 && b.fullSize + len > this.blockSize) b = this.newBlock();
    return b;
  }

  private newBlock(): Block {
    const prev = this.blks.length ? this.lmb : null;
    const b = new Block(this.nextIndex++, this.mdir);
    this.blks.push(b);
    this.dirDirty = true;
    // A previous last block with nothing live can go now that it is not the last.
    if (prev && prev.live === 0) this.removeBlock(prev);
    return b;
  }

  private queueWrite(b: Block, len: number): void {
    if (b.wlen === len) this.wq.push(b);
    this.pendBytes += len;
  }

  protected _append(ss: SubjState | null, _subject: string, hdr: Buffer | null, msg: Buffer, seq: number, ts: number, prev: number): number {
    const subj = ss ? (ss.bytes ??= Buffer.from(ss.subj)) : EMPTY;
    const hl = hdr ? hdr.length : 0;
    const len = REC_MIN + subj.length + hl + msg.length;
    const b = this.blockFor(len);
    const off = b.fullSize;
    encodeMsg(b.reserve(len), b.wlen, seq, ts, subj, hdr, msg);
    b.wlen += len;
    this.queueWrite(b, len);
    const slot = b.addSlot(seq, off, len, ss ? ss.id : 0, ts, prev, hl > 0);
    b.fl[slot] |= CHECKED; // its checksum was computed from these bytes just now
    // As recovery would find it (the index file keeps it): the block's first message record.
    if (!b.firstRec) b.firstRec = seq;
    if (b.maxSeq < seq) {
      b.maxSeq = seq;
      b.maxSeqTs = ts;
    }
    if (this.cSlot < 0) this.invalidate(); // a cached "not found" may be this one now
    return len - 2 + (hl ? 4 : 0);
  }

  protected _recordSkip(seq: number, num: number, ts: number): void {
    while (num > 0) {
      const c = Math.min(num, 0xffffffff);
      const b = this.blockFor(REC_MIN);
      encodeSkip(b.reserve(REC_MIN), b.wlen, seq, c, ts);
      b.wlen += REC_MIN;
      this.queueWrite(b, REC_MIN);
      b.maxSeq = seq + c - 1;
      b.maxSeqTs = ts;
      seq += c;
      num -= c;
    }
  }

  // ---- removing ----

  protected _drop(seq: number, secure: boolean): void {
    if (!this.locate(seq)) return;
    const b = this.cBlk!;
    const i = this.cSlot;
    b.markDead(i);
    b.dltPend.push(seq);
    this.dltQ.add(b);
    if (secure) {
      const off = b.off[i];
      const len = b.len[i];
      if (off >= b.size) encodeErased(len, seq, b.ts[i]).copy(b.wbuf!, off - b.size); // never written in clear
      else this.eraseQ.push({ b, off, len, seq, ts: b.ts[i] });
    }
    this.afterDeath(b);
  }

  /** A block lost messages: remove it when empty, compact it when mostly dead. */
  private afterDeath(b: Block): void {
    if (b === this.lmb) return;
    if (b.live === 0) this.removeBlock(b);
    else if (b.size >= this.compactMin && b.liveRaw * 2 < b.fullSize) this.compactQ.add(b);
  }

  /** The block touch() saw last (it is the most recent in fdLru already). */
  private lastTouched: Block | null = null;

  /** About to use b's files: keep the number of open ones bounded. */
  private touch(b: Block): void {
    if (this.lastTouched === b) return;
    this.lastTouched = b;
    this.fdLru.delete(b);
    this.fdLru.set(b, true);
    if (this.fdLru.size <= MAX_OPEN) return;
    for (const x of this.fdLru.keys()) {
      if (this.fdLru.size <= MAX_OPEN) break;
      if (x === this.lmb || x.wlen > 0 || x === b) continue;
      if (this.dirtySync.has(x)) {
        this.syncBlock(x); // what the periodic sync would have done, before its files close
        this.dirtySync.delete(x);
      }
      x.closeFds();
      this.fdLru.delete(x);
    }
  }

  private syncBlock(b: Block): void {
    try {
      if (b.fd >= 0) fsyncSync(b.fd);
      if (b.dltFd >= 0) fsyncSync(b.dltFd);
    } catch (e) {
      this.warn(`fsync failed: ${(e as Error).message}`);
    }
  }

  private removeBlock(b: Block): void {
    const i = this.blks.indexOf(b);
    if (i < 0) return;
    this.blks.splice(i, 1);
    b.removed = true;
    if (b.hasFloor) this.persistedFloor = 0; // written again to the new first block before b goes
    this.compactQ.delete(b);
    this.unlinkQ.push(b);
    this.invalidate();
  }

  /**
   * Read-ahead: the last window read from a block's file (a consumer reads in sequence order:
   * one pread per window instead of per message). Dropped when the block's
   * records move (compaction, truncation, a rebuild); appends and erasures do not touch the bytes
   * of the other records it holds. Messages handed out are views on it (never modified).
   */
  private rcBlk: Block | null = null;
  private rcOff = 0;
  private rcBuf: Buffer | null = null;
  /** Where readWritten left the bytes asked for. */
  private rvBuf: Buffer | null = null;
  private rvAt = 0;

  /**
   * Page cache for random readers: the PAGE-sized pages of blocks' written parts that held a record
   * a random reader asked for twice lately (a direct get by sequence or last by subject reads one
   * record per request; a page read costs the same pread as the record alone). Pages are copies of
   * bytes on disk that never change while a record in them is live (appends go past them, erasures
   * only touch records no longer live); they are dropped with the read-ahead window whenever
   * records move.
   * At most MAX_PAGES per store and MAX_PAGES_PROCESS in all, the oldest read dropped first (pageQ:
   * block, page number, buffer).
   */
  private pageQ: (Block | number | Buffer)[] = [];
  private pageHead = 0;
  private pageCount = 0;
  /** Pages missed once lately: block index × 2^20 + page number + 1, by a hash of both (0: empty). */
  private ghosts = new Float64Array(GHOST_SLOTS);

  private dropReadCache(b?: Block): void {
    if (b === undefined || this.rcBlk === b) {
      this.rcBlk = null;
      this.rcBuf = null;
      this.rvBuf = null;
    }
    if (b === undefined) {
      for (const x of this.blks) x.pages = null;
      for (const x of this.unlinkQ) x.pages = null;
      this.pageQ = [];
      this.pageHead = 0;
      this.addPages(-this.pageCount);
      this.ghosts.fill(0);
    } else if (b.pages !== null) {
      this.addPages(-b.pages.size);
      b.pages = null;
    }
  }

  /**
   * The page `pg` of b's written part (at least `need` bytes of it) if kept, or read and kept when it
   * was missed once lately; null on a first miss (the caller reads the record alone).
   */
  private page(b: Block, pg: number, need: number): Buffer | null {
    let m = b.pages;
    const hit = m?.get(pg);
    if (hit !== undefined && hit.length >= need) return hit;
    // A kept page shorter than the record (a short tail page of a block that grew after all, which
    // the admission rule excludes): read it again rather than hand out a cut record.
    if (hit !== undefined) {
      m!.delete(pg);
      this.addPages(-1);
    }
    // Compaction rewrites a block under the same index: its pages and ghosts are dropped with it
    // (dropReadCache), a stale ghost only admits a page one miss early.
    const key = b.index * 1048576 + pg + 1;
    const slot = (Math.imul(b.index, 0x9e3779b1) ^ Math.imul(pg + 1, 0x85ebca77)) >>> (32 - GHOST_SHIFT);
    if (this.ghosts[slot] !== key) {
      this.ghosts[slot] = key;
      return null;
    }
    this.ghosts[slot] = 0;
    if (this.closed || (pagesInProcess >= MAX_PAGES_PROCESS && this.pageCount === 0)) return null;
    this.touch(b);
    const at = pg << PAGE_SHIFT;
    const buf = b.read(at, Math.min(PAGE, b.size - at));
    (m ??= b.pages = new Map()).set(pg, buf);
    const q = this.pageQ;
    q.push(b, pg, buf);
    this.addPages(1);
    if (this.pageCount > MAX_PAGES || pagesInProcess > MAX_PAGES_PROCESS) {
      // Drop the oldest page still kept (entries of pages dropped since are skipped).
      while (this.pageHead < q.length) {
        const ob = q[this.pageHead] as Block;
        const op = q[this.pageHead + 1] as number;
        const obuf = q[this.pageHead + 2] as Buffer;
        this.pageHead += 3;
        if (ob.pages !== null && ob.pages.get(op) === obuf) {
          ob.pages.delete(op);
          this.addPages(-1);
          break;
        }
      }
    }
    if (this.pageHead > 3 * MAX_PAGES) {
      this.pageQ = q.slice(this.pageHead);
      this.pageHead = 0;
    }
    return buf;
  }

  private addPages(n: number): void {
    this.pageCount += n;
    pagesInProcess += n;
  }

  /**
   * `len` bytes at `off` of b's written part, through the read-ahead window: they are at
   * `rvAt` in `rvBuf` (the window itself when they are in it: no view made).
   */
  private readWritten(b: Block, off: number, len: number): void {
    const rb = this.rcBuf;
    if (this.rcBlk === b && rb !== null && off >= this.rcOff && off + len <= this.rcOff + rb.length) {
      this.rvBuf = rb;
      this.rvAt = off - this.rcOff;
      return;
    }
    // Read ahead only for a sequential reader (this record starts where the window ended);
    // a random reader (direct gets) reads the page that holds its record, kept for the next ones.
    const sequential = this.rcBlk === b && rb !== null && off === this.rcOff + rb.length;
    let buf: Buffer;
    if (sequential) {
      this.touch(b);
      buf = b.read(off, Math.min(b.size, off + Math.max(len, READ_AHEAD)) - off);
    } else {
      // Through the page cache when the record lies in one page that is whole in the written part,
      // or in the tail of a block no longer appended to (not the last block, nothing of it waiting
      // to be written); else (across a page boundary, in the last block's page still being written,
      // or a first miss) the record alone.
      const pg = off >>> PAGE_SHIFT;
      const at = off - (pg << PAGE_SHIFT);
      const cacheable = pg === (off + len - 1) >>> PAGE_SHIFT && ((pg + 1) << PAGE_SHIFT <= b.size || (b !== this.lmb && b.wlen === 0));
      const page = cacheable ? this.page(b, pg, at + len) : null;
      if (page !== null) buf = page.subarray(at, at + len);
      else {
        this.touch(b);
        buf = b.read(off, len);
      }
    }
    this.rcBlk = b;
    this.rcOff = off;
    this.rcBuf = buf;
    this.rvBuf = buf;
    this.rvAt = 0;
  }

  protected _readRaw(seq: number, into: RawMsg): boolean {
    if (!this.locate(seq)) return false;
    const b = this.cBlk!;
    const i = this.cSlot;
    if (!(b.fl[i] & LIVE)) return false;
    const off = b.off[i];
    const len = b.len[i];
    let r: Buffer;
    let at = 0;
    try {
      if (off < b.size) {
        this.readWritten(b, off, len);
        r = this.rvBuf!;
        at = this.rvAt;
      } else r = b.read(off, len);
    } catch (e) {
      this.warn(`could not read message ${seq} in ${b.index}.blk: ${(e as Error).message}`);
      return false;
    }
    if (off < b.size && !(b.fl[i] & CHECKED)) {
      if (r.readUInt32LE(at) !== len || crc32(r, at, at + len - 4) !== r.readUInt32LE(at + len - 4)) {
        this.warn(`malformed or corrupt message in ${b.index}.blk: invalid checksum (message ${seq})`);
        return false;
      }
      b.fl[i] |= CHECKED;
    }
    into.buf = r;
    into.hdr = r.readUInt32LE(at + 24);
    into.s = at + REC_HDR + r.readUInt16LE(at + 6);
    into.e = at + len - 4;
    into.subject = this.subjById[b.sid[i]]?.subj ?? '';
    into.seq = seq;
    into.ts = b.ts[i];
    return true;
  }

  /** Binary search by time within blocks (timestamps ascend with sequences, as stored). */
  override getSeqFromTime(ts: number): number {
    this.checkOpen();
    if (!Number.isFinite(ts)) return super.getSeqFromTime(ts); // refuses it
    if (this.msgs === 0) return this.lastSeq + 1;
    if (ts <= this.firstTs) return this.firstSeq;
    for (const b of this.blks) {
      if (b.live === 0 || b.ts[b.n - 1] < ts) continue;
      let lo = 0;
      let hi = b.n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (b.ts[mid] >= ts) hi = mid;
        else lo = mid + 1;
      }
      const q = (b.fl[lo] & LIVE) !== 0 ? b.seq[lo] : this._nextLive(b.seq[lo], this.lastSeq);
      if (q) return q;
    }
    return this.lastSeq + 1;
  }

  protected _discardAll(): void {
    for (const b of this.blks) {
      b.removed = true;
      this.unlinkQ.push(b);
    }
    this.blks = [];
    this.compactQ.clear();
    this.eraseQ = [];
    this.persistedFloor = 0;
    this.invalidate();
    this.newBlock(); // the FLOOR entry of the new first sequence goes to its delete log
  }

  protected _discardBelow(seq: number): void {
    while (this.blks.length > 1 && this.blks[0].lastSlotSeq < seq) {
      const b = this.blks[0];
      for (let i = 0; i < b.n; i++) b.markDead(i);
      this.removeBlock(b);
    }
    const b = this.blks[0];
    for (let i = 0; i < b.n && b.seq[i] < seq; i++) b.markDead(i);
    this.afterDeath(b);
    this.invalidate();
  }

  /** Truncate: files after seq's block go (newest first), its log loses later entries, then its tail. */
  protected _discardAbove(seq: number): void {
    this.locate(seq);
    const b = this.cBlk!;
    const i = this.cSlot;
    while (this.lmb !== b) {
      const x = this.blks.pop()!;
      x.removed = true;
      this.compactQ.delete(x);
      this.dltQ.delete(x);
      x.closeFds();
      this.unlinkFiles(x);
    }
    this.wq = this.wq.filter((x) => !x.removed && x !== b);
    b.dltPend = b.dltPend.filter((s) => s <= seq);
    rewriteDlt(b, (kind, s) => kind !== D_DEL || s <= seq, (m) => this.warn(m));
    const end = b.off[i] + b.len[i];
    for (let j = i + 1; j < b.n; j++) b.markDead(j);
    b.n = i + 1;
    if (end >= b.size) {
      b.wlen = end - b.size;
      if (b.wlen) this.wq.push(b);
    } else {
      b.wlen = 0;
      try {
        ftruncateSync(b.openFd(), end);
      } catch (e) {
        this.warn(`could not truncate ${b.index}.blk: ${(e as Error).message}`);
      }
      b.size = end;
    }
    b.maxSeq = seq;
    b.maxSeqTs = b.ts[i];
    this.dropReadCache();
    this.eraseQ = this.eraseQ.filter((e) => e.b !== b || e.off < end);
    this.compactQ.delete(b);
    this.pendBytes = this.wq.reduce((n, x) => n + x.wlen, 0);
    this.invalidate();
  }

  // ---- writing ----

  protected _writePending(): void {
    // 1. Appends: one write per block.
    if (this.wq.length) {
      for (const b of this.wq) {
        if (b.wlen === 0) continue;
        let op = 'write';
        try {
          const fd = b.openFd();
          let done = 0;
          while (done < b.wlen) done += writeSync(fd, b.wbuf!, done, b.wlen - done, b.size + done);
          op = 'sync';
          if (this.syncAlways) fsyncSync(fd);
        } catch (e) {
          // A failed fsync under syncAlways fails the batch too: its bytes are cut like a short write.
          this.onWriteError(e, b, op);
          return;
        }
        b.written();
        if (b !== this.lmb) b.wbuf = null; // a sealed block never buffers again
        this.dirtySync.add(b);
      }
      if (this.syncAlways && this.dirDirty) this.syncDir();
      this.wq.length = 0;
      this.pendBytes = 0;
    }
    this.done.resolveAll();
    // 2. Delete logs: interior removals, and the first sequence as a FLOOR entry.
    this.writeDeletes();
    // 3. In place and whole-file work.
    if (this.eraseQ.length) this.runErases();
    if (this.compactQ.size) this.runCompactions();
    if (this.unlinkQ.length) this.runUnlinks();
    if (this.syncAlways && this.dirDirty) this.syncDir();
  }

  private writeDeletes(): void {
    const first = this.firstSeq;
    let floorBlk: Block | null = null;
    if (first > this.persistedFloor) {
      floorBlk = this.findBlock(first) ?? this.lmb;
      this.dltQ.add(floorBlk);
    }
    if (this.dltQ.size === 0) return;
    for (const b of this.dltQ) {
      // Entries below the first sequence are covered by the FLOOR entry.
      const dels = b.dltPend.filter((s) => s >= first);
      const withFloor = b === floorBlk;
      const n = dels.length + (withFloor ? 1 : 0);
      if (n === 0) {
        b.dltPend = [];
        this.dltQ.delete(b);
        continue;
      }
      const buf = Buffer.allocUnsafe(n * DLT_ENTRY);
      let p = 0;
      for (const s of dels) {
        encodeDlt(buf, p, D_DEL, s, 0);
        p += DLT_ENTRY;
      }
      if (withFloor) encodeDlt(buf, p, D_FLOOR, first, this.lastTs);
      this.touch(b);
      try {
        b.openFd(); // the block file exists before its delete log (recovery drops logs without one)
        const fd = b.openDltFd();
        let done = 0;
        while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, b.dltSize + done);
        if (this.syncAlways) fsyncSync(fd);
      } catch (e) {
        const err = writeFailed('write', b.dltPath, e);
        this.warn(`delete log write failed, will retry: ${err.message}`);
        try {
          if (b.dltFd >= 0) ftruncateSync(b.dltFd, b.dltSize);
        } catch {
          // recovery drops a torn entry
        }
        continue; // stays queued
      }
      b.dltSize += buf.length;
      b.dltPend = [];
      this.dltQ.delete(b);
      this.dirtySync.add(b);
      if (withFloor) {
        this.persistedFloor = first;
        for (const x of this.blks) x.hasFloor = false;
        b.hasFloor = true;
        b.dltFloor = first;
        b.dltFloorTs = this.lastTs;
      }
    }
  }

  private runErases(): void {
    const q = this.eraseQ;
    this.eraseQ = [];
    for (const e of q) {
      if (e.b.removed) continue;
      this.touch(e.b);
      try {
        const fd = e.b.openFd();
        const rec = encodeErased(e.len, e.seq, e.ts);
        writeSync(fd, rec, 0, rec.length, e.off);
        fsyncSync(fd); // as filestore.go eraseMsg
      } catch (err) {
        this.warn(`could not erase message ${e.seq} in ${e.b.index}.blk: ${(err as Error).message}`);
      }
    }
  }

  private runCompactions(): void {
    const q = [...this.compactQ];
    this.compactQ.clear();
    for (const b of q) if (!b.removed && b !== this.lmb && b.wlen === 0) this.compactBlock(b);
  }

  /** Rewrite a block without its dead records, and reset its delete log. */
  private compactBlock(b: Block): void {
    this.touch(b);
    this.dropReadCache(b);
    if (!rewriteBlock(b, (m) => this.warn(m))) return;
    // Only live records were copied: whatever was damaged in it is gone.
    b.lostBytes = 0;
    b.lostSeqs = [];
    b.firstRec = b.n ? b.seq[0] : 0;
    this.dirDirty = true;
    this.invalidate();
    // Its delete entries named records that are gone now; keep only the floor if it lives here.
    rewriteDlt(b, (kind) => kind === D_FLOOR, (m) => this.warn(m));
  }

  private runUnlinks(): void {
    // Oldest first: a newer block may hold the floor entry that covers an older one.
    const q = this.unlinkQ.sort((a, b) => a.index - b.index);
    this.unlinkQ = [];
    for (const b of q) {
      b.closeFds();
      this.unlinkFiles(b);
    }
  }

  private unlinkFiles(b: Block): void {
    this.dropReadCache(b);
    this.fdLru.delete(b);
    if (this.lastTouched === b) this.lastTouched = null;
    for (const p of [b.blkPath, b.dltPath]) {
      try {
        unlinkSync(p);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`could not remove ${p}: ${(e as Error).message}`);
      }
    }
    this.dirtySync.delete(b);
    this.dirDirty = true;
  }

  /** A block write failed: cut the partial bytes, rebuild from disk, fail what did not make it. */
  private onWriteError(e: unknown, b: Block, op: string): void {
    const err = writeFailed(op, b.blkPath, e);
    this.dropReadCache();
    this.log('ERR', `Filestore [${this.name}] ${err.message}: rebuilding state from disk`);
    try {
      if (b.fd >= 0) ftruncateSync(b.fd, b.size);
    } catch {
      // recovery cuts a torn tail anyway
    }
    const msgs = this.msgs;
    const bytes = this.bytes;
    const batch = this.done.detach();
    try {
      this.load();
    } catch (le) {
      this.log('ERR', `Filestore [${this.name}] could not rebuild state: ${(le as Error).message}; store closed`);
      this.closed = true;
    }
    // What is on disk now was written: those messages are stored; the rest failed.
    const last = this.lastSeq;
    this.done.adopt(batch, (seq) => (seq <= last && !this.closed ? null : err));
    this.refuseErr = err;
    this.refuseUntil = Date.now() + this.backoffMs;
    if (this.msgs !== msgs || this.bytes !== bytes) this.notify(this.msgs - msgs, this.bytes - bytes, 0, '');
  }

  // ---- fsync ----

  private armSync(): void {
    if (this.syncAlways || this.syncIntervalMs <= 0) return;
    this.syncTimer.set(this.syncIntervalMs, () => {
      this.syncNow();
      if (!this.closed) this.armSync();
    });
  }

  /** fsync every file written since the last sync (and the directory when files came or went). */
  syncNow(): void {
    for (const b of this.dirtySync) this.syncBlock(b);
    this.dirtySync.clear();
    if (this.dirDirty) this.syncDir();
  }

  private syncDir(): void {
    this.dirDirty = false;
    let fd = -1;
    try {
      fd = openSync(this.mdir, 'r');
      fsyncSync(fd);
    } catch {
      // some file systems cannot fsync a directory
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  // ---- recovery ----

  /** Rebuild everything in memory from the files (open, and after a failed write). */
  private load(): void {
    this.dropReadCache();
    for (const b of this.blks) b.closeFds();
    for (const b of this.unlinkQ) b.closeFds();
    this.blks = [];
    this.subjects.clear();
    this.subjById = [undefined];
    this.freeIds = [];
    this.wq = [];
    this.pendBytes = 0;
    this.dltQ.clear();
    this.eraseQ = [];
    this.compactQ.clear();
    this.unlinkQ = [];
    this.dirtySync.clear();
    this.invalidate();
    this.msgs = 0;
    this.bytes = 0;
    this.firstSeq = 0;
    this.firstTs = 0;
    this.lastSeq = 0;
    this.lastTs = 0;
    this.persistedFloor = 0;
    this.clearAgeTimer();

    // The index file written at the last clean stop, for the blocks it still describes.
    const ixPath = join(this.mdir, INDEX_FILE);
    let ix = readIndex(ixPath);
    if (ix === 'corrupt') {
      this.warn(`index file ${INDEX_FILE} is corrupt, ignored: scanning every block`);
      removeIndex(ixPath);
      ix = null;
    }
    if (ix) this.ixNext = Math.max(this.ixNext, ix.nextIndex);
    const r = recoverFiles(
      this.mdir,
      {
        subjects: this.subjects,
        newSubj: (subject) => this._newSubj(subject),
        adoptSubj: (subject, id) => {
          const ss = new SubjState(subject);
          ss.id = id;
          this.subjById[id] = ss;
          return ss;
        },
        warn: (m) => this.warn(m),
      },
      ix,
    );
    // Subjects the index named that have nothing live any more go; unused ids are free.
    for (const ss of this.subjects.values()) {
      if (ss.msgs > 0) continue;
      this.subjects.delete(ss.subj);
      this.subjById[ss.id] = undefined;
    }
    for (let id = this.subjById.length - 1; id > 0; id--) if (this.subjById[id] === undefined) this.freeIds.push(id);
    this.recovered = { indexed: r.indexed, scanned: r.scanned };
    const { floor, floorTs, maxSeq, maxSeqTs, blkIdx, dltIdx, orphans } = r;
    this.blks = r.blocks;
    this.msgs = r.msgs;
    this.bytes = r.bytes;
    this.firstSeq = r.firstSeq;
    this.firstTs = r.firstTs;
    // What the files hold damaged (the data is the truth: recomputed at every load).
    this.lost = r.lostBytes ? { msgs: r.lostSeqs.length ? [...r.lostSeqs].sort((a, b) => a - b) : null, bytes: r.lostBytes } : null;

    this.lastSeq = Math.max(maxSeq, floor - 1);
    this.lastTs = maxSeq >= floor - 1 ? maxSeqTs : floorTs;
    if (this.msgs === 0) {
      this.firstSeq = this.lastSeq > 0 || floor > 0 ? Math.max(this.lastSeq + 1, floor) : 0;
      this.firstTs = 0;
    }
    // Blocks with nothing live go (at the write below, after any new FLOOR entry), except the last
    // one: it carries the sequence forward.
    for (let k = this.blks.length - 2; k >= 0; k--) {
      const b = this.blks[k];
      if (b.live > 0) continue;
      this.blks.splice(k, 1);
      b.removed = true;
      this.unlinkQ.push(b);
    }
    // New blocks never reuse the number of a file still on disk (an orphan log goes only later),
    // nor one the index file may describe.
    this.nextIndex = Math.max(this.ixNext, Math.max(0, ...blkIdx, ...dltIdx) + 1);
    if (this.blks.length === 0) this.newBlock();
    // What the files already say is gone: everything below the floor while the log holding it
    // stays, and anything below the first record on disk. When the first sequence is above that, a
    // FLOOR entry is written (before the emptied blocks are removed).
    let minRec = 0;
    for (const b of this.blks) if (b.firstRec && (!minRec || b.firstRec < minRec)) minRec = b.firstRec;
    const floorKept = this.blks.some((b) => b.hasFloor);
    const below = minRec || (floor && !floorKept ? 0 : this.lastSeq + 1);
    this.persistedFloor = Math.max(floorKept ? floor : 0, below);
    this.invalidate();
    this.enforceLimits();
    this._writePending();
    for (const p of orphans) rmSync(p, { force: true });
  }

  // ---- the rest ----

  utilization(): { total: number; reported: number } {
    let total = 0;
    for (const b of this.blks) total += b.fullSize + b.dltSize;
    return { total, reported: this.bytes };
  }

  protected _consumerStore(name: string, cfg: ConsumerStoreConfig, onGone: (c: ConsumerStore) => void): ConsumerStore {
    if (cfg.memoryStorage) return new ConsumerMemStore(name, cfg, onGone);
    return new ConsumerFileStore(name, cfg, onGone, this.dir, this.syncAlways, this.log);
  }

  protected _stopIO(): void {
    this.dropReadCache(); // gives its pages back to the process's budget
    this.syncTimer.clear();
    this.syncNow();
    if (!this.deleting) this.saveIndex();
    for (const b of this.blks) b.closeFds();
    for (const b of this.unlinkQ) b.closeFds();
  }

  /**
   * A clean stop: write the index file (file-index.ts) so the next open need not scan. Only when
   * everything is on disk and fsynced; the stamps are taken after the data's last write.
   */
  private saveIndex(): void {
    const path = join(this.mdir, INDEX_FILE);
    if (this.wq.length || this.dltQ.size || this.eraseQ.length || this.compactQ.size || this.unlinkQ.length) {
      removeIndex(path); // something is not written: the next open scans
      return;
    }
    try {
      const blocks: Block[] = [];
      const stamps: BlockStamps[] = [];
      // Blocks written this recently (file times can be as coarse as a clock tick) also get a CRC.
      const recent = BigInt(Date.now() - 2000) * 1_000_000n;
      for (const b of this.blks) {
        const st = statSync(b.blkPath, { bigint: true, throwIfNoEntry: false });
        if (!st || Number(st.size) !== b.size) continue;
        const blk = stampOf(st);
        if (st.mtimeNs >= recent) {
          const content = readFileSync(b.blkPath);
          if (content.length !== b.size) continue;
          blk.crc = crc32(content, 0, content.length);
        }
        let dlt = null;
        const dst = statSync(b.dltPath, { bigint: true, throwIfNoEntry: false });
        if (dst) {
          const content = readFileSync(b.dltPath);
          dlt = { ...stampOf(dst), size: content.length, crc: crc32(content, 0, content.length) };
        }
        blocks.push(b);
        stamps.push({ blk, dlt });
      }
      writeIndex(path, blocks, stamps, this.subjById, this.nextIndex);
      this.syncDir();
    } catch (e) {
      this.warn(`could not write ${INDEX_FILE}: ${(e as Error).message}`);
      removeIndex(path);
    }
  }

  override delete(): void {
    this.deleting = true;
    super.delete();
  }

  protected _deleteIO(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const EMPTY = Buffer.alloc(0);
