// Query parameter decoding with the reference's error texts (monitor.go decodeBool, decodeInt,
// decodeUint64, decodeState, decodeSubs), which wrap Go's strconv errors: a bad value answers
// 400 with e.g. `Error decoding int for 'limit': strconv.Atoi: parsing "x": invalid syntax`.
import { goQuote, goQuoteBytes } from '../errors.js';

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
function atoi(s: string, quote: (s: string) => string = goQuote): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${quote(s)}: invalid syntax`;
  const v = BigInt(s);
  if (v > INT64_MAX || v < -INT64_MAX - 1n) return `strconv.Atoi: parsing ${quote(s)}: value out of range`;
  return Number(v);
}

/** strconv.ParseUint(s, 10, 64). */
function parseUint(s: string, quote: (s: string) => string = goQuote): number | string {
  if (!/^[0-9]+$/.test(s)) return `strconv.ParseUint: parsing ${quote(s)}: invalid syntax`;
  const v = BigInt(s);
  if (v > UINT64_MAX) return `strconv.ParseUint: parsing ${quote(s)}: value out of range`;
  return Number(v);
}

/** Query values as Go holds them; `bytes`: the values that are not UTF-8 (kept one char per byte). */
export class GoQuery extends URLSearchParams {
  readonly bytes = new Set<string>();
}

/**
 * url.ParseQuery as r.URL.Query() uses it (its error ignored): pairs split on '&'; a pair with a
 * ';', or whose key or value is not valid %-escaping, is dropped; '+' is a space. (WHATWG's
 * URLSearchParams keeps the malformed pairs, so "?subs=%zz" would be a 400 instead of no filter.)
 */
export function goParseQuery(raw: string): GoQuery {
  const out = new GoQuery();
  const unescape = (s: string): string | null => {
    if (/%(?![0-9a-fA-F]{2})/.test(s)) return null;
    const bytes: number[] = [];
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!;
      if (c === '%') {
        bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
        i += 2;
      } else if (c === '+') bytes.push(0x20);
      else for (const b of Buffer.from(c)) bytes.push(b);
    }
    const b = Buffer.from(bytes);
    const u = b.toString('utf8');
    if (Buffer.byteLength(u) === b.length && Buffer.from(u).equals(b)) return u;
    // Not UTF-8: kept as a byte string (one char per byte), quoted as Go quotes bytes ("\xff").
    const latin1 = b.toString('latin1');
    out.bytes.add(latin1);
    return latin1;
  };
  for (const pair of raw.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const k = unescape(eq < 0 ? pair : pair.slice(0, eq));
    const v = unescape(eq < 0 ? '' : pair.slice(eq + 1));
    if (k === null || v === null) continue;
    out.append(k, v);
  }
  return out;
}

/** Typed access to a request's query string, throwing the reference's 400 errors. */
export class Query {
  constructor(private readonly q: URLSearchParams) {}

  /** Go's %q of a value: a byte string's invalid bytes as \xNN. */
  private quote(s: string): string {
    return this.q instanceof GoQuery && this.q.bytes.has(s) ? goQuoteBytes(s) : goQuote(s);
  }

  /** The first value, '' when absent (Go's url.Values.Get). */
  str(name: string): string {
    return this.q.get(name) ?? '';
  }

  bool(name: string): boolean {
    const s = this.str(name);
    if (s === '') return false;
    const v = parseGoBool(s);
    if (v === null) throw new MonitorError(`Error decoding boolean for '${name}': strconv.ParseBool: parsing ${this.quote(s)}: invalid syntax`);
    return v;
  }

  int(name: string): number {
    const s = this.str(name);
    if (s === '') return 0;
    const v = atoi(s, (x) => this.quote(x));
    if (typeof v === 'string') throw new MonitorError(`Error decoding int for '${name}': ${v}`);
    return v;
  }

  uint64(name: string): number {
    const s = this.str(name);
    if (s === '') return 0;
    const v = parseUint(s, (x) => this.quote(x));
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
