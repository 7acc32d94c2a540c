// NATS JWTs decoded as nats-server 2.9.10 decodes them: github.com/nats-io/jwt/v2 v2.3.0 (decoder.go
// Decode, loadClaims; the v1 formats and their migration in decoder_*.go). Every claim is unmarshalled
// into the library's typed structs with Go's encoding/json rules (protocol/gojson-decode.ts): a field
// of the wrong type makes the whole JWT invalid, as it does for the reference. Signatures are
// verified with @nats-io/nkeys over exactly the bytes the reference verifies (v1: the payload chunk;
// v2: "header.payload"). What the claims *mean* is checked by jwt-validate.ts.
import { nkeysLib } from '../libs.js';
import {
  decodeNode, goUnmarshal, remarshal, toInterface, typeError, zeroOf, jnodeKind, GoJsonError, T,
  type GoType, type JNode, type DecodeContext,
} from '../protocol/gojson-decode.js';
import { goTrimSpace, goToLower, goToUpper } from '../protocol/gostrings.js';

// ---------------------------------------------------------------- typed claims (jwt v2.3.0 structs)

export type ExportType = 0 | 1 | 2; // Unknown, Stream, Service
export const STREAM: ExportType = 1;
export const SERVICE: ExportType = 2;
export function exportTypeName(t: ExportType): string {
  return t === STREAM ? 'stream' : t === SERVICE ? 'service' : 'unknown';
}

/** A Go []string: null is nil, [] is an empty (non-nil) slice. */
export type StringList = string[] | null;

export interface Permission { allow: StringList; deny: StringList }
export interface ResponsePermission { max: bigint; ttl: bigint }
export interface TimeRange { start: string; end: string }
export interface UserPermissionLimits {
  pub: Permission;
  sub: Permission;
  resp: ResponsePermission | null;
  src: StringList;
  times: TimeRange[] | null;
  times_location: string;
  subs: bigint;
  data: bigint;
  payload: bigint;
  bearer_token: boolean;
  allowed_connection_types: StringList;
}
export interface GenericFields { tags: StringList; type: string; version: bigint }
export interface ClaimsData {
  aud: string;
  exp: bigint;
  jti: string;
  iat: bigint;
  iss: string;
  name: string;
  nbf: bigint;
  sub: string;
}
export interface UserNats extends UserPermissionLimits, GenericFields { issuer_account: string }
export interface UserScope { kind: number; key: string; role: string; template: UserPermissionLimits }
export interface ServiceLatency { sampling: bigint; results: string }
export interface Export {
  name: string; subject: string; type: ExportType; token_req: boolean; revocations: Map<string, bigint> | null;
  response_type: string; response_threshold: bigint; service_latency: ServiceLatency | null;
  account_token_position: bigint; advertise: boolean; description: string; info_url: string;
}
export interface Import {
  name: string; subject: string; account: string; token: string; to: string; local_subject: string;
  type: ExportType; share: boolean;
}
export interface WeightedMapping { subject: string; weight: bigint; cluster: string }
export interface OperatorLimits {
  subs: bigint; data: bigint; payload: bigint;
  imports: bigint; exports: bigint; wildcards: boolean; disallow_bearer: boolean; conn: bigint; leaf: bigint;
  mem_storage: bigint; disk_storage: bigint; streams: bigint; consumer: bigint; max_ack_pending: bigint;
  mem_max_stream_bytes: bigint; disk_max_stream_bytes: bigint; max_bytes_required: boolean;
  tiered_limits: Map<string, Record<string, unknown>> | null;
}
export interface AccountNats extends GenericFields {
  imports: (Import | null)[] | null;
  exports: (Export | null)[] | null;
  limits: OperatorLimits;
  /** Signing keys: key → null (plain) or its user scope. */
  signing_keys: Map<string, UserScope | null> | null;
  revocations: Map<string, bigint> | null;
  default_permissions: { pub: Permission; sub: Permission; resp: ResponsePermission | null };
  mappings: Map<string, WeightedMapping[] | null> | null;
  description: string;
  info_url: string;
}
export interface OperatorNats extends GenericFields {
  signing_keys: StringList;
  account_server_url: string;
  operator_service_urls: StringList;
  system_account: string;
  assert_server_version: string;
  strict_signing_key_usage: boolean;
}
export interface ActivationNats extends GenericFields {
  subject: string;
  kind: ExportType;
  issuer_account: string;
}

