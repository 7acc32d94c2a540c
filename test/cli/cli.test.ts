// The tsnats command: nats-server's flags, startup log, pid and ports files, -t, version/help, and
// exit codes. Every process started here is stopped here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, TSNATS_CLI } from '../helpers/servers.js';
import { RawConn } from '../helpers/raw.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tsnats-cli-'));
const cli = (args: string[]) => spawnSync(process.execPath, [TSNATS_CLI, ...args], { encoding: 'utf8', timeout: 10_000 });

test('startup log as the reference, ending in Server is ready; INFO on the given address', async (t) => {
  const srv = await startServer('tsnats', { args: ['-n', 'lab-a'] });
  t.after(() => srv.stop());
  const out = srv.output();
  const lines = out.trim().split('\n').map((l) => l.replace(/^\[\d+\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6} /, ''));
  assert.match(lines[0], /^\[INF\] Starting tsnats /);
  assert.ok(lines.includes('[INF]   Version:  2.9.10'));
  assert.ok(lines.includes('[INF]   Name:     lab-a'));
  assert.ok(lines.some((l) => /^\[INF\]   ID:       N[A-Z0-9]{55}$/.test(l)));
  assert.ok(lines.includes(`[INF] Listening for client connections on 127.0.0.1:${srv.port}`));
  assert.equal(lines.at(-1), '[INF] Server is ready');
  const { c, info } = await RawConn.openAndInfo(srv.port);
  assert.equal(info.server_name, 'lab-a');
  assert.equal(info.host, '127.0.0.1');
  c.close();
});

test('-p -1 picks a random port; -P writes the pid file; --ports_file_dir the ports file', async (t) => {
  const dir = tmp();
  const pidFile = join(dir, 'tsnats.pid');
  const srv = await startServer('tsnats', { noListenFlags: true, args: ['-a', '127.0.0.1', '-p', '-1', '-P', pidFile, '--ports_file_dir', dir] });
  t.after(() => srv.stop());
  const m = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(srv.output());
  assert.ok(m && Number(m[1]) > 0);
  assert.equal(readFileSync(pidFile, 'utf8').trim(), String(srv.proc.pid));
  const ports = readdirSync(dir).filter((f) => f.endsWith('.ports'));
  assert.equal(ports.length, 1);
  assert.match(ports[0], new RegExp(`_${srv.proc.pid}\\.ports$`));
  assert.deepEqual(JSON.parse(readFileSync(join(dir, ports[0]), 'utf8')).nats, [`nats://127.0.0.1:${m![1]}`]);
  await srv.stop();
  assert.equal(existsSync(pidFile), false, 'pid file removed at exit');
});

test('-v, -h, an unknown flag (exit 1), -t on a valid and an invalid file', () => {
  const v = cli(['-v']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^nats-server: v2\.9\.10 \(tsnats \d+\.\d+\.\d+\)\n$/);
  const h = cli(['-h']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /Usage: tsnats \[options\]/);
  for (const f of ['-a', '--addr', '--net', '-p', '--port', '-n', '--server_name', '-P', '--pid', '-m', '--http_port', '-c', '--config', '-t', '-l', '--log', '-T', '-D', '-V', '-DV', '--user', '--pass', '--auth', '--ports_file_dir', '-v', '--version', '-h', '--help']) {
    assert.ok(h.stdout.includes(f), `help mentions ${f}`);
  }
  const bad = cli(['--bogus']);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, 'flag provided but not defined: -bogus\n');
  const dir = tmp();
  const good = join(dir, 'good.conf');
  writeFileSync(good, 'ping_interval: "30s"\nping_max: 2\nmax_payload: 10485760\naccounts { ORDERS { users: [{user: orders, password: secret}], limits { conn: 500 } } }\nping_timeout: 60\n');
  const ok = cli(['-c', good, '-t']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr, `tsnats: configuration file ${good} is valid\n`);
  const badFile = join(dir, 'bad.conf');
  writeFileSync(badFile, 'port: 4222\nbogus_option: 1\n');
  const no = cli(['-c', badFile, '-t']);
  assert.equal(no.status, 1);
  assert.match(no.stderr, new RegExp(`${badFile.replace(/[.]/g, '\\.')}:2:1: unknown field "bogus_option"`));
});

test('a config error at startup: file:line:col and exit 1', () => {
  const dir = tmp();
  const f = join(dir, 'bad.conf');
  writeFileSync(f, 'port: 4222\nping_interval: "banana"\n');
  const r = cli(['-c', f]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${f.replace(/[.]/g, '\\.')}:2:\\d+: `));
});

test('the guides\' examples load and apply: ping_interval 120 warns, flags override the file', async (t) => {
  const dir = tmp();
  const f = join(dir, 'guide.conf');
  writeFileSync(f, 'ping_interval: 120\nping_max: 3\nmax_payload: 2MB\n');
  const srv = await startServer('tsnats', { config: f, args: ['-DV'] });
  t.after(() => srv.stop());
  assert.match(srv.output(), /ping_interval should be converted to a duration/);
  assert.match(srv.output(), new RegExp(`Using configuration file: ${f.replace(/[.]/g, '\\.')}`));
  const { c, info } = await RawConn.openAndInfo(srv.port);
  assert.equal(info.max_payload, 2 * 1024 * 1024);
  c.send('CONNECT {"verbose":false}\r\nSUB foo 1\r\nPING\r\n');
  await c.roundTrip();
  // -V traces the protocol with <<- and ->>
  await srv.waitForOutput(/\[TRC\] 127\.0\.0\.1:\d+ - cid:\d+ - <<- \[SUB foo 1\]/);
  await srv.waitForOutput(/\[TRC\] 127\.0\.0\.1:\d+ - cid:\d+ - ->> \[PONG\]/);
  c.close();
});

test('SIGINT exits 0, SIGTERM exits 1', async () => {
  for (const [sig, code] of [['SIGINT', 0], ['SIGTERM', 1]] as const) {
    const srv = await startServer('tsnats');
    const exited = new Promise<number | null>((r) => srv.proc.once('exit', (c) => r(c)));
    srv.proc.kill(sig);
    assert.equal(await exited, code, sig);
    assert.match(srv.output(), /Server Exiting\.\./);
  }
});
