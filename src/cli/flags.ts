// Command line → what to do. nats-server's flags, parsed the way Go's flag package does
// (`-p 4222`, `-p=4222`, `--port 4222`; booleans take no value unless `-T=false`; parsing stops at
// the first non-flag argument or `--`), with nats-server's messages and exit codes:
//   - an unknown flag prints `flag provided but not defined: -x` on stderr and the usage on stdout,
//     and exits 1 (nats-server 2.9.10 exits 0 there, as its usage function does: a deliberate
//     difference, so scripts notice);
//   - `-v`/`--version`/`version` prints the version, `-h`/`--help`/`help` the usage, exit 0;
//   - a leftover argument is `unrecognized command: "x"`, exit 1 (the subcommands doctor, conns and
//     kick are dispatched by main.ts before these flags are parsed: src/doctor/).
// Flags nats-server has and tsnats does not implement (cluster, JetStream…) are a clear error.
// The TLS flags replace the config file's TLS as the reference's overrideTLS does (mergeOptions).
// Pure: no I/O; the CLI prints `stdout`/`stderr` and exits with `exitCode`.
import type { ClusterOptions, ServerOptions, TlsConfig } from '../options.js';
import { CIPHER_SUITES, CURVES } from '../tls/names.js';
import { DEFAULT_PORT, MAX_BUSY_POLL_MS, TSNATS_VERSION, VERSION } from '../const.js';
import { formatGoDuration, parseGoDuration } from '../config/duration.js';

export type SignalName = 'ldm' | 'stop' | 'quit' | 'term' | 'reopen' | 'reload';
export const SIGNALS: readonly SignalName[] = ['ldm', 'stop', 'quit', 'term', 'reopen', 'reload'];

/** The --tls* flags as given (opts.go: any of them replaces the config file's TLS). */
export interface TlsFlags {
  /** --tls (false: --tls=false turns the file's TLS off). */
  tls?: boolean;
  cert?: string;
  key?: string;
  ca?: string;
  verify?: boolean;
}

interface Base {
  /** Options given by flags, only those explicitly set. */
  options: Partial<ServerOptions>;
  /** --tls, --tlscert, --tlskey, --tlscacert, --tlsverify, when any was given. */
  tlsFlags?: TlsFlags;
  /** The option fields set by flags (a config reload must not override them). */
  flagFields: (keyof ServerOptions)[];
  configFile?: string;
}
export type ParsedCommand =
  | (Base & { kind: 'run' })
  | (Base & { kind: 'test-config'; configFile: string })
  /** `--signal <name>[=<pid|pidfile>]`: target is the text after `=` (a pid, or a pid file to read). */
  | (Base & { kind: 'signal'; signal: { name: SignalName; target?: string } })
  | (Base & { kind: 'version'; stdout: string; exitCode: 0 })
  | (Base & { kind: 'help_tls'; stdout: string; exitCode: 0 })
  | (Base & { kind: 'help'; stdout: string; exitCode: 0 })
  | (Base & { kind: 'error'; stderr: string; stdout: string; exitCode: number });

type Kind = 'bool' | 'int' | 'string' | 'duration';
interface State {
  options: Partial<ServerOptions>;
  configFile?: string;
  check: boolean;
  help: boolean;
  version: boolean;
  helpTls: boolean;
  signal?: string;
  tls: TlsFlags | undefined;
  /** --cluster / --cluster_listen as given (overrideCluster applies it after the flags). */
  clusterListen?: string;
}
interface FlagSpec {
  kind: Kind;
  apply?: (s: State, v: never) => void;
  /** Known to nats-server, not implemented by tsnats: why. */
  unsupported?: string;
  /** The largest value accepted (durations, ms). */
  max?: number;
}

/** The cluster options the flags set (merged over the file's cluster block, see mergeOptions). */
function clusterOf(s: State): ClusterOptions {
  return (s.options.cluster ??= {});
}

/** RoutesFromStr: comma-separated route URLs; an empty string clears the routes. */
function routesFromStr(v: string): string[] {
  if (v === '') return [];
  return v.split(',').map((r) => r.trim());
}

/**
 * overrideCluster (opts.go): `--cluster nats://[user:pass@]host:port` sets the cluster listener and,
 * with userinfo, its authorization (a user needs a password); `host:-1` a random port; "" turns
 * clustering off. Returns an error message or null.
 */
