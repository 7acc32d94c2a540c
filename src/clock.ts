// Clocks without `performance`: the global loads node:perf_hooks on first use (~1.4 ms in a fresh
// process), which the first server start and the first connection would pay.

/** Monotonic milliseconds (arbitrary origin), sub-millisecond precision. */
export function monoMs(): number {
  const t = process.hrtime();
  return t[0] * 1e3 + t[1] / 1e6;
}

const wallOrigin = Date.now() - monoMs();

/** Wall-clock milliseconds since the epoch with sub-millisecond precision (steady between calls). */
export function wallMs(): number {
  return wallOrigin + monoMs();
}
