// validateOptions: the checks nats-server makes on its options when a server starts
// (server.go validateOptions, validateAuth), in one place. The config loader reports them at the
// option's file:line:col (and so `-t` does), the CLI after merging flags over the file, and
// startServer()/new Server() throws them — the same text everywhere.
import type { ServerOptions } from './options.js';
import { formatGoDuration } from './config/duration.js';
import * as C from './const.js';
import { TsnatsError, goQuote } from './errors.js';
import { allowedOriginError } from './transport/ws/origin.js';
import { CIPHER_SUITES, CURVES } from './tls/names.js';
import { parseHostPort, parseRouteURL } from './cluster/url.js';
import { leafnodeIssues } from './leaf/validate.js';

export interface OptionIssue {
  /** The option the problem is reported at. */
  field: keyof ServerOptions;
  message: string;
  /** Other options the problem involves (where to point when `field` has its default). */
  related?: (keyof ServerOptions)[];
}

/** Integer options: [name in messages, minimum]. */
const INTEGERS: [keyof ServerOptions, string, number][] = [
  ['port', 'port', -1],
  ['httpPort', 'http_port', -1],
  ['httpsPort', 'https_port', -1],
  ['pingMax', 'ping_max', 0],
  ['maxPayload', 'max_payload', 0],
  ['maxPending', 'max_pending', 0],
  ['maxControlLine', 'max_control_line', 0],
  ['maxConnections', 'max_connections', Number.MIN_SAFE_INTEGER],
  ['maxSubscriptions', 'max_subscriptions', Number.MIN_SAFE_INTEGER],
  ['maxClosedClients', 'max_closed_clients', 0],
  ['logSizeLimit', 'log_size_limit', 0],
  ['maxTracedMsgLen', 'max_traced_msg_len', 0],
];

/** Durations (ms): [name in messages]; any length is allowed (timers.ts handles long ones). */
const DURATIONS: [keyof ServerOptions, string][] = [
  ['pingInterval', 'ping_interval'],
  ['pingTimeout', 'ping_timeout'],
  ['writeDeadline', 'write_deadline'],
  ['authTimeout', 'authorization timeout'],
  ['lameDuckDuration', 'lame_duck_duration'],
  ['lameDuckGracePeriod', 'lame_duck_grace_period'],
  ['tcpKeepAlive', 'tcp_keepalive'],
  ['busyPoll', 'busy_poll'],
];

/** The problems of a complete set of options (defaults applied); empty when it is valid. */
export function validateOptions(o: ServerOptions): OptionIssue[] {
  const out: OptionIssue[] = [];
  const bad = (field: keyof ServerOptions, message: string, related?: (keyof ServerOptions)[]) => out.push({ field, message, related });
  for (const [f, name, min] of INTEGERS) {
    const v = o[f] as unknown;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) bad(f, `${name} must be an integer, got ${JSON.stringify(v)}`);
    else if (v < min) bad(f, `${name} must be at least ${min}, got ${v}`);
  }
  if (typeof o.port === 'number' && o.port > 65535) bad('port', `invalid port ${o.port}`);
  if (typeof o.httpPort === 'number' && o.httpPort > 65535) bad('httpPort', `invalid port ${o.httpPort}`);
  if (typeof o.httpsPort === 'number' && o.httpsPort > 65535) bad('httpsPort', `invalid port ${o.httpsPort}`);
  if (typeof o.allowNonTls !== 'boolean') bad('allowNonTls', `allow_non_tls must be a boolean, got ${JSON.stringify(o.allowNonTls)}`);
  if (o.tls !== undefined) for (const m of tlsShapeIssues(o.tls)) bad('tls', m);
  for (const [f, name] of DURATIONS) {
    const v = o[f] as unknown;
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) bad(f, `${name} must be a non-negative duration in milliseconds, got ${JSON.stringify(v)}`);
  }
  if (typeof o.host !== 'string') bad('host', `host must be a string, got ${JSON.stringify(o.host)}`);
  if (out.length > 0) return out; // the cross-checks below assume the types are right

  if (o.maxPayload > o.maxPending) bad('maxPayload', `max_payload (${o.maxPayload}) cannot be higher than max_pending (${o.maxPending})`, ['maxPending']);
  // (The 30 s minimum of lame_duck_duration is the config file's rule, opts.go; the API allows less.)
  if (o.lameDuckGracePeriod >= o.lameDuckDuration) {
    bad('lameDuckGracePeriod', `lame duck grace period (${formatGoDuration(o.lameDuckGracePeriod)}) should be strictly lower than lame duck duration (${formatGoDuration(o.lameDuckDuration)})`, ['lameDuckDuration']);
  }
  if (o.busyPoll > C.MAX_BUSY_POLL_MS) bad('busyPoll', `invalid busy_poll of ${formatGoDuration(o.busyPoll)}, needs to be at most ${formatGoDuration(C.MAX_BUSY_POLL_MS)}`);
  // server.go StartMonitoring (the reference checks these when the monitor starts; tsnats at load).
  if (o.httpPort !== 0 && o.httpsPort !== 0) bad('httpsPort', `can't specify both HTTP (${o.httpPort}) and HTTPs (${o.httpsPort}) ports`, ['httpPort']);
  else if (o.httpsPort !== 0 && !o.tls) bad('httpsPort', "Can't start monitoring: TLS cert and key required for HTTPS");
  if (o.noAuthUser) {
    // server.go validateAuth
    const why = noAuthUserIssue(o, o.noAuthUser);
    if (why !== null) bad('noAuthUser', why);
  }
  if (o.websocket !== undefined) for (const m of websocketIssues(o)) bad('websocket', m);
  validateCluster(o, bad);
  for (const m of leafnodeIssues(o)) bad('leafnodes', m);
  return out;
}

