// What a certificate says, for `tsnats doctor`, /metrics and start-up warnings: subject and issuer
// (Go's pkix form, as nats-server prints them), validity, SANs, fingerprints, and whether it covers
// a host name or IP the way Go's x509.Certificate.VerifyHostname decides (SANs only, never the CN;
// a `*` only as the whole leftmost label).
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { nameString } from './dn.js';
import { parseCertificate, pemCertificates, type ParsedCert } from './x509.js';

export interface CertInfo {
  /** pkix.Name.String() of the subject (e.g. `CN=alice,OU=eng,O=acme`). */
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  isCA: boolean;
  /** Issuer and subject are the same name. */
  selfIssued: boolean;
  /** Hex SHA-256 of the SubjectPublicKeyInfo (what pinned_certs and /connz spki_sha256 hold). */
  spkiSha256: string;
  /** Hex SHA-256 of the whole certificate (/connz cert_sha256). */
  certSha256: string;
}

export function certInfo(cert: ParsedCert | Uint8Array): CertInfo {
  const c = cert instanceof Uint8Array ? parseCertificate(cert) : cert;
  const subject = nameString(c.subject);
  const issuer = nameString(c.issuer);
  return {
    subject,
    issuer,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    dnsNames: [...c.dnsNames],
    ipAddresses: [...c.ipAddresses],
    emailAddresses: [...c.emailAddresses],
    uris: [...c.uris],
    isCA: c.isCA,
    selfIssued: Buffer.from(c.rawSubject).equals(c.rawIssuer),
    spkiSha256: createHash('sha256').update(c.rawSpki).digest('hex'),
    certSha256: createHash('sha256').update(c.raw).digest('hex'),
  };
}

/** Certificates of a PEM file's text, leaf first (as a cert_file holds them). */
export function certInfosFromPem(pem: string): CertInfo[] {
  return pemCertificates(pem).map((der) => certInfo(der));
}

/** Milliseconds until the certificate expires (negative when it has). */
export function expiresInMs(info: Pick<CertInfo, 'notAfter'>, now: Date = new Date()): number {
  return info.notAfter.getTime() - now.getTime();
}

/** The validity state at `now`, as x509 verification judges it. */
export function validity(info: Pick<CertInfo, 'notBefore' | 'notAfter'>, now: Date = new Date()): 'valid' | 'expired' | 'not-yet-valid' {
  if (now.getTime() < info.notBefore.getTime()) return 'not-yet-valid';
  if (now.getTime() > info.notAfter.getTime()) return 'expired';
  return 'valid';
}

/**
 * Does the certificate cover `host` (a DNS name, an IPv4/IPv6 address, or `[v6]`)? As Go 1.19's
 * VerifyHostname: an IP matches IP SANs only; a name matches DNS SANs case-insensitively, a
 * trailing dot ignored, `*.example.com` covering exactly one more label; the CN is never used.
 */
export function coversHost(info: Pick<CertInfo, 'dnsNames' | 'ipAddresses'>, host: string): boolean {
  let h = host;
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (isIP(h)) {
    const want = ipBytes(h);
    return info.ipAddresses.some((ip) => ipBytes(ip)?.equals(want!) ?? false);
  }
  const name = asciiLower(h.replace(/\.$/, ''));
  if (!name) return false;
  return info.dnsNames.some((pattern) => matchHostname(asciiLower(pattern), name));
}

function matchHostname(pattern: string, host: string): boolean {
  if (!pattern || !host) return false;
  if (pattern === host) return true;
  const p = pattern.split('.');
  const h = host.split('.');
  if (p.length !== h.length) return false;
  // A wildcard only as the whole first label, and never for an empty label.
  return p.every((part, i) => (i === 0 && part === '*' ? h[0] !== '' : part === h[i]));
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** 16-byte form of an IP (IPv4 mapped), so 127.0.0.1 and ::ffff:127.0.0.1 compare equal as in Go. */
function ipBytes(ip: string): Buffer | null {
  const v = isIP(ip);
  if (v === 4) return Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ip.split('.').map(Number)]);
  if (v !== 6) return null;
  let s = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  const tail: number[] = [];
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    tail.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
    s = s.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const hs = head ? head.split(':') : [];
  const rs = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? hs : [...hs, ...Array(8 - hs.length - rs.length).fill('0'), ...rs];
  const nums = groups.map((g) => parseInt(g, 16));
  if (v4) nums.splice(6, 2, ...tail);
  const out = Buffer.alloc(16);
  nums.forEach((n, i) => out.writeUInt16BE(n, i * 2));
  return out;
}
