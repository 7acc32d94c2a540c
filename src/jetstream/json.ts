// JetStream API request bodies decoded as Go's encoding/json decodes them into nats-server's structs
// (jetstream_api.go, stream.go, consumer.go): keys match fields case-insensitively (the last one
// wins), unknown keys are ignored, `null` leaves a value field alone and sets a pointer/slice to nil,
// a value of the wrong type is an error in Go's words, integers come only from integer literals
// within their type's range, enums (retention, discard, storage, policies) are case-sensitive
// strings whose UnmarshalJSON refuses anything else, including null.
//
// Numbers are read from their literal text: int64 values beyond 2^53 become the nearest double
// (durations of years are exact; docs/compatibility.md). The syntax is checked first by JSON.parse;
// the walk below then only descends into the fields the schema knows (unknown values are skipped by
// scanning), so its depth is bounded by the schema, never by the input.

export type Spec =
  | { k: 'string' }
  | { k: 'bool' }
  | { k: 'int'; go: 'int' | 'int64' | 'int32' | 'time.Duration' }
  | { k: 'uint'; go: 'uint64' | 'uint' }
  | { k: 'time' }
  | { k: 'enum'; values: readonly string[] }
  | { k: 'struct'; name: string; fields: Record<string, Spec> }
  | { k: 'array'; of: Spec; go: string }
  | { k: 'ptr'; to: Spec }
  | { k: 'map'; go: string }
  | { k: 'any' };

export const S = {
  string: { k: 'string' } as Spec,
  bool: { k: 'bool' } as Spec,
  int: { k: 'int', go: 'int' } as Spec,
  int64: { k: 'int', go: 'int64' } as Spec,
  int32: { k: 'int', go: 'int32' } as Spec,
  duration: { k: 'int', go: 'time.Duration' } as Spec,
  uint64: { k: 'uint', go: 'uint64' } as Spec,
  time: { k: 'time' } as Spec,
  strings: { k: 'array', of: { k: 'string' }, go: '[]string' } as Spec,
  enum: (...values: string[]): Spec => ({ k: 'enum', values }),
  struct: (name: string, fields: Record<string, Spec>): Spec => ({ k: 'struct', name, fields }),
  ptr: (to: Spec): Spec => ({ k: 'ptr', to }),
  array: (of: Spec, go: string): Spec => ({ k: 'array', of, go }),
  any: { k: 'any' } as Spec,
};

