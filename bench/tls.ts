// Certificates for the TLS cases, made with the openssl CLI once per bench run (self-signed, for
// 127.0.0.1): an ECDSA P-256 and an RSA 2048 server certificate. Clients trust the certificate itself.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Skip } from './model.js';

export type KeyKind = 'ecdsa' | 'rsa';

export interface BenchCert {
  cert: string;
  key: string;
  /** The certificate's PEM: what a client trusts. */
  pem: string;
}

let dir: string | null = null;
const made = new Map<KeyKind, BenchCert>();

/** The server certificate of `kind` (the bench's TLS cases are skipped without openssl). */
export function benchCert(kind: KeyKind): BenchCert {
  const have = made.get(kind);
  if (have) return have;
  if (dir === null) {
    const d = mkdtempSync(join(tmpdir(), 'tsnats-bench-tls-'));
    dir = d;
    process.once('exit', () => rmSync(d, { recursive: true, force: true }));
  }
  const cert = join(dir, `${kind}.pem`);
  const key = join(dir, `${kind}-key.pem`);
  const conf = join(dir, 'openssl.cnf');
  writeFileSync(conf, '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = 127.0.0.1\n[ext]\nsubjectAltName = IP:127.0.0.1,DNS:localhost\n');
  const newKey = kind === 'ecdsa' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  try {
    execFileSync('openssl', ['req', '-x509', ...newKey, '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-config', conf, '-extensions', 'ext'], { stdio: 'ignore' });
  } catch (e) {
    throw new Skip(`openssl could not make a certificate: ${(e as Error).message}`);
  }
  const c = { cert, key, pem: readFileSync(cert, 'utf8') };
  made.set(kind, c);
  return c;
}

/** The server flags for TLS with `kind`'s certificate (the same for nats-server and tsnats). */
export function tlsFlags(kind: KeyKind): string[] {
  const c = benchCert(kind);
  return ['--tlscert', c.cert, '--tlskey', c.key];
}