/** cluster { … } and routes (types, ranges, URLs; opts.go parseCluster, route.go). */
function validateCluster(o: ServerOptions, bad: (field: keyof ServerOptions, message: string, related?: (keyof ServerOptions)[]) => void): void {
  const c = o.cluster;
  if (c !== undefined) {
    if (typeof c !== 'object' || c === null) return bad('cluster', `cluster must be an object, got ${JSON.stringify(c)}`);
    const port = c.port ?? 0;
    if (typeof port !== 'number' || !Number.isSafeInteger(port) || port < -1 || port > 65535) bad('cluster', `invalid cluster port ${JSON.stringify(c.port)}`);
    for (const k of ['name', 'host', 'advertise', 'username', 'password'] as const) {
      if (c[k] !== undefined && typeof c[k] !== 'string') bad('cluster', `cluster ${k} must be a string, got ${JSON.stringify(c[k])}`);
    }
    if (c.authTimeout !== undefined && (typeof c.authTimeout !== 'number' || !(c.authTimeout >= 0))) {
      bad('cluster', `cluster authorization timeout must be a non-negative duration in milliseconds, got ${JSON.stringify(c.authTimeout)}`);
    }
    if (c.connectRetries !== undefined && (typeof c.connectRetries !== 'number' || !Number.isSafeInteger(c.connectRetries))) {
      bad('cluster', `cluster connect_retries must be an integer, got ${JSON.stringify(c.connectRetries)}`);
    }
    if (c.noAdvertise !== undefined && typeof c.noAdvertise !== 'boolean') bad('cluster', `cluster no_advertise must be a boolean, got ${JSON.stringify(c.noAdvertise)}`);
    if (c.tls !== undefined) for (const m of tlsShapeIssues(c.tls)) bad('cluster', `cluster ${m}`);
    if (typeof c.advertise === 'string' && c.advertise !== '') {
      const hp = parseHostPort(c.advertise, 0);
      if (typeof hp === 'string') bad('cluster', `invalid Cluster.Advertise value of ${c.advertise}, err=${hp}`);
    }
  }
  if (o.routes !== undefined) {
    if (!Array.isArray(o.routes)) return bad('routes', `routes must be an array of URLs, got ${JSON.stringify(o.routes)}`);
    for (const r of o.routes) {
      if (typeof r !== 'string') {
        bad('routes', `route URL must be a string, got ${JSON.stringify(r)}`);
        continue;
      }
      const u = parseRouteURL(r);
      if (typeof u === 'string') bad('routes', u);
    }
  }
}

