// The drop-in recipe (README): harnesses that spawn a program named `nats-server` with `-c file` and
// wait for `<ports_file_dir>/nats-server_<pid>.ports` (nats.js's, nats.node's …) run on tsnats with
// `PATH=node_modules/.bin:$PATH`. The package is installed into a scratch project as npm installs
// it (a local folder, offline), and the harness's steps are done through its bin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';

const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

test('a harness that spawns `nats-server -c` finds nats-server_<pid>.ports and connects', async (t) => {
  const proj = mkdtempSync(join(tmpdir(), 'tsnats-dropin-'));
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'harness', version: '1.0.0', private: true }));
  const npm = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', repo], { cwd: proj, encoding: 'utf8', timeout: 60_000 });
  assert.equal(npm.status, 0, `npm install of the package failed: ${npm.stderr}`);
  const bin = join(proj, 'node_modules', '.bin');
  assert.ok(existsSync(join(bin, 'nats-server')), 'the package installs a nats-server command');
  assert.equal(realpathSync(join(bin, 'nats-server')), realpathSync(join(bin, 'tsnats')));

  const portsDir = mkdtempSync(join(tmpdir(), 'tsnats-ports-'));
  const conf = join(proj, 'server.conf');
  writeFileSync(conf, `port: -1\nports_file_dir: "${portsDir}"\n`);
  const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
  const version = spawnSync('nats-server', ['--version'], { env, encoding: 'utf8' });
  assert.match(version.stdout, /^nats-server: v2\.9\.10/);

  const proc = spawn('nats-server', ['-c', conf], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => proc.kill('SIGKILL'));
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const portsFile = join(portsDir, `nats-server_${proc.pid}.ports`);
  // As the harnesses do: poll for the file named after the program and the pid they spawned.
  const deadline = Date.now() + 15_000;
  while (!existsSync(portsFile)) {
    if (Date.now() > deadline || proc.exitCode !== null) assert.fail(`no ${portsFile}; stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const ports = JSON.parse(readFileSync(portsFile, 'utf8')) as { nats: string[] };
  const nc = await connect({ servers: ports.nats[0] });
  const sub = nc.subscribe('drop.in', { max: 1 });
  nc.publish('drop.in', 'hello');
  for await (const m of sub) assert.equal(m.string(), 'hello');
  await nc.close();
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  assert.ok(!existsSync(portsFile), 'the ports file is removed at exit');
});