export interface Claims<N> extends ClaimsData { nats: N }
export type UserClaims = Claims<UserNats>;
export type AccountClaims = Claims<AccountNats>;
export type OperatorClaims = Claims<OperatorNats>;
export type ActivationClaims = Claims<ActivationNats>;

// ---------------------------------------------------------------- Go types of those structs

const S = T.string;
const I64 = T.int64;
const B = T.bool;
const struct = (name: string, fields: [string, GoType][]): GoType => ({ kind: 'struct', name, fields });
const STRINGS: GoType = { kind: 'slice', elem: S, name: 'jwt.StringList' };
const TAGS: GoType = { kind: 'slice', elem: S, name: 'jwt.TagList' };
const REVOCATIONS: GoType = { kind: 'map', elem: I64, name: 'jwt.RevocationList' };

/** Decodes a node as json.Unmarshal(b, &string) would, or throws. */
function asString(n: JNode, cx: DecodeContext, name: string): string {
  if (n.t === 'null') return '';
  if (n.t !== 'str') throw typeError(jnodeKind(n), { kind: 'string', name }, cx);
  return n.v;
}

/** jwt.ExportType: "stream" or "service" (UnmarshalJSON); anything else, null included, is an error. */
const EXPORT_TYPE: GoType = {
  kind: 'custom', name: 'jwt.ExportType', zero: () => 0,
  decode(n, _cur, cx) {
    const j = asString(n, cx, 'string');
    if (j === 'stream') return STREAM;
    if (j === 'service') return SERVICE;
    throw new GoJsonError(`unknown export type ${goQuoteString(j)}`);
  },
};

/** jwt.SamplingRate: `"headers"` in any case (compared on the raw text), or an int. */
const SAMPLING_RATE: GoType = {
  kind: 'custom', name: 'jwt.SamplingRate', zero: () => 0n,
  decode(n, _cur, cx) {
    // strings.ToLower(raw) == `"headers"`: only an unescaped ASCII spelling lowers to that.
    if (n.t === 'str' && n.esc !== true && /^headers$/i.test(n.v)) return 0n;
    return decodeNode(n, { kind: 'int', bits: 64, name: 'int' }, 0n, cx);
  },
};

/** jwt.CIDRList: a []string, or a comma-separated string (lower-cased, trimmed, de-duplicated). */
const CIDR_LIST: GoType = {
  kind: 'custom', name: 'jwt.CIDRList', zero: () => null,
  decode(n, _cur, cx) {
    if (n.t === 'null') return null;
    if (n.t === 'arr') {
      try {
        return decodeNode(n, STRINGS, null, cx);
      } catch {
        /* then as a string, which fails too */
      }
    }
    if (n.t !== 'str') throw typeError(jnodeKind(n), { kind: 'string' }, cx);
    const out: string[] = [];
    for (const v of goToLower(n.v).split(',')) {
      const t = goToLower(goTrimSpace(v));
      if (t !== '' && !out.includes(t)) out.push(t);
    }
    return out;
  },
};

const PERMISSION = struct('jwt.Permission', [['allow', STRINGS], ['deny', STRINGS]]);
const RESPONSE_PERMISSION = struct('jwt.ResponsePermission', [['max', T.int], ['ttl', T.named('time.Duration', I64)]]);
const PERMISSIONS_FIELDS: [string, GoType][] = [['pub', PERMISSION], ['sub', PERMISSION], ['resp', { kind: 'ptr', elem: RESPONSE_PERMISSION }]];
const TIME_RANGE = struct('jwt.TimeRange', [['start', S], ['end', S]]);
const USER_LIMITS_FIELDS: [string, GoType][] = [['src', CIDR_LIST], ['times', { kind: 'slice', elem: TIME_RANGE }], ['times_location', S]];
const NATS_LIMITS_FIELDS: [string, GoType][] = [['subs', I64], ['data', I64], ['payload', I64]];
const USER_PERMISSION_LIMITS_FIELDS: [string, GoType][] = [
  ...PERMISSIONS_FIELDS, ...USER_LIMITS_FIELDS, ...NATS_LIMITS_FIELDS, ['bearer_token', B], ['allowed_connection_types', STRINGS],
];
const USER_PERMISSION_LIMITS = struct('jwt.UserPermissionLimits', USER_PERMISSION_LIMITS_FIELDS);
const GENERIC_FIELDS: [string, GoType][] = [['tags', TAGS], ['type', T.named('jwt.ClaimType', S)], ['version', T.int]];
const CLAIMS_DATA_FIELDS: [string, GoType][] = [
  ['aud', S], ['exp', I64], ['jti', S], ['iat', I64], ['iss', S], ['name', S], ['nbf', I64], ['sub', S],
];

