// Config tree → Partial<ServerOptions> (opts.go processConfigFileLine), with nats-server's option
// names and aliases, its messages, and positions for everything.
//   - Durations become ms, sizes bytes. A 0 where the reference means "the default" (port,
//     ping_interval, max_payload…) leaves the option unset.
//   - Options the reference knows but tsnats does not implement: a warning ('ignored') and tsnats
//     runs without them; or an error ('unsupported') where running without them would be unsafe
//     (OCSP stapling; trust settings that restrict who may connect).
//   - Unknown fields are errors (`unknown field "x"`), except variables that were referenced.
//   - Cross-option checks the reference makes at startup (max_payload ≤ max_pending, lame duck
//     grace < duration, no_auth_user exists) are reported here, at the option's position.
import { defaultOptions, type ServerOptions } from '../options.js';
import { validateOptions } from '../options-validate.js';
import * as C from '../const.js';
import { ConfigError, formatIssue, issue, type ConfigIssue, type Pos } from './errors.js';
import { parseConfig, parseConfigFile, type ConfNode, type MapNode, type ParseOptions } from './parse.js';
import { LoadContext, entries, goType } from './load-values.js';
import { goQuote } from '../errors.js';
import { loadAuthorization } from './load-auth.js';
import { loadAccounts } from './load-accounts.js';
import { loadJetStream, loadStoreDir } from './load-jetstream.js';
import { loadTls } from './load-tls.js';
import { loadCluster } from './load-cluster.js';
import { loadLeafnodes } from './load-leafnodes.js';
import { loadWebsocket } from './load-websocket.js';
import { formatGoDuration } from './duration.js';
import { isAccountJWT, readOperatorJWT } from './jwt.js';

export interface LoadResult {
  options: Partial<ServerOptions>;
  /** Problems tsnats runs despite ('deprecated', 'ignored'). */
  warnings: ConfigIssue[];
  /** Problems that stop the server ('syntax', 'invalid', 'unsupported'). */
  errors: ConfigIssue[];
  /** Where each option was set (its key), for later messages. */
  positions: Partial<Record<keyof ServerOptions, Pos>>;
}

export interface LoadOptions extends Omit<ParseOptions, 'file'> {
  /** How operator JWT files are read (default: fs, relative to the working directory as the reference). */
  readOperatorFile?: (path: string) => string;
}

/** Read, parse and load a config file. Never throws for config problems: see `errors`. */
export function loadConfigFile(path: string, opts: LoadOptions = {}): LoadResult {
  let root: MapNode;
  try {
    root = parseConfigFile(path, opts);
  } catch (e) {
    return failed(e);
  }
  const r = loadTree(root, opts);
  r.options.configFile = path;
  return r;
}

/** Parse and load config text (`file` names it in positions and anchors includes). */
export function loadConfig(text: string, opts: LoadOptions & { file?: string } = {}): LoadResult {
  let root: MapNode;
  try {
    root = parseConfig(text, opts);
  } catch (e) {
    return failed(e);
  }
  return loadTree(root, opts);
}

function failed(e: unknown): LoadResult {
  if (!(e instanceof ConfigError)) throw e;
  return { options: {}, warnings: [], errors: e.issues, positions: {} };
}

/** nats-server -t semantics: errors, and the reference's own warnings, fail the check. */
export function passesCheck(r: LoadResult): boolean {
  return r.errors.length === 0 && !r.warnings.some((w) => w.code === 'deprecated');
}

type Handler = (ctx: LoadContext, node: ConfNode, key: string, opts: LoadOptions) => void;

const ignored =
  (what: string): Handler =>
  (ctx, node, key) =>
    ctx.warn(node, `tsnats ignores ${goQuote(key)}: ${what}`, 'ignored');
const unsupported =
  (why: string): Handler =>
  (ctx, node, key) =>
    void ctx.error(node, `${goQuote(key)} is not supported by tsnats yet: ${why}`, 'unsupported');

