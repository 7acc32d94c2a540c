// What a config reload would change (server/reload.go diffOptions), as a pure function.
// nats-server reloads all or nothing: if any changed option cannot be reloaded, the whole reload
// fails with `config reload not supported for <GoFieldName>: old=<v>, new=<v>` (it reports the first,
// in the order of its Options struct; `refused` keeps that order). Otherwise it logs one line per
// change (`Reloaded: ping_interval = 5s`), in the same order, then `Reloaded server configuration`.
//
// Both option sets should be complete (defaults applied) and, as the reference does on reload,
// `next` should already have the command-line flags merged over the new file (mergeOptions), so
// that options given as flags keep their value.
import { tlsTimeoutMs, type ServerOptions, type TlsConfig } from '../options.js';
import { DEFAULT_SYSTEM_ACCOUNT } from '../const.js';
import { formatGoDuration } from './duration.js';

export interface ReloadChange {
  field: keyof ServerOptions;
  /** The option's name in nats.conf terms, as the log line has it (`ping_interval`, `authorization users`). */
  configName: string;
  value: unknown;
  /** The reference's log line, without the `[INF] ` prefix. */
  message: string;
}
export interface ReloadRefusal {
  field: keyof ServerOptions;
  message: string;
}
export interface ReloadDiff {
  changes: ReloadChange[];
  refused: ReloadRefusal[];
}

type Fmt = 'plain' | 'duration' | 'seconds';
interface Entry {
  field: keyof ServerOptions;
  /** nats-server's Options field name, used in refusals. */
  goName: string;
  /** Reloadable: the config name and how the value is printed; absent: refused. */
  reload?: { name: string; fmt: Fmt; line?: (v: string) => string };
}

const R = (name: string, fmt: Fmt = 'plain', line?: (v: string) => string) => ({ name, fmt, ...(line ? { line } : {}) });

// In the order of nats-server 2.9's Options struct, which is the order of its reload log lines.
const TABLE: Entry[] = [
  { field: 'serverName', goName: 'ServerName' },
  { field: 'host', goName: 'Host' },
  { field: 'port', goName: 'Port' },
  // The reference's line really says "Reload:" here.
  { field: 'clientAdvertise', goName: 'ClientAdvertise', reload: R('client_advertise', 'plain', (v) => `Reload: client_advertise = ${v}`) },
  { field: 'trace', goName: 'Trace', reload: R('trace') },
  { field: 'debug', goName: 'Debug', reload: R('debug') },
  { field: 'traceVerbose', goName: 'TraceVerbose', reload: R('trace_verbose') },
  { field: 'disableSublistCache', goName: 'NoSublistCache' },
  { field: 'noHeaderSupport', goName: 'NoHeaderSupport' },
  { field: 'logtime', goName: 'Logtime', reload: R('logtime') },
  { field: 'maxConnections', goName: 'MaxConn', reload: R('max_connections') },
  { field: 'maxSubscriptions', goName: 'MaxSubs' },
  // users (Nkeys, Users), accounts, no_auth_user and system_account: special cases below.
  { field: 'users', goName: 'Users' },
  { field: 'accounts', goName: 'Accounts' },
  { field: 'noAuthUser', goName: 'NoAuthUser' },
  { field: 'systemAccount', goName: 'SystemAccount' },
  { field: 'noSystemAccount', goName: 'NoSystemAccount' },
  { field: 'username', goName: 'Username', reload: R('authorization username', 'plain', () => 'Reloaded: authorization username') },
  { field: 'password', goName: 'Password', reload: R('authorization password', 'plain', () => 'Reloaded: authorization password') },
  { field: 'authorization', goName: 'Authorization', reload: R('authorization token', 'plain', () => 'Reloaded: authorization token') },
  { field: 'pingInterval', goName: 'PingInterval', reload: R('ping_interval', 'duration') },
  { field: 'pingMax', goName: 'MaxPingsOut', reload: R('ping_max') },
  { field: 'httpHost', goName: 'HTTPHost' },
  { field: 'httpPort', goName: 'HTTPPort' },
  { field: 'httpBasePath', goName: 'HTTPBasePath' },
  { field: 'httpsPort', goName: 'HTTPSPort' },
  { field: 'authTimeout', goName: 'AuthTimeout', reload: R('authorization timeout', 'seconds') },
  { field: 'maxControlLine', goName: 'MaxControlLine', reload: R('max_control_line') },
  { field: 'maxPayload', goName: 'MaxPayload', reload: R('max_payload') },
  { field: 'maxPending', goName: 'MaxPending' },
  // cluster: reloadable but for its host and port (special case below).
  { field: 'cluster', goName: 'Cluster', reload: R('cluster', 'plain', () => 'Reloaded: cluster') },
  { field: 'pidFile', goName: 'PidFile', reload: R('pid_file') },
  { field: 'portsFileDir', goName: 'PortsFileDir', reload: R('ports_file_dir') },
  { field: 'logFile', goName: 'LogFile', reload: R('log_file') },
  { field: 'logSizeLimit', goName: 'LogSizeLimit' },
  // TLSTimeout, TLSMap, TLSConfig, TLSPinnedCerts, TLSRateLimit: the `tls` block, special case below.
  { field: 'tls', goName: 'TLSConfig' },
  { field: 'allowNonTls', goName: 'AllowNonTLS' },
  { field: 'routes', goName: 'Routes', reload: R('cluster routes', 'plain', () => 'Reloaded: cluster routes') },
  { field: 'writeDeadline', goName: 'WriteDeadline', reload: R('write_deadline', 'duration') },
  { field: 'maxClosedClients', goName: 'MaxClosedClients' },
  { field: 'lameDuckDuration', goName: 'LameDuckDuration' },
  { field: 'lameDuckGracePeriod', goName: 'LameDuckGracePeriod' },
  { field: 'maxTracedMsgLen', goName: 'MaxTracedMsgLen', reload: R('max_traced_msg_len') },
  { field: 'trustedOperators', goName: 'TrustedOperators' },
  { field: 'resolver', goName: 'AccountResolver' },
  // reload.go: any change of the websocket block (its TLS config aside) is refused.
  { field: 'websocket', goName: 'Websocket' },
  // reload.go: any change of the leafnodes block (TLS aside, which tsnats does not have there yet) is refused.
  { field: 'leafnodes', goName: 'LeafNode' },
  { field: 'connectErrorReports', goName: 'ConnectErrorReports', reload: R('connect_error_reports') },
  { field: 'reconnectErrorReports', goName: 'ReconnectErrorReports', reload: R('reconnect_error_reports') },
  { field: 'jetstream', goName: 'JetStream' },
  { field: 'storeDir', goName: 'StoreDir' },
  // tsnats extensions.
  { field: 'pingTimeout', goName: 'PingTimeout', reload: R('ping_timeout', 'duration') },
  { field: 'busyPoll', goName: 'BusyPoll', reload: R('busy_poll', 'duration') },
  { field: 'tcpKeepAlive', goName: 'TCPKeepAlive', reload: R('tcp_keepalive', 'duration') },
];

