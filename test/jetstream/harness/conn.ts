// A raw NATS client for the JetStream harness: sees every byte the server sends (status lines, headers,
// empty payloads), sends exactly what a scenario says. No reconnects, no request muxing, no JSON.
import { connect, type Socket } from 'node:net';
import { FrameParser, encodeHeaders, parseHeaders, type Frame, type ParsedHeaders } from './proto.js';

export interface Delivered {
  subject: string;
  sid: string;
  reply?: string;
  /** Parsed header block, or undefined for a MSG without headers. */
  headers?: ParsedHeaders;
  payload: Buffer;
  /** The MSG/HMSG control line as received. */
  line: string;
  /** ms since the connection opened (for reading a capture; never compared). */
  at: number;
}

export interface ConnOptions {
  user?: string;
  pass?: string;
  token?: string;
  name?: string;
  /** ms to wait for INFO and the first PONG. */
  timeoutMs?: number;
}

type Handler = (m: Delivered) => void;

export class HarnessConn {
  info: Record<string, unknown> = {};
  /** Every -ERR line the server sent. */
  readonly errors: string[] = [];
  closed = false;
  private readonly parser = new FrameParser();
  private readonly subs = new Map<string, Handler>();
  private nextSid = 1;
  private pongWaiters: (() => void)[] = [];
  private closeWaiters: (() => void)[] = [];
  private readonly t0 = Date.now();

  private constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => { for (const f of this.parser.feed(d)) this.onFrame(f); });
    sock.on('error', () => {});
    sock.on('close', () => {
      this.closed = true;
      for (const w of this.pongWaiters.splice(0)) w();
      for (const w of this.closeWaiters.splice(0)) w();
    });
  }

  /** Connects to nats://host:port, sends CONNECT (headers, no_responders) and waits for PONG. */
  static async open(url: string, o: ConnOptions = {}): Promise<HarnessConn> {
    const u = new URL(url.replace(/^nats:/, 'http:'));
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: u.hostname, port: Number(u.port) }, () => { s.off('error', reject); resolve(s); });
      s.once('error', reject);
    });
    sock.setNoDelay(true);
    const c = new HarnessConn(sock);
    const timeoutMs = o.timeoutMs ?? 5000;
    await c.waitFor(() => Object.keys(c.info).length > 0, timeoutMs, 'INFO');
    const connect_ = {
      verbose: false, pedantic: false, tls_required: false, lang: 'tsnats-harness', version: '1.0.0', protocol: 1,
      headers: true, no_responders: true, name: o.name ?? 'js-harness',
      ...(o.user !== undefined ? { user: o.user, pass: o.pass ?? '' } : {}),
      ...(o.token !== undefined ? { auth_token: o.token } : {}),
    };
    sock.write(`CONNECT ${JSON.stringify(connect_)}\r\n`);
    await c.flush(timeoutMs);
    if (c.closed) throw new Error(`connection closed during CONNECT: ${c.errors.join('; ')}`);
    return c;
  }

  private waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const t0 = Date.now();
      const tick = () => {
        if (pred()) return resolve();
        if (this.closed) return reject(new Error(`closed while waiting for ${what}`));
        if (Date.now() - t0 > ms) return reject(new Error(`timeout waiting for ${what}`));
        setTimeout(tick, 2);
      };
      tick();
    });
  }

  private onFrame(f: Frame): void {
    switch (f.op) {
      case 'INFO':
        this.info = JSON.parse(f.args[0]!) as Record<string, unknown>;
        break;
      case 'PING':
        this.sock.write('PONG\r\n');
        break;
      case 'PONG':
        this.pongWaiters.shift()?.();
        break;
      case '-ERR':
        this.errors.push(f.args[0] ?? '');
        break;
      case 'MSG':
      case 'HMSG': {
        const h = this.subs.get(f.sid!);
        if (!h) return;
        h({
          subject: f.subject!, sid: f.sid!, reply: f.reply, line: f.line,
          headers: f.hdr ? parseHeaders(f.hdr) : undefined,
          payload: f.payload ?? Buffer.alloc(0),
          at: Date.now() - this.t0,
        });
        break;
      }
      default:
        break;
    }
  }

  /** SUB; returns the sid. */
  subscribe(subject: string, handler: Handler, queue?: string): string {
    const sid = String(this.nextSid++);
    this.subs.set(sid, handler);
    this.sock.write(`SUB ${subject}${queue ? ` ${queue}` : ''} ${sid}\r\n`);
    return sid;
  }

  unsubscribe(sid: string): void {
    this.subs.delete(sid);
    if (!this.closed) this.sock.write(`UNSUB ${sid}\r\n`);
  }

  /** PUB, or HPUB when `headers` is given (an empty list sends a bare NATS/1.0 block). */
  publish(subject: string, payload: Buffer, reply?: string, headers?: [string, string][]): void {
    if (this.closed) return;
    const r = reply ? ` ${reply}` : '';
    if (headers) {
      const h = encodeHeaders(headers);
      this.sock.write(Buffer.concat([Buffer.from(`HPUB ${subject}${r} ${h.length} ${h.length + payload.length}\r\n`), h, payload, Buffer.from('\r\n')]));
    } else {
      this.sock.write(Buffer.concat([Buffer.from(`PUB ${subject}${r} ${payload.length}\r\n`), payload, Buffer.from('\r\n')]));
    }
  }

  /** PING and wait for the PONG: everything sent before it was processed by the server. */
  flush(timeoutMs = 5000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('flush timeout')), timeoutMs);
      this.pongWaiters.push(() => { clearTimeout(t); resolve(); });
      this.sock.write('PING\r\n');
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.closeWaiters.push(resolve);
      this.sock.end();
      setTimeout(() => this.sock.destroy(), 200).unref();
    });
  }
}