const NO_OCSP = 'OCSP stapling is not implemented, and tsnats will not run without it when it was asked for';

const str =
  (field: keyof ServerOptions): Handler =>
  (ctx, node, key) =>
    ctx.set(field, ctx.str(node, key) as never, node);
const bool =
  (field: keyof ServerOptions): Handler =>
  (ctx, node, key) =>
    ctx.set(field, ctx.bool(node, key) as never, node);
/** An integer where 0 means "the default" (setBaselineOptions); negative refused. */
const count =
  (field: keyof ServerOptions, max = Number.MAX_SAFE_INTEGER): Handler =>
  (ctx, node, key) => {
    const v = ctx.nonNegInt(node, key);
    if (v === undefined) return;
    if (v > max) return void ctx.error(node, `${key} value is too big`);
    if (v === 0) ctx.unset(field, node);
    else ctx.set(field, v as never, node);
  };
/** An integer limit where a negative value means "no limit" (as the reference behaves), 0 the default. */
const limit =
  (field: keyof ServerOptions): Handler =>
  (ctx, node, key) => {
    const v = ctx.int(node, key);
    if (v === undefined) return;
    if (v === 0 && field === 'maxConnections') ctx.unset(field, node);
    else ctx.set(field, v as never, node);
  };
/** A duration; 0 means the default for the reference's options. */
const duration =
  (field: keyof ServerOptions, opts: { legacy: boolean; zeroIsDefault: boolean }): Handler =>
  (ctx, node, key) => {
    const ms = ctx.duration(node, key.toLowerCase(), opts.legacy);
    if (ms === undefined) return;
    if (ms === 0 && opts.zeroIsDefault) ctx.unset(field, node);
    else ctx.set(field, ms as never, node);
  };

/** A port: -1 = random, 0 = the default, 1..65535. */
function port(ctx: LoadContext, node: ConfNode, v: number, field: 'port' | 'httpPort' | 'httpsPort'): void {
  if (v < -1 || v > 65535) return void ctx.error(node, `invalid port ${v}`);
  if (v === 0 && field === 'port') ctx.unset('port', node);
  else ctx.set(field, v, node);
}

/** listen / http: `port`, `host:port` or `[ipv6]:port` (opts.go parseListen). */
export function hostPort(ctx: LoadContext, node: ConfNode): { host?: string; port?: number } | undefined {
  if (node.kind === 'integer') return { port: node.value };
  if (node.kind !== 'string') return ctx.error(node, `expected port or host:port, got ${goType(node)}`);
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(node.value);
  if (!m) return ctx.error(node, `could not parse address string ${goQuote(node.value)}`);
  const p = m[3]!;
  if (!/^[+-]?\d+$/.test(p)) return ctx.error(node, `could not parse port ${goQuote(p)}`);
  const host = m[1] ?? m[2] ?? '';
  return { host: host || undefined, port: Number(p) };
}

