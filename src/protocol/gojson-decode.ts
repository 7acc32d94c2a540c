// JSON decoded into Go types as Go's encoding/json (go1.19) decodes it, for claims we must read
// exactly as nats-server reads them (JWTs: github.com/nats-io/jwt/v2 unmarshals into typed structs).
//
// The rules that matter for security, each of which JSON.parse + a plain object gets wrong:
// - a value of the wrong type is an error (the JWT is refused), never silently ignored;
// - an object key matches a struct field case-insensitively, with Unicode simple folding ('ſ' is
//   's', 'K' (Kelvin) is 'k'); unknown keys are ignored;
// - a repeated key is decoded again *into* what the first one produced: structs and maps merge,
//   slices are overwritten element by element (and truncated);
// - `null` sets slices, maps and pointers to nil and leaves strings, numbers, bools and structs alone;
// - an integer field takes only an integer literal within range ("1.0", "1e3" fail);
// - a lone UTF-16 surrogate escape decodes to U+FFFD.
// The text is parsed once into a tree that keeps every member, in order, with number literals.

/** A parsed JSON value: members in order (duplicates kept), numbers as their literal text. */
export type JNode =
  | { t: 'obj'; m: [string, JNode][] }
  | { t: 'arr'; v: JNode[] }
  | { t: 'str'; v: string; esc?: boolean }
  | { t: 'num'; raw: string }
  | { t: 'bool'; v: boolean }
  | { t: 'null' };

/** A decode error, worded as encoding/json words it. */
export class GoJsonError extends Error {}

/** encoding/json's maxNestingDepth. */
const MAX_DEPTH = 10_000;

