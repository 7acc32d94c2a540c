// Request bodies of $SYS.REQ.* decoded with Go's encoding/json rules (events.go *EventOptions):
// keys match case-insensitively, unknown keys are ignored, `null` leaves the default, and a value
// of the wrong type is an error in Go's words, e.g. `json: cannot unmarshal string into Go struct
// field ConnzEventOptions.state of type server.ConnState` (the reference's 400 for `"state":"open"`;
// the state is numeric: 0 open, 1 closed, 2 all).

/** Go field types we decode, with the type name Go prints. */
type FieldType = 'bool' | 'int' | 'uint64' | 'string' | 'strings' | 'state' | 'sort';
const GO_TYPE: Record<FieldType, string> = {
  bool: 'bool', int: 'int', uint64: 'uint64', string: 'string', strings: '[]string', state: 'server.ConnState', sort: 'server.SortOpt',
};

/** EventFilterOptions, common to every request. */
const FILTER_FIELDS: Record<string, FieldType> = {
  server_name: 'string', cluster: 'string', host: 'string', exact_match: 'bool', tags: 'strings', domain: 'string',
};

/** The options struct of each request (field JSON name → type), named as Go names the struct. */
export const REQUEST_FIELDS = {
  StatszEventOptions: {},
  VarzEventOptions: {},
  IdzEventOptions: {},
  RoutezEventOptions: { subscriptions: 'bool', subscriptions_detail: 'bool' },
  GatewayzEventOptions: { name: 'string', accounts: 'bool', account_name: 'string' },
  LeafzEventOptions: { subscriptions: 'bool', account: 'string' },
  HealthzEventOptions: { 'js-enabled-only': 'bool', 'js-server-only': 'bool' },
  JszEventOptions: { account: 'string', accounts: 'bool', streams: 'bool', consumer: 'bool', config: 'bool', leader_only: 'bool', offset: 'int', limit: 'int' },
  AccInfoEventOptions: {},
  AccountzEventOptions: { account: 'string' },
  AccountStatzEventOptions: { accounts: 'strings', include_unused: 'bool' },
  SubszEventOptions: { offset: 'int', limit: 'int', subscriptions: 'bool', account: 'string', test: 'string' },
  ConnzEventOptions: {
    sort: 'sort', auth: 'bool', subscriptions: 'bool', subscriptions_detail: 'bool', offset: 'int', limit: 'int',
    cid: 'uint64', mqtt_client: 'string', state: 'state', user: 'string', acc: 'string', filter_subject: 'string',
  },
  KickClientReq: { cid: 'uint64' },
  LDMClientReq: { cid: 'uint64' },
} satisfies Record<string, Record<string, FieldType>>;

export type RequestKind = keyof typeof REQUEST_FIELDS;

export interface EventFilter {
  server_name?: string;
  cluster?: string;
  host?: string;
  exact_match?: boolean;
  tags?: string[];
  domain?: string;
}

function jsonType(v: unknown): string {
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
  return 'unexpected end of JSON input';
}

/**
 * Decodes a request body into options of `kind` plus the event filter. An empty body means
 * defaults. Returns the options or Go's error text.
 */
export function decodeRequest(kind: RequestKind, body: Buffer): { opts: Record<string, unknown>; filter: EventFilter } | { error: string } {
  const opts: Record<string, unknown> = {};
  const filter: Record<string, unknown> = {};
  if (body.length === 0) return { opts, filter };
  const text = body.toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { error: goSyntaxError(text) };
  }
  if (v === null) return { opts, filter };
  if (typeof v !== 'object' || Array.isArray(v)) return { error: `json: cannot unmarshal ${jsonType(v)} into Go value of type server.${kind}` };
  const fields: Record<string, FieldType> = REQUEST_FIELDS[kind];
  const byLower = new Map<string, [string, FieldType, boolean]>();
  for (const [k, t] of Object.entries(fields)) byLower.set(k.toLowerCase(), [k, t, false]);
  for (const [k, t] of Object.entries(FILTER_FIELDS)) if (!byLower.has(k)) byLower.set(k, [k, t, true]);
  for (const [key, val] of Object.entries(v as Record<string, unknown>)) {
    const f = byLower.get(key.toLowerCase());
    if (!f) continue;
    const [name, type, isFilter] = f;
    if (val === null) continue;
    const bad = () => `json: cannot unmarshal ${jsonType(val)} into Go struct field ${kind}.${name} of type ${GO_TYPE[type]}`;
    let out: unknown;
    switch (type) {
      case 'bool':
        if (typeof val !== 'boolean') return { error: bad() };
        out = val;
        break;
      case 'string':
      case 'sort':
        if (typeof val !== 'string') return { error: bad() };
        out = val;
        break;
      case 'int':
      case 'state':
        if (typeof val !== 'number') return { error: bad() };
        if (!Number.isInteger(val)) return { error: `json: cannot unmarshal number ${val} into Go struct field ${kind}.${name} of type ${GO_TYPE[type]}` };
        out = val;
        break;
      case 'uint64':
        if (typeof val !== 'number') return { error: bad() };
        if (!Number.isInteger(val) || val < 0) return { error: `json: cannot unmarshal number ${val} into Go struct field ${kind}.${name} of type uint64` };
        out = val;
        break;
      case 'strings':
        if (!Array.isArray(val)) return { error: bad() };
        for (const x of val) {
          if (typeof x !== 'string') return { error: `json: cannot unmarshal ${jsonType(x)} into Go struct field ${kind}.${name} of type string` };
        }
        out = val;
        break;
    }
    (isFilter ? filter : opts)[name] = out;
  }
  return { opts, filter: filter as EventFilter };
}
