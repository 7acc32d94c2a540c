// Origin checks of the WebSocket upgrade, as websocket.go checkOrigin / wsSetOriginOptions:
// `same_origin` compares the Origin's host and port with the request's Host; `allowed_origins`
// compares scheme, host and port with a list. Without either, any Origin (or none) is accepted.
import { hostAndPort, parseURL } from './gourl.js';
import { headerGet, type HttpRequest } from './http.js';

interface Allowed {
  scheme: string;
  port: string;
}

export class OriginChecker {
  /** Keyed by lower-case host: a second entry for the same host replaces the first (a Go map). */
  private readonly allowed = new Map<string, Allowed>();

  /**
   * `errors` receives one line per allowed origin that cannot be parsed as a request URI (skipped,
   * as nats-server logs "error parsing allowed origin: …").
   */
  constructor(
    private readonly sameOrigin: boolean,
    allowedOrigins: readonly string[],
    errors: (line: string) => void = () => {},
  ) {
    for (const ao of allowedOrigins) {
      const p = parseURL(ao, true);
      if (p.error !== undefined) {
        errors(`error parsing allowed origin: ${p.error}`);
        continue;
      }
      const hp = hostAndPort(p.url.scheme === 'https', p.url.host);
      if ('error' in hp) {
        // wsSetOriginOptions ignores this error: the host is then empty.
        this.allowed.set('', { scheme: p.url.scheme, port: '' });
        continue;
      }
      this.allowed.set(hp.host, { scheme: p.url.scheme, port: hp.port });
    }
  }

  get active(): boolean {
    return this.sameOrigin || this.allowed.size > 0;
  }

  /** null when the request may proceed, else the reason (nats-server logs "origin not allowed: <reason>"). */
  check(req: HttpRequest, tls: boolean): string | null {
    if (!this.active) return null;
    let origin = headerGet(req.header, 'Origin');
    if (origin === '') origin = headerGet(req.header, 'Sec-Websocket-Origin');
    // No Origin: a client outside a browser (RFC 6455 §1.6), accepted.
    if (origin === '') return null;
    const p = parseURL(origin, true);
    if (p.error !== undefined) return p.error;
    const o = hostAndPort(p.url.scheme === 'https', p.url.host);
    if ('error' in o) return o.error;
    if (this.sameOrigin) {
      const r = hostAndPort(tls, req.host);
      if ('error' in r) return r.error;
      if (o.host !== r.host || o.port !== r.port) return 'not same origin';
    }
    if (this.allowed.size > 0) {
      const a = this.allowed.get(o.host);
      if (a === undefined || p.url.scheme !== a.scheme || o.port !== a.port) return 'not in the allowed list';
    }
    return null;
  }
}

/** The config check of one allowed origin (validateWebsocketOptions uses url.Parse): null if valid. */
export function allowedOriginError(ao: string): string | null {
  const p = parseURL(ao, false);
  return p.error === undefined ? null : `unable to parse allowed origin: ${p.error}`;
}
