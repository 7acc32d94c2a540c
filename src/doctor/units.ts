// Values as monitoring sends them (Go durations such as `1.2ms`, RFC 3339 times) and as an
// operator types them (`5s`, `1MiB`), both ways.
import { parseGoDuration, parseGoDurationNs } from '../config/duration.js';

/** `rtt` of /connz (`332µs`, `1.818615ms`, `0s`) in milliseconds; 0 when absent or unparsable. */
export function rttMs(rtt: string | undefined): number {
  if (!rtt) return 0;
  try {
    return Number(parseGoDurationNs(rtt)) / 1e6;
  } catch {
    return 0;
  }
}

/** An RFC 3339 time in ms since the epoch, NaN when absent. */
export function timeMs(t: string | undefined): number {
  return t ? Date.parse(t) : NaN;
}

/** `5s`, `1m30s`, `250ms`, or a bare number of seconds, in ms. Throws on nonsense. */
export function parseDurationArg(s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  return parseGoDuration(s);
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1000, kb: 1000, kib: 1024,
  m: 1000 ** 2, mb: 1000 ** 2, mib: 1024 ** 2,
  g: 1000 ** 3, gb: 1000 ** 3, gib: 1024 ** 3,
};

/** `1MiB`, `512KB`, `1048576` in bytes. Throws on nonsense. */
export function parseSizeArg(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(s.trim());
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new Error(`invalid size ${JSON.stringify(s)} (e.g. 1MiB, 512KB, 1048576)`);
  return Math.round(Number(m[1]) * unit);
}

/** Bytes for people: `512 B`, `1.5 KiB`, `64.0 MiB`. */
export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** A duration in ms for people: `850ms`, `1.5s`, `4m12s`, `2h5m`, `3d4h`. */
export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

/** An RTT in ms for people: `0.3ms`, `120ms`, `1.2s`. */
export function fmtRtt(ms: number): string {
  if (ms === 0) return '-';
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(1)}s`;
}

/** A connection in one line: `cid 7 "orders" 10.0.0.5:5123 (account A, user bob)`. */
export function describeConn(c: { cid: number; name?: string; ip?: string; port?: number; account?: string; authorized_user?: string }): string {
  let s = `cid ${c.cid}`;
  if (c.name) s += ` ${JSON.stringify(c.name)}`;
  if (c.ip) s += ` ${c.ip}:${c.port ?? 0}`;
  const who = [c.account ? `account ${c.account}` : '', c.authorized_user ? `user ${c.authorized_user}` : ''].filter(Boolean);
  if (who.length) s += ` (${who.join(', ')})`;
  return s;
}
