// Message ids seen within the stream's duplicate_window (stream.go ddmap/ddarr/purgeMsgIds): a map
// for lookups, an array in arrival order for expiry, one timer armed for the oldest entry.
import { LongTimer } from './store/timer.js';
import { nowNs } from './store/index.js';

interface Entry {
  id: string;
  seq: number;
  ts: number;
}

/** The timer never fires sooner than this after the previous run (minFire). */
const MIN_FIRE_MS = 50;

export class Dedupe {
  private map = new Map<string, Entry>();
  private arr: Entry[] = [];
  private idx = 0;
  private readonly timer = new LongTimer();
  /** A restarted stream reads the ids of its recent messages on first use (rebuildDedupe). */
  needsRebuild = false;

  /** `window` gives the current duplicate_window in ns. */
  constructor(private readonly window: () => number) {}

  get(id: string): Entry | undefined {
    return this.map.get(id);
  }

  get size(): number {
    return this.map.size;
  }

  add(id: string, seq: number, ts: number): void {
    const e: Entry = { id, seq, ts };
    this.map.set(id, e);
    this.arr.push(e);
    if (!this.timer.armed) this.timer.set(this.window() / 1e6, () => this.purge());
  }

  /** The window changed: run the expiry now, it re-arms itself. */
  windowChanged(): void {
    if (this.map.size > 0) this.timer.set(0, () => this.purge());
  }

  private purge(): void {
    const now = nowNs();
    const window = this.window();
    let next = window;
    let i = this.idx;
    for (; i < this.arr.length; i++) {
      const e = this.arr[i]!;
      if (now - e.ts >= window) {
        if (this.map.get(e.id) === e) this.map.delete(e.id);
      } else {
        next = window - (now - e.ts);
        break;
      }
    }
    this.idx = i;
    // Compact the expired head once it is a third of the array.
    if (this.idx > 0 && this.idx >= this.arr.length / 3) {
      this.arr = this.arr.slice(this.idx);
      this.idx = 0;
    }
    if (this.map.size > 0) this.timer.set(Math.max(next / 1e6, MIN_FIRE_MS), () => this.purge());
    else {
      this.arr = [];
      this.idx = 0;
    }
  }

  stop(): void {
    this.timer.clear();
    this.map.clear();
    this.arr = [];
    this.idx = 0;
  }
}
