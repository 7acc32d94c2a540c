// TLS on the client port and HTTPS monitoring, tsnats (the CLI, from a config file) against
// nats-server 2.9.10 with the same files: INFO, /varz, /connz (version, suite, peer certificates,
// closed reasons), HTTPS endpoints and plain HTTP on the HTTPS port, allow_non_tls, and the
// extensions handshake_first (with nats.js v3's handshakeFirst) and min_version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect } from 'node:net';
import { connect as natsConnect } from '@nats-io/transport-node';
import { startServer, hasNatsServer, type ServerKind, type TestServer } from '../helpers/servers.js';
import { testCerts, opensslBin, type TestCerts, type CertPair } from '../helpers/certs.js';
import { freePort } from '../../dev/ports.js';
import { TlsConn, tlsRun, httpsGet } from './tls-client.js';
import { certInfosFromPem } from '../../src/tls/certinfo.js';

const skip = !opensslBin() ? 'openssl is not installed' : false;
const haveRef = hasNatsServer();
const KINDS: ServerKind[] = haveRef ? ['nats-server', 'tsnats'] : ['tsnats'];
const dir = mkdtempSync(join(tmpdir(), 'tsnats-tls-srv-'));

/** Bytes a plain TCP client gets back for `bytes` (until the server closes, or 1 s). */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1', () => s.write(bytes));
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', () => {});
    const t = setTimeout(() => s.destroy(), 1000);
    s.on('close', () => { clearTimeout(t); resolve(got); });
  });
}

async function withServers(name: string, conf: (kind: ServerKind, httpsPort: number) => string, fn: (s: TestServer, https: number) => Promise<void>): Promise<void> {
  await Promise.all(KINDS.map(async (kind) => {
    const https = await freePort();
    const file = join(dir, `${name}-${kind}.conf`);
    writeFileSync(file, conf(kind, https));
    const s = await startServer(kind, { config: file, args: ['-D'] });
    try {
      await fn(s, https);
    } finally {
      await s.stop();
    }
  }));
}

const pemOf = (p: CertPair) => ({ cert: readFileSync(p.cert), key: readFileSync(p.key) });
const tlsBlock = (C: TestCerts, extra = '') => `tls {\n  cert_file: "${C.server.cert}"\n  key_file: "${C.server.key}"\n  ca_file: "${C.ca.cert}"\n${extra}}\n`;

