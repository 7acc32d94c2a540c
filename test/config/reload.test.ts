// diffOptions and the reload log lines, unit-tested and compared with a real nats-server reload
// (SIGHUP after rewriting its config file) when nats-server is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultOptions, type ServerOptions } from '../../src/options.js';
import { loadConfig } from '../../src/config/load.js';
import { diffOptions, reloadLogLines } from '../../src/config/reload.js';
import { mergeOptions, parseArgs } from '../../src/cli/flags.js';
import { hasNatsServer, startServer } from '../helpers/servers.js';

/** Complete options from config text (+ flags merged over it, as the reference does on reload). */
function full(text: string, flags: string[] = []): ServerOptions {
  const r = loadConfig(text, { file: 'a.conf', env: {} });
  assert.deepEqual(r.errors, [], text);
  const merged = mergeOptions(r.options, parseArgs(flags).options).options;
  return { ...defaultOptions(), ...merged };
}
const diff = (a: string, b: string, flags: string[] = []) => diffOptions(full(a, flags), full(b, flags));

test('reloadable options: one change each, with the reference log line', () => {
  const table: [string, string, string][] = [
    ['', 'ping_interval: "5s"', 'Reloaded: ping_interval = 5s'],
    ['', 'ping_interval: "90s"', 'Reloaded: ping_interval = 1m30s'],
    ['', 'ping_max: 3', 'Reloaded: ping_max = 3'],
    ['', 'write_deadline: "3s"', 'Reloaded: write_deadline = 3s'],
    ['', 'max_payload: 3000', 'Reloaded: max_payload = 3000'],
    ['', 'max_control_line: 4000', 'Reloaded: max_control_line = 4000'],
    ['', 'max_connections: 8', 'Reloaded: max_connections = 8'],
    ['', 'debug: true', 'Reloaded: debug = true'],
    ['', 'trace: true', 'Reloaded: trace = true'],
    ['', 'logtime: false', 'Reloaded: logtime = false'],
    ['', 'log_file: "/tmp/x.log"', 'Reloaded: log_file = /tmp/x.log'],
    ['', 'pid_file: "/tmp/x.pid"', 'Reloaded: pid_file = /tmp/x.pid'],
    ['', 'ports_file_dir: "/tmp"', 'Reloaded: ports_file_dir = /tmp'],
    ['', 'max_traced_msg_len: 11', 'Reloaded: max_traced_msg_len = 11'],
    ['', 'connect_error_reports: 5', 'Reloaded: connect_error_reports = 5'],
    ['', 'reconnect_error_reports: 6', 'Reloaded: reconnect_error_reports = 6'],
    ['client_advertise: "a:1"', 'client_advertise: "b:2"', 'Reload: client_advertise = b:2'],
    ['authorization { timeout: 1.5 }', 'authorization { timeout: 2.5 }', 'Reloaded: authorization timeout = 2.5'],
    ['authorization { token: a }', 'authorization { token: b }', 'Reloaded: authorization token'],
    ['', 'ping_timeout: "30s"', 'Reloaded: ping_timeout = 30s'],
    ['', 'busy_poll: "300us"', 'Reloaded: busy_poll = 300µs'],
    ['', 'tcp_keepalive: "1m"', 'Reloaded: tcp_keepalive = 1m0s'],
    ['accounts { A {} }', 'accounts { A {}, B {} }', 'Reloaded: accounts'],
    ['authorization { users: [{user: a, password: b}] }', 'authorization { users: [{user: a, password: c}] }', 'Reloaded: authorization users'],
    ['authorization { users: [{nkey: UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4}] }', 'authorization { users: [] }', 'Reloaded: authorization nkey users'],
  ];
  for (const [a, b, line] of table) {
    const d = diff(a, b);
    assert.deepEqual(d.refused, [], b);
    assert.deepEqual(d.changes.map((c) => c.message), [line], b);
  }
  const d = diff('', 'ping_interval: "5s"');
  assert.deepEqual(d.changes, [{ field: 'pingInterval', configName: 'ping_interval', value: 5000, message: 'Reloaded: ping_interval = 5s' }]);
});

