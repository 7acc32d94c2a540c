// TLS on the client port, as nats-server 2.9.10 does it (server.go createClient, client.go
// doTLSHandshake, tlsTimeout; docs/reference/tls-2.9.10.md): INFO in plaintext, then the handshake
// at once under one deadline (tls.timeout), Go's answers to openings that are not TLS
// (tls/first-record.ts), pinned_certs after the handshake, and the reference's log lines. Only then
// does the connection start reading NATS and arm its auth and ping timers (Client.startReading).
//
// How: the accepted socket is read here until its first record is judged; a TLS opening is pushed
// back into the socket and handed to a tls.Server with emit('connection', raw), which wraps it and
// reports the outcome ('secureConnection' or 'tlsClientError', with Node's authorizationError).
// Extensions over 2.9.10: handshake_first (2.10; the handshake before INFO, with an optional
// fallback delay) and min_version (2.11).
import type { Socket } from 'node:net';
import { createServer as createTlsServer, type SecureContextOptions, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';
import { buildSecureContextOptions, checkPinned, ERR_CERT_NOT_PINNED, type TlsConfig } from '../tls/options.js';
import { goHandshakeErrorText, goTimeoutText, type HandshakeErrorContext } from '../tls/errors.js';
import { firstRecordVerdict } from '../tls/first-record.js';
import { goCipherName, goTlsVersion } from '../tls/names.js';
import { parseCertificate, type ParsedCert } from '../tls/x509.js';
import { certInfo, type CertInfo } from '../tls/certinfo.js';
import { tlsWrapped } from '../node-internals.js';
import { Timer } from '../timers.js';
import { ClosedState } from '../errors.js';
import type { Client } from '../server/client.js';

/** What a connection's TLS session is, once the handshake succeeded (/connz, verify_and_map). */
export interface ClientTlsInfo {
  /** Go's form: "1.2", "1.3". */
  version: string;
  /** Go's suite name (TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305). */
  cipher: string;
  /** The peer's certificates as DER, leaf first (empty without a client certificate). */
  peerCerts: Uint8Array[];
  /** The leaf parsed (null without one, or when it does not parse: verify_and_map then fails closed). */
  peer: ParsedCert | null;
  /** The handshake came before INFO (handshake_first). */
  first: boolean;
}

/** Why a TLS connection failed, for metrics and /connz (tsnats extension). */
export type TlsFailure = 'timeout' | 'not_tls' | 'no_certificate' | 'untrusted' | 'expired' | 'not_pinned' | 'protocol' | 'closed' | 'throttled' | 'unmapped';

/** The reference's -ERR for a throttled TLS connection (server.go createClient). */
export const ERR_THROTTLED = 'Connection throttling is active. Please try again later.';


/**
 * The client port's TLS: the settings from tls {} and the tls.Server that runs the handshakes.
 * Built at start and on a reload that changes TLS (new connections use the new one; open ones
 * keep their session). Throws TlsConfigError / TlsNameError for a configuration the reference
 * refuses, with its text.
 */
export class ClientTls {
  readonly server: TlsServer;
  /** The certificate, key and CA as node:tls takes them (also for the HTTPS monitor). */
  readonly contextOptions: SecureContextOptions;
  readonly timeoutMs: number;
  readonly pinned: ReadonlySet<string> | null;
  /** The serving certificate chain (leaf first) for /metrics and start-up checks. */
  readonly chain: CertInfo[];
  /**
   * A digest of what makes the TLS context: the files' contents and the settings of tls.Config
   * (not timeout, verify_and_map, pinned_certs, rate limit). A reload compares it.
   */
  readonly contextDigest: string;
  /** handshake_first: off, always, or the fallback delay (ms) before INFO goes out in plaintext. */
  readonly handshakeFirst: 'off' | 'on' | number;
  /** A certificate is configured (`tls {}` without one is valid; every handshake then fails, as the reference). */
  readonly hasCert: boolean;
  private readonly rate: RateCounter | null;

  constructor(readonly cfg: TlsConfig) {
    const s = buildSecureContextOptions(cfg);
    this.hasCert = s.leaf !== null;
    const { cert, key, ca, ciphers, ecdhCurve, honorCipherOrder, minVersion, maxVersion, secureOptions } = s.options;
    this.contextOptions = { cert, key, ca, ciphers, ecdhCurve, honorCipherOrder, minVersion, maxVersion, secureOptions };
    this.timeoutMs = s.timeoutMs;
    const p = cfg.pinnedCerts;
    this.pinned = p ? (p instanceof Set ? (p as ReadonlySet<string>) : new Set(p as readonly string[])) : null;
    if (this.pinned?.size === 0) this.pinned = null;
    const hf = cfg.handshakeFirst;
    this.handshakeFirst = hf === true ? 'on' : typeof hf === 'object' && hf !== null ? Math.max(0, hf.fallbackMs) : 'off';
    this.rate = cfg.rateLimit && cfg.rateLimit > 0 ? new RateCounter(cfg.rateLimit) : null;
    this.chain = [];
    const pem = typeof s.options.cert === 'string' ? s.options.cert : '';
    if (s.leaf) {
      for (const block of pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []) {
        try {
          this.chain.push(certInfo(Buffer.from(block.replace(/-----[^-]+-----|\s/g, ''), 'base64')));
        } catch {
          /* a chain entry Node accepted but our reader does not: left out of the report */
        }
      }
    }
    const h = createHash('sha256');
    h.update(JSON.stringify([cfg.certFile, cfg.keyFile, cfg.caFile, !!(cfg.verify || cfg.verifyAndMap), !!cfg.insecure, cfg.cipherSuites, cfg.curvePreferences, cfg.minVersion, cfg.handshakeFirst]));
    for (const k of ['cert', 'key', 'ca'] as const) h.update(String(s.options[k] ?? '')).update('\0');
    this.contextDigest = h.digest('hex');
    // Node's own handshake timer (120 s by default) must never fire before ours.
    const handshakeTimeout = Math.min(2 ** 31 - 1, this.timeoutMs + 60_000);
    this.server = createTlsServer({ ...s.options, handshakeTimeout });
    this.server.on('secureConnection', (ts: TLSSocket) => handshakeOf(ts)?.secure(ts));
    this.server.on('tlsClientError', (err: NodeJS.ErrnoException, ts: TLSSocket) => handshakeOf(ts)?.failed(err, ts));
  }

  /**
   * connection_rate_limit: may another TLS connection start now? Refusals are logged once a
   * second at most, as the reference's ticker does (`Rejected N connections due to TLS rate limiting`).
   */
  allow(log: (line: string) => void): boolean {
    const r = this.rate;
    if (r === null || r.allow()) return true;
    if (this.rateReport === null) {
      this.rateReport = new Timer(() => {
        this.rateReport = null;
        const n = r.blocked;
        r.blocked = 0;
        if (n > 0) log(`Rejected ${n} connections due to TLS rate limiting`);
      }, 1000);
    }
    return false;
  }

  private rateReport: Timer | null = null;
}

/** The reference's rateCounter: at most `limit` per one-second window. */
class RateCounter {
  private count = 0;
  private end = 0;
  blocked = 0;
  constructor(private readonly limit: number) {}
  allow(): boolean {
    const now = Date.now();
    if (now > this.end) {
      this.count = 0;
      this.end = now + 1000;
    } else this.count++;
    const ok = this.count < this.limit;
    if (!ok) this.blocked++;
    return ok;
  }
}

const handshakes = new WeakMap<object, Handshake>();

/** A listener that keeps nothing alive (the raw socket outlives its handshake). */
function ignore(): void {}

function handshakeOf(ts: TLSSocket): Handshake | undefined {
  const raw = tlsWrapped(ts);
  return raw === null ? undefined : handshakes.get(raw);
}

/**
 * Starts TLS for a connection just accepted on the client port (its socket still paused): INFO
 * and the handshake in the configured order, or plaintext with allow_non_tls. The connection
 * reads NATS once this calls c.startReading().
 */
export function startClientTls(c: Client, raw: Socket, tls: ClientTls, allowNonTls: boolean): void {
  const h = new Handshake(c, raw, tls);
  if (tls.handshakeFirst === 'on') return h.begin(true);
  if (typeof tls.handshakeFirst === 'number') return h.firstOrFallback(tls.handshakeFirst, allowNonTls);
  h.infoThenTls(allowNonTls);
}

/**
 * The server side of a TLS handshake that comes before any protocol (route.go createRoute →
 * doTLSHandshake for an accepted route): `typ` names it in the logs (`Starting TLS route server
 * handshake`, `TLS route handshake error: …`). The connection reads once this calls
 * c.startReading().
 */
export function startServerTls(c: Client, raw: Socket, tls: ClientTls, typ: string): void {
  new Handshake(c, raw, tls, typ).begin(false);
}

class Handshake {
  private timer: Timer | null = null;
  private tlsSocket: TLSSocket | null = null;
  private done = false;
  private first = false;
  private gate: Buffer = Buffer.alloc(0);
  private readonly ctx: HandshakeErrorContext;
  private readonly onGateData = (d: Buffer) => this.gateData(d);
  private readonly onRawEnd = () => this.fail('closed', 'EOF');
  // Node closes the raw socket before it reports why (a refused client certificate comes as
  // 'tlsClientError' just after): let that come first.
  private readonly onRawClose = () => {
    setImmediate(() => {
      if (!this.done) this.fail('closed', 'EOF');
    });
  };

  /** `typ`: null on the client port, else the kind of connection (`route`) for the logs. */
  constructor(readonly c: Client, readonly raw: Socket, readonly tls: ClientTls, readonly typ: string | null = null) {
    this.ctx = { localAddress: raw.localAddress, localPort: raw.localPort, remoteAddress: raw.remoteAddress, remotePort: raw.remotePort };
    raw.on('error', ignore); // the outcome is reported by the handshake or the close
    raw.on('close', this.onRawClose);
  }

  /** The reference's order: INFO (plaintext), then the handshake; with allow_non_tls, a peek first. */
  infoThenTls(allowNonTls: boolean): void {
    const c = this.c;
    c.sendInfo();
    c.flush(); // INFO is on the wire before any TLS byte (sendProtoNow)
    if (c.closed) return;
    if (allowNonTls) return this.peek();
    this.begin(false);
  }

  /**
   * handshake_first with a fallback delay: a client that speaks within `ms` gets TLS first;
   * one that waits for INFO gets it in plaintext and the normal sequence (2.10's "auto").
   */
  firstOrFallback(ms: number, allowNonTls: boolean): void {
    const raw = this.raw;
    const onData = (d: Buffer) => {
      raw.pause();
      raw.off('data', onData);
      t.clear();
      raw.unshift(d);
      this.begin(true);
    };
    const t = new Timer(() => {
      raw.off('data', onData);
      raw.pause();
      if (!this.c.closed) this.infoThenTls(allowNonTls);
    }, ms);
    this.timer = t;
    raw.on('data', onData);
    raw.resume();
  }

  /**
   * allow_non_tls: read up to 4 bytes within the TLS timeout; 0x16 first means TLS, anything else
   * (or nothing) plaintext, and the bytes are parsed as NATS (server.go createClient).
   */
  private peek(): void {
    const raw = this.raw;
    let got: Buffer = Buffer.alloc(0);
    const decide = () => {
      t.clear();
      raw.off('data', onData);
      raw.pause();
      if (this.c.closed) return;
      if (got.length > 0 && got[0] === 0x16) {
        raw.unshift(got);
        this.begin(false);
        return;
      }
      this.done = true;
      this.detach();
      if (got.length > 0) raw.unshift(got);
      this.c.startReading(raw, false);
    };
    const onData = (d: Buffer) => {
      got = got.length ? Buffer.concat([got, d]) : d;
      if (got.length >= 4) decide();
    };
    const t = new Timer(decide, this.tls.timeoutMs);
    this.timer = t;
    raw.on('data', onData);
    raw.resume();
  }

  /** The handshake, under one deadline; the first record is judged as Go judges it. */
  begin(first: boolean): void {
    const c = this.c;
    if (c.closed) return;
    if (!this.tls.allow((l) => { if (c.server.running) c.server.log.warn(l); })) {
      if (first) {
        c.sendInfo();
        c.flush();
      }
      c.sendErr(ERR_THROTTLED);
      this.done = true;
      this.detach();
      c.server.emit('client:tls_error', c, 'throttled');
      c.closeConnection(ClosedState.MaxConnectionsExceeded);
      return;
    }
    this.first = first;
    c.debug(this.typ === null ? 'Starting TLS client connection handshake' : `Starting TLS ${this.typ} server handshake`);
    this.timer?.clear();
    this.timer = new Timer(() => this.timeout(), this.tls.timeoutMs);
    handshakes.set(this.raw, this);
    this.raw.on('end', this.onRawEnd);
    this.raw.on('data', this.onGateData);
    this.raw.resume();
  }

  private gateData(d: Buffer): void {
    if (this.done) return;
    this.gate = this.gate.length ? Buffer.concat([this.gate, d]) : d;
    const v = firstRecordVerdict(this.gate);
    if (v.kind === 'need-more') {
      // A client that sends more than a record header's worth of nothing useful is judged on what it sent.
      return;
    }
    const raw = this.raw;
    raw.off('data', this.onGateData);
    raw.pause();
    if (v.kind === 'refuse') {
      if (v.reply && !raw.destroyed) raw.write(v.reply);
      this.fail('not_tls', v.log, false);
      return;
    }
    if (!this.tls.hasCert) {
      // Go answers the ClientHello with alert unrecognized_name (112), record version 03 03 (captured).
      if (!raw.destroyed) raw.write(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 112]));
      this.fail('protocol', 'tls: no certificates configured', false);
      return;
    }
    // node:tls reads what is buffered in the socket when it wraps it: nothing read here is lost.
    raw.unshift(this.gate);
    this.gate = Buffer.alloc(0);
    this.tls.server.emit('connection', raw);
  }

  /** 'secureConnection': the handshake succeeded (Node verified the client certificate if asked). */
  secure(ts: TLSSocket): void {
    if (this.done) {
      ts.destroy();
      return;
    }
    this.tlsSocket = ts;
    const c = this.c;
    const chain = peerChain(ts);
    const peer = chain.length > 0 ? safeParse(chain[0]!) : null;
    const pin = checkPinned(chain[0] ?? null, this.tls.pinned);
    if (!pin.ok) {
      c.debug(pin.debug!);
      this.fail('not_pinned', ERR_CERT_NOT_PINNED);
      return;
    }
    this.done = true;
    this.detach();
    const cipher = goCipherName(ts.getCipher()?.standardName);
    const version = goTlsVersion(ts.getProtocol());
    c.debug('TLS handshake complete');
    c.debug(`TLS version ${version}, cipher suite ${cipher}`);
    c.tls = { version, cipher, peerCerts: chain, peer, first: this.first };
    ts.on('error', ignore); // until the connection's own handlers are on
    c.startReading(ts, false);
    if (this.first && !c.closed) c.sendInfo();
  }

  /** 'tlsClientError': OpenSSL refused the handshake (or Node refused the client certificate). */
  failed(err: NodeJS.ErrnoException, ts: TLSSocket): void {
    this.tlsSocket = ts;
    if (this.done) {
      ts.destroy();
      return;
    }
    const authErr = (ts as unknown as { authorizationError?: string | null }).authorizationError ?? null;
    this.fail(classify(err, authErr), goHandshakeErrorText(err, this.ctx, authErr));
  }

  /**
   * The deadline passed: the read deadline's `TLS handshake error: read tcp …: i/o timeout` and a
   * close. (The reference also arms a timer that would log `TLS handshake timeout` and trace an
   * -ERR that never reaches the wire; the read deadline usually closes the connection first, and
   * then that timer says nothing.)
   */
  private timeout(): void {
    if (this.done) return;
    this.fail('timeout', goTimeoutText(this.ctx), true, true);
  }

  /** Logs `TLS handshake error: <text>` and closes with TLS Handshake Failure. */
  private fail(cause: TlsFailure, text: string, destroy = true, timedOut = false): void {
    if (this.done) return;
    this.done = true;
    this.detach();
    const c = this.c;
    if (c.closed) return;
    c.tlsError = timedOut ? `TLS handshake timeout (${text})` : text;
    this.tlsSocket?.destroy();
    if (this.typ !== null) {
      // doTLSHandshake for routes: the read deadline's error, the close, and then the timer's line.
      c.error(`TLS ${this.typ} handshake error: ${text}`);
      c.closeConnection(ClosedState.TLSHandshakeError, destroy);
      if (timedOut) c.error('TLS handshake timeout');
      return;
    }
    c.error(`TLS handshake error: ${text}`);
    c.server.emit('client:tls_error', c, cause);
    c.closeConnection(ClosedState.TLSHandshakeError, destroy);
  }

  private detach(): void {
    this.timer?.clear();
    this.timer = null;
    const raw = this.raw;
    raw.off('data', this.onGateData);
    raw.off('end', this.onRawEnd);
    raw.off('close', this.onRawClose);
    handshakes.delete(raw);
  }
}

