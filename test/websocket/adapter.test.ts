// The WebSocket Duplex under the unchanged connection engine (Server.acceptConnection), over real
// sockets: the `ws` client, raw frames split at every byte, bad frames, bombs, the close frame
// for each reason the engine closes with, and the health signals (pending bytes, pause).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { WebSocket } from 'ws';
import { startWsHarness } from './harness.js';
import { WsRaw, frame, closeBody, deflate } from './wsraw.js';
import { WsDuplex } from '../../src/transport/ws/index.js';
import type { Client } from '../../src/server/client.js';

/** A `ws` client speaking NATS: messages in one string, frames out. */
async function wsClient(port: number, opts: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<{ ws: WebSocket; text: () => string; waitFor: (s: string, ms?: number) => Promise<void> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false, ...opts });
  let got = '';
  const waiters = new Set<() => void>();
  ws.on('message', (d: Buffer) => {
    got += d.toString('latin1');
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const waitFor = (s: string, ms = 5000) => new Promise<void>((resolve, reject) => {
    const check = () => { if (got.includes(s)) { clearTimeout(t); waiters.delete(check); resolve(); return true; } return false; };
    const t = setTimeout(() => { waiters.delete(check); reject(new Error(`no ${JSON.stringify(s)}; have ${JSON.stringify(got.slice(-300))}`)); }, ms);
    if (!check()) waiters.add(check);
  });
  return { ws, text: () => got, waitFor };
}

test('the ws client: pub/sub and request/reply through the engine, plain and compressed', async (t) => {
  for (const compression of [false, true]) {
    const h = await startWsHarness(t, {}, { compression });
    const sub = await wsClient(h.wsPort, { perMessageDeflate: compression });
    const pub = await wsClient(h.wsPort, { perMessageDeflate: compression });
    await sub.waitFor('INFO ');
    assert.equal(sub.ws.extensions, compression ? 'permessage-deflate' : '');
    sub.ws.send('CONNECT {"verbose":false,"protocol":1}\r\nSUB foo 1\r\nPING\r\n');
    await sub.waitFor('PONG\r\n');
    const payload = 'x'.repeat(5000);
    pub.ws.send(`CONNECT {"verbose":false}\r\nPUB foo 5\r\nhello\r\nPUB foo 5000\r\n${payload}\r\nPING\r\n`);
    await pub.waitFor('PONG\r\n');
    await sub.waitFor(`MSG foo 1 5000\r\n${payload}\r\n`);
    assert.ok(sub.text().includes('MSG foo 1 5\r\nhello\r\n'));
    // Many small messages both ways: every byte arrives, in order.
    let batch = '';
    for (let i = 0; i < 2000; i++) batch += `PUB foo 4\r\n${String(i).padStart(4, '0')}\r\n`;
    pub.ws.send(batch + 'PING\r\n');
    await sub.waitFor('MSG foo 1 4\r\n1999\r\n');
    const seq = [...sub.text().matchAll(/MSG foo 1 4\r\n(\d{4})\r\n/g)].map((m) => Number(m[1]));
    assert.deepEqual(seq, Array.from({ length: 2000 }, (_, i) => i));
    sub.ws.close();
    pub.ws.close();
  }
});

test('raw frames split at every byte reach the engine intact', async (t) => {
  const h = await startWsHarness(t);
  const ws = await WsRaw.open(h.wsPort);
  ws.conn.sock.setNoDelay(true);
  await ws.readNats('INFO ');
  const stream = Buffer.concat([
    frame(2, 'CONNECT {"verbose":false}\r\nSUB a 1\r\n'),
    frame(2, 'PUB a 5\r\nhe', { fin: false }),
    frame(9, 'hb'),
    frame(0, 'llo\r\n', { key: Buffer.from([0xa0, 0xb1, 0xc2, 0xd3]) }),
    frame(2, 'PUB a 280\r\n' + 'w'.repeat(280) + '\r\nPI'), // 16-bit length
    frame(1, 'NG\r\n'),
  ]);
  // One byte per write, each handed to the kernel before the next.
  for (const b of stream) await ws.conn.write(Buffer.from([b]));
  const got = await ws.readNats('PONG\r\n');
  assert.equal(got, 'MSG a 1 5\r\nhello\r\nMSG a 1 280\r\n' + 'w'.repeat(280) + '\r\nPONG\r\n');
  assert.equal(ws.control.length, 1);
  assert.equal(ws.control[0]!.op, 10);
  assert.equal(ws.control[0]!.payload.toString(), 'hb');
  ws.close();
});

/** The engine's close reason for the next connection to close. */
function nextClose(h: { srv: import('../../src/index.js').Server }): Promise<string> {
  return new Promise((resolve) => h.srv.once('client:close', (_c: Client, reason: string) => resolve(reason)));
}

test('bad frames: the close frame with nats-server\'s status and text, then the TCP close; the engine closes as Read Error', async (t) => {
  const h = await startWsHarness(t);
  const cases: Array<[string, Buffer, number, string]> = [
    ['unmasked', frame(2, 'PING\r\n', { mask: false }), 1002, 'mask bit missing'],
    ['unknown opcode', frame(3, 'x'), 1002, 'unknown opcode 3'],
    ['ping of 126 bytes', frame(9, Buffer.alloc(126)), 1002, 'control frame length bigger than maximum allowed of 125 bytes'],
    ['fragmented ping', frame(9, 'a', { fin: false }), 1002, 'control frame does not have final bit set'],
    ['continuation without start', frame(0, 'x'), 1002, 'invalid continuation frame'],
    ['2^63 length', Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]), 1002, 'invalid payload length'],
  ];
  for (const [name, bytes, status, text] of cases) {
    const ws = await WsRaw.open(h.wsPort);
    await ws.readNats('INFO ');
    const reason = nextClose(h);
    ws.send(bytes);
    const end = await ws.closing();
    assert.deepEqual(end.close, { status, reason: text }, name);
    assert.ok(end.tcpClosed, `${name}: TCP closed`);
    assert.equal(await reason, 'Read Error', name);
  }
  // The server is fine: a new connection works.
  const ok = await WsRaw.open(h.wsPort);
  await ok.readNats('INFO ');
  ok.sendNats('PING\r\n');
  await ok.readNats('PONG\r\n');
  ok.close();
});

