// The WebSocket listener as an engine service (server/service.ts), as nats-server's
// startWebsocketServer: listens, logs the two startup lines, hands upgraded client connections to
// Server.acceptConnection(duplex, host, port, 'websocket', {clientIP, cookieJwt}), closes the
// listener in lame duck mode, and adds the ports-file entry. createServer() attaches it when the
// options have a `websocket` block (src/services.ts).
import type { TlsOptions } from 'node:tls';
import type { Server } from '../../server/server.js';
import type { Service } from '../../server/service.js';
import type { ServerOptions } from '../../options.js';
import * as C from '../../const.js';
import type { TlsConfig } from '../../tls/options.js';
// Loaded on start only: a server without a websocket block never loads the transport (nor node:tls).
import type { WebSocketListener } from './listener.js';
import { localHostPort } from '../local-host.js';

/** The `websocket {}` block, resolved (durations in ms). */
export interface WebsocketConfig {
  host: string;
  /** -1 or 0 pick a free port (0 means "no listener" in the config; the caller does not attach the service then). */
  port: number;
  tls?: TlsOptions | null;
  /** A `tls {}` block (the config file's): made into node:tls options when the listener starts. */
  tlsConfig?: TlsConfig | null;
  sameOrigin: boolean;
  allowedOrigins: string[];
  compression: boolean;
  /** handshake_timeout in ms, 0 = none. */
  handshakeTimeout: number;
  jwtCookie: string;
  /** Largest decompressed client message (default max_payload + max_control_line + 64 KiB). */
  maxDecompressed?: number;
}

/** The listener's settings from the server's options (`websocket` must be set): defaults applied. */
export function websocketConfig(so: ServerOptions): WebsocketConfig {
  const w = so.websocket!;
  return {
    host: w.host ?? so.host,
    port: w.port === -1 ? 0 : w.port,
    tls: w.tls ?? null,
    tlsConfig: w.tlsConfig ?? null,
    sameOrigin: w.sameOrigin ?? false,
    allowedOrigins: w.allowedOrigins ?? [],
    compression: w.compression ?? false,
    handshakeTimeout: w.handshakeTimeout ?? C.DEFAULT_WS_HANDSHAKE_TIMEOUT_MS,
    jwtCookie: w.jwtCookie ?? '',
  };
}

export interface WebsocketService extends Service {
  /** The bound port (0 until started). */
  readonly port: number;
  readonly listener: WebSocketListener | null;
}

export function websocketService(srv: Server, o: WebsocketConfig): WebsocketService {
  let listener: WebSocketListener | null = null;
  return {
    name: 'websocket',
    get port() {
      return listener?.port ?? 0;
    },
    get listener() {
      return listener;
    },
    async start() {
      const so = srv.opts;
      const { WebSocketListener } = await import('./listener.js');
      // node:tls and the certificate files only when wss:// is configured.
      const tls = o.tls ?? (o.tlsConfig ? (await import('../../tls/options.js')).buildSecureContextOptions(o.tlsConfig).options : null);
      const l = new WebSocketListener({
        host: o.host,
        port: o.port,
        tls,
        sameOrigin: o.sameOrigin,
        allowedOrigins: o.allowedOrigins,
        compression: o.compression,
        jwtCookie: o.jwtCookie,
        handshakeTimeoutMs: o.handshakeTimeout,
        maxDecompressed: o.maxDecompressed ?? so.maxPayload + so.maxControlLine + 64 * 1024,
        logError: (line) => srv.log.error(line),
        onConnection: (u, host, port) => {
          if (u.params.kind === 'leaf') {
            // 2.9.10 without a leafnode listener: the 101, then a silent close.
            srv.log.error('Not configured to accept leaf node connections');
            u.ws.destroy();
            return;
          }
          if (u.params.kind === 'mqtt') {
            u.ws.destroy();
            return;
          }
          const ka = srv.opts.tcpKeepAlive;
          const sock = u.ws.socket as { setKeepAlive?: (on: boolean, ms: number) => void };
          if (ka > 0) sock.setKeepAlive?.(true, ka);
          srv.acceptConnection(u.ws, host, port, 'websocket', { clientIP: u.params.clientIP, cookieJwt: u.params.cookieJwt });
        },
      });
      try {
        await l.listen();
      } catch (e) {
        throw new Error(`Unable to listen for websocket connections: ${(e as Error).message}`);
      }
      listener = l;
      srv.log.notice(`Listening for websocket clients on ${l.scheme}://${o.host}:${l.port}`);
      if (!tls) srv.log.warn('Websocket not configured with TLS. DO NOT USE IN PRODUCTION!');
    },
    stop() {
      return listener?.close();
    },
    // Lame duck: no new WebSocket clients either (lameDuckMode closes s.websocket.server).
    stopAccepting() {
      return listener?.close();
    },
    portsEntries(): Record<string, string[]> {
      if (listener === null) return {};
      return { websocket: [`${listener.scheme}://${localHostPort(o.host, listener.port)}`] };
    },
  };
}
