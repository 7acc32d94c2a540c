// Query parameter decoding with the reference's error texts (monitor.go decodeBool, decodeInt,
// decodeUint64, decodeState, decodeSubs), which wrap Go's strconv errors: a bad value answers
// 400 with e.g. `Error decoding int for 'limit': strconv.Atoi: parsing "x": invalid syntax`.
import { goQuote } from '../errors.js';

/** A request the monitor refuses: HTTP 400 with this text (text/plain). */
export class MonitorError extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
    this.name = 'MonitorError';
  }
}

/** Connection states of /connz (ConnState): the numeric values are those of $SYS request bodies. */
export const ConnState = { Open: 0, Closed: 1, All: 2 } as const;
export type ConnStateValue = (typeof ConnState)[keyof typeof ConnState];

const INT64_MAX = 9223372036854775807n;
const UINT64_MAX = 18446744073709551615n;

/** strconv.ParseBool. */
export function parseGoBool(s: string): boolean | null {
  switch (s) {
    case '1': case 't': case 'T': case 'TRUE': case 'true': case 'True':
      return true;
    case '0': case 'f': case 'F': case 'FALSE': case 'false': case 'False':
      return false;
  }
  return null;
}

/** strconv.Atoi: optional sign, decimal digits, int64 range. Returns the value or an error text. */
function atoi(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`;
  const v = BigInt(s);
  if (v > INT64_MAX || v < -INT64_MAX - 1n) return `strconv.Atoi: parsing ${goQuote(s)}: value out of range`;
  return Number(v);
}

/** strconv.ParseUint(s, 10, 64). */
function parseUint(s: string): number | string {
  if (!/^[0-9]+$/.test(s)) return `strconv.ParseUint: parsing ${goQuote(s)}: invalid syntax`;
  const v = BigInt(s);
  if (v > UINT64_MAX) return `strconv.ParseUint: parsing ${goQuote(s)}: value out of range`;
  return Number(v);
}

/** Typed access to a request's query string, throwing the reference's 400 errors. */
export class Query {
  constructor(private readonly q: URLSearchParams) {}

  /** The first value, '' when absent (Go's url.Values.Get). */
  str(name: string): string {
    return this.q.get(name) ?? '';
  }

  bool(name: string): boolean {
    const s = this.str(name);
    if (s === '') return false;
    const v = parseGoBool(s);
    if (v === null) throw new MonitorError(`Error decoding boolean for '${name}': strconv.ParseBool: parsing ${goQuote(s)}: invalid syntax`);
    return v;
  }

  int(name: string): number {
    const s = this.str(name);
    if (s === '') return 0;
    const v = atoi(s);
    if (typeof v === 'string') throw new MonitorError(`Error decoding int for '${name}': ${v}`);
    return v;
  }

  uint64(name: string): number {
    const s = this.str(name);
    if (s === '') return 0;
    const v = parseUint(s);
    if (typeof v === 'string') throw new MonitorError(`Error decoding uint64 for '${name}': ${v}`);
    return v;
  }

  /** `state=open|closed|all|any` (case-insensitive). */
  state(): ConnStateValue {
    const s = this.str('state');
    if (s === '') return ConnState.Open;
    switch (s.toLowerCase()) {
      case 'open': return ConnState.Open;
      case 'closed': return ConnState.Closed;
      case 'any': case 'all': return ConnState.All;
    }
    throw new MonitorError(`Error decoding state for ${s}`);
  }

  /** `subs=detail` or a boolean: [subs, detail]. */
  subs(): [boolean, boolean] {
    if (this.str('subs').toLowerCase() === 'detail') return [false, true];
    return [this.bool('subs'), false];
  }
}
