import { decodeGoStructs, type Struct } from '../protocol/gojson.js';

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
