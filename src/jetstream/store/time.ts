// Timestamps in nanoseconds since the epoch (numbers), and Go's time.Time JSON form for them.
import { wallMs } from '../../clock.js';

/** Now, in nanoseconds since the epoch (sub-millisecond from the monotonic clock). */
export function nowNs(): number {
  return Math.round(wallMs() * 1e6);
}

const TWO53 = 2 ** 53;
const ZEROS8 = '00000000';

/**
 * A timestamp (ns, an integer-valued double) as the decimal digits of its exact value: what an ack
 * reply carries for every delivered message. String() of a 19-digit double runs V8's shortest
 * round-trip search (~150 ns); this is integer arithmetic below 2^53 (the digits differ from
 * String()'s only past the 17th, where String() pads with zeros; both parse back to the same number).
 */
export function nsString(ts: number): string {
  if (!nsSplit(ts)) return String(ts);
  const l = String(NS_PARTS[1]);
  return String(NS_PARTS[0]) + ZEROS8.slice(l.length) + l;
}

/** Where nsSplit leaves its parts: [high, low]. */
export const NS_PARTS = new Float64Array(2);

/**
 * nsString's arithmetic: a timestamp ≥ 2^53 as high·10^8 + low, both exact integers below 2^53
 * (its digits are high's, then low's padded to 8), left in NS_PARTS; false for any other value
 * (nsString gives String() for those).
 */
export function nsSplit(ts: number): boolean {
  if (!(ts >= TWO53 && ts < 2 ** 63) || ts !== Math.floor(ts)) return false;
  let scale = 2;
  while (ts / scale >= TWO53) scale *= 2;
  const q = ts / scale; // exact: ts is a multiple of its ulp, a power of two ≤ scale
  const a = Math.floor(q / 1e8);
  let low = (q - a * 1e8) * scale;
  let high = a * scale;
  const c = Math.floor(low / 1e8);
  low -= c * 1e8;
  high += c;
  NS_PARTS[0] = high;
  NS_PARTS[1] = low;
  return true;
}

function pad(n: number, w: number): string {
  let s = String(n);
  while (s.length < w) s = '0' + s;
  return s;
}

/** The zero time.Time as Go marshals it. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * Go's RFC3339Nano form of a UnixNano timestamp in UTC ("2023-01-02T03:04:05.123456789Z", trailing
 * zeros of the fraction dropped); 0 is the zero time.Time.
 */
/** The last second formatted by goTimeNs (readers go in time order: most calls hit it). */
let lastSec = NaN;
let lastPrefix = '';

export function goTimeNs(ts: number): string {
  if (ts === 0) return ZERO_TIME;
  const sec = Math.floor(ts / 1e9);
  // sec * 1e9 is exact for today's values (31 + 21 bits), so the fraction is exact too.
  let ns = ts - sec * 1e9;
  if (ns < 0) ns = 0;
  if (ns > 999_999_999) ns = 999_999_999;
  if (sec !== lastSec) {
    const d = new Date(sec * 1000);
    lastPrefix = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
    lastSec = sec;
  }
  if (ns === 0) return lastPrefix + 'Z';
  // Go's RFC 3339 nano: the fraction without its trailing zeros.
  let f = Math.round(ns);
  if (f === 0) return lastPrefix + 'Z';
  let w = 9;
  while (f % 10 === 0) {
    f /= 10;
    w--;
  }
  const fs = String(f);
  return lastPrefix + '.' + ZEROS8.slice(0, w - fs.length) + fs + 'Z';
}
