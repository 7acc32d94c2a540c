// The upgrade over real sockets: every request of the captured table gets nats-server 2.9.10's
// answer byte for byte (Date aside) and the same keep-alive or close; origin checks, compression
// negotiation, handshake_timeout and the error log lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWsHarness } from './harness.js';
import { httpCases, sameOriginCases, allowedOriginCases, compressionCases, exchange, ALLOWED, type HttpCase } from './http-cases.js';
import { RawConn } from '../helpers/raw.js';

async function runTable(port: number, cases: HttpCase[]): Promise<void> {
  await Promise.all(
    cases.map(async (c) => {
      const r = await exchange(port, c);
      assert.equal(r.answer, c.expect, c.name);
      assert.equal(r.after, c.after, `${c.name}: connection ${c.after === 'open' ? 'kept' : 'closed'}`);
    }),
  );
}

test('upgrade requests get the captured answers', async (t) => {
  const h = await startWsHarness(t);
  await runTable(h.wsPort, httpCases);
  // The log lines nats-server writes for refused upgrades.
  const reasons = h.errors.map((l) => l.replace(/^127\.0\.0\.1:\d+ - /, '')).sort();
  for (const r of [
    'websocket handshake error: request method must be GET',
    "websocket handshake error: invalid value for header 'Upgrade'",
    "websocket handshake error: invalid value for header 'Connection'",
    'websocket handshake error: key missing',
    'websocket handshake error: invalid version',
    "websocket handshake error: 'Host' missing in request",
    'websocket handshake error: client sent data before handshake is complete',
  ]) assert.ok(reasons.includes(r), `log line ${JSON.stringify(r)} in ${JSON.stringify(reasons)}`);
});

test('same_origin and allowed_origins', async (t) => {
  const so = await startWsHarness(t, {}, { sameOrigin: true });
  await runTable(so.wsPort, sameOriginCases);
  assert.ok(so.errors.some((l) => l.endsWith('websocket handshake error: origin not allowed: not same origin')), so.errors.join('\n'));
  assert.ok(so.errors.some((l) => l.endsWith('origin not allowed: parse "null": invalid URI for request')), so.errors.join('\n'));
  const ao = await startWsHarness(t, {}, { allowedOrigins: ALLOWED });
  await runTable(ao.wsPort, allowedOriginCases);
  assert.ok(ao.errors.some((l) => l.endsWith('origin not allowed: not in the allowed list')));
  // Both: the origin must be the same and listed.
  const both = await startWsHarness(t, {}, { sameOrigin: true, allowedOrigins: ['http://127.0.0.1:1'] });
  const r = await exchange(both.wsPort, { ...sameOriginCases[0]!, after: 'open' });
  assert.match(r.answer, /^HTTP\/1\.1 403 Forbidden\r\n/);
});

test('compression: permessage-deflate accepted whatever its parameters, answered with both no_context_takeover', async (t) => {
  const h = await startWsHarness(t, {}, { compression: true });
  await runTable(h.wsPort, compressionCases);
});

test('handshake_timeout: an unfinished request is closed without an answer, also between keep-alive requests', async (t) => {
  const h = await startWsHarness(t, {}, { handshakeTimeout: 300 });
  const partial = await RawConn.open(h.wsPort);
  const t0 = Date.now();
  partial.send(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${h.wsPort}\r\n`);
  assert.ok(await partial.until((_b, closed) => closed, 5000), 'closed');
  const ms = Date.now() - t0;
  assert.ok(ms >= 250, `closed after ${ms} ms`);
  assert.equal(partial.pending().length, 0, 'no answer');
  // After a refused request the connection waits for the next one, for the same time at most.
  const idle = await RawConn.open(h.wsPort);
  idle.send(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${h.wsPort}\r\n\r\n`);
  assert.ok(await idle.until((b) => b.toString().includes('Bad Request\n'), 5000));
  assert.ok(await idle.until((_b, closed) => closed, 5000), 'idle connection closed');
  // An upgraded connection is no longer subject to it.
  const ws = await RawConn.open(h.wsPort);
  ws.send(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${h.wsPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  assert.ok(await ws.until((b) => b.includes('INFO '), 5000));
  assert.equal(await ws.until((_b, closed) => closed, 600), false, 'upgraded connection stays');
  ws.close();
});

test('no handshake_timeout (the default, as nats-server): an unfinished request waits', async (t) => {
  const h = await startWsHarness(t);
  const c = await RawConn.open(h.wsPort);
  c.send('GET / HTTP/1.1\r\n');
  assert.equal(await c.until((_b, closed) => closed, 500), false);
  c.close();
});

test('random and mutated requests never throw, and always get an answer or a decision', async () => {
  const { handleRequest } = await import('../../src/transport/ws/handshake.js');
  const { OriginChecker } = await import('../../src/transport/ws/origin.js');
  const { HeaderEndScanner } = await import('../../src/transport/ws/http.js');
  const o = { compression: true, origins: new OriginChecker(true, ['http://a.b', 'bad url', 'https://[::1]:9']), jwtCookie: 'jwt', tls: false };
  const base = Buffer.from('GET /p?q HTTP/1.1\r\nHost: h:1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\nSec-WebSocket-Version: 13\r\nOrigin: http://h:1\r\nCookie: a=b; jwt="x"\r\nSec-WebSocket-Extensions: permessage-deflate\r\nX-Forwarded-For: ::1\r\n\r\n');
  let x = 2463534242;
  const rnd = (n: number) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
  const alphabet = Buffer.from(' :\r\n/%[]?*@#\t\x00\xffGETHTP1.0');
  for (let k = 0; k < 5000; k++) {
    const b = Buffer.from(base);
    for (let m = 0; m < 1 + rnd(6); m++) b[rnd(b.length)] = rnd(2) ? alphabet[rnd(alphabet.length)]! : rnd(256);
    const end = new HeaderEndScanner().scan(b);
    if (end < 0) continue;
    const r = handleRequest(b.subarray(0, end), o, '1.2.3.4:5');
    assert.ok(r.kind === 'upgrade' ? r.response.toString().startsWith('HTTP/1.1 101 ') : r.response.length > 0);
  }
});
