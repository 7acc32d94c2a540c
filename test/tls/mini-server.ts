// A minimal NATS-over-TLS server built only from src/tls: INFO in plaintext, then the handshake
// (the reference's order), the handshake timeout, pinned_certs, verify_and_map, and the reference's
// log texts. It answers PING with PONG and nothing else. It exists so differential tests can hold
// the src/tls pieces against nats-server before the engine uses them, and as a sketch of the
// integration (see docs/reference/tls-2.9.10.md, "For the integrator").
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { buildSecureContextOptions, checkPinned, ERR_CERT_NOT_PINNED, type TlsConfig } from '../../src/tls/options.js';
import { goHandshakeErrorText, goTimeoutText } from '../../src/tls/errors.js';
import { firstRecordVerdict } from '../../src/tls/first-record.js';
import { parseCertificate } from '../../src/tls/x509.js';
import { tlsMapUser, usersFromMap } from '../../src/tls/map.js';

export interface MiniServer {
  port: number;
  /** Log lines as the reference would print them after the client prefix ("[ERR] TLS handshake error: …"). */
  logs: string[];
  /** Users matched by verify_and_map, in order. */
  mapped: string[];
  close(): Promise<void>;
}

export async function startMiniTlsServer(cfg: TlsConfig, users?: readonly string[]): Promise<MiniServer> {
  const { options, timeoutMs } = buildSecureContextOptions(cfg);
  const logs: string[] = [];
  const mapped: string[] = [];
  const userMap = new Map((users ?? []).map((u) => [u, u]));
  const sockets = new Set<Socket>();
  // One handshake deadline per connection, from accept (the reference's timer covers the whole
  // handshake). Per-connection state hangs off the raw socket; a TLSSocket that tls.Server made
  // from it reaches it through `_parent` (Node internal, stable since 0.x): its remoteAddress and
  // remotePort are gone once the raw socket closed.
  const state = new WeakMap<Socket, { timer?: NodeJS.Timeout; timedOut: boolean; ctx: { localAddress?: string; localPort?: number; remoteAddress?: string; remotePort?: number } }>();
  const of = (s: TLSSocket) => state.get((s as unknown as { _parent: Socket })._parent);
  const tlsServer = createTlsServer(options);
  tlsServer.on('tlsClientError', (err: NodeJS.ErrnoException, s: TLSSocket) => {
    const st = of(s);
    clearTimeout(st?.timer);
    if (!st?.timedOut) logs.push(`[ERR] TLS handshake error: ${goHandshakeErrorText(err, st?.ctx, s.authorizationError as unknown as string | null)}`);
    s.destroy();
  });
  tlsServer.on('secureConnection', (s: TLSSocket) => {
    clearTimeout(of(s)?.timer);
    const peerX509 = s.getPeerX509Certificate();
    const peer = peerX509 ? parseCertificate(peerX509.raw) : null;
    const pin = checkPinned(peer, cfg.pinnedCerts);
    if (!pin.ok) {
      logs.push(`[DBG] ${pin.debug}`);
      logs.push(`[ERR] TLS handshake error: ${ERR_CERT_NOT_PINNED}`);
      s.destroy();
      return;
    }
    logs.push('[DBG] TLS handshake complete');
    let authorized = true;
    if (cfg.verifyAndMap && userMap.size > 0) {
      const r = tlsMapUser(peer, usersFromMap(userMap));
      for (const d of r.debug) logs.push(`[DBG] ${d}`);
      authorized = r.user !== null;
      if (r.name !== null) mapped.push(r.name);
    }
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (!authorized && buf.includes('\r\n')) {
        s.end("-ERR 'Authorization Violation'\r\n");
        return;
      }
      while (buf.includes('PING\r\n')) {
        buf = buf.slice(buf.indexOf('PING\r\n') + 6);
        s.write('PONG\r\n');
      }
    });
    s.on('error', () => s.destroy());
  });
  const net: NetServer = createNetServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => raw.destroy());
    raw.write(`INFO {"tls_required":true${cfg.verify ? ',"tls_verify":true' : ''}}\r\n`);
    const st = {
      timer: undefined as NodeJS.Timeout | undefined,
      timedOut: false,
      ctx: { localAddress: raw.localAddress, localPort: raw.localPort, remoteAddress: raw.remoteAddress, remotePort: raw.remotePort },
    };
    state.set(raw, st);
    st.timer = setTimeout(() => {
      st.timedOut = true;
      logs.push(`[ERR] TLS handshake error: ${goTimeoutText(st.ctx)}`);
      raw.destroy();
    }, timeoutMs);
    raw.on('close', () => clearTimeout(st.timer));
    // The first-record gate: Go's answers to non-TLS openings, then OpenSSL for the rest.
    let first = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      first = Buffer.concat([first, d]);
      const v = firstRecordVerdict(first);
      if (v.kind === 'need-more') return;
      raw.off('data', onData);
      raw.pause();
      if (v.kind === 'refuse') {
        clearTimeout(st.timer);
        logs.push(`[ERR] TLS handshake error: ${v.log}`);
        if (v.reply) raw.end(v.reply);
        else raw.end();
        return;
      }
      // node:tls feeds what is buffered in the socket to OpenSSL when it wraps it (_tls_wrap
      // "Socket already has some buffered data"), so the bytes read here are not lost.
      raw.unshift(first);
      tlsServer.emit('connection', raw);
    };
    raw.on('data', onData);
  });
  await new Promise<void>((r) => net.listen(0, '127.0.0.1', r));
  return {
    port: (net.address() as { port: number }).port,
    logs,
    mapped,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      net.close(() => r());
    }),
  };
}
