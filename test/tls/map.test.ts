// verify_and_map (src/tls/map.ts): the user a certificate maps to and the debug lines, first on
// their own, then differentially: nats-server 2.9.10 and tsnats with the same config file must
// authorize the same certificates as the same users, logging the same "Using … for auth [...]" lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testCerts, opensslBin, type CertPair } from '../helpers/certs.js';
import { startServer, hasNatsServer } from '../helpers/servers.js';
import { tlsRun } from './tls-client.js';
import { startTlsTarget } from './engine.js';
import { loadConfigFile } from '../../src/config/load.js';
import { connz } from '../../src/monitor/connz.js';
import { ConnState } from '../../src/monitor/params.js';
import { parseCertificate, pemCertificates, type ParsedCert } from '../../src/tls/x509.js';
import { tlsMapUser, tlsMapIdentities, usersFromMap } from '../../src/tls/map.js';

const skipCerts = opensslBin() ? false : 'openssl is not installed';
const skipDiff = !hasNatsServer() ? 'nats-server is not installed' : skipCerts;
const parse = (p: CertPair | string): ParsedCert => parseCertificate(pemCertificates(readFileSync(typeof p === 'string' ? p : p.cert, 'latin1'))[0]!);
const users = (...names: string[]) => usersFromMap(new Map(names.map((n) => [n, { name: n }])));

test('verify_and_map order: email SAN, DNS SAN, URI SAN, DN match, RDN+DCs, RDN; debug lines', { skip: skipCerts }, async () => {
  const C = await testCerts();
  const email = parse(C.clientEmail);
  // every email SAN is tried before any DN form
  let r = tlsMapUser(email, users('CN=email client', 'alice2@acme.example'));
  assert.equal(r.name, 'alice2@acme.example');
  assert.equal(r.via, 'email');
  assert.deepEqual(r.debug, ['Using email found in cert for auth ["alice2@acme.example"]']);
  r = tlsMapUser(email, users('CN=email client'));
  assert.equal(r.via, 'dn');
  assert.deepEqual(r.debug, ['Using DistinguishedNameMatch for auth ["CN=email client"]']);

  r = tlsMapUser(parse(C.clientDns), users('bob2.acme.example'));
  assert.deepEqual([r.name, r.via], ['bob2.acme.example', 'dns']);
  assert.deepEqual(r.debug, ['Using SAN found in cert for auth ["bob2.acme.example"]']);
  r = tlsMapUser(parse(C.clientUri), users('spiffe://acme.example/ns/prod/sa/erin'));
  assert.deepEqual([r.via, r.debug], ['uri', ['Using URI found in cert for auth ["spiffe://acme.example/ns/prod/sa/erin"]']]);

  // DN: exact order first, then any order; types case-insensitive, values exact
  const dn = parse(C.clientDn);
  assert.equal(tlsMapUser(dn, users('cn=alice, ou=eng, o=acme')).via, 'dn');
  assert.equal(tlsMapUser(dn, users('O=acme,OU=eng,CN=alice')).name, 'O=acme,OU=eng,CN=alice');
  assert.equal(tlsMapUser(dn, users('O=acme,OU=eng,CN=alice', 'CN=alice,OU=eng,O=acme')).name, 'CN=alice,OU=eng,O=acme', 'an exact-order match wins over a reordered one');
  assert.equal(tlsMapUser(dn, users('CN=Alice,OU=eng,O=acme')).user, null);
  assert.equal(tlsMapUser(dn, users('CN=alice,OU=eng')).user, null, 'all RDNs must be there');

  // DC attributes: the DN form includes them (reversed), the RDN string does not; "RDN,DCs" is tried literally
  const dc = parse(C.clientDc);
  assert.equal(tlsMapUser(dc, users('CN=dave,O=acme,DC=acme,DC=org')).via, 'dn');
  assert.equal(tlsMapUser(dc, users('CN=dave,O=acme,DC=org,DC=acme')).via, 'dn', 'reordered DCs still match as a DN');
  r = tlsMapUser(dc, users('CN=dave,O=acme'));
  assert.equal(r.via, 'rdn', 'the RDN string without the DCs, looked up literally');
  assert.deepEqual(r.debug, [
    'DistinguishedNameMatch could not be used for auth ["CN=dave,O=acme"]',
    'RDNSequence could not be used for auth ["CN=dave,O=acme,DC=org,DC=acme"]',
    'Using certificate subject for auth ["CN=dave,O=acme"]',
  ]);

  // a type go-ldap does not know (emailAddress): no DN match, only the literal RDN string (which omits it)
  const attr = parse(C.clientEmailAttr);
  assert.equal(tlsMapIdentities(attr).dn, null);
  r = tlsMapUser(attr, users('CN=frank,O=acme'));
  assert.deepEqual([r.via, r.debug], ['rdn', ['Using certificate subject for auth ["CN=frank,O=acme"]']]);
  assert.equal(tlsMapUser(attr, users('CN=frank,O=acme,emailAddress=frank@acme.example')).user, null);

  // unmapped
  r = tlsMapUser(parse(C.clientRsa), users('someone'));
  assert.equal(r.user, null);
  assert.deepEqual(r.debug, ['DistinguishedNameMatch could not be used for auth ["CN=rsa client"]', 'User in cert ["CN=rsa client"], not found']);
  assert.deepEqual(tlsMapUser(null, users('x')).debug, ['User required in cert, no peer certificates found']);

  // allowed_connection_types: a user the connection may not use is skipped, the next form is tried
  const both = usersFromMap(new Map([['alice2@acme.example', { ok: false }], ['CN=email client', { ok: true }]]));
  assert.equal(tlsMapUser(email, both, (u) => u.ok).name, 'CN=email client');
});