const TOP: Record<string, Handler> = {
  listen: (ctx, node) => {
    const hp = hostPort(ctx, node);
    if (!hp) return;
    if (hp.host) ctx.set('host', hp.host, node);
    if (hp.port !== undefined) port(ctx, node, hp.port, 'port');
  },
  client_advertise: str('clientAdvertise'),
  port: (ctx, node, key) => {
    const v = ctx.int(node, key);
    if (v !== undefined) port(ctx, node, v, 'port');
  },
  server_name: str('serverName'),
  host: str('host'),
  net: str('host'),
  debug: bool('debug'),
  trace: bool('trace'),
  trace_verbose: (ctx, node, key) => {
    const v = ctx.bool(node, key);
    ctx.set('traceVerbose', v, node);
    ctx.set('trace', v, node);
  },
  logtime: bool('logtime'),
  mappings: ignored('subject mappings are not supported yet'),
  maps: ignored('subject mappings are not supported yet'),
  disable_sublist_cache: bool('disableSublistCache'),
  no_sublist_cache: bool('disableSublistCache'),
  accounts: (ctx, node) => loadAccounts(ctx, node),
  authorization: (ctx, node) => loadAuthorization(ctx, node),
  http: (ctx, node) => {
    const hp = hostPort(ctx, node);
    if (!hp) return;
    if (hp.host) ctx.set('httpHost', hp.host, node);
    if (hp.port !== undefined) port(ctx, node, hp.port, 'httpPort');
  },
  https: (ctx, node) => {
    const hp = hostPort(ctx, node);
    if (!hp) return;
    if (hp.host) ctx.set('httpHost', hp.host, node);
    if (hp.port !== undefined) port(ctx, node, hp.port, 'httpsPort');
  },
  http_port: (ctx, node, key) => {
    const v = ctx.int(node, key);
    if (v !== undefined) port(ctx, node, v, 'httpPort');
  },
  monitor_port: (ctx, node, key) => TOP['http_port']!(ctx, node, key, {}),
  https_port: (ctx, node, key) => {
    const v = ctx.int(node, key);
    if (v !== undefined) port(ctx, node, v, 'httpsPort');
  },
  http_base_path: str('httpBasePath'),
  cluster: (ctx, node) => loadCluster(ctx, node),
  gateway: ignored('gateways are not supported yet'),
  leaf: (ctx, node) => loadLeafnodes(ctx, node),
  leafnodes: (ctx, node) => loadLeafnodes(ctx, node),
  store_dir: (ctx, node, key) => loadStoreDir(ctx, node, key),
  storedir: (ctx, node, key) => loadStoreDir(ctx, node, key),
  jetstream: (ctx, node) => loadJetStream(ctx, node),
  logfile: str('logFile'),
  log_file: str('logFile'),
  logfile_size_limit: (ctx, node, key) => ctx.set('logSizeLimit', ctx.nonNegInt(node, key), node),
  log_size_limit: (ctx, node, key) => ctx.set('logSizeLimit', ctx.nonNegInt(node, key), node),
  syslog: ignored('syslog is not supported; logs go to stderr or log_file'),
  remote_syslog: ignored('syslog is not supported; logs go to stderr or log_file'),
  pidfile: str('pidFile'),
  pid_file: str('pidFile'),
  ports_file_dir: str('portsFileDir'),
  prof_port: ignored('the Go profiler does not apply'),
  max_control_line: count('maxControlLine', 2 ** 31 - 1),
  max_payload: count('maxPayload', 2 ** 31 - 1),
  max_pending: count('maxPending'),
  max_connections: limit('maxConnections'),
  max_conn: limit('maxConnections'),
  max_traced_msg_len: (ctx, node, key) => ctx.set('maxTracedMsgLen', ctx.nonNegInt(node, key), node),
  max_subscriptions: limit('maxSubscriptions'),
  max_subs: limit('maxSubscriptions'),
  max_sub_tokens: ignored('a limit on subject tokens is not supported yet'),
  max_subscription_tokens: ignored('a limit on subject tokens is not supported yet'),
  ping_interval: duration('pingInterval', { legacy: true, zeroIsDefault: true }),
  ping_max: count('pingMax'),
  tls: (ctx, node) => loadTls(ctx, node),
  ocsp: (ctx, node, key, o) => {
    // `ocsp: false` asks for nothing; anything else is stapling, which tsnats does not do.
    if (node.kind === 'bool' && !node.value) return;
    unsupported(NO_OCSP)(ctx, node, key, o);
  },
  allow_non_tls: bool('allowNonTls'),
  write_deadline: duration('writeDeadline', { legacy: true, zeroIsDefault: true }),
  lame_duck_duration: (ctx, node, key) => {
    // opts.go: a duration string (v.(string)), at least 30s.
    if (node.kind !== 'string') return void ctx.typeError(node, key, 'a duration string (e.g. "2m")');
    const ms = ctx.duration(node, key, false);
    if (ms === undefined) return;
    if (ms < 30_000) return void ctx.error(node, `invalid lame_duck_duration of ${formatGoDuration(ms)}, minimum is 30 seconds`);
    ctx.set('lameDuckDuration', ms, node);
  },
  lame_duck_grace_period: (ctx, node, key) => {
    if (node.kind !== 'string') return void ctx.typeError(node, key, 'a duration string (e.g. "10s")');
    const ms = ctx.duration(node, key, false, 'invalid lame_duck_grace_period, needs to be positive');
    if (ms === undefined) return;
    if (ms === 0) ctx.unset('lameDuckGracePeriod', node);
    else ctx.set('lameDuckGracePeriod', ms, node);
  },
  operator: loadOperators,
  operators: loadOperators,
  roots: loadOperators,
  root: loadOperators,
  root_operators: loadOperators,
  root_operator: loadOperators,
  resolver: loadResolver,
  account_resolver: loadResolver,
  accounts_resolver: loadResolver,
  resolver_tls: ignored('only the MEMORY resolver is supported, which needs no TLS'),
  resolver_preload: loadResolverPreload,
  resolver_pinned_accounts: unsupported('restricting the accounts the resolver accepts is not implemented'),
  no_auth_user: str('noAuthUser'),
  system_account: (ctx, node) => systemAccount(ctx, node),
  system: (ctx, node) => systemAccount(ctx, node),
  no_system_account: bool('noSystemAccount'),
  no_system: bool('noSystemAccount'),
  no_sys_acc: bool('noSystemAccount'),
  no_header_support: bool('noHeaderSupport'),
  trusted: unsupported('trusted keys are not implemented (use "operator")'),
  trusted_keys: unsupported('trusted keys are not implemented (use "operator")'),
  connect_error_reports: count('connectErrorReports'),
  reconnect_error_reports: count('reconnectErrorReports'),
  websocket: (ctx, node) => loadWebsocket(ctx, node),
  ws: (ctx, node) => loadWebsocket(ctx, node),
  mqtt: ignored('MQTT is not supported'),
  server_tags: ignored('server tags are not supported yet'),
  default_js_domain: ignored('JetStream domains across leafnodes are not supported yet'),

  // tsnats extensions.
  ping_timeout: duration('pingTimeout', { legacy: false, zeroIsDefault: false }),
  busy_poll: (ctx, node, key) => {
    const ms = ctx.duration(node, key.toLowerCase(), false);
    if (ms === undefined) return;
    if (ms > C.MAX_BUSY_POLL_MS) return void ctx.error(node, `invalid busy_poll of ${formatGoDuration(ms)}, needs to be at most ${formatGoDuration(C.MAX_BUSY_POLL_MS)}`);
    ctx.set('busyPoll', ms, node);
  },
  tcp_keepalive: (ctx, node, key) => {
    if (node.kind === 'bool') {
      if (!node.value) ctx.set('tcpKeepAlive', 0, node);
      else ctx.unset('tcpKeepAlive', node);
      return;
    }
    ctx.set('tcpKeepAlive', ctx.duration(node, key, false), node);
  },
};

