// The route INFO and CONNECT JSON (server.go Info, route.go connectInfo): decoded with Go's rules
// (case-insensitive keys, unknown keys ignored, a wrong type is an error in Go's words), and encoded
// as Go marshals the struct: its field order, `omitempty` fields left out when empty. A gossiped
// INFO is re-marshalled from what was decoded, as the reference forwards it
// (forwardNewRouteInfoToKnownServers), so fields it does not know are dropped and `go` is kept.
import { decodeGoStructs, type Struct } from '../protocol/gojson.js';
import { goUnmarshal, GoJsonError, T, type GoType } from '../protocol/gojson-decode.js';
import type { SubjectPermission } from '../options.js';

/** server.go Info, the fields a route can carry. */
export interface RouteInfo {
  server_id: string;
  server_name: string;
  version: string;
  proto: number;
  git_commit: string;
  go: string;
  host: string;
  port: number;
  headers: boolean;
  auth_required: boolean;
  tls_required: boolean;
  tls_verify: boolean;
  tls_available: boolean;
  max_payload: number;
  jetstream: boolean;
  ip: string;
  client_id: number;
  client_ip: string;
  nonce: string;
  cluster: string;
  cluster_dynamic: boolean;
  domain: string;
  connect_urls: string[];
  ws_connect_urls: string[];
  ldm: boolean;
  import: SubjectPermission | null;
  export: SubjectPermission | null;
  lnoc: boolean;
  info_on_connect: boolean;
  connect_info: boolean;
  gateway: string;
  gateway_urls: string[];
  gateway_url: string;
  gateway_cmd: number;
  gateway_cmd_payload: string;
  gateway_nrp: boolean;
  gateway_iom: boolean;
  leafnode_urls: string[];
  remote_account: string;
}

export function emptyRouteInfo(): RouteInfo {
  return {
    server_id: '', server_name: '', version: '', proto: 0, git_commit: '', go: '', host: '', port: 0, headers: false,
    auth_required: false, tls_required: false, tls_verify: false, tls_available: false, max_payload: 0, jetstream: false,
    ip: '', client_id: 0, client_ip: '', nonce: '', cluster: '', cluster_dynamic: false, domain: '', connect_urls: [],
    ws_connect_urls: [], ldm: false, import: null, export: null, lnoc: false, info_on_connect: false, connect_info: false,
    gateway: '', gateway_urls: [], gateway_url: '', gateway_cmd: 0, gateway_cmd_payload: '', gateway_nrp: false,
    gateway_iom: false, leafnode_urls: [], remote_account: '',
  };
}

/** Field order of the Go struct; `true` = always marshalled (no omitempty). */
const INFO_FIELDS: [keyof RouteInfo, boolean][] = [
  ['server_id', true], ['server_name', true], ['version', true], ['proto', true], ['git_commit', false], ['go', true],
  ['host', true], ['port', true], ['headers', true], ['auth_required', false], ['tls_required', false], ['tls_verify', false],
  ['tls_available', false], ['max_payload', true], ['jetstream', false], ['ip', false], ['client_id', false],
  ['client_ip', false], ['nonce', false], ['cluster', false], ['cluster_dynamic', false], ['domain', false],
  ['connect_urls', false], ['ws_connect_urls', false], ['ldm', false], ['import', false], ['export', false],
  ['lnoc', false], ['info_on_connect', false], ['connect_info', false], ['gateway', false], ['gateway_urls', false],
  ['gateway_url', false], ['gateway_cmd', false], ['gateway_cmd_payload', false], ['gateway_nrp', false],
  ['gateway_iom', false], ['leafnode_urls', false], ['remote_account', false],
];

const INFO_STRUCT: Struct = {
  server_id: 'string', server_name: 'string', version: 'string', proto: 'int', git_commit: 'string', go: 'string',
  host: 'string', port: 'int', headers: 'bool', auth_required: 'bool', tls_required: 'bool', tls_verify: 'bool',
  tls_available: 'bool', max_payload: 'int', jetstream: 'bool', ip: 'string', client_id: 'uint64', client_ip: 'string',
  nonce: 'string', cluster: 'string', cluster_dynamic: 'bool', domain: 'string', connect_urls: 'strings',
  ws_connect_urls: 'strings', ldm: 'bool', lnoc: 'bool', info_on_connect: 'bool', connect_info: 'bool', gateway: 'string',
  gateway_urls: 'strings', gateway_url: 'string', gateway_cmd: 'int', gateway_cmd_payload: 'string', gateway_nrp: 'bool',
  gateway_iom: 'bool', leafnode_urls: 'strings', remote_account: 'string',
};

