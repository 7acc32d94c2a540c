// A real browser: headless Chromium (playwright-core, test/helpers/browser.ts) loads a page served by
// this test's own HTTP server; the page imports nats.js (@nats-io/nats-core, which ships CommonJS
// only, so it is bundled here for the browser with esbuild from node_modules) and connects with
// `wsconnect` to tsnats's WebSocket listener. It publishes and receives across to a TCP client
// (the official Node client), with compression off and on, and a page from an origin that is not
// allowed is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { connect } from '@nats-io/transport-node';
import { startServer, type Server } from '../../src/index.js';
import type { WebsocketService } from '../../src/services.js';
import { WsDuplex } from '../../src/transport/ws/index.js';
import { logCollector } from '../helpers/tsnats.js';
import { hasChromium, openBrowser, type Browser } from '../helpers/browser.js';

const skip = !hasChromium() && !process.env.CI && 'Debian chromium is not installed (apt-get install -y chromium)';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>nats.js in a browser</title></head><body>
<script type="module">
import { wsconnect, headers } from './nats.js';
window.nats = { wsconnect, headers };
document.body.dataset.ready = '1';
</script></body></html>`;

let http: HttpServer;
let httpUrl = '';
let b: Browser;

before(async () => {
  if (skip) return;
  // nats.js for the browser: the package's own code and its dependencies (nkeys, nuid) as one ES module.
  const bundle = await build({
    stdin: { contents: 'export { wsconnect, headers } from "@nats-io/nats-core";', resolveDir: process.cwd() },
    bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent',
  });
  const js = bundle.outputFiles[0]!.contents;
  http = createHttpServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/nats.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(js);
    else if (path === '/') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  b = await openBrowser();
});

after(async () => {
  await b?.close();
  await new Promise((r) => (http ? http.close(r) : r(undefined)));
});

async function wsServer(websocket: Record<string, unknown>, log?: (l: string) => void): Promise<{ srv: Server; wsUrl: string }> {
  const srv = await startServer({ websocket: { port: 0, ...websocket }, log });
  return { srv, wsUrl: `ws://127.0.0.1:${srv.service<WebsocketService>('websocket')!.port}` };
}

for (const compression of [false, true]) {
  test(`Chromium: nats.js wsconnect to tsnats, messages across to a TCP client${compression ? ' (permessage-deflate)' : ''}`, { skip }, async (t) => {
    // The page's own origin is the one allowed.
    const { srv, wsUrl } = await wsServer({ compression, allowedOrigins: [httpUrl] });
    t.after(() => srv.shutdown());
    const page = b.page;
    await page.goto(`${httpUrl}/`);
    await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
    const tcp = await connect({ servers: srv.url, name: 'tcp-side' });
    t.after(() => tcp.close());
    const fromBrowser: string[] = [];
    tcp.subscribe('from.browser.>', { callback: (_e, m) => { fromBrowser.push(`${m.subject}:${m.string()}:${m.headers?.get('X-From') ?? ''}`); } });
    tcp.subscribe('svc.tcp', { callback: (_e, m) => { m.respond(`tcp:${m.string()}`); } });
    await tcp.flush();

    // In the page: connect, subscribe, publish with headers, answer requests, make one.
    const r = await page.evaluate(async (url) => {
      const w = globalThis as any;
      const nc = await w.nats.wsconnect({ servers: url, name: 'chromium' });
      w.nc = nc;
      w.got = [];
      nc.subscribe('to.browser', { callback: (_e: unknown, m: any) => { w.got.push(m.string()); } });
      nc.subscribe('svc.browser', { callback: (_e: unknown, m: any) => { m.respond('browser:' + m.string()); } });
      const h = w.nats.headers();
      h.set('X-From', 'chromium');
      nc.publish('from.browser.a', 'hello from the page', { headers: h });
      const rep = await nc.request('svc.tcp', 'ping', { timeout: 3000 });
      await nc.flush();
      return { proto: nc.info.proto, reply: rep.string(), ua: (globalThis as any).navigator.userAgent };
    }, wsUrl);
    assert.equal(r.proto, 1);
    assert.equal(r.reply, 'tcp:ping');
    assert.match(r.ua, /^Mozilla\//);

    // The server sees a WebSocket client with a browser User-Agent, compressed as negotiated.
    const c = [...srv.clients.values()].find((x) => x.opts.name === 'chromium')!;
    assert.equal(c.type, 'websocket');
    assert.ok(c.sock instanceof WsDuplex);
    assert.equal(c.sock.browser, true, 'outbound frames of at most 4096 bytes');
    assert.equal(c.sock.compression, compression);

    // TCP → browser: small, large (many 4096-byte frames), request/reply.
    const big = 'B'.repeat(200_000);
    tcp.publish('to.browser', 'hi page');
    tcp.publish('to.browser', big);
    const rep = await tcp.request('svc.browser', 'q', { timeout: 3000 });
    assert.equal(rep.string(), 'browser:q');
    await page.waitForFunction((n) => (globalThis as any).got.length >= n, 2, { timeout: 10_000 });
    const got = await page.evaluate(() => (globalThis as any).got.map((s: string) => (s.length > 20 ? `${s[0]}x${s.length}` : s)));
    assert.deepEqual(got, ['hi page', 'Bx200000']);
    assert.deepEqual(fromBrowser, ['from.browser.a:hello from the page:chromium']);

    // A burst from the page arrives complete and in order.
    const n = 2000;
    const seen: number[] = [];
    const done = new Promise<void>((resolve) => tcp.subscribe('burst', { callback: (_e, m) => { seen.push(Number(m.string())); if (seen.length === n) resolve(); } }));
    await tcp.flush();
    await page.evaluate(async (k) => {
      const nc = (globalThis as any).nc;
      for (let i = 0; i < k; i++) nc.publish('burst', String(i));
      await nc.flush();
    }, n);
    await done;
    assert.deepEqual(seen, Array.from({ length: n }, (_, i) => i));
    await page.evaluate(() => (globalThis as any).nc.close());
  });
}

test('Chromium: a page from an origin that is not allowed is refused (403), and nothing else is affected', { skip }, async (t) => {
  const logs = logCollector();
  const { srv, wsUrl } = await wsServer({ allowedOrigins: ['http://example.com'] }, logs.log);
  t.after(() => srv.shutdown());
  await b.page.goto(`${httpUrl}/`);
  await b.page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  const err = await b.page.evaluate(async (url) => {
    try {
      await (globalThis as any).nats.wsconnect({ servers: url, reconnect: false });
      return 'connected';
    } catch (e) {
      return String(e);
    }
  }, wsUrl);
  assert.notEqual(err, 'connected');
  await logs.wait(/\[ERR\] 127\.0\.0\.1:\d+ - websocket handshake error: origin not allowed: not in the allowed list/);
  assert.equal(srv.clients.size, 0);
});