test('mutual TLS: INFO, /varz, /connz and closed connections as nats-server; every monitor endpoint over HTTPS', { skip, timeout: 60_000 }, async () => {
  const C = await testCerts();
  const ca = readFileSync(C.ca.cert);
  const seen = new Map<ServerKind, Record<string, unknown>>();
  await withServers('mtls', (_k, https) => `${tlsBlock(C, '  verify: true\n')}https: "127.0.0.1:${https}"\n`, async (s, https) => {
    // INFO in plaintext, then TLS; the client's certificate is verified
    const c = await TlsConn.open(s.port, { ca, ...pemOf(C.clientDn) });
    c.send('CONNECT {"verbose":false,"name":"mtls","lang":"test","version":"1"}\r\nSUB x 1\r\nPUB x 2\r\nhi\r\nPING\r\n');
    await c.expect('MSG x 1 2\r\nhi\r\nPONG\r\n');
    // a client without a certificate is refused and shows in the closed connections
    const bad = await tlsRun(s.port, { ca });
    assert.notEqual(bad.answer, 'PONG');
    const varz = JSON.parse((await httpsGet(https, '/varz', ca)).body);
    const connz = JSON.parse((await httpsGet(https, '/connz?auth=1', ca)).body);
    const closed = JSON.parse((await httpsGet(https, '/connz?state=closed', ca)).body);
    const conn = connz.connections.find((x: { name?: string }) => x.name === 'mtls');
    const fail = closed.connections.at(-1);
    seen.set(s.kind, {
      info: Object.fromEntries(Object.entries(c.info).filter(([k]) => /^(tls_|auth_required|max_payload$|proto$)/.test(k))),
      infoKeys: Object.keys(c.info).filter((k) => !['git_commit', 'go', 'version'].includes(k)),
      varz: { tls_required: varz.tls_required, tls_verify: varz.tls_verify, tls_timeout: varz.tls_timeout, auth_timeout: varz.auth_timeout, http_port: varz.http_port, https_port: varz.https_port === https, http_host: varz.http_host },
      conn: { tls_version: conn.tls_version, tls_cipher_suite: conn.tls_cipher_suite, leaf: conn.tls_peer_certs?.[0] },
      failed: { reason: fail.reason, tls_version: fail.tls_version, tls_cipher_suite: fail.tls_cipher_suite },
    });
    c.close();
    if (s.kind !== 'tsnats') return;
    // beyond the reference: why the handshake failed, kept in /connz?state=closed
    assert.match(fail.tls_error, /^(tls: client didn't provide a certificate|EOF)$/);
    // every endpoint answers over HTTPS
    for (const p of ['/', '/varz', '/connz', '/routez', '/gatewayz', '/leafz', '/subsz', '/accountz', '/accstatz', '/jsz', '/healthz', '/metrics', '/dashboard', '/dashboard/data']) {
      const r = await httpsGet(https, p, ca);
      assert.equal(r.status, 200, `${p}: ${r.status} ${r.body.slice(0, 200)}`);
    }
    // /metrics: when the serving certificate expires
    const metrics = (await httpsGet(https, '/metrics', ca)).body;
    const leaf = certInfosFromPem(readFileSync(C.server.cert, 'latin1'))[0]!;
    const m = /^tsnats_tls_certificate_expiry_timestamp_seconds\{[^}]*subject="CN=localhost"[^}]*\} (\d+)$/m.exec(metrics);
    assert.ok(m, metrics.split('\n').filter((l) => l.includes('tls')).join('\n'));
    assert.equal(Number(m[1]), Math.floor(leaf.notAfter.getTime() / 1000));
    assert.match(metrics, /^tsnats_tls_handshake_failures_total\{[^}]*cause="(no_certificate|closed)"\} 1$/m);
  });
  const ours = seen.get('tsnats')!;
  assert.deepEqual((ours.info as Record<string, unknown>), { proto: 1, tls_required: true, tls_verify: true, max_payload: 1048576 });
  assert.deepEqual(ours.varz, { tls_required: true, tls_verify: true, tls_timeout: 2, auth_timeout: 3, http_port: 0, https_port: true, http_host: '127.0.0.1' });
  assert.deepEqual(ours.failed, { reason: 'TLS Handshake Failure', tls_version: undefined, tls_cipher_suite: undefined });
  assert.deepEqual((ours.conn as { leaf: { subject: string } }).leaf.subject, 'CN=alice,OU=eng,O=acme');
  if (haveRef) assert.deepEqual(ours, seen.get('nats-server'));
});

test('HTTPS monitor: plain HTTP gets the reference\'s 400; a client certificate is not asked for', { skip, timeout: 30_000 }, async () => {
  const C = await testCerts();
  const ca = readFileSync(C.ca.cert);
  const got = new Map<ServerKind, string[]>();
  await withServers('https', (_k, https) => `${tlsBlock(C, '  verify: true\n')}https_port: ${https}\n`, async (s, https) => {
    const plain = await rawExchange(https, 'GET /varz HTTP/1.1\r\nHost: x\r\n\r\n');
    const junk = await rawExchange(https, 'hello there\r\n');
    const r = await httpsGet(https, '/healthz', ca); // no client certificate: verify does not apply to the monitor
    got.set(s.kind, [plain, junk, `${r.status} ${r.body}`]);
  });
  assert.deepEqual(got.get('tsnats'), ['HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n', '', '200 {"status":"ok"}']);
  if (haveRef) assert.deepEqual(got.get('tsnats'), got.get('nats-server'));
});

