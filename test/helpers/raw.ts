// A raw TCP client for protocol transcripts: send exact bytes, read exactly what the server sends.
import { connect, type Socket } from 'node:net';

export class RawConn {
  readonly sock: Socket;
  private buf = Buffer.alloc(0);
  closed = false;
  /** 'end' (FIN), 'error: …' or 'close'. */
  closeHow = '';
  private waiters = new Set<() => void>();

  private constructor(sock: Socket) {
    this.sock = sock;
    sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.wake(); });
    sock.on('end', () => { this.closeHow ||= 'end'; });
    sock.on('error', (e) => { this.closeHow ||= `error: ${e.message}`; });
    sock.on('close', () => { this.closed = true; this.closeHow ||= 'close'; this.wake(); });
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host }, () => { s.off('error', reject); resolve(new RawConn(s)); });
      s.once('error', reject);
    });
  }

  /** Connect and wait for the INFO line; returns the connection and the parsed INFO. */
  static async openAndInfo(port: number): Promise<{ c: RawConn; info: Record<string, unknown> }> {
    const c = await RawConn.open(port);
    const line = await c.readLine();
    if (!line.startsWith('INFO ')) throw new Error(`expected INFO, got ${JSON.stringify(line)}`);
    return { c, info: JSON.parse(line.slice(5)) };
  }

  private wake() { for (const w of [...this.waiters]) w(); }

  send(data: string | Buffer): void { this.sock.write(data); }

  /** Bytes received and not yet consumed by a read. */
  pending(): Buffer { return this.buf; }

  /** Wait until `pred(received)` returns a consumed length >= 0. */
  private waitFor<T>(pred: (b: Buffer) => { n: number; v: T } | null, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const r = pred(this.buf);
        if (r) { this.buf = this.buf.subarray(r.n); done(); resolve(r.v); return true; }
        if (this.closed) { done(); reject(new Error(`closed while waiting for ${what}; have ${JSON.stringify(this.buf.toString('latin1'))}`)); return true; }
        return false;
      };
      const timer = setTimeout(() => { done(); reject(new Error(`timeout waiting for ${what}; have ${JSON.stringify(this.buf.toString('latin1'))}`)); }, timeoutMs);
      const w = () => { check(); };
      const done = () => { clearTimeout(timer); this.waiters.delete(w); };
      if (!check()) this.waiters.add(w);
    });
  }

  /** One line, without its CRLF. */
  readLine(timeoutMs = 5000): Promise<string> {
    return this.waitFor((b) => {
      const i = b.indexOf(10);
      if (i < 0) return null;
      const end = i > 0 && b[i - 1] === 13 ? i - 1 : i;
      return { n: i + 1, v: b.toString('latin1', 0, end) };
    }, timeoutMs, 'a line');
  }

  /** Exactly `s` (as the next bytes), or reject with what came instead. */
  async expect(s: string, timeoutMs = 5000): Promise<void> {
    const want = Buffer.from(s, 'latin1');
    await this.waitFor((b) => {
      const n = Math.min(b.length, want.length);
      if (!b.subarray(0, n).equals(want.subarray(0, n))) throw new Error(`expected ${JSON.stringify(s)}, got ${JSON.stringify(b.toString('latin1'))}`);
      return b.length >= want.length ? { n: want.length, v: undefined } : null;
    }, timeoutMs, JSON.stringify(s));
  }

  /** Everything received until the server closes the connection (rejects on timeout). */
  readUntilClose(timeoutMs = 5000): Promise<string> {
    return this.waitFor((b) => (this.closed ? { n: b.length, v: b.toString('latin1') } : null), timeoutMs, 'close');
  }

  /** Everything received within `ms` (does not wait for close). */
  async drain(ms: number): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    const s = this.buf.toString('latin1');
    this.buf = Buffer.alloc(0);
    return s;
  }

  /** Send PING and collect everything up to and including the PONG that answers it. */
  async roundTrip(timeoutMs = 5000): Promise<string> {
    this.send('PING\r\n');
    return this.waitFor((b) => {
      const s = b.toString('latin1');
      const i = s.indexOf('PONG\r\n');
      return i < 0 ? null : { n: i + 6, v: s.slice(0, i + 6) };
    }, timeoutMs, 'PONG');
  }

  /** Write and resolve once the bytes are handed to the kernel (for paced, split sends). */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => this.sock.write(data, () => resolve()));
  }

  /**
   * Resolves true once `pred(received, closed)` holds, false after `timeoutMs`.
   * Never rejects and consumes nothing (pair with `take`), so a caller can record a timeout as an outcome.
   */
  until(pred: (received: Buffer, closed: boolean) => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (!pred(this.buf, this.closed)) return false;
        done(); resolve(true); return true;
      };
      const timer = setTimeout(() => { done(); resolve(false); }, timeoutMs);
      const w = () => { check(); };
      const done = () => { clearTimeout(timer); this.waiters.delete(w); };
      if (!check()) this.waiters.add(w);
    });
  }

  /** Consume and return the first `n` received bytes (all of them when `n` is omitted). */
  take(n = this.buf.length): Buffer {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  close(): void { this.sock.destroy(); }

  /** Close with RST instead of FIN. */
  reset(): void { this.sock.resetAndDestroy(); }
}