test('decompression bomb: refused with 1009 at the limit, the process does not inflate it', async (t) => {
  const h = await startWsHarness(t, { maxPayload: 1024, maxControlLine: 1024 }, { compression: true, maxDecompressed: 64 * 1024 });
  const ws = await WsRaw.open(h.wsPort, 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
  await ws.readNats('INFO ');
  // 64 MiB of zeros without holding them: 1 MiB deflated with a full flush (no history), repeated.
  const mb = zlib.deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: zlib.constants.Z_FULL_FLUSH });
  const bomb = Buffer.concat(Array.from({ length: 64 }, () => mb));
  const rss0 = process.memoryUsage().rss;
  ws.send(frame(2, bomb.subarray(0, bomb.length - 4), { rsv: 0x40 }));
  const end = await ws.closing();
  assert.deepEqual(end.close, { status: 1009, reason: 'decompressed message exceeds maximum allowed of 65536 bytes' });
  assert.ok(end.tcpClosed);
  assert.ok(process.memoryUsage().rss - rss0 < 48 << 20, 'did not grow by the inflated size');
  // Under the limit is fine.
  const ok = await WsRaw.open(h.wsPort, 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
  await ok.readNats('INFO ');
  ok.send(frame(2, deflate('CONNECT {"verbose":false}\r\nSUB s 1\r\nPUB s 500\r\n' + 'q'.repeat(500) + '\r\nPING\r\n'), { rsv: 0x40 }));
  assert.match(await ok.readNats('PONG\r\n'), /MSG s 1 500\r\nq{500}\r\nPONG\r\n$/);
  ok.close();
});