const SCOPE_TYPE: GoType = {
  kind: 'custom', name: 'jwt.ScopeType', zero: () => 0,
  decode(n, _cur, cx) {
    const s = asString(n, cx, 'string');
    if (s === 'user_scope') return 1;
    throw new GoJsonError(`unknown scope type ${goQuoteString(s)}`);
  },
};
const USER_SCOPE = struct('jwt.UserScope', [['kind', SCOPE_TYPE], ['key', S], ['role', S], ['template', USER_PERMISSION_LIMITS]]);

/**
 * jwt.SigningKeys.UnmarshalJSON: an array of strings (plain keys) and objects (scopes, decoded through
 * a map[string]interface{} and marshalled again, as the reference does); other elements are ignored.
 */
const SIGNING_KEYS: GoType = {
  kind: 'custom', name: 'jwt.SigningKeys', zero: () => null,
  decode(n, cur, cx) {
    const sk = (cur as Map<string, UserScope | null> | null) ?? new Map<string, UserScope | null>();
    if (n.t === 'null') return sk;
    if (n.t !== 'arr') throw typeError(jnodeKind(n), { kind: 'slice', elem: { kind: 'custom', name: 'interface {}', zero: () => null, decode: () => null } }, cx);
    for (const e of n.v) {
      if (e.t === 'str') sk.set(e.v, null);
      else if (e.t === 'obj') {
        const m = toInterface(e) as Map<string, unknown>;
        if (m.get('kind') !== 'user_scope') {
          const t = m.get('type');
          throw new GoJsonError(`unknown signing key scope ${t === undefined ? '%!q(<nil>)' : typeof t === 'string' ? goQuoteString(t) : `%!q(${String(t)})`}`);
        }
        // NewUserScope: the template's NatsLimits start at -1 (no limit).
        const init = zeroOf(USER_SCOPE) as UserScope;
        init.kind = 1;
        init.template = { ...init.template, subs: -1n, data: -1n, payload: -1n };
        const us = decodeNode(remarshal(m), USER_SCOPE, init, { struct: 'jwt.UserScope', path: [] }) as UserScope;
        sk.set(us.key, us);
      }
    }
    return sk;
  },
};

