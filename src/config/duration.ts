// Go's time.ParseDuration and Duration.String, which nats-server uses for every duration option
// ("30s", "1h30m", "1.5h", "500ms", "2us") and in its log lines (`Reloaded: ping_interval = 2m0s`).

const NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5
  'μs': 1_000n, // U+03BC
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const INT64_MAX = (1n << 63n) - 1n;

/** Go's strconv quoting, close enough for error messages. */
function quote(s: string): string {
  return JSON.stringify(s);
}

/** Parse a Go duration into nanoseconds. Throws an Error with Go's message (`time: invalid duration "x"`). */
export function parseGoDurationNs(orig: string): bigint {
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  const invalid = (): Error => new Error(`time: invalid duration ${quote(orig)}`);
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || (s[0]! >= '0' && s[0]! <= '9'))) throw invalid();
    // [0-9]*
    let i = 0;
    while (i < s.length && s[i]! >= '0' && s[i]! <= '9') i++;
    const intPart = s.slice(0, i);
    s = s.slice(i);
    const pre = intPart !== '';
    // (\.[0-9]*)?
    let frac = '';
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      while (j < s.length && s[j]! >= '0' && s[j]! <= '9') j++;
      frac = s.slice(0, j);
      s = s.slice(j);
      post = frac !== '';
    }
    if (!pre && !post) throw invalid();
    // unit
    let k = 0;
    while (k < s.length && s[k] !== '.' && !(s[k]! >= '0' && s[k]! <= '9')) k++;
    if (k === 0) throw new Error(`time: missing unit in duration ${quote(orig)}`);
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = NS[u];
    if (unit === undefined) throw new Error(`time: unknown unit ${quote(u)} in duration ${quote(orig)}`);
    let v = BigInt(intPart || '0') * unit;
    if (frac) {
      // Truncate like Go: the fraction contributes floor(frac * unit / 10^len).
      v += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    }
    total += v;
    if (total > INT64_MAX) throw invalid();
  }
  return neg ? -total : total;
}

/** Parse a Go duration into milliseconds (fractional below 1ms). */
export function parseGoDuration(s: string): number {
  return Number(parseGoDurationNs(s)) / 1e6;
}

function fmtFrac(v: bigint, prec: number): { text: string; rest: bigint } {
  // Print the fractional part of v/10^prec, dropping trailing zeros (and the dot if none remain).
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const d = v % 10n;
    print = print || d !== 0n;
    if (print) digits = d.toString() + digits;
    v /= 10n;
  }
  return { text: print ? '.' + digits : '', rest: v };
}

/** Go's Duration.String of a nanosecond count: 0s, 1.5µs, 500ms, 30s, 2m0s, 1h30m0s. */
export function formatGoDurationNs(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < 1_000_000_000n) {
    let prec: number;
    let unit: string;
    if (u < 1_000n) {
      prec = 0;
      unit = 'ns';
    } else if (u < 1_000_000n) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const f = fmtFrac(u, prec);
    out = f.rest.toString() + f.text + unit;
  } else {
    const f = fmtFrac(u, 9);
    u = f.rest;
    out = (u % 60n).toString() + f.text + 's';
    u /= 60n;
    if (u > 0n) {
      out = (u % 60n).toString() + 'm' + out;
      u /= 60n;
      if (u > 0n) out = u.toString() + 'h' + out;
    }
  }
  return neg ? '-' + out : out;
}

/** Go's Duration.String of a millisecond count. */
export function formatGoDuration(ms: number): string {
  return formatGoDurationNs(BigInt(Math.round(ms * 1e6)));
}
