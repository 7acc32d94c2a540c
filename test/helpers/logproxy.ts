// A TCP proxy that forwards bytes unchanged and logs every NATS protocol frame in both directions:
// put it between an official client and nats-server to record exactly what the client sends and what
// the server answers (client → server: CONNECT/PUB/HPUB/SUB/UNSUB/PING/PONG; server → client: INFO,
// MSG/HMSG, +OK/-ERR, PING/PONG).
import { createServer, connect, type Server, type Socket } from 'node:net';
import { FrameParser, type Frame } from '../jetstream/harness/proto.js';

export interface LoggedFrame {
  /** Which proxied connection (1, 2, ... in accept order). */
  conn: number;
  /** 'C' client → server, 'S' server → client, 'M' a marker inserted by the test. */
  dir: 'C' | 'S' | 'M';
  frame?: Frame;
  /** Marker text (dir 'M'). */
  label?: string;
  /** ms since the proxy started (for reading a log; never compared). */
  at: number;
}

export class LoggingProxy {
  readonly log: LoggedFrame[] = [];
  port = 0;
  private server: Server;
  private sockets: Socket[] = [];
  private nconn = 0;
  private readonly t0 = Date.now();

  private constructor(targetPort: number, targetHost: string) {
    this.server = createServer((client) => {
      const conn = ++this.nconn;
      const upstream = connect(targetPort, targetHost);
      this.sockets.push(client, upstream);
      const up = new FrameParser();
      const down = new FrameParser();
      client.on('data', (d: Buffer) => {
        for (const f of up.feed(d)) this.log.push({ conn, dir: 'C', frame: f, at: Date.now() - this.t0 });
        upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => {
        for (const f of down.feed(d)) this.log.push({ conn, dir: 'S', frame: f, at: Date.now() - this.t0 });
        client.write(d);
      });
      const end = () => { client.destroy(); upstream.destroy(); };
      client.on('error', end);
      upstream.on('error', end);
      client.on('close', end);
      upstream.on('close', end);
    });
  }

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<LoggingProxy> {
    const p = new LoggingProxy(targetPort, targetHost);
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', r));
    p.port = (p.server.address() as { port: number }).port;
    return p;
  }

  /** Inserts a marker into the log (e.g. the name of the client operation that follows). */
  mark(label: string): void {
    this.log.push({ conn: 0, dir: 'M', label, at: Date.now() - this.t0 });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
