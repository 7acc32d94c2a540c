// The loader: every option under its names and aliases, units, defaults left unset, validation with
// positions, ignored and refused options, authorization, accounts, operator mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { checkReport, loadConfig, loadConfigFile, passesCheck, type LoadResult } from '../../src/config/load.js';
import { formatIssue } from '../../src/config/errors.js';
import { FIXTURES } from './reference.js';

const load = (src: string, env: Record<string, string> = {}) => loadConfig(src, { file: 'a.conf', env });
const errs = (r: LoadResult) => r.errors.map(formatIssue);
const warns = (r: LoadResult) => r.warnings.map(formatIssue);
function ok(src: string, env: Record<string, string> = {}): LoadResult['options'] {
  const r = load(src, env);
  assert.deepEqual(errs(r), [], src);
  return r.options;
}

test("the guides' examples load as written", () => {
  assert.deepEqual(ok('ping_interval: "30s"\nping_max: 2'), { pingInterval: 30_000, pingMax: 2 });
  const r = load('ping_interval: 120');
  assert.deepEqual(r.options, { pingInterval: 120_000 });
  assert.deepEqual(errs(r), []);
  assert.deepEqual(warns(r), ['a.conf:1:1: invalid use of field "ping_interval": ping_interval should be converted to a duration']);
  assert.deepEqual(ok('max_payload: 10485760'), { maxPayload: 10485760 });
  assert.deepEqual(ok('accounts { ORDERS { users: [{user: orders, password: secret}], limits { conn: 500 } } }'), {
    accounts: [{ name: 'ORDERS', users: [{ user: 'orders', password: 'secret', account: 'ORDERS' }], limits: { maxConnections: 500 } }],
  });
  const pt = load('ping_timeout: 60');
  assert.deepEqual([pt.options, pt.warnings, pt.errors], [{ pingTimeout: 60_000 }, [], []]);
});

test('every simple option, under its name and aliases, in tsnats units', () => {
  const table: [string, Record<string, unknown>][] = [
    ['listen: 127.0.0.1:4223', { host: '127.0.0.1', port: 4223 }],
    ['listen: "[::1]:4223"', { host: '::1', port: 4223 }],
    ['listen: 4223', { port: 4223 }],
    ['listen: ":4223"', { port: 4223 }],
    ['host: 127.0.0.1', { host: '127.0.0.1' }],
    ['net: localhost', { host: 'localhost' }],
    ['port: 4223', { port: 4223 }],
    ['port: -1', { port: -1 }],
    ['server_name: edge-1', { serverName: 'edge-1' }],
    ['client_advertise: "nats.example.com:4222"', { clientAdvertise: 'nats.example.com:4222' }],
    ['ping_interval: "2m"', { pingInterval: 120_000 }],
    ['ping_interval: 1h30m', { pingInterval: 5_400_000 }],
    ['ping_interval: "1.5h"', { pingInterval: 5_400_000 }],
    ['ping_interval: "500ms"', { pingInterval: 500 }],
    ['ping_max: 3', { pingMax: 3 }],
    ['max_payload: 2MB', { maxPayload: 2 * 2 ** 20 }],
    ['max_pending: 10M', { maxPending: 10_000_000 }],
    ['max_control_line: 8KB', { maxControlLine: 8192 }],
    ['max_connections: 100', { maxConnections: 100 }],
    ['max_conn: 100', { maxConnections: 100 }],
    ['max_connections: -1', { maxConnections: -1 }],
    ['max_subscriptions: 10', { maxSubscriptions: 10 }],
    ['max_subs: 10', { maxSubscriptions: 10 }],
    ['write_deadline: "2s"', { writeDeadline: 2000 }],
    ['debug: true', { debug: true }],
    ['trace: yes', { trace: true }],
    ['trace_verbose: true', { trace: true, traceVerbose: true }],
    ['logtime: off', { logtime: false }],
    ['logfile: "/tmp/x.log"', { logFile: '/tmp/x.log' }],
    ['log_file: "/tmp/x.log"', { logFile: '/tmp/x.log' }],
    ['log_size_limit: 1GB', { logSizeLimit: 2 ** 30 }],
    ['logfile_size_limit: 1000', { logSizeLimit: 1000 }],
    ['max_traced_msg_len: 64', { maxTracedMsgLen: 64 }],
    ['pid_file: "/tmp/x.pid"', { pidFile: '/tmp/x.pid' }],
    ['pidfile: "/tmp/x.pid"', { pidFile: '/tmp/x.pid' }],
    ['ports_file_dir: "/tmp"', { portsFileDir: '/tmp' }],
    ['lame_duck_duration: "1m"', { lameDuckDuration: 60_000 }],
    ['lame_duck_grace_period: "5s"', { lameDuckGracePeriod: 5000 }],
    ['http: 127.0.0.1:8222', { httpHost: '127.0.0.1', httpPort: 8222 }],
    ['http: 8222', { httpPort: 8222 }],
    ['http_port: 8222', { httpPort: 8222 }],
    ['monitor_port: -1', { httpPort: -1 }],
    ['http_base_path: "/nats"', { httpBasePath: '/nats' }],
    ['connect_error_reports: 10', { connectErrorReports: 10 }],
    ['reconnect_error_reports: 5', { reconnectErrorReports: 5 }],
    ['disable_sublist_cache: true', { disableSublistCache: true }],
    ['no_sublist_cache: true', { disableSublistCache: true }],
    ['no_header_support: true', { noHeaderSupport: true }],
    ['system_account: SYS\naccounts { SYS {} }', { systemAccount: 'SYS', accounts: [{ name: 'SYS' }] }],
    ['system: SYS\naccounts [SYS]', { systemAccount: 'SYS', accounts: [{ name: 'SYS' }] }],
    ['no_system_account: true', { noSystemAccount: true }],
    ['no_system: true', { noSystemAccount: true }],
    ['no_sys_acc: true', { noSystemAccount: true }],
    // tsnats extensions
    ['ping_timeout: "45s"', { pingTimeout: 45_000 }],
    ['ping_timeout: 0', { pingTimeout: 0 }],
    ['busy_poll: "50us"', { busyPoll: 0.05 }],
    ['busy_poll: "2ms"', { busyPoll: 2 }],
    ['busy_poll: 0', { busyPoll: 0 }],
    ['tcp_keepalive: "30s"', { tcpKeepAlive: 30_000 }],
    ['tcp_keepalive: 20', { tcpKeepAlive: 20_000 }],
    ['tcp_keepalive: false', { tcpKeepAlive: 0 }],
    ['tcp_keepalive: 0', { tcpKeepAlive: 0 }],
    ['tcp_keepalive: true', {}],
    // Keys are case-insensitive, as in nats-server.
    ['PORT: 4223\nMax_Payload: 1KB', { port: 4223, maxPayload: 1024 }],
  ];
  for (const [src, want] of table) assert.deepEqual(ok(src), want, src);
});

