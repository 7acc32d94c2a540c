// Timers for delays of any length. Node runs a setTimeout whose delay exceeds 2^31−1 ms (~24.8 days)
// after 1 ms; delays from config and claims (a JWT expiring in 30 days, authorization.timeout in
// seconds, ping_interval, max_age) easily exceed it. Every timer whose delay is not a small constant
// goes through Timer: past the limit it chains timeouts of at most the limit until the deadline
// (measured on the monotonic clock). Timers are unref'd: they never keep the process alive.
import { monoMs } from './clock.js';

/** The longest delay Node's setTimeout honours (2^31−1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A one-shot timer for any delay (ms; Infinity or NaN = never fires). clear() is idempotent. */
export class Timer {
  private t: NodeJS.Timeout | null = null;
  private deadline = 0;
  private readonly tick = (): void => this.onTimeout();

  /**
   * `chunk`: the longest single native timeout (MAX_TIMER_MS; tests pass a small one to check the
   * chaining in milliseconds).
   */
  constructor(private readonly fn: () => void, private ms: number, private readonly chunk = MAX_TIMER_MS) {
    this.arm();
  }

  /** The delay this timer was armed with (ms). */
  get delay(): number {
    return this.ms;
  }

  /** Starts the same delay again from now (as Timeout#refresh, also after it fired). */
  refresh(): void {
    if (this.ms <= this.chunk && this.t !== null) {
      this.t.refresh();
      return;
    }
    this.arm();
  }

  /** Re-arms with a new delay from now. */
  reset(ms: number): void {
    this.ms = ms;
    this.arm();
  }

  clear(): void {
    if (this.t !== null) clearTimeout(this.t);
    this.t = null;
  }

  private arm(): void {
    this.clear();
    const ms = this.ms;
    if (!(ms < Infinity)) return; // Infinity, NaN: never
    const d = ms > 0 ? ms : 0;
    if (d > this.chunk) this.deadline = monoMs() + d;
    this.t = setTimeout(this.tick, d > this.chunk ? this.chunk : d);
    this.t.unref();
  }

  private onTimeout(): void {
    if (this.ms > this.chunk) {
      const left = this.deadline - monoMs();
      if (left > 0) {
        this.t = setTimeout(this.tick, left > this.chunk ? this.chunk : left);
        this.t.unref();
        return;
      }
    }
    // The native timeout is kept (not cleared): refresh() reactivates it without a new object.
    this.fn();
  }
}

/** A Timer for `ms` from now. */
export function after(ms: number, fn: () => void): Timer {
  return new Timer(fn, ms);
}

/** A repeating timer for any period: `fn` every `ms` (Infinity = never). */
export class Interval {
  private readonly timer: Timer;
  private stopped = false;

  constructor(fn: () => void, ms: number) {
    this.timer = new Timer(() => {
      if (this.stopped) return;
      this.timer.refresh();
      fn();
    }, ms);
  }

  clear(): void {
    this.stopped = true;
    this.timer.clear();
  }
}
