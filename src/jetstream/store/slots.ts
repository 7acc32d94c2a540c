// The slot index of a block of messages (the file store's blocks, the memory store's chunks):
// one slot per message record in typed arrays, ~45 bytes a message and no object per message.
// Slots ascend by sequence; a removed message's slot stays (not LIVE) until the block is compacted.
//   seq   the message's sequence           off, len   where its bytes are in the block
//   sid   its subject's id (0: none)       ts         its time (ns)
//   prev, next   the previous/next message on the same subject (0: none)
//   fl    LIVE, HDR (it has headers), CHECKED (its bytes on disk are known good)

export const LIVE = 1;
export const HDR = 2;
/**
 * File store: the record's checksum need not be verified on read — this process wrote it, or
 * verified it on an earlier read (nats-server marks its cache index the same way, hbit). Not kept
 * across a restart (the index file keeps LIVE and HDR only) nor across a compaction (the copy was
 * not verified).
 */
export const CHECKED = 4;
/** Bytes of typed arrays per slot. */
const SLOT_BYTES = 8 * 4 + 4 * 3 + 1;

export class SlotTable {
  n = 0;
  seq: Float64Array = new Float64Array(64);
  off: Uint32Array = new Uint32Array(64);
  len: Uint32Array = new Uint32Array(64);
  sid: Uint32Array = new Uint32Array(64);
  ts: Float64Array = new Float64Array(64);
  prev: Float64Array = new Float64Array(64);
  next: Float64Array = new Float64Array(64);
  fl: Uint8Array = new Uint8Array(64);
  /** Live messages and their bytes (for compaction decisions). */
  live = 0;
  liveRaw = 0;

  get firstSeq(): number {
    return this.n ? this.seq[0] : 0;
  }
  get lastSlotSeq(): number {
    return this.n ? this.seq[this.n - 1] : 0;
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

  protected grow(cap: number): void {
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

  /** Give back capacity far beyond what is used (after compaction). */
  shrink(): void {
    const cap = Math.max(64, this.n * 2);
    if (this.seq.length > 2 * cap) this.grow(cap);
  }

  /** Bytes the slot arrays take. */
  slotBytes(): number {
    return this.seq.length * SLOT_BYTES;
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
}
