// Live reload by signal (SIGHUP and --signal reload=<pidfile>), refused reloads, reloaded auth on
// open connections, log reopen (SIGUSR1), and lame duck by signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, TSNATS_CLI, waitForFile } from '../helpers/servers.js';
import { RawConn } from '../helpers/raw.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tsnats-reload-'));

test('SIGHUP reloads ping_interval; a non-reloadable change is refused and nothing changes', async (t) => {
  const dir = tmp();
  const f = join(dir, 'a.conf');
  writeFileSync(f, 'ping_interval: "2m"\nmax_payload: 1MB\n');
  const srv = await startServer('tsnats', { config: f });
  t.after(() => srv.stop());
  writeFileSync(f, 'ping_interval: "5s"\nmax_payload: 2MB\n');
  srv.proc.kill('SIGHUP');
  await srv.waitForOutput(/\[INF\] Reloaded: ping_interval = 5s/);
  await srv.waitForOutput(/\[INF\] Reloaded: max_payload = 2097152/);
  await srv.waitForOutput(/\[INF\] Reloaded server configuration/);
  const { c, info } = await RawConn.openAndInfo(srv.port);
  assert.equal(info.max_payload, 2097152);
  c.close();
  // max_pending is not reloadable: the whole reload is refused
  writeFileSync(f, 'ping_interval: "7s"\nmax_payload: 2MB\nmax_pending: 32MB\n');
  srv.proc.kill('SIGHUP');
  await srv.waitForOutput(/\[ERR\] Failed to reload server configuration: config reload not supported for MaxPending: old=67108864, new=33554432/);
  assert.doesNotMatch(srv.output(), /Reloaded: ping_interval = 7s/);
});