test('no change, no lines; order of users or accounts does not matter', () => {
  assert.deepEqual(diff('port: 1\nping_interval: "1m"', 'ping_interval: 60\nport: 1'), { changes: [], refused: [] });
  assert.deepEqual(
    diff('accounts { A { users: [{user: a}] }, B {} }', 'accounts { B {}, A { users: [{user: a}] } }'),
    { changes: [], refused: [] },
  );
});

test('options that cannot be reloaded: the reference message, in its order', () => {
  const table: [string, string, string][] = [
    ['max_pending: 64MB', 'max_pending: 32MB', 'config reload not supported for MaxPending: old=67108864, new=33554432'],
    ['', 'server_name: x', 'config reload not supported for ServerName: old=, new=x'],
    ['', 'max_subscriptions: 3', 'config reload not supported for MaxSubs: old=0, new=3'],
    ['', 'no_header_support: true', 'config reload not supported for NoHeaderSupport: old=false, new=true'],
    ['lame_duck_duration: "30s"', 'lame_duck_duration: "40s"', 'config reload not supported for LameDuckDuration: old=30s, new=40s'],
    ['log_size_limit: 100', 'log_size_limit: 200', 'config reload not supported for LogSizeLimit: old=100, new=200'],
    ['', 'host: 127.0.0.1', 'config reload not supported for Host: old=0.0.0.0, new=127.0.0.1'],
    ['', 'port: 4333', 'config reload not supported for Port: old=4222, new=4333'],
    ['', 'http_port: 8222', 'config reload not supported for HTTPPort: old=0, new=8222'],
    ['', 'disable_sublist_cache: true', 'config reload not supported for NoSublistCache: old=false, new=true'],
    ['', 'no_system_account: true', 'config reload not supported for NoSystemAccount: old=false, new=true'],
    ['', 'system_account: SYS\naccounts [SYS]', 'config reload not supported for SystemAccount: old=$SYS, new=SYS'],
    ['', 'resolver: MEMORY', 'config reload does not support moving to or from an account resolver'],
  ];
  for (const [a, b, message] of table) {
    const d = diff(a, b);
    assert.deepEqual(d.refused.map((r) => r.message), [message], b);
  }
  // Several: all reported, in the order of nats-server's Options struct (it reports the first).
  const d = diff('', 'max_pending: 32MB\nserver_name: x\nping_interval: "5s"');
  assert.deepEqual(d.refused.map((r) => r.field), ['serverName', 'maxPending']);
  assert.deepEqual(d.changes.map((c) => c.field), ['pingInterval']);
});

test('port: a random port (-1) keeps the port being listened on', () => {
  assert.deepEqual(diff('port: 4333', 'port: -1').refused, []);
  assert.deepEqual(diff('port: -1', 'port: -1').refused, []);
  // A port given as a flag is merged over the new file, so the file's port does not matter.
  assert.deepEqual(diff('port: 4333', 'port: 4444', ['-p', '5000']).refused, []);
});

test('no_auth_user: refused, except removing it together with its user', () => {
  const users = 'authorization { users: [{user: a, password: a}, {user: b, password: b}] }';
  assert.equal(diff(`${users}\nno_auth_user: a`, `${users}\nno_auth_user: b`).refused[0]!.message, 'config reload not supported for NoAuthUser: old=a, new=b');
  assert.equal(diff(`${users}\nno_auth_user: a`, users).refused.length, 1);
  assert.deepEqual(diff(`${users}\nno_auth_user: a`, 'authorization { users: [{user: b, password: b}] }').refused, []);
});

