// src/tls/x509.ts, der.ts and dn.ts on the generated certificates: the fields agree with
// node:crypto's X509Certificate, the DN strings are Go 1.19's (the expected strings were printed
// by Go's crypto/x509 for these same subjects: Subject.ToRDNSequence().String() and
// Subject.String()), go-ldap ParseDN/Equal/RDNsMatch behave as the vendored package, and bad
// bytes only ever raise CertParseError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { testCerts, opensslBin, CLIENT_ESCAPED_CN } from '../helpers/certs.js';
import { parseCertificate, pemCertificates, CertParseError, type ParsedCert } from '../../src/tls/x509.js';
import { nameString, rdnSequenceString, toRdnSequence, tlsAuthDCs, ldapParseDn, ldapDnEqual, ldapRdnsMatch, ldapFromCertSubject, goMarshalString, type LdapDn } from '../../src/tls/dn.js';

const skip = opensslBin() ? false : 'openssl is not installed';
const parse = (file: string): ParsedCert => parseCertificate(pemCertificates(readFileSync(file, 'latin1'))[0]!);

test('parseCertificate agrees with X509Certificate (SPKI, SANs, dates, CA flag, raw bytes)', { skip }, async () => {
  const C = await testCerts();
  for (const p of [C.ca, C.server, C.serverRsa, C.serverWrongHost, C.serverExpired, C.clientEmail, C.clientDns, C.clientUri, C.clientEscaped, C.clientChain]) {
    const x = new X509Certificate(readFileSync(p.cert));
    const c = parse(p.cert);
    assert.deepEqual(Buffer.from(c.raw), x.raw);
    assert.deepEqual(Buffer.from(c.rawSpki), x.publicKey.export({ type: 'spki', format: 'der' }));
    assert.equal(c.notBefore.getTime(), Date.parse(x.validFrom));
    assert.equal(c.notAfter.getTime(), Date.parse(x.validTo));
    assert.equal(c.isCA, x.ca);
    const sans = [
      ...c.dnsNames.map((d) => `DNS:${d}`), ...c.ipAddresses.map((i) => `IP Address:${i}`),
      ...c.emailAddresses.map((e) => `email:${e}`), ...c.uris.map((u) => `URI:${u}`),
    ];
    const nodeSans = (x.subjectAltName ?? '').split(', ').filter(Boolean).map((s) => s.replace(/^IP Address:(.*:.*)$/, (_m, ip: string) => `IP Address:${ip.toLowerCase()}`));
    assert.deepEqual(sans.sort(), nodeSans.map((s) => s.replace('IP Address:0:0:0:0:0:0:0:1', 'IP Address:::1')).sort(), p.cert);
  }
  assert.deepEqual(parse(C.server.cert).ipAddresses, ['127.0.0.1', '::1']);
  const esc = parse(C.clientEscaped.cert);
  assert.equal(esc.subject.at(-1)![0]!.value, CLIENT_ESCAPED_CN);
  assert.equal(esc.subject.length, 6);
  assert.equal(esc.subject[4]!.length, 2, 'OU=R&D+OU=ops is one RDN');
});

test('Go pkix strings for the generated subjects (as Go 1.19 prints them)', { skip }, async () => {
  const C = await testCerts();
  const cases: [string, string, string][] = [
    // file, ToRDNSequence().String(), Subject.String()
    [C.clientDn.cert, 'CN=alice,OU=eng,O=acme', 'CN=alice,OU=eng,O=acme'],
    [C.clientChain.cert, 'CN=chained,OU=eng,O=acme', 'CN=chained,OU=eng,O=acme'],
    [C.clientDc.cert, 'CN=dave,O=acme', 'CN=dave,O=acme,0.9.2342.19200300.100.1.25=#130461636d65,0.9.2342.19200300.100.1.25=#13036f7267'],
    [C.clientEmailAttr.cert, 'CN=frank,O=acme', 'CN=frank,O=acme,1.2.840.113549.1.9.1=#0c126672616e6b4061636d652e6578616d706c65'],
    [C.clientEscaped.cert,
      'CN=\\#carol \\"the admin\\" \\<c\\+d\\>\\; x\\\\y\\ ,OU=R&D+OU=ops,O=Acme\\, Inc.,L=San Francisco,ST=CA,C=US',
      'CN=\\#carol \\"the admin\\" \\<c\\+d\\>\\; x\\\\y\\ ,OU=R&D+OU=ops,O=Acme\\, Inc.,L=San Francisco,ST=CA,C=US'],
    [C.ca.cert, 'CN=tsnats test CA', 'CN=tsnats test CA'],
    [C.clientChain.intermediates[0]!, 'CN=tsnats test intermediate 1,O=acme', 'CN=tsnats test intermediate 1,O=acme'],
  ];
  for (const [file, rdn, str] of cases) {
    const c = parse(file);
    assert.equal(rdnSequenceString(toRdnSequence(c.subject)), rdn);
    assert.equal(nameString(c.subject), str);
  }
  assert.equal(tlsAuthDCs(parse(C.clientDc.cert).subject), 'DC=org,DC=acme', 'certificate order, not reversed');
  assert.equal(tlsAuthDCs(parse(C.clientDn.cert).subject), '');
});