/** Options a reload leaves alone: not from the config file, or kept as they are (DisableShortFirstPing). */
const NOT_DIFFED = new Set<keyof ServerOptions>(['configFile', 'log', 'disableShortFirstPing', 'defaultPermissions', 'resolverPreload']);

function format(v: unknown, fmt: Fmt): string {
  if (v === undefined || v === null) return '';
  if (fmt === 'duration' && typeof v === 'number') return formatGoDuration(v);
  if (fmt === 'seconds' && typeof v === 'number') return String(v / 1000);
  if (Array.isArray(v)) return `[${v.map((x) => format(x, 'plain')).join(' ')}]`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const DURATION_FIELDS = new Set<keyof ServerOptions>(['pingInterval', 'writeDeadline', 'lameDuckDuration', 'lameDuckGracePeriod', 'pingTimeout', 'tcpKeepAlive', 'busyPoll']);

function refusal(e: Entry, oldV: unknown, newV: unknown): ReloadRefusal {
  const fmt: Fmt = DURATION_FIELDS.has(e.field) ? 'duration' : e.field === 'authTimeout' ? 'seconds' : 'plain';
  return { field: e.field, message: `config reload not supported for ${e.goName}: old=${format(oldV, fmt)}, new=${format(newV, fmt)}` };
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Same content regardless of order (the reference sorts users by name and accounts by name before comparing). */
function sameSet<T>(a: T[] | undefined, b: T[] | undefined, key: (x: T) => string): boolean {
  const sa = [...(a ?? [])].sort((x, y) => key(x).localeCompare(key(y)));
  const sb = [...(b ?? [])].sort((x, y) => key(x).localeCompare(key(y)));
  return deepEqual(sa, sb);
}

/** Compare the running options with the reloaded ones. */
export function diffOptions(old: ServerOptions, next: ServerOptions): ReloadDiff {
  const changes: ReloadChange[] = [];
  const refused: ReloadRefusal[] = [];
  for (const e of TABLE) {
    const o = old[e.field];
    const n = next[e.field];
    switch (e.field) {
      case 'port':
        // A random port (-1, or 0 when embedding) keeps the port the server is listening on.
        if (n === -1 || n === 0 || o === n) continue;
        refused.push(refusal(e, o, n));
        continue;
      case 'users': {
        const nk = (l: ServerOptions['users']) => (l ?? []).filter((u) => u.nkey);
        const up = (l: ServerOptions['users']) => (l ?? []).filter((u) => !u.nkey);
        const byId = (u: { user?: string; nkey?: string }) => u.nkey ?? u.user ?? '';
        const permsChanged = !deepEqual(old.defaultPermissions, next.defaultPermissions);
        if (!sameSet(nk(old.users), nk(next.users), byId))
          changes.push({ field: 'users', configName: 'authorization nkey users', value: nk(next.users), message: 'Reloaded: authorization nkey users' });
        if (permsChanged || !sameSet(up(old.users), up(next.users), byId))
          changes.push({ field: 'users', configName: 'authorization users', value: up(next.users), message: 'Reloaded: authorization users' });
        continue;
      }
      case 'accounts':
        if (!sameSet(o as ServerOptions['accounts'], n as ServerOptions['accounts'], (a) => a.name) || !deepEqual(old.resolverPreload, next.resolverPreload))
          changes.push({ field: 'accounts', configName: 'accounts', value: n, message: 'Reloaded: accounts' });
        continue;
      case 'noAuthUser': {
        if ((o ?? '') === (n ?? '')) continue;
        // Dropping no_auth_user is fine when its user is gone too; any other change is refused.
        if (o && !n) {
          const users = [...(next.users ?? []), ...(next.accounts ?? []).flatMap((a) => a.users ?? [])];
          if (!users.some((u) => u.user === o)) continue;
        }
        refused.push(refusal(e, o, n));
        continue;
      }
      case 'systemAccount':
        if ((o ?? '') === (n ?? '') || (o === DEFAULT_SYSTEM_ACCOUNT && !n)) continue;
        refused.push(refusal(e, o, n));
        continue;
      case 'tls':
        diffTls(old.tls, next.tls, changes, refused);
        continue;
      case 'cluster': {
        // validateClusterOpts: the listener stays where it is.
        const oc = (o ?? {}) as NonNullable<ServerOptions['cluster']>;
        const nc = (n ?? {}) as NonNullable<ServerOptions['cluster']>;
        if ((oc.host ?? '') !== (nc.host ?? '') && (oc.port ?? 0) !== 0) {
          refused.push({ field: 'cluster', message: `config reload not supported for cluster host: old=${oc.host ?? ''}, new=${nc.host ?? ''}` });
          continue;
        }
        const op = oc.port ?? 0;
        const np = nc.port ?? 0;
        // A random port (-1) keeps the port the cluster is listening on.
        if (op !== np && !(op === -1 && np === -1)) {
          refused.push({ field: 'cluster', message: `config reload not supported for cluster port: old=${op}, new=${np}` });
          continue;
        }
        if (deepEqual(o, n)) continue;
        changes.push({ field: 'cluster', configName: 'cluster', value: n, message: 'Reloaded: cluster' });
        continue;
      }
      case 'routes':
        if (deepEqual(o ?? [], n ?? [])) continue;
        changes.push({ field: 'routes', configName: 'cluster routes', value: n, message: 'Reloaded: cluster routes' });
        continue;
      case 'resolver':
        if (deepEqual(o, n)) continue;
        if (!o || !n) refused.push({ field: e.field, message: 'config reload does not support moving to or from an account resolver' });
        else changes.push({ field: 'resolver', configName: 'accounts', value: n, message: 'Reloaded: accounts' });
        continue;
    }
    if (deepEqual(o, n)) continue;
    if (!e.reload) {
      refused.push(refusal(e, o, n));
      continue;
    }
    const v = format(n, e.reload.fmt);
    const message = e.reload.line ? e.reload.line(v) : `Reloaded: ${e.reload.name} = ${v}`;
    changes.push({ field: e.field, configName: e.reload.name, value: n, message });
  }
  // Options this table does not know are refused rather than silently ignored.
  for (const k of new Set([...Object.keys(old), ...Object.keys(next)]) as Set<keyof ServerOptions>) {
    if (NOT_DIFFED.has(k) || TABLE.some((e) => e.field === k)) continue;
    if (!deepEqual(old[k], next[k])) refused.push({ field: k, message: `config reload not supported for ${k}: old=${format(old[k], 'plain')}, new=${format(next[k], 'plain')}` });
  }
  return { changes: dedupe(changes), refused };
}

/**
 * The `tls` block, as the reference diffs its parts (reload.go): `timeout` → `Reloaded: tls timeout
 * = 2`; the certificates, CA, verify, ciphers… (tls.Config) → `Reloaded: tls = enabled|disabled`;
 * `pinned_certs` → `Reloaded: N pinned_certs`; `verify_and_map` (TLSMap) and
 * `connection_rate_limit` cannot be reloaded. A change of the files' contents under the same names
 * is found by the reload itself (server/reload.ts), which reads them.
 */
function diffTls(o: TlsConfig | undefined, n: TlsConfig | undefined, changes: ReloadChange[], refused: ReloadRefusal[]): void {
  if (!!o?.verifyAndMap !== !!n?.verifyAndMap) refused.push({ field: 'tls', message: `config reload not supported for TLSMap: old=${!!o?.verifyAndMap}, new=${!!n?.verifyAndMap}` });
  if ((o?.rateLimit ?? 0) !== (n?.rateLimit ?? 0)) refused.push({ field: 'tls', message: `config reload not supported for TLSRateLimit: old=${o?.rateLimit ?? 0}, new=${n?.rateLimit ?? 0}` });
  const secs = (t: TlsConfig | undefined) => (t ? tlsTimeoutMs(t) / 1000 : 0);
  if (secs(o) !== secs(n)) changes.push({ field: 'tls', configName: 'tls timeout', value: secs(n), message: `Reloaded: tls timeout = ${secs(n)}` });
  if (!sameTlsContext(o, n)) changes.push({ field: 'tls', configName: 'tls', value: n, message: `Reloaded: tls = ${n ? 'enabled' : 'disabled'}` });
  const pins = (t: TlsConfig | undefined) => [...new Set(t?.pinnedCerts ?? [])].map((x) => x.toLowerCase()).sort();
  if (!deepEqual(pins(o), pins(n))) changes.push({ field: 'tls', configName: 'pinned_certs', value: pins(n), message: `Reloaded: ${pins(n).length} pinned_certs` });
}

/** The settings that make the tls.Config (everything but timeout, verify_and_map, pinned_certs and the rate limit). */
export function sameTlsContext(o: TlsConfig | undefined, n: TlsConfig | undefined): boolean {
  if (!o || !n) return !o && !n;
  const ctx = (t: TlsConfig) => ({
    certFile: t.certFile, keyFile: t.keyFile, caFile: t.caFile, verify: !!(t.verify || t.verifyAndMap), insecure: !!t.insecure,
    cipherSuites: t.cipherSuites, curvePreferences: t.curvePreferences, minVersion: t.minVersion, handshakeFirst: t.handshakeFirst,
  });
  return deepEqual(ctx(o), ctx(n));
}

function dedupe(changes: ReloadChange[]): ReloadChange[] {
  const seen = new Set<string>();
  return changes.filter((c) => {
    const k = `${c.field} ${c.message}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

/**
 * The [INF] lines nats-server logs for a successful reload, in its order. It always logs
 * `Reloaded: authorization users` and `Reloaded: accounts` (reload.go diffOptions never compares
 * those fields), whether they changed or not.
 */
export function reloadLogLines(diff: ReloadDiff): string[] {
  const lines: string[] = [];
  const order = (c: ReloadChange) => TABLE.findIndex((e) => e.field === c.field);
  const usersAt = TABLE.findIndex((e) => e.field === 'users');
  const sorted = [...diff.changes].sort((a, b) => order(a) - order(b));
  let always = false;
  const pushAlways = () => {
    if (always) return;
    always = true;
    lines.push('Reloaded: authorization users', 'Reloaded: accounts');
  };
  for (const c of sorted) {
    // Nkeys come just before Users in the reference's Options struct.
    const isNkeys = c.configName === 'authorization nkey users';
    if (order(c) > usersAt || (order(c) === usersAt && !isNkeys)) pushAlways();
    if ((c.field === 'users' && !isNkeys) || c.field === 'accounts') continue;
    if (c.field === 'pidFile' && !c.value) continue; // the reference logs nothing when pid_file is removed
    lines.push(c.message);
  }
  pushAlways();
  lines.push('Reloaded server configuration');
  return lines;
}
