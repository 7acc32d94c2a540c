// The generated test certificates are what test/helpers/certs.ts says they are: checked with
// node:crypto's X509Certificate (issuer signature, validity, SANs, key match) and `openssl x509 -text`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { testCerts, opensslBin, CLIENT_ESCAPED_CN, type CertPair } from '../helpers/certs.js';

const skip = opensslBin() ? false : 'openssl is not installed';

const x509 = (file: string) => new X509Certificate(readFileSync(file));
let now = Date.now();
function valid(c: X509Certificate): boolean {
  return Date.parse(c.validFrom) <= now && now <= Date.parse(c.validTo);
}
function keyMatches(p: CertPair): boolean {
  return x509(p.cert).checkPrivateKey(createPrivateKey(readFileSync(p.key)));
}

test('test certificates: CAs, servers, clients and the chain are what they claim', { skip }, async () => {
  const t0 = performance.now();
  const C = await testCerts();
  const ms = performance.now() - t0;
  // ~0.6 s alone; several test files generate at once under npm test, so the bound is loose
  assert.ok(ms < 60_000, `generation took ${ms} ms`);
  assert.equal(await testCerts(), C, 'cached per process');
  now = Date.now();

  const ca = x509(C.ca.cert);
  const other = x509(C.otherCa.cert);
  assert.equal(ca.subject, 'CN=tsnats test CA');
  assert.ok(ca.ca && other.ca, 'CAs have CA:TRUE');
  assert.ok(ca.verify(ca.publicKey), 'CA is self-signed');
  assert.ok(!other.verify(ca.publicKey));

  // servers
  for (const [name, p, type] of [['server', C.server, 'ec'], ['serverRsa', C.serverRsa, 'rsa']] as const) {
    const c = x509(p.cert);
    assert.ok(c.verify(ca.publicKey), `${name} signed by the CA`);
    assert.ok(valid(c), `${name} valid now`);
    assert.equal(c.publicKey.asymmetricKeyType, type);
    assert.equal(c.checkHost('localhost', { subject: 'never' }), 'localhost');
    assert.equal(c.checkIP('127.0.0.1'), '127.0.0.1');
    assert.ok(keyMatches(p), `${name} key matches`);
    assert.equal(c.keyUsage?.includes('1.3.6.1.5.5.7.3.1'), true, 'EKU serverAuth');
  }
  assert.equal(x509(C.serverRsa.cert).publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  assert.equal(x509(C.server.cert).publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const expired = x509(C.serverExpired.cert);
  assert.ok(expired.verify(ca.publicKey));
  assert.ok(Date.parse(expired.validTo) < now && Date.parse(expired.validFrom) < Date.parse(expired.validTo), 'expired, with a sane window');
  assert.ok(keyMatches(C.serverExpired));
  const wrong = x509(C.serverWrongHost.cert);
  assert.equal(wrong.checkHost('localhost', { subject: 'never' }), undefined);
  assert.equal(wrong.checkIP('127.0.0.1'), undefined);
  assert.equal(wrong.checkHost('wrong.example.com'), 'wrong.example.com');

  // clients
  const clients: [string, CertPair][] = [
    ['clientEmail', C.clientEmail], ['clientDns', C.clientDns], ['clientDn', C.clientDn], ['clientEscaped', C.clientEscaped],
    ['clientDc', C.clientDc], ['clientUri', C.clientUri], ['clientEmailAttr', C.clientEmailAttr], ['clientRsa', C.clientRsa],
  ];
  for (const [name, p] of clients) {
    const c = x509(p.cert);
    assert.ok(c.verify(ca.publicKey), `${name} signed by the CA`);
    assert.ok(valid(c), `${name} valid now`);
    assert.ok(keyMatches(p), `${name} key matches`);
    assert.equal(c.keyUsage?.includes('1.3.6.1.5.5.7.3.2'), true, `${name} EKU clientAuth`);
    assert.equal(c.ca, false);
  }
  assert.equal(x509(C.clientEmail.cert).subjectAltName, 'email:alice@acme.example, email:alice2@acme.example');
  assert.equal(x509(C.clientDns.cert).subjectAltName, 'DNS:bob.acme.example, DNS:bob2.acme.example');
  assert.equal(x509(C.clientUri.cert).subjectAltName, 'URI:spiffe://acme.example/ns/prod/sa/erin');
  assert.equal(x509(C.clientDn.cert).subjectAltName, undefined);
  assert.equal(x509(C.clientDn.cert).subject, 'O=acme\nOU=eng\nCN=alice');
  assert.equal(x509(C.clientDc.cert).subject, 'DC=org\nDC=acme\nO=acme\nCN=dave');
  assert.equal(x509(C.clientEmailAttr.cert).subject, 'O=acme\nCN=frank\nemailAddress=frank@acme.example');
  assert.equal(x509(C.clientRsa.cert).publicKey.asymmetricKeyType, 'rsa');
  const esc = x509(C.clientEscaped.cert);
  // Node escapes the values its own way (the exact value is checked in x509.test.ts)
  assert.equal(esc.subject, 'C=US\nST=CA\nL=San Francisco\nO=Acme\\, Inc.\nOU=R&D + OU=ops\nCN=\\#carol \\"the admin\\" \\<c\\+d\\>\\; x\\\\y\\ ');
  assert.equal(CLIENT_ESCAPED_CN.length, 30);

  const untrusted = x509(C.clientUntrusted.cert);
  assert.ok(untrusted.verify(other.publicKey) && !untrusted.verify(ca.publicKey), 'signed by the untrusted CA only');
  assert.ok(keyMatches(C.clientUntrusted));
  const cexp = x509(C.clientExpired.cert);
  assert.ok(cexp.verify(ca.publicKey) && Date.parse(cexp.validTo) < now);
  assert.ok(keyMatches(C.clientExpired));

  // the chain: leaf ← int4 ← int3 ← int2 ← int1 ← CA, and the chain file holds leaf + int4..int1
  const ints = C.clientChain.intermediates.map(x509);
  assert.equal(ints.length, 4);
  let issuer = ca;
  for (const i of ints) {
    assert.ok(i.ca && i.verify(issuer.publicKey), `${i.subject} signed by ${issuer.subject}`);
    issuer = i;
  }
  assert.ok(x509(C.clientChain.cert).verify(issuer.publicKey));
  assert.ok(keyMatches(C.clientChain));
  const chainPem = readFileSync(C.clientChain.chain, 'utf8');
  assert.equal(chainPem.match(/BEGIN CERTIFICATE/g)?.length, 5);
  assert.ok(chainPem.length > 4000, `chain file is large (${chainPem.length} bytes)`);

  // openssl agrees on a few of them
  const text = (f: string) => spawnSync(C.openssl, ['x509', '-in', f, '-noout', '-text'], { encoding: 'utf8' }).stdout;
  assert.match(text(C.server.cert), /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
  assert.match(text(C.server.cert), /TLS Web Server Authentication/);
  assert.match(text(C.clientEscaped.cert), /OU = R&D \+ OU = ops/);
  assert.match(text(C.serverRsa.cert), /Public-Key: \(2048 bit\)/);
});