test('close frames for the engine\'s reasons: auth, max payload, max connections, stale, client FIN, shutdown', async (t) => {
  // Authorization violation and timeout: the -ERR, then 1008.
  const auth = await startWsHarness(t, { username: 'u', password: 'p', authTimeout: 300 });
  {
    const ws = await WsRaw.open(auth.wsPort);
    const info = await ws.readNats('INFO ');
    assert.match(info, /"auth_required":true/);
    ws.sendNats('CONNECT {"verbose":false,"user":"u","pass":"x"}\r\nPING\r\n');
    const end = await ws.closing();
    assert.equal(end.frames.map((f) => f.payload.toString()).join(''), "-ERR 'Authorization Violation'\r\n");
    assert.deepEqual(end.close, { status: 1008, reason: 'Authentication Failure' });
    assert.ok(end.tcpClosed);
  }
  {
    const ws = await WsRaw.open(auth.wsPort);
    await ws.readNats('INFO ');
    const end = await ws.closing();
    assert.equal(end.frames.map((f) => f.payload.toString()).join(''), "-ERR 'Authentication Timeout'\r\n");
    assert.deepEqual(end.close, { status: 1008, reason: 'Authentication Timeout' });
  }
  // Max payload: 1009 "Maximum Message Payload Exceeded".
  const h = await startWsHarness(t, { maxConnections: 1, pingInterval: 200, pingMax: 1 });
  {
    const ws = await WsRaw.open(h.wsPort);
    await ws.readNats('INFO ');
    ws.sendNats('CONNECT {"verbose":false}\r\nPUB a 2000000\r\n');
    const end = await ws.closing();
    assert.equal(end.frames.map((f) => f.payload.toString()).join(''), "-ERR 'Maximum Payload Violation'\r\n");
    assert.deepEqual(end.close, { status: 1009, reason: 'Maximum Message Payload Exceeded' });
  }
  // Stale connection (no PONG): 1006 after -ERR; meanwhile a second client is over max_connections (1008).
  {
    const ws = await WsRaw.open(h.wsPort);
    await ws.readNats('INFO ');
    ws.sendNats('CONNECT {"verbose":false}\r\n');
    const second = await WsRaw.open(h.wsPort);
    // INFO and -ERR come in one flush, so in one frame.
    assert.match(await second.readNats("-ERR 'maximum connections exceeded'\r\n"), /^INFO .*\r\n-ERR 'maximum connections exceeded'\r\n$/);
    const e2 = await second.closing();
    assert.deepEqual(e2.close, { status: 1008, reason: 'Maximum Connections Exceeded' });
    const end = await ws.closing(5000);
    assert.ok(end.frames.map((f) => f.payload.toString()).join('').endsWith("-ERR 'Stale Connection'\r\n"));
    assert.deepEqual(end.close, { status: 1006, reason: 'Stale Connection' });
  }
  // The client half-closes TCP without a close frame: 1000 "Client Closed" (captured).
  {
    const ws = await WsRaw.open(h.wsPort);
    await ws.readNats('INFO ');
    ws.conn.sock.end();
    const end = await ws.closing();
    assert.deepEqual(end.close, { status: 1000, reason: 'Client Closed' });
  }
  // Shutdown: 1001 "Server Shutdown".
  {
    const ws = await WsRaw.open(h.wsPort);
    await ws.readNats('INFO ');
    const end = ws.closing();
    await h.srv.shutdown();
    assert.deepEqual((await end).close, { status: 1001, reason: 'Server Shutdown' });
  }
});

