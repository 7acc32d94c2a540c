// Test certificates, generated at test time with the `openssl` CLI (Debian's OpenSSL 3) into a temp
// directory, once per test process (the promise is cached), and removed when the process exits.
// Nothing here is checked in: every run makes fresh keys.
//
//   const c = await testCerts();
//   c.server.cert, c.server.key, c.ca.cert ...
//
// What each certificate claims is checked by test/tls/certs.test.ts.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface CertPair {
  /** PEM certificate file (for a chain: the leaf only; see `CertChain.chain`). */
  cert: string;
  /** PEM private key file (PKCS#8, unencrypted). */
  key: string;
}

export interface CertChain extends CertPair {
  /** The leaf followed by every intermediate, leaf first (what a peer presents). */
  chain: string;
  /** The intermediates, the one nearest the root first. */
  intermediates: string[];
}

export interface TestCerts {
  dir: string;
  openssl: string;
  /** The trusted CA (ECDSA P-256, CN=tsnats test CA). */
  ca: CertPair;
  /** A second CA nobody trusts (CN=tsnats untrusted CA). */
  otherCa: CertPair;
  /** Server, ECDSA P-256, CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1, EKU serverAuth. */
  server: CertPair;
  /** Server, RSA 2048, the same names. */
  serverRsa: CertPair;
  /** Server, the same names, valid from 2 days ago to 1 day ago. */
  serverExpired: CertPair;
  /** Server for DNS:wrong.example.com, IP:10.255.255.1 only (does not cover 127.0.0.1 or localhost). */
  serverWrongHost: CertPair;
  /** Client, CN=email client, SAN email:alice@acme.example, email:alice2@acme.example. */
  clientEmail: CertPair;
  /** Client, CN=dns client, SAN DNS:bob.acme.example, DNS:bob2.acme.example. */
  clientDns: CertPair;
  /** Client, subject CN=alice,OU=eng,O=acme (written O, OU, CN), no SAN. */
  clientDn: CertPair;
  /** Client, several RDNs (one multi-valued) and values that need RFC 2253 escaping; no SAN. See CLIENT_ESCAPED_SUBJECT. */
  clientEscaped: CertPair;
  /** Client, subject DC=org,DC=acme,O=acme,CN=dave (DC components), no SAN. */
  clientDc: CertPair;
  /** Client, SAN URI:spiffe://acme.example/ns/prod/sa/erin, CN=uri client. */
  clientUri: CertPair;
  /** Client, subject CN=frank,O=acme with an emailAddress attribute (not a SAN), no SAN. */
  clientEmailAttr: CertPair;
  /** Client, CN=mallory,OU=eng,O=acme, signed by `otherCa`. */
  clientUntrusted: CertPair;
  /** Client, CN=alice,OU=eng,O=acme, valid from 2 days ago to 1 day ago. */
  clientExpired: CertPair;
  /** Client, RSA 2048, CN=rsa client, SAN email:rsa@acme.example. */
  clientRsa: CertPair;
  /** Client CN=chained,OU=eng,O=acme under 4 intermediates below `ca` (the intermediates share one RSA 2048 key). */
  clientChain: CertChain;
  /**
   * Route (cluster member), CN=route-a, the server's names (DNS:localhost, IP:127.0.0.1, IP:::1),
   * EKU serverAuth and clientAuth: a route presents one certificate both as a TLS server and a TLS client.
   */
  routeA: CertPair;
  /** Route, CN=route-b, the same names and usages. */
  routeB: CertPair;
  /** Route, CN=route-untrusted, the same names and usages, signed by `otherCa`. */
  routeUntrusted: CertPair;
}

/**
 * The subject of `clientEscaped` as OpenSSL's -subj takes it (written order, `+` joins a
 * multi-valued RDN): C=US / ST=CA / L=San Francisco / O="Acme, Inc." / OU=R&D + OU=ops /
 * CN=`#carol "the admin" <c+d>; x\y ` (leading '#', trailing space, and , + " \ < > ;).
 */
export const CLIENT_ESCAPED_SUBJECT_ARG = '/C=US/ST=CA/L=San Francisco/O=Acme\\, Inc./OU=R&D+OU=ops/CN=\\#carol "the admin" <c\\+d>; x\\\\y ';
/** The CN value of `clientEscaped`, unescaped. */
export const CLIENT_ESCAPED_CN = '#carol "the admin" <c+d>; x\\y ';