function systemAccount(ctx: LoadContext, node: ConfNode): void {
  if (node.kind !== 'string') return void ctx.error(node, 'system account name must be a string');
  ctx.set('systemAccount', node.value, node);
}

function loadOperators(ctx: LoadContext, node: ConfNode, _key: string, opts: LoadOptions): void {
  let files: string[];
  if (node.kind === 'string') files = [node.value];
  else if (node.kind === 'array' && node.value.every((n) => n.kind === 'string')) files = node.value.map((n) => (n as { value: string }).value);
  else return void ctx.error(node, `error parsing operators: unsupported type ${goType(node)}`);
  const jwts: string[] = [];
  let sysAccount: string | undefined;
  for (const f of files) {
    const r = readOperatorJWT(f, opts.readOperatorFile);
    if ('error' in r) {
      ctx.error(node, `error parsing operator JWT: ${r.error}`);
      continue;
    }
    jwts.push(r.jwt);
    sysAccount = r.claims.nats.system_account || undefined;
  }
  ctx.set('trustedOperators', jwts, node);
  // With one operator, its system account is the default (system_account, if set, wins: see loadTree).
  if (jwts.length === 1 && sysAccount) operatorSystemAccount.set(ctx, sysAccount);
}
const operatorSystemAccount = new WeakMap<LoadContext, string>();

