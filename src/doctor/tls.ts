// The doctor's TLS probe: connect to a listener as a client would (any NATS server: tsnats or
// nats-server), read INFO, start TLS when the server offers it (or the handshake first when the
// server waits for it: handshake_first), and note the certificate chain it serves and whether that
// chain verifies for the host name clients use. The certificates are judged by the checks
// (TLS_001 expiry, TLS_002 host name), not here.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import { certInfo, coversHost, type CertInfo } from '../tls/certinfo.js';

/** Client-side TLS settings of the doctor (--tlsca, --tlscert, --tlskey). */
export interface DoctorTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** What one listener serves. */
export interface TlsProbe {
  /** 'client' (the NATS port) or 'monitor' (HTTPS monitoring). */
  listener: 'client' | 'monitor';
  host: string;
  port: number;
  /** The listener speaks TLS (required, available, or handshake first). */
  tls: boolean;
  /** INFO said tls_required / tls_available (client port only). */
  tlsRequired?: boolean;
  tlsAvailable?: boolean;
  /** The handshake came before INFO (the server waits for it: handshake_first). */
  handshakeFirst?: boolean;
  /** The served chain, leaf first (empty when TLS failed). */
  chain: CertInfo[];
  /** The leaf covers `host` (Go's VerifyHostname rules). */
  coversHost?: boolean;
  /** The chain verified against the given CA (or the system roots): '' when it did. */
  verifyError?: string;
  protocol?: string;
  /** Why the probe could not complete. */
  error?: string;
}

function peerChain(t: TLSSocket): CertInfo[] {
  const out: CertInfo[] = [];
  let c = t.getPeerCertificate(true) as PeerCertificate & { issuerCertificate?: PeerCertificate };
  const seen = new Set<object>();
  while (c && c.raw && !seen.has(c)) {
    seen.add(c);
    try {
      out.push(certInfo(new Uint8Array(c.raw)));
    } catch {
      /* a certificate our reader cannot parse: left out */
    }
    const next = c.issuerCertificate as typeof c | undefined;
    if (!next || next === c) break;
    c = next;
  }
  return out;
}

function tlsOptions(host: string, t: DoctorTls): ConnectionOptions {
  return {
    ...(isIP(host) ? {} : { servername: host }),
    // The chain is judged here, not refused: an expired or wrong-host certificate is what we report.
    rejectUnauthorized: false,
    ...(t.caFile ? { ca: readFileSync(t.caFile) } : {}),
    ...(t.certFile ? { cert: readFileSync(t.certFile) } : {}),
    ...(t.keyFile ? { key: readFileSync(t.keyFile) } : {}),
  };
}

/** Handshake over `sock` (already connected), then the details. */
function handshake(sock: Socket, host: string, t: DoctorTls, timeoutMs: number): Promise<Pick<TlsProbe, 'chain' | 'coversHost' | 'verifyError' | 'protocol' | 'error'>> {
  return new Promise((resolve) => {
    let ts: TLSSocket;
    try {
      ts = tlsConnect({ socket: sock, ...tlsOptions(host, t) });
    } catch (e) {
      resolve({ chain: [], error: (e as Error).message });
      return;
    }
    const timer = setTimeout(() => { ts.destroy(); resolve({ chain: [], error: `TLS handshake timed out after ${timeoutMs} ms` }); }, timeoutMs);
    ts.once('secureConnect', () => {
      clearTimeout(timer);
      const chain = peerChain(ts);
      const leaf = chain[0];
      const err = ts.authorizationError ? String((ts.authorizationError as unknown as { code?: string }).code ?? ts.authorizationError) : '';
      resolve({ chain, coversHost: leaf ? coversHost(leaf, host) : false, verifyError: err, protocol: ts.getProtocol() ?? undefined });
      ts.destroy();
    });
    ts.once('error', (e) => { clearTimeout(timer); resolve({ chain: [], error: `TLS handshake failed: ${e.message}` }); ts.destroy(); });
  });
}

/**
 * The NATS client port: INFO, then TLS if offered. A server that sends no INFO within a moment may
 * be waiting for the handshake (handshake_first): then TLS first.
 */
export function probeClientPort(host: string, port: number, t: DoctorTls = {}, timeoutMs = 5000): Promise<TlsProbe> {
  const base = { listener: 'client' as const, host, port, tls: false, chain: [] as CertInfo[] };
  return new Promise((resolve) => {
    const sock = netConnect({ host, port });
    let text = '';
    let done = false;
    const finish = (p: TlsProbe) => {
      if (done) return;
      done = true;
      clearTimeout(firstTimer);
      clearTimeout(timer);
      sock.destroy();
      resolve(p);
    };
    const timer = setTimeout(() => finish({ ...base, error: `no answer from ${host}:${port} within ${timeoutMs} ms` }), timeoutMs);
    // No INFO within 1 s: the server may wait for the TLS handshake first.
    const firstTimer = setTimeout(() => {
      if (text !== '') return;
      sock.off('data', onData);
      void handshake(sock, host, t, timeoutMs).then((h) => finish({ ...base, tls: h.chain.length > 0, handshakeFirst: true, ...h }));
    }, 1000);
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      const eol = text.indexOf('\r\n');
      if (eol < 0) return;
      clearTimeout(firstTimer);
      sock.off('data', onData);
      let info: Record<string, unknown> = {};
      try {
        info = JSON.parse(text.slice(5, eol)) as Record<string, unknown>;
      } catch {
        return finish({ ...base, error: `not a NATS server: ${JSON.stringify(text.slice(0, 40))}` });
      }
      const tlsRequired = info.tls_required === true;
      const tlsAvailable = info.tls_available === true;
      if (!tlsRequired && !tlsAvailable) return finish({ ...base, tlsRequired, tlsAvailable });
      sock.pause();
      void handshake(sock, host, t, timeoutMs).then((h) => finish({ ...base, tls: true, tlsRequired, tlsAvailable, ...h }));
    };
    sock.on('data', onData);
    sock.on('error', (e) => finish({ ...base, error: `${host}:${port}: ${e.message}` }));
  });
}

/** An HTTPS listener (the monitor): the chain it serves. */
export function probeHttps(host: string, port: number, t: DoctorTls = {}, timeoutMs = 5000): Promise<TlsProbe> {
  const base = { listener: 'monitor' as const, host, port, tls: true, chain: [] as CertInfo[] };
  return new Promise((resolve) => {
    const sock = netConnect({ host, port });
    sock.once('connect', () => { void handshake(sock, host, t, timeoutMs).then((h) => { sock.destroy(); resolve({ ...base, ...h }); }); });
    sock.once('error', (e) => resolve({ ...base, error: `${host}:${port}: ${e.message}` }));
  });
}
