// One raw client connection for the load generators: INFO, then CONNECT + setup ops + PING, and
// once the PONG arrives every further byte goes to `onBytes` (read into one reused buffer, so a
// reader costs a counter update per socket read, not a parse per message).
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { connectLine } from './frames.js';

export class RawConn {
  readonly sock: Socket;
  /** Receives every byte after the handshake PONG. */
  onBytes: (n: number, buf: Buffer) => void = () => {};
  /** Called once if the connection ends or fails after the handshake. */
  onLost: (why: string) => void = () => {};
  private text = '';
  private ready = false;

  private constructor(sock: Socket) { this.sock = sock; }

  /** Connects and completes INFO → CONNECT + `setup` + PING → PONG. */
  static open(port: number, name: string, setup = '', readBuffer = Number(process.env.BENCH_RBUF ?? 256 * 1024)): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      let c: RawConn;
      const sock = connect({
        port,
        host: '127.0.0.1',
        noDelay: true,
        onread: {
          buffer: Buffer.allocUnsafe(readBuffer),
          // Returning true keeps reading (false would pause the socket).
          callback: (n: number, u8: Uint8Array): boolean => {
            const buf = u8 as Buffer;
            if (c.ready) { c.onBytes(n, buf); return true; }
            c.text += buf.toString('latin1', 0, n);
            if (!c.text.startsWith('INFO ')) { if (c.text.length >= 5) fail(`expected INFO, got ${JSON.stringify(c.text)}`); return true; }
            const eol = c.text.indexOf('\n');
            if (eol < 0) return true;
            if (!c.sentConnect) {
              c.sentConnect = true;
              sock.write(connectLine(name) + setup + 'PING\r\n');
            }
            const after = c.text.slice(eol + 1);
            if (after.includes('-ERR')) { fail(`server said ${JSON.stringify(after)}`); return true; }
            const p = after.indexOf('PONG\r\n');
            if (p < 0) return true;
            if (after.length > p + 6) { fail(`unexpected bytes after PONG: ${JSON.stringify(after.slice(p + 6, p + 86))}`); return true; }
            c.ready = true;
            c.text = '';
            resolve(c);
            return true;
          },
        },
      });
      c = new RawConn(sock);
      const fail = (why: string) => { sock.destroy(); reject(new Error(why)); };
      sock.once('error', (e) => { if (!c.ready) reject(e); else c.onLost(`error: ${e.message}`); });
      sock.once('close', () => { if (!c.ready) reject(new Error('closed during handshake')); else if (!c.closing) c.onLost('closed by server'); });
    });
  }

  /**
   * The same over TLS: INFO in plaintext, then the handshake on the same socket (trusting `ca`),
   * then CONNECT + `setup` + PING → PONG; bytes arrive as 'data' events.
   */
  static openTls(port: number, name: string, setup: string, ca: string): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const raw = connect({ port, host: '127.0.0.1', noDelay: true });
      raw.once('error', reject);
      let info = '';
      const onInfo = (d: Buffer) => {
        info += d.toString('latin1');
        if (!info.includes('\n')) return;
        raw.off('data', onInfo);
        const t = tlsConnect({ socket: raw, ca });
        const c = new RawConn(t);
        let text = '';
        t.once('error', reject);
        t.once('secureConnect', () => t.write(connectLine(name) + setup + 'PING\r\n'));
        const onData = (d: Buffer) => {
          if (c.ready) return c.onBytes(d.length, d);
          text += d.toString('latin1');
          if (text.includes('-ERR')) { t.destroy(); reject(new Error(`server said ${JSON.stringify(text)}`)); return; }
          const p = text.indexOf('PONG\r\n');
          if (p < 0) return;
          c.ready = true;
          t.off('error', reject);
          t.once('error', (e) => c.onLost(`error: ${e.message}`));
          t.once('close', () => { if (!c.closing) c.onLost('closed by server'); });
          resolve(c);
        };
        t.on('data', onData);
      };
      raw.on('data', onInfo);
    });
  }

  private sentConnect = false;
  closing = false;

  write(b: Buffer | string): boolean { return this.sock.write(b); }

  /** A protocol line (PING): as is over TCP (WsConn frames it). */
  writeProto(s: string): boolean { return this.sock.write(s); }

  close(): void { this.closing = true; this.sock.destroy(); }
}
