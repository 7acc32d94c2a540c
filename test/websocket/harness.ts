// A tiny test harness: tsnats in-process with the WebSocket service attached by hand
// (src/transport/ws/service.ts) with settings the options do not expose (no handshake_timeout as
// nats-server 2.9.10, a small decompression limit) and a record of every WsDuplex the engine got.
// Tests of the options themselves use startServer({ websocket }) (embedding.test.ts).
import type { TestContext } from 'node:test';
import type { Duplex } from 'node:stream';
import { createServer, type Server, type StartOptions } from '../../src/index.js';
import { WsDuplex, WebSocketListener } from '../../src/transport/ws/index.js';
import { websocketService, type WebsocketConfig, type WebsocketService } from '../../src/transport/ws/service.js';

export interface WsHarness {
  srv: Server;
  svc: WebsocketService;
  listener: WebSocketListener;
  wsPort: number;
  /** Every log line of the server. */
  lines: string[];
  /** The handshake error log lines, without the "[pid] date [ERR] " prefix. */
  readonly errors: string[];
  /** Every WebSocket connection handed to the engine, in order. */
  duplexes: WsDuplex[];
}

export async function startWsHarness(
  t: TestContext | null,
  serverOpts: StartOptions = {},
  wsOpts: Partial<WebsocketConfig> = {},
): Promise<WsHarness> {
  const lines: string[] = [];
  const srv = createServer({ host: '127.0.0.1', port: 0, log: (l: string) => lines.push(l), ...serverOpts });
  const svc = websocketService(srv, {
    host: '127.0.0.1',
    port: 0,
    sameOrigin: false,
    allowedOrigins: [],
    compression: false,
    handshakeTimeout: 0,
    jwtCookie: '',
    ...wsOpts,
  });
  srv.use(svc);
  const duplexes: WsDuplex[] = [];
  // Instrumentation for the tests: which Duplex the engine got.
  const accept = srv.acceptConnection.bind(srv);
  srv.acceptConnection = (sock: Duplex, host: string, port: number, type?: string) => {
    if (sock instanceof WsDuplex) duplexes.push(sock);
    return accept(sock, host, port, type);
  };
  await srv.start();
  t?.after(() => srv.shutdown());
  return {
    srv,
    svc,
    listener: svc.listener!,
    wsPort: svc.port,
    lines,
    get errors() {
      return lines.filter((l) => l.includes('[ERR] ')).map((l) => l.replace(/^.*?\[ERR\] /, '').replace(/\n$/, ''));
    },
    duplexes,
  };
}
