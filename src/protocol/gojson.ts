// JSON decoded with Go's encoding/json rules, for the JSON clients send (CONNECT, $SYS request
// bodies): keys match struct fields case-insensitively, the last one wins, unknown keys are
// ignored, `null` leaves the field alone, and a value of the wrong type is an error in Go's words
// ("json: cannot unmarshal string into Go struct field ClientOpts.echo of type bool").

/** Field types we decode. */
export type FieldType = 'bool' | 'int' | 'uint64' | 'string' | 'strings' | 'state' | 'sort';

/** The type name Go prints for each. */
const GO_TYPE: Record<FieldType, string> = {
  bool: 'bool', int: 'int', uint64: 'uint64', string: 'string', strings: '[]string', state: 'server.ConnState', sort: 'server.SortOpt',
};

/** The JSON type word Go uses in its messages. */
export function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'number': return 'number';
    case 'string': return 'string';
    default: return 'object';
  }
}

/** Go's message for a syntax error, for the common cases (a bad literal, a bad first character). */
export function goSyntaxError(text: string): string {
  const s = text.trim();
  if (s === '') return 'unexpected end of JSON input';
  const literals: Record<string, string> = { t: 'true', f: 'false', n: 'null' };
  const lit = literals[s[0]];
  if (lit) {
    for (let i = 1; i < lit.length; i++) {
      if (i >= s.length) return 'unexpected end of JSON input';
      if (s[i] !== lit[i]) return `invalid character '${s[i]}' in literal ${lit} (expecting '${lit[i]}')`;
    }
  }
  if (!/^[{["0-9-]/.test(s[0])) return `invalid character '${s[0]}' looking for beginning of value`;
  if (s[0] === '{') {
    // the commonest client mistake: an unquoted key
    const m = /^\{\s*([^"\s}])/.exec(s);
    if (m) return `invalid character '${m[1]}' looking for beginning of object key string`;
  }
  return 'unexpected end of JSON input';
}

export type Struct = Record<string, FieldType>;

/**
 * Decodes `text` into `out` as Go decodes into a struct named `structName`. Each key goes to the
 * first struct in `structs` that has the field (lookup is case-insensitive); `out[i]` receives the
 * fields of `structs[i]`. Returns null, or the first error in Go's words.
 */
export function decodeGoStructs(text: string, structName: string, structs: Struct[], out: Record<string, unknown>[]): string | null {
  // Go refuses nesting past 10,000 levels; refusing it before parsing also keeps a hostile CONNECT
  // (megabytes of '[' with a raised max_control_line) from holding the event loop for a second.
  if (text.length > MAX_NESTING_DEPTH) {
    const deep = depthError(text);
    if (deep !== null) return deep;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return goSyntaxError(text);
  }
  if (v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) return `json: cannot unmarshal ${jsonType(v)} into Go value of type server.${structName}`;
  const byLower = new Map<string, [string, FieldType, number]>();
  structs.forEach((st, i) => {
    for (const [k, t] of Object.entries(st)) if (!byLower.has(k.toLowerCase())) byLower.set(k.toLowerCase(), [k, t, i]);
  });
  let firstErr: string | null = null;
  // Members in text order with their literal text: Go decodes every occurrence of a repeated key
  // (the first error counts), and takes an int only from an integer literal ("1.0", "1e3" fail).
  for (const [key, raw] of objectMembers(text)) {
    const f = byLower.get(key.toLowerCase());
    if (!f) continue;
    const val: unknown = JSON.parse(raw);
    if (val === null) continue;
    const [name, type, idx] = f;
    const err = checkType(val, type, raw);
    if (err !== null) {
      // Go reports the earliest type error and keeps decoding the rest.
      firstErr ??= `json: cannot unmarshal ${err} into Go struct field ${structName}.${name} of type ${err.startsWith('element ') ? 'string' : GO_TYPE[type]}`.replace('element ', '');
      continue;
    }
    out[idx][name] = val;
  }
  return firstErr;
}

/**
 * null when `val` fits `type`, else what Go calls the value ("string", "number 1.5", …). Numbers are
 * judged on their literal `raw`, as strconv.ParseInt/ParseUint judge them: digits only, within range.
 */
function checkType(val: unknown, type: FieldType, raw: string): string | null {
  switch (type) {
    case 'bool':
      return typeof val === 'boolean' ? null : jsonType(val);
    case 'string':
    case 'sort':
      return typeof val === 'string' ? null : jsonType(val);
    case 'int':
    case 'state':
      if (typeof val !== 'number') return jsonType(val);
      return /^-?(0|[1-9][0-9]*)$/.test(raw) && BigInt(raw) >= INT64_MIN && BigInt(raw) <= INT64_MAX ? null : `number ${raw}`;
    case 'uint64':
      if (typeof val !== 'number') return jsonType(val);
      return /^(0|[1-9][0-9]*)$/.test(raw) && BigInt(raw) <= UINT64_MAX ? null : `number ${raw}`;
    case 'strings':
      if (!Array.isArray(val)) return jsonType(val);
      for (const x of val) if (typeof x !== 'string') return `element ${jsonType(x)}`;
      return null;
  }
}

/**
 * At the opening '"' of a JSON string: the index after its closing quote (the text's length when it
 * is unterminated). The closing quote is the first '"' after an even run of backslashes; found with
 * indexOf, which matters for strings of megabytes.
 */
export function stringEnd(text: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return text.length;
    let k = q - 1;
    while (k > i && text.charCodeAt(k) === 0x5c) k--;
    if (((q - 1 - k) & 1) === 0) return q + 1;
    from = q + 1;
  }
}

/** encoding/json's maxNestingDepth. */
const MAX_NESTING_DEPTH = 10_000;

/** Go's scanner error for nesting past MAX_NESTING_DEPTH, or null (strings skipped, no other checks). */
function depthError(text: string): string | null {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(text, i) - 1;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_NESTING_DEPTH) return `invalid character '${text[i]}' exceeded max depth`;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return null;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * The members of a JSON object, in order: [key, the value's literal text]. `text` must already have
 * parsed as an object (JSON.parse), so no error checks are needed; nesting is walked iteratively.
 */
export function objectMembers(text: string): [string, string][] {
  const out: [string, string][] = [];
  const n = text.length;
  const ws = (i: number) => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
    return i;
  };
  const str = (i: number) => stringEnd(text, i); // at '"': index after the closing quote
  const value = (i: number) => { // index after the value starting at i
    const c = text.charCodeAt(i);
    if (c === 0x22) return str(i);
    if (c === 0x7b || c === 0x5b) {
      let depth = 0;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x22) { i = str(i); continue; }
        if (d === 0x7b || d === 0x5b) depth++;
        else if (d === 0x7d || d === 0x5d) { depth--; if (depth === 0) return i + 1; }
        i++;
      }
      return n;
    }
    while (i < n) { // a literal: number, true, false, null
      const d = text.charCodeAt(i);
      if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x09 || d === 0x0a || d === 0x0d) break;
      i++;
    }
    return i;
  };
  let i = ws(0) + 1; // past '{'
  for (;;) {
    i = ws(i);
    if (i >= n || text.charCodeAt(i) === 0x7d) break;
    const ks = i;
    i = str(i);
    const raw = text.slice(ks + 1, i - 1);
    const key = raw.includes('\\') ? (JSON.parse(text.slice(ks, i)) as string) : raw; // most keys have no escapes
    i = ws(i) + 1; // past ':'
    i = ws(i);
    const vs = i;
    i = value(i);
    out.push([key, text.slice(vs, i)]);
    i = ws(i);
    if (text.charCodeAt(i) === 0x2c) i++;
  }
  return out;
}
