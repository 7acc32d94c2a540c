// What the stores built on blocks of slots share (the file store's blocks, the memory store's
// chunks; slots.ts): finding a sequence's block and slot (binary search over blocks, a cached
// last lookup), the message-index primitives of StoreCore over the slots, subject ids, and the
// walks over live messages. Blocks hold ascending, non-overlapping sequence ranges.
import { StoreBase, SubjState } from './base.js';
import { LIVE, type SlotTable } from './slots.js';

export abstract class BlockStore<B extends SlotTable> extends StoreBase {
  protected blks: B[] = [];
  /** Subjects by id (the slots' sid); 0 is "no subject". */
  protected subjById: (SubjState | undefined)[] = [undefined];
  protected freeIds: number[] = [];
  // locate() cache
  protected cSeq = -1;
  protected cBlk: B | null = null;
  protected cSlot = -1;

  // ---- the index ----

  /** The block holding a slot for seq, or null. */
  protected findBlock(seq: number): B | null {
    const blks = this.blks;
    const n = blks.length;
    if (n === 0) return null;
    const l = blks[n - 1];
    if (l.n && seq >= l.seq[0]) return seq <= l.seq[l.n - 1] ? l : null;
    let lo = 0;
    let hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const b = blks[mid];
      if (b.n === 0 || seq > b.seq[b.n - 1]) lo = mid + 1;
      else if (seq < b.seq[0]) hi = mid - 1;
      else return b;
    }
    return null;
  }

  /** The index of the first block that may hold seq or later ones. */
  protected blockIndexFrom(seq: number): number {
    const blks = this.blks;
    let lo = 0;
    let hi = blks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const b = blks[mid];
      if (b.n > 0 && b.seq[b.n - 1] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  protected locate(seq: number): boolean {
    if (seq === this.cSeq) return this.cSlot >= 0;
    this.cSeq = seq;
    const b = this.findBlock(seq);
    this.cBlk = b;
    this.cSlot = b ? b.slotOf(seq) : -1;
    return this.cSlot >= 0;
  }

  protected invalidate(): void {
    this.cSeq = -1;
    this.cBlk = null;
    this.cSlot = -1;
  }

  protected _has(seq: number): boolean {
    return this.locate(seq) && (this.cBlk!.fl[this.cSlot] & LIVE) !== 0;
  }
  protected _subj(seq: number): SubjState | null {
    return this.locate(seq) ? (this.subjById[this.cBlk!.sid[this.cSlot]] ?? null) : null;
  }
  protected _ts(seq: number): number {
    return this.locate(seq) ? this.cBlk!.ts[this.cSlot] : 0;
  }
  protected _prev(seq: number): number {
    return this.locate(seq) ? this.cBlk!.prev[this.cSlot] : 0;
  }
  protected _next(seq: number): number {
    return this.locate(seq) ? this.cBlk!.next[this.cSlot] : 0;
  }
  protected _setPrev(seq: number, v: number): void {
    if (this.locate(seq)) this.cBlk!.prev[this.cSlot] = v;
  }
  protected _setNext(seq: number, v: number): void {
    if (this.locate(seq)) this.cBlk!.next[this.cSlot] = v;
  }

  protected _newSubj(subject: string): SubjState {
    const ss = new SubjState(subject);
    ss.id = this.freeIds.pop() ?? this.subjById.length;
    this.subjById[ss.id] = ss;
    return ss;
  }

  protected _freeSubj(ss: SubjState): void {
    if (ss.id && this.subjById[ss.id] === ss) {
      this.subjById[ss.id] = undefined;
      this.freeIds.push(ss.id);
    }
  }

  // ---- walks ----

  protected _nextLive(after: number, limit: number): number {
    const blks = this.blks;
    for (let k = this.blockIndexFrom(after + 1); k < blks.length; k++) {
      const b = blks[k];
      if (b.live === 0) continue;
      for (let i = b.lowerBound(after + 1); i < b.n; i++) {
        const s = b.seq[i];
        if (s > limit) return 0;
        if (b.fl[i] & LIVE) return s;
      }
    }
    return 0;
  }

  protected _prevLive(before: number, floor: number): number {
    const blks = this.blks;
    let k = Math.min(this.blockIndexFrom(before - 1), blks.length - 1);
    for (; k >= 0; k--) {
      const b = blks[k];
      if (b.live === 0) continue;
      for (let i = b.lowerBound(before) - 1; i >= 0; i--) {
        const s = b.seq[i];
        if (s < floor) return 0;
        if (b.fl[i] & LIVE) return s;
      }
    }
    return 0;
  }

  protected _forEachLive(from: number, to: number, fn: (seq: number, ss: SubjState | null) => boolean | void): void {
    const blks = this.blks;
    const byId = this.subjById;
    for (let k = this.blockIndexFrom(from); k < blks.length; k++) {
      const b = blks[k];
      if (b.live === 0) continue;
      for (let i = b.lowerBound(from); i < b.n; i++) {
        const s = b.seq[i];
        if (s > to) return;
        if (b.fl[i] & LIVE && fn(s, byId[b.sid[i]] ?? null) === false) return;
      }
    }
  }
}
