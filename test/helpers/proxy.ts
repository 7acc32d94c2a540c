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

/**
 * A TCP proxy that records what crosses it in each direction (the reference captures were made
 * with one between servers): `text('up')` is everything the dialling side sent, `text('down')`
 * what the listening side sent, over every connection so far.
 */
export class LoggingProxy {
  private server: Server;
  private socks = new Set<Socket>();
  private chunks: { dir: 'up' | 'down'; conn: number; data: Buffer }[] = [];
  private waiters = new Set<() => void>();
  private conns = 0;
  port = 0;

  private constructor(targetPort: number) {
    this.server = createServer((client) => {
      const conn = ++this.conns;
      const upstream = connect(targetPort, '127.0.0.1');
      this.socks.add(client);
      this.socks.add(upstream);
      const note = (dir: 'up' | 'down', data: Buffer) => {
        this.chunks.push({ dir, conn, data });
        for (const w of [...this.waiters]) w();
      };
      client.on('data', (d) => { note('up', d); upstream.write(d); });
      upstream.on('data', (d) => { note('down', d); client.write(d); });
      const end = () => { client.destroy(); upstream.destroy(); };
      client.on('error', end);
      upstream.on('error', end);
      client.on('close', end);
      upstream.on('close', end);
    });
  }

  static async start(targetPort: number): Promise<LoggingProxy> {
    const p = new LoggingProxy(targetPort);
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', r));
    p.port = (p.server.address() as { port: number }).port;
    return p;
  }

  /** Everything sent in one direction (optionally on one connection, 1-based), as latin1 text. */
  text(dir: 'up' | 'down', conn?: number): string {
    return Buffer.concat(this.chunks.filter((c) => c.dir === dir && (conn === undefined || c.conn === conn)).map((c) => c.data)).toString('latin1');
  }

  /** Resolves when the text sent in `dir` matches `re`. */
  waitFor(dir: 'up' | 'down', re: RegExp, timeoutMs = 5000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = re.exec(this.text(dir));
        if (m) {
          clearTimeout(t);
          this.waiters.delete(check);
          resolve(m[0]);
        }
      };
      const t = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`proxy: no ${re} ${dir} within ${timeoutMs}ms; have:\n${this.text(dir).slice(-2000)}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    for (const s of this.socks) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
