// The client side of a TLS handshake on a connection the server dialled (client.go doTLSHandshake
// with solicit=true; route.go createRoute for a solicited route): the handshake comes before any
// protocol, under one deadline; the peer's certificate is verified as Go's crypto/tls client does
// (expiry, then the host name of the URL, then the chain against the CA), unless `insecure`;
// pinned_certs after. Errors are logged as the reference logs them:
// `TLS <typ> handshake error: <Go's text>` and a close with TLS Handshake Failure.
//
// How: node:tls verifies a server certificate only after the handshake (OpenSSL runs with
// SSL_VERIFY_NONE on the client side and Node checks the result in 'secureConnect'): so the checks
// run there, on `authorizationError` and the parsed leaf. A consequence (docs/cluster.md): a peer
// we refuse sees a completed handshake and a close, not Go's `bad certificate` alert.
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { checkPinned } from '../tls/options.js';
import { goHandshakeErrorText, goTimeoutText, goVerifyHostname, goX509Text, type HandshakeErrorContext } from '../tls/errors.js';
import { goCipherName, goTlsVersion } from '../tls/names.js';
import type { ParsedCert } from '../tls/x509.js';
import { peerChain, safeParse } from './tls.js';
import { Timer } from '../timers.js';
import { ClosedState } from '../errors.js';
import type { Client } from '../server/client.js';

export interface DialTlsOptions {
  /** node:tls client options: cert, key, ca, ciphers, curves, versions (tls/options.ts buildSecureContextOptions). */
  context: ConnectionOptions;
  /** The name the peer's certificate must cover (tls.Config.ServerName): the URL's host or the saved TLS name. */
  serverName: string;
  /** `insecure`: neither the chain nor the host name is checked (InsecureSkipVerify). */
  insecure: boolean;
  timeoutMs: number;
  pinned: ReadonlySet<string> | null;
  /** For the logs: `Starting TLS <typ> client handshake`, `TLS <typ> handshake error: …`. */
  typ: string;
  /** The failure was a host name mismatch (the caller may forget a saved TLS name, as route.go does). */
  onHostnameError?: () => void;
}

/**
 * Starts the handshake on `raw` (a connected socket, not read yet) for connection `c`. On success
 * the connection reads NATS from the TLS socket (c.startReading); on failure it is closed.
 */
export function startDialTls(c: Client, raw: Socket, o: DialTlsOptions): void {
  const ctx: HandshakeErrorContext = { localAddress: raw.localAddress, localPort: raw.localPort, remoteAddress: raw.remoteAddress, remotePort: raw.remotePort };
  let done = false;
  c.debug(`Starting TLS ${o.typ} client handshake`);
  const ts: TLSSocket = tlsConnect({
    ...o.context,
    socket: raw,
    // No SNI for an IP (as Go); the certificate is checked against serverName below either way.
    servername: isIP(o.serverName) === 0 && o.serverName !== '' ? o.serverName : undefined,
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
  });
  const fail = (text: string, timedOut = false) => {
    if (done) return;
    done = true;
    timer.clear();
    ts.removeListener('error', onError);
    ts.on('error', ignore);
    ts.destroy();
    if (c.closed) return;
    c.tlsError = timedOut ? `TLS handshake timeout (${text})` : text;
    c.error(`TLS ${o.typ} handshake error: ${text}`);
    c.closeConnection(ClosedState.TLSHandshakeError, true);
    if (timedOut) c.error('TLS handshake timeout');
  };
  const onError = (err: NodeJS.ErrnoException) => fail(goHandshakeErrorText(err, ctx));
  const timer = new Timer(() => fail(goTimeoutText(ctx), true), o.timeoutMs);
  ts.on('error', onError);
  ts.once('close', () => setImmediate(() => fail('EOF')));
  ts.once('secureConnect', () => {
    if (done) return;
    const chain = peerChain(ts);
    const leaf = chain.length > 0 ? safeParse(chain[0]!) : null;
    if (!o.insecure) {
      const why = verifyPeer(ts, leaf, o.serverName);
      if (why !== null) {
        if (why.hostname) o.onHostnameError?.();
        return fail(why.text);
      }
    }
    const pin = checkPinned(chain[0] ?? null, o.pinned);
    if (!pin.ok) {
      c.debug(pin.debug!);
      return fail('certificate not pinned');
    }
    done = true;
    timer.clear();
    ts.removeListener('error', onError);
    ts.on('error', ignore); // until the connection's own handlers are on
    if (c.closed) return void ts.destroy();
    const version = goTlsVersion(ts.getProtocol());
    const cipher = goCipherName(ts.getCipher()?.standardName);
    c.debug('TLS handshake complete');
    c.debug(`TLS version ${version}, cipher suite ${cipher}`);
    c.tls = { version, cipher, peerCerts: chain, peer: leaf, first: true };
    c.startReading(ts, false);
  });
}

function ignore(): void {}

/**
 * Go's order (x509 Certificate.Verify): the leaf's validity period, then the host name, then the
 * chain; null when the peer passes.
 */
function verifyPeer(ts: TLSSocket, leaf: ParsedCert | null, serverName: string): { text: string; hostname?: boolean } | null {
  if (leaf === null) return { text: ts.authorizationError ? goX509Text(String(ts.authorizationError)) : 'tls: server did not send a certificate' };
  const now = new Date();
  if (now < leaf.notBefore) return { text: goX509Text('CERT_NOT_YET_VALID', leaf, now) };
  if (now > leaf.notAfter) return { text: goX509Text('CERT_HAS_EXPIRED', leaf, now) };
  if (serverName !== '') {
    const h = goVerifyHostname(leaf, serverName);
    if (h !== null) return { text: h, hostname: true };
  }
  const code = ts.authorizationError;
  if (code) return { text: goX509Text(String(code), leaf, now) };
  return null;
}