const OPENSSL_CONF = `# minimal config for the test certificates (no system config is read)
[req]
distinguished_name = dn
prompt = no
string_mask = utf8only
[dn]
CN = unused

[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[v3_int]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1

[route]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1

[server_wrong]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example.com,IP:10.255.255.1

[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid

[client_email]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = email:alice@acme.example,email:alice2@acme.example

[client_rsa]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = email:rsa@acme.example

[client_dns]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = DNS:bob.acme.example,DNS:bob2.acme.example

[client_uri]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = URI:spiffe://acme.example/ns/prod/sa/erin

# openssl ca (expired certificates need explicit start/end dates)
[ca]
default_ca = test_ca
[test_ca]
database = $ENV::CERTS_DIR/ca-index.txt
new_certs_dir = $ENV::CERTS_DIR
serial = $ENV::CERTS_DIR/ca-serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
preserve = yes
email_in_dn = yes
[any]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
emailAddress = optional
`;

/** The openssl binary, or null (tests that need certificates skip with this reason). */
export function opensslBin(): string | null {
  for (const p of ['/usr/bin/openssl', '/usr/local/bin/openssl']) if (existsSync(p)) return p;
  return null;
}

let cached: Promise<TestCerts> | null = null;

/** The test certificates, generated on first use in this process. */
export function testCerts(): Promise<TestCerts> {
  cached ??= generate();
  return cached;
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env, maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve();
    });
  });
}

