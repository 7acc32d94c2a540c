// The reference logs a failed handshake as `[ERR] <client> - TLS handshake error: <Go error>` and
// closes with "TLS Handshake Failure". These turn what Node/OpenSSL report into the Go error text
// nats-server 2.9.10 prints for the same event (captured in docs/reference/tls-2.9.10.md), so logs
// read the same. Where Node does not say enough (a missing peer cert after Node destroyed the
// socket, a record length), the text is the reference's without that detail.
import type { ParsedCert } from './x509.js';

/** crypto/tls alert.go alertText (Go 1.19): alert number → description. */
export const GO_ALERT_TEXT: Readonly<Record<number, string>> = {
  0: 'close notify', 10: 'unexpected message', 20: 'bad record MAC', 21: 'decryption failed',
  22: 'record overflow', 30: 'decompression failure', 40: 'handshake failure', 42: 'bad certificate',
  43: 'unsupported certificate', 44: 'revoked certificate', 45: 'expired certificate', 46: 'unknown certificate',
  47: 'illegal parameter', 48: 'unknown certificate authority', 49: 'access denied', 50: 'error decoding message',
  51: 'error decrypting message', 60: 'export restriction', 70: 'protocol version not supported',
  71: 'insufficient security level', 80: 'internal error', 86: 'inappropriate fallback', 90: 'user canceled',
  100: 'no renegotiation', 109: 'missing extension', 110: 'unsupported extension', 111: 'certificate unobtainable',
  112: 'unrecognized name', 113: 'bad certificate status response', 114: 'bad certificate hash value',
  115: 'unknown PSK identity', 116: 'certificate required', 120: 'no application protocol',
};

/** Go's alert.String(): "tls: bad certificate", or "tls: alert(N)". */
export function goAlert(n: number): string {
  const t = GO_ALERT_TEXT[n];
  return t ? `tls: ${t}` : `tls: alert(${n})`;
}

export interface HandshakeErrorContext {
  /** The server's end, for Go's net.OpError text ("read tcp <local>-><remote>: …"). */
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
  /** The peer's leaf certificate when it is still known (for the expiry text). */
  peer?: ParsedCert | null;
  now?: Date;
}

function tcpPair(ctx: HandshakeErrorContext): string {
  return `${hostPort(ctx.localAddress, ctx.localPort)}->${hostPort(ctx.remoteAddress, ctx.remotePort)}`;
}

function hostPort(a = '', p = 0): string {
  const host = a.startsWith('::ffff:') ? a.slice(7) : a;
  return host.includes(':') ? `[${host}]:${p}` : `${host}:${p}`;
}

/** The handshake deadline passed: "read tcp 127.0.0.1:4222->127.0.0.1:50000: i/o timeout". */
export function goTimeoutText(ctx: HandshakeErrorContext): string {
  return `read tcp ${tcpPair(ctx)}: i/o timeout`;
}

/** time.RFC3339 in UTC without fractions, as x509 prints times. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Node's verify error code (tlsSocket.authorizationError) → Go's text after
 * "tls: failed to verify client certificate: ".
 */
export function goX509Text(code: string, peer?: ParsedCert | null, now: Date = new Date()): string {
  switch (code) {
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_CHAIN_TOO_LONG':
    case 'INVALID_CA':
    case 'CERT_SIGNATURE_FAILURE':
      return 'x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
      return peer
        ? `x509: certificate has expired or is not yet valid: current time ${rfc3339(now)} is after ${rfc3339(peer.notAfter)}`
        : 'x509: certificate has expired or is not yet valid';
    case 'CERT_NOT_YET_VALID':
      return peer
        ? `x509: certificate has expired or is not yet valid: current time ${rfc3339(now)} is before ${rfc3339(peer.notBefore)}`
        : 'x509: certificate has expired or is not yet valid';
    case 'INVALID_PURPOSE':
      return 'x509: certificate specifies an incompatible key usage';
    default:
      return `x509: ${code}`;
  }
}

/** "tls: failed to verify client certificate: x509: …" (handshake_server.go processCertsFromClient). */
export function goVerifyErrorText(code: string, peer?: ParsedCert | null, now?: Date): string {
  return `tls: failed to verify client certificate: ${goX509Text(code, peer, now)}`;
}

