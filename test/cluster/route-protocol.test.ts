// The route protocol on the wire, differential: the same raw transcripts against tsnats and
// nats-server 2.9.10, a fake route (a raw TCP connection speaking CONNECT/INFO/RS+/RMSG) on the
// cluster port, and the same answers from both (reference cluster-leafnode-behaviour.md §1).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawConn } from '../helpers/raw.js';
import { startServer, hasNatsServer, type ServerKind, type TestServer } from '../helpers/servers.js';
import { freePort } from '../../dev/ports.js';
import { eventually } from './scenarios.js';

const KINDS: ServerKind[] = hasNatsServer() ? ['tsnats', 'nats-server'] : ['tsnats'];
const dir = mkdtempSync(join(tmpdir(), 'tsnats-route-'));

/** A server id of the reference's shape (56 characters, N…). */
function fakeId(tag: string): string {
  return `N${tag.toUpperCase().replace(/[^A-Z0-9]/g, 'X')}`.padEnd(56, 'A');
}

interface Srv {
  server: TestServer;
  clusterPort: number;
}

async function start(kind: ServerKind, extra = ''): Promise<Srv> {
  const clusterPort = await freePort();
  const conf = join(dir, `${kind}-${clusterPort}.conf`);
  writeFileSync(conf, `server_name: S\ncluster {\n  name: C1\n  listen: 127.0.0.1:${clusterPort}\n  authorization { user: ruser, password: rpass, timeout: 0.5 }\n}\n${extra}\n`);
  const server = await startServer(kind, { config: conf });
  if (kind === 'nats-server') await server.waitForOutput(/Listening for route connections/);
  return { server, clusterPort };
}

interface FakeRoute {
  c: RawConn;
  /** The server's first INFO. */
  info: Record<string, unknown>;
  id: string;
}

/** A fake route: CONNECT then INFO, as a dialling 2.9.10 server sends them. */
async function fakeRoute(s: Srv, opts: { user?: string; pass?: string; cluster?: string; id?: string; name?: string; sendInfo?: boolean } = {}): Promise<FakeRoute> {
  const { c, info } = await RawConn.openAndInfo(s.clusterPort);
  const id = opts.id ?? fakeId(`f${Math.random().toString(36).slice(2, 10)}`);
  const connect = {
    echo: true, verbose: false, pedantic: false, user: opts.user ?? 'ruser', pass: opts.pass ?? 'rpass', tls_required: false,
    headers: true, name: id, cluster: opts.cluster ?? 'C1', lnoc: true,
  };
  c.send(`CONNECT ${JSON.stringify(connect)}\r\n`);
  if (opts.sendInfo !== false) {
    const rinfo = {
      server_id: id, server_name: opts.name ?? `fake-${id.slice(1, 6)}`, version: '2.9.10', proto: 2, go: 'go1.19.8', host: '127.0.0.1',
      port: 7999, headers: true, auth_required: true, max_payload: 1048576, cluster: opts.cluster ?? 'C1', lnoc: true,
    };
    c.send(`INFO ${JSON.stringify(rinfo)}\r\n`);
  }
  return { c, info, id };
}

/** Lines received that are not about the system account, until `pred` holds on them. */
async function appLines(c: RawConn, pred: (lines: string[]) => boolean, timeoutMs = 5000): Promise<string[]> {
  const lines = () => c.pending().toString('latin1').split('\r\n').filter((l) => l !== '' && !l.includes('$SYS') && !l.startsWith('{') && l !== 'PING' && l !== 'PONG');
  const ok = await c.until(() => pred(lines()), timeoutMs);
  if (!ok) assert.fail(`timeout; have ${JSON.stringify(lines())}`);
  return lines();
}

async function client(port: number): Promise<RawConn> {
  const { c } = await RawConn.openAndInfo(port);
  c.send('CONNECT {"verbose":false,"headers":true}\r\n');
  await c.roundTrip();
  return c;
}