async function generate(): Promise<TestCerts> {
  const openssl = opensslBin();
  if (!openssl) throw new Error('openssl is not installed (apt-get install -y openssl)');
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-certs-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'openssl.cnf');
  writeFileSync(conf, OPENSSL_CONF);
  writeFileSync(join(dir, 'ca-index.txt'), '');
  writeFileSync(join(dir, 'ca-serial'), randomBytes(8).toString('hex').toUpperCase() + '\n');
  const env = { ...process.env, OPENSSL_CONF: conf, CERTS_DIR: dir };
  const ossl = (...args: string[]) => run(openssl, args, env);
  const p = (name: string) => join(dir, name);
  const pair = (name: string): CertPair => ({ cert: p(`${name}.pem`), key: p(`${name}-key.pem`) });
  const serial = () => '0x' + randomBytes(12).toString('hex');

  // 'rsa-shared': one RSA 2048 key for every intermediate (RSA key generation is the slow part).
  type Alg = 'ec' | 'rsa' | 'rsa-shared';
  const sharedRsa = p('int-key.pem');
  const newKey = (alg: Alg) =>
    alg === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : alg === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-key', sharedRsa];

  /** A self-signed CA. */
  const makeCa = async (name: string, cn: string) => {
    const c = pair(name);
    await ossl('req', '-x509', '-new', ...newKey('ec'), '-nodes', '-keyout', c.key, '-subj', `/CN=${cn}`,
      '-days', '3650', '-set_serial', serial(), '-config', conf, '-extensions', 'v3_ca', '-out', c.cert);
    return c;
  };
  /** A key and a CSR. */
  const makeCsr = async (name: string, subj: string, opts: { alg?: Alg; multi?: boolean } = {}) => {
    const keyOut = opts.alg === 'rsa-shared' ? [] : ['-keyout', pair(name).key];
    await ossl('req', '-new', ...newKey(opts.alg ?? 'ec'), '-nodes', ...keyOut, '-subj', subj,
      ...(opts.multi ? ['-multivalue-rdn'] : []), '-config', conf, '-out', p(`${name}.csr`));
  };
  /** The certificate for `name`'s CSR, signed by `issuer` with the extension section `ext`. */
  const sign = async (name: string, issuer: CertPair, ext: string, expired = false) => {
    const c = pair(name);
    const csr = p(`${name}.csr`);
    if (expired) {
      const start = stamp(Date.now() - 2 * 86400_000);
      const end = stamp(Date.now() - 86400_000);
      await ossl('ca', '-batch', '-notext', '-config', conf, '-cert', issuer.cert, '-keyfile', issuer.key,
        '-startdate', start, '-enddate', end, '-extfile', conf, '-extensions', ext, '-in', csr, '-out', c.cert);
    } else {
      await ossl('x509', '-req', '-in', csr, '-CA', issuer.cert, '-CAkey', issuer.key, '-set_serial', serial(),
        '-days', '825', '-sha256', '-extfile', conf, '-extensions', ext, '-out', c.cert);
    }
    return c;
  };
  const makeLeaf = async (name: string, subj: string, issuer: CertPair, ext: string, opts: { alg?: Alg; multi?: boolean } = {}) => {
    await makeCsr(name, subj, opts);
    return sign(name, issuer, ext);
  };

  const [ca, otherCa] = await Promise.all([makeCa('ca', 'tsnats test CA'), makeCa('other-ca', 'tsnats untrusted CA')]);

  // `openssl ca` appends to one database: expired certificates are signed one after the other.
  const expired = (async () => {
    await Promise.all([makeCsr('server-expired', '/CN=localhost'), makeCsr('client-expired', '/O=acme/OU=eng/CN=alice')]);
    const serverExpired = await sign('server-expired', ca, 'server', true);
    const clientExpired = await sign('client-expired', ca, 'client', true);
    return { serverExpired, clientExpired };
  })();

  // Keys first (in parallel), then each intermediate signs the next.
  const chain = (async (): Promise<CertChain> => {
    const names = [1, 2, 3, 4].map((i) => `int${i}`);
    await ossl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', sharedRsa);
    for (const n of names) copyFileSync(sharedRsa, pair(n).key);
    await Promise.all([
      ...names.map((n, i) => makeCsr(n, `/O=acme/CN=tsnats test intermediate ${i + 1}`, { alg: 'rsa-shared' })),
      makeCsr('client-chain', '/O=acme/OU=eng/CN=chained'),
    ]);
    let issuer = ca;
    const intermediates: string[] = [];
    for (const n of names) {
      issuer = await sign(n, issuer, 'v3_int');
      intermediates.push(issuer.cert);
    }
    const leaf = await sign('client-chain', issuer, 'client');
    const chainFile = p('client-chain-full.pem');
    writeFileSync(chainFile, [leaf.cert, ...[...intermediates].reverse()].map((f) => readFileSync(f, 'utf8')).join(''));
    return { ...leaf, chain: chainFile, intermediates };
  })();

  const [server, serverRsa, serverWrongHost, clientEmail, clientDns, clientDn, clientEscaped, clientDc, clientUri,
    clientEmailAttr, clientUntrusted, clientRsa, routeA, routeB, routeUntrusted] = await Promise.all([
    makeLeaf('server', '/CN=localhost', ca, 'server'),
    makeLeaf('server-rsa', '/CN=localhost', ca, 'server', { alg: 'rsa' }),
    makeLeaf('server-wrong-host', '/CN=wrong.example.com', ca, 'server_wrong'),
    makeLeaf('client-email', '/CN=email client', ca, 'client_email'),
    makeLeaf('client-dns', '/CN=dns client', ca, 'client_dns'),
    makeLeaf('client-dn', '/O=acme/OU=eng/CN=alice', ca, 'client'),
    makeLeaf('client-escaped', CLIENT_ESCAPED_SUBJECT_ARG, ca, 'client', { multi: true }),
    makeLeaf('client-dc', '/DC=org/DC=acme/O=acme/CN=dave', ca, 'client'),
    makeLeaf('client-uri', '/CN=uri client', ca, 'client_uri'),
    makeLeaf('client-email-attr', '/O=acme/CN=frank/emailAddress=frank@acme.example', ca, 'client'),
    makeLeaf('client-untrusted', '/O=acme/OU=eng/CN=mallory', otherCa, 'client'),
    makeLeaf('client-rsa', '/CN=rsa client', ca, 'client_rsa', { alg: 'rsa' }),
    makeLeaf('route-a', '/CN=route-a', ca, 'route'),
    makeLeaf('route-b', '/CN=route-b', ca, 'route'),
    makeLeaf('route-untrusted', '/CN=route-untrusted', otherCa, 'route'),
  ]);
  return {
    dir, openssl, ca, otherCa, server, serverRsa, serverWrongHost, clientEmail, clientDns, clientDn, clientEscaped,
    clientDc, clientUri, clientEmailAttr, clientUntrusted, clientRsa, clientChain: await chain, ...(await expired),
    routeA, routeB, routeUntrusted,
  };
}

/** YYYYMMDDHHMMSSZ (GeneralizedTime as `openssl ca -startdate` takes it). */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}