test('allow_non_tls: INFO says tls_available; plaintext and TLS clients both work; /connz shows TLS only for TLS', { skip, timeout: 30_000 }, async () => {
  const C = await testCerts();
  const ca = readFileSync(C.ca.cert);
  const seen = new Map<ServerKind, unknown>();
  await withServers('nontls', () => `${tlsBlock(C)}allow_non_tls: true\n`, async (s) => {
    const { RawConn } = await import('../helpers/raw.js');
    const { c: plain, info } = await RawConn.openAndInfo(s.port);
    plain.send('CONNECT {"verbose":false,"name":"plain"}\r\nPING\r\n');
    assert.equal(await plain.readLine(), 'PONG');
    const t = await TlsConn.open(s.port, { ca });
    t.send('CONNECT {"verbose":false,"name":"tls"}\r\nPING\r\n');
    await t.expect('PONG\r\n');
    seen.set(s.kind, { tls_available: info.tls_available, tls_required: info.tls_required, tls_verify: info.tls_verify });
    plain.sock.destroy();
    t.close();
  });
  assert.deepEqual(seen.get('tsnats'), { tls_available: true, tls_required: undefined, tls_verify: undefined });
  if (haveRef) assert.deepEqual(seen.get('tsnats'), seen.get('nats-server'));
});

test('handshake_first (tsnats extension, nats-server 2.10): nats.js handshakeFirst connects; 2.9.10 refuses the field', { skip, timeout: 30_000 }, async () => {
  const C = await testCerts();
  const ca = readFileSync(C.ca.cert);
  const first = join(dir, 'first.conf');
  writeFileSync(first, `listen: "127.0.0.1:-1"\n${tlsBlock(C, '  handshake_first: true\n')}`);
  if (haveRef) {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync('/usr/sbin/nats-server', ['-t', '-c', first], { encoding: 'utf8' });
    assert.match(r.stderr, /error parsing tls config, unknown field \["handshake_first"\]/, 'nats-server 2.9.10 does not know it');
  }
  const { loadConfigFile } = await import('../../src/config/load.js');
  const { startTlsTarget } = await import('./engine.js');
  const { connz } = await import('../../src/monitor/connz.js');
  const opts = loadConfigFile(first).options;
  const t = await startTlsTarget(opts.tls!, { port: 0 });
  try {
    const nc = await natsConnect({ port: t.port, name: 'first', tls: { caFile: C.ca.cert, handshakeFirst: true } });
    await nc.flush();
    const row = connz(t.srv, {}).connections.find((x) => x.name === 'first')!;
    assert.equal(row.tls_first, true);
    assert.equal(row.tls_version, '1.3');
    await nc.close();
    // INFO comes over TLS after the handshake
    const raw = await TlsConn.open(t.port, { ca }, true);
    assert.equal(raw.info.tls_required, true);
    raw.close();
    // a client that waits for INFO first gets nothing, and is closed at the TLS timeout
    await assert.rejects(natsConnect({ port: t.port, timeout: 3000, tls: { caFile: C.ca.cert } }));
  } finally {
    await t.close();
  }
  // "auto": a client that speaks first gets TLS first; one that waits gets INFO in plaintext
  const t2 = await startTlsTarget({ ...opts.tls!, handshakeFirst: { fallbackMs: 50 } });
  try {
    const a = await natsConnect({ port: t2.port, tls: { caFile: C.ca.cert, handshakeFirst: true } });
    const b = await natsConnect({ port: t2.port, tls: { caFile: C.ca.cert } });
    await Promise.all([a.flush(), b.flush()]);
    await Promise.all([a.close(), b.close()]);
  } finally {
    await t2.close();
  }
});

test('min_version (tsnats extension, nats-server 2.11): "1.3" refuses a TLS 1.2 client', { skip }, async () => {
  const C = await testCerts();
  const { startTlsTarget } = await import('./engine.js');
  const t = await startTlsTarget({ certFile: C.server.cert, keyFile: C.server.key, minVersion: '1.3' });
  try {
    const ca = readFileSync(C.ca.cert);
    assert.equal((await tlsRun(t.port, { ca, maxVersion: 'TLSv1.2' })).answer, 'closed');
    assert.equal((await tlsRun(t.port, { ca })).answer, 'PONG');
    await t.waitLog(/TLS handshake error: tls: client offered only unsupported versions/);
  } finally {
    await t.close();
  }
});

