// One test, two servers: tsnats (the CLI) and nats-server 2.9.10, each started as a child process
// with the same nats.conf carrying a `websocket {}` block on a free port. Also the W3C WebSocket
// that @nats-io/nats-core's wsconnect needs in Node 20 (the `ws` package).
import type { TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { freePort } from '../../dev/ports.js';
import { hasNatsServer, startServer, type ServerKind, type TestServer } from '../helpers/servers.js';
import { tempDir, writeConf } from '../auth/helpers.js';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

export const KINDS: ServerKind[] = ['tsnats', 'nats-server'];

/** Skip reason for a kind that cannot run here. */
export function skipFor(kind: ServerKind): string | false {
  return kind === 'nats-server' && !hasNatsServer() ? 'nats-server is not installed' : false;
}

export interface WsServer {
  kind: ServerKind;
  s: TestServer;
  wsPort: number;
  /** ws://127.0.0.1:<wsPort> */
  wsUrl: string;
  /** nats://127.0.0.1:<port> */
  natsUrl: string;
}

/**
 * Starts `kind` with `top` (top-level config) and a websocket block with `ws` inside it (host,
 * port and no_tls are set here). `monitor` also starts the HTTP monitor.
 */
export async function startWs(t: TestContext, kind: ServerKind, ws = '', top = '', monitor = false): Promise<WsServer> {
  const wsPort = await freePort();
  const conf = writeConf(tempDir(t), 'ws.conf', `${top}\nwebsocket {\n  host: 127.0.0.1\n  port: ${wsPort}\n  no_tls: true\n  ${ws}\n}\n`);
  const s = await startServer(kind, { config: conf, monitor });
  const w: WsServer = { kind, s, wsPort, wsUrl: `ws://127.0.0.1:${wsPort}`, natsUrl: s.url };
  t.after(() => w.s.stop());
  return w;
}

/** Resolves when `it` (a status iterator) yields a status of `type`. */
export async function statusOf<T extends { type: string }>(it: AsyncIterable<T>, type: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new Error(`no ${type} status within ${ms}ms`)), ms); });
  try {
    return await Promise.race([
      (async () => {
        for await (const s of it) if (s.type === type) return s;
        throw new Error(`status iterator ended before ${type}`);
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