/** Parses `text` as Go's scanner does (RFC 8259, nesting up to 10,000 levels); throws GoJsonError. */
export function parseGoJson(text: string): JNode {
  let i = 0;
  const n = text.length;
  let depth = 0;
  const fail = (msg: string): never => {
    throw new GoJsonError(msg);
  };
  const ch = (k: number) => (k < n ? quoteChar(text.codePointAt(k)!) : "''");
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
  };
  let escaped = false;
  const str = (): string => {
    // at '"'
    escaped = false;
    let out = '';
    let from = ++i;
    for (;;) {
      if (i >= n) fail('unexpected end of JSON input');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(from, i);
        i++;
        return out;
      }
      if (c < 0x20) fail(`invalid character ${ch(i)} in string literal`);
      if (c === 0x5c) {
        escaped = true;
        out += text.slice(from, i);
        const e = text[i + 1];
        if (e === undefined) fail('unexpected end of JSON input');
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail(`invalid character ${ch(i + 2 + (hex.match(/^[0-9a-fA-F]*/)![0].length))} in \\u hexadecimal character escape`);
          const u = parseInt(hex, 16);
          i += 6;
          if (u >= 0xd800 && u < 0xdc00) {
            // A high surrogate is kept only with a low surrogate escape right after it.
            const m = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(text.slice(i, i + 6));
            if (m) {
              out += String.fromCharCode(u, parseInt(m[1]!, 16));
              i += 6;
            } else out += '\ufffd';
          } else if (u >= 0xdc00 && u < 0xe000) out += '\ufffd';
          else out += String.fromCharCode(u);
        } else fail(`invalid character ${ch(i + 1)} in string escape code`);
        from = i;
        continue;
      }
      // Lone surrogates in the text itself (invalid UTF-8 in Go's eyes) become U+FFFD.
      if (c >= 0xd800 && c < 0xe000) {
        const d = text.charCodeAt(i + 1);
        if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
          i += 2;
          continue;
        }
        out += text.slice(from, i) + '\ufffd';
        escaped = true;
        from = ++i;
        continue;
      }
      i++;
    }
  };
  const NUM = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  /** A scalar at i (string, literal, number). */
  const scalar = (): JNode => {
    const c = text[i]!;
    if (c === '"') {
      const v = str();
      return escaped ? { t: 'str', v, esc: true } : { t: 'str', v };
    }
    for (const [lit, node] of [['true', { t: 'bool', v: true }], ['false', { t: 'bool', v: false }], ['null', { t: 'null' }]] as const) {
      if (c === lit[0]) {
        for (let k = 1; k < lit.length; k++) {
          if (i + k >= n) fail('unexpected end of JSON input');
          if (text[i + k] !== lit[k]) fail(`invalid character ${ch(i + k)} in literal ${lit} (expecting '${lit[k]}')`);
        }
        i += lit.length;
        return node;
      }
    }
    NUM.lastIndex = i;
    const m = NUM.exec(text);
    if (m === null) {
      if (c !== '-') fail(`invalid character ${ch(i)} looking for beginning of value`);
      fail(i + 1 >= n ? 'unexpected end of JSON input' : `invalid character ${ch(i + 1)} in numeric literal`);
    }
    const raw = m![0];
    i += raw.length;
    // "1." or "1e" end in the middle of a number for Go's scanner.
    if (i < n && /[.eE]/.test(text[i]!)) {
      fail(i + 1 >= n ? 'unexpected end of JSON input' : `invalid character ${ch(i + 1)} ${text[i] === '.' ? 'after decimal point' : 'in exponent of'} numeric literal`);
    }
    return { t: 'num', raw };
  };
  // Containers on an explicit stack: nesting 10,000 deep must not exhaust the JS call stack.
  type Frame = { node: JNode & ({ t: 'obj' } | { t: 'arr' }); key: string | null };
  const stack: Frame[] = [];
  let result: JNode | undefined;
  /** Reads a value's start: a scalar (returned), or opens a container (pushed; undefined returned). */
  const begin = (): JNode | undefined => {
    ws();
    if (i >= n) fail('unexpected end of JSON input');
    const c = text[i];
    if (c !== '{' && c !== '[') return scalar();
    if (++depth > MAX_DEPTH) fail(`invalid character '${c}' exceeded max depth`);
    i++;
    stack.push({ node: c === '{' ? { t: 'obj', m: [] } : { t: 'arr', v: [] }, key: null });
    return undefined;
  };
  /** In an object at a member's start: reads `"key":`, or the closing brace (false). */
  const memberKey = (f: Frame, first: boolean): boolean => {
    ws();
    if (i >= n) fail('unexpected end of JSON input');
    if (first && text[i] === '}') return false;
    if (text[i] !== '"') fail(`invalid character ${ch(i)} looking for beginning of object key string`);
    f.key = str();
    ws();
    if (i >= n) fail('unexpected end of JSON input');
    if (text[i] !== ':') fail(`invalid character ${ch(i)} after object key`);
    i++;
    return true;
  };
  let v: JNode | undefined = begin();
  for (;;) {
    if (v === undefined) {
      // A container was just opened: its first member, or its end.
      const f = stack[stack.length - 1]!;
      if (f.node.t === 'obj') {
        if (!memberKey(f, true)) {
          i++;
          v = close();
          continue;
        }
        v = begin();
        continue;
      }
      ws();
      if (text[i] === ']') {
        i++;
        v = close();
        continue;
      }
      v = begin();
      continue;
    }
    // A complete value: into its parent, then the parent's next member or end.
    const f = stack[stack.length - 1];
    if (f === undefined) {
      result = v;
      break;
    }
    if (f.node.t === 'obj') f.node.m.push([f.key!, v]);
    else f.node.v.push(v);
    ws();
    if (i >= n) fail('unexpected end of JSON input');
    if (text[i] === ',') {
      i++;
      if (f.node.t === 'obj') memberKey(f, false);
      v = begin();
      continue;
    }
    if (text[i] === (f.node.t === 'obj' ? '}' : ']')) {
      i++;
      v = close();
      continue;
    }
    fail(`invalid character ${ch(i)} after ${f.node.t === 'obj' ? 'object key:value pair' : 'array element'}`);
  }
  function close(): JNode {
    depth--;
    return stack.pop()!.node;
  }
  ws();
  if (i < n) fail(`invalid character ${ch(i)} after top-level value`);
  return result!;
}

/** Go's quoteChar: the character in single quotes, control characters escaped as strconv.Quote does. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };
  if (named[c] !== undefined) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCodePoint(c)}'`;
}

// ---------------------------------------------------------------- key folding

const LONG_S = 0x17f; // ſ folds to s
const KELVIN = 0x212a; // K folds to k

/**
 * Does JSON key `key` name the struct field `name` (ASCII)? encoding/json's foldFunc: ASCII letters
 * case-insensitively, and the two non-ASCII runes that simple-fold to ASCII letters (U+017F to 's',
 * U+212A to 'k'); every other character must be equal.
 */
