// The WebSocket listener as an engine service (server/service.ts), as nats-server's
// startWebsocketServer: listens, logs the two startup lines, hands upgraded client connections to
// Server.acceptConnection(duplex, host, port, 'websocket'), and adds the ports-file entry.
// Not attached by createServer() yet: the `websocket {}` options come with the integration.
import type { TlsOptions } from 'node:tls';
import type { Server } from '../../server/server.js';
import type { Service } from '../../server/service.js';
import type { Client } from '../../server/client.js';
import { WsDuplex } from './duplex.js';
import { WebSocketListener } from './listener.js';

/** The `websocket {}` block, resolved (durations in ms). */
export interface WebsocketConfig {
  host: string;
  /** -1 or 0 pick a free port (0 means "no listener" in the config; the caller does not attach the service then). */
  port: number;
  tls?: TlsOptions | null;
  sameOrigin: boolean;
  allowedOrigins: string[];
  compression: boolean;
  /** handshake_timeout in ms, 0 = none. */
  handshakeTimeout: number;
  jwtCookie: string;
  /** Largest decompressed client message (default max_payload + max_control_line + 64 KiB). */
  maxDecompressed?: number;
}

export interface WebsocketService extends Service {
  /** The bound port (0 until started). */
  readonly port: number;
  readonly listener: WebSocketListener | null;
}

export function websocketService(srv: Server, o: WebsocketConfig): WebsocketService {
  let listener: WebSocketListener | null = null;
  // Until Client.closeConnection tells the Duplex itself: the close frame carries the engine's
  // reason (removeClient emits it before the socket is ended).
  const onClose = (c: Client, reason: string) => {
    if (c.sock instanceof WsDuplex) c.sock.setCloseReason(reason);
  };
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
      const l = new WebSocketListener({
        host: o.host,
        port: o.port,
        tls: o.tls ?? null,
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
          srv.acceptConnection(u.ws, host, port, 'websocket');
        },
      });
      try {
        await l.listen();
      } catch (e) {
        throw new Error(`Unable to listen for websocket connections: ${(e as Error).message}`);
      }
      listener = l;
      srv.on('client:close', onClose);
      // Clients are closed after the services stop: keep setting reasons until the server is gone.
      srv.once('shutdown', () => srv.off('client:close', onClose));
      srv.log.notice(`Listening for websocket clients on ${l.scheme}://${o.host}:${l.port}`);
      if (!o.tls) srv.log.warn('Websocket not configured with TLS. DO NOT USE IN PRODUCTION!');
    },
    stop() {
      return listener?.close();
    },
    portsEntries(): Record<string, string[]> {
      if (listener === null) return {};
      const h = o.host === '0.0.0.0' || o.host === '::' || o.host === '' ? '127.0.0.1' : o.host.includes(':') ? `[${o.host}]` : o.host;
      return { websocket: [`${listener.scheme}://${h}:${listener.port}`] };
    },
  };
}
