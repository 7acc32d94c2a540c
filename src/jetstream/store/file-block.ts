// One message block of the file store in memory: its files (N.blk, N.dlt), the bytes written and
// the bytes still buffered, and the slot index of its message records (typed arrays, ~45 bytes a
// message): sequence, offset, record length, subject id, timestamp, links to the previous/next
// message on the same subject, flags. The index is a cache rebuilt from the block on open.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

export const LIVE = 1;
export const HDR = 2;

export class Block {
  readonly blkPath: string;
  readonly dltPath: string;
  fd = -1;
  dltFd = -1;
  /** Bytes of N.blk on disk (written). */
  size = 0;
  /** Appends not written yet: wbuf[0, wlen) go at offset `size`. */
  wbuf: Buffer | null = null;
  wlen = 0;
  /** Bytes of N.dlt on disk. */
  dltSize = 0;
  /** Removals of this block's messages not written to N.dlt yet. */
  dltPend: number[] = [];
  /** Taken out of the store (files removed at the next flush). */
  removed = false;
  /** This block's N.dlt holds the store's current floor entry. */
  hasFloor = false;
  /** The first message record's sequence (live or not; set by recovery and by appends). */
  firstRec = 0;
  /** The highest sequence any record of this block names (messages, skips, erased). */
  maxSeq = 0;
  maxSeqTs = 0;
  /** The highest FLOOR entry in this block's delete log (0: none), and its time. */
  dltFloor = 0;
  dltFloorTs = 0;
  /** What recovery found damaged in this block (reported in state.lost, kept in the index file). */
  lostBytes = 0;
  lostSeqs: number[] = [];

  n = 0;
  seq: Float64Array = new Float64Array(64);
  off: Uint32Array = new Uint32Array(64);
  len: Uint32Array = new Uint32Array(64);
  sid: Uint32Array = new Uint32Array(64);
  ts: Float64Array = new Float64Array(64);
  prev: Float64Array = new Float64Array(64);
  next: Float64Array = new Float64Array(64);
  fl: Uint8Array = new Uint8Array(64);
  /** Live messages and their raw record bytes (for compaction decisions). */
  live = 0;
  liveRaw = 0;

  constructor(
    readonly index: number,
    dir: string,
  ) {
    this.blkPath = join(dir, `${index}.blk`);
    this.dltPath = join(dir, `${index}.dlt`);
  }

  get firstSeq(): number {
    return this.n ? this.seq[0] : 0;
  }
  get lastSlotSeq(): number {
    return this.n ? this.seq[this.n - 1] : 0;
  }
  /** Bytes of the block once its buffer is written. */
  get fullSize(): number {
    return this.size + this.wlen;
  }

  addSlot(seq: number, off: number, len: number, sid: number, ts: number, prev: number, hasHdr: boolean): number {
    if (this.n === this.seq.length) this.grow(Math.max(64, this.n * 2));
    const i = this.n++;
    this.seq[i] = seq;
    this.off[i] = off;
    this.len[i] = len;
    this.sid[i] = sid;
    this.ts[i] = ts;
    this.prev[i] = prev;
    this.next[i] = 0;
    this.fl[i] = LIVE | (hasHdr ? HDR : 0);
    this.live++;
    this.liveRaw += len;
    return i;
  }

  /** Take the live slots the index file recorded (arrays of their own; links as they were). */
  loadSlots(e: { n: number; liveRaw: number; seq: Float64Array; ts: Float64Array; prev: Float64Array; next: Float64Array; off: Uint32Array; len: Uint32Array; sid: Uint32Array; fl: Uint8Array }): void {
    this.seq = e.seq;
    this.ts = e.ts;
    this.prev = e.prev;
    this.next = e.next;
    this.off = e.off;
    this.len = e.len;
    this.sid = e.sid;
    this.fl = e.fl;
    this.n = e.n;
    this.live = e.n;
    this.liveRaw = e.liveRaw;
  }

