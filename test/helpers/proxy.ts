// A TCP proxy that can silently stop forwarding (no FIN, no RST): what a NAT gateway or firewall
// that dropped its state does to a connection.
import { createServer, connect, type Server, type Socket } from 'node:net';

export class BlackholeProxy {
  private server: Server;
  private pairs: [Socket, Socket][] = [];
  private dropping = false;
  port = 0;

  private constructor(targetPort: number) {
    this.server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      this.pairs.push([client, upstream]);
      client.on('data', (d) => { if (!this.dropping) upstream.write(d); });
      upstream.on('data', (d) => { if (!this.dropping) client.write(d); });
      const end = () => { client.destroy(); upstream.destroy(); };
      client.on('error', end);
      upstream.on('error', end);
      client.on('close', () => { if (!this.dropping) upstream.destroy(); });
      upstream.on('close', () => { if (!this.dropping) client.destroy(); });
    });
  }

  static async start(targetPort: number): Promise<BlackholeProxy> {
    const p = new BlackholeProxy(targetPort);
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', r));
    p.port = (p.server.address() as { port: number }).port;
    return p;
  }

  /** Local ports of the upstream sockets, oldest first: the client ports the server sees. */
  upstreamPorts(): number[] {
    return this.pairs.map(([, up]) => up.localPort ?? 0);
  }

  /** From now on, bytes in either direction are dropped and closes are not propagated. */
  blackhole(): void {
    this.dropping = true;
  }

  async close(): Promise<void> {
    for (const [a, b] of this.pairs) { a.destroy(); b.destroy(); }
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
