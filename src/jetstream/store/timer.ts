// A one-shot timer for any delay: Node fires setTimeout at once for delays over 2^31-1 ms
// (max_age can be years), so longer delays are chained. Unref'd: a store never keeps the process
// alive; clear() leaves nothing running.

const MAX_DELAY = 2 ** 31 - 1;

export class LongTimer {
  private handle: NodeJS.Timeout | null = null;
  private due = 0;
  private fn: (() => void) | null = null;

  /** (Re)arm: fn runs once, delayMs from now (clamped to >= 0). */
  set(delayMs: number, fn: () => void): void {
    this.clear();
    this.fn = fn;
    this.due = Date.now() + Math.max(0, delayMs);
    this.arm(Math.max(0, delayMs));
  }

  get armed(): boolean {
    return this.handle !== null;
  }

  clear(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = null;
    this.fn = null;
  }

  private arm(delay: number): void {
    this.handle = setTimeout(() => this.fire(), Math.min(delay, MAX_DELAY));
    this.handle.unref();
  }

  private fire(): void {
    this.handle = null;
    const left = this.due - Date.now();
    if (left >= 1) {
      this.arm(left); // a chained leg of a long delay (or a timer that fired early)
      return;
    }
    const fn = this.fn;
    this.fn = null;
    fn?.();
  }
}
