// CONNECT options (nats-server ClientOpts) and their decoding with Go's encoding/json rules:
// keys match case-insensitively, the last one wins, unknown keys are ignored, `null` leaves the
// default, and a wrong type is an error ("json: cannot unmarshal string into Go struct field
// ClientOpts.echo of type bool"), which closes the connection.

export interface ClientOpts {
  echo: boolean;
  verbose: boolean;
  pedantic: boolean;
  tls_required: boolean;
  nkey: string;
  jwt: string;
  sig: string;
  auth_token: string;
  user: string;
  pass: string;
  name: string;
  lang: string;
  version: string;
  protocol: number;
  account: string;
  new_account: boolean;
  headers: boolean;
  no_responders: boolean;
}

/** Defaults before CONNECT (defaultOpts): verbose, pedantic and echo are on. */
export function defaultClientOpts(): ClientOpts {
  return {
    echo: true, verbose: true, pedantic: true, tls_required: false, nkey: '', jwt: '', sig: '',
    auth_token: '', user: '', pass: '', name: '', lang: '', version: '', protocol: 0, account: '',
    new_account: false, headers: false, no_responders: false,
  };
}

type FieldType = 'bool' | 'string' | 'int';
const FIELDS: Record<string, FieldType> = {
  echo: 'bool', verbose: 'bool', pedantic: 'bool', tls_required: 'bool', nkey: 'string', jwt: 'string',
  sig: 'string', auth_token: 'string', user: 'string', pass: 'string', name: 'string', lang: 'string',
  version: 'string', protocol: 'int', account: 'string', new_account: 'bool', headers: 'bool',
  no_responders: 'bool',
};

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

/** Decodes a CONNECT argument into `into`; returns an error message (Go's wording) or null. */
export function decodeClientOpts(text: string, into: ClientOpts): string | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return goSyntaxError(text, e as Error);
  }
  if (v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) {
    return `json: cannot unmarshal ${jsonType(v)} into Go value of type server.ClientOpts`;
  }
  let firstErr: string | null = null;
  const target = into as unknown as Record<string, unknown>;
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const name = k.toLowerCase();
    const t = FIELDS[name];
    if (t === undefined || val === null) continue;
    const jt = jsonType(val);
    if (t === 'bool' && jt === 'bool') target[name] = val;
    else if (t === 'string' && jt === 'string') target[name] = val;
    else if (t === 'int' && jt === 'number' && Number.isInteger(val)) target[name] = val;
    else {
      const what = t === 'int' && jt === 'number' ? `number ${val}` : jt;
      firstErr ??= `json: cannot unmarshal ${what} into Go struct field ClientOpts.${name} of type ${t}`;
    }
  }
  return firstErr;
}

/** An approximation of Go's json syntax errors, for the log line. */
function goSyntaxError(text: string, e: Error): string {
  if (text.trim().length === 0) return 'unexpected end of JSON input';
  const m = /position (\d+)/.exec(e.message);
  if (m) {
    const pos = Number(m[1]);
    if (pos >= text.length) return 'unexpected end of JSON input';
    return `invalid character '${text[pos]}' ${pos === 0 ? 'looking for beginning of value' : 'in JSON input'}`;
  }
  if (/Unexpected end/.test(e.message)) return 'unexpected end of JSON input';
  return e.message;
}