for (const kind of KINDS) {
  describe(`${kind}: route protocol`, () => {
    let s: Srv;
    before(async () => {
      s = await start(kind);
    });
    after(() => s.server.stop());

    test('route INFO: sent at once on accept, the reference fields in order, a nonce, proto 2, lnoc', async () => {
      const { c, info } = await RawConn.openAndInfo(s.clusterPort);
      c.close();
      assert.deepEqual(Object.keys(info), [
        'server_id', 'server_name', 'version', 'proto', 'go', 'host', 'port', 'headers', 'auth_required', 'max_payload',
        'nonce', 'cluster', 'connect_urls', 'lnoc',
      ]);
      assert.equal(info.proto, 2);
      assert.equal(info.version, '2.9.10');
      assert.equal(info.server_name, 'S');
      assert.equal(info.port, s.clusterPort);
      assert.equal(info.cluster, 'C1');
      assert.equal(info.auth_required, true);
      assert.equal(info.lnoc, true);
      assert.match(info.nonce as string, /^[A-Za-z0-9_-]{15}$/);
      assert.deepEqual(info.connect_urls, [`127.0.0.1:${s.server.port}`]);
    });

    test('interest is announced after the peer INFO, de-duplicated, queue weights as RS+ counts', async () => {
      const cl = await client(s.server.port);
      cl.send('SUB foo 1\r\nSUB foo 2\r\nSUB bar q1 3\r\nSUB bar q1 4\r\nSUB bar q2 5\r\n');
      await cl.roundTrip();
      const r = await fakeRoute(s, { sendInfo: false });
      r.c.send('PING\r\n');
      // After CONNECT (and a PING) only PONG: no interest before our INFO.
      await r.c.until((b) => b.toString().includes('PONG'), 3000);
      assert.ok(!r.c.pending().toString().includes('RS+'), 'no RS+ before INFO');
      r.c.take();
      r.c.send(`INFO ${JSON.stringify({ server_id: r.id, server_name: 'fake-w', version: '2.9.10', proto: 2, go: 'go1.19.8', host: '127.0.0.1', port: 7999, headers: true, max_payload: 1048576, cluster: 'C1', lnoc: true })}\r\n`);
      const dump = await appLines(r.c, (l) => l.length >= 3);
      assert.deepEqual(dump.sort(), ['RS+ $G bar q1 2', 'RS+ $G bar q2 1', 'RS+ $G foo']);
      r.c.take();
      cl.send('UNSUB 2\r\n'); // foo still has a subscriber: nothing
      cl.send('UNSUB 4\r\n'); // q1 2 → 1: RS+ with the new weight
      cl.send('SUB baz 6\r\n');
      cl.send('UNSUB 1\r\n'); // foo 1 → 0
      cl.send('UNSUB 3\r\nUNSUB 5\r\nUNSUB 6\r\n');
      const upd = await appLines(r.c, (l) => l.length >= 6);
      assert.deepEqual(upd, ['RS+ $G bar q1 1', 'RS+ $G baz', 'RS- $G foo', 'RS- $G bar q1', 'RS- $G bar q2', 'RS- $G baz']);
      cl.close();
      r.c.close();
    });

    test('RMSG in: delivered to local subscribers; with queue groups to one member of each listed group', async () => {
      const cl = await client(s.server.port);
      cl.send('SUB x.> 1\r\nSUB qq g1 2\r\nSUB qq g1 3\r\nSUB qq g2 4\r\n');
      await cl.roundTrip();
      const r = await fakeRoute(s);
      await appLines(r.c, (l) => l.some((x) => x.startsWith('RS+ $G qq g2')));
      r.c.send('RMSG $G x.y 2\r\nhi\r\nRMSG $G x.y reply.to 2\r\nhi\r\nHMSG $G x.z 12 14\r\nNATS/1.0\r\n\r\nhi\r\n');
      r.c.send('RMSG $G qq 1\r\na\r\n'); // no queue list: plain subscribers only (none)
      r.c.send('RMSG $G qq | g1 1\r\nb\r\n'); // one g1 member
      r.c.send('RMSG $G qq + rep g1 g2 1\r\nc\r\n'); // one of each
      const count = () => cl.pending().toString('latin1').split('\r\n').filter((l) => /^H?MSG /.test(l)).length;
      await cl.until(() => count() >= 6, 3000);
      const got = await cl.roundTrip();
      const msgs = got.split('\r\n').filter((l) => /^H?MSG /.test(l));
      assert.deepEqual(msgs.slice(0, 3), ['MSG x.y 1 2', 'MSG x.y 1 reply.to 2', 'HMSG x.z 1 12 14']);
      const q = msgs.slice(3);
      assert.equal(q.length, 3, JSON.stringify(msgs));
      assert.match(q[0], /^MSG qq [23] 1$/);
      const last = q.slice(1).sort();
      assert.equal(last[1], 'MSG qq 4 rep 1');
      assert.match(last[0], /^MSG qq [23] rep 1$/);
      cl.close();
      r.c.close();
    });

    test('a client publish goes to the route once, RMSG with the picked queue groups', async () => {
      const cl = await client(s.server.port);
      const r = await fakeRoute(s);
      r.c.send('RS+ $G foo\r\nRS+ $G foo.*\r\nRS+ $G qs qa 1\r\nRS+ $G qs qb 3\r\nPING\r\n');
      await r.c.until((b) => b.toString().includes('PONG'), 3000);
      r.c.take();
      cl.send('PUB foo 5\r\nhello\r\nPUB foo rep.1 5\r\nworld\r\nHPUB foo 20 22\r\nNATS/1.0\r\nX-K: v\r\n\r\nhi\r\n');
      cl.send('PUB qs 1\r\nq\r\nPUB qs rep.2 1\r\nr\r\n');
      const lines = await appLines(r.c, (l) => l.filter((x) => /^[RH]MSG/.test(x)).length >= 5);
      const frames = lines.filter((x) => /^[RH]MSG/.test(x));
      assert.deepEqual(frames.slice(0, 3), ['RMSG $G foo 5', 'RMSG $G foo rep.1 5', 'HMSG $G foo 20 22']);
      // The queue names in any order: nats-server lists them in Go map order, which varies.
      const sortQueues = (f: string) => f.replace(/^(RMSG \$G qs (?:\| |\+ rep\.2 ))(.*)( 1)$/, (_m, a: string, q: string, b: string) => a + q.split(' ').sort().join(' ') + b);
      assert.deepEqual(frames.slice(3).map(sortQueues), ['RMSG $G qs | qa qb 1', 'RMSG $G qs + rep.2 qa qb 1']);
      cl.close();
      r.c.close();
    });

    test('queue weights count: a remote group of weight 9 beside 1 local member gets about 9 in 10', async () => {
      const cl = await client(s.server.port);
      cl.send('SUB wq g 1\r\n');
      await cl.roundTrip();
      const r = await fakeRoute(s);
      r.c.send('RS+ $G wq g 9\r\nPING\r\n');
      await r.c.until((b) => b.toString().includes('PONG'), 3000);
      r.c.take();
      const N = 300;
      for (let i = 0; i < N; i++) cl.send('PUB wq 1\r\nx\r\n');
      const routed = () => r.c.pending().toString('latin1').split('\r\n').filter((l) => l === 'RMSG $G wq | g 1').length;
      const local = () => cl.pending().toString('latin1').split('\r\n').filter((l) => l.startsWith('MSG wq 1 1')).length;
      await eventually(() => routed() + local() >= N, 5000, `${N} deliveries`);
      await new Promise((res) => setTimeout(res, 50));
      assert.equal(routed() + local(), N);
      assert.ok(routed() > N * 0.75 && routed() < N * 0.98, `routed ${routed()} of ${N}`);
      cl.close();
      r.c.close();
    });

    test('to a route without headers, a message with headers goes as RMSG without them', async () => {
      const { c, info } = await RawConn.openAndInfo(s.clusterPort);
      void info;
      const id = fakeId('noh');
      c.send(`CONNECT {"echo":true,"verbose":false,"pedantic":false,"user":"ruser","pass":"rpass","tls_required":false,"headers":false,"name":"${id}","cluster":"C1"}\r\n`);
      c.send(`INFO {"server_id":"${id}","server_name":"noh","version":"2.9.10","proto":2,"go":"go1.19.8","host":"127.0.0.1","port":7999,"headers":false,"max_payload":1048576,"cluster":"C1"}\r\nRS+ $G hdr\r\nPING\r\n`);
      await c.until((b) => b.toString().includes('PONG'), 3000);
      c.take();
      const cl = await client(s.server.port);
      cl.send('HPUB hdr 20 22\r\nNATS/1.0\r\nX-K: v\r\n\r\nhi\r\n');
      await appLines(c, (l) => l.includes('RMSG $G hdr 2'));
      assert.match(c.pending().toString('latin1'), /RMSG \$G hdr 2\r\nhi\r\n/);
      cl.close();
      c.close();
    });

    test('no_responders: the publishing server answers from its own view; with route interest it forwards', async () => {
      const { c: cl } = await RawConn.openAndInfo(s.server.port);
      cl.send('CONNECT {"verbose":false,"headers":true,"no_responders":true,"protocol":1}\r\nSUB _INBOX.a.* 1\r\n');
      await cl.roundTrip();
      const r = await fakeRoute(s);
      cl.send('PUB nosvc _INBOX.a.1 1\r\nx\r\n');
      assert.equal((await cl.roundTrip()).split('\r\n')[0], 'HMSG _INBOX.a.1 1 16 16');
      r.c.send('RS+ $G svc\r\nPING\r\n');
      await r.c.until((b) => b.toString().includes('PONG'), 3000);
      cl.send('PUB svc _INBOX.a.2 1\r\ny\r\n');
      await appLines(r.c, (l) => l.includes('RMSG $G svc _INBOX.a.2 1'));
      assert.equal(await cl.roundTrip(), 'PONG\r\n');
      cl.close();
      r.c.close();
    });

    test('messages from a route are never sent to another route', async () => {
      const cl = await client(s.server.port);
      cl.send('SUB m 1\r\n');
      await cl.roundTrip();
      const r1 = await fakeRoute(s);
      const r2 = await fakeRoute(s);
      r2.c.send('RS+ $G m\r\nPING\r\n');
      await r2.c.until((b) => b.toString().includes('PONG'), 3000);
      r2.c.take();
      r1.c.send('RMSG $G m 2\r\nhi\r\n');
      assert.ok(await cl.until((b) => b.toString().includes('MSG m 1 2\r\nhi\r\n'), 3000));
      r2.c.send('PING\r\n');
      await r2.c.until((b) => b.toString().includes('PONG'), 3000);
      assert.ok(!r2.c.pending().toString().includes('RMSG $G m'), 'routed message re-routed');
      cl.close();
      r1.c.close();
      r2.c.close();
    });

    test('a client SUB on a route is ignored; a PUB finds no account; unknown accounts are tolerated', async () => {
      const r = await fakeRoute(s);
      r.c.send('SUB x.s 1\r\nPUB x.p 2\r\nhi\r\nRS+ NOPE foo\r\nRMSG NOPE foo 2\r\nhi\r\nA+ $G\r\nPING\r\n');
      assert.ok(await r.c.until((b) => b.toString().includes('PONG'), 3000));
      assert.ok(!r.c.closed);
      r.c.close();
    });

    test('garbage on a route: -ERR Unknown Protocol Operation and close', async () => {
      const r = await fakeRoute(s);
      r.c.send('XYZ\r\n');
      const rest = await r.c.readUntilClose();
      assert.match(rest, /-ERR 'Unknown Protocol Operation'\r\n/);
    });

    test('a bad route password: -ERR Authorization Violation and close', async () => {
      const r = await fakeRoute(s, { pass: 'wrong', sendInfo: false });
      assert.equal(await r.c.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    });

    test('a wrong cluster name: -ERR Rejecting connection and close', async () => {
      const r = await fakeRoute(s, { cluster: 'ZZ', sendInfo: false });
      assert.equal(await r.c.readUntilClose(), `-ERR 'Rejecting connection, cluster name "ZZ" does not match "C1"'\r\n`);
    });

    test('a client on the route port (auth required): Authorization Violation', async () => {
      const { c } = await RawConn.openAndInfo(s.clusterPort);
      c.send('CONNECT {"verbose":false,"lang":"go","version":"1.0"}\r\n');
      assert.equal(await c.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    });

    test('an op before CONNECT on the route port: Authorization Violation', async () => {
      const { c } = await RawConn.openAndInfo(s.clusterPort);
      c.send('PING\r\n');
      assert.equal(await c.readUntilClose(), "-ERR 'Authorization Violation'\r\n");
    });

    test('no CONNECT: a PING about 1s after accept, then Authentication Timeout', async () => {
      const { c } = await RawConn.openAndInfo(s.clusterPort);
      const t0 = Date.now();
      const rest = await c.readUntilClose(5000);
      const dt = Date.now() - t0;
      // timeout 0.5s: the timeout comes before the first PING (1s)
      assert.equal(rest, "-ERR 'Authentication Timeout'\r\n");
      assert.ok(dt >= 400 && dt < 3000, `closed after ${dt}ms`);
    });

    test('a route to ourselves (our own server_id) is dropped without -ERR', async () => {
      const { c, info } = await RawConn.openAndInfo(s.clusterPort);
      const id = info.server_id as string;
      c.send(`CONNECT {"echo":true,"verbose":false,"pedantic":false,"user":"ruser","pass":"rpass","tls_required":false,"headers":true,"name":"${id}","cluster":"C1","lnoc":true}\r\n`);
      c.send(`INFO {"server_id":"${id}","server_name":"x","version":"2.9.10","proto":2,"go":"go1.19.8","host":"127.0.0.1","port":1,"headers":true,"max_payload":1048576,"cluster":"C1"}\r\n`);
      const rest = await c.readUntilClose();
      assert.ok(!rest.includes('-ERR'), rest);
    });

    test('a duplicate route (same server_id twice): the second connection is closed, the first lives', async () => {
      const r1 = await fakeRoute(s);
      r1.c.send('PING\r\n');
      await r1.c.until((b) => b.toString().includes('PONG'), 3000);
      const r2 = await fakeRoute(s, { id: r1.id });
      const rest = await r2.c.readUntilClose();
      assert.ok(!rest.includes('-ERR'), rest);
      r1.c.take();
      assert.match(await r1.c.roundTrip(), /PONG\r\n$/);
      r1.c.close();
    });

    test('a peer with our server name is refused (Duplicate Server Name)', async () => {
      const r = await fakeRoute(s, { name: 'S' });
      const rest = await r.c.readUntilClose();
      assert.ok(!rest.includes('-ERR'), rest);
    });

    test('RMSG argument errors close the route as a protocol violation', async () => {
      for (const bad of ['RMSG $G x\r\n', 'RMSG $G x ? a b 1\r\n', 'RMSG $G x y\r\n', 'HMSG $G x 5 3\r\n']) {
        const r = await fakeRoute(s);
        r.c.send(bad);
        await r.c.readUntilClose();
        assert.ok(r.c.closed, bad);
      }
    });
  });
}
