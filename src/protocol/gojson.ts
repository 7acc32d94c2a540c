// JSON decoded with Go's encoding/json rules, for the JSON clients send (CONNECT, $SYS request
// bodies): keys match struct fields case-insensitively with Go's folding (gojson-decode.ts), the
// last one wins, unknown keys are ignored, `null` leaves the field alone, and a value of the wrong
// type is an error in Go's words ("json: cannot unmarshal string into Go struct field
// ClientOpts.echo of type bool").
import { parseGoJson, goFoldEqual, jnodeKind, parseGoInt, GoJsonError, type JNode } from './gojson-decode.js';

/** Field types we decode. */
export type FieldType = 'bool' | 'int' | 'uint64' | 'string' | 'strings' | 'state' | 'sort';

/** The type name Go prints for each. */
const GO_TYPE: Record<FieldType, string> = {
  bool: 'bool', int: 'int', uint64: 'uint64', string: 'string', strings: '[]string', state: 'server.ConnState', sort: 'server.SortOpt',
};

export type Struct = Record<string, FieldType>;

/** Go's syntax error for `text` (its scanner's wording), or '' when `text` is valid JSON. */
export function goSyntaxError(text: string): string {
  try {
    parseGoJson(text);
    return '';
  } catch (e) {
    if (e instanceof GoJsonError) return e.message;
    throw e;
  }
}

/**
 * Decodes `text` into `out` as Go decodes into a struct named `structName`. Each key goes to the
 * first struct in `structs` that has the field: an exact name first, else the first field it
 * matches with Go's case folding (goFoldEqual: "PASS", "paſſ" and "pass" all name `pass`); `out[i]`
 * receives the fields of `structs[i]`. Every occurrence of a key is decoded in order, so the last
 * one wins. Returns null, or the first error in Go's words.
 */
export function decodeGoStructs(text: string, structName: string, structs: Struct[], out: Record<string, unknown>[]): string | null {
  let root: JNode;
  try {
    root = parseGoJson(text);
  } catch (e) {
    if (e instanceof GoJsonError) return e.message;
    throw e;
  }
  if (root.t === 'null') return null;
  if (root.t !== 'obj') return `json: cannot unmarshal ${jnodeKind(root)} into Go value of type server.${structName}`;
  const fields: [string, FieldType, number][] = [];
  structs.forEach((st, i) => {
    for (const [k, t] of Object.entries(st)) fields.push([k, t, i]);
  });
  let firstErr: string | null = null;
  for (const [key, node] of root.m) {
    const f = fields.find(([name]) => name === key) ?? fields.find(([name]) => goFoldEqual(name, key));
    if (!f) continue;
    const [name, type, idx] = f;
    if (node.t === 'null') {
      // null leaves a string, number or bool alone, and makes a slice nil.
      if (type === 'strings') out[idx][name] = undefined;
      continue;
    }
    const r = checkType(node, type);
    if (typeof r === 'string') {
      // Go reports the earliest type error and keeps decoding the rest.
      firstErr ??= `json: cannot unmarshal ${r} into Go struct field ${structName}.${name} of type ${r.startsWith('element ') ? 'string' : GO_TYPE[type]}`.replace('element ', '');
      continue;
    }
    out[idx][name] = r.v;
  }
  return firstErr;
}

/**
 * The value of `n` as `type`, or what Go calls the value when it does not fit ("string", "number
 * 1.5", …). Numbers are judged on their literal, as strconv.ParseInt/ParseUint judge them.
 */
function checkType(n: JNode, type: FieldType): { v: unknown } | string {
  switch (type) {
    case 'bool':
      return n.t === 'bool' ? { v: n.v } : jnodeKind(n);
    case 'string':
    case 'sort':
      return n.t === 'str' ? { v: n.v } : jnodeKind(n);
    case 'int':
    case 'state':
    case 'uint64': {
      if (n.t !== 'num') return jnodeKind(n);
      const ok = parseGoInt(n.raw, 64, type === 'uint64') !== null;
      return ok ? { v: Number(n.raw) } : `number ${n.raw}`;
    }
    case 'strings': {
      if (n.t !== 'arr') return jnodeKind(n);
      const v: string[] = [];
      for (const x of n.v) {
        if (x.t === 'null') v.push('');
        else if (x.t !== 'str') return `element ${jnodeKind(x)}`;
        else v.push(x.v);
      }
      return { v };
    }
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