const SERVICE_LATENCY = struct('jwt.ServiceLatency', [['sampling', SAMPLING_RATE], ['results', S]]);
const EXPORT = struct('jwt.Export', [
  ['name', S], ['subject', S], ['type', EXPORT_TYPE], ['token_req', B], ['revocations', REVOCATIONS],
  ['response_type', S], ['response_threshold', I64], ['service_latency', { kind: 'ptr', elem: SERVICE_LATENCY }],
  ['account_token_position', T.uint], ['advertise', B], ['description', S], ['info_url', S],
]);
const IMPORT = struct('jwt.Import', [
  ['name', S], ['subject', S], ['account', S], ['token', S], ['to', S], ['local_subject', S], ['type', EXPORT_TYPE], ['share', B],
]);
const EXPORTS: GoType = { kind: 'slice', elem: { kind: 'ptr', elem: EXPORT }, name: 'jwt.Exports' };
const IMPORTS: GoType = { kind: 'slice', elem: { kind: 'ptr', elem: IMPORT }, name: 'jwt.Imports' };
const ACCOUNT_LIMITS_FIELDS: [string, GoType][] = [
  ['imports', I64], ['exports', I64], ['wildcards', B], ['disallow_bearer', B], ['conn', I64], ['leaf', I64],
];
const JETSTREAM_LIMITS_FIELDS: [string, GoType][] = [
  ['mem_storage', I64], ['disk_storage', I64], ['streams', I64], ['consumer', I64], ['max_ack_pending', I64],
  ['mem_max_stream_bytes', I64], ['disk_max_stream_bytes', I64], ['max_bytes_required', B],
];
const OPERATOR_LIMITS = struct('jwt.OperatorLimits', [
  ...NATS_LIMITS_FIELDS, ...ACCOUNT_LIMITS_FIELDS, ...JETSTREAM_LIMITS_FIELDS,
  ['tiered_limits', { kind: 'map', elem: struct('jwt.JetStreamLimits', JETSTREAM_LIMITS_FIELDS), name: 'jwt.JetStreamTieredLimits' }],
]);
const WEIGHTED_MAPPING = struct('jwt.WeightedMapping', [['subject', S], ['weight', T.uint8], ['cluster', S]]);
const ACCOUNT = struct('jwt.Account', [
  ['imports', IMPORTS], ['exports', EXPORTS], ['limits', OPERATOR_LIMITS], ['signing_keys', SIGNING_KEYS],
  ['revocations', REVOCATIONS], ['default_permissions', struct('jwt.Permissions', PERMISSIONS_FIELDS)],
  ['mappings', { kind: 'map', elem: { kind: 'slice', elem: WEIGHTED_MAPPING }, name: 'jwt.Mapping' }],
  ['description', S], ['info_url', S], ...GENERIC_FIELDS,
]);
const USER = struct('jwt.User', [...USER_PERMISSION_LIMITS_FIELDS, ['issuer_account', S], ...GENERIC_FIELDS]);
const OPERATOR = struct('jwt.Operator', [
  ['signing_keys', STRINGS], ['account_server_url', S], ['operator_service_urls', STRINGS], ['system_account', S],
  ['assert_server_version', S], ['strict_signing_key_usage', B], ...GENERIC_FIELDS,
]);
const ACTIVATION = struct('jwt.Activation', [['subject', S], ['kind', EXPORT_TYPE], ['issuer_account', S], ...GENERIC_FIELDS]);

const claimsOf = (name: string, nats: GoType) => struct(name, [...CLAIMS_DATA_FIELDS, ['nats', nats]]);
const USER_CLAIMS = claimsOf('jwt.UserClaims', USER);
const ACCOUNT_CLAIMS = claimsOf('jwt.AccountClaims', ACCOUNT);
const OPERATOR_CLAIMS = claimsOf('jwt.OperatorClaims', OPERATOR);
const ACTIVATION_CLAIMS = claimsOf('jwt.ActivationClaims', ACTIVATION);

// The v1 formats (decoder_*.go): type, tags and issuer_account at the top level.
const V1_DELETED: [string, GoType][] = [['tags', TAGS], ['type', S], ['issuer_account', S]];
const v1ClaimsOf = (name: string, nats: GoType) => struct(name, [...CLAIMS_DATA_FIELDS, ...V1_DELETED, ['nats', nats]]);
const V1_USER_CLAIMS = v1ClaimsOf('jwt.v1UserClaims', struct('jwt.v1User', [...PERMISSIONS_FIELDS, ...USER_LIMITS_FIELDS, ...NATS_LIMITS_FIELDS, ['bearer_token', B], ['max', I64]]));
const V1_ACCOUNT_CLAIMS = v1ClaimsOf('jwt.v1AccountClaims', struct('jwt.v1NatsAccount', [
  ['imports', IMPORTS], ['exports', EXPORTS], ['limits', struct('', [...NATS_LIMITS_FIELDS, ...ACCOUNT_LIMITS_FIELDS])],
  ['signing_keys', STRINGS], ['revocations', REVOCATIONS],
]));
const V1_OPERATOR_CLAIMS = v1ClaimsOf('jwt.v1OperatorClaims', struct('jwt.v1NatsOperator', [
  ['signing_keys', STRINGS], ['account_server_url', S], ['operator_service_urls', STRINGS], ['system_account', S],
]));
const V1_ACTIVATION_CLAIMS = v1ClaimsOf('jwt.v1ActivationClaims', struct('jwt.v1NatsActivation', [
  ['subject', S], ['type', EXPORT_TYPE], ['max', I64], ['payload', I64], ['src', S], ['times', { kind: 'slice', elem: TIME_RANGE }],
]));
const IDENTIFIER = struct('jwt.identifier', [['type', S], ['nats', struct('jwt.GenericFields', GENERIC_FIELDS)]]);

