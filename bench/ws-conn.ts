// One raw WebSocket client connection for the load generators, with RawConn's interface (conn.ts):
// the upgrade (optionally offering permessage-deflate), INFO → CONNECT + setup + PING → PONG, then
// every NATS byte the server sends goes to `onBytes` (server frames decoded, compressed ones
// inflated). Publishers write pre-built masked frames (wsChunkOf), as a browser's nats.js sends one
// frame per flush; `writeProto` frames small protocol lines (PING).
import { connect, type Socket } from 'node:net';
import * as zlib from 'node:zlib';
import { connectLine } from './frames.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** A masked client frame (binary, FIN), compressed when `deflate` (RSV1, raw DEFLATE, tail removed). */
export function clientFrame(payload: Buffer, deflate = false): Buffer {
  let p = payload;
  if (deflate) {
    const d = zlib.deflateRawSync(payload, { level: 1, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    p = d.subarray(0, d.length - 4);
  }
  const n = p.length;
  const hl = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(hl + 4 + n);
  out[0] = 0x80 | (deflate ? 0x40 : 0) | 0x02;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  MASK.copy(out, hl);
  for (let i = 0; i < n; i++) out[hl + 4 + i] = p[i]! ^ MASK[i & 3]!;
  return out;
}

/**
 * A chunk of masked frames carrying `frame` (one PUB) repeated: `perFrame` PUBs per WebSocket frame
 * (nats.js flushes at 32 KiB), `frames` frames. Returns the bytes and the number of PUBs in them.
 */
export function wsChunkOf(pub: Buffer, chunkBytes: number, deflate: boolean): { chunk: Buffer; frames: number } {
  const perFrame = Math.max(1, Math.floor((32 * 1024) / pub.length));
  const payload = Buffer.concat(Array.from({ length: perFrame }, () => pub));
  const f = clientFrame(payload, deflate);
  const count = Math.max(1, Math.floor(chunkBytes / payload.length));
  return { chunk: Buffer.concat(Array.from({ length: count }, () => f)), frames: count * perFrame };
}

export class WsConn {
  readonly sock: Socket;
  onBytes: (n: number, buf: Buffer) => void = () => {};
  onLost: (why: string) => void = () => {};
  closing = false;
  private ready = false;
  private upgraded = false;
  private head = '';
  private text = '';
  private sentConnect = false;
  // frame decoder state
  private hdr = Buffer.alloc(14);
  private hdrLen = 0;
  private need = 2;
  private payloadLeft = 0;
  private rsv1 = false;
  private fin = false;
  private opcode = 0;
  private inMessageCompressed = false;
  private fragments: Buffer[] = [];

  private constructor(sock: Socket, private readonly compress: boolean) { this.sock = sock; }

  static open(port: number, name: string, setup = '', compress = false, readBuffer = Number(process.env.BENCH_RBUF ?? 256 * 1024)): Promise<WsConn> {
    return new Promise((resolve, reject) => {
      let c: WsConn;
      const fail = (why: string) => { sock.destroy(); reject(new Error(why)); };
      const nats = (n: number, buf: Buffer) => {
        if (c.ready) { c.onBytes(n, buf); return; }
        c.text += buf.toString('latin1', 0, n);
        if (!c.text.startsWith('INFO ')) { if (c.text.length >= 5) fail(`expected INFO, got ${JSON.stringify(c.text)}`); return; }
        const eol = c.text.indexOf('\n');
        if (eol < 0) return;
        if (!c.sentConnect) {
          c.sentConnect = true;
          c.writeProto(connectLine(name) + setup + 'PING\r\n');
        }
        const after = c.text.slice(eol + 1);
        if (after.includes('-ERR')) return fail(`server said ${JSON.stringify(after)}`);
        const p = after.indexOf('PONG\r\n');
        if (p < 0) return;
        if (after.length > p + 6) return fail(`unexpected bytes after PONG: ${JSON.stringify(after.slice(p + 6, p + 86))}`);
        c.ready = true;
        c.text = '';
        resolve(c);
      };
      const sock = connect({
        port,
        host: '127.0.0.1',
        noDelay: true,
        onread: {
          buffer: Buffer.allocUnsafe(readBuffer),
          callback: (n: number, u8: Uint8Array): boolean => {
            const buf = u8 as Buffer;
            let off = 0;
            if (!c.upgraded) {
              c.head += buf.toString('latin1', 0, n);
              const e = c.head.indexOf('\r\n\r\n');
              if (e < 0) return true;
              if (!c.head.startsWith('HTTP/1.1 101 ')) { fail(`upgrade refused: ${JSON.stringify(c.head.slice(0, 200))}`); return true; }
              if (compress && !/permessage-deflate/i.test(c.head)) { fail('permessage-deflate was not negotiated'); return true; }
              c.upgraded = true;
              // What followed the head in this read (the INFO frame, usually).
              const used = Buffer.byteLength(c.head.slice(0, e + 4), 'latin1') - (c.head.length - n);
              off = used;
            }
            c.decode(buf, off, n, nats);
            return true;
          },
        },
      }, () => {
        sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n` +
          (compress ? 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' : '') + '\r\n');
      });
      c = new WsConn(sock, compress);
      sock.once('error', (e) => { if (!c.ready) reject(e); else c.onLost(`error: ${e.message}`); });
      sock.once('close', () => { if (!c.ready) reject(new Error('closed during handshake')); else if (!c.closing) c.onLost('closed by server'); });
    });
  }

  /** Server frames in buf[off..end) → NATS bytes to `out` (views of `buf`, or inflated copies). */
  private decode(buf: Buffer, off: number, end: number, out: (n: number, b: Buffer) => void): void {
    while (off < end) {
      if (this.payloadLeft === 0 && this.hdrLen < this.need) {
        const take = Math.min(this.need - this.hdrLen, end - off);
        buf.copy(this.hdr, this.hdrLen, off, off + take);
        this.hdrLen += take;
        off += take;
        if (this.hdrLen < this.need) return;
        if (this.need === 2) {
          const l = this.hdr[1]! & 0x7f;
          if (l === 126) { this.need = 4; continue; }
          if (l === 127) { this.need = 10; continue; }
        }
        const b0 = this.hdr[0]!;
        const l7 = this.hdr[1]! & 0x7f;
        const len = l7 === 126 ? this.hdr.readUInt16BE(2) : l7 === 127 ? Number(this.hdr.readBigUInt64BE(2)) : l7;
        this.fin = (b0 & 0x80) !== 0;
        this.rsv1 = (b0 & 0x40) !== 0;
        this.opcode = b0 & 0x0f;
        if (this.opcode !== 0) this.inMessageCompressed = this.rsv1;
        this.hdrLen = 0;
        this.need = 2;
        this.payloadLeft = len;
        if (len === 0) this.endFrame(out);
        continue;
      }
      const take = Math.min(this.payloadLeft, end - off);
      const data = buf.subarray(off, off + take);
      off += take;
      this.payloadLeft -= take;
      if (this.opcode >= 8) { /* control frames: ignored (the server sends none but close) */ }
      else if (this.inMessageCompressed) this.fragments.push(Buffer.from(data));
      else out(take, data);
      if (this.payloadLeft === 0) this.endFrame(out);
    }
  }

  private endFrame(out: (n: number, b: Buffer) => void): void {
    if (this.opcode >= 8 || !this.fin || !this.inMessageCompressed) return;
    const inflated = zlib.inflateRawSync(Buffer.concat([...this.fragments, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    this.fragments = [];
    out(inflated.length, inflated);
  }

  /** Pre-framed bytes (wsChunkOf). */
  write(b: Buffer | string): boolean { return this.sock.write(b); }

  /** A protocol line in its own frame. */
  writeProto(s: string): boolean { return this.sock.write(clientFrame(Buffer.from(s, 'latin1'), false)); }

  get compressed(): boolean { return this.compress; }

  close(): void { this.closing = true; this.sock.destroy(); }
}