test('Go pkix: regrouping by type, the last CN, and escaping rules', () => {
  const atv = (oid: string, value: string) => ({ oid, value, der: goMarshalString(value) });
  // written order O, CN, OU, C, OU, CN: Go regroups C, O, OU(+OU), CN (the last one)
  const subject = [[atv('2.5.4.10', 'o1')], [atv('2.5.4.3', 'first')], [atv('2.5.4.11', 'u1')], [atv('2.5.4.6', 'US')], [atv('2.5.4.11', 'u2')], [atv('2.5.4.3', 'last')]];
  assert.equal(rdnSequenceString(toRdnSequence(subject)), 'CN=last,OU=u1+OU=u2,O=o1,C=US');
  const one = (v: string) => rdnSequenceString(toRdnSequence([[atv('2.5.4.3', v)]]));
  assert.equal(one(' a b '), 'CN=\\ a b\\ ');
  assert.equal(one('#a#'), 'CN=\\#a#');
  assert.equal(one('a=b'), 'CN=a=b', '= is not escaped by Go');
  assert.equal(one('é,ü'), 'CN=é\\,ü');
  assert.equal(one('x '), 'CN=x\\ ');
  assert.equal(Buffer.from(goMarshalString('abc')).toString('hex'), '1303616263');
  assert.equal(Buffer.from(goMarshalString('a@b')).toString('hex'), '0c03614062', '@ is not printable: UTF8String');
  assert.equal(Buffer.from(goMarshalString('a&b')).toString('hex'), '0c03612662', '& is rejected when marshalling');
});

test('go-ldap ParseDN, Equal and RDNsMatch', { skip }, async () => {
  const dn = (s: string) => {
    const d = ldapParseDn(s);
    assert.notEqual(typeof d, 'string', `${s}: ${String(d)}`);
    return d as LdapDn;
  };
  const show = (d: LdapDn) => d.rdns.map((r) => r.map((a) => `${a.type}=${a.value}`).join('+')).join(',');
  assert.equal(show(dn('CN=alice,OU=eng,O=acme')), 'CN=alice,OU=eng,O=acme');
  assert.equal(show(dn('  cn = alice ,  ou=eng')), 'cn=alice,ou=eng', 'leading spaces and unescaped trailing spaces dropped');
  assert.equal(show(dn('CN=a\\ ,O=b')), 'CN=a ,O=b', 'escaped trailing space kept');
  assert.equal(show(dn('CN=a\\2cb')), 'CN=a,b', 'hex escape');
  assert.equal(show(dn('CN=\\c3\\a9')), 'CN=\xc3\xa9', 'hex escapes make bytes (é in UTF-8)');
  assert.equal(show(dn('CN=a+OU=b,O=c')), 'CN=a+OU=b,O=c');
  assert.equal(show(dn('')), '');
  assert.equal(ldapParseDn('CN=#04'), 'unsupported BER encoding');
  assert.equal(ldapParseDn('=a'), 'DN ended with incomplete type, value pair');
  assert.equal(ldapParseDn('a,b'), 'incomplete type, value pair');
  assert.equal(ldapParseDn('CN=a\\z'), 'got corrupted escaped character', 'a non-special escaped char at the end');
  assert.equal(show(dn('CN=a\\')), 'CN=a', 'a lone trailing backslash is dropped (as go-ldap)');
  assert.equal(ldapParseDn('CN=a\\zz'), "failed to decode escaped character: encoding/hex: invalid byte: U+007A 'z'");
  assert.ok(ldapDnEqual(dn('CN=alice,OU=eng,O=acme'), dn('cn=alice, ou=eng, o=acme')), 'types case-insensitive');
  assert.ok(!ldapDnEqual(dn('CN=alice,OU=eng,O=acme'), dn('CN=Alice,OU=eng,O=acme')), 'values exact');
  assert.ok(!ldapDnEqual(dn('CN=alice,OU=eng,O=acme'), dn('O=acme,OU=eng,CN=alice')));
  assert.ok(ldapRdnsMatch(dn('O=acme,OU=eng,CN=alice'), dn('CN=alice,OU=eng,O=acme')), 'any order');
  assert.ok(ldapDnEqual(dn('CN=a+OU=b'), dn('OU=b+CN=a')), 'attribute order inside an RDN does not matter');
  assert.ok(!ldapRdnsMatch(dn('CN=alice,OU=eng'), dn('CN=alice,OU=eng,O=acme')), 'same number of RDNs');

  const C = await testCerts();
  const fromCert = (f: string) => ldapFromCertSubject(parse(f).subject);
  assert.equal(show(fromCert(C.clientDn.cert)!), 'CN=alice,OU=eng,O=acme');
  assert.equal(show(fromCert(C.clientDc.cert)!), 'CN=dave,O=acme,DC=acme,DC=org', 'reverse of the certificate order');
  assert.equal(fromCert(C.clientEmailAttr.cert), null, 'emailAddress is not a go-ldap type: no DN');
  assert.ok(ldapDnEqual(dn(rdnSequenceString(toRdnSequence(parse(C.clientEscaped.cert).subject))), fromCert(C.clientEscaped.cert)!),
    'Go\'s escaped string parses back to the certificate DN');
});

test('malformed DER only ever raises CertParseError', { skip }, async () => {
  const C = await testCerts();
  const der = pemCertificates(readFileSync(C.clientEscaped.cert, 'latin1'))[0]!;
  const bad: Uint8Array[] = [new Uint8Array(0), new Uint8Array([0x30]), new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), der.subarray(0, der.length - 1), randomBytes(300)];
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 2000; i++) {
    const m = Buffer.from(der);
    for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
    bad.push(m);
  }
  let parsed = 0;
  for (const b of bad) {
    try {
      const c = parseCertificate(b);
      parsed++;
      // whatever parses can be printed without throwing
      nameString(c.subject);
      rdnSequenceString(toRdnSequence(c.subject));
      ldapFromCertSubject(c.subject);
      createHash('sha256').update(c.rawSpki).digest();
    } catch (e) {
      assert.ok(e instanceof CertParseError, `${(e as Error).name}: ${(e as Error).message}`);
    }
  }
  assert.ok(parsed < bad.length, 'some inputs were refused');
});