function loadResolver(ctx: LoadContext, node: ConfNode, key: string): void {
  if (node.kind === 'string') {
    if (/^\s*(MEM|MEMORY)\s*$/i.test(node.value)) return ctx.set('resolver', { type: 'memory' }, node);
    if (/^\s*URL\s*\(/i.test(node.value))
      return void ctx.error(node, `${goQuote(key)} is not supported by tsnats yet: only the MEMORY resolver (with resolver_preload) is implemented`, 'unsupported');
    return void ctx.error(node, 'error parsing account resolver, should be MEM or  URL("url") or a map containing dir and type state=[FULL|CACHE])');
  }
  if (node.kind === 'map')
    return void ctx.error(node, `${goQuote(key)} is not supported by tsnats yet: only the MEMORY resolver (with resolver_preload) is implemented`, 'unsupported');
  ctx.error(node, `error parsing operator resolver, wrong type ${goType(node)}`);
}

function loadResolverPreload(ctx: LoadContext, node: ConfNode): void {
  if (node.kind !== 'map') return void ctx.error(node, 'preload should be a map of account_public_key:account_jwt');
  const preload: Record<string, string> = {};
  for (const [k, v] of node.value) {
    if (v.kind !== 'string') {
      ctx.error(v, 'preload map value should be a string JWT');
      continue;
    }
    if (!isAccountJWT(v.value)) {
      ctx.error(v, 'invalid account JWT');
      continue;
    }
    preload[k] = v.value;
  }
  ctx.set('resolverPreload', preload, node);
}

/** Load a parsed tree. */
export function loadTree(root: MapNode, opts: LoadOptions = {}): LoadResult {
  const ctx = new LoadContext();
  for (const [key, rawKey, node] of entries(root)) {
    const h = TOP[key];
    if (h) h(ctx, node, rawKey, opts);
    else ctx.unknownField(rawKey, node);
  }
  const opSys = operatorSystemAccount.get(ctx);
  if (opSys && ctx.options.systemAccount === undefined) ctx.options.systemAccount = opSys;
  crossChecks(ctx);
  return { options: ctx.options, warnings: ctx.warnings, errors: ctx.errors, positions: ctx.positions };
}

/**
 * The checks nats-server makes when the server starts (validateOptions, shared with the CLI and
 * startServer()), reported at the position of the option they concern.
 */
function crossChecks(ctx: LoadContext): void {
  // nats-server validates options only once the file parsed: a broken option is reported alone.
  if (ctx.errors.length > 0) return;
  const pos = ctx.positions;
  for (const i of validateOptions({ ...defaultOptions(), ...ctx.options })) {
    const at = [i.field, ...(i.related ?? [])].map((f) => pos[f]).find((p) => p !== undefined);
    ctx.errors.push(issue(at ?? { file: '', line: 0, col: 0 }, i.message));
  }
}

/**
 * What `-t` prints, as nats-server: on success `<program>: configuration file <file> is valid` (after
 * any tsnats warnings); otherwise `<program>: ` and every warning then every error, one per line, exit 1.
 */
export function checkReport(file: string, r: LoadResult, program = 'tsnats'): { stderr: string; exitCode: 0 | 1 } {
  const lines = [...r.warnings, ...r.errors].map(formatIssue);
  if (passesCheck(r)) {
    const notes = lines.map((l) => `${program}: ${l}\n`).join('');
    return { stderr: `${notes}${program}: configuration file ${file} is valid\n`, exitCode: 0 };
  }
  return { stderr: `${program}: ${lines.join('\n')}\n\n`, exitCode: 1 };
}
