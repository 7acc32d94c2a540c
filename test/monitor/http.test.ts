// The HTTP monitor over plain HTTP: every endpoint, its wire format (pretty JSON, JSONP, 400 and
// 404 texts), request counters, base path, and startup through the CLI.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../dev/ports.js';
import { startServer, type Server } from '../../src/index.js';
import { startServer as spawnServer } from '../helpers/servers.js';
import { RawConn } from '../helpers/raw.js';
import { get, getJSON, readUntil } from './helpers.js';
import { monitorPort } from '../helpers/tsnats.js';

const ENDPOINTS = ['/varz', '/connz', '/subsz', '/subscriptionsz', '/accountz', '/accstatz', '/routez', '/leafz', '/gatewayz', '/jsz'];

describe('HTTP monitor', () => {
  let srv: Server;
  let port: number;
  before(async () => {
    srv = await startServer({ httpPort: -1 });
    port = monitorPort(srv);
  });
  after(() => srv.shutdown());

  test('every endpoint answers pretty JSON (2-space indent, no trailing newline)', async () => {
    for (const p of ENDPOINTS) {
      const r = await get(port, p);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers['content-type'], 'application/json', p);
      assert.match(r.text, /^\{\n  "/, `${p} is indented`);
      assert.ok(r.text.endsWith('}'), `${p} has no trailing newline`);
      assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.text), p);
      assert.equal(typeof r.json(), 'object');
    }
  });

  test('/healthz is compact {"status":"ok"}', async () => {
    const r = await get(port, '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"status":"ok"}');
  });

  test('the none-yet endpoints have the reference shape', async () => {
    const routez = await getJSON(port, '/routez');
    assert.deepEqual({ n: routez.num_routes, r: routez.routes, id: routez.server_id }, { n: 0, r: [], id: srv.id });
    const leafz = await getJSON(port, '/leafz');
    assert.deepEqual([leafz.leafnodes, leafz.leafs], [0, null]);
    const gw = await getJSON(port, '/gatewayz');
    assert.deepEqual([gw.outbound_gateways, gw.inbound_gateways], [{}, {}]);
    const jsz = await getJSON(port, '/jsz');
    assert.equal(jsz.disabled, true);
    assert.deepEqual(jsz.api, { total: 0, errors: 0 });
  });

  test('JSONP: ?callback=cb wraps the body and answers application/javascript', async () => {
    const r = await get(port, '/varz?callback=cb');
    assert.equal(r.headers['content-type'], 'application/javascript');
    assert.match(r.text, /^cb\(\{\n/);
    assert.ok(r.text.endsWith('})'));
    const h = await get(port, '/healthz?callback=x');
    assert.equal(h.text, 'x({"status":"ok"})');
  });

  test('unknown paths: 404 page not found', async () => {
    for (const p of ['/nope', '/varz/', '/connz/x', '/VARZ']) {
      const r = await get(port, p);
      assert.equal(r.status, 404, p);
      assert.equal(r.text, '404 page not found\n');
      assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    }
  });

  test('the root page links every endpoint', async () => {
    const r = await get(port, '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    for (const p of ['/varz', '/connz', '/subsz', '/accountz', '/accstatz', '/routez', '/leafz', '/gatewayz', '/jsz', '/healthz', '/metrics']) {
      assert.ok(r.text.includes(`href=".${p}"`), p);
    }
  });

  test('bad parameters: 400 with the reference texts, text/plain', async () => {
    const cases: [string, string][] = [
      ['/connz?sort=bogus', 'invalid sorting option: bogus'],
      ['/connz?sort=stop', 'sort by stop only valid on closed connections'],
      ['/connz?sort=reason&state=all', 'sort by reason only valid on closed connections'],
      ['/connz?state=bogus', 'Error decoding state for bogus'],
      ['/connz?limit=x', `Error decoding int for 'limit': strconv.Atoi: parsing "x": invalid syntax`],
      ['/connz?offset=1.5', `Error decoding int for 'offset': strconv.Atoi: parsing "1.5": invalid syntax`],
      ['/connz?cid=-1', `Error decoding uint64 for 'cid': strconv.ParseUint: parsing "-1": invalid syntax`],
      ['/connz?auth=yes', `Error decoding boolean for 'auth': strconv.ParseBool: parsing "yes": invalid syntax`],
      ['/connz?subs=x', `Error decoding boolean for 'subs': strconv.ParseBool: parsing "x": invalid syntax`],
      ['/connz?filter_subject=foo', 'filter by subject only valid with account filtering'],
      ['/subsz?subs=x', `Error decoding boolean for 'subs': strconv.ParseBool: parsing "x": invalid syntax`],
      ['/subsz?limit=z', `Error decoding int for 'limit': strconv.Atoi: parsing "z": invalid syntax`],
      ['/subsz?test=foo.*', 'invalid test subject, must be valid publish subject: foo.*'],
      ['/accountz?acc=nope', 'Account nope does not exist'],
      ['/accstatz?unused=maybe', `Error decoding boolean for 'unused': strconv.ParseBool: parsing "maybe": invalid syntax`],
      ['/healthz?js-enabled=x', `Error decoding boolean for 'js-enabled': strconv.ParseBool: parsing "x": invalid syntax`],
      ['/leafz?subs=x', `Error decoding boolean for 'subs': strconv.ParseBool: parsing "x": invalid syntax`],
      ['/routez?subs=x', `Error decoding boolean for 'subs': strconv.ParseBool: parsing "x": invalid syntax`],
      ['/gatewayz?accs=x', `Error decoding boolean for 'accs': strconv.ParseBool: parsing "x": invalid syntax`],
      ['/jsz?limit=x', `Error decoding int for 'limit': strconv.Atoi: parsing "x": invalid syntax`],
    ];
    for (const [path, text] of cases) {
      const r = await get(port, path);
      assert.equal(r.status, 400, path);
      assert.equal(r.text, text, path);
      assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8', path);
    }
  });

  test('http_req_stats counts requests per endpoint, as the reference', async () => {
    const s = await startServer({ httpPort: -1 });
    try {
      const p = monitorPort(s);
      await get(p, '/');
      await get(p, '/connz');
      await get(p, '/connz?sort=bogus'); // counted: the error comes from Connz()
      await get(p, '/connz?limit=x'); // not counted: a parameter that does not decode
      await get(p, '/subsz');
      await get(p, '/subscriptionsz'); // the alias counts as /subsz
      await get(p, '/subsz?subs=x'); // counted: /subsz counts first
      await get(p, '/nope'); // not counted
      await get(p, '/healthz');
      const v = await getJSON(p, '/varz');
      assert.deepEqual(v.http_req_stats, { '/': 1, '/connz': 2, '/healthz': 1, '/subsz': 3, '/varz': 1 });
    } finally {
      await s.shutdown();
    }
  });

  test('/varz reports options in the reference units', async () => {
    const s = await startServer({ httpPort: -1, pingInterval: 90_000, pingMax: 3, pingTimeout: 5000, writeDeadline: 2500, authTimeout: 1500, maxPayload: 65536, maxSubscriptions: 10, serverName: 'mon-1' });
    try {
      const v = await getJSON(monitorPort(s), '/varz');
      assert.equal(v.ping_interval, 90_000_000_000);
      assert.equal(v.ping_max, 3);
      assert.equal(v.ping_timeout, 5_000_000_000, 'tsnats extension, nanoseconds');
      assert.equal(v.write_deadline, 2_500_000_000);
      assert.equal(v.auth_timeout, 1.5);
      assert.equal(v.tls_timeout, 2);
      assert.equal(v.max_payload, 65536);
      assert.equal(v.max_subscriptions, 10);
      assert.equal(v.server_name, 'mon-1');
      assert.equal(v.server_id, s.id);
      assert.equal(v.port, s.port);
      assert.equal(v.http_port, monitorPort(s));
      assert.equal(v.http_host, '127.0.0.1');
      assert.equal(v.system_account, '$SYS');
      assert.match(v.uptime, /^\d+s$/);
      assert.match(v.start, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      for (const k of ['stale_connections', 'stalled_clients', 'slow_consumers']) assert.equal(v[k], 0, k);
      assert.deepEqual(v.slow_consumer_stats, { clients: 0, routes: 0, gateways: 0, leafs: 0 });
      assert.deepEqual(v.stale_connection_stats, { clients: 0, routes: 0, gateways: 0, leafs: 0 });
      assert.equal(v.auth_required, undefined, 'omitted when no auth is configured');
    } finally {
      await s.shutdown();
    }
  });

  test('/varz counts connections and messages', async () => {
    const s = await startServer({ httpPort: -1 });
    const a = await RawConn.open(s.port);
    const b = await RawConn.open(s.port);
    try {
      a.send('CONNECT {"verbose":false}\r\nSUB foo 1\r\nPING\r\n');
      await readUntil(a, 'PONG\r\n');
      b.send('CONNECT {"verbose":false}\r\nPUB foo 5\r\nhello\r\nPUB foo 3\r\nabc\r\nPING\r\n');
      await readUntil(b, 'PONG\r\n');
      await readUntil(a, 'abc\r\n');
      const v = await getJSON(monitorPort(s), '/varz');
      assert.equal(v.connections, 2);
      assert.equal(v.total_connections, 2);
      assert.deepEqual([v.in_msgs, v.in_bytes, v.out_msgs, v.out_bytes], [2, 8, 2, 8]);
      assert.deepEqual([v.in_client_msgs, v.out_client_bytes], [2, 8]);
    } finally {
      a.sock.destroy();
      b.sock.destroy();
      await s.shutdown();
    }
  });

  test('http_base_path moves every endpoint under it', async () => {
    const s = await startServer({ httpPort: -1, httpBasePath: '/nats/' });
    try {
      const p = monitorPort(s);
      assert.equal((await get(p, '/nats/varz')).status, 200);
      assert.equal((await get(p, '/nats/connz?limit=2')).status, 200);
      assert.equal((await get(p, '/nats')).status, 200, 'root page at the base path');
      assert.equal((await get(p, '/varz')).status, 404);
      assert.equal((await get(p, '/')).status, 404);
      const v = await getJSON(p, '/nats/varz');
      assert.equal(v.http_base_path, '/nats/');
      assert.ok((await get(p, '/nats')).text.includes('href="./nats/varz"'));
    } finally {
      await s.shutdown();
    }
  });

  test('/healthz fails with 503 in lame duck mode, and logs why', async () => {
    const lines: string[] = [];
    const s = await startServer({ httpPort: -1, lameDuckDuration: 30_000, lameDuckGracePeriod: 10_000, log: (l) => lines.push(l) });
    const c = await RawConn.open(s.port);
    try {
      await c.readLine();
      void s.lameDuckMode();
      const r = await get(monitorPort(s), '/healthz');
      assert.equal(r.status, 503);
      assert.deepEqual(r.json(), { status: 'error', error: 'failed to be ready for connections after 1ms: server' });
      assert.ok(lines.some((l) => l.includes('[WRN] Healthcheck failed: "failed to be ready for connections after 1ms: server"')));
    } finally {
      c.close();
      await s.shutdown();
    }
  });

  test('any method is served, as Go\'s mux does', async () => {
    assert.equal((await get(port, '/varz', 'POST')).status, 200);
  });

  test('a monitor port in use fails the start', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const busy = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(startServer({ httpPort: busy }), /can't listen to the monitor port: listen tcp 127\.0\.0\.1:\d+: bind: address already in use/);
    } finally {
      blocker.close();
    }
  });
});

describe('HTTP monitor through the CLI', () => {
  test('-m starts the monitor, logged before the client listener', async (t) => {
    const s = await spawnServer('tsnats', { monitor: true });
    t.after(() => s.stop());
    const out = s.output();
    const mon = out.indexOf(`[INF] Starting http monitor on 127.0.0.1:${s.httpPort}`);
    const listen = out.indexOf('[INF] Listening for client connections on');
    assert.ok(mon > 0, out);
    assert.ok(mon < listen, 'monitor line first');
    const v = await getJSON(s.httpPort!, '/varz');
    assert.equal(v.http_port, s.httpPort);
    assert.equal(v.port, s.port);
  });

  test('http: host:port and http_base_path in a config file', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tsnats-mon-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const mport = await freePort();
    const conf = join(dir, 'mon.conf');
    writeFileSync(conf, `http: "127.0.0.1:${mport}"\nhttp_base_path: "/mon"\n`);
    const s = await spawnServer('tsnats', { config: conf });
    t.after(() => s.stop());
    assert.ok(s.output().includes(`Starting http monitor on 127.0.0.1:${mport}`), s.output());
    const v = await getJSON(mport, '/mon/varz');
    assert.deepEqual([v.http_host, v.http_port, v.http_base_path], ['127.0.0.1', mport, '/mon']);
  });
});