test('verify_and_map against nats-server: same certificates, same users, same debug lines', { skip: skipDiff, timeout: 60_000 }, async (t) => {
  const C = await testCerts();
  const esc = tlsMapIdentities(parse(C.clientEscaped)).rdn;
  const userNames = [
    'alice2@acme.example', 'bob2.acme.example', 'CN=alice,OU=eng,O=acme', 'O=acme, OU=eng, CN=chained', esc,
    'CN=dave,O=acme', 'spiffe://acme.example/ns/prod/sa/erin', 'CN=frank,O=acme',
  ];
  const certs: [string, CertPair, string?][] = [
    ['clientEmail', C.clientEmail], ['clientDns', C.clientDns], ['clientDn', C.clientDn], ['clientEscaped', C.clientEscaped],
    ['clientDc', C.clientDc], ['clientUri', C.clientUri], ['clientEmailAttr', C.clientEmailAttr], ['clientChain', C.clientChain, C.clientChain.chain],
    ['clientRsa (unmapped)', C.clientRsa],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-tls-map-'));
  for (const where of ['authorization', 'accounts'] as const) {
    await t.test(`users in ${where}`, async () => {
      const list = userNames.map((u) => `{user: ${JSON.stringify(u)}}`).join(', ');
      const auth = where === 'authorization' ? `authorization { users = [ ${list} ] }` : `accounts { A { users = [ ${list} ] } }`;
      const conf = join(dir, `${where}.conf`);
      writeFileSync(conf, `tls {\n  cert_file: "${C.server.cert}"\n  key_file: "${C.server.key}"\n  ca_file: "${C.ca.cert}"\n  verify_and_map: true\n}\n${auth}\n`);
      const ref = await startServer('nats-server', { config: conf, args: ['-DV'] });
      const loaded = loadConfigFile(conf);
      assert.deepEqual(loaded.errors, []);
      const { tls, ...rest } = loaded.options;
      const mini = await startTlsTarget(tls!, rest);
      try {
        for (const [name, pair, chain] of certs) {
          const opts = { ca: readFileSync(C.ca.cert), cert: readFileSync(chain ?? pair.cert), key: readFileSync(pair.key) };
          const mark = ref.output().length;
          const a = await tlsRun(ref.port, opts);
          await ref.waitForOutput(/Client connection closed|->> \[PONG\]/).catch(() => {});
          await new Promise((r) => setTimeout(r, 50));
          const refDebug = ref.output().slice(mark).split('\n')
            .filter((l) => /Using .* for auth|could not be used for auth|User in cert|User required in cert/.test(l))
            .map((l) => l.replace(/^.* - cid:\d+ - /, ''));
          const before = mini.logs().length;
          const b = await tlsRun(mini.port, opts);
          await mini.waitLog(/Client connection closed/, before).catch(() => {});
          const ourDebug = mini.logs().slice(before)
            .filter((l) => /Using .* for auth|could not be used for auth|User in cert|User required in cert/.test(l)).map((l) => l.replace(/^\[DBG\] /, ''));
          assert.equal(b.answer, a.answer, `${name}: answer`);
          assert.deepEqual(ourDebug, refDebug, `${name}: debug lines`);
          // the mapped user (and account) in /connz?auth=1, as the reference shows them
          const closed = connz(mini.srv, { state: ConnState.Closed, auth: true }).connections.at(-1)!;
          if (a.answer === 'PONG') {
            const user = /Using .* for auth \["(.*)"\]$/.exec(refDebug.at(-1) ?? '')?.[1]?.replace(/\\(.)/g, '$1');
            assert.equal(closed.authorized_user, user, `${name}: authorized_user`);
            assert.equal(closed.account, where === 'accounts' ? 'A' : undefined, `${name}: account`);
          } else {
            assert.equal(closed.reason, 'Authentication Failure', name);
            assert.match(closed.tls_error ?? '', /^certificate not mapped to a user: User in cert \["CN=rsa client"\], not found$/, name);
          }
        }
      } finally {
        await mini.close();
        await ref.stop();
      }
    });
  }
});