/** validateNoAuthUser (auth.go): why `name` cannot be the no_auth_user, or null. */
function noAuthUserIssue(o: ServerOptions, name: string): string | null {
  const users = [...(o.users ?? []), ...(o.accounts ?? []).flatMap((a) => a.users ?? [])];
  if (o.trustedOperators?.length) return 'no_auth_user not compatible with Trusted Operator';
  if (users.length === 0) return `no_auth_user: "${name}" present, but users are not defined`;
  if (!users.some((u) => u.user === name)) return `no_auth_user: "${name}" not present as user in authorization block or account configuration`;
  return null;
}

/**
 * The websocket block's problems: types, then validateWebsocketOptions (websocket.go) in its order
 * and with its texts. A port of 0 or -1 means a free port here (the config file drops a block whose
 * port is 0, as the reference ignores it).
 */
function websocketIssues(o: ServerOptions): string[] {
  const w = o.websocket as unknown;
  if (typeof w !== 'object' || w === null || Array.isArray(w)) return [`websocket must be an object, got ${JSON.stringify(w)}`];
  const ws = o.websocket!;
  const out: string[] = [];
  if (typeof ws.port !== 'number' || !Number.isSafeInteger(ws.port) || ws.port < -1 || ws.port > 65535) out.push(`websocket port must be an integer from -1 to 65535, got ${JSON.stringify(ws.port)}`);
  for (const k of ['host', 'advertise', 'noAuthUser', 'jwtCookie'] as const) {
    if (ws[k] !== undefined && typeof ws[k] !== 'string') out.push(`websocket ${k} must be a string, got ${JSON.stringify(ws[k])}`);
  }
  for (const k of ['noTls', 'sameOrigin', 'compression'] as const) {
    if (ws[k] !== undefined && typeof ws[k] !== 'boolean') out.push(`websocket ${k} must be a boolean, got ${JSON.stringify(ws[k])}`);
  }
  if (ws.handshakeTimeout !== undefined && (typeof ws.handshakeTimeout !== 'number' || !(ws.handshakeTimeout >= 0))) {
    out.push(`websocket handshake_timeout must be a non-negative duration in milliseconds, got ${JSON.stringify(ws.handshakeTimeout)}`);
  }
  if (ws.allowedOrigins !== undefined && (!Array.isArray(ws.allowedOrigins) || !ws.allowedOrigins.every((x) => typeof x === 'string'))) {
    out.push(`websocket allowed_origins must be an array of strings, got ${JSON.stringify(ws.allowedOrigins)}`);
  }
  if (ws.tls !== undefined && (typeof ws.tls !== 'object' || ws.tls === null)) out.push('websocket tls must be an object (node:tls options)');
  if (ws.tlsConfig !== undefined) for (const m of tlsShapeIssues(ws.tlsConfig)) out.push(`websocket ${m}`);
  const a = ws.authorization as unknown;
  if (a !== undefined) {
    if (typeof a !== 'object' || a === null || Array.isArray(a)) out.push(`websocket authorization must be an object, got ${JSON.stringify(a)}`);
    else {
      const au = ws.authorization!;
      for (const k of ['user', 'password', 'token'] as const) {
        if (au[k] !== undefined && typeof au[k] !== 'string') out.push(`websocket authorization ${k} must be a string`);
      }
      if (au.timeout !== undefined && (typeof au.timeout !== 'number' || !(au.timeout >= 0))) out.push(`websocket authorization timeout must be a non-negative duration in milliseconds, got ${JSON.stringify(au.timeout)}`);
    }
  }
  if (out.length > 0) return out;

  // validateWebsocketOptions, in its order; the first problem stops it.
  if (ws.noTls === false && !ws.tls && !ws.tlsConfig) return ['websocket requires TLS configuration'];
  for (const ao of ws.allowedOrigins ?? []) {
    const e = allowedOriginError(ao);
    if (e !== null) return [e];
  }
  if (ws.noAuthUser) {
    const why = noAuthUserIssue(o, ws.noAuthUser);
    if (why !== null) return [why];
  }
  // o.Users holds the accounts' users too (parseAccounts), nkey users included.
  const users = [...(o.users ?? []), ...(o.accounts ?? []).flatMap((x) => x.users ?? [])];
  if (users.length > 0) {
    if (ws.authorization?.user) return ['websocket authentication username not compatible with presence of users/nkeys'];
    if (ws.authorization?.token) return ['websocket authentication token not compatible with presence of users/nkeys'];
  }
  if (ws.jwtCookie && !o.trustedOperators?.length) {
    return [`trusted operators or trusted keys configuration is required for JWT authentication via cookie ${goQuote(ws.jwtCookie)}`];
  }
  return [];
}