// ---------------------------------------------------------------- decoding a token

export type ClaimKind = 'user' | 'account' | 'operator' | 'activation';
type Decoded = { kind: 'user'; claims: UserClaims } | { kind: 'account'; claims: AccountClaims }
  | { kind: 'operator'; claims: OperatorClaims } | { kind: 'activation'; claims: ActivationClaims };

/** Go's base64.RawURLEncoding.DecodeString: '\r' and '\n' are skipped; no padding; 4n+1 chars is an error. */
export function rawURLDecode(s: string): Buffer | null {
  const t = s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, '') : s;
  if (!/^[A-Za-z0-9_-]*$/.test(t) || t.length % 4 === 1) return null;
  return Buffer.from(t, 'base64url');
}

/** Go's base64.StdEncoding.DecodeString: '\r' and '\n' are skipped; padding required. */
export function stdDecode(s: string): Buffer | null {
  const t = s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, '') : s;
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(t)) return null;
  return Buffer.from(t, 'base64');
}

const utf8 = new TextDecoder('utf-8');

/** jwt Header.Valid: typ is "JWT" in any case, alg "ed25519" or "ed25519-nkey" in any case. */
function checkHeader(chunk: string): void {
  const h = rawURLDecode(chunk);
  if (h === null) throw new Error('illegal base64 data in header');
  const hdr = goUnmarshal<{ typ: string; alg: string }>(utf8.decode(h), struct('jwt.Header', [['typ', S], ['alg', S]]));
  if (goToUpper(hdr.typ) !== 'JWT') throw new Error(`not supported type ${goQuoteString(hdr.typ)}`);
  const alg = goToLower(hdr.alg);
  if (alg !== 'ed25519' && alg !== 'ed25519-nkey') throw new Error(`unexpected ${goQuoteString(hdr.alg)} algorithm`);
}

/** Decodes and verifies a JWT of any kind (jwt.Decode); throws an Error worded as the reference's. */
export function decodeJWT(token: string): Decoded {
  const chunks = token.split('.');
  if (chunks.length !== 3) throw new Error('expected 3 chunks');
  checkHeader(chunks[0]!);
  const data = rawURLDecode(chunks[1]!);
  if (data === null) throw new Error('illegal base64 data in payload');
  const text = utf8.decode(data);
  const id = goUnmarshal<{ type: string; nats: GenericFields }>(text, IDENTIFIER);
  const version = id.type !== '' ? 1n : id.nats.version;
  if (version > 2n) throw new Error('JWT was generated by a newer version ');
  const kind = id.type !== '' ? id.type : id.nats.type;
  let d: Decoded;
  switch (kind) {
    case 'operator': d = { kind, claims: loadOperator(text, version) }; break;
    case 'account': d = { kind, claims: loadAccount(text, version) }; break;
    case 'user': d = { kind, claims: loadUser(text, version) }; break;
    case 'activation': d = { kind, claims: loadActivation(text, version) }; break;
    case 'cluster': throw new Error('ClusterClaims are not supported');
    case 'server': throw new Error('ServerClaims are not supported');
    default:
      // GenericClaims: decoded (errors count), verified as v1, but no kind this server uses.
      goUnmarshal(text, struct('jwt.GenericClaims', [...CLAIMS_DATA_FIELDS, ['nats', { kind: 'map', elem: { kind: 'custom', name: 'interface {}', zero: () => null, decode: () => null } }]]));
      throw new Error(`not a known claim type ${goQuoteString(kind)}`);
  }
  const sig = rawURLDecode(chunks[2]!);
  if (sig === null) throw new Error('illegal base64 data in signature');
  const signed = version <= 1n ? chunks[1]! : token.slice(0, chunks[0]!.length + chunks[1]!.length + 1);
  if (!verifyWithKey(d.claims.iss, Buffer.from(signed, 'utf8'), sig)) {
    throw new Error(`claim failed V${version <= 1n ? 1 : 2} signature verification`);
  }
  const prefixes: Record<ClaimKind, string[]> = { user: ['A'], account: ['A', 'O'], operator: ['O'], activation: ['A', 'O'] };
  if (!prefixes[d.kind].some((p) => isValidPublicKey(d.claims.iss, p))) {
    throw new Error(`unable to validate expected prefixes - ${JSON.stringify(prefixes[d.kind].map((p) => p.charCodeAt(0) << 3))}`);
  }
  return d;
}