export function goFoldEqual(name: string, key: string): boolean {
  if (name === key) return true;
  let j = 0;
  for (let i = 0; i < name.length; i++) {
    if (j >= key.length) return false;
    const a = name.charCodeAt(i);
    const b = key.charCodeAt(j++);
    if (a === b) continue;
    const la = a | 0x20;
    const isLetter = la >= 0x61 && la <= 0x7a;
    if (isLetter && b < 0x80 && (b | 0x20) === la) continue;
    if (la === 0x73 && b === LONG_S) continue;
    if (la === 0x6b && b === KELVIN) continue;
    return false;
  }
  return j === key.length;
}

// ---------------------------------------------------------------- Go types

/** A Go type as encoding/json sees it. Values: string, boolean, bigint, arrays/Maps/objects, null for nil. */
export type GoType =
  | { kind: 'string'; name?: string }
  | { kind: 'bool' }
  | { kind: 'int'; bits: 8 | 16 | 32 | 64; unsigned?: boolean; name?: string }
  | { kind: 'slice'; elem: GoType; name?: string }
  | { kind: 'map'; elem: GoType; name?: string }
  | { kind: 'struct'; name: string; fields: [string, GoType][] }
  | { kind: 'ptr'; elem: GoType }
  | { kind: 'custom'; name: string; zero: () => unknown; decode: (n: JNode, cur: unknown, cx: DecodeContext) => unknown };

/** Where a decode is, for error messages (Go's "Go struct field X.a.b"). */
export interface DecodeContext {
  struct: string;
  path: string[];
}

export const T = {
  string: { kind: 'string' } as GoType,
  bool: { kind: 'bool' } as GoType,
  int64: { kind: 'int', bits: 64 } as GoType,
  int: { kind: 'int', bits: 64, name: 'int' } as GoType,
  uint: { kind: 'int', bits: 64, unsigned: true, name: 'uint' } as GoType,
  uint8: { kind: 'int', bits: 8, unsigned: true } as GoType,
  strings: { kind: 'slice', elem: { kind: 'string' } } as GoType,
  named(name: string, t: GoType): GoType {
    return { ...t, name } as GoType;
  },
};

export function goTypeName(t: GoType): string {
  switch (t.kind) {
    case 'string': return t.name ?? 'string';
    case 'bool': return 'bool';
    case 'int': return t.name ?? `${t.unsigned ? 'uint' : 'int'}${t.bits}`;
    case 'slice': return t.name ?? `[]${goTypeName(t.elem)}`;
    case 'map': return t.name ?? `map[string]${goTypeName(t.elem)}`;
    case 'struct': return t.name;
    case 'ptr': return `*${goTypeName(t.elem)}`;
    case 'custom': return t.name;
  }
}

/** Go's zero value of `t`. */
export function zeroOf(t: GoType): unknown {
  switch (t.kind) {
    case 'string': return '';
    case 'bool': return false;
    case 'int': return 0n;
    case 'slice':
    case 'map':
    case 'ptr': return null;
    case 'struct': {
      const o: Record<string, unknown> = {};
      for (const [k, ft] of t.fields) o[k] = zeroOf(ft);
      return o;
    }
    case 'custom': return t.zero();
  }
}

/** The JSON kind Go names in "cannot unmarshal X into …". */
export function jnodeKind(n: JNode): string {
  switch (n.t) {
    case 'obj': return 'object';
    case 'arr': return 'array';
    case 'str': return 'string';
    case 'num': return 'number';
    case 'bool': return 'bool';
    case 'null': return 'null';
  }
}

export function typeError(what: string, t: GoType, cx: DecodeContext): GoJsonError {
  // Go names the struct without its package ("Info.port"), the value's type with it ("server.Info").
  const where = cx.path.length > 0 ? `Go struct field ${cx.struct.replace(/^.*\./, '')}.${cx.path.join('.')}` : 'Go value';
  return new GoJsonError(`json: cannot unmarshal ${what} into ${where} of type ${goTypeName(t)}`);
}

/** strconv.ParseInt/ParseUint of a JSON number literal into `bits`, or null when it does not fit. */
export function parseGoInt(raw: string, bits: number, unsigned: boolean): bigint | null {
  if (!/^-?(0|[1-9][0-9]*)$/.test(raw)) return null;
  if (unsigned && raw.startsWith('-')) return null;
  const v = BigInt(raw);
  const lo = unsigned ? 0n : -(1n << BigInt(bits - 1));
  const hi = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
  return v < lo || v > hi ? null : v;
}

/**
 * Decodes `n` into a value of type `t` whose current value is `cur` (what an earlier duplicate key
 * left there), as encoding/json does. Throws GoJsonError.
 */
