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
