import { decodeGoStructs, type Struct } from '../protocol/gojson.js';
import { goUnmarshal, decodeNode, GoJsonError, T, type GoType } from '../protocol/gojson-decode.js';
import { stdDecode } from '../auth/jwt-claims.js';

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

const FIELDS: Struct = {
  echo: 'bool', verbose: 'bool', pedantic: 'bool', tls_required: 'bool', nkey: 'string', jwt: 'string',
  sig: 'string', auth_token: 'string', user: 'string', pass: 'string', name: 'string', lang: 'string',
  version: 'string', protocol: 'int', account: 'string', new_account: 'bool', headers: 'bool',
  no_responders: 'bool',
};

/** Decodes a CONNECT argument into `into`; returns an error message (Go's wording) or null. */
export function decodeClientOpts(text: string, into: ClientOpts): string | null {
  return decodeGoStructs(text, 'ClientOpts', [FIELDS], [into as unknown as Record<string, unknown>]);
}

// INFO from a client (processInfo): decoded into the reference's Info struct, so a known field of
// the wrong type is an error that closes the connection, as it does for nats-server; a client's
// INFO is otherwise ignored.
const SUBJECT_PERMISSION: GoType = { kind: 'ptr', elem: { kind: 'struct', name: 'server.SubjectPermission', fields: [['allow', T.strings], ['deny', T.strings]] } };
const BYTES: GoType = {
  kind: 'custom', name: '[]uint8', zero: () => null,
  decode(n, cur, cx) {
    // []byte: a base64 string (StdEncoding), or an array of numbers 0-255.
    if (n.t === 'null') return null;
    if (n.t === 'str') {
      if (stdDecode(n.v) === null) throw new GoJsonError(`illegal base64 data at input byte 0`);
      return n.v;
    }
    return decodeNode(n, { kind: 'slice', elem: T.uint8, name: '[]uint8' }, cur, cx);
  },
};
const INFO: GoType = {
  kind: 'struct', name: 'server.Info', fields: [
    ['server_id', T.string], ['server_name', T.string], ['version', T.string], ['proto', T.int], ['git_commit', T.string],
    ['go', T.string], ['host', T.string], ['port', T.int], ['headers', T.bool], ['auth_required', T.bool], ['tls_required', T.bool],
    ['tls_verify', T.bool], ['tls_available', T.bool], ['max_payload', { kind: 'int', bits: 32 }], ['jetstream', T.bool], ['ip', T.string],
    ['client_id', { kind: 'int', bits: 64, unsigned: true }], ['client_ip', T.string], ['nonce', T.string], ['cluster', T.string],
    ['cluster_dynamic', T.bool], ['domain', T.string], ['connect_urls', T.strings], ['ws_connect_urls', T.strings], ['ldm', T.bool],
    ['import', SUBJECT_PERMISSION], ['export', SUBJECT_PERMISSION], ['lnoc', T.bool], ['info_on_connect', T.bool], ['connect_info', T.bool],
    ['gateway', T.string], ['gateway_urls', T.strings], ['gateway_url', T.string], ['gateway_cmd', T.uint8], ['gateway_cmd_payload', BYTES],
    ['gateway_nrp', T.bool], ['gateway_iom', T.bool], ['leafnode_urls', T.strings], ['remote_account', T.string],
  ],
};

/** Checks a client's INFO argument as json.Unmarshal into server.Info would; Go's error text, or null. */
export function decodeClientInfo(text: string): string | null {
  try {
    goUnmarshal(text, INFO);
    return null;
  } catch (e) {
    if (e instanceof GoJsonError) return e.message;
    throw e;
  }
}

/**
 * What a transport learnt about a connection before the engine got it (the WebSocket upgrade
 * request): Server.acceptConnection passes it to the Client.
 */
export interface ConnExtras {
  /** X-Forwarded-For when it is one IP address: shown in front of the log prefix only (client.go initClient). */
  clientIP?: string;
  /** The JWT of the websocket.jwt_cookie cookie, used when CONNECT carries none (processConnect). */
  cookieJwt?: string;
}
