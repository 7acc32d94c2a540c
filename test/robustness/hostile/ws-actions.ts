// Hostile WebSocket clients: each opens its own connection to the WebSocket listener and misbehaves in
// one way (the "Bad input"), and reports how the server answered. The server must answer as
// nats-server does (or close cleanly with a reason) and let go of everything.
import * as zlib from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { RawConn } from '../../helpers/raw.js';
import { WsRaw, frame, closeBody } from '../../websocket/wsraw.js';

const MB = 1024 * 1024;

export interface WsOutcome {
  /** The HTTP status line, or '' when the server answered nothing. */
  status: string;
  /** The close frame the server sent, if any. */
  close: { status: number; reason: string } | null;
  /** NATS bytes the server sent (after INFO), when relevant. */
  nats: string;
  closedByServer: boolean;
}

/** An upgrade request that never finishes: a header byte every 100 ms; closed by handshake_timeout, unanswered. */
export async function slowUpgrade(port: number, maxMs = 10_000): Promise<WsOutcome> {
  const c = await RawConn.open(port);
  c.send('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
  const end = Date.now() + maxMs;
  while (!c.closed && Date.now() < end) {
    c.send('a');
    await sleep(100);
  }
  const out = { status: c.pending().toString('latin1').split('\r\n')[0]!, close: null, nats: '', closedByServer: c.closed };
  c.close();
  return out;
}

/** A header block over 1 MiB + 4 KiB: 431, then the close. */
export async function hugeHeaders(port: number): Promise<WsOutcome> {
  const c = await RawConn.open(port);
  c.send(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'h'.repeat(MB + 8192)}\r\n\r\n`);
  await c.until((_b, closed) => closed, 10_000);
  const out = { status: c.pending().toString('latin1').split('\r\n')[0]!, close: null, nats: '', closedByServer: c.closed };
  c.close();
  return out;
}

/** Upgrade, CONNECT, then `bytes` (frames); wait for the server's close frame and TCP close. */
export async function afterUpgrade(port: number, bytes: Buffer[], extraHeaders = ''): Promise<WsOutcome> {
  const ws = await WsRaw.open(port, extraHeaders);
  await ws.readNats('INFO ');
  ws.sendNats('CONNECT {"verbose":false}\r\n');
  for (const b of bytes) ws.send(b);
  const end = await ws.closing(10_000);
  const out = { status: ws.head.split('\r\n')[0]!, close: end.close, nats: end.frames.map((f) => f.payload.toString('latin1')).join(''), closedByServer: end.tcpClosed };
  ws.close();
  return out;
}

/** Frames nats-server refuses, and the 2^63 length that crashes it. */
export const badFrames: Record<string, Buffer> = {
  unmasked: frame(2, 'PING\r\n', { mask: false }),
  len2pow63: Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]),
  unknownOpcode: frame(3, 'x'),
  bigPing: frame(9, Buffer.alloc(126)),
  orphanContinuation: frame(0, 'x'),
};

/** A close frame with an invalid code (999): echoed, as nats-server (codes are not validated). */
export const closeCode999 = frame(8, closeBody(999, 'x'));

/** 64 MiB of zeros deflated into a few hundred KB (never held inflated by the client either). */
export function bomb(): Buffer {
  const mb = zlib.deflateRawSync(Buffer.alloc(MB), { finishFlush: zlib.constants.Z_FULL_FLUSH });
  const b = Buffer.concat(Array.from({ length: 64 }, () => mb));
  return frame(2, b.subarray(0, b.length - 4), { rsv: 0x40 });
}

/** A text frame with invalid UTF-8 is delivered as the reference delivers it (no UTF-8 check). */
export async function invalidUtf8Text(port: number): Promise<string> {
  const ws = await WsRaw.open(port);
  await ws.readNats('INFO ');
  ws.send(frame(1, Buffer.concat([Buffer.from('CONNECT {"verbose":false}\r\nSUB z 1\r\nPUB z 2\r\n'), Buffer.from([0xff, 0xfe]), Buffer.from('\r\nPING\r\n')])));
  const got = await ws.readNats('PONG\r\n');
  ws.close();
  return got;
}

/** Subscribes, then the socket is destroyed without a close frame. */
export async function vanish(port: number): Promise<void> {
  const ws = await WsRaw.open(port);
  await ws.readNats('INFO ');
  ws.sendNats('CONNECT {"verbose":false}\r\nSUB gone 1\r\nPING\r\n');
  await ws.readNats('PONG\r\n');
  ws.conn.sock.destroy();
}