export function decodeNode(n: JNode, t: GoType, cur: unknown, cx: DecodeContext): unknown {
  if (t.kind === 'custom') return t.decode(n, cur, cx);
  if (n.t === 'null') {
    if (t.kind === 'slice' || t.kind === 'map' || t.kind === 'ptr') return null;
    return cur;
  }
  switch (t.kind) {
    case 'string':
      if (n.t !== 'str') throw typeError(jnodeKind(n), t, cx);
      return n.v;
    case 'bool':
      if (n.t !== 'bool') throw typeError(jnodeKind(n), t, cx);
      return n.v;
    case 'int': {
      if (n.t !== 'num') throw typeError(jnodeKind(n), t, cx);
      const v = parseGoInt(n.raw, t.bits, t.unsigned === true);
      if (v === null) throw typeError(`number ${n.raw}`, t, cx);
      return v;
    }
    case 'slice': {
      if (n.t !== 'arr') throw typeError(jnodeKind(n), t, cx);
      const old = (cur as unknown[] | null) ?? [];
      return n.v.map((e, i) => decodeNode(e, t.elem, i < old.length ? old[i] : zeroOf(t.elem), cx));
    }
    case 'map': {
      if (n.t !== 'obj') throw typeError(jnodeKind(n), t, cx);
      const m = (cur as Map<string, unknown> | null) ?? new Map<string, unknown>();
      for (const [k, v] of n.m) m.set(k, decodeNode(v, t.elem, zeroOf(t.elem), cx));
      return m;
    }
    case 'ptr':
      return decodeNode(n, t.elem, cur ?? zeroOf(t.elem), cx);
    case 'struct': {
      if (n.t !== 'obj') throw typeError(jnodeKind(n), t, cx);
      const o = { ...(cur as Record<string, unknown>) };
      // Go's errors name the innermost struct and the whole field path ("SubjectPermission.import.allow").
      const outer = cx.struct;
      for (const [k, v] of n.m) {
        const f = t.fields.find(([name]) => name === k) ?? t.fields.find(([name]) => goFoldEqual(name, k));
        if (f === undefined) continue;
        cx.path.push(f[0]);
        cx.struct = t.name;
        try {
          o[f[0]] = decodeNode(v, f[1], o[f[0]], cx);
        } finally {
          cx.struct = outer;
          cx.path.pop();
        }
      }
      return o;
    }
  }
}

/** Decodes `text` into a new value of struct type `t` (json.Unmarshal(data, &v)); throws GoJsonError. */
export function goUnmarshal<V>(text: string, t: GoType, init?: unknown): V {
  const n = parseGoJson(text);
  const name = t.kind === 'struct' ? t.name : goTypeName(t);
  return decodeNode(n, t, init ?? zeroOf(t), { struct: name, path: [] }) as V;
}

/** The value of a JSON node as Go decodes it into interface{}: maps keep the last duplicate, numbers are float64. */
export function toInterface(n: JNode): unknown {
  switch (n.t) {
    case 'obj': {
      const o = new Map<string, unknown>();
      for (const [k, v] of n.m) o.set(k, toInterface(v));
      return o;
    }
    case 'arr': return n.v.map(toInterface);
    case 'str': return n.v;
    case 'num': return Number(n.raw);
    case 'bool': return n.v;
    case 'null': return null;
  }
}

/**
 * json.Marshal of an interface{} value made by toInterface, re-parsed: map keys sorted (byte order),
 * float64 numbers printed as Go prints them (integers under 1e21 without exponent). Used where the
 * reference decodes into a map and marshals again (jwt SigningKeys.UnmarshalJSON).
 */
export function remarshal(v: unknown): JNode {
  if (v instanceof Map) {
    const keys = [...v.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return { t: 'obj', m: keys.map((k) => [k, remarshal(v.get(k))]) };
  }
  if (Array.isArray(v)) return { t: 'arr', v: v.map(remarshal) };
  if (typeof v === 'string') return { t: 'str', v };
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (typeof v === 'number') return { t: 'num', raw: goFloatString(v) };
  return { t: 'null' };
}

/** strconv.FormatFloat(f, 'f' or 'e', -1, 64) as encoding/json chooses (floatEncoder). */
function goFloatString(f: number): string {
  const abs = Math.abs(f);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) return f.toExponential(); // "1e+21", "1e-7", as Go cleans them
  if (Number.isInteger(f)) return BigInt(f).toString();
  return String(f);
}
