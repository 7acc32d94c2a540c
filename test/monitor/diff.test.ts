// Differential monitoring test: the same workload on nats-server and on tsnats (both started by
// the CLI with -m), then the monitoring answers compared. Every key the reference sends must be
// in tsnats' answer (tsnats may add fields), except the fields of features tsnats has not built
// (src/monitor/compat.ts NOT_BUILT); values are compared where they are deterministic.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, hasNatsServer, type TestServer, type ServerKind } from '../helpers/servers.js';
import type { RawConn } from '../helpers/raw.js';
import { notBuilt, NOT_BUILT } from '../../src/monitor/compat.js';
import { getJSON, get, rawClient, readUntil, until } from './helpers.js';

type J = Record<string, any>;

/** Objects whose keys are data (endpoint paths), not field names. */
const MAP_PATHS = new Set(['varz.http_req_stats']);

/** Every key path of a JSON value: `a.b`, arrays as `a[]` with their elements' keys merged. */
function keyPaths(v: unknown, path: string, out: Set<string>): Set<string> {
  if (Array.isArray(v)) {
    for (const x of v) keyPaths(x, `${path}[]`, out);
  } else if (v !== null && typeof v === 'object') {
    if (MAP_PATHS.has(path)) return out;
    for (const [k, x] of Object.entries(v)) {
      const p = `${path}.${k}`;
      out.add(p);
      keyPaths(x, p, out);
    }
  }
  return out;
}

/** The value at a dotted path (no arrays). */
function at(v: J, path: string): unknown {
  return path.split('.').reduce<any>((o, k) => (o == null ? undefined : o[k]), v);
}

interface Run {
  server: TestServer;
  conns: RawConn[];
  answers: Map<string, J>;
}

/** The paths queried, with the name used in key paths. */
const QUERIES: [string, string][] = [
  ['varz', '/varz'],
  ['connz', '/connz?subs=detail&auth=1'],
  ['connz', '/connz?subs=1&sort=bytes_to'],
  ['connz', '/connz?state=closed&subs=detail&auth=1'],
  ['connz', '/connz?state=all&sort=cid&limit=2&offset=1'],
  ['subsz', '/subsz'],
  ['subsz', '/subsz?subs=1&test=foo.x'],
  ['accountz', '/accountz'],
  ['accountz', '/accountz?acc=$G'],
  ['accountz', '/accountz?acc=$SYS'],
  ['accstatz', '/accstatz?unused=1'],
  ['healthz', '/healthz'],
  ['routez', '/routez'],
  ['leafz', '/leafz'],
  ['gatewayz', '/gatewayz'],
  ['jsz', '/jsz'],
];

/** cid → the name of the client that holds it, from every /connz answer of a run. */
function cidName(r: Run): (cid: number) => string {
  const names = new Map<number, string>();
  for (const [, path] of QUERIES) {
    if (!path.startsWith('/connz')) continue;
    for (const c of r.answers.get(path)!.connections as J[]) names.set(c.cid, c.name);
  }
  return (cid) => names.get(cid) ?? `unknown cid ${cid}`;
}

/** The workload: a subscriber, a publisher, and one connection that closes. */
async function workload(kind: ServerKind): Promise<Run> {
  const server = await startServer(kind, { monitor: true });
  const conns: RawConn[] = [];
  const sub = await rawClient(server.port, { name: 'sub', lang: 'raw', version: '1.0' }, 'SUB foo.* 1\r\nSUB bar workers 2\r\n');
  conns.push(sub);
  const pub = await rawClient(server.port, { name: 'pub', lang: 'raw', version: '1.0' });
  conns.push(pub);
  pub.send('PUB foo.x 5\r\nhello\r\nPUB bar 3\r\nabc\r\nPUB nobody 2\r\nhi\r\nPING\r\n');
  await readUntil(pub, 'PONG\r\n');
  await readUntil(sub, 'abc\r\n');
  const leaver = await rawClient(server.port, { name: 'leaver', lang: 'raw', version: '1.0' }, 'SUB baz 9\r\n');
  leaver.close();
  await until(async () => (await getJSON(server.httpPort!, '/connz?state=closed')).total === 1, 5000, 'closed connection');
  const answers = new Map<string, J>();
  for (const [, path] of QUERIES) answers.set(path, await getJSON(server.httpPort!, path));
  return { server, conns, answers };
}