const INT_RANGE: Record<string, [bigint, bigint]> = {
  int: [-(2n ** 63n), 2n ** 63n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  'time.Duration': [-(2n ** 63n), 2n ** 63n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
};
const UINT64_MAX = 2n ** 64n - 1n;

/** A decoded time.Time: its text as given (RFC 3339) and nanoseconds since the epoch. */
export interface GoTime {
  text: string;
  ns: number;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

/** JSON's own type words, as Go's UnmarshalTypeError prints them. */
function jsonKind(c: number): string {
  if (c === 0x22) return 'string';
  if (c === 0x7b) return 'object';
  if (c === 0x5b) return 'array';
  if (c === 0x74 || c === 0x66) return 'bool';
  return 'number';
}

class DecodeError extends Error {}

class Walker {
  i = 0;
  constructor(readonly t: string) {}

  ws(): void {
    const t = this.t;
    let i = this.i;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
    this.i = i;
  }

  peek(): number {
    this.ws();
    return this.t.charCodeAt(this.i);
  }

  /** At '"': the string's value; advances past it. */
  str(): string {
    const t = this.t;
    const s = this.i;
    let j = s + 1;
    let esc = false;
    for (;;) {
      const q = t.indexOf('"', j);
      if (q < 0) throw new DecodeError('unexpected end of JSON input');
      let k = q - 1;
      while (k > s && t.charCodeAt(k) === 0x5c) k--;
      if (((q - 1 - k) & 1) === 0) {
        this.i = q + 1;
        const raw = t.slice(s + 1, q);
        if (!esc && raw.indexOf('\\') < 0) return raw;
        return JSON.parse(t.slice(s, q + 1)) as string;
      }
      esc = true;
      j = q + 1;
    }
  }

  /** A literal (number, true, false, null): its text; advances past it. */
  literal(): string {
    const t = this.t;
    const s = this.i;
    let i = s;
    while (i < t.length) {
      const d = t.charCodeAt(i);
      if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x09 || d === 0x0a || d === 0x0d) break;
      i++;
    }
    this.i = i;
    return t.slice(s, i);
  }

  /** Skips any value. */
  skip(): void {
    const c = this.peek();
    if (c === 0x22) return void this.str();
    if (c !== 0x7b && c !== 0x5b) return void this.literal();
    const t = this.t;
    let depth = 0;
    let i = this.i;
    while (i < t.length) {
      const d = t.charCodeAt(i);
      if (d === 0x22) {
        this.i = i;
        this.str();
        i = this.i;
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) {
          this.i = i + 1;
          return;
        }
      }
      i++;
    }
    this.i = i;
  }

  expect(c: number): void {
    if (this.peek() !== c) throw new DecodeError('invalid JSON');
    this.i++;
  }
}

interface Ctx {
  /** The innermost struct type name and the field path from the top (Go's errorContext). */
  struct: string;
  path: string[];
}

function typeError(ctx: Ctx, what: string, goType: string): never {
  if (ctx.path.length === 0) throw new DecodeError(`json: cannot unmarshal ${what} into Go value of type ${goType}`);
  throw new DecodeError(`json: cannot unmarshal ${what} into Go struct field ${ctx.struct}.${ctx.path.join('.')} of type ${goType}`);
}

/** Parses RFC 3339 (what time.Time.UnmarshalJSON accepts) into nanoseconds since the epoch, or null. */
export function parseRfc3339(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, se, frac, tz] = m;
  const ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +se!);
  if (Number.isNaN(ms) || +mo! < 1 || +mo! > 12 || +d! < 1 || +d! > 31 || +h! > 23 || +mi! > 59 || +se! > 59) return null;
  let off = 0;
  if (tz !== 'Z' && tz !== 'z') off = (tz![0] === '-' ? -1 : 1) * ((+tz!.slice(1, 3)) * 60 + +tz!.slice(4, 6)) * 60_000;
  const ns = frac ? Number(frac.padEnd(9, '0')) : 0;
  return (ms - off) * 1e6 + ns;
}

function decodeValue(w: Walker, spec: Spec, ctx: Ctx): unknown {
  const c = w.peek();
  if (c === 0x6e /* n */) {
    w.literal();
    // null: no effect on a value field; nil for pointers, slices, maps. Enums run their
    // UnmarshalJSON, which refuses it.
    if (spec.k === 'enum') throw new DecodeError('can not unmarshal "null"');
    return undefined;
  }
  switch (spec.k) {
    case 'any':
      w.skip();
      return true;
    case 'string':
      if (c !== 0x22) typeError(ctx, jsonKind(c), 'string');
      return w.str();
    case 'bool':
      if (c !== 0x74 && c !== 0x66) typeError(ctx, jsonKind(c), 'bool');
      return w.literal() === 'true';
    case 'int':
    case 'uint': {
      if (c === 0x22 || c === 0x7b || c === 0x5b || c === 0x74 || c === 0x66) typeError(ctx, jsonKind(c), spec.go);
      const lit = w.literal();
      const intOk = spec.k === 'int' ? /^-?(0|[1-9]\d*)$/.test(lit) : /^(0|[1-9]\d*)$/.test(lit);
      if (!intOk) typeError(ctx, `number ${lit}`, spec.go);
      const b = BigInt(lit);
      const [lo, hi] = spec.k === 'int' ? INT_RANGE[spec.go]! : [0n, UINT64_MAX];
      if (b < lo || b > hi) typeError(ctx, `number ${lit}`, spec.go);
      return Number(lit);
    }
    case 'time': {
      if (c !== 0x22) throw new DecodeError('Time.UnmarshalJSON: input is not a JSON string');
      const s = w.str();
      const ns = parseRfc3339(s);
      if (ns === null) throw new DecodeError(`parsing time ${JSON.stringify(JSON.stringify(s))} as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse`);
      return { text: s, ns } satisfies GoTime;
    }
    case 'enum': {
      if (c !== 0x22) {
        const start = w.i;
        w.skip();
        throw new DecodeError(`can not unmarshal ${JSON.stringify(w.t.slice(start, w.i))}`);
      }
      const s = w.str();
      if (!spec.values.includes(s)) throw new DecodeError(`can not unmarshal ${JSON.stringify(JSON.stringify(s))}`);
      return s;
    }
    case 'ptr':
      return decodeValue(w, spec.to, ctx);
    case 'array': {
      if (c !== 0x5b) typeError(ctx, jsonKind(c), spec.go);
      w.i++;
      const out: unknown[] = [];
      if (w.peek() === 0x5d) {
        w.i++;
        return out;
      }
      for (;;) {
        const v = decodeValue(w, spec.of, ctx);
        // A null element leaves the zero value there.
        out.push(v === undefined ? zeroOf(spec.of) : v);
        const d = w.peek();
        w.i++;
        if (d === 0x5d) return out;
        if (d !== 0x2c) throw new DecodeError('invalid JSON');
      }
    }
    case 'map': {
      if (c !== 0x7b) typeError(ctx, jsonKind(c), spec.go);
      w.skip();
      return true;
    }
    case 'struct':
      return decodeStruct(w, spec, ctx);
  }
}

