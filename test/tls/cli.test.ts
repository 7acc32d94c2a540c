// The TLS flags of the command line (--tls, --tlscert, --tlskey, --tlsverify, --tlscacert, -ms,
// --help_tls) and -t with a tls {} block, against nats-server 2.9.10: the same exit status and the
// same message for the same arguments; a server started with them requires TLS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, hasNatsServer, natsServerBin, TSNATS_CLI } from '../helpers/servers.js';
import { testCerts, opensslBin } from '../helpers/certs.js';
import { freePort } from '../../dev/ports.js';
import { TlsConn, httpsGet } from './tls-client.js';

const skip = opensslBin() ? false : 'openssl is not installed';
const haveRef = hasNatsServer();

/** Runs a server command that is expected to exit by itself (an error): status and first stderr line. */
function runToExit(cmd: string, args: string[]): Promise<{ status: number | null; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.stdout.on('data', (d) => (err += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    p.on('close', (status) => { clearTimeout(t); resolve({ status, err: err.trim().split('\n')[0]!.replace(/^(nats-server|tsnats): /, '') }); });
  });
}

test('TLS flag errors: the same exit status and message as nats-server', { skip, timeout: 60_000 }, async () => {
  const C = await testCerts();
  const port = String(await freePort());
  const cases: [string, string[], string][] = [
    ['--tls without a certificate', ['--tls'], 'TLS Server certificate must be present and valid'],
    ['--tlsverify alone', ['--tlsverify'], 'TLS Server certificate must be present and valid'],
    ['--tlscacert alone', ['--tlscacert', C.ca.cert], 'TLS Server certificate must be present and valid'],
    ['a certificate without a key', ['--tls', '--tlscert', C.server.cert], 'TLS Server private key must be present and valid'],
    ['a key file that does not exist', ['--tlscert', C.server.cert, '--tlskey', '/nope/key.pem'], 'error parsing X509 certificate/key pair: open /nope/key.pem: no such file or directory'],
    ['a CA file that does not exist', ['--tlscert', C.server.cert, '--tlskey', C.server.key, '--tlscacert', '/nope/ca.pem'], 'open /nope/ca.pem: no such file or directory'],
    ['a key that does not match', ['--tlscert', C.server.cert, '--tlskey', C.serverRsa.key], 'error parsing X509 certificate/key pair: tls: private key type does not match public key type'],
  ];
  await Promise.all(cases.map(async ([name, args, want]) => {
    const argv = ['-a', '127.0.0.1', '-p', port, ...args];
    const ours = await runToExit(process.execPath, [TSNATS_CLI, ...argv]);
    assert.deepEqual(ours, { status: 1, err: want }, name);
    if (haveRef) assert.deepEqual(await runToExit(natsServerBin()!, argv), ours, `${name}: nats-server`);
  }));
});

test('--tlscert/--tlskey/--tlsverify/--tlscacert start a server that requires (and verifies) TLS; -ms serves HTTPS', { skip, timeout: 30_000 }, async () => {
  const C = await testCerts();
  const ca = readFileSync(C.ca.cert);
  const ms = await freePort();
  const s = await startServer('tsnats', { args: ['--tlscert', C.server.cert, '--tlskey', C.server.key, '--tlsverify', '--tlscacert', C.ca.cert, '-ms', String(ms)] });
  try {
    assert.match(s.output(), /\[INF\] Starting https monitor on 127\.0\.0\.1:\d+\n[\s\S]*\[INF\] TLS required for client connections\n/);
    const c = await TlsConn.open(s.port, { ca, cert: readFileSync(C.clientDn.cert), key: readFileSync(C.clientDn.key) });
    assert.equal(c.info.tls_required, true);
    assert.equal(c.info.tls_verify, true);
    c.send('CONNECT {"verbose":false}\r\nPING\r\n');
    await c.expect('PONG\r\n');
    c.close();
    const varz = JSON.parse((await httpsGet(ms, '/varz', ca)).body);
    assert.equal(varz.https_port, ms);
    assert.equal(varz.tls_verify, true);
  } finally {
    await s.stop();
  }
});

test('--tls=false turns the config file\'s TLS off; --help_tls lists the names; -t checks the files', { skip, timeout: 30_000 }, async () => {
  const C = await testCerts();
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-tls-cli-'));
  const conf = join(dir, 'tls.conf');
  writeFileSync(conf, `tls {\n  cert_file: "${C.server.cert}"\n  key_file: "${C.server.key}"\n}\n`);
  const s = await startServer('tsnats', { config: conf, args: ['--tls=false'] });
  try {
    const { RawConn } = await import('../helpers/raw.js');
    const { c, info } = await RawConn.openAndInfo(s.port);
    assert.equal(info.tls_required, undefined);
    c.close();
  } finally {
    await s.stop();
  }
  const help = spawnSync(process.execPath, [TSNATS_CLI, '--help_tls'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Available cipher suites include:\n(    TLS_\w+\n){24}\nAvailable curve preferences include:\n    X25519\n/);
  // -t: a key that does not match, at the tls key, as nats-server
  const bad = join(dir, 'bad.conf');
  writeFileSync(bad, `# comment\ntls {\n  cert_file: "${C.server.cert}"\n  key_file: "${C.clientDn.key}"\n}\n`);
  const ours = spawnSync(process.execPath, [TSNATS_CLI, '-t', '-c', bad], { encoding: 'utf8' });
  assert.equal(ours.status, 1);
  assert.equal(ours.stderr.trim(), `tsnats: ${bad}:2:1: error parsing X509 certificate/key pair: tls: private key does not match public key`);
  if (haveRef) {
    const ref = spawnSync(natsServerBin()!, ['-t', '-c', bad], { encoding: 'utf8' });
    assert.equal(ref.stderr.trim().replace(/^nats-server/, 'tsnats'), ours.stderr.trim());
  }
});