/** Decodes a route's INFO; a string is Go's error (the connection is closed as a protocol violation). */
export function decodeRouteInfo(text: string): RouteInfo | string {
  const info = emptyRouteInfo();
  const err = decodeGoStructs(text, 'Info', [INFO_STRUCT], [info as unknown as Record<string, unknown>]);
  if (err !== null) return err;
  // import / export: *SubjectPermission {allow, deny}.
  for (const k of ['import', 'export'] as const) {
    const p = permField(text, k);
    if (typeof p === 'string') return p;
    info[k] = p;
  }
  return info;
}

/**
 * The `import`/`export` member of an INFO, as Go decodes it into *SubjectPermission: keys folded
 * ("Import", "ſubject"…), a repeated key merged into the first, wrong types an error.
 */
function permField(text: string, key: 'import' | 'export'): SubjectPermission | null | string {
  let v: Record<'import' | 'export', { allow: string[] | null; deny: string[] | null } | null>;
  try {
    v = goUnmarshal(text, ROUTE_PERMS);
  } catch (e) {
    if (e instanceof GoJsonError) return e.message;
    throw e;
  }
  const p = v[key];
  if (p === null) return null;
  const out: SubjectPermission = {};
  if (p.allow !== null) out.allow = p.allow;
  if (p.deny !== null) out.deny = p.deny;
  return out;
}
const SUBJECT_PERMISSION: GoType = { kind: 'ptr', elem: { kind: 'struct', name: 'server.SubjectPermission', fields: [['allow', T.strings], ['deny', T.strings]] } };
const ROUTE_PERMS: GoType = { kind: 'struct', name: 'server.Info', fields: [['import', SUBJECT_PERMISSION], ['export', SUBJECT_PERMISSION]] };

function empty(v: unknown): boolean {
  return v === '' || v === 0 || v === false || v === null || v === undefined || (Array.isArray(v) && v.length === 0);
}

/** Go's json.Marshal of an Info (its field order; omitempty fields left out when empty). */
export function marshalRouteInfo(info: Partial<RouteInfo>): string {
  let out = '{';
  for (const [k, always] of INFO_FIELDS) {
    let v: unknown = info[k];
    if (!always && empty(v)) continue;
    if (always && v === undefined) v = typeof emptyRouteInfo()[k] === 'string' ? '' : typeof emptyRouteInfo()[k] === 'boolean' ? false : 0;
    if (out.length > 1) out += ',';
    out += JSON.stringify(k) + ':' + marshalValue(v);
  }
  return out + '}';
}

function marshalValue(v: unknown): string {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    // SubjectPermission: allow, deny (omitempty).
    const p = v as SubjectPermission;
    const parts: string[] = [];
    if (p.allow && p.allow.length > 0) parts.push(`"allow":${JSON.stringify(p.allow)}`);
    if (p.deny && p.deny.length > 0) parts.push(`"deny":${JSON.stringify(p.deny)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v);
}

/** route.go connectInfo: what a soliciting server sends. */
export interface RouteConnect {
  echo: boolean;
  verbose: boolean;
  pedantic: boolean;
  user: string;
  pass: string;
  tls_required: boolean;
  headers: boolean;
  name: string;
  cluster: string;
  cluster_dynamic: boolean;
  lnoc: boolean;
  gateway: string;
}

const CONNECT_STRUCT: Struct = {
  echo: 'bool', verbose: 'bool', pedantic: 'bool', user: 'string', pass: 'string', tls_required: 'bool', headers: 'bool',
  name: 'string', cluster: 'string', cluster_dynamic: 'bool', lnoc: 'bool', gateway: 'string',
};

export function decodeRouteConnect(text: string): RouteConnect | string {
  const c: RouteConnect = {
    echo: false, verbose: false, pedantic: false, user: '', pass: '', tls_required: false, headers: false, name: '',
    cluster: '', cluster_dynamic: false, lnoc: false, gateway: '',
  };
  const err = decodeGoStructs(text, 'connectInfo', [CONNECT_STRUCT], [c as unknown as Record<string, unknown>]);
  return err ?? c;
}

/** `CONNECT {…}\r\n` as sendRouteConnect marshals it (user/pass, cluster_dynamic, gateway omitempty). */
export function routeConnectJSON(c: Omit<RouteConnect, 'gateway' | 'echo' | 'verbose' | 'pedantic'>): string {
  let out = `{"echo":true,"verbose":false,"pedantic":false`;
  if (c.user !== '') out += `,"user":${JSON.stringify(c.user)}`;
  if (c.pass !== '') out += `,"pass":${JSON.stringify(c.pass)}`;
  out += `,"tls_required":${c.tls_required},"headers":${c.headers},"name":${JSON.stringify(c.name)},"cluster":${JSON.stringify(c.cluster)}`;
  if (c.cluster_dynamic) out += `,"cluster_dynamic":true`;
  if (c.lnoc) out += `,"lnoc":true`;
  return out + '}';
}
