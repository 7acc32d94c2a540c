// The `done` callbacks of stored messages waiting to be acknowledged (see the durability contract
// in types.ts). Entries are `pending` until the store's write of their batch succeeded or failed,
// then `ready` with their outcome; drain() calls the ready ones, in sequence order. The arrays are
// kept from batch to batch (counts, not lengths, say what is in use): nothing is allocated per
// message or per flush once they have grown.
import type { StoreError } from './errors.js';
import type { WrittenCallback } from './types.js';

const NONE: WrittenCallback = () => {};

export class DoneQueue {
  private pSeq: number[] = [];
  private pTs: number[] = [];
  private pCb: WrittenCallback[] = [];
  private pN = 0;
  private rSeq: number[] = [];
  private rTs: number[] = [];
  private rCb: WrittenCallback[] = [];
  private rErr: (StoreError | null)[] = [];
  private rN = 0;
  private draining = false;

  get pending(): number {
    return this.pN;
  }

  get size(): number {
    return this.pN + this.rN;
  }

  add(seq: number, ts: number, cb: WrittenCallback): void {
    const i = this.pN++;
    if (i < this.pSeq.length) {
      this.pSeq[i] = seq;
      this.pTs[i] = ts;
      this.pCb[i] = cb;
    } else {
      this.pSeq.push(seq);
      this.pTs.push(ts);
      this.pCb.push(cb);
    }
  }

  private ready(seq: number, ts: number, cb: WrittenCallback, err: StoreError | null): void {
    const i = this.rN++;
    if (i < this.rSeq.length) {
      this.rSeq[i] = seq;
      this.rTs[i] = ts;
      this.rCb[i] = cb;
      this.rErr[i] = err;
    } else {
      this.rSeq.push(seq);
      this.rTs.push(ts);
      this.rCb.push(cb);
      this.rErr.push(err);
    }
  }

  /** The batch was written: every pending entry succeeded. */
  resolveAll(): void {
    const n = this.pN;
    for (let i = 0; i < n; i++) {
      this.ready(this.pSeq[i], this.pTs[i], this.pCb[i], null);
      this.pCb[i] = NONE;
    }
    this.pN = 0;
  }

  /** Decide each pending entry's outcome (after a failed write). */
  resolve(outcome: (seq: number) => StoreError | null): void {
    const n = this.pN;
    for (let i = 0; i < n; i++) {
      this.ready(this.pSeq[i], this.pTs[i], this.pCb[i], outcome(this.pSeq[i]));
      this.pCb[i] = NONE;
    }
    this.pN = 0;
  }

  /** Take the pending entries out (their outcome is decided later with adopt()). */
  detach(): DoneQueue {
    const d = new DoneQueue();
    for (let i = 0; i < this.pN; i++) {
      d.add(this.pSeq[i], this.pTs[i], this.pCb[i]);
      this.pCb[i] = NONE;
    }
    this.pN = 0;
    return d;
  }

  /** Make detached entries ready, with their outcome. */
  adopt(d: DoneQueue, outcome: (seq: number) => StoreError | null): void {
    for (let i = 0; i < d.pN; i++) this.ready(d.pSeq[i], d.pTs[i], d.pCb[i], outcome(d.pSeq[i]));
    d.pN = 0;
  }

  /**
   * Call the ready callbacks, in order. A callback that throws is reported to onThrow and does not
   * stop the rest. Entries made ready by a callback (it flushed the store) are called by this same
   * loop, after the ones before them: a nested drain() returns at once.
   */
  drain(onThrow: (e: unknown) => void): void {
    if (this.draining) return;
    this.draining = true;
    let i = 0;
    try {
      for (; i < this.rN; i++) {
        const cb = this.rCb[i];
        this.rCb[i] = NONE; // no reference kept to a caller's closure
        try {
          cb(this.rErr[i], this.rSeq[i], this.rTs[i]);
        } catch (e) {
          onThrow(e);
        }
      }
    } finally {
      for (let k = 0; k < this.rN; k++) this.rErr[k] = null;
      this.rN = 0;
      this.draining = false;
    }
  }
}
