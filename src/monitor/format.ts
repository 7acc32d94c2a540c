import { formatGoDurationNs } from '../config/duration.js';
import { wallMs } from '../clock.js';
// Value formats of nats-server's monitoring JSON (Go's encoding/json and time package):
// RFC 3339 timestamps with nanoseconds, Duration.String() for rtt, the `1m2s` uptime form,
// HTML-safe JSON escaping, and indented or compact output.

/** Wall clock in milliseconds with a sub-millisecond fraction (for `now`, event timestamps). */
export function nowMs(): number {
  return wallMs();
}

function pad(n: number, w: number): string {
  let s = String(n);
  while (s.length < w) s = '0' + s;
  return s;
}

/**
 * Go's time.Time JSON form (RFC3339Nano in UTC): `2026-11-21T05:17:14.84246Z`, trailing zeros of
 * the fraction removed, no fraction at all on a whole second. `ms` may carry a fraction.
 */
export function goTime(ms: number | Date): string {
  const t = typeof ms === 'number' ? ms : ms.getTime();
  const whole = Math.floor(t / 1000) * 1000;
  const d = new Date(whole);
  let ns = Math.round((t - whole) * 1e6);
  if (ns >= 1e9) ns = 999_999_999;
  let s = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (ns > 0) s += '.' + pad(ns, 9).replace(/0+$/, '');
  return s + 'Z';
}

/** The zero time.Time as Go marshals it. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** Go's time.Duration.String() for an integer number of nanoseconds: `1.5s`, `332µs`, `2m0s`, `0s`. */
export function goDuration(ns: number): string {
  return formatGoDurationNs(BigInt(Math.trunc(ns)));
}

/** A round-trip time (ms, fractional) in nanoseconds as the reference keeps it (getRTT). */
export function rttNanos(ms: number): number {
  let ns = Math.round(ms * 1e6);
  // Between 1µs and 1ms the reference truncates to whole microseconds.
  if (ns > 1000 && ns < 1e6) ns = Math.floor(ns / 1000) * 1000;
  return ns;
}

/** /connz `rtt`: `332µs`, `1.818615ms`, `0s` when unknown. */
export function rttString(ms: number): string {
  return goDuration(rttNanos(ms));
}

/** /varz `uptime`, /connz `uptime` and `idle` (myUptime): `[Ny][Nd][Nh][Nm]Ns`, whole seconds. */
export function uptime(ms: number): string {
  const tsecs = Math.max(0, Math.floor(ms / 1000));
  const tmins = Math.floor(tsecs / 60);
  const thrs = Math.floor(tmins / 60);
  const tdays = Math.floor(thrs / 24);
  const tyrs = Math.floor(tdays / 365);
  if (tyrs > 0) return `${tyrs}y${tdays % 365}d${thrs % 24}h${tmins % 60}m${tsecs % 60}s`;
  if (tdays > 0) return `${tdays}d${thrs % 24}h${tmins % 60}m${tsecs % 60}s`;
  if (thrs > 0) return `${thrs}h${tmins % 60}m${tsecs % 60}s`;
  if (tmins > 0) return `${tmins}m${tsecs % 60}s`;
  return `${tsecs}s`;
}

/** Go's encoding/json escapes <, > and & (and U+2028/U+2029) inside strings. */
function htmlSafe(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * JSON as Go marshals it: keys in insertion order, `undefined` fields left out (our `omitempty`),
 * HTML-safe escaping. `indent` gives json.MarshalIndent's layout (the HTTP endpoints use 2 spaces).
 */
export function goJSON(v: unknown, indent = 0): string {
  const s = htmlSafe(JSON.stringify(v, null, indent || undefined));
  // A uint64 beyond 2^53 (JetStream's reserved -1 as uint64) travels as a placeholder string.
  return s.includes(U64_MAX_TOKEN_JSON) ? s.split(`"${U64_MAX_TOKEN_JSON}"`).join('18446744073709551615') : s;
}

/** The JSON text of the uint64-max placeholder (jetstream/json.ts U64_MAX_TOKEN). */
const U64_MAX_TOKEN_JSON = '\\u0000u64max\\u0000';