test('a 0 that means "the default" in nats-server leaves the option unset', () => {
  for (const src of ['port: 0', 'ping_interval: 0', 'ping_interval: "0s"', 'ping_max: 0', 'max_payload: 0', 'max_pending: 0', 'max_control_line: 0', 'max_connections: 0', 'write_deadline: "0"', 'connect_error_reports: 0', 'lame_duck_grace_period: "0s"']) {
    const r = load(src);
    assert.deepEqual([r.options, errs(r)], [{}, []], src);
    assert.ok(Object.keys(r.positions).length === 1, src); // …but where it was written is known
  }
  assert.deepEqual(ok('authorization { user: a, password: b, timeout: 0 }'), { username: 'a', password: 'b' });
});

test('durations: bare integers are seconds, with the reference warning for its own options', () => {
  const r = load('ping_interval: 120\nwrite_deadline: 3\nping_timeout: 60\ntcp_keepalive: 15');
  assert.deepEqual(r.options, { pingInterval: 120_000, writeDeadline: 3000, pingTimeout: 60_000, tcpKeepAlive: 15_000 });
  assert.deepEqual(warns(r), [
    'a.conf:1:1: invalid use of field "ping_interval": ping_interval should be converted to a duration',
    'a.conf:2:1: invalid use of field "write_deadline": write_deadline should be converted to a duration',
  ]);
  assert.equal(passesCheck(r), false, 'nats-server -t fails on these warnings');
  assert.equal(passesCheck(load('ping_interval: "2m"')), true);
});

