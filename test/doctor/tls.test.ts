// `tsnats doctor` and TLS, against tsnats and nats-server 2.9.10 with the same files: it reads a
// server over HTTPS monitoring and through the system account over a TLS client port, and reports
// an expired certificate (TLS_001, critical) and one that does not cover the host clients use
// (TLS_002), on the client port and the HTTPS monitor alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { testCerts, opensslBin, type CertPair, type TestCerts } from '../helpers/certs.js';
import { freePort } from '../../dev/ports.js';
import { runCli } from './cli.js';

const skip = opensslBin() ? false : 'openssl is not installed';
const KINDS: ServerKind[] = hasNatsServer() ? ['nats-server', 'tsnats'] : ['tsnats'];

interface Report { exitCode: number; servers: { error?: string; findings: { code: string; severity: string; subject: string; evidence: string }[]; passed: string[] }[] }

async function doctorOn(kind: ServerKind, C: TestCerts, pair: CertPair, viaSys: boolean): Promise<Report> {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-doctor-tls-'));
  const https = await freePort();
  const conf = join(dir, 'nats.conf');
  writeFileSync(conf, `tls {\n  cert_file: "${pair.cert}"\n  key_file: "${pair.key}"\n}\nhttps: "127.0.0.1:${https}"\n` +
    'accounts { SYS { users: [ { user: sys, password: sys } ] } }\nsystem_account: SYS\n');
  const s = await startServer(kind, { config: conf });
  try {
    const url = viaSys ? `nats://sys:sys@127.0.0.1:${s.port}` : `https://127.0.0.1:${https}`;
    const r = await runCli(['doctor', url, '--tlsca', C.ca.cert, '--json']);
    return JSON.parse(r.stdout) as Report;
  } finally {
    await s.stop();
  }
}

test('doctor over TLS: expired and wrong-host certificates on the client port and the HTTPS monitor, tsnats and nats-server alike', { skip, timeout: 90_000 }, async () => {
  const C = await testCerts();
  const tlsFindings = (r: Report) => r.servers[0]!.findings.filter((f) => f.code.startsWith('TLS_')).map((f) => `${f.code} ${f.severity} ${f.subject.replace(/:\d+ /, ':PORT ')}`).sort();
  await Promise.all(KINDS.map(async (kind) => {
    const [expired, wrong, good] = await Promise.all([
      doctorOn(kind, C, C.serverExpired, false),
      doctorOn(kind, C, C.serverWrongHost, false),
      doctorOn(kind, C, C.server, true),
    ]);
    assert.equal(expired.servers[0]!.error, undefined, `${kind}: ${expired.servers[0]!.error}`);
    assert.deepEqual(tlsFindings(expired), [
      'TLS_001 critical HTTPS monitor 127.0.0.1:PORT certificate "CN=localhost" (issuer "CN=tsnats test CA")',
      'TLS_001 critical client port 127.0.0.1:PORT certificate "CN=localhost" (issuer "CN=tsnats test CA")',
    ], kind);
    assert.equal(expired.exitCode, 2, kind);
    assert.deepEqual(tlsFindings(wrong), [
      'TLS_002 warning HTTPS monitor 127.0.0.1:PORT certificate "CN=wrong.example.com"',
      'TLS_002 warning client port 127.0.0.1:PORT certificate "CN=wrong.example.com"',
    ], kind);
    assert.match(wrong.servers[0]!.findings.find((f) => f.code === 'TLS_002')!.evidence, /clients connect to "127\.0\.0\.1", the certificate names DNS:wrong\.example\.com, IP:10\.255\.255\.1/);
    // through the system account over TLS: read, and nothing wrong with the certificate
    assert.equal(good.servers[0]!.error, undefined, `${kind}: ${good.servers[0]!.error}`);
    assert.deepEqual(tlsFindings(good), [], kind);
    for (const c of ['TLS_001', 'TLS_002', 'TLS_003']) assert.ok(good.servers[0]!.passed.includes(c), `${kind}: ${c} passed`);
  }));
});
