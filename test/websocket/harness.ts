// A tiny test harness: tsnats in-process with the WebSocket transport (src/transport/ws) wired to
// Server.acceptConnection(duplex, host, port, 'websocket'), as the integration will do it.
import type { TestContext } from 'node:test';
import { withServer } from '../helpers/tsnats.js';
import type { Server, StartOptions } from '../../src/index.js';
import type { Client } from '../../src/server/client.js';
import { WebSocketListener, WsDuplex, type WebSocketListenerOptions } from '../../src/transport/ws/index.js';

export interface WsHarness {
  srv: Server;
  listener: WebSocketListener;
  wsPort: number;
  /** Handshake error log lines. */
  errors: string[];
  /** Every upgraded connection, in order. */
  duplexes: WsDuplex[];
}

export async function startWsHarness(
  t: TestContext | null,
  serverOpts: StartOptions = {},
  wsOpts: Partial<Omit<WebSocketListenerOptions, 'onConnection' | 'logError'>> = {},
): Promise<WsHarness> {
  const srv = await withServer(t, { host: '127.0.0.1', ...serverOpts });
  const errors: string[] = [];
  const duplexes: WsDuplex[] = [];
  // The close frame carries the reason the engine closes with (closeConnection → removeClient emits it first).
  srv.on('client:close', (c: Client, reason: string) => {
    if (c.sock instanceof WsDuplex) c.sock.setCloseReason(reason);
  });
  const listener = new WebSocketListener({
    host: '127.0.0.1',
    port: 0,
    compression: false,
    sameOrigin: false,
    allowedOrigins: [],
    jwtCookie: '',
    handshakeTimeoutMs: 0,
    maxDecompressed: srv.opts.maxPayload + srv.opts.maxControlLine + 64 * 1024,
    ...wsOpts,
    logError: (l) => errors.push(l),
    onConnection: (u, host, port) => {
      // 2.9.10 without a leafnode listener (and tsnats, which has no MQTT) closes such connections after the 101.
      if (u.params.kind !== 'client') {
        u.ws.destroy();
        return;
      }
      duplexes.push(u.ws);
      srv.acceptConnection(u.ws, host, port, 'websocket');
    },
  });
  await listener.listen();
  t?.after(() => listener.close());
  return { srv, listener, wsPort: listener.port, errors, duplexes };
}