test('validation errors, with the reference messages and the option position', () => {
  const table: [string, string][] = [
    ['port: "abc"', 'a.conf:1:1: "port" must be an integer, got string "abc"'],
    ['port: 70000', 'a.conf:1:1: invalid port 70000'],
    ['server_name: 12', 'a.conf:1:1: "server_name" must be a string, got integer 12'],
    ['debug: 1', 'a.conf:1:1: "debug" must be a boolean, got integer 1'],
    ['ping_interval: "abc"', 'a.conf:1:1: error parsing ping_interval: time: invalid duration "abc"'],
    ['ping_interval: "10d"', 'a.conf:1:1: error parsing ping_interval: time: unknown unit "d" in duration "10d"'],
    ['ping_interval: "10"', 'a.conf:1:1: error parsing ping_interval: time: missing unit in duration "10"'],
    ['ping_interval: "-5s"', 'a.conf:1:1: invalid ping_interval of -5s, needs to be positive'],
    ['ping_interval: 1.5', 'a.conf:1:1: "ping_interval" must be a duration (e.g. "30s") or a number of seconds, got number 1.5'],
    ['ping_max: -1', 'a.conf:1:1: ping_max value can not be negative'],
    ['max_payload: -5', 'a.conf:1:1: max_payload value can not be negative'],
    ['max_payload: 3000000000', 'a.conf:1:1: max_payload value is too big'],
    ['Max_Control_Line: 3000000000', 'a.conf:1:1: Max_Control_Line value is too big'],
    ['lame_duck_duration: "5s"', 'a.conf:1:1: invalid lame_duck_duration of 5s, minimum is 30 seconds'],
    ['lame_duck_duration: 60', 'a.conf:1:1: "lame_duck_duration" must be a duration string (e.g. "2m"), got integer 60'],
    ['lame_duck_grace_period: "-1s"', 'a.conf:1:1: invalid lame_duck_grace_period, needs to be positive'],
    ['busy_poll: "20ms"', 'a.conf:1:1: invalid busy_poll of 20ms, needs to be at most 10ms'],
    ['busy_poll: 1', 'a.conf:1:1: invalid busy_poll of 1s, needs to be at most 10ms'],
    ['busy_poll: "-1us"', 'a.conf:1:1: invalid busy_poll of -1us, needs to be positive'],
    ['port: 1\n  lame_duck_grace_period: "3m"', 'a.conf:2:3: lame duck grace period (3m0s) should be strictly lower than lame duck duration (2m0s)'],
    ['max_pending: 1MB\nmax_payload: 2MB', 'a.conf:2:1: max_payload (2097152) cannot be higher than max_pending (1048576)'],
    ['max_pending: 512KB', 'a.conf:1:1: max_payload (1048576) cannot be higher than max_pending (524288)'],
    ['listen: "localhost"', 'a.conf:1:1: could not parse address string "localhost"'],
    ['listen: "h:abc"', 'a.conf:1:1: could not parse port "abc"'],
    ['listen: true', 'a.conf:1:1: expected port or host:port, got bool'],
    ['system_account: 5', 'a.conf:1:1: system account name must be a string'],
    ['port: 1\nbogus: 1', 'a.conf:2:1: unknown field "bogus"'],
    ['X: 1', 'a.conf:1:1: unknown field "X"'],
  ];
  for (const [src, want] of table) {
    const r = load(src);
    assert.deepEqual(errs(r), [want], src);
    assert.equal(passesCheck(r), false, src);
  }
});

test('every problem is reported, not just the first', () => {
  const r = load('port: "x"\nbogus: 1\nping_interval: "abc"\ngateway {}\n');
  assert.deepEqual(errs(r), [
    'a.conf:1:1: "port" must be an integer, got string "x"',
    'a.conf:2:1: unknown field "bogus"',
    'a.conf:3:1: error parsing ping_interval: time: invalid duration "abc"',
  ]);
  assert.deepEqual(warns(r), ['a.conf:4:1: tsnats ignores "gateway": gateways are not supported yet']);
});

test('variables that were referenced are not unknown fields', () => {
  assert.deepEqual(ok('P: 4223\nport: $P\nT { publish: "x" }\nauthorization { users: [{user: a, permissions: $T}] }'), {
    port: 4223,
    users: [{ user: 'a', permissions: { publish: { allow: ['x'] } } }],
  });
});

test('options nats-server knows and tsnats runs without: a warning at their position', () => {
  const ignoredKeys = [
    'gateway {}',
    'mqtt {}', 'mappings {}', 'syslog: true', 'remote_syslog: "udp://x:1"', 'prof_port: 6060', 'max_sub_tokens: 3', 'server_tags: [a]',
    'default_js_domain: {}', 'resolver_tls {}',
  ];
  for (const src of ignoredKeys) {
    const r = load(src);
    assert.deepEqual(errs(r), [], src);
    assert.equal(r.warnings.length, 1, src);
    assert.equal(r.warnings[0]!.code, 'ignored', src);
    assert.match(formatIssue(r.warnings[0]!), /^a\.conf:1:1: tsnats ignores "\w+": /, src);
    assert.equal(passesCheck(r), true, `${src}: nats-server -t accepts it`);
  }
});

test('options tsnats will not run without (OCSP stapling, trust restrictions): an error', () => {
  for (const src of ['ocsp: true', 'ocsp { mode: always }', 'trusted: [OX]', 'trusted_keys: OX', 'resolver_pinned_accounts: [A]', 'resolver: URL(http://x)', 'resolver { type: full, dir: "/x" }']) {
    const r = load(src);
    assert.equal(r.errors.length, 1, src);
    assert.equal(r.errors[0]!.code, 'unsupported', src);
    assert.match(r.errors[0]!.message, /is not supported by tsnats yet: /, src);
  }
  assert.deepEqual(ok('ocsp: false'), {}, 'ocsp: false asks for nothing');
});