test('verify_and_map: the mapped user\'s permissions and account apply; a user in CONNECT is ignored, a password is not', { skip, timeout: 30_000 }, async () => {
  const C = await testCerts();
  const ca = readFileSync(C.ca.cert);
  const seen = new Map<ServerKind, string[]>();
  await withServers('mapperm', () => `${tlsBlock(C, '  verify_and_map: true\n')}authorization {\n  users = [\n    { user: "CN=alice,OU=eng,O=acme", permissions: { publish: "allowed.>", subscribe: "allowed.>" } }\n    { user: "bob2.acme.example" }\n  ]\n}\n`, async (s) => {
    const out: string[] = [];
    const alice = await TlsConn.open(s.port, { ca, ...pemOf(C.clientDn) });
    alice.send('CONNECT {"verbose":false,"user":"mallory"}\r\nSUB allowed.x 1\r\nPUB allowed.x 2\r\nok\r\nPUB denied 2\r\nno\r\nSUB denied 2\r\nPING\r\n');
    out.push((await alice.expect('PONG\r\n')).replace(/\r\n/g, '|'));
    alice.close();
    const bob = await TlsConn.open(s.port, { ca, ...pemOf(C.clientDns) });
    bob.send('CONNECT {"verbose":false,"pass":"x"}\r\nPING\r\n');
    out.push((await bob.expect(/-ERR[^\r]*\r\n/)).trim());
    bob.close();
    const nobody = await TlsConn.open(s.port, { ca, ...pemOf(C.clientRsa) });
    nobody.send('CONNECT {"verbose":false}\r\nPING\r\n');
    out.push((await nobody.expect(/-ERR[^\r]*\r\n/)).trim());
    nobody.close();
    seen.set(s.kind, out);
  });
  assert.deepEqual(seen.get('tsnats'), [
    "MSG allowed.x 1 2|ok|-ERR 'Permissions Violation for Publish to \"denied\"'|-ERR 'Permissions Violation for Subscription to \"denied\"'|PONG|",
    "-ERR 'Authorization Violation'",
    "-ERR 'Authorization Violation'",
  ]);
  if (haveRef) assert.deepEqual(seen.get('tsnats'), seen.get('nats-server'));
});

test('connection_rate_limit: past the limit a TLS client gets the reference\'s -ERR in plaintext and a close', { skip, timeout: 30_000 }, async () => {
  const C = await testCerts();
  const seen = new Map<ServerKind, string[]>();
  await withServers('rate', (_k, https) => `${tlsBlock(C, '  connection_rate_limit: 2\n')}https: "127.0.0.1:${https}"\n`, async (s, https) => {
    const { RawConn } = await import('../helpers/raw.js');
    const conns = await Promise.all([0, 1, 2, 3].map(() => RawConn.openAndInfo(s.port)));
    const got: string[] = [];
    for (const { c } of conns) {
      const line = await c.readLine(1500).catch(() => '(nothing)');
      got.push(line);
      c.close();
    }
    const closed = JSON.parse((await httpsGet(https, '/connz?state=closed', readFileSync(C.ca.cert))).body);
    got.sort();
    got.push(...closed.connections.map((x: { reason: string }) => x.reason).filter((r: string) => r === 'Maximum Connections Exceeded'));
    got.push((await s.waitForOutput(/\[WRN\] Rejected \d+ connections due to TLS rate limiting/, 3000)).replace(/^.*\[WRN\] /, ''));
    seen.set(s.kind, got);
  });
  assert.deepEqual(seen.get('tsnats'), [
    "(nothing)", "(nothing)",
    "-ERR 'Connection throttling is active. Please try again later.'", "-ERR 'Connection throttling is active. Please try again later.'",
    'Maximum Connections Exceeded', 'Maximum Connections Exceeded', 'Rejected 2 connections due to TLS rate limiting',
  ]);
  if (haveRef) assert.deepEqual(seen.get('tsnats'), seen.get('nats-server'));
});

test('tls {} without a certificate: valid, and every handshake fails as with the reference', { skip, timeout: 30_000 }, async () => {
  const seen = new Map<ServerKind, string>();
  const { clientHello, afterInfo } = await import('../robustness/hostile/tls-actions.js');
  const hello = await clientHello();
  await withServers('nocert', () => 'tls {}\n', async (s) => {
    const r = await afterInfo(s.port, hello, 2000);
    seen.set(s.kind, `${r.got} ${r.closedByServer}`);
    if (s.kind === 'tsnats') await s.waitForOutput(/TLS handshake error: tls: no certificates configured/);
  });
  assert.equal(seen.get('tsnats'), '15030300020270 true');
  if (haveRef) assert.equal(seen.get('tsnats'), seen.get('nats-server'));
});