function overrideCluster(s: State, listen: string): string | null {
  const c = clusterOf(s);
  if (listen === '') {
    c.port = 0;
    return null;
  }
  let text = listen;
  const random = text.endsWith(':-1');
  if (random) text = `${text.slice(0, -3)}:0`;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:([^@/]*)@)?(\[[^\]]*\]|[^:/]*)(?::([^/]*))?(\/.*)?$/.exec(text);
  if (m === null) {
    const first = text.split('/')[0]!;
    return first.includes(':') ? `parse ${JSON.stringify(listen)}: first path segment in URL cannot contain colon` : `address ${text}: missing port in address`;
  }
  const [, , userinfo, rawHost, rawPort] = m;
  if (rawPort === undefined || rawPort === '') return `address ${rawHost}${rawPort === '' ? ':' : ''}: missing port in address`;
  if (!/^\d+$/.test(rawPort)) return `expected integer`;
  c.host = rawHost!.startsWith('[') ? rawHost!.slice(1, -1) : rawHost!;
  c.port = random ? -1 : Number(rawPort);
  if (userinfo !== undefined) {
    const i = userinfo.indexOf(':');
    if (i < 0) return 'expected cluster password to be set';
    c.username = decodeURIComponent(userinfo.slice(0, i));
    c.password = decodeURIComponent(userinfo.slice(i + 1));
  } else {
    // With no user in the flag, what the config file had is cleared.
    c.username = '';
    c.password = '';
  }
  return null;
}

const set =
  <K extends keyof ServerOptions>(field: K) =>
  (s: State, v: ServerOptions[K]) => {
    s.options[field] = v;
  };

const tlsFlag =
  <K extends keyof TlsFlags>(k: K) =>
  (s: State, v: TlsFlags[K]) => {
    (s.tls ??= {})[k] = v;
  };

