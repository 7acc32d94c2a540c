// The client port's `tls {}` block as typed options, and what node:tls needs for it. Error texts are
// nats-server 2.9.10's (opts.go parseTLS / GenTLSConfig, Go's crypto/tls X509KeyPair), so a config
// that the reference refuses is refused here with the same words; the config loader adds
// file:line:col in front, as the reference does (`nats-server: t.conf:1:0: <text>`).
import { readFileSync } from 'node:fs';
import { constants as cryptoConstants, createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { TlsOptions } from 'node:tls';
import { cipherSettings, DEFAULT_CIPHER_SUITES, DEFAULT_CURVE_PREFERENCES, NEVER_NEGOTIATED } from './names.js';
import { parseCertificate, pemCertificates, type ParsedCert } from './x509.js';

/** TLS_TIMEOUT (const.go): the handshake must finish within this. */
export const DEFAULT_TLS_TIMEOUT_MS = 2000;

/** 2.10's "auto" handshake_first fallback delay (DEFAULT_TLS_HANDSHAKE_FIRST_FALLBACK_DELAY). */
export const HANDSHAKE_FIRST_AUTO_MS = 50;

export interface TlsConfig {
  certFile?: string;
  keyFile?: string;
  /** CA bundle for client certificates (Go: ClientCAs). Without it, `verify` checks against the default roots. */
  caFile?: string;
  /** Require and verify a client certificate (`verify`, or implied by `verify_and_map`). */
  verify?: boolean;
  /** `verify_and_map`: the client's user comes from its certificate (see map.ts); implies verify. */
  verifyAndMap?: boolean;
  /** `insecure`: parsed by the reference, used only when it dials out (routes); no effect on the client port. */
  insecure?: boolean;
  /**
   * `verify_cert_and_check_known_urls` (cluster only): verify, and a peer whose certificate has a
   * DNS SAN matching the host of a configured route is authorized.
   */
  checkKnownUrls?: boolean;
  /** Handshake timeout (`timeout`, float seconds or a duration in config), ms; 0 or absent means the default 2s. */
  timeoutMs?: number;
  /** Reference names; absent = DEFAULT_CIPHER_SUITES. */
  cipherSuites?: readonly string[];
  /** Reference names; absent = DEFAULT_CURVE_PREFERENCES. */
  curvePreferences?: readonly string[];
  /** Lower-case hex SHA-256 of the peer's DER SubjectPublicKeyInfo; null/absent = no pinning. */
  pinnedCerts?: ReadonlySet<string> | readonly string[] | null;
  /** `connection_rate_limit` (TLS handshakes per second); 0 = none. */
  rateLimit?: number;
  /** tsnats extension (nats-server 2.10's `min_version`): '1.2' (default) or '1.3'. */
  minVersion?: '1.2' | '1.3';
  /**
   * tsnats extension (nats-server 2.10's `handshake_first`): the TLS handshake comes before INFO.
   * `fallbackMs` > 0 (2.10's "auto" = 50 ms) sends INFO first when the client sent nothing by then.
   */
  handshakeFirst?: boolean | { fallbackMs: number };
}

/** A problem with the TLS configuration, in the reference's words (no position: the caller adds it). */
export class TlsConfigError extends Error {
  override name = 'TlsConfigError';
  /** The tls{} field it is about, when there is one (for the caller's position). */
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

/** The reference's texts for the parse stage (opts.go parseTLS, 2.9.10). */
export const TLS_PARSE_ERRORS = {
  expectedFilename: (field: 'cert_file' | 'key_file' | 'ca_file') => `error parsing tls config, expected '${field}' to be filename`,
  expectedBoolean: (field: string) => `error parsing tls config, expected '${field}' to be a boolean`,
  emptyList: (field: 'cipher_suites' | 'curve_preferences') => `error parsing tls config, '${field}' cannot be empty`,
  /** Go's time.ParseDuration error follows: `time: invalid duration "abc"`. */
  timeout: (goErr: string) => `error parsing tls config, 'timeout' ${goErr}`,
  timeoutType: () => `error parsing tls config, 'timeout' wrong type`,
  rateLimitType: () => `error parsing tls config, 'connection_rate_limit' wrong type`,
  pinnedNotList: () => `error parsing tls config, expected 'pinned_certs' to be a list of hex-encoded sha256 of DER encoded SubjectPublicKeyInfo`,
  /** `entry` is the lower-cased value. */
  pinnedBad: (entry: string) => `error parsing tls config, 'pinned_certs' key ${entry} does not look like hex-encoded sha256 of DER encoded SubjectPublicKeyInfo`,
  /** Note the brackets and Go %q quotes (2.9.10); 2.10+ prints `unknown field "x"`. */
  unknownField: (field: string) => `error parsing tls config, unknown field [${JSON.stringify(field)}]`,
  missingKeyFile: () => `missing 'key_file' in TLS configuration`,
  missingCertFile: () => `missing 'cert_file' in TLS configuration`,
  badCaFile: () => 'failed to parse root ca certificate',
} as const;

/** A pinned_certs entry, lower-cased and checked as the reference does (^[a-f0-9]{64}$ after lower-casing). */
export function parsePinnedCert(entry: string): string {
  const e = entry.toLowerCase();
  if (!/^[a-f0-9]{64}$/.test(e)) throw new TlsConfigError(TLS_PARSE_ERRORS.pinnedBad(e), 'pinned_certs');
  return e;
}

/** What pinned_certs holds for a certificate: hex SHA-256 of its DER SubjectPublicKeyInfo (auth.go matchesPinnedCert). */
export function spkiSha256(cert: ParsedCert | Uint8Array): string {
  const spki = cert instanceof Uint8Array ? parseCertificate(cert).rawSpki : cert.rawSpki;
  return createHash('sha256').update(spki).digest('hex');
}

export interface PinnedCheck {
  ok: boolean;
  /** The reference's [DBG] line when it fails. */
  debug?: string;
}

/**
 * auth.go matchesPinnedCert: with no pinned set every peer passes; otherwise the first peer
 * certificate's SPKI hash must be in it. The reference then logs `TLS handshake error: certificate
 * not pinned` ([ERR]) and closes with TLS Handshake Failure.
 */
export function checkPinned(peer: ParsedCert | Uint8Array | null | undefined, pinnedIn: ReadonlySet<string> | readonly string[] | null | undefined): PinnedCheck {
  if (!pinnedIn) return { ok: true };
  const pinned: ReadonlySet<string> = pinnedIn instanceof Set ? pinnedIn : new Set(pinnedIn as readonly string[]);
  if (!peer || (peer instanceof Uint8Array && peer.length === 0)) return { ok: false, debug: 'Failed pinned cert test as client did not provide a certificate' };
  let keyId: string;
  try {
    keyId = spkiSha256(peer);
  } catch {
    return { ok: false, debug: 'Failed pinned cert test as client did not provide a certificate' };
  }
  return pinned.has(keyId) ? { ok: true } : { ok: false, debug: `Failed pinned cert test for key id: ${keyId}` };
}

/** The text after "TLS handshake error: " for a pinning failure (errors.go ErrCertNotPinned). */
export const ERR_CERT_NOT_PINNED = 'certificate not pinned';

/** node:tls server options for a TlsConfig, plus what the integration needs beside them. */
export interface SecureContextSettings {
  /** Pass to tls.createSecureContext / new TLSSocket(..., { isServer: true, ...options }). */
  options: TlsOptions;
  /** Handshake timeout in ms (the default applied). */
  timeoutMs: number;
  /** The parsed leaf certificate (for certinfo, /varz, doctor), or null with no cert_file. */
  leaf: ParsedCert | null;
}

/**
 * Read the files and build node:tls options, failing with the reference's errors: a missing or
 * unreadable file, PEM without a certificate, a key that does not match the certificate, a CA
 * file without certificates, an unknown or unavailable cipher/curve name. Used at start, on
 * reload and for `-t`.
 */
export function buildSecureContextOptions(cfg: TlsConfig, read: (path: string) => Buffer = (p) => readFileSync(p)): SecureContextSettings {
  const options: TlsOptions = {};
  let leaf: ParsedCert | null = null;
  const hasCert = !!cfg.certFile;
  const hasKey = !!cfg.keyFile;
  if (hasCert && !hasKey) throw new TlsConfigError(TLS_PARSE_ERRORS.missingKeyFile());
  if (!hasCert && hasKey) throw new TlsConfigError(TLS_PARSE_ERRORS.missingCertFile());
  if (hasCert && hasKey) {
    const pair = loadKeyPair(cfg.certFile!, cfg.keyFile!, read);
    options.cert = pair.certPem;
    options.key = pair.keyPem;
    leaf = pair.leaf;
  }
  if (cfg.verify || cfg.verifyAndMap) {
    options.requestCert = true;
    options.rejectUnauthorized = true;
  } else {
    options.requestCert = false;
    options.rejectUnauthorized = false;
  }
  if (cfg.caFile) {
    let pem: Buffer;
    try {
      pem = read(cfg.caFile);
    } catch (e) {
      throw new TlsConfigError(goFileError(cfg.caFile, e)); // GenTLSConfig returns the os error as it is
    }
    const certs = pemCertificates(pem.toString('latin1')).filter((der) => {
      try {
        new X509Certificate(der);
        return true;
      } catch {
        return false; // x509.CertPool.AppendCertsFromPEM skips what does not parse
      }
    });
    if (certs.length === 0) throw new TlsConfigError(TLS_PARSE_ERRORS.badCaFile());
    options.ca = certs.map((der) => derToPem(der));
  }
  const cs = cipherSettings(cfg.cipherSuites ?? DEFAULT_CIPHER_SUITES, cfg.curvePreferences ?? DEFAULT_CURVE_PREFERENCES);
  options.ciphers = cs.ciphers;
  options.ecdhCurve = cs.ecdhCurve;
  // Go chooses by its own preference (GO_TLS12_PREFERENCE order, then the curve list): honour ours.
  options.honorCipherOrder = true;
  options.minVersion = cfg.minVersion === '1.3' || (cs.tls13Only && !cs.ciphers.startsWith(NEVER_NEGOTIATED)) ? 'TLSv1.3' : 'TLSv1.2';
  options.maxVersion = 'TLSv1.3';
  // Go's crypto/tls server never renegotiates; OpenSSL would accept a client-initiated one in TLS 1.2.
  // Go moves ChaCha20 first when the client lists it first (aesgcmPreferred): OpenSSL's
  // PRIORITIZE_CHACHA does the same with server preference on.
  options.secureOptions = cryptoConstants.SSL_OP_NO_RENEGOTIATION | cryptoConstants.SSL_OP_PRIORITIZE_CHACHA;
  return { options, timeoutMs: (cfg.timeoutMs ?? 0) > 0 ? cfg.timeoutMs! : DEFAULT_TLS_TIMEOUT_MS, leaf };
}

function derToPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

/** PEM blocks' types and bodies, as Go's pem.Decode walks them. */
function pemBlocks(text: string): { type: string; body: string }[] {
  const out: { type: string; body: string }[] = [];
  const re = /-----BEGIN ([^-\r\n]*)-----\r?\n([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ type: m[1]!, body: m[0] });
  return out;
}

/**
 * tls.LoadX509KeyPair with its errors, prefixed as GenTLSConfig does
 * ("error parsing X509 certificate/key pair: …").
 */
function loadKeyPair(certFile: string, keyFile: string, read: (p: string) => Buffer): { certPem: string; keyPem: string; leaf: ParsedCert } {
  const fail = (why: string): never => {
    throw new TlsConfigError(`error parsing X509 certificate/key pair: ${why}`);
  };
  let certText = '';
  let keyText = '';
  try {
    certText = read(certFile).toString('latin1');
  } catch (e) {
    fail(goFileError(certFile, e));
  }
  try {
    keyText = read(keyFile).toString('latin1');
  } catch (e) {
    fail(goFileError(keyFile, e));
  }
  const certBlocks = pemBlocks(certText);
  const certs = certBlocks.filter((b) => b.type === 'CERTIFICATE');
  if (certs.length === 0) {
    const skipped = certBlocks.map((b) => b.type);
    if (skipped.length === 0) fail('tls: failed to find any PEM data in certificate input');
    if (skipped.length === 1 && skipped[0]!.endsWith('PRIVATE KEY')) {
      fail('tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched');
    }
    fail(`tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`);
  }
  const keyBlocks = pemBlocks(keyText);
  const keyBlock = keyBlocks.find((b) => b.type === 'PRIVATE KEY' || b.type.endsWith(' PRIVATE KEY'));
  if (!keyBlock) {
    const skipped = keyBlocks.map((b) => b.type);
    if (skipped.length === 0) fail('tls: failed to find any PEM data in key input');
    if (skipped.length === 1 && skipped[0] === 'CERTIFICATE') fail('tls: found a certificate rather than a key in the PEM for the private key');
    fail(`tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`);
  }
  const firstDer = pemCertificates(certs[0]!.body)[0]!;
  let x509: X509Certificate;
  let leaf: ParsedCert;
  try {
    x509 = new X509Certificate(firstDer);
    leaf = parseCertificate(firstDer);
  } catch (e) {
    return fail(`x509: ${(e as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyBlock!.body);
  } catch {
    return fail('tls: failed to parse private key');
  }
  const pubType = x509.publicKey.asymmetricKeyType;
  const keyType = key.asymmetricKeyType;
  if (pubType !== 'rsa' && pubType !== 'ec' && pubType !== 'ed25519') fail('tls: unknown public key algorithm');
  if (keyType !== pubType) fail('tls: private key type does not match public key type');
  if (!x509.checkPrivateKey(key)) fail('tls: private key does not match public key');
  return { certPem: certs.map((b) => b.body + '\n').join(''), keyPem: keyBlock!.body + '\n', leaf };
}

/** Go's *PathError text for a failed os.ReadFile: "open <path>: <strerror>". */
export function goFileError(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  const op = code === 'EISDIR' ? 'read' : 'open';
  return `${op} ${path}: ${STRERROR[code] ?? (e as Error)?.message ?? String(e)}`;
}

/** glibc strerror texts (what Go's syscall.Errno prints) for the errors a file read meets. */
const STRERROR: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  EIO: 'input/output error',
  EPERM: 'operation not permitted',
};

// verify_and_map: the identities a peer certificate offers, in the reference's order (map.ts).
export { tlsMapIdentities, tlsMapUser, type TlsMapIdentities, type TlsMapResult } from './map.js';
