// A minimal raw NATS client for the JetStream benchmarks (bench/cases/jetstream.ts): one socket,
// CONNECT with headers and no_responders, pipelined publishes with replies on one wildcard inbox
// subscription, and MSG/HMSG frames parsed from the byte stream. No library in the way of the
// measurement, the same client for both servers.
import { connect, type Socket } from 'node:net';

export interface Frame {
  subject: string;
  reply: string;
  /** The inbox token after `_INBOX.b.` (the request's id), or -1. */
  id: number;
  hdr: Buffer | null;
  payload: Buffer;
}

const INBOX = '_INBOX.b.';

export class JsClient {
  private buf: Buffer = Buffer.alloc(0);
  private onFrame: ((f: Frame) => void) | null = null;
  private pong: (() => void)[] = [];
  private waiters = new Map<number, (f: Frame) => void>();
  private nextId = 1;
  private out: Buffer[] = [];
  private outLen = 0;
  private flushQueued = false;

  private constructor(readonly sock: Socket) {
    sock.on('data', (d: Buffer) => this.read(d));
    sock.on('error', () => {});
  }

  static async open(port: number): Promise<JsClient> {
    const sock = connect({ port, host: '127.0.0.1', noDelay: true });
    await new Promise<void>((res, rej) => {
      sock.once('connect', res);
      sock.once('error', rej);
    });
    const c = new JsClient(sock);
    sock.write('CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,"protocol":1}\r\n');
    sock.write(`SUB ${INBOX}> 1\r\n`);
    await c.ping();
    return c;
  }

  /** Every frame not claimed by a request() goes here. */
  handler(fn: ((f: Frame) => void) | null): void {
    this.onFrame = fn;
  }

  ping(): Promise<void> {
    return new Promise((r) => {
      this.pong.push(r);
      this.write('PING\r\n');
      this.flush();
    });
  }

  write(s: string | Buffer): void {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    this.out.push(b);
    this.outLen += b.length;
    if (this.outLen > 256 * 1024) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.flushQueued = false;
    if (this.out.length === 0) return;
    this.sock.write(this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out, this.outLen));
    this.out = [];
    this.outLen = 0;
  }

  /** PUB subject with the reply `_INBOX.b.<id>`. */
  pub(subject: string, id: number, payload: Buffer): void {
    this.write(`PUB ${subject} ${INBOX}${id} ${payload.length}\r\n`);
    this.write(payload);
    this.write('\r\n');
  }

  /** A request whose reply is awaited (JSON API calls, direct gets). */
  request(subject: string, body: string | Buffer = ''): Promise<Frame> {
    const id = this.nextId++ + 1_000_000_000;
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return new Promise((resolve) => {
      this.waiters.set(id, resolve);
      this.pub(subject, id, payload);
      this.flush();
    });
  }

  async api(subject: string, body: unknown = ''): Promise<Record<string, any>> {
    const f = await this.request(`$JS.API.${subject}`, typeof body === 'string' ? body : JSON.stringify(body));
    return JSON.parse(f.payload.toString('utf8')) as Record<string, any>;
  }

  close(): void {
    this.sock.destroy();
  }

  private read(d: Buffer): void {
    let b = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let p = 0;
    for (;;) {
      const nl = b.indexOf('\r\n', p);
      if (nl < 0) break;
      const c0 = b[p];
      if (c0 === 0x4d /* M */ || c0 === 0x48 /* H */) {
        const line = b.toString('latin1', p, nl);
        const parts = line.split(' ').filter((x) => x !== '');
        const hmsg = c0 === 0x48;
        const size = Number(parts[parts.length - 1]);
        const hsize = hmsg ? Number(parts[parts.length - 2]) : 0;
        const reply = parts.length === (hmsg ? 6 : 5) ? parts[3]! : '';
        const start = nl + 2;
        if (b.length < start + size + 2) break;
        const subject = parts[1]!;
        const f: Frame = {
          subject, reply, id: subject.startsWith(INBOX) ? Number(subject.slice(INBOX.length)) : -1,
          hdr: hmsg ? b.subarray(start, start + hsize) : null,
          payload: b.subarray(start + hsize, start + size),
        };
        p = start + size + 2;
        const w = f.id >= 0 ? this.waiters.get(f.id) : undefined;
        if (w !== undefined) {
          this.waiters.delete(f.id);
          w({ ...f, hdr: f.hdr && Buffer.from(f.hdr), payload: Buffer.from(f.payload) });
        } else this.onFrame?.(f);
        continue;
      }
      const line = b.toString('latin1', p, nl);
      p = nl + 2;
      if (line === 'PING') this.write('PONG\r\n');
      else if (line === 'PONG') this.pong.shift()?.();
      else if (line.startsWith('-ERR')) process.stderr.write(`bench client: ${line}\n`);
    }
    this.buf = p >= b.length ? Buffer.alloc(0) : Buffer.from(b.subarray(p));
  }
}
