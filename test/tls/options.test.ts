// src/tls/options.ts and names.ts: node:tls settings, the reference's config errors (held against
// `nats-server -t` on the same files), pinned_certs hashing, cipher and curve names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createSecureContext, getCiphers } from 'node:tls';
import { testCerts, opensslBin } from '../helpers/certs.js';
import { natsServerBin } from '../helpers/servers.js';
import { buildSecureContextOptions, checkPinned, parsePinnedCert, spkiSha256, goFileError, TlsConfigError, TLS_PARSE_ERRORS, type TlsConfig } from '../../src/tls/options.js';
import { cipherSuite, curve, cipherSettings, CIPHER_SUITES, DEFAULT_CIPHER_SUITES, DEFAULT_CURVE_PREFERENCES, GO_TLS12_PREFERENCE, TlsNameError, goCipherName, goTlsVersion, NEVER_NEGOTIATED } from '../../src/tls/names.js';
import { parseCertificate, pemCertificates } from '../../src/tls/x509.js';

const skipCerts = opensslBin() ? false : 'openssl is not installed';
const skipRef = !natsServerBin() ? 'nats-server is not installed' : skipCerts;
const base: TlsConfig = { verify: false, verifyAndMap: false, insecure: false, timeoutMs: 0 };

test('names: every reference cipher name maps or is refused; unknown names get the reference error', () => {
  const have = new Set(getCiphers());
  for (const [go, { openssl }] of Object.entries(CIPHER_SUITES)) {
    if (have.has(openssl.toLowerCase())) assert.equal(cipherSuite(go).openssl, openssl);
    else {
      assert.throws(() => cipherSuite(go), (e: unknown) => e instanceof TlsNameError && e.kind === 'unavailable' && e.message.includes(go), go);
    }
  }
  assert.throws(() => cipherSuite('TLS_RSA_WITH_RC4_128_SHA'), /not available/, 'RC4: the reference accepts the name, OpenSSL 3 has no RC4');
  assert.throws(() => cipherSuite('ECDHE-ECDSA-AES128-GCM-SHA256'), { message: 'unrecognized cipher ECDHE-ECDSA-AES128-GCM-SHA256' });
  assert.throws(() => curve('P-256'), { message: 'unrecognized curve preference P-256' });
  assert.equal(curve('CurveP256'), 'P-256');
  for (const n of DEFAULT_CIPHER_SUITES) assert.ok(n in CIPHER_SUITES, n);
  // every TLS 1.2 name has a place in Go's preference order (else cipherSettings would drop it)
  for (const [n, c] of Object.entries(CIPHER_SUITES)) if (!c.tls13) assert.ok(GO_TLS12_PREFERENCE.includes(n), n);
  // Go has it, nats-server 2.9.10's cipherMap does not
  assert.throws(() => cipherSuite('TLS_RSA_WITH_AES_128_GCM_SHA256'), { message: 'unrecognized cipher TLS_RSA_WITH_AES_128_GCM_SHA256' });
  assert.deepEqual(DEFAULT_CURVE_PREFERENCES, ['X25519', 'CurveP256', 'CurveP384', 'CurveP521']);

  const d = cipherSettings();
  assert.equal(d.ciphers, 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
    "the defaults in Go's preference order, then TLS 1.3 (always on, as Go)");
  assert.equal(d.ecdhCurve, 'X25519:P-256:P-384:P-521');
  const only13 = cipherSettings(['TLS_CHACHA20_POLY1305_SHA256']);
  assert.ok(only13.tls13Only && only13.ciphers.startsWith(`${NEVER_NEGOTIATED}:`));
  assert.doesNotThrow(() => createSecureContext({ ciphers: d.ciphers, ecdhCurve: d.ecdhCurve }));
  assert.doesNotThrow(() => createSecureContext({ ciphers: only13.ciphers }));

  assert.equal(goCipherName('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'), 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305', "Go's name drops the _SHA256");
  assert.equal(goCipherName('TLS_AES_128_GCM_SHA256'), 'TLS_AES_128_GCM_SHA256');
  assert.equal(goCipherName('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'), 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384');
  assert.equal(goTlsVersion('TLSv1.3'), '1.3');
  assert.equal(goTlsVersion('TLSv1.2'), '1.2');
  assert.equal(goTlsVersion('TLSv1'), '1.0');
});

test('buildSecureContextOptions: node:tls options for verify, CA, ciphers, curves, versions', { skip: skipCerts }, async () => {
  const C = await testCerts();
  let s = buildSecureContextOptions({ ...base, certFile: C.server.cert, keyFile: C.server.key });
  assert.equal(s.timeoutMs, 2000, 'tls timeout defaults to 2s');
  assert.equal(s.options.requestCert, false);
  assert.equal(s.options.minVersion, 'TLSv1.2');
  assert.equal(s.options.honorCipherOrder, true);
  assert.equal(s.leaf?.dnsNames[0], 'localhost');
  assert.doesNotThrow(() => createSecureContext(s.options));
  s = buildSecureContextOptions({ ...base, certFile: C.clientChain.chain, keyFile: C.clientChain.key, caFile: C.ca.cert, verify: true, timeoutMs: 500, minVersion: '1.3' });
  assert.equal(s.options.requestCert, true);
  assert.equal(s.options.rejectUnauthorized, true);
  assert.equal((s.options.cert as string).match(/BEGIN CERTIFICATE/g)?.length, 5, 'the whole chain is sent');
  assert.equal((s.options.ca as string[]).length, 1);
  assert.equal(s.options.minVersion, 'TLSv1.3');
  assert.equal(s.timeoutMs, 500);
  assert.throws(() => buildSecureContextOptions({ ...base, certFile: C.server.cert, keyFile: C.server.key, cipherSuites: ['NOPE'] }), { message: 'unrecognized cipher NOPE' });
  assert.throws(() => buildSecureContextOptions({ ...base, certFile: C.server.cert, keyFile: C.server.key, curvePreferences: ['P-384'] }), { message: 'unrecognized curve preference P-384' });
  // tls {} without cert and key is accepted by the reference (every handshake then fails)
  assert.doesNotThrow(() => buildSecureContextOptions({ ...base }));
});

test('pinned_certs: SHA-256 of the DER SubjectPublicKeyInfo; entries checked as the reference', { skip: skipCerts }, async () => {
  const C = await testCerts();
  const der = pemCertificates(readFileSync(C.clientDn.cert, 'latin1'))[0]!;
  const viaOpenssl = spawnSync('sh', ['-c', `${C.openssl} x509 -in '${C.clientDn.cert}' -noout -pubkey | ${C.openssl} pkey -pubin -outform DER | ${C.openssl} dgst -sha256 -r`], { encoding: 'utf8' }).stdout.split(' ')[0];
  const pin = spkiSha256(der);
  assert.equal(pin, viaOpenssl);
  assert.equal(parsePinnedCert(pin.toUpperCase()), pin);
  assert.throws(() => parsePinnedCert('zz'), { message: TLS_PARSE_ERRORS.pinnedBad('zz') });
  assert.throws(() => parsePinnedCert(pin.slice(1)), TlsConfigError);
  const set = new Set([pin]);
  assert.deepEqual(checkPinned(parseCertificate(der), set), { ok: true });
  assert.deepEqual(checkPinned(der, null), { ok: true });
  const other = pemCertificates(readFileSync(C.clientEmail.cert, 'latin1'))[0]!;
  assert.deepEqual(checkPinned(other, set), { ok: false, debug: `Failed pinned cert test for key id: ${spkiSha256(other)}` });
  assert.deepEqual(checkPinned(null, set), { ok: false, debug: 'Failed pinned cert test as client did not provide a certificate' });
});

test('config errors read as nats-server -t prints them (after "file:line:col: ")', { skip: skipRef }, async () => {
  const C = await testCerts();
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-tls-t-'));
  const notPem = join(dir, 'garbage.txt');
  writeFileSync(notPem, 'not a pem\n');
  const ed = join(dir, 'ed25519.pem');
  spawnSync(C.openssl, ['genpkey', '-algorithm', 'ed25519', '-out', ed]);
  const empty = join(dir, 'empty.pem');
  writeFileSync(empty, '');
  const keyAndCert = join(dir, 'both.pem');
  writeFileSync(keyAndCert, readFileSync(C.server.key, 'utf8') + readFileSync(C.server.cert, 'utf8'));
  copyFileSync(C.server.key, join(dir, 'key-copy.pem'));
  const cases: [string, Partial<TlsConfig>][] = [
    ['cert_file missing', { certFile: '/nope/cert.pem', keyFile: C.server.key }],
    ['key_file missing', { certFile: C.server.cert, keyFile: '/nope/key.pem' }],
    ['cert_file is a directory', { certFile: dir, keyFile: C.server.key }],
    ['RSA key for an ECDSA cert', { certFile: C.server.cert, keyFile: C.serverRsa.key }],
    ['another ECDSA key', { certFile: C.server.cert, keyFile: C.clientDn.key }],
    ['Ed25519 key for an ECDSA cert', { certFile: C.server.cert, keyFile: ed }],
    ['cert file holds a key', { certFile: C.server.key, keyFile: C.server.key }],
    ['key file holds a cert', { certFile: C.server.cert, keyFile: C.server.cert }],
    ['cert file not PEM', { certFile: notPem, keyFile: C.server.key }],
    ['key file empty', { certFile: C.server.cert, keyFile: empty }],
    ['key and cert in one file, used for both', { certFile: keyAndCert, keyFile: keyAndCert }],
    ['no key_file', { certFile: C.server.cert }],
    ['no cert_file', { keyFile: C.server.key }],
    ['ca_file missing', { certFile: C.server.cert, keyFile: C.server.key, caFile: '/nope/ca.pem' }],
    ['ca_file without certificates', { certFile: C.server.cert, keyFile: C.server.key, caFile: C.server.key }],
    ['ca_file empty', { certFile: C.server.cert, keyFile: C.server.key, caFile: empty }],
    ['a good pair and CA', { certFile: C.server.cert, keyFile: C.server.key, caFile: C.ca.cert }],
    ['the chain file as cert_file', { certFile: C.clientChain.chain, keyFile: C.clientChain.key }],
  ];
  for (const [name, cfg] of cases) {
    const conf = join(dir, 't.conf');
    const lines = [cfg.certFile && `cert_file: "${cfg.certFile}"`, cfg.keyFile && `key_file: "${cfg.keyFile}"`, cfg.caFile && `ca_file: "${cfg.caFile}"`].filter(Boolean);
    writeFileSync(conf, `tls {\n  ${lines.join('\n  ')}\n}\n`);
    const r = spawnSync(natsServerBin()!, ['-t', '-c', conf], { encoding: 'utf8' });
    const refOut = (r.stderr + r.stdout).trim();
    const refErr = r.status === 0 ? null : refOut.replace(/^nats-server: .*?t\.conf:\d+:\d+: /, '');
    let ours: string | null = null;
    try {
      buildSecureContextOptions({ ...base, ...cfg });
    } catch (e) {
      assert.ok(e instanceof TlsConfigError, `${name}: ${String(e)}`);
      ours = e.message;
    }
    assert.equal(ours, refErr, `${name} (nats-server: ${refOut})`);
  }
  assert.equal(goFileError('/x', Object.assign(new Error('x'), { code: 'EACCES' })), 'open /x: permission denied');
});

test('cipher and curve name errors read as nats-server -t prints them', { skip: skipRef }, async () => {
  const C = await testCerts();
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-tls-n-'));
  for (const [field, value, fn] of [
    ['cipher_suites', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA384', () => cipherSuite('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA384')],
    ['cipher_suites', 'tls_aes_128_gcm_sha256', () => cipherSuite('tls_aes_128_gcm_sha256')],
    ['cipher_suites', 'TLS_RSA_WITH_AES_128_GCM_SHA256', () => cipherSuite('TLS_RSA_WITH_AES_128_GCM_SHA256')],
    ['curve_preferences', 'secp256r1', () => curve('secp256r1')],
    ['curve_preferences', 'x25519', () => curve('x25519')],
  ] as const) {
    const conf = join(dir, 't.conf');
    writeFileSync(conf, `tls {\n  cert_file: "${C.server.cert}"\n  key_file: "${C.server.key}"\n  ${field}: ["${value}"]\n}\n`);
    const r = spawnSync(natsServerBin()!, ['-t', '-c', conf], { encoding: 'utf8' });
    const refErr = (r.stderr + r.stdout).trim().replace(/^nats-server: .*?t\.conf:\d+:\d+: /, '');
    assert.throws(fn, (e: unknown) => e instanceof TlsNameError && e.message === refErr, `${value}: nats-server said ${refErr}`);
  }
});

test('an unreadable key file: the reference error as a non-root user sees it', { skip: skipRef }, async (t) => {
  const C = await testCerts();
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => { try { readFileSync(p); return true; } catch { return false; } });
  if (process.getuid?.() !== 0 || !setpriv) return t.skip('needs root and setpriv to run nats-server as nobody');
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-tls-perm-'));
  spawnSync('chmod', ['755', dir]);
  const key = join(dir, 'key.pem');
  copyFileSync(C.server.key, key);
  spawnSync('chmod', ['000', key]);
  const cert = join(dir, 'cert.pem');
  copyFileSync(C.server.cert, cert);
  spawnSync('chmod', ['644', cert]);
  const conf = join(dir, 't.conf');
  writeFileSync(conf, `tls {\n  cert_file: "${cert}"\n  key_file: "${key}"\n}\n`);
  spawnSync('chmod', ['644', conf]);
  const r = spawnSync(setpriv, ['--reuid=nobody', '--regid=nogroup', '--clear-groups', natsServerBin()!, '-t', '-c', conf], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  const refErr = r.stderr.trim().replace(/^nats-server: .*?t\.conf:\d+:\d+: /, '');
  // tsnats runs as root here, so the read error is simulated with the errno a non-root read gets
  const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  assert.throws(() => buildSecureContextOptions({ ...base, certFile: cert, keyFile: key }, (p) => { if (p === key) throw denied; return readFileSync(p); }),
    { message: refErr });
});