  /** Room for n slots (recovery knows how many records a block has). */
  reserveSlots(n: number): void {
    if (n > this.seq.length) this.grow(n);
  }

  private grow(cap: number): void {
    const g = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(cap);
      b.set(a.subarray(0, this.n) as never);
      return b;
    };
    this.seq = g(this.seq, Float64Array);
    this.off = g(this.off, Uint32Array);
    this.len = g(this.len, Uint32Array);
    this.sid = g(this.sid, Uint32Array);
    this.ts = g(this.ts, Float64Array);
    this.prev = g(this.prev, Float64Array);
    this.next = g(this.next, Float64Array);
    this.fl = g(this.fl, Uint8Array);
  }

  /** The slot of seq, or -1 (sequences ascend; usually dense, so try the direct index first). */
  slotOf(seq: number): number {
    const n = this.n;
    if (n === 0) return -1;
    const d = seq - this.seq[0];
    if (d >= 0 && d < n && this.seq[d] === seq) return d;
    let lo = 0;
    let hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.seq[mid];
      if (v === seq) return mid;
      if (v < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The first slot whose seq >= seq (n when none). */
  lowerBound(seq: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seq[mid] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  markDead(i: number): void {
    if (!(this.fl[i] & LIVE)) return;
    this.fl[i] &= ~LIVE;
    this.live--;
    this.liveRaw -= this.len[i];
  }

  /** Room for k more buffered bytes. */
  reserve(k: number): Buffer {
    const need = this.wlen + k;
    if (!this.wbuf || this.wbuf.length < need) {
      const b = Buffer.allocUnsafe(Math.max(need, Math.min(2 * (this.wbuf?.length ?? 0), 64 * 1024 * 1024), 64 * 1024));
      if (this.wbuf && this.wlen) this.wbuf.copy(b, 0, 0, this.wlen);
      this.wbuf = b;
    }
    return this.wbuf;
  }

  /** After a write: keep a modest buffer for the next batch, drop a big one. */
  written(): void {
    this.size += this.wlen;
    this.wlen = 0;
    if (this.wbuf && this.wbuf.length > 4 * 1024 * 1024) this.wbuf = null;
  }

  /** Drop dead slots (after the block was rewritten, offsets already updated). */
  compactSlots(): void {
    let j = 0;
    for (let i = 0; i < this.n; i++) {
      if (!(this.fl[i] & LIVE)) continue;
      if (i !== j) {
        this.seq[j] = this.seq[i];
        this.off[j] = this.off[i];
        this.len[j] = this.len[i];
        this.sid[j] = this.sid[i];
        this.ts[j] = this.ts[i];
        this.prev[j] = this.prev[i];
        this.next[j] = this.next[i];
        this.fl[j] = this.fl[i];
      }
      j++;
    }
    this.n = j;
  }

  openFd(): number {
    if (this.fd < 0) this.fd = openSync(this.blkPath, constants.O_RDWR | constants.O_CREAT, 0o640);
    return this.fd;
  }

  openDltFd(): number {
    if (this.dltFd < 0) this.dltFd = openSync(this.dltPath, constants.O_RDWR | constants.O_CREAT, 0o640);
    return this.dltFd;
  }

  /** Read len bytes at off (from the buffer when not written yet). */
  read(off: number, len: number): Buffer {
    const out = Buffer.allocUnsafe(len);
    if (off >= this.size) {
      this.wbuf!.copy(out, 0, off - this.size, off - this.size + len);
      return out;
    }
    const fd = this.openFd();
    let got = 0;
    while (got < len) {
      const k = readSync(fd, out, got, len - got, off + got);
      if (k <= 0) throw new Error(`short read in ${this.blkPath} at ${off + got}`);
      got += k;
    }
    return out;
  }

  closeFds(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // already gone
      }
    }
    if (this.dltFd >= 0) {
      try {
        closeSync(this.dltFd);
      } catch {
        // already gone
      }
    }
    this.fd = -1;
    this.dltFd = -1;
  }
}