test('reloadLogLines: the lines nats-server logs, in its order, users and accounts always', () => {
  assert.deepEqual(reloadLogLines(diff('', 'ping_interval: "5s"')), [
    'Reloaded: authorization users',
    'Reloaded: accounts',
    'Reloaded: ping_interval = 5s',
    'Reloaded server configuration',
  ]);
  assert.deepEqual(reloadLogLines(diff('authorization { users: [{user: a, password: b}] }', 'authorization { users: [{user: a, password: c}] }\nping_max: 3\nwrite_deadline: "3s"\ndebug: true\nlogtime: false')), [
    'Reloaded: debug = true',
    'Reloaded: logtime = false',
    'Reloaded: authorization users',
    'Reloaded: accounts',
    'Reloaded: ping_max = 3',
    'Reloaded: write_deadline = 3s',
    'Reloaded server configuration',
  ]);
  assert.deepEqual(reloadLogLines({ changes: [], refused: [] }), ['Reloaded: authorization users', 'Reloaded: accounts', 'Reloaded server configuration']);
  // Removing pid_file logs nothing for it.
  assert.deepEqual(reloadLogLines(diff('pid_file: "/tmp/x.pid"', '')), ['Reloaded: authorization users', 'Reloaded: accounts', 'Reloaded server configuration']);
});

const skip = hasNatsServer() ? false : 'nats-server is not installed (apt-get install -y nats-server)';

/** Start nats-server with config A, rewrite it to B, SIGHUP: the [INF]/[ERR] lines of the reload. */
async function referenceReload(a: string, b: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-reload-'));
  const file = join(dir, 'r.conf');
  writeFileSync(file, a);
  const srv = await startServer('nats-server', { config: file });
  try {
    const before = srv.output().length;
    writeFileSync(file, b);
    srv.proc.kill('SIGHUP');
    await srv.waitForOutput(/Reloaded server configuration|Failed to reload server configuration/);
    return srv
      .output()
      .slice(before)
      .split('\n')
      .map((l) => /\[(?:INF|ERR)\] (.*)$/.exec(l)?.[1])
      .filter((l): l is string => !!l && /^(Reload|Failed to reload)/.test(l));
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the same reloads as nats-server 2.9.10, line for line', { skip }, async () => {
  const pairs: [string, string][] = [
    ['ping_interval: "2m"', 'ping_interval: "5s"'],
    ['max_pending: 64MB', 'max_pending: 32MB'],
    ['authorization { users: [{user: a, password: b}] }', 'authorization { users: [{user: a, password: c}] }\nping_max: 3\nwrite_deadline: "3s"\ndebug: true\nlogtime: false'],
    ['log_size_limit: 100', 'log_size_limit: 200'],
    ['', 'server_name: x\nmax_subscriptions: 3'],
    ['lame_duck_duration: "30s"', 'lame_duck_duration: "40s"'],
    ['authorization { token: a }', 'authorization { token: b }\ntrace: true\ntrace_verbose: true'],
    ['authorization { user: a, pass: b }', 'authorization { user: c, pass: d }'],
    [
      'client_advertise: "a:1"\nmax_control_line: 2048\nmax_payload: 2000\nmax_connections: 7\nmax_traced_msg_len: 10\nauthorization { timeout: 1.5 }',
      'client_advertise: "b:2"\nmax_control_line: 4000\nmax_payload: 3000\nmax_connections: 8\nmax_traced_msg_len: 11\nauthorization { timeout: 2.5 }\nconnect_error_reports: 5\nreconnect_error_reports: 6\nping_interval: "90s"',
    ],
    ['accounts { A { users: [{user: a, password: a}] } }', 'accounts { A { users: [{user: a, password: a}] }, B { users: [{user: b, password: b}] } }'],
    ['port: 4333', 'port: 4444'], // flags (-p) override the file on reload
  ];
  for (const [a, b] of pairs) {
    const ref = await referenceReload(a, b);
    // startServer passes -a 127.0.0.1 -p <port>: merge the same flags over both files.
    const flags = ['-a', '127.0.0.1', '-p', '4999'];
    const d = diff(a, b, flags);
    const ours = d.refused.length ? [`Failed to reload server configuration: ${d.refused[0]!.message}`] : reloadLogLines(d);
    assert.deepEqual(ours, ref, `${JSON.stringify(a)} → ${JSON.stringify(b)}`);
  }
});
