// nats-server's TLS names (server/ciphersuites.go at v2.9.10: Go's crypto/tls constant names) and
// what Node's OpenSSL calls the same thing. A name the reference knows but this OpenSSL cannot do
// (RC4, 3DES) is an error, never a silent substitution; a name the reference does not know is the
// reference's error ("unrecognized cipher X", "unrecognized curve preference X"). Callers add
// file:line:col.
import { nodeTls } from '../builtins.js';

/** Go name → OpenSSL name (TLS 1.2 suites use OpenSSL's names; TLS 1.3 suites keep theirs). */
export const CIPHER_SUITES: Readonly<Record<string, { openssl: string; tls13: boolean }>> = {
  TLS_RSA_WITH_RC4_128_SHA: { openssl: 'RC4-SHA', tls13: false },
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: { openssl: 'DES-CBC3-SHA', tls13: false },
  TLS_RSA_WITH_AES_128_CBC_SHA: { openssl: 'AES128-SHA', tls13: false },
  TLS_RSA_WITH_AES_128_CBC_SHA256: { openssl: 'AES128-SHA256', tls13: false },
  TLS_RSA_WITH_AES_256_CBC_SHA: { openssl: 'AES256-SHA', tls13: false },
  TLS_RSA_WITH_AES_256_GCM_SHA384: { openssl: 'AES256-GCM-SHA384', tls13: false },
  TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: { openssl: 'ECDHE-ECDSA-RC4-SHA', tls13: false },
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: { openssl: 'ECDHE-ECDSA-AES128-SHA', tls13: false },
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: { openssl: 'ECDHE-ECDSA-AES256-SHA', tls13: false },
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: { openssl: 'ECDHE-RSA-RC4-SHA', tls13: false },
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: { openssl: 'ECDHE-RSA-DES-CBC3-SHA', tls13: false },
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: { openssl: 'ECDHE-RSA-AES128-SHA', tls13: false },
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: { openssl: 'ECDHE-RSA-AES128-SHA256', tls13: false },
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: { openssl: 'ECDHE-ECDSA-AES128-SHA256', tls13: false },
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: { openssl: 'ECDHE-RSA-AES256-SHA', tls13: false },
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: { openssl: 'ECDHE-RSA-AES128-GCM-SHA256', tls13: false },
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: { openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', tls13: false },
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: { openssl: 'ECDHE-RSA-AES256-GCM-SHA384', tls13: false },
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: { openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384', tls13: false },
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: { openssl: 'ECDHE-RSA-CHACHA20-POLY1305', tls13: false },
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: { openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305', tls13: false },
  TLS_AES_128_GCM_SHA256: { openssl: 'TLS_AES_128_GCM_SHA256', tls13: true },
  TLS_AES_256_GCM_SHA384: { openssl: 'TLS_AES_256_GCM_SHA384', tls13: true },
  TLS_CHACHA20_POLY1305_SHA256: { openssl: 'TLS_CHACHA20_POLY1305_SHA256', tls13: true },
};

/** ciphersuites.go defaultCipherSuites(): used when `cipher_suites` is absent, and by --tls. */
export const DEFAULT_CIPHER_SUITES: readonly string[] = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
];

/**
 * Go 1.19's server-side preference among TLS 1.2 suites (crypto/tls cipherSuitesPreferenceOrder,
 * with AES hardware): Go ignores the configured order and picks the first of this list that both
 * sides allow. We sort the configured suites by it and honour the server's order.
 */
export const GO_TLS12_PREFERENCE: readonly string[] = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  'TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_RSA_WITH_AES_128_CBC_SHA', 'TLS_RSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
  'TLS_RSA_WITH_AES_128_CBC_SHA256',
  'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA', 'TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_RC4_128_SHA',
];

/**
 * TLS 1.3 suites, in Go's order (defaultCipherSuitesTLS13 with AES hardware). Go does not let a
 * config choose TLS 1.3 suites: all three are always on whatever `cipher_suites` says.
 */
export const GO_TLS13_SUITES: readonly string[] = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

/** Go curve name → OpenSSL group name (ciphersuites.go curvePreferenceMap). */
export const CURVES: Readonly<Record<string, string>> = {
  X25519: 'X25519',
  CurveP256: 'P-256',
  CurveP384: 'P-384',
  CurveP521: 'P-521',
};

/** ciphersuites.go defaultCurvePreferences(). */
export const DEFAULT_CURVE_PREFERENCES: readonly string[] = ['X25519', 'CurveP256', 'CurveP384', 'CurveP521'];

/** The list of names the reference's `--help_tls` prints (it prints Go map order: random). */
export function availableCipherNames(): string[] {
  return Object.keys(CIPHER_SUITES);
}

export class TlsNameError extends Error {
  override name = 'TlsNameError';
  /** 'unknown': the reference refuses it too; 'unavailable': the reference accepts it, this OpenSSL cannot do it. */
  constructor(message: string, readonly kind: 'unknown' | 'unavailable', readonly value: string) {
    super(message);
  }
}

let available: Set<string> | null = null;
function opensslHas(name: string): boolean {
  available ??= new Set(nodeTls().getCiphers().map((c) => c.toLowerCase()));
  return available.has(name.toLowerCase());
}

/** One `cipher_suites` entry → its OpenSSL name; throws TlsNameError. */
export function cipherSuite(name: string): { openssl: string; tls13: boolean } {
  const c = CIPHER_SUITES[name];
  if (!c) throw new TlsNameError(`unrecognized cipher ${name}`, 'unknown', name);
  if (!opensslHas(c.openssl)) {
    throw new TlsNameError(`cipher suite ${name} is not available in this Node.js/OpenSSL (${c.openssl}); tsnats will not run with a different cipher than configured`, 'unavailable', name);
  }
  return c;
}

/** One `curve_preferences` entry → its OpenSSL group name; throws TlsNameError. */
export function curve(name: string): string {
  const g = CURVES[name];
  if (!g) throw new TlsNameError(`unrecognized curve preference ${name}`, 'unknown', name);
  return g;
}

/** A TLS 1.2 suite a server without a PSK callback never selects. */
export const NEVER_NEGOTIATED = 'PSK-AES128-GCM-SHA256';

/** What node:tls takes for a list of reference cipher names and curve names. */
export interface CipherSettings {
  /** For `ciphers`: the TLS 1.2 suites in Go's preference order (NEVER_NEGOTIATED when none), then the TLS 1.3 suites. */
  ciphers: string;
  /** For `ecdhCurve`: the groups in the configured order. */
  ecdhCurve: string;
  /** True when the configured suites allow no TLS 1.2 suite (only TLS 1.3 can then succeed, as with the reference); with no NEVER_NEGOTIATED available the caller sets minVersion TLSv1.3. */
  tls13Only: boolean;
}

/** The node:tls settings for the reference's `cipher_suites` and `curve_preferences` (defaults when absent). */
export function cipherSettings(cipherNames: readonly string[] = DEFAULT_CIPHER_SUITES, curveNames: readonly string[] = DEFAULT_CURVE_PREFERENCES): CipherSettings {
  const tls12 = new Set<string>();
  for (const n of cipherNames) {
    const c = cipherSuite(n);
    if (!c.tls13) tls12.add(n);
  }
  const ordered = GO_TLS12_PREFERENCE.filter((n) => tls12.has(n)).map((n) => CIPHER_SUITES[n]!.openssl);
  const groups = curveNames.map(curve);
  // With no TLS 1.2 suite, OpenSSL would turn TLS 1.2 off (a protocol_version alert); Go keeps it
  // on and fails with handshake_failure "no cipher suite supported by both client and server".
  // A PSK suite can never be chosen here (the server has no PSK callback): it keeps TLS 1.2 on
  // with nothing to agree on, which gives Go's alert.
  const tls12List = ordered.length > 0 ? ordered : opensslHas(NEVER_NEGOTIATED) ? [NEVER_NEGOTIATED] : [];
  return {
    ciphers: [...tls12List, ...GO_TLS13_SUITES].join(':'),
    ecdhCurve: [...new Set(groups)].join(':'),
    tls13Only: ordered.length === 0,
  };
}

/** Go's name for a negotiated suite (what /connz tls_cipher_suite shows), from Node's getCipher().standardName. */
export function goCipherName(standardName: string | undefined): string {
  if (!standardName) return '';
  if (standardName in CIPHER_SUITES) return standardName;
  // IANA names differ from Go's only in the CHACHA20 TLS 1.2 suites (…_CHACHA20_POLY1305_SHA256).
  const trimmed = standardName.replace(/_SHA256$/, '');
  if (trimmed in CIPHER_SUITES && trimmed.includes('CHACHA20')) return trimmed;
  return `Unknown [${standardName}]`;
}

/** Go's tlsVersion(): "1.2", "1.3" from Node's getProtocol() ("TLSv1.2"). */
export function goTlsVersion(protocol: string | null | undefined): string {
  const m = protocol?.match(/^TLSv(1(?:\.[0-3])?)$/);
  if (!m) return `Unknown [${protocol ?? ''}]`;
  return m[1] === '1' ? '1.0' : m[1]!;
}
