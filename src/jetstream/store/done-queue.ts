// The `done` callbacks of stored messages waiting to be acknowledged (see the durability contract
// in types.ts). Entries are `pending` until the store's write of their batch succeeded or failed,
// then `ready` with their outcome; drain() calls the ready ones, in sequence order.
import type { StoreError } from './errors.js';
import type { WrittenCallback } from './types.js';

export class DoneQueue {
  private pSeq: number[] = [];
  private pTs: number[] = [];
  private pCb: WrittenCallback[] = [];
  private rSeq: number[] = [];
  private rTs: number[] = [];
  private rCb: WrittenCallback[] = [];
  private rErr: (StoreError | null)[] = [];

  get pending(): number {
    return this.pSeq.length;
  }

  get size(): number {
    return this.pSeq.length + this.rSeq.length;
  }

  add(seq: number, ts: number, cb: WrittenCallback): void {
    this.pSeq.push(seq);
    this.pTs.push(ts);
    this.pCb.push(cb);
  }

  /** The batch was written: every pending entry succeeded. */
  resolveAll(): void {
    this.resolve(() => null);
  }

  /** Decide each pending entry's outcome (after a failed write). */
  resolve(outcome: (seq: number) => StoreError | null): void {
    const n = this.pSeq.length;
    for (let i = 0; i < n; i++) {
      this.rSeq.push(this.pSeq[i]);
      this.rTs.push(this.pTs[i]);
      this.rCb.push(this.pCb[i]);
      this.rErr.push(outcome(this.pSeq[i]));
    }
    this.pSeq = [];
    this.pTs = [];
    this.pCb = [];
  }

  /** Take the pending entries out (their outcome is decided later with adopt()). */
  detach(): DoneQueue {
    const d = new DoneQueue();
    d.pSeq = this.pSeq;
    d.pTs = this.pTs;
    d.pCb = this.pCb;
    this.pSeq = [];
    this.pTs = [];
    this.pCb = [];
    return d;
  }

  /** Make detached entries ready, with their outcome. */
  adopt(d: DoneQueue, outcome: (seq: number) => StoreError | null): void {
    for (let i = 0; i < d.pSeq.length; i++) {
      this.rSeq.push(d.pSeq[i]);
      this.rTs.push(d.pTs[i]);
      this.rCb.push(d.pCb[i]);
      this.rErr.push(outcome(d.pSeq[i]));
    }
    d.pSeq = [];
    d.pTs = [];
    d.pCb = [];
  }

  /** Call the ready callbacks. A callback that throws is reported to onThrow and does not stop the rest. */
  drain(onThrow: (e: unknown) => void): void {
    while (this.rSeq.length) {
      const seq = this.rSeq;
      const ts = this.rTs;
      const cb = this.rCb;
      const err = this.rErr;
      this.rSeq = [];
      this.rTs = [];
      this.rCb = [];
      this.rErr = [];
      for (let i = 0; i < seq.length; i++) {
        try {
          cb[i](err[i], seq[i], ts[i]);
        } catch (e) {
          onThrow(e);
        }
      }
    }
  }
}
