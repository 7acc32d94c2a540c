// The leafnode INFO and CONNECT JSON (server.go Info, leafnode.go leafConnectInfo): INFO is the
// route INFO struct (the same Go type), marshalled in its field order with omitempty; CONNECT is
// decoded with Go's rules (case-insensitive keys, unknown keys ignored, a wrong type an error in
// Go's words) and encoded as sendLeafConnect marshals it.
import { decodeGoStructs, type Struct } from '../protocol/gojson.js';
import { marshalRouteInfo, type RouteInfo } from '../cluster/info.js';

/** The hub's INFO to a leaf: `INFO {…} \r\n`. */
export function leafInfoFrame(info: Partial<RouteInfo>): Buffer {
  return Buffer.from(`INFO ${marshalRouteInfo(info)} \r\n`, 'utf8');
}

/** leafConnectInfo: what a soliciting (leaf) server sends. */
export interface LeafConnect {
  version: string;
  jwt: string;
  sig: string;
  user: string;
  pass: string;
  tls_required: boolean;
  compression: boolean;
  server_id: string;
  domain: string;
  name: string;
  is_hub: boolean;
  cluster: string;
  headers: boolean;
  jetstream: boolean;
  deny_pub: string[];
  gateway: string;
}

const CONNECT_STRUCT: Struct = {
  version: 'string', jwt: 'string', sig: 'string', user: 'string', pass: 'string', tls_required: 'bool',
  compression: 'bool', server_id: 'string', domain: 'string', name: 'string', is_hub: 'bool', cluster: 'string',
  headers: 'bool', jetstream: 'bool', deny_pub: 'strings', gateway: 'string',
};

export function emptyLeafConnect(): LeafConnect {
  return {
    version: '', jwt: '', sig: '', user: '', pass: '', tls_required: false, compression: false, server_id: '', domain: '',
    name: '', is_hub: false, cluster: '', headers: false, jetstream: false, deny_pub: [], gateway: '',
  };
}

/** Decodes a leaf's CONNECT; a string is Go's error. */
export function decodeLeafConnect(text: string): LeafConnect | string {
  const c = emptyLeafConnect();
  const err = decodeGoStructs(text, 'leafConnectInfo', [CONNECT_STRUCT], [c as unknown as Record<string, unknown>]);
  return err ?? c;
}

/** `CONNECT {…}\r\n` as sendLeafConnect marshals leafConnectInfo (tls_required always; the rest omitempty). */
export function leafConnectJSON(c: Partial<LeafConnect>): string {
  const parts: string[] = [];
  const str = (k: keyof LeafConnect) => {
    const v = c[k] as string | undefined;
    if (v !== undefined && v !== '') parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
  };
  const bool = (k: keyof LeafConnect) => {
    if (c[k] === true) parts.push(`${JSON.stringify(k)}:true`);
  };
  str('version');
  str('jwt');
  str('sig');
  str('user');
  str('pass');
  parts.push(`"tls_required":${c.tls_required === true}`);
  bool('compression');
  str('server_id');
  str('domain');
  str('name');
  bool('is_hub');
  str('cluster');
  bool('headers');
  bool('jetstream');
  if (c.deny_pub !== undefined && c.deny_pub.length > 0) parts.push(`"deny_pub":${JSON.stringify(c.deny_pub)}`);
  str('gateway');
  return `{${parts.join(',')}}`;
}

/**
 * Whether an INFO names `key` with a non-null value (Go: a nil slice stays nil when the key is
 * absent or null): the leaf checks `client_id` and `leafnode_urls` this way to tell a leafnode port.
 */
export function infoHas(text: string, key: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof v !== 'object' || v === null) return false;
  let found = false;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k.toLowerCase() === key) found = x !== null;
  }
  return found;
}