function zeroOf(spec: Spec): unknown {
  switch (spec.k) {
    case 'string': return '';
    case 'bool': return false;
    case 'int':
    case 'uint': return 0;
    case 'struct': return {};
    default: return undefined;
  }
}

function decodeStruct(w: Walker, spec: Spec & { k: 'struct' }, ctx: Ctx): Record<string, unknown> {
  const c = w.peek();
  if (c !== 0x7b) typeError(ctx, jsonKind(c), `server.${spec.name}`);
  w.i++;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(spec.fields);
  if (w.peek() === 0x7d) {
    w.i++;
    return out;
  }
  for (;;) {
    if (w.peek() !== 0x22) throw new DecodeError('invalid JSON');
    const key = w.str();
    w.expect(0x3a);
    let name: string | undefined = Object.hasOwn(spec.fields, key) ? key : undefined;
    if (name === undefined) {
      const lk = key.toLowerCase();
      name = keys.find((k) => k.toLowerCase() === lk);
    }
    if (name === undefined) w.skip();
    else {
      const fspec = spec.fields[name]!;
      const inner: Ctx = { struct: fspec.k === 'struct' || (fspec.k === 'ptr' && fspec.to.k === 'struct') ? spec.name : spec.name, path: [...ctx.path, name] };
      const v = decodeValue(w, fspec, inner);
      if (v !== undefined) out[name] = v;
      else if (fspec.k === 'ptr' || fspec.k === 'array' || fspec.k === 'map') delete out[name];
    }
    const d = w.peek();
    w.i++;
    if (d === 0x7d) return out;
    if (d !== 0x2c) throw new DecodeError('invalid JSON');
  }
}

/**
 * Decodes `text` into the struct `spec` as json.Unmarshal would. An empty text is Go's "unexpected
 * end of JSON input"; `null` decodes to an empty struct.
 */
export function decodeGo<T>(text: string, spec: Spec & { k: 'struct' }): Decoded<T> {
  if (text.trim() === '') return { ok: false, error: 'unexpected end of JSON input' };
  try {
    JSON.parse(text);
  } catch (e) {
    return { ok: false, error: e instanceof RangeError ? 'exceeded max depth' : 'invalid JSON' };
  }
  const w = new Walker(text);
  try {
    if (w.peek() === 0x6e) return { ok: true, value: {} as T };
    const v = decodeStruct(w, spec, { struct: spec.name, path: [] });
    return { ok: true, value: v as T };
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, error: e.message };
    return { ok: false, error: 'invalid JSON' };
  }
}

/**
 * isEmptyRequest (jetstream_api.go): the empty payload, `{}`, or any JSON object without keys.
 * `" "`, `null` and `[]` are not empty.
 */
export function isEmptyRequest(text: string): boolean {
  if (text.length === 0 || text === '{}') return true;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return false;
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

/** A placeholder goJSON prints as the uint64 it stands for (e.g. 18446744073709551615). */
export const U64_MAX_TOKEN = '\u0000u64max\u0000';
export const U64_MAX_LITERAL = '18446744073709551615';

/**
 * JSON as Go marshals it: keys in insertion order, undefined left out, HTML-safe escaping, and the
 * uint64 placeholder replaced by its digits.
 */
export function goJson(v: unknown): string {
  let s = JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  if (s.includes('\\u0000u64max\\u0000')) s = s.split('"\\u0000u64max\\u0000"').join(U64_MAX_LITERAL);
  return s;
}
