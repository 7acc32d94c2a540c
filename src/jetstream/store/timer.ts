// The store's one-shot timers (max_age expiry, periodic fsync) over the project's Timer
// (src/timers.ts): any delay (max_age can be years; past 2^31-1 ms it is chained, never fired at
// once), unref'd, and `armed` tells whether it will still fire.
import { Timer } from '../../timers.js';

export class LongTimer {
  private t: Timer | null = null;
  private fn: (() => void) | null = null;
  private on = false;

  /** (Re)arm: fn runs once, delayMs from now. */
  set(delayMs: number, fn: () => void): void {
    this.fn = fn;
    this.on = true;
    const ms = Math.max(0, delayMs);
    if (this.t) this.t.reset(ms);
    else this.t = new Timer(() => this.fire(), ms);
  }

  get armed(): boolean {
    return this.on;
  }

  clear(): void {
    this.t?.clear();
    this.on = false;
    this.fn = null;
  }

  private fire(): void {
    this.on = false;
    const fn = this.fn;
    this.fn = null;
    fn?.();
  }
}