/** Decodes a JWT that must be of `kind` (DecodeUserClaims & co.). */
export function decodeUserClaims(token: string): UserClaims {
  const d = decodeJWT(token);
  if (d.kind !== 'user') throw new Error('not user claim');
  return d.claims;
}
export function decodeAccountClaims(token: string): AccountClaims {
  const d = decodeJWT(token);
  if (d.kind !== 'account') throw new Error('not account claim');
  return d.claims;
}
export function decodeOperatorClaims(token: string): OperatorClaims {
  const d = decodeJWT(token);
  if (d.kind !== 'operator') throw new Error('not operator claim');
  return d.claims;
}
export function decodeActivationClaims(token: string): ActivationClaims {
  const d = decodeJWT(token);
  if (d.kind !== 'activation') throw new Error('not activation claim');
  return d.claims;
}

function versionError(version: bigint): Error {
  return new Error(`library supports version 2 or less - received ${version}`);
}

function loadUser(text: string, version: bigint): UserClaims {
  if (version === 2n) return goUnmarshal<UserClaims>(text, USER_CLAIMS);
  if (version !== 1n) throw versionError(version);
  const init = zeroOf(V1_USER_CLAIMS) as Record<string, unknown> & { nats: Record<string, unknown> };
  Object.assign(init.nats, { subs: -1n, data: -1n, payload: -1n, max: -1n });
  const v1 = goUnmarshal<Record<string, unknown> & { nats: Record<string, unknown> }>(text, V1_USER_CLAIMS, init);
  const u = zeroOf(USER_CLAIMS) as UserClaims;
  copyClaimsData(u, v1);
  for (const [k] of USER_PERMISSION_LIMITS_FIELDS) if (k !== 'allowed_connection_types') (u.nats as unknown as Record<string, unknown>)[k] = v1.nats[k];
  Object.assign(u.nats, { type: v1.type, tags: v1.tags, issuer_account: v1.issuer_account, version: 1n });
  return u;
}

function loadAccount(text: string, version: bigint): AccountClaims {
  if (version === 2n) {
    const init = zeroOf(ACCOUNT_CLAIMS) as AccountClaims;
    init.nats.signing_keys = new Map();
    const a = goUnmarshal<AccountClaims>(text, ACCOUNT_CLAIMS, init);
    if ((a.nats.limits.tiered_limits?.size ?? 0) > 0) {
      for (const [k] of JETSTREAM_LIMITS_FIELDS) (a.nats.limits as unknown as Record<string, unknown>)[k] = k === 'max_bytes_required' ? false : 0n;
    }
    return a;
  }
  if (version !== 1n) throw versionError(version);
  const v1 = goUnmarshal<Record<string, unknown> & { nats: Record<string, unknown> & { limits: Record<string, unknown> } }>(text, V1_ACCOUNT_CLAIMS);
  const a = zeroOf(ACCOUNT_CLAIMS) as AccountClaims;
  copyClaimsData(a, v1);
  Object.assign(a.nats, { type: v1.type, tags: v1.tags, imports: v1.nats.imports, exports: v1.nats.exports, revocations: v1.nats.revocations, version: 1n });
  Object.assign(a.nats.limits, v1.nats.limits);
  a.nats.signing_keys = new Map();
  for (const k of (v1.nats.signing_keys as string[] | null) ?? []) a.nats.signing_keys.set(k, null);
  return a;
}

