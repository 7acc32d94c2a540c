// `node dist/bench/ws-framing.js [--msgs 200000] [--rounds 3]`: the server-side cost of WebSocket
// framing for NATS traffic, `ws` (v8) against the framing written here (src/transport/ws), with
// and without permessage-deflate. A child process (the client) sends 128-byte NATS messages, one
// masked frame each (compressed when negotiated), keeping a window of messages in flight; this
// process upgrades the connection, deframes and unmasks, and sends every byte back framed, which
// is what a WebSocket NATS connection does both ways. Prints msgs/s and this process's CPU per
// message (user+system), the median of the rounds.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { WebSocketServer } from 'ws';
import { FrameDecoder } from '../src/transport/ws/decoder.js';
import { encodeData, controlFrame } from '../src/transport/ws/encoder.js';
import { OP_PONG, WS_GUID } from '../src/transport/ws/const.js';

const MSG = Buffer.from('MSG foo.bar 1 107\r\n' + 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.repeat(2).slice(0, 107) + '\r\n');
if (MSG.length !== 128) throw new Error(`message is ${MSG.length} bytes`);

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

// ---------------------------------------------------------------- the client (child process)

async function client(port: number, total: number, compress: boolean): Promise<void> {
  const { connect } = await import('node:net');
  const s = connect(port, '127.0.0.1');
  s.setNoDelay(true);
  const key = Buffer.from('bench-key-000001').toString('base64');
  s.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` + (compress ? 'Sec-WebSocket-Extensions: permessage-deflate\r\n' : '') + '\r\n');
  // One masked frame per message; the same bytes every time.
  const mask = Buffer.from([0x11, 0x22, 0x33, 0x44]);
  let payload: Buffer = MSG;
  if (compress) {
    const d = zlib.deflateRawSync(MSG, { level: 1, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    payload = d.subarray(0, d.length - 4);
  }
  const ext = payload.length > 125 ? 2 : 0;
  const frame = Buffer.alloc(6 + ext + payload.length);
  frame[0] = 0x82 | (compress ? 0x40 : 0);
  frame[1] = 0x80 | (ext ? 126 : payload.length);
  if (ext) frame.writeUInt16BE(payload.length, 2);
  mask.copy(frame, 2 + ext);
  for (let i = 0; i < payload.length; i++) frame[6 + ext + i] = payload[i]! ^ mask[i & 3]!;
  const BATCH = 256;
  const batch = Buffer.concat(Array.from({ length: BATCH }, () => frame));
  const WINDOW = 8192;
  let sent = 0;
  let received = 0; // NATS bytes echoed
  let upgraded = false;
  let buf: Buffer = Buffer.alloc(0);
  const pump = () => {
    while (sent < total && sent - received / MSG.length < WINDOW) {
      const n = Math.min(BATCH, total - sent);
      s.write(n === BATCH ? batch : batch.subarray(0, n * frame.length));
      sent += n;
    }
  };
  let t0 = 0;
  s.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    if (!upgraded) {
      const i = buf.indexOf('\r\n\r\n');
      if (i < 0) return;
      if (!buf.subarray(0, i).toString().startsWith('HTTP/1.1 101')) throw new Error('no upgrade: ' + buf.toString());
      buf = buf.subarray(i + 4);
      upgraded = true;
      t0 = performance.now();
      process.stdout.write('start\n');
      pump();
    }
    let off = 0;
    while (buf.length - off >= 2) {
      const b0 = buf[off]!;
      let len = buf[off + 1]! & 0x7f;
      let h = 2;
      if (len === 126) { if (buf.length - off < 4) break; len = buf.readUInt16BE(off + 2); h = 4; }
      else if (len === 127) { if (buf.length - off < 10) break; len = Number(buf.readBigUInt64BE(off + 2)); h = 10; }
      if (buf.length - off < h + len) break;
      const p = buf.subarray(off + h, off + h + len);
      received += b0 & 0x40 ? zlib.inflateRawSync(Buffer.concat([p, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).length : len;
      off += h + len;
    }
    buf = buf.subarray(off);
    if (received >= total * MSG.length) {
      process.stdout.write(`done ${performance.now() - t0}\n`);
      s.destroy();
      return;
    }
    pump();
  });
}

// ---------------------------------------------------------------- the servers (this process)

type Impl = 'ws' | 'ws-batched' | 'hand' | 'hand-per-frame';

function acceptKey(k: string): string {
  return createHash('sha1').update(k + WS_GUID).digest('base64');
}

/** The framing written here: one frame back per read batch ('hand') or per received frame. */
function handServer(compress: boolean, perFrame: boolean): Server {
  return createServer((sock: Socket) => {
    sock.setNoDelay(true);
    let head: Buffer | null = Buffer.alloc(0);
    const opts = { compress, browser: false, noCompressedFragments: false };
    let batch: Buffer[] = [];
    let batchLen = 0;
    const flush = () => {
      if (batchLen === 0) return;
      const frames = encodeData(batch, batchLen, opts);
      batch = [];
      batchLen = 0;
      if (frames.length > 1) sock.cork();
      for (const f of frames) sock.write(f);
      if (frames.length > 1) sock.uncork();
    };
    const dec = new FrameDecoder({
      data: (b) => {
        batch.push(b);
        batchLen += b.length;
        if (perFrame) flush();
      },
      ping: (p) => sock.write(controlFrame(OP_PONG, p)),
      close: () => sock.end(),
      error: (_s, text) => { console.error('decode error', text); sock.destroy(); },
    }, { maskRequired: true, maxDecompressed: 1 << 20 });
    sock.on('data', (d: Buffer) => {
      if (head !== null) {
        head = Buffer.concat([head, d]);
        const i = head.indexOf('\r\n\r\n');
        if (i < 0) return;
        const req = head.subarray(0, i).toString('latin1');
        const key = /sec-websocket-key: *(\S+)/i.exec(req)![1]!;
        const pmd = compress && /permessage-deflate/i.test(req);
        opts.compress = pmd;
        sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
          (pmd ? 'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n' : '') + '\r\n');
        d = head.subarray(i + 4);
        head = null;
        if (d.length === 0) return;
      }
      dec.feed(d);
      flush();
    });
    sock.on('error', () => {});
  });
}

/**
 * `ws`: the library's server, echoing each message with send(), or (`batched`) everything received
 * in one turn with one send(): what an adapter on `ws` would do with the engine's one write per flush.
 */
function wsServer(compress: boolean, batched: boolean): { server: Server; close(): void } {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1 << 20,
    perMessageDeflate: compress
      ? { threshold: 64, serverNoContextTakeover: true, clientNoContextTakeover: true, zlibDeflateOptions: { level: 1 } }
      : false,
  });
  wss.on('connection', (ws) => {
    if (!batched) {
      ws.on('message', (data: Buffer) => ws.send(data, { binary: true }));
      return;
    }
    let pending: Buffer[] = [];
    ws.on('message', (data: Buffer) => {
      if (pending.length === 0) {
        setImmediate(() => {
          const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
          pending = [];
          ws.send(all, { binary: true });
        });
      }
      pending.push(data);
    });
  });
  // The same upgrade path for both: the HTTP request is read by node:http for `ws`.
  const http = createHttpServer();
  http.on('upgrade', (req: IncomingMessage, sock: Socket, head: Buffer) => {
    sock.setNoDelay(true);
    wss.handleUpgrade(req, sock, head, (ws) => wss.emit('connection', ws, req));
  });
  return { server: http, close: () => wss.close() };
}

async function runCase(impl: Impl, compress: boolean, total: number): Promise<{ rate: number; cpuPerMsg: number }> {
  let server: Server;
  let close = () => {};
  if (impl === 'ws' || impl === 'ws-batched') {
    const w = wsServer(compress, impl === 'ws-batched');
    server = w.server;
    close = w.close;
  } else {
    server = handServer(compress, impl === 'hand-per-frame');
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'client', String(port), String(total), compress ? '1' : '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let cpu0 = process.cpuUsage();
    let out = '';
    const ms = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += String(d);
        if (out.includes('start\n') && !out.includes('started')) { cpu0 = process.cpuUsage(); out = out.replace('start\n', 'started\n'); }
        const m = /done ([\d.]+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => { if (!/done/.test(out)) reject(new Error(`client exited ${code}`)); });
    });
    const cpu = process.cpuUsage(cpu0);
    return { rate: total / (ms / 1000), cpuPerMsg: (cpu.user + cpu.system) / total };
  } finally {
    child.kill();
    close();
    server.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (process.argv[2] === 'client') {
  await client(Number(process.argv[3]), Number(process.argv[4]), process.argv[5] === '1');
} else {
  const total = arg('--msgs', 200_000);
  const rounds = arg('--rounds', 3);
  console.log(`ws-framing: ${total} messages of ${MSG.length} B echoed per run, ${rounds} rounds (median), node ${process.version}`);
  for (const compress of [false, true]) {
    for (const impl of ['ws', 'ws-batched', 'hand', 'hand-per-frame'] as Impl[]) {
      const rs: number[] = [];
      const cs: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const { rate, cpuPerMsg } = await runCase(impl, compress, compress ? Math.floor(total / 4) : total);
        rs.push(rate);
        cs.push(cpuPerMsg);
      }
      console.log(`${(impl + (compress ? ' +deflate' : '')).padEnd(26)} ${Math.round(median(rs)).toString().padStart(8)} msgs/s   server CPU ${median(cs).toFixed(2).padStart(6)} µs/msg`);
    }
  }
}
