// Lossless JSON for captures. nats-server writes uint64 values (reserved_memory = 2^64-1, durations in
// nanoseconds) that JSON.parse would round; integers outside the safe range are kept as their literal,
// as a BigLiteral, and printed back as written. Key order is kept (Go prints struct fields in order).

/** An integer literal that does not fit a double exactly, e.g. 18446744073709551615. */
export class BigLiteral {
  constructor(readonly literal: string) {}
  toJSON(): string {
    return `#int:${this.literal}`;
  }
}

export type Json = null | boolean | number | string | BigLiteral | Json[] | { [k: string]: Json };

/** Parses JSON; throws SyntaxError like JSON.parse. */
export function parseJson(text: string): Json {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i}`);
  };
  const value = (): Json => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const o: { [k: string]: Json } = {};
      ws();
      if (text[i] === '}') { i++; return o; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const k = str();
        ws();
        if (text[i] !== ':') fail('expected :');
        i++;
        o[k] = value();
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return o; }
        fail('expected , or }');
      }
    }
    if (c === '[') {
      i++;
      const a: Json[] = [];
      ws();
      if (text[i] === ']') { i++; return a; }
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return a; }
        fail('expected , or ]');
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail('unexpected token');
    i += m[0].length;
    const n = Number(m[0]);
    if (!m[2] && !m[3] && !Number.isSafeInteger(n)) return new BigLiteral(m[0]);
    return n;
  };
  const str = (): string => {
    const start = i;
    i++;
    let simple = true;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') { simple = false; i += 2; } else i++;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    const raw = text.slice(start, i);
    return simple ? raw.slice(1, -1) : (JSON.parse(raw) as string);
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing data');
  return v;
}

/** JSON text of a value with BigLiterals printed as their literal (for sending a request). */
export function toJsonText(v: unknown): string {
  const marks: string[] = [];
  // The replacer sees toJSON()'s result, so the original value is read from the holder.
  const s = JSON.stringify(v, function (this: Record<string, unknown>, k: string, x: unknown) {
    const orig = this[k];
    if (orig instanceof BigLiteral) { marks.push(orig.literal); return `\u0000big${marks.length - 1}\u0000`; }
    return x;
  });
  return s.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, n: string) => marks[Number(n)]!);
}

/** A deep copy with object keys sorted (order-independent comparison of key sets). */
export function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object' && !(v instanceof BigLiteral)) {
    const o: { [k: string]: Json } = {};
    for (const k of Object.keys(v).sort()) o[k] = sortKeys(v[k]!);
    return o;
  }
  return v;
}