test('health: writableLength counts what the socket has not written; pause() stops reading the socket', async (t) => {
  const h = await startWsHarness(t, { maxPending: 256 * 1024, maxPayload: 64 * 1024, writeDeadline: 60_000 });
  let sockOfSub: WsDuplex | null = null;
  h.srv.on('client:connect', (c: Client) => { if (sockOfSub === null && c.sock instanceof WsDuplex) sockOfSub = c.sock; });
  const sub = await WsRaw.open(h.wsPort);
  await sub.readNats('INFO ');
  sub.sendNats('CONNECT {"verbose":false}\r\nSUB big 1\r\nPING\r\n');
  await sub.readNats('PONG\r\n');
  assert.ok(sockOfSub !== null);
  const duplex = sockOfSub as WsDuplex;
  // The subscriber stops reading: its kernel buffers fill, then the Duplex holds the rest.
  sub.conn.sock.pause();
  const pub = await WsRaw.open(h.wsPort);
  await pub.readNats('INFO ');
  const reason = nextClose(h);
  const chunk = 'PUB big 16000\r\n' + 'z'.repeat(16000) + '\r\n';
  let maxSeen = 0;
  const timer = setInterval(() => { maxSeen = Math.max(maxSeen, duplex.writableLength); }, 1);
  pub.sendNats('CONNECT {"verbose":false}\r\n');
  for (let i = 0; i < 200 && !duplex.destroyed; i++) {
    pub.sendNats(chunk.repeat(4));
    await new Promise((r) => setImmediate(r));
  }
  // max_pending is counted on pending bytes, the Duplex's writableLength among them: a slow consumer, closed without a close frame.
  assert.equal(await reason, 'Slow Consumer (Pending Bytes)');
  clearInterval(timer);
  assert.ok(maxSeen > 0, 'writableLength rose while the socket could not write');
  assert.ok(duplex.socket.destroyed, 'socket destroyed (no flush)');
  pub.close();
  sub.close();

  // pause()/resume() on the Duplex reach the socket.
  const c = await WsRaw.open(h.wsPort);
  await c.readNats('INFO ');
  const d = h.duplexes.at(-1)!;
  d.pause();
  assert.equal(d.socket.isPaused(), true);
  c.sendNats('PING\r\n');
  assert.equal(await c.conn.until((b) => b.length > 0, 300), false, 'nothing read while paused');
  d.resume();
  await c.readNats('PONG\r\n');
  c.close();
});

test('the close of a client: the echo after what the engine still sends', async (t) => {
  const h = await startWsHarness(t);
  const ws = await WsRaw.open(h.wsPort);
  await ws.readNats('INFO ');
  const reason = nextClose(h);
  ws.send(Buffer.concat([frame(2, 'CONNECT {"verbose":false}\r\nSUB a 1\r\nPUB a 2\r\nhi\r\n'), frame(8, closeBody(4001, 'later'))]));
  const end = await ws.closing();
  assert.equal(end.frames.map((f) => f.payload.toString()).join(''), 'MSG a 1 2\r\nhi\r\n');
  assert.deepEqual(end.close, { status: 4001, reason: 'later' });
  assert.equal(await reason, 'Client Closed');
});

test('a ping flood from a client that does not read: pongs do not pile up', async (t) => {
  const h = await startWsHarness(t);
  const ws = await WsRaw.open(h.wsPort);
  await ws.readNats('INFO ');
  ws.conn.sock.pause();
  const d = h.duplexes.at(-1)!;
  const ping = frame(9, Buffer.alloc(125, 0x70));
  const burst = Buffer.concat(Array.from({ length: 2000 }, () => ping));
  for (let i = 0; i < 40; i++) await ws.conn.write(burst); // 80 000 pings, ~10 MB of pongs if all were answered
  await new Promise((r) => setTimeout(r, 100));
  const sockPending = (d.socket as unknown as { writableLength: number }).writableLength;
  assert.ok(sockPending <= 127, `socket buffer holds ${sockPending} bytes`);
  // Reading again: the last ping is answered, the connection works.
  ws.conn.sock.resume();
  ws.sendNats('PING\r\n');
  await ws.readNats('PONG\r\n');
  assert.ok(ws.control.length >= 1 && ws.control.length < 80_000);
  ws.close();
});