/** OpenSSL reason codes (err.code from node:tls) → Go's handshake error for the same condition. */
const OPENSSL_TO_GO: Readonly<Record<string, string>> = {
  ERR_SSL_NO_SHARED_CIPHER: 'tls: no cipher suite supported by both client and server',
  ERR_SSL_NO_SUITABLE_KEY_SHARE: 'tls: no ECDHE curve supported by both client and server',
  ERR_SSL_NO_SHARED_GROUPS: 'tls: no ECDHE curve supported by both client and server',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'tls: client offered only unsupported versions',
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: "tls: client didn't provide a certificate",
  ERR_SSL_WRONG_VERSION_NUMBER: 'tls: first record does not look like a TLS handshake',
  ERR_SSL_HTTP_REQUEST: 'tls: first record does not look like a TLS handshake',
  ERR_SSL_HTTPS_PROXY_REQUEST: 'tls: first record does not look like a TLS handshake',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'tls: oversized record received',
  ERR_SSL_RECORD_LENGTH_MISMATCH: 'tls: oversized record received',
  ERR_SSL_UNEXPECTED_MESSAGE: 'tls: unexpected message',
  ERR_SSL_UNEXPECTED_RECORD: 'tls: unexpected message',
  ERR_SSL_LENGTH_MISMATCH: 'tls: error decoding message',
  ERR_SSL_BAD_PACKET_LENGTH: 'tls: error decoding message',
  ERR_SSL_NO_RENEGOTIATION: 'tls: no renegotiation',
};

/**
 * The text after "TLS handshake error: " for an error node:tls reported on a server socket during
 * the handshake (a 'tlsClientError' or a TLSSocket 'error'), with `authorizationError` when Node
 * rejected the client's certificate.
 */
export function goHandshakeErrorText(err: unknown, ctx: HandshakeErrorContext = {}, authorizationError?: string | null): string {
  if (authorizationError) return goVerifyErrorText(authorizationError, ctx.peer, ctx.now);
  const e = err as NodeJS.ErrnoException | undefined;
  const code = e?.code ?? '';
  const alert = /SSL alert number (\d+)/.exec(e?.message ?? '');
  if (alert) return `remote error: ${goAlert(Number(alert[1]))}`;
  if (code in OPENSSL_TO_GO) return OPENSSL_TO_GO[code]!;
  if (code === 'ECONNRESET') {
    // A peer that resets mid-handshake; Node also uses ECONNRESET "socket hang up" for a plain EOF.
    return /hang up/.test(e?.message ?? '') ? 'EOF' : `read tcp ${tcpPair(ctx)}: read: connection reset by peer`;
  }
  if (code === 'ETIMEDOUT') return goTimeoutText(ctx);
  if (code === 'EPIPE') return `write tcp ${tcpPair(ctx)}: write: broken pipe`;
  const reason = /:([a-z0-9 ]+):[^:]*:\d+:/i.exec(e?.message ?? '');
  return reason ? `tls: ${reason[1]}` : `tls: ${e?.message ?? String(err)}`;
}

/** Go's matchHostnames: case-insensitive, a `*` only as the whole leftmost label, a trailing dot ignored. */
function matchHostname(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === '' || h === '') return false;
  const pp = p.split('.');
  const hp = h.split('.');
  if (pp.length !== hp.length) return false;
  return pp.every((part, i) => (i === 0 && part === '*') || part === hp[i]);
}

/** An IP literal in the form x509.ts prints SANs (dotted quad, RFC 5952 IPv6), or null for a name. */
function ipForm(host: string): string | null {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(h)) return h.split('.').every((o) => Number(o) <= 255) ? h.split('.').map(Number).join('.') : null;
  if (!h.includes(':')) return null;
  try {
    return new URL(`http://[${h}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

/**
 * x509 Certificate.VerifyHostname (Go 1.19): null when the peer's certificate covers `host` (an IP
 * against its IP SANs, a name against its DNS SANs), else HostnameError's text, e.g.
 * `x509: certificate is valid for 10.255.255.1, not 127.0.0.1`.
 */
export function goVerifyHostname(cert: ParsedCert, host: string): string | null {
  const ip = ipForm(host);
  if (ip !== null) {
    if (cert.ipAddresses.includes(ip)) return null;
  } else if (cert.dnsNames.some((d) => matchHostname(d, host))) return null;
  const shown = ip ?? host;
  const hasSans = cert.dnsNames.length + cert.ipAddresses.length + cert.emailAddresses.length + cert.uris.length > 0;
  const cn = cert.subject.flat().find((a) => a.oid === '2.5.4.3')?.value ?? '';
  if (!hasSans && cn !== '' && matchHostname(cn, shown)) return 'x509: certificate relies on legacy Common Name field, use SANs instead';
  let valid: string;
  if (ip !== null) {
    if (cert.ipAddresses.length === 0) return `x509: cannot validate certificate for ${shown} because it doesn't contain any IP SANs`;
    valid = cert.ipAddresses.join(', ');
  } else valid = cert.dnsNames.join(', ');
  if (valid === '') return `x509: certificate is not valid for any names, but wanted to match ${shown}`;
  return `x509: certificate is valid for ${valid}, not ${shown}`;
}