test('tls {}: fields, the reference\'s errors at their position, files read at load', () => {
  assert.deepEqual(ok('tls {}'), { tls: { verify: false, verifyAndMap: false, insecure: false, timeoutMs: 0 } }, 'valid without a certificate (every handshake then fails)');
  assert.deepEqual(ok('allow_non_tls: true'), { allowNonTls: true });
  assert.deepEqual(ok('tls { verify_and_map: true, timeout: 0.5, connection_rate_limit: 5, insecure: true }'),
    { tls: { verify: true, verifyAndMap: true, insecure: true, timeoutMs: 500, rateLimit: 5 } });
  assert.deepEqual(ok('tls { timeout: "250ms", min_version: "1.3", handshake_first: auto }').tls, { verify: false, verifyAndMap: false, insecure: false, timeoutMs: 250, minVersion: '1.3', handshakeFirst: { fallbackMs: 50 } });
  assert.deepEqual(ok('tls { first: true }').tls?.handshakeFirst, true);
  assert.deepEqual(ok('tls { immediate: "300ms" }').tls?.handshakeFirst, { fallbackMs: 300 });
  assert.deepEqual(ok(`tls { pinned_certs: ["${'AB'.repeat(32)}", "${'ab'.repeat(32)}"] }`).tls?.pinnedCerts, ['ab'.repeat(32)], 'lower-cased, one entry');
  assert.deepEqual(ok('tls { cipher_suites: ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"], curve_preferences: [CurveP256] }').tls?.cipherSuites, ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256']);
  assert.deepEqual(ok('https: "127.0.0.1:8443"\ntls {}'), { httpHost: '127.0.0.1', httpsPort: 8443, tls: { verify: false, verifyAndMap: false, insecure: false, timeoutMs: 0 } });
  assert.deepEqual(ok('https_port: -1\ntls {}').httpsPort, -1);
  const table: [string, string][] = [
    ['tls: true', 'a.conf:1:1: interface conversion: interface {} is bool, not map[string]interface {}'],
    ['tls { cert_file: 5 }', "a.conf:1:7: error parsing tls config, expected 'cert_file' to be filename"],
    ['tls { verify: "yes" }', "a.conf:1:7: error parsing tls config, expected 'verify' to be a boolean"],
    ['tls { timeout: true }', "a.conf:1:7: error parsing tls config, 'timeout' wrong type"],
    ['tls { timeout: "abc" }', 'a.conf:1:7: error parsing tls config, \'timeout\' time: invalid duration "abc"'],
    ['tls { foo: 1 }', 'a.conf:1:7: error parsing tls config, unknown field ["foo"]'],
    ['tls { cipher_suites: [] }', "a.conf:1:7: error parsing tls config, 'cipher_suites' cannot be empty"],
    ['tls { cipher_suites: ["NOPE"] }', 'a.conf:1:24: unrecognized cipher NOPE'],
    ['tls { curve_preferences: ["P-256"] }', 'a.conf:1:28: unrecognized curve preference P-256'],
    ['tls { pinned_certs: "x" }', "a.conf:1:7: error parsing tls config, expected 'pinned_certs' to be a list of hex-encoded sha256 of DER encoded SubjectPublicKeyInfo"],
    ['tls { pinned_certs: ["ZZ"] }', "a.conf:1:23: error parsing tls config, 'pinned_certs' key zz does not look like hex-encoded sha256 of DER encoded SubjectPublicKeyInfo"],
    ['tls { connection_rate_limit: "x" }', "a.conf:1:7: error parsing tls config, 'connection_rate_limit' wrong type"],
    ['tls { verify_cert_and_check_known_urls: true }', 'a.conf:1:7: verify_cert_and_check_known_urls not supported in this context'],
    ['tls { min_version: "1.1" }', 'a.conf:1:7: error parsing tls config: unsupported TLS version: TLS 1.1'],
    ['tls { min_version: "x" }', 'a.conf:1:7: error parsing tls config: unknown version: x'],
    ['tls { handshake_first: "sometimes" }', 'a.conf:1:7: field "handshake_first"\'s value "sometimes" is invalid'],
    ['tls { cert_file: "/nope/c.pem" }', "a.conf:1:1: missing 'key_file' in TLS configuration"],
    ['tls { cert_file: "/nope/c.pem", key_file: "/nope/k.pem" }', 'a.conf:1:1: error parsing X509 certificate/key pair: open /nope/c.pem: no such file or directory'],
    ['https_port: 8443', "a.conf:1:1: Can't start monitoring: TLS cert and key required for HTTPS"],
    ['http_port: 8222\nhttps_port: 8443\ntls {}', "a.conf:2:1: can't specify both HTTP (8222) and HTTPs (8443) ports"],
  ];
  for (const [src, want] of table) assert.deepEqual(errs(load(src)), [want], src);
});

test('authorization: single user, token, timeout', () => {
  assert.deepEqual(ok('authorization { user: a, password: b }'), { username: 'a', password: 'b' });
  assert.deepEqual(ok('authorization { username: a, pass: b, timeout: 1.5 }'), { username: 'a', password: 'b', authTimeout: 1500 });
  assert.deepEqual(ok('authorization { token: "s3cr3t", timeout: 3 }'), { authorization: 's3cr3t', authTimeout: 3000 });
  assert.deepEqual(ok('authorization { token: $2a$11$PWIFAL8RsWyGI3jVZtO9Nu8.6jOxzxfZo7c/W0eLk017hjgUKWrhy }'), {
    authorization: '$2a$11$PWIFAL8RsWyGI3jVZtO9Nu8.6jOxzxfZo7c/W0eLk017hjgUKWrhy',
  });
  assert.deepEqual(errs(load('authorization { user: a, pass: b, token: c }')), ['a.conf:1:1: Cannot have a user/pass and token']);
  assert.deepEqual(errs(load('authorization { user: a, users: [{user: b}] }')), ['a.conf:1:1: Can not have a single user/pass and a users array']);
  assert.deepEqual(errs(load('authorization { token: a, users: [{user: b}] }')), ['a.conf:1:1: Can not have a token and a users array']);
  assert.deepEqual(errs(load('authorization {\n  user: a\n  bogus: 1\n}')), ['a.conf:3:3: unknown field "bogus"']);
  assert.deepEqual(errs(load('authorization: 5')), ['a.conf:1:1: "authorization" must be a map, got integer 5']);
});

test('authorization users: passwords, nkeys, permissions, default permissions, connection types', () => {
  const nkey = 'UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4';
  const o = ok(`authorization {
    default_permissions: { publish: "SANDBOX.*", subscribe: ["PUBLIC.>", "_INBOX.>"] }
    users: [
      {user: admin, password: secret, permissions: {publish: ">", subscribe: ">"}}
      {user: test, password: test, permissions: {publish: {deny: ">"}, subscribe: {allow: "client.>"}}}
      {user: other, password: other, allowed_connection_types: ["standard", "WebSocket"]}
      {nkey: ${nkey}}
      {user: q, password: q, permissions: {sub: {allow: ["foo queue", "foo v1.>"], deny: ["> *.prod"]}, pub: []}}
    ]
  }`);
  const sandbox = { publish: { allow: ['SANDBOX.*'] }, subscribe: { allow: ['PUBLIC.>', '_INBOX.>'] } };
  assert.deepEqual(o, {
    defaultPermissions: sandbox,
    users: [
      { user: 'admin', password: 'secret', permissions: { publish: { allow: ['>'] }, subscribe: { allow: ['>'] } } },
      { user: 'test', password: 'test', permissions: { publish: { deny: ['>'] }, subscribe: { allow: ['client.>'] } } },
      { user: 'other', password: 'other', allowedConnectionTypes: ['STANDARD', 'WEBSOCKET'], permissions: sandbox },
      { nkey, permissions: sandbox },
      { user: 'q', password: 'q', permissions: { subscribe: { allow: ['foo queue', 'foo v1.>'], deny: ['> *.prod'] }, publish: { allow: [] } } },
    ],
  });
});

test('permissions: allow_responses true or a map; it turns off the blanket publish allow', () => {
  const users = ok(`authorization { users: [
    { user: b, password: b, permissions: {subscribe: "q", allow_responses: true } },
    { user: c, password: c, permissions: {subscribe: "q", allow_responses: { max: 5, expires: "1m" } } },
    { user: d, password: d, permissions: {publish: "x", allow_responses: { max_msgs: -1, ttl: "0s" } } },
    { user: e, password: e, permissions: {allow_responses: false} },
  ] }`).users!;
  assert.deepEqual(users.map((u) => u.permissions), [
    { subscribe: { allow: ['q'] }, allowResponses: { max: 1, expires: 120_000 }, publish: { allow: [] } },
    { subscribe: { allow: ['q'] }, allowResponses: { max: 5, expires: 60_000 }, publish: { allow: [] } },
    { publish: { allow: ['x'] }, allowResponses: { max: -1, expires: 120_000 } },
    {},
  ]);
});

test('authorization errors point where nats-server points', () => {
  const table: [string, string][] = [
    ['authorization { users: [{password: x}] }', 'a.conf:1:26: User entry requires a user'],
    ['authorization { users: [{nkey: UBAD}] }', 'a.conf:1:26: Not a valid public nkey for a user'],
    ['authorization { users: [ "a" ] }', 'a.conf:1:27: Expected user entry to be a map/struct, got a'],
    ['authorization { users: "a" }', 'a.conf:1:17: Expected users field to be an array, got a'],
    ['authorization { users: [{user: a, password: b, allowed_connection_types: [STANDARD, bogus, in_process]}] }', 'a.conf:1:48: invalid connection types ["BOGUS" "IN_PROCESS"]'],
    ['authorization { users: [{user: a, permissions: {publish: "a..b"}}] }', 'a.conf:1:49: subject "a..b" is not a valid subject'],
    ['authorization { users: [{user: a, permissions: {subscribe: "foo q r"}}] }', 'a.conf:1:49: subject "foo q r" is not a valid subject'],
    ['authorization { users: [{user: a, permissions: {publish: {allow: ["a"], other: 1}}}] }', 'a.conf:1:73: Unknown field name "other" parsing subject permissions, only \'allow\' or \'deny\' are permitted'],
    ['authorization { users: [{user: a, permissions: {bogus: "a"}}] }', 'a.conf:1:49: Unknown field "bogus" parsing permissions'],
    ['authorization { users: [{user: a, permissions: {publish: 5}}] }', 'a.conf:1:49: Expected subject permissions to be a subject, or array of subjects, got int64'],
    ['authorization { users: [{user: a, permissions: {publish: [5 ]}}] }', 'a.conf:1:59: Subject in permissions array cannot be cast to string'],
    ['authorization { users: [{user: a, permissions: {allow_responses: {expires: "x"}}}] }', 'a.conf:1:67: error parsing expires: time: invalid duration "x"'],
    ['authorization { users: [{user: a, permissions: {allow_responses: {expires: 5}}}] }', 'a.conf:1:67: error parsing expires, not a duration string'],
    ['authorization { users: [{user: a, permissions: {allow_responses: "yes"}}] }', 'a.conf:1:49: error parsing response permissions, expected a boolean or a map'],
    ['authorization { users: [{user: a, permissions: 5}] }', 'a.conf:1:35: Expected permissions to be a map/struct, got 5'],
  ];
  for (const [src, want] of table) assert.deepEqual(errs(load(src)), [want], src);
});

test('accounts: map and list forms, users bound to their account, limits and aliases', () => {
  assert.deepEqual(ok('accounts [A, B]'), { accounts: [{ name: 'A' }, { name: 'B' }] });
  const o = ok(`accounts {
    A { users: [{user: a, password: a}], limits { max_connections: 5, max_subscriptions: 10, max_payload: 1KB, max_leafnodes: 1 } }
    B { users: [{user: b, password: b}], limits { max_conn: 6, max_subs: 11, max_pay: 2KB, max_leafs: 2 } }
    C { limits { conn: 7, subs: 12, payload: 3KB } }
    D { nkey: ADPNAXSVVZDNKLIFGQHB2ICSDCZV3EPPSH7LQOWBYMJE4C22Y4PDHPUZ, default_permissions: { publish: "d.>" }, users: [{user: d, password: d}] }
  }`);
  assert.deepEqual(o.accounts, [
    { name: 'A', users: [{ user: 'a', password: 'a', account: 'A' }], limits: { maxConnections: 5, maxSubscriptions: 10, maxPayload: 1024, maxLeafnodes: 1 } },
    { name: 'B', users: [{ user: 'b', password: 'b', account: 'B' }], limits: { maxConnections: 6, maxSubscriptions: 11, maxPayload: 2048, maxLeafnodes: 2 } },
    { name: 'C', limits: { maxConnections: 7, maxSubscriptions: 12, maxPayload: 3072 } },
    {
      name: 'D',
      nkey: 'ADPNAXSVVZDNKLIFGQHB2ICSDCZV3EPPSH7LQOWBYMJE4C22Y4PDHPUZ',
      defaultPermissions: { publish: { allow: ['d.>'] } },
      users: [{ user: 'd', password: 'd', account: 'D', permissions: { publish: { allow: ['d.>'] } } }],
    },
  ]);
  // Account users are not the authorization block's users.
  assert.equal(o.users, undefined);
});

test('accounts: imports and exports', () => {
  const src = readFileSync(join(FIXTURES, 'docs', 'accounts-import-export.conf'), 'utf8');
  const accounts = ok(src).accounts!;
  assert.deepEqual(
    accounts.map((a) => [a.name, a.exports, a.imports]),
    [
      ['A', [{ stream: 'puba.>' }, { service: 'pubq.>' }, { stream: 'b.>', accounts: ['B'] }, { service: 'q.b', accounts: ['B'] }], undefined],
      ['B', undefined, [{ stream: { account: 'A', subject: 'b.>' } }, { service: { account: 'A', subject: 'q.b' } }]],
      ['C', undefined, [{ stream: { account: 'A', subject: 'puba.>' }, prefix: 'from_a' }, { service: { account: 'A', subject: 'pubq.C' }, to: 'Q' }]],
    ],
  );
  assert.deepEqual(ok('accounts { A { exports: [{service: "s", response_type: stream}, {service: "t", response: chunked}, {service: u, response_type: single}] } }').accounts![0]!.exports, [
    { service: 's', responseType: 'Stream' },
    { service: 't', responseType: 'Chunked' },
    { service: 'u', responseType: 'Singleton' },
  ]);
});

test('accounts: errors, with the reference messages', () => {
  const table: [string, string[]][] = [
    ['accounts { $G { } }', ['a.conf:1:12: "$G" is a Reserved Account']],
    ['accounts [A, A]', ['a.conf:1:14: Duplicate Account Entry: A']],
    ['accounts { A { users: [{user: x}, {user: x}] } }', ['a.conf:1:16: Duplicate user "x" detected']],
    ['accounts { A { users: [{user: x}] }, B { users: [{user: x}] } }', ['a.conf:1:42: Duplicate user "x" detected']],
    ['accounts { A { nkey: bad } }', ['a.conf:1:16: Not a valid public nkey for an account: "bad"']],
    ['accounts { A { bogus: 1 } }', ['a.conf:1:16: unknown field "bogus"']],
    ['accounts { A: 5 }', ['a.conf:1:12: Expected map entries for accounts']],
    ['accounts { A { limits { bogus: 1 } } }', ['a.conf:1:25: Unknown field "bogus" parsing account limits']],
    ['accounts { A { imports: [{stream: {account: B}}] }, B {} }', ['a.conf:1:27: Expect an account name and a subject']],
    ['accounts { A { exports: [{stream: x, response_type: singleton}] } }', ['a.conf:1:38: Detected response directive on non-service']],
    ['accounts { A { exports: [{service: x, response_type: bogus}] } }', ['a.conf:1:39: Unknown response type: "bogus"']],
    ['accounts { A { exports: "x" } }', ['a.conf:1:16: Exports should be an array, got string']],
    ['accounts { A { imports: [5 ] } }', ['a.conf:1:26: Import Items should be a map with type entry, got int64']],
    [
      'accounts {\n  A { exports: [{stream: "a.>", accounts: [B]}] }\n  B { imports: [{stream: {account: A, subject: "a.b"}}] }\n  C { imports: [{stream: {account: A, subject: "a.b"}}] }\n}',
      ['a.conf:1:1: Error adding stream import "a.b": stream import not authorized'],
    ],
    ['accounts {\n  A { exports: [{service: "svc"}] }\n  B { imports: [{service: {account: A, subject: "other"}}] }\n}', ['a.conf:1:1: Error adding service import "other": service import not authorized']],
    ['accounts {\n  B { imports: [{service: {account: Z, subject: "other"}}] }\n}', ['a.conf:1:1: "Z" account not defined for service import']],
    ['accounts {\n  A { exports: [{stream: "a.>", accounts: [Z]}] }\n}', ['a.conf:1:1: "Z" account not defined for stream export']],
    [
      'accounts { A { exports: [{service: "q.>"}] }, B { imports: [{service: {account: A, subject: "q.a"}}, {service: {account: A, subject: "q.b"}, to: "q.a"}] } }',
      // nats-server points just past the entry's closing brace (1:152 here); we point at its opening brace.
      ['a.conf:1:102: Duplicate service import subject "q.a", previously used in import for account "A", subject "q.a"'],
    ],
  ];
  for (const [src, want] of table) assert.deepEqual(errs(load(src)), want, src);
  // Ignored inside an account: a warning.
  assert.deepEqual(warns(load('accounts { A { jetstream: enabled, mappings: { a: b } } }')), [
    'a.conf:1:36: tsnats ignores "mappings" in account "A": subject mappings are not supported yet',
  ]);
});

test('no_auth_user must name a configured user (nats-server checks this when starting)', () => {
  assert.deepEqual(ok('no_auth_user: a\naccounts { A { users: [{user: a, password: a}] } }').noAuthUser, 'a');
  assert.deepEqual(ok('no_auth_user: a\nauthorization { users: [{user: a, password: a}] }').noAuthUser, 'a');
  assert.deepEqual(errs(load('no_auth_user: x')), ['a.conf:1:1: no_auth_user: "x" present, but users are not defined']);
  assert.deepEqual(errs(load('authorization { users: [{user: a, password: b}] }\nno_auth_user: z')), [
    'a.conf:2:1: no_auth_user: "z" not present as user in authorization block or account configuration',
  ]);
});

test('operator mode: operator JWT (file, decorated file, inline), MEMORY resolver, preloads', () => {
  const jwtDir = join(FIXTURES, 'jwt');
  const readOperatorFile = (p: string) => readFileSync(join(jwtDir, p), 'utf8');
  const opJwt = readFileSync(join(jwtDir, 'op.jwt'), 'utf8').trim();
  const r = loadConfigFile(join(jwtDir, 'mem_resolver.conf'), { readOperatorFile, env: {} });
  assert.deepEqual(errs(r), []);
  assert.deepEqual(r.options.trustedOperators, [opJwt]);
  assert.deepEqual(r.options.resolver, { type: 'memory' });
  assert.equal(Object.keys(r.options.resolverPreload!).length, 2);
  // The operator's system account is the default system account.
  assert.match(r.options.systemAccount!, /^A[A-Z2-7]{55}$/);
  assert.equal(r.options.configFile, join(jwtDir, 'mem_resolver.conf'));

  assert.deepEqual(loadConfig('operator: "op.creds-style.jwt"', { readOperatorFile }).options.trustedOperators, [opJwt]);
  assert.deepEqual(loadConfig(`operator: ${opJwt}`, { readOperatorFile }).options.trustedOperators, [opJwt]);
  assert.deepEqual(loadConfig(`operator: "${opJwt}"\nsystem_account: MINE`, { readOperatorFile }).options.systemAccount, 'MINE');
  // Relative to the working directory, as nats-server.
  assert.deepEqual(errs(loadConfig('operator: "nope.jwt"', { file: 'a.conf' })), ['a.conf:1:1: error parsing operator JWT: open nope.jwt: no such file or directory']);
  assert.deepEqual(errs(load('resolver_preload { A: "x" }')), ['a.conf:1:20: invalid account JWT']);
  assert.deepEqual(errs(load(`resolver_preload { A: "${opJwt}" }`)), ['a.conf:1:20: invalid account JWT']);
  assert.deepEqual(errs(load('resolver_preload: 5')), ['a.conf:1:1: preload should be a map of account_public_key:account_jwt']);
  assert.deepEqual(ok('resolver: MEM'), { resolver: { type: 'memory' } });
});

test('positions of every option are recorded (for later messages)', () => {
  const r = load('port: 4222\n\n  ping_interval: "1m"\nauthorization { user: a, password: b }');
  assert.deepEqual(
    Object.fromEntries(Object.entries(r.positions).map(([k, p]) => [k, `${p.file}:${p.line}:${p.col}`])),
    { port: 'a.conf:1:1', pingInterval: 'a.conf:3:3', username: 'a.conf:4:1', password: 'a.conf:4:1' },
  );
});

test('loadConfigFile: a missing file, and syntax errors, come back as errors', () => {
  const r = loadConfigFile(join(FIXTURES, 'nope.conf'));
  assert.deepEqual([r.errors.length, r.errors[0]!.code, r.errors[0]!.line], [1, 'syntax', 0]);
  assert.deepEqual(errs(load('port: 4222 x')), ["a.conf:1:12: Expected a top-level value to end with a new line, comment or EOF, but got 'x' instead."]);
});

test('checkReport: what -t prints, as nats-server', () => {
  assert.deepEqual(checkReport('a.conf', load('port: 4222')), { stderr: 'tsnats: configuration file a.conf is valid\n', exitCode: 0 });
  assert.deepEqual(checkReport('a.conf', load('bogus: 1\nping_interval: 5')), {
    stderr: 'tsnats: a.conf:2:1: invalid use of field "ping_interval": ping_interval should be converted to a duration\na.conf:1:1: unknown field "bogus"\n\n',
    exitCode: 1,
  });
  const ignored = checkReport('a.conf', load('gateway {}'));
  assert.equal(ignored.exitCode, 0);
  assert.equal(ignored.stderr, 'tsnats: a.conf:1:1: tsnats ignores "gateway": gateways are not supported yet\ntsnats: configuration file a.conf is valid\n');
});

test('jetstream: enabled forms, the block with sizes and limits, store_dir, account limits (opts.go parseJetStream*)', () => {
  assert.deepEqual(ok('jetstream: enabled'), { jetstream: true });
  assert.deepEqual(ok('jetstream: disabled'), { jetstream: false });
  assert.deepEqual(ok('jetstream: true'), { jetstream: true });
  assert.deepEqual(ok('jetstream {}'), { jetstream: { enabled: true } });
  assert.deepEqual(ok('store_dir: "/x"'), { storeDir: '/x' });
  assert.deepEqual(
    ok('jetstream { store_dir: "/d", max_memory_store: 1GB, max_file_store: "2G", domain: hub, limits { max_request_batch: 10, max_ack_pending: 20, duplicate_window: "30s" }, memory_only: true }'),
    { jetstream: { enabled: true, storeDir: '/d', maxMemoryStore: 1024 ** 3, maxFileStore: 2 * 1024 ** 3, domain: 'hub', limits: { maxRequestBatch: 10, maxAckPending: 20, duplicateWindow: 30_000 }, memoryOnly: true } },
  );
  assert.deepEqual(ok('jetstream { enabled: false }'), { jetstream: { enabled: false } });
  assert.deepEqual(errs(load('jetstream: maybe')), ["a.conf:1:1: Expected 'enabled' or 'disabled' for string value, got 'maybe'"]);
  assert.deepEqual(errs(load('jetstream: 5')), ['a.conf:1:1: Expected map, bool or string to define JetStream, got int64']);
  assert.deepEqual(errs(load('jetstream { max_file_store: "2X" }')), ['a.conf:1:13: max_file_store sizes defined as strings must end in K, M, G, T']);
  assert.deepEqual(errs(load('jetstream { bogus: 1 }')), ['a.conf:1:13: unknown field "bogus"']);
  assert.deepEqual(errs(load('store_dir: "/a"\njetstream { store_dir: "/b" }')), ["a.conf:2:13: Duplicate 'store_dir' configuration"]);
  assert.equal(errs(load('jetstream { key: "secret" }'))[0]?.includes('encryption at rest is not implemented'), true);
  const accs = ok('accounts { A { jetstream: enabled }, B { jetstream { max_mem: 1024, max_file: 2048, max_streams: 3, max_consumers: 4, max_bytes_required: true, max_ack_pending: 5, memory_max_stream_bytes: 6, store_max_stream_bytes: 7 } }, C { jetstream: disabled } }').accounts!;
  assert.deepEqual(accs.map((a) => a.jetstream), [
    true,
    { maxMemory: 1024, maxStore: 2048, maxStreams: 3, maxConsumers: 4, maxBytesRequired: true, maxAckPending: 5, memoryMaxStreamBytes: 6, storeMaxStreamBytes: 7 },
    false,
  ]);
  assert.deepEqual(errs(load('accounts { A { jetstream { max_mem: "x" } } }')), ['a.conf:1:28: Expected a parseable size for "max_mem", got x']);
});