/**
 * The shape of `tls` as the TypeScript API may pass it (the config loader only makes valid ones):
 * types, names the reference knows, pinned_certs entries. File contents are checked when the
 * server builds its TLS context (tls/options.ts buildSecureContextOptions).
 */
function tlsShapeIssues(t: unknown): string[] {
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return [`tls must be an object, got ${JSON.stringify(t)}`];
  const out: string[] = [];
  const c = t as Record<string, unknown>;
  for (const f of ['certFile', 'keyFile', 'caFile']) {
    if (c[f] !== undefined && typeof c[f] !== 'string') out.push(`tls.${f} must be a file name, got ${JSON.stringify(c[f])}`);
  }
  for (const f of ['verify', 'verifyAndMap', 'insecure', 'checkKnownUrls']) {
    if (c[f] !== undefined && typeof c[f] !== 'boolean') out.push(`tls.${f} must be a boolean, got ${JSON.stringify(c[f])}`);
  }
  const tm = c.timeoutMs;
  if (tm !== undefined && (typeof tm !== 'number' || Number.isNaN(tm) || tm < 0)) out.push(`tls.timeoutMs must be a non-negative duration in milliseconds, got ${JSON.stringify(tm)}`);
  const rl = c.rateLimit;
  if (rl !== undefined && (typeof rl !== 'number' || !Number.isSafeInteger(rl))) out.push(`tls.rateLimit must be an integer, got ${JSON.stringify(rl)}`);
  const names = (f: string, known: Record<string, unknown>, what: string) => {
    const v = c[f];
    if (v === undefined) return;
    if (!Array.isArray(v) || v.length === 0) return void out.push(`tls.${f} must be a non-empty list of names, got ${JSON.stringify(v)}`);
    for (const n of v) if (typeof n !== 'string' || !Object.hasOwn(known, n)) out.push(`unrecognized ${what} ${String(n)}`);
  };
  names('cipherSuites', CIPHER_SUITES, 'cipher');
  names('curvePreferences', CURVES, 'curve preference');
  const pc = c.pinnedCerts;
  if (pc !== undefined && pc !== null) {
    const list = pc instanceof Set ? [...pc] : Array.isArray(pc) ? pc : null;
    if (list === null) out.push('tls.pinnedCerts must be a list of hex-encoded sha256 of DER encoded SubjectPublicKeyInfo');
    else for (const e of list) if (typeof e !== 'string' || !/^[a-fA-F0-9]{64}$/.test(e)) out.push(`tls.pinnedCerts entry ${JSON.stringify(e)} does not look like hex-encoded sha256 of DER encoded SubjectPublicKeyInfo`);
  }
  if (c.minVersion !== undefined && c.minVersion !== '1.2' && c.minVersion !== '1.3') out.push(`tls.minVersion must be "1.2" or "1.3", got ${JSON.stringify(c.minVersion)}`);
  const hf = c.handshakeFirst;
  if (hf !== undefined && typeof hf !== 'boolean') {
    const ms = (hf as { fallbackMs?: unknown } | null)?.fallbackMs;
    if (typeof hf !== 'object' || hf === null || typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
      out.push(`tls.handshakeFirst must be a boolean or { fallbackMs }, got ${JSON.stringify(hf)}`);
    }
  }
  return out;
}

/** Throws the problems of `o` as one TsnatsError('INVALID_OPTIONS'), one per line. */
export function assertValidOptions(o: ServerOptions): void {
  const issues = validateOptions(o);
  if (issues.length > 0) throw new TsnatsError('INVALID_OPTIONS', issues.map((i) => i.message).join('\n'));
}
