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
  for (const [key, val] of Object.entries(v as Record<string, unknown>)) {
    const f = byLower.get(key.toLowerCase());
    if (!f || val === null) continue;
    const [name, type, idx] = f;
    const err = checkType(val, type);
    if (err !== null) {
      // Go reports the earliest type error and keeps decoding the rest.
      firstErr ??= `json: cannot unmarshal ${err} into Go struct field ${structName}.${name} of type ${err.startsWith('element ') ? 'string' : GO_TYPE[type]}`.replace('element ', '');
      continue;
    }
    out[idx][name] = val;
  }
  return firstErr;
}

/** null when `val` fits `type`, else what Go calls the value ("string", "number 1.5", …). */
function checkType(val: unknown, type: FieldType): string | null {
  switch (type) {
    case 'bool':
      return typeof val === 'boolean' ? null : jsonType(val);
    case 'string':
    case 'sort':
      return typeof val === 'string' ? null : jsonType(val);
    case 'int':
    case 'state':
      if (typeof val !== 'number') return jsonType(val);
      return Number.isInteger(val) ? null : `number ${val}`;
    case 'uint64':
      if (typeof val !== 'number') return jsonType(val);
      return Number.isInteger(val) && val >= 0 ? null : `number ${val}`;
    case 'strings':
      if (!Array.isArray(val)) return jsonType(val);
      for (const x of val) if (typeof x !== 'string') return `element ${jsonType(x)}`;
      return null;
  }
}