test('--signal reload=<pidfile> and a config error on reload', async (t) => {
  const dir = tmp();
  const f = join(dir, 'b.conf');
  const pid = join(dir, 'b.pid');
  writeFileSync(f, `pid_file: "${pid}"\nping_max: 2\n`);
  const srv = await startServer('tsnats', { config: f });
  t.after(() => srv.stop());
  writeFileSync(f, `pid_file: "${pid}"\nping_max: 4\n`);
  const r = spawnSync(process.execPath, [TSNATS_CLI, '--signal', `reload=${pid}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  await srv.waitForOutput(/Reloaded: ping_max = 4/);
  writeFileSync(f, `pid_file: "${pid}"\nping_max: "lots"\n`);
  spawnSync(process.execPath, [TSNATS_CLI, '--signal', `reload=${srv.proc.pid}`]);
  await srv.waitForOutput(/\[ERR\] Failed to reload server configuration: .*b\.conf:2:\d+: /);
  // a bad target is a clear error
  const bad = spawnSync(process.execPath, [TSNATS_CLI, '--signal', `reload=${join(dir, 'missing.pid')}`], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /could not read pid file/);
});

test('reloaded credentials apply to open connections: a removed user is disconnected', async (t) => {
  const dir = tmp();
  const f = join(dir, 'auth.conf');
  writeFileSync(f, 'authorization { users: [ {user: alice, password: a}, {user: bob, password: b} ] }\n');
  const srv = await startServer('tsnats', { config: f, args: ['-D'] });
  t.after(() => srv.stop());
  const alice = (await RawConn.openAndInfo(srv.port)).c;
  alice.send('CONNECT {"verbose":false,"user":"alice","pass":"a"}\r\n');
  await alice.roundTrip();
  const bob = (await RawConn.openAndInfo(srv.port)).c;
  bob.send('CONNECT {"verbose":false,"user":"bob","pass":"b"}\r\n');
  await bob.roundTrip();
  writeFileSync(f, 'authorization { users: [ {user: alice, password: a} ] }\n');
  srv.proc.kill('SIGHUP');
  assert.equal(await bob.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
  assert.match(await alice.roundTrip(), /PONG\r\n$/);
  await srv.waitForOutput(/Reloaded server configuration/);
  alice.close();
});

test('-l logs to a file; SIGUSR1 reopens it after a rotation', async (t) => {
  const dir = tmp();
  const log = join(dir, 'tsnats.log');
  const srv = await startServer('tsnats', { args: ['-l', log], logFile: log });
  t.after(() => srv.stop());
  assert.equal(srv.output(), '', 'nothing on stderr with -l');
  renameSync(log, log + '.1');
  srv.proc.kill('SIGUSR1');
  await waitForFile(log, /File log re-opened/);
  assert.match(readFileSync(log + '.1', 'utf8'), /Server is ready/);
});

test('log_size_limit rotates the log file; -T=false drops the timestamps', async (t) => {
  const dir = tmp();
  const log = join(dir, 'rot.log');
  const f = join(dir, 'rot.conf');
  writeFileSync(f, `log_file: "${log}"\nlog_size_limit: 2000\ntrace: true\n`);
  const srv = await startServer('tsnats', { config: f, logFile: log, args: ['-T=false'] });
  t.after(() => srv.stop());
  const { c } = await RawConn.openAndInfo(srv.port);
  c.send('CONNECT {"verbose":false}\r\n');
  for (let i = 0; i < 40; i++) await c.roundTrip(); // trace lines fill the log
  c.close();
  const { readdirSync } = await import('node:fs');
  const t0 = Date.now();
  while (readdirSync(dir).filter((n) => n.startsWith('rot.log.')).length === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
  const rotated = readdirSync(dir).filter((n) => n.startsWith('rot.log.'));
  assert.ok(rotated.length >= 1, `rotated files: ${readdirSync(dir)}`);
  for (const n of rotated) assert.match(n, /^rot\.log\.\d{4}\.\d\d\.\d\d\.\d\d\.\d\d\.\d\d\.\d{9}0*$/, 'backup name as the reference');
  const first = readFileSync(join(dir, rotated.sort()[0]), 'utf8');
  assert.match(first, /^\[\d+\] \[INF\] Starting tsnats/m, 'no timestamp with -T=false');
});

test('every --signal name reaches the server with the reference signal and effect', async () => {
  const send = (name: string, pid: number) => spawnSync(process.execPath, [TSNATS_CLI, '--signal', `${name}=${pid}`], { encoding: 'utf8' });
  // quit → SIGINT → exit 0; term → SIGTERM → exit 1; stop → SIGKILL
  for (const [name, check] of [
    ['quit', (code: number | null, sig: string | null) => code === 0 && sig === null],
    ['term', (code: number | null) => code === 1],
    ['stop', (_code: number | null, sig: string | null) => sig === 'SIGKILL'],
  ] as const) {
    const srv = await startServer('tsnats');
    const exited = new Promise<[number | null, string | null]>((r) => srv.proc.once('exit', (c, s) => r([c, s])));
    const r = send(name, srv.proc.pid!);
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    const [code, sig] = await exited;
    assert.ok(check(code, sig), `${name}: exit ${code} signal ${sig}`);
  }
  // reopen → SIGUSR1: without a log file the reference warns
  const srv = await startServer('tsnats');
  try {
    assert.equal(send('reopen', srv.proc.pid!).status, 0);
    await srv.waitForOutput(/\[WRN\] File log re-open ignored, not a file logger/);
  } finally {
    await srv.stop();
  }
});

test('config_load_time in /varz moves on a successful reload, not on a refused one', async (t) => {
  const dir = tmp();
  const f = join(dir, 'clt.conf');
  writeFileSync(f, 'ping_max: 2\n');
  const srv = await startServer('tsnats', { config: f, monitor: true });
  t.after(() => srv.stop());
  const varz = async () => (await (await fetch(`http://127.0.0.1:${srv.httpPort}/varz`)).json()) as { config_load_time: string; ping_max: number };
  const v0 = await varz();
  writeFileSync(f, 'ping_max: 3\n');
  srv.proc.kill('SIGHUP');
  await srv.waitForOutput(/Reloaded: ping_max = 3/);
  const v1 = await varz();
  assert.equal(v1.ping_max, 3);
  assert.ok(Date.parse(v1.config_load_time) > Date.parse(v0.config_load_time), `${v0.config_load_time} → ${v1.config_load_time}`);
  writeFileSync(f, 'ping_max: 3\nmax_pending: 1MB\n');
  srv.proc.kill('SIGHUP');
  await srv.waitForOutput(/Failed to reload server configuration: config reload not supported for MaxPending/);
  const v2 = await varz();
  assert.equal(v2.config_load_time, v1.config_load_time);
});