/** The peer's certificates (DER, leaf first), as Node reports the chain it verified. */
export function peerChain(ts: TLSSocket): Uint8Array[] {
  const out: Uint8Array[] = [];
  let cert = ts.getPeerCertificate(true) as { raw?: Buffer; issuerCertificate?: unknown } | null;
  const seen = new Set<object>();
  while (cert && cert.raw && !seen.has(cert)) {
    seen.add(cert);
    out.push(new Uint8Array(cert.raw));
    const next = cert.issuerCertificate as typeof cert;
    if (!next || next === cert) break;
    cert = next;
  }
  return out;
}

export function safeParse(der: Uint8Array): ParsedCert | null {
  try {
    return parseCertificate(der);
  } catch {
    return null;
  }
}

/** The failure's kind, from Node's verify code or OpenSSL's reason. */
function classify(err: NodeJS.ErrnoException, authErr: string | null): TlsFailure {
  if (authErr === 'CERT_HAS_EXPIRED' || authErr === 'CERT_NOT_YET_VALID') return 'expired';
  if (authErr) return 'untrusted';
  const code = err?.code ?? '';
  if (code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') return 'no_certificate';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'closed';
  if (code === 'ERR_SSL_HTTP_REQUEST' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') return 'not_tls';
  return 'protocol';
}