describe('monitoring: nats-server vs tsnats', { skip: !hasNatsServer() && 'nats-server is not installed' }, () => {
  let ref: Run;
  let ts: Run;
  before(async () => {
    [ref, ts] = await Promise.all([workload('nats-server'), workload('tsnats')]);
  });
  after(async () => {
    for (const r of [ref, ts]) {
      if (!r) continue;
      for (const c of r.conns) c.close();
      await r.server.stop();
    }
  });

  test('tsnats answers every key the reference answers (minus features not built)', () => {
    const missing: string[] = [];
    const exempted = new Set<string>();
    let compared = 0;
    for (const [name, path] of QUERIES) {
      const want = keyPaths(ref.answers.get(path), name, new Set());
      const have = keyPaths(ts.answers.get(path), name, new Set());
      compared += want.size;
      for (const k of want) {
        if (have.has(k)) continue;
        if (notBuilt(k)) exempted.add(k);
        else missing.push(`${path}: ${k}`);
      }
    }
    assert.deepEqual(missing, []);
    assert.ok(compared > 150, `compared ${compared} key paths`);
    // The list of features not built stays honest: each entry is still missing and the reference has it.
    for (const n of NOT_BUILT.filter((x) => !x.path.startsWith('sys.'))) assert.ok([...exempted].some((k) => k === n.path), `NOT_BUILT entry ${n.path} is not exercised`);
  });

  test('the key comparison notices a missing field', () => {
    const want = keyPaths({ a: 1, b: { c: [{ d: 1 }, { e: 2 }] } }, 'x', new Set());
    const have = keyPaths({ a: 1, b: { c: [{ d: 1 }] } }, 'x', new Set());
    assert.deepEqual([...want].filter((k) => !have.has(k)), ['x.b.c[].e']);
  });

  test('/varz: configuration and counters agree', () => {
    const a = ref.answers.get('/varz')!;
    const b = ts.answers.get('/varz')!;
    for (const k of [
      'version', 'proto', 'host', 'max_connections', 'ping_interval', 'ping_max', 'http_host', 'http_base_path', 'https_port',
      'auth_timeout', 'max_control_line', 'max_payload', 'max_pending', 'cluster', 'gateway', 'leaf', 'mqtt', 'websocket',
      'jetstream', 'tls_timeout', 'write_deadline', 'connections', 'total_connections', 'routes', 'remotes', 'leafnodes',
      'in_msgs', 'out_msgs', 'in_bytes', 'out_bytes', 'slow_consumers', 'system_account',
    ]) {
      assert.deepEqual(b[k], a[k], `varz.${k}`);
    }
    assert.equal(b.port, ts.server.port);
    assert.equal(b.http_port, ts.server.httpPort);
    assert.equal(typeof b.uptime, typeof a.uptime);
    assert.match(b.uptime, /^(\d+[ydhm])*\d+s$/);
    // tsnats adds the 2.12 counters; the reference (2.9.10) has none of them.
    assert.deepEqual([b.stale_connections, b.stalled_clients], [0, 0]);
  });

  test('/connz: the connections agree field by field', () => {
    for (const path of ['/connz?subs=detail&auth=1', '/connz?subs=1&sort=bytes_to', '/connz?state=closed&subs=detail&auth=1', '/connz?state=all&sort=cid&limit=2&offset=1']) {
      const a = ref.answers.get(path)!;
      const b = ts.answers.get(path)!;
      assert.deepEqual([b.num_connections, b.total, b.offset, b.limit], [a.num_connections, a.total, a.offset, a.limit], path);
      // cids are compared as the name of the connection holding them: the reference's internal clients
      // take cids at timing-dependent moments (4 or 5 before the first client on an idle machine, and
      // under load one can land between two clients), so even the gaps between client cids vary.
      const strip = (off: (cid: number) => string) => (c: J) => {
        const { start, last_activity, stop, rtt, uptime, idle, port, ...rest } = c;
        void start; void last_activity; void stop; void rtt; void uptime; void idle; void port;
        rest.cid = off(rest.cid);
        if (rest.subscriptions_list) rest.subscriptions_list = [...rest.subscriptions_list].sort();
        if (rest.subscriptions_list_detail) {
          rest.subscriptions_list_detail = [...rest.subscriptions_list_detail]
            .map((d: J) => ({ ...d, cid: off(d.cid) }))
            .sort((x: J, y: J) => (x.sid < y.sid ? -1 : 1));
        }
        return rest;
      };
      const bs = b.connections.map(strip(cidName(ts)));
      const as = a.connections.map(strip(cidName(ref)));
      // A closed connection's pending_bytes: nats-server subtracts what it wrote only after its write
      // returns, with the lock released meanwhile, so a client that read the PONG and closed at once is
      // sometimes recorded with those 6 bytes still "pending" (seen once in many runs). Nothing was
      // pending: tsnats must say 0; the reference's value is not compared.
      for (const [i, c] of bs.entries()) {
        if (c.reason === undefined) continue;
        assert.equal(c.pending_bytes, 0, `${path}: ${c.cid} closed with pending bytes`);
        if (as[i]) as[i].pending_bytes = 0;
      }
      assert.deepEqual(bs, as, path);
    }
  });

  test('/subsz, /accountz, /accstatz, /healthz and the none-yet endpoints agree', () => {
    const a = ref.answers;
    const b = ts.answers;
    const subs = (r: Run) => (r.answers.get('/subsz?subs=1&test=foo.x')!.subscriptions_list as J[]).map((x: J) => ({ ...x, cid: cidName(r)(x.cid) }));
    assert.deepEqual(subs(ts), subs(ref));
    assert.deepEqual([...b.get('/accountz')!.accounts].sort(), [...a.get('/accountz')!.accounts].sort());
    assert.equal(b.get('/accountz')!.system_account, a.get('/accountz')!.system_account);
    for (const k of ['account_name', 'client_connections', 'leafnode_connections', 'expired', 'complete', 'jetstream_enabled']) {
      assert.deepEqual(at(b.get('/accountz?acc=$G')!, `account_detail.${k}`), at(a.get('/accountz?acc=$G')!, `account_detail.${k}`), k);
    }
    const acc = (r: J) => r.account_statz.map((x: J) => ({ ...x })).sort((x: J, y: J) => (x.acc < y.acc ? -1 : 1));
    assert.deepEqual(acc(b.get('/accstatz?unused=1')!), acc(a.get('/accstatz?unused=1')!));
    assert.deepEqual(b.get('/healthz'), a.get('/healthz'));
    const noTime = (r: J) => {
      const { server_id, now, ...rest } = r;
      void server_id; void now;
      return rest;
    };
    for (const p of ['/routez', '/leafz', '/gatewayz', '/jsz']) assert.deepEqual(noTime(b.get(p)!), noTime(a.get(p)!), p);
  });

  test('the same bad parameters get the same 400 texts', async () => {
    const bad = ['/connz?sort=bogus', '/connz?sort=stop', '/connz?state=x', '/connz?limit=x', '/connz?cid=x', '/connz?auth=x', '/subsz?test=foo.*', '/accountz?acc=nope', '/healthz?js-enabled=x'];
    for (const p of bad) {
      const [a, b] = await Promise.all([get(ref.server.httpPort!, p), get(ts.server.httpPort!, p)]);
      assert.deepEqual([b.status, b.text, b.headers['content-type']], [a.status, a.text, a.headers['content-type']], p);
    }
    // Query strings as Go's url.ParseQuery reads them: malformed pairs are dropped, not refused;
    // keys are exact.
    for (const p of ['/connz?limit=%zz', '/connz?limit=x;y', '/connz?auth=%7', '/connz?LIMIT=x', '/connz?limit=%31%32&auth=t', '/connz?limit=+1', '/connz?auth=%ff', '/connz?limit=%78']) {
      const [a, b] = await Promise.all([get(ref.server.httpPort!, p), get(ts.server.httpPort!, p)]);
      assert.equal(b.status, a.status, p);
      if (a.status === 400) assert.equal(b.text, a.text, p);
    }
    for (const p of ['/nope', '/varz/']) {
      const [a, b] = await Promise.all([get(ref.server.httpPort!, p), get(ts.server.httpPort!, p)]);
      assert.deepEqual([b.status, b.text], [a.status, a.text], p);
    }
  });
});