function loadOperator(text: string, version: bigint): OperatorClaims {
  if (version === 2n) return goUnmarshal<OperatorClaims>(text, OPERATOR_CLAIMS);
  if (version !== 1n) throw versionError(version);
  const v1 = goUnmarshal<Record<string, unknown> & { nats: Record<string, unknown> }>(text, V1_OPERATOR_CLAIMS);
  const o = zeroOf(OPERATOR_CLAIMS) as OperatorClaims;
  copyClaimsData(o, v1);
  Object.assign(o.nats, { ...v1.nats, type: v1.type, tags: v1.tags, version: 1n });
  return o;
}

function loadActivation(text: string, version: bigint): ActivationClaims {
  if (version === 2n) return goUnmarshal<ActivationClaims>(text, ACTIVATION_CLAIMS);
  if (version !== 1n) throw versionError(version);
  const init = zeroOf(V1_ACTIVATION_CLAIMS) as Record<string, unknown> & { nats: Record<string, unknown> };
  Object.assign(init.nats, { max: -1n, payload: -1n });
  const v1 = goUnmarshal<Record<string, unknown> & { nats: Record<string, unknown> }>(text, V1_ACTIVATION_CLAIMS, init);
  const a = zeroOf(ACTIVATION_CLAIMS) as ActivationClaims;
  copyClaimsData(a, v1);
  Object.assign(a.nats, {
    type: v1.type, tags: v1.tags, issuer_account: v1.issuer_account, subject: v1.nats.subject, kind: v1.nats.type, version: 1n,
  });
  return a;
}

function copyClaimsData(to: ClaimsData, from: Record<string, unknown>): void {
  for (const [k] of CLAIMS_DATA_FIELDS) (to as unknown as Record<string, unknown>)[k] = from[k];
}

/** A user permission template as decoded (for scoped signing keys and HasEmptyPermissions). */
export function emptyUserPermissionLimits(): UserPermissionLimits {
  return zeroOf(USER_PERMISSION_LIMITS) as UserPermissionLimits;
}

// ---------------------------------------------------------------- nkeys as Go's nkeys v0.3.0 reads them

const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    t[i] = crc;
  }
  return t;
})();

function crc16(b: Uint8Array): number {
  let crc = 0;
  for (const x of b) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >> 8) ^ x) & 0xff]!;
  return crc;
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** nkeys decode: base32 (no padding; '\r', '\n' skipped) with a CRC16 at the end; null when invalid. */
export function decodeNkey(src: string): Uint8Array | null {
  const s = src.replace(/[\r\n]/g, '');
  if ([1, 3, 6].includes(s.length % 8)) return null;
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const c of s) {
    const v = B32.indexOf(c);
    if (v < 0) return null;
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  if (out.length < 4) return null;
  const raw = Uint8Array.from(out);
  const body = raw.subarray(0, raw.length - 2);
  const crc = raw[raw.length - 2]! | (raw[raw.length - 1]! << 8);
  return crc16(body) === crc ? body : null;
}

/** nkeys.IsValidPublic{User,Account,Operator}Key: decodes, and the prefix byte is `prefix` ('U', 'A', 'O'). */
export function isValidPublicKey(key: string, prefix: string): boolean {
  const raw = decodeNkey(key);
  return raw !== null && (raw[0]! & 248) === B32.indexOf(prefix) << 3;
}

/** nkeys.FromPublicKey(key).Verify(data, sig): a public key of a known kind, and an ed25519 signature. */
export function verifyWithKey(key: string, data: Uint8Array, sig: Uint8Array): boolean {
  const raw = decodeNkey(key);
  if (raw === null || raw.length !== 33) return false;
  if (!['O', 'A', 'U', 'N', 'C', 'X'].some((p) => raw[0] === B32.indexOf(p) << 3)) return false;
  try {
    // Re-encoded without the '\r'/'\n' Go skips, so the official library reads the same key.
    return nkeysLib().fromPublic(key.replace(/[\r\n]/g, '')).verify(data, sig);
  } catch {
    return false;
  }
}

/** Go's %q of a string (strconv.Quote), close enough for messages: JSON quoting. */
export function goQuoteString(s: string): string {
  return JSON.stringify(s);
}
