// Routes over TLS (route.go createRoute → client.go doTLSHandshake; opts.go getTLSConfig): the
// handshake comes first on every route connection, before CONNECT and INFO; the accepting side is
// the TLS server, the dialling side the TLS client. Both present the same certificate and both
// verify the other against `ca_file`: a route always requires and verifies the peer's certificate
// (RequireAndVerifyClientCert, whatever `verify` says), and the dialler checks the URL's host
// unless `insecure`. Built at start and on a reload; routes already up keep their session.
import { TsnatsError } from '../errors.js';
import type { TlsConfig } from '../tls/options.js';
import type { ConnectionOptions } from 'node:tls';
import { ClientTls } from '../transport/tls.js';

/** clusterTLSInsecureWarning (route.go). */
export const CLUSTER_TLS_INSECURE_WARNING = 'TLS certificate chain and hostname of solicited routes will not be verified. DO NOT USE IN PRODUCTION!';

export class RouteTls {
  /** The accepting side: a TLS server that requires and verifies the peer's certificate. */
  readonly server: ClientTls;
  /** The dialling side: our certificate, the CA, the ciphers and versions. */
  readonly client: ConnectionOptions;
  readonly timeoutMs: number;
  readonly insecure: boolean;
  readonly pinned: ReadonlySet<string> | null;
  /** verify_and_map: a peer is authorized by its certificate against the cluster's user. */
  readonly map: boolean;
  /** verify_cert_and_check_known_urls: a DNS SAN matching a configured route's host authorizes it. */
  readonly checkKnownUrls: boolean;

  /** Throws TsnatsError('TLS_CONFIG') with the reference's text for files or settings it refuses. */
  constructor(readonly cfg: TlsConfig) {
    try {
      // The 2.10 extensions do not apply to routes: the handshake is always first, never throttled.
      this.server = new ClientTls({ ...cfg, verify: true, rateLimit: 0, handshakeFirst: false });
    } catch (e) {
      throw new TsnatsError('TLS_CONFIG', (e as Error).message);
    }
    const { cert, key, ca, ciphers, ecdhCurve, minVersion, maxVersion, secureOptions } = this.server.contextOptions;
    this.client = { cert, key, ca, ciphers, ecdhCurve, minVersion, maxVersion, secureOptions };
    this.timeoutMs = this.server.timeoutMs;
    this.insecure = !!cfg.insecure;
    this.pinned = this.server.pinned;
    this.map = !!cfg.verifyAndMap;
    this.checkKnownUrls = !!cfg.checkKnownUrls;
  }
}