const FLAGS: Record<string, FlagSpec> = {
  h: { kind: 'bool', apply: (s, v: boolean) => (s.help = v) },
  help: { kind: 'bool', apply: (s, v: boolean) => (s.help = v) },
  // -p 0 means the default port (as the reference: 0 is "not set"), -1 a random one.
  p: { kind: 'int', apply: (s, v: number) => (s.options.port = v === 0 ? DEFAULT_PORT : v) },
  port: { kind: 'int', apply: (s, v: number) => (s.options.port = v === 0 ? DEFAULT_PORT : v) },
  n: { kind: 'string', apply: set('serverName') },
  name: { kind: 'string', apply: set('serverName') },
  server_name: { kind: 'string', apply: set('serverName') },
  a: { kind: 'string', apply: set('host') },
  addr: { kind: 'string', apply: set('host') },
  net: { kind: 'string', apply: set('host') },
  client_advertise: { kind: 'string', apply: set('clientAdvertise') },
  D: { kind: 'bool', apply: set('debug') },
  debug: { kind: 'bool', apply: set('debug') },
  V: { kind: 'bool', apply: set('trace') },
  trace: { kind: 'bool', apply: set('trace') },
  VV: { kind: 'bool', apply: (s, v: boolean) => Object.assign(s.options, { trace: v, traceVerbose: v }) },
  DV: { kind: 'bool', apply: (s, v: boolean) => Object.assign(s.options, { debug: v, trace: v }) },
  DVV: { kind: 'bool', apply: (s, v: boolean) => Object.assign(s.options, { debug: v, trace: v, traceVerbose: v }) },
  T: { kind: 'bool', apply: set('logtime') },
  logtime: { kind: 'bool', apply: set('logtime') },
  user: { kind: 'string', apply: set('username') },
  pass: { kind: 'string', apply: set('password') },
  auth: { kind: 'string', apply: set('authorization') },
  m: { kind: 'int', apply: set('httpPort') },
  http_port: { kind: 'int', apply: set('httpPort') },
  ms: { kind: 'int', apply: set('httpsPort') },
  https_port: { kind: 'int', apply: set('httpsPort') },
  tls: { kind: 'bool', apply: tlsFlag('tls') },
  tlsverify: { kind: 'bool', apply: tlsFlag('verify') },
  tlscert: { kind: 'string', apply: tlsFlag('cert') },
  tlskey: { kind: 'string', apply: tlsFlag('key') },
  tlscacert: { kind: 'string', apply: tlsFlag('ca') },
  help_tls: { kind: 'bool', apply: (s, v: boolean) => (s.helpTls = v) },
  c: { kind: 'string', apply: (s, v: string) => (s.configFile = v) },
  config: { kind: 'string', apply: (s, v: string) => (s.configFile = v) },
  t: { kind: 'bool', apply: (s, v: boolean) => (s.check = v) },
  sl: { kind: 'string', apply: (s, v: string) => (s.signal = v) },
  signal: { kind: 'string', apply: (s, v: string) => (s.signal = v) },
  P: { kind: 'string', apply: set('pidFile') },
  pid: { kind: 'string', apply: set('pidFile') },
  ports_file_dir: { kind: 'string', apply: set('portsFileDir') },
  l: { kind: 'string', apply: set('logFile') },
  log: { kind: 'string', apply: set('logFile') },
  log_size_limit: { kind: 'int', apply: set('logSizeLimit') },
  max_traced_msg_len: { kind: 'int', apply: set('maxTracedMsgLen') },
  v: { kind: 'bool', apply: (s, v: boolean) => (s.version = v) },
  version: { kind: 'bool', apply: (s, v: boolean) => (s.version = v) },
  js: { kind: 'bool', apply: set('jetstream') },
  jetstream: { kind: 'bool', apply: set('jetstream') },
  sd: { kind: 'string', apply: set('storeDir') },
  store_dir: { kind: 'string', apply: set('storeDir') },
  // Clustering (opts.go: routes, cluster/cluster_listen, cluster_advertise, no_advertise,
  // connect_retries, cluster_name).
  routes: { kind: 'string', apply: (s, v: string) => (s.options.routes = routesFromStr(v)) },
  cluster: { kind: 'string', apply: (s, v: string) => (s.clusterListen = v) },
  cluster_listen: { kind: 'string', apply: (s, v: string) => (s.clusterListen = v) },
  cluster_name: { kind: 'string', apply: (s, v: string) => (clusterOf(s).name = v) },
  cluster_advertise: { kind: 'string', apply: (s, v: string) => (clusterOf(s).advertise = v) },
  no_advertise: { kind: 'bool', apply: (s, v: boolean) => (clusterOf(s).noAdvertise = v) },
  connect_retries: { kind: 'int', apply: (s, v: number) => (clusterOf(s).connectRetries = v) },
  // tsnats extension.
  ping_timeout: { kind: 'duration', apply: set('pingTimeout') },
  busy_poll: { kind: 'duration', max: MAX_BUSY_POLL_MS, apply: set('busyPoll') },

  // nats-server flags tsnats does not implement.
  s: { kind: 'bool', unsupported: 'syslog is not implemented (use -l)' },
  syslog: { kind: 'bool', unsupported: 'syslog is not implemented (use -l)' },
  r: { kind: 'string', unsupported: 'syslog is not implemented (use -l)' },
  remote_syslog: { kind: 'string', unsupported: 'syslog is not implemented (use -l)' },
  profile: { kind: 'int', unsupported: 'the Go profiler does not apply to tsnats' },
};

/** strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** strconv.ParseInt(s, 0, 64): sign, 0x/0o/0b/0 prefixes, `_` separators after a prefix. */
export function parseGoInt(s: string): number | 'parse error' | 'value out of range' {
  let t = s;
  let neg = false;
  if (t.startsWith('+') || t.startsWith('-')) {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  let base = 10;
  let digits = t;
  let prefixed = false;
  if (/^0[xX]/.test(t)) [base, digits, prefixed] = [16, t.slice(2), true];
  else if (/^0[oO]/.test(t)) [base, digits, prefixed] = [8, t.slice(2), true];
  else if (/^0[bB]/.test(t)) [base, digits, prefixed] = [2, t.slice(2), true];
  else if (t.length > 1 && t[0] === '0') [base, digits, prefixed] = [8, t.slice(1), true];
  if (digits.includes('_')) {
    // Underscores only with a base prefix, between digits or right after the prefix (strconv underscoreOK).
    if (!prefixed || /__|_$/.test(digits)) return 'parse error';
    digits = digits.replace(/_/g, '');
  }
  const alphabet = '0123456789abcdef'.slice(0, base);
  if (digits === '' || ![...digits.toLowerCase()].every((c) => alphabet.includes(c))) return 'parse error';
  let v = 0n;
  for (const c of digits.toLowerCase()) v = v * BigInt(base) + BigInt(alphabet.indexOf(c));
  if (neg) v = -v;
  if (v > (1n << 63n) - 1n || v < -(1n << 63n)) return 'value out of range';
  return Number(v);
}

/** Parse argv (without the node and script paths). */
export function parseArgs(argv: readonly string[], program = 'tsnats'): ParsedCommand {
  const s: State = { options: {}, check: false, help: false, version: false, helpTls: false, tls: undefined };
  const flagFields = (): (keyof ServerOptions)[] => Object.keys(s.options) as (keyof ServerOptions)[];
  const base = (): Base => ({
    options: s.options,
    flagFields: flagFields(),
    ...(s.configFile !== undefined ? { configFile: s.configFile } : {}),
    ...(s.tls !== undefined ? { tlsFlags: s.tls } : {}),
  });
  // A flag syntax error: Go's message on stderr, then the usage on stdout. nats-server 2.9.10 then
  // exits 0; tsnats exits 1 so that scripts see the failure (docs/compatibility.md).
  const usageError = (msg: string): ParsedCommand => ({ kind: 'error', ...base(), stderr: msg + '\n', stdout: usage(program), exitCode: 1 });
  const fatal = (msg: string): ParsedCommand => ({ kind: 'error', ...base(), stderr: `${program}: ${msg}\n`, stdout: '', exitCode: 1 });

  const args = [...argv];
  while (args.length > 0) {
    const a = args[0]!;
    if (a.length < 2 || a[0] !== '-') break;
    let name = a.slice(1);
    if (a[1] === '-') {
      if (a.length === 2) {
        args.shift(); // `--` ends the flags
        break;
      }
      name = a.slice(2);
    }
    if (name === '' || name[0] === '-' || name[0] === '=') return usageError(`bad flag syntax: ${a}`);
    args.shift();
    let value: string | undefined;
    const eq = name.indexOf('=', 1);
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = Object.hasOwn(FLAGS, name) ? FLAGS[name] : undefined;
    if (!spec) return usageError(`flag provided but not defined: -${name}`);
    let parsed: unknown;
    if (spec.kind === 'bool') {
      if (value === undefined) parsed = true;
      else {
        parsed = parseGoBool(value);
        if (parsed === undefined) return usageError(`invalid boolean value ${JSON.stringify(value)} for -${name}: parse error`);
      }
    } else {
      if (value === undefined) {
        if (args.length === 0) return usageError(`flag needs an argument: -${name}`);
        value = args.shift()!;
      }
      if (spec.kind === 'int') {
        const n = parseGoInt(value);
        if (typeof n === 'string') return usageError(`invalid value ${JSON.stringify(value)} for flag -${name}: ${n}`);
        parsed = n;
      } else if (spec.kind === 'duration') {
        try {
          parsed = /^[+-]?\d+$/.test(value) ? Number(value) * 1000 : parseGoDuration(value);
        } catch (e) {
          return usageError(`invalid value ${JSON.stringify(value)} for flag -${name}: ${(e as Error).message}`);
        }
        if ((parsed as number) < 0) return usageError(`invalid value ${JSON.stringify(value)} for flag -${name}: negative duration`);
        if (spec.max !== undefined && (parsed as number) > spec.max) return usageError(`invalid value ${JSON.stringify(value)} for flag -${name}: at most ${formatGoDuration(spec.max)}`);
      } else parsed = value;
    }
    if (spec.unsupported) {
      // Turning an unimplemented feature off (`--tls=false`) is harmless.
      if (parsed === false) continue;
      return fatal(`flag -${name} is not supported yet: ${spec.unsupported}`);
    }
    spec.apply!(s, parsed as never);
  }

  // The order nats-server checks things in (opts.go ConfigureOptions).
  if (s.version) return { kind: 'version', ...base(), stdout: versionText(), exitCode: 0 };
  if (s.help) return { kind: 'help', ...base(), stdout: usage(program), exitCode: 0 };
  if (s.helpTls) return { kind: 'help_tls', ...base(), stdout: tlsHelp(), exitCode: 0 };
  if (args.length > 0) {
    const cmd = args[0]!.toLowerCase();
    if (cmd === 'version') return { kind: 'version', ...base(), stdout: versionText(), exitCode: 0 };
    if (cmd === 'help') return { kind: 'help', ...base(), stdout: usage(program), exitCode: 0 };
    return fatal(`unrecognized command: ${JSON.stringify(args[0])}`);
  }
  for (const f of ['port', 'httpPort', 'httpsPort'] as const) {
    const p = s.options[f];
    if (p !== undefined && (p < -1 || p > 65535)) return fatal(`invalid port ${p} for -${f === 'port' ? 'p' : f === 'httpPort' ? 'm' : 'ms'}`);
  }
  if (s.options.logSizeLimit !== undefined && s.options.logSizeLimit < 0) return fatal('log_size_limit can not be negative');
  if (s.clusterListen !== undefined) {
    const err = overrideCluster(s, s.clusterListen);
    if (err !== null) return fatal(err);
  }
  if (s.signal !== undefined) {
    const parts = s.signal.split('=');
    if (parts.length > 2) return fatal(`invalid signal parameters: [${parts.slice(2).join(' ')}]`);
    const name = parts[0] as SignalName;
    if (!SIGNALS.includes(name)) return fatal(`unknown signal ${JSON.stringify(parts[0])}`);
    const signal = parts.length === 2 ? { name, target: parts[1]! } : { name };
    return { kind: 'signal', ...base(), signal };
  }
  if (s.check) {
    if (!s.configFile) return fatal('must specify [-c, --config] option to check configuration file syntax');
    return { kind: 'test-config', ...base(), configFile: s.configFile };
  }
  return { kind: 'run', ...base() };
}

/** `--help_tls`: the reference's text (PrintTLSHelpAndDie), names in a stable order. */
export function tlsHelp(): string {
  return `
TLS configuration is specified in the tls section of a configuration file:

e.g.

    tls {
        cert_file:      "./certs/server-cert.pem"
        key_file:       "./certs/server-key.pem"
        ca_file:        "./certs/ca.pem"
        verify:         true
        verify_and_map: true

        cipher_suites: [
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        ]
        curve_preferences: [
            "CurveP256",
            "CurveP384",
            "CurveP521"
        ]
    }

Available cipher suites include:
${Object.keys(CIPHER_SUITES).map((k) => `    ${k}\n`).join('')}
Available curve preferences include:
${Object.keys(CURVES).map((k) => `    ${k}\n`).join('')}`;
}

/**
 * The TLS flags over the file's options (opts.go ConfigureOptions + overrideTLS): `--tls=false`
 * turns TLS off; any other TLS flag replaces the file's certificate, key, CA and verify and sets the
 * default ciphers and curves, keeping the file's timeout, verify_and_map and pinned_certs. Returns
 * the TLS to use (null: none) or the reference's error.
 */
export function overrideTls(file: TlsConfig | undefined, f: TlsFlags): { tls: TlsConfig | null } | { error: string } {
  if (f.tls === false) return { tls: null };
  if (!f.cert) return { error: 'TLS Server certificate must be present and valid' };
  if (!f.key) return { error: 'TLS Server private key must be present and valid' };
  const tls: TlsConfig = {
    certFile: f.cert,
    keyFile: f.key,
    ...(f.ca ? { caFile: f.ca } : {}),
    verify: f.verify === true || file?.verifyAndMap === true,
    verifyAndMap: file?.verifyAndMap ?? false,
    insecure: false,
    timeoutMs: file?.timeoutMs ?? 0,
    ...(file?.pinnedCerts ? { pinnedCerts: file.pinnedCerts } : {}),
  };
  return { tls };
}

/**
 * `-v`: the reference's line, so scripts that look for `nats-server: v2.9.10` (the protocol level we
 * follow) keep working, followed by what this really is.
 */
export function versionText(): string {
  return `nats-server: v${VERSION} (tsnats ${TSNATS_VERSION})\n`;
}

/** `-h`: nats-server's layout, with tsnats's flags. */
export function usage(program = 'tsnats'): string {
  return `
Usage: ${program} [options]

Server Options:
    -a, --addr, --net <host>         Bind to host address (default: 0.0.0.0)
    -p, --port <port>                Use port for clients (default: 4222)
    -n, --name
        --server_name <server_name>  Server name (default: auto)
    -P, --pid <file>                 File to store PID
    -m, --http_port <port>           Use port for http monitoring
    -ms,--https_port <port>          Use port for https monitoring
    -c, --config <file>              Configuration file
    -t                               Test configuration and exit
    -sl,--signal <signal>[=<pid>]    Send signal to ${program} process (ldm, stop, quit, term, reopen, reload)
                                     pid> can be either a PID (e.g. 1) or the path to a PID file (e.g. /var/run/${program}.pid)
        --client_advertise <string>  Client URL to advertise to other servers
        --ports_file_dir <dir>       Creates a ports file in the specified directory (<executable_name>_<pid>.ports).

Logging Options:
    -l, --log <file>                 File to redirect log output
    -T, --logtime                    Timestamp log entries (default: true)
    -D, --debug                      Enable debugging output
    -V, --trace                      Trace the raw protocol
    -VV                              Verbose trace (traces system account as well)
    -DV                              Debug and trace
    -DVV                             Debug and verbose trace (traces system account as well)
        --log_size_limit <limit>     Logfile size limit (default: auto)
        --max_traced_msg_len <len>   Maximum printable length for traced messages (default: unlimited)

JetStream Options:
    -js, --jetstream                 Enable JetStream functionality
    -sd, --store_dir <dir>           Set the storage directory

Authorization Options:
        --user <user>                User required for connections
        --pass <password>            Password required for connections
        --auth <token>               Authorization token required for connections

Connection Health Options (tsnats):
        --ping_timeout <duration>    Close a client whose PING stays unanswered this long (default: off)

Latency Options (tsnats):
        --busy_poll <duration>       Keep polling this long after each flush instead of sleeping (default: 100us, 0 = off)

TLS Options:
        --tls                        Enable TLS, do not verify clients (default: false)
        --tlscert <file>             Server certificate file
        --tlskey <file>              Private key for server certificate
        --tlsverify                  Enable TLS, verify client certificates
        --tlscacert <file>           Client certificate CA for verification
        --help_tls                   TLS help (cipher suites and curves)

Cluster Options:
        --routes <rurl-1, rurl-2>    Routes to solicit and connect
        --cluster <cluster-url>      Cluster URL for solicited routes
        --cluster_name <string>      Cluster Name, if not set one will be dynamically generated
        --no_advertise <bool>        Do not advertise known cluster information to clients
        --cluster_advertise <string> Cluster URL to advertise to other servers
        --connect_retries <number>   For implicit routes, number of connect retries

Not supported yet (nats-server flags that tsnats refuses):
    -s,--syslog, -r,--remote_syslog, --profile

Common Options:
    -h, --help                       Show this message
    -v, --version                    Show version

Commands (tsnats; \`${program} <command> --help\` for their options):
    doctor [URL…]                    Check a server's health: what is wrong and how to fix it
    conns [URL]                      List connections sorted by idle, rtt, pending or msgs
    kick CID [URL]                   Close a connection through the system account

`;
}

/**
 * Flags override the config file (opts.go ConfigureOptions parses the flags again over the file's
 * options; MergeOptions on reload): every option given on the command line wins. Returns the merged
 * options and the fields the flags set, which a reload must keep.
 */
export function mergeOptions(
  fileOptions: Partial<ServerOptions>,
  flagOptions: Partial<ServerOptions>,
): { options: Partial<ServerOptions>; flagFields: (keyof ServerOptions)[] } {
  const options: Partial<ServerOptions> = { ...fileOptions };
  const flagFields: (keyof ServerOptions)[] = [];
  for (const k of Object.keys(flagOptions) as (keyof ServerOptions)[]) {
    if (flagOptions[k] === undefined) continue;
    const fv = flagOptions[k];
    // -js over a jetstream { … } block turns it on (or off) and keeps the block's settings.
    if (k === 'jetstream' && typeof fv === 'boolean' && typeof fileOptions.jetstream === 'object') {
      options.jetstream = { ...fileOptions.jetstream, enabled: fv };
      flagFields.push(k);
      continue;
    }
    // -sd over a store_dir in the jetstream block: the flag wins.
    if (k === 'storeDir' && typeof options.jetstream === 'object' && options.jetstream.storeDir !== undefined) {
      options.jetstream = { ...options.jetstream, storeDir: fv as string };
    }
    // The cluster flags set single fields of the cluster block (opts.go: flags over the file's ClusterOpts).
    if (k === 'cluster') options.cluster = { ...fileOptions.cluster, ...flagOptions.cluster };
    else (options as Record<string, unknown>)[k] = fv;
    flagFields.push(k);
  }
  return { options, flagFields };
}
