// A raw WebSocket client for transcripts: exact upgrade bytes, exact (masked) frames, and the
// server's frames decoded one by one. Works against tsnats and nats-server alike.
import * as zlib from 'node:zlib';
import { RawConn } from '../helpers/raw.js';

export const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
export const MASK = Buffer.from([1, 2, 3, 4]);

/** The standard upgrade request, with `extra` header lines ("Name: value\r\n" each). */
export function upgradeRequest(port: number, extra = '', path = '/'): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
}

export interface FrameOpts {
  fin?: boolean;
  mask?: boolean;
  rsv?: number;
  key?: Buffer;
  /** Announce this length instead of the payload's (raw 64-bit value allowed as bigint). */
  len?: number | bigint;
}

/** A client frame (masked unless told otherwise). */
export function frame(op: number, payload: string | Buffer, o: FrameOpts = {}): Buffer {
  const p = Buffer.from(payload as Buffer);
  const fin = o.fin ?? true;
  const mask = o.mask ?? true;
  const key = o.key ?? MASK;
  const n = o.len ?? p.length;
  const b0 = (fin ? 0x80 : 0) | (o.rsv ?? 0) | op;
  let h: Buffer;
  if (typeof n === 'number' && n < 126) h = Buffer.from([b0, (mask ? 0x80 : 0) | n]);
  else if (typeof n === 'number' && n < 65536) {
    h = Buffer.alloc(4);
    h[0] = b0;
    h[1] = (mask ? 0x80 : 0) | 126;
    h.writeUInt16BE(n, 2);
  } else {
    h = Buffer.alloc(10);
    h[0] = b0;
    h[1] = (mask ? 0x80 : 0) | 127;
    h.writeBigUInt64BE(BigInt(n), 2);
  }
  if (!mask) return Buffer.concat([h, p]);
  for (let i = 0; i < p.length; i++) p[i]! ^= key[i & 3]!;
  return Buffer.concat([h, key, p]);
}

/** A close frame payload: status and reason. */
export function closeBody(status: number, reason: string | Buffer = ''): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(status, 0);
  return Buffer.concat([b, Buffer.from(reason as Buffer)]);
}

/** permessage-deflate payload of `s` (raw deflate, 00 00 FF FF removed). */
export function deflate(s: string | Buffer): Buffer {
  const d = zlib.deflateRawSync(Buffer.from(s as Buffer), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return d.subarray(0, d.length - 4);
}

export interface ServerFrame {
  fin: boolean;
  rsv1: boolean;
  op: number;
  payload: Buffer;
}

export class WsRaw {
  private constructor(
    readonly conn: RawConn,
    /** The HTTP response head, up to and including the empty line. */
    readonly head: string,
  ) {}

  /** Connects, sends `request` (an upgrade request by default) and reads the HTTP response head. */
  static async open(port: number, extra = '', request?: string): Promise<WsRaw> {
    const conn = await RawConn.open(port);
    conn.send(request ?? upgradeRequest(port, extra));
    const ok = await conn.until((b, closed) => closed || b.includes('\r\n\r\n'), 5000);
    const b = conn.pending();
    const i = b.indexOf('\r\n\r\n');
    if (!ok || i < 0) throw new Error(`no HTTP response head; have ${JSON.stringify(b.toString('latin1'))}`);
    return new WsRaw(conn, conn.take(i + 4).toString('latin1'));
  }

  get upgraded(): boolean {
    return this.head.startsWith('HTTP/1.1 101 ');
  }

  send(b: Buffer | string): void {
    this.conn.send(b);
  }

  /** A masked binary frame carrying NATS protocol text. */
  sendNats(s: string): void {
    this.conn.send(frame(2, s));
  }

  /** The next server frame, or null when the connection closed first (or after `ms`). */
  async nextFrame(ms = 5000): Promise<ServerFrame | null> {
    let f: ServerFrame | null = null;
    await this.conn.until((b, closed) => {
      f = parseFrame(b);
      return f !== null || closed;
    }, ms);
    if (f === null) return null;
    const fr = f as ServerFrame & { size: number };
    this.conn.take(fr.size);
    return { fin: fr.fin, rsv1: fr.rsv1, op: fr.op, payload: fr.payload };
  }

  /** NATS bytes from data frames (inflated when compressed) until `text` appears; control frames are kept in `control`. */
  async readNats(text: string, ms = 5000): Promise<string> {
    let s = '';
    const deadline = Date.now() + ms;
    let fragments: Buffer[] = [];
    let compressed = false;
    while (!s.includes(text)) {
      const f = await this.nextFrame(Math.max(1, deadline - Date.now()));
      if (f === null) throw new Error(`no ${JSON.stringify(text)}; have ${JSON.stringify(s)}`);
      if (f.op >= 8) {
        this.control.push(f);
        continue;
      }
      if (f.op !== 0) compressed = f.rsv1;
      fragments.push(f.payload);
      if (!f.fin) continue;
      const p = Buffer.concat(fragments);
      fragments = [];
      s += (compressed ? inflate(p) : p).toString('latin1');
    }
    return s;
  }

  control: ServerFrame[] = [];

  /**
   * Waits for the end: the close frame the server sends (if any) and the TCP close. `frames` are
   * all frames received before the close.
   */
  async closing(ms = 5000): Promise<{ frames: ServerFrame[]; close: { status: number; reason: string } | null; tcpClosed: boolean }> {
    const frames: ServerFrame[] = [];
    let close: { status: number; reason: string } | null = null;
    const deadline = Date.now() + ms;
    for (;;) {
      const f = await this.nextFrame(Math.max(1, deadline - Date.now()));
      if (f === null) break;
      if (f.op === 8) {
        close = { status: f.payload.length >= 2 ? f.payload.readUInt16BE(0) : -1, reason: f.payload.subarray(2).toString('latin1') };
        break;
      }
      frames.push(f);
    }
    const tcpClosed = await this.conn.until((_b, closed) => closed, Math.max(1, deadline - Date.now()));
    return { frames, close, tcpClosed };
  }

  close(): void {
    this.conn.close();
  }
}

function parseFrame(b: Buffer): (ServerFrame & { size: number }) | null {
  if (b.length < 2) return null;
  let len = b[1]! & 0x7f;
  let off = 2;
  if (len === 126) {
    if (b.length < 4) return null;
    len = b.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (b.length < 10) return null;
    len = Number(b.readBigUInt64BE(2));
    off = 10;
  }
  if (b[1]! & 0x80) off += 4;
  if (b.length < off + len) return null;
  return { fin: (b[0]! & 0x80) !== 0, rsv1: (b[0]! & 0x40) !== 0, op: b[0]! & 0x0f, payload: Buffer.from(b.subarray(off, off + len)), size: off + len };
}

export function inflate(p: Buffer): Buffer {
  return zlib.inflateRawSync(Buffer.concat([p, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

/** Replaces the Date header value (the only non-deterministic part of an HTTP error answer). */
export function noDate(s: string): string {
  return s.replace(/Date: [^\r]*\r\n/, 'Date: <date>\r\n');
}
