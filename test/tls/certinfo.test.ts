// src/tls/certinfo.ts (for doctor and /metrics) and errors.ts (Go's handshake error texts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { testCerts, opensslBin } from '../helpers/certs.js';
import { certInfo, certInfosFromPem, coversHost, expiresInMs, validity } from '../../src/tls/certinfo.js';
import { goAlert, goHandshakeErrorText, goTimeoutText, goVerifyErrorText } from '../../src/tls/errors.js';
import { pemCertificates, parseCertificate } from '../../src/tls/x509.js';

const skip = opensslBin() ? false : 'openssl is not installed';
const info = (file: string) => certInfo(pemCertificates(readFileSync(file, 'latin1'))[0]!);

test('certInfo: subject, issuer, validity, SANs, fingerprints', { skip }, async () => {
  const C = await testCerts();
  const s = info(C.server.cert);
  const x = new X509Certificate(readFileSync(C.server.cert));
  assert.equal(s.subject, 'CN=localhost');
  assert.equal(s.issuer, 'CN=tsnats test CA');
  assert.deepEqual(s.dnsNames, ['localhost']);
  assert.deepEqual(s.ipAddresses, ['127.0.0.1', '::1']);
  assert.equal(s.certSha256, x.fingerprint256.replace(/:/g, '').toLowerCase());
  assert.equal(s.isCA, false);
  assert.equal(s.selfIssued, false);
  assert.equal(validity(s), 'valid');
  assert.ok(expiresInMs(s) > 800 * 86400_000);
  const ca = info(C.ca.cert);
  assert.ok(ca.isCA && ca.selfIssued);
  const exp = info(C.serverExpired.cert);
  assert.equal(validity(exp), 'expired');
  assert.ok(expiresInMs(exp) < 0);
  assert.equal(validity(exp, new Date(exp.notBefore.getTime() - 1000)), 'not-yet-valid');
  const chain = certInfosFromPem(readFileSync(C.clientChain.chain, 'latin1'));
  assert.deepEqual(chain.map((c) => c.subject), ['CN=chained,OU=eng,O=acme', 'CN=tsnats test intermediate 4,O=acme', 'CN=tsnats test intermediate 3,O=acme', 'CN=tsnats test intermediate 2,O=acme', 'CN=tsnats test intermediate 1,O=acme']);
  assert.equal(chain[0]!.issuer, 'CN=tsnats test intermediate 4,O=acme');
  assert.equal(chain[1]!.spkiSha256, chain[2]!.spkiSha256, 'the intermediates share one key');
});

test('coversHost: as Go VerifyHostname (SANs only, one-label wildcard, IPs by value)', { skip }, async () => {
  const C = await testCerts();
  const s = info(C.server.cert);
  for (const h of ['localhost', 'LOCALHOST', 'localhost.', '127.0.0.1', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) assert.ok(coversHost(s, h), h);
  for (const h of ['127.0.0.2', 'example.com', '', 'local', 'x.localhost']) assert.ok(!coversHost(s, h), h);
  const w = info(C.serverWrongHost.cert);
  assert.ok(!coversHost(w, 'localhost') && coversHost(w, 'wrong.example.com') && coversHost(w, '10.255.255.1'));
  assert.ok(!coversHost(info(C.clientDn.cert), 'alice'), 'the CN is never used');
  const wild = { dnsNames: ['*.example.com'], ipAddresses: [] };
  assert.ok(coversHost(wild, 'a.example.com'));
  assert.ok(!coversHost(wild, 'example.com'));
  assert.ok(!coversHost(wild, 'a.b.example.com'));
});

test('Go handshake error texts from node:tls errors', { skip }, async () => {
  const C = await testCerts();
  const e = (code: string, message = code) => Object.assign(new Error(message), { code });
  assert.equal(goHandshakeErrorText(e('ERR_SSL_NO_SHARED_CIPHER')), 'tls: no cipher suite supported by both client and server');
  assert.equal(goHandshakeErrorText(e('ERR_SSL_WRONG_VERSION_NUMBER')), 'tls: first record does not look like a TLS handshake');
  assert.equal(goHandshakeErrorText(e('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'x:ssl3_read_bytes:sslv3 alert handshake failure:y:1601:SSL alert number 40')), 'remote error: tls: handshake failure');
  assert.equal(goAlert(48), 'tls: unknown certificate authority');
  assert.equal(goAlert(250), 'tls: alert(250)');
  const ctx = { localAddress: '127.0.0.1', localPort: 4222, remoteAddress: '::ffff:127.0.0.1', remotePort: 5000 };
  assert.equal(goTimeoutText(ctx), 'read tcp 127.0.0.1:4222->127.0.0.1:5000: i/o timeout');
  assert.equal(goHandshakeErrorText(e('ECONNRESET', 'read ECONNRESET'), ctx), 'read tcp 127.0.0.1:4222->127.0.0.1:5000: read: connection reset by peer');
  assert.equal(goHandshakeErrorText(e('ECONNRESET', 'socket hang up'), ctx), 'EOF');
  const peer = parseCertificate(pemCertificates(readFileSync(C.clientExpired.cert, 'latin1'))[0]!);
  const now = new Date('2030-01-02T03:04:05.678Z');
  assert.equal(goVerifyErrorText('CERT_HAS_EXPIRED', peer, now),
    `tls: failed to verify client certificate: x509: certificate has expired or is not yet valid: current time 2030-01-02T03:04:05Z is after ${peer.notAfter.toISOString().replace('.000Z', 'Z')}`);
  assert.equal(goHandshakeErrorText(e('ECONNRESET'), {}, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls: failed to verify client certificate: x509: certificate signed by unknown authority');
});
