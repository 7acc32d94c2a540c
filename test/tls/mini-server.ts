// A minimal NATS-over-TLS server built only from src/tls: INFO in plaintext, then the handshake
// (the reference's order), the handshake timeout, pinned_certs, verify_and_map, and the reference's
// log texts. It answers PING with PONG and nothing else. It exists so differential tests can hold
// the src/tls pieces against nats-server before the engine uses them, and as a sketch of the
// integration (see docs/reference/tls-2.9.10.md, "For the integrator").
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { buildSecureContextOptions, checkPinned, ERR_CERT_NOT_PINNED, type TlsConfig } from '../../src/tls/options.js';
import { goHandshakeErrorText, goTimeoutText } from '../../src/tls/errors.js';
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
  const tlsServer = createTlsServer({ ...options, handshakeTimeout: timeoutMs });
  tlsServer.on('tlsClientError', (err: NodeJS.ErrnoException, s: TLSSocket) => {
    const raw = (s as unknown as { _parent?: Socket })._parent;
    const ctx = { localAddress: raw?.localAddress ?? s.localAddress, localPort: raw?.localPort ?? s.localPort, remoteAddress: raw?.remoteAddress ?? s.remoteAddress, remotePort: raw?.remotePort ?? s.remotePort };
    const text = err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT' ? goTimeoutText(ctx) : goHandshakeErrorText(err, ctx, s.authorizationError as unknown as string | null);
    logs.push(`[ERR] TLS handshake error: ${text}`);
    s.destroy();
  });
  tlsServer.on('secureConnection', (s: TLSSocket) => {
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
    tlsServer.emit('connection', raw);
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
