// Differential test of the system account: the same $SYS requests and the same connection events
// on nats-server (with a config file) and on tsnats (the same accounts as options); every key
// of the reference's answers must be in tsnats' (features not built excepted: NOT_BUILT).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer as spawnServer, hasNatsServer, type TestServer } from '../helpers/servers.js';
import { RawConn } from '../helpers/raw.js';
import { startServer, type Server } from '../../src/index.js';
import { notBuilt, NOT_BUILT } from '../../src/monitor/compat.js';
import { rawClient, readUntil } from './helpers.js';

type J = Record<string, any>;

const CONF = `accounts: {
  SYS: { users: [ { user: sys, password: pass } ] }
  APP: { users: [ { user: bob, password: bob } ] }
}
system_account: SYS
`;

/** Reads `MSG <subject> <sid> [reply] <size>` frames with their JSON bodies. */
async function nextMsg(c: RawConn): Promise<{ line: string; subject: string; body: J }> {
  const line = (await readUntil(c, '\r\n')).slice(0, -2);
  const m = line.match(/^MSG (\S+) \S+ (?:\S+ |\s)?\s*(\d+)$/);
  if (!m) throw new Error(`not a MSG line: ${JSON.stringify(line)}`);
  const body = (await readUntil(c, '\r\n')).slice(0, -2);
  return { line, subject: m[1], body: JSON.parse(body) };
}

const REQUESTS = [
  '$SYS.REQ.SERVER.PING', '$SYS.REQ.SERVER.PING.STATSZ', '$SYS.REQ.SERVER.PING.VARZ', '$SYS.REQ.SERVER.PING.CONNZ',
  '$SYS.REQ.SERVER.PING.SUBSZ', '$SYS.REQ.SERVER.PING.ACCOUNTZ', '$SYS.REQ.SERVER.PING.HEALTHZ', '$SYS.REQ.SERVER.PING.ROUTEZ',
  '$SYS.REQ.SERVER.PING.LEAFZ', '$SYS.REQ.SERVER.PING.GATEWAYZ', '$SYS.REQ.SERVER.PING.JSZ',
  '$SYS.REQ.ACCOUNT.APP.CONNZ', '$SYS.REQ.ACCOUNT.APP.SUBSZ', '$SYS.REQ.ACCOUNT.APP.INFO', '$SYS.REQ.ACCOUNT.APP.STATZ', '$SYS.REQ.ACCOUNT.APP.CONNS',
];

/** Runs the workload against a server on `port`: requests, then connect/close/auth-failure events. */
async function workload(port: number): Promise<{ answers: Map<string, J>; events: Map<string, J>; lines: Map<string, string> }> {
  const sys = await rawClient(port, { user: 'sys', pass: 'pass', name: 'sysmon' }, 'SUB _INBOX.r 1\r\n');
  const app = await rawClient(port, { user: 'bob', pass: 'bob', name: 'app', lang: 'raw', version: '1.0' }, 'SUB foo 1\r\n');
  app.send('PUB foo 2\r\nhi\r\n');
  await readUntil(app, 'hi\r\n');
  const answers = new Map<string, J>();
  const lines = new Map<string, string>();
  for (const subject of REQUESTS) {
    sys.send(`PUB ${subject} _INBOX.r 0\r\n\r\n`);
    const m = await nextMsg(sys);
    answers.set(subject, m.body);
    lines.set(subject, m.line);
  }
  // Keys as Go's decoder matches them: case-insensitively, 'ſ' (U+017F) folding to 's', the last
  // occurrence winning.
  for (const [k, body] of [['CONNZ state string', '{"state":"open"}'], ['CONNZ bad sort', '{"sort":"bogus"}'],
    ['CONNZ folded state', '{"ſtate":"open"}'], ['CONNZ folded sort', '{"SORT":"x","ſort":"bogus"}'], ['CONNZ last key wins', '{"limit":"x","LIMIT":1}'],
    ['CONNZ null element', '{"server_name":null,"limit":null}']]) {
    sys.send(`PUB $SYS.REQ.SERVER.PING.CONNZ _INBOX.r ${Buffer.byteLength(body)}\r\n${body}\r\n`);
    answers.set(k, (await nextMsg(sys)).body);
  }
  // Events: subscribe, then connect, close and fail a login.
  sys.send('SUB $SYS.ACCOUNT.APP.> 2\r\nSUB $SYS.SERVER.*.CLIENT.AUTH.ERR 3\r\nPING\r\n');
  await readUntil(sys, 'PONG\r\n');
  const events = new Map<string, J>();
  const want = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const m = await nextMsg(sys);
      const kind = m.subject.replace(/^\$SYS\.SERVER\.\w+\./, '$SYS.SERVER.<id>.');
      if (!events.has(kind)) {
        events.set(kind, m.body);
        lines.set(kind, m.line);
      }
    }
  };
  const c2 = await rawClient(port, { user: 'bob', pass: 'bob', name: 'evt' });
  await want(2); // CONNS (new subject) and CONNECT
  c2.close();
  await want(2); // CONNS and DISCONNECT
  const bad = await RawConn.open(port);
  bad.send('CONNECT {"verbose":false,"user":"bob","pass":"x","name":"bad"}\r\n');
  await bad.readUntilClose();
  await want(1);
  app.close();
  sys.close();
  return { answers, events, lines };
}

function keyPaths(v: unknown, path: string, out: Set<string>): Set<string> {
  if (Array.isArray(v)) for (const x of v) keyPaths(x, `${path}[]`, out);
  else if (v !== null && typeof v === 'object') {
    if (path.endsWith('.http_req_stats')) return out;
    for (const [k, x] of Object.entries(v)) {
      out.add(`${path}.${k}`);
      keyPaths(x, `${path}.${k}`, out);
    }
  }
  return out;
}

describe('system account: nats-server vs tsnats', { skip: !hasNatsServer() && 'nats-server is not installed' }, () => {
  let ref: Awaited<ReturnType<typeof workload>>;
  let ts: Awaited<ReturnType<typeof workload>>;
  let refServer: TestServer;
  let tsServer: Server;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsnats-sysdiff-'));
    const conf = join(dir, 'sys.conf');
    writeFileSync(conf, CONF);
    refServer = await spawnServer('nats-server', { config: conf });
    tsServer = await startServer({
      accounts: [
        { name: 'SYS', users: [{ user: 'sys', password: 'pass' }] },
        { name: 'APP', users: [{ user: 'bob', password: 'bob' }] },
      ],
      systemAccount: 'SYS',
    });
    [ref, ts] = await Promise.all([workload(refServer.port), workload(tsServer.port)]);
  });
  after(async () => {
    await refServer?.stop();
    await tsServer?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('request answers carry every key of the reference', () => {
    const missing: string[] = [];
    const exempted = new Set<string>();
    let compared = 0;
    for (const [k, body] of ref.answers) {
      const root = `sys.${k.replace(/^\$SYS\.REQ\.(SERVER|ACCOUNT)\.(PING|APP)\.?/, '$1.')}`;
      const have = keyPaths(ts.answers.get(k), root, new Set());
      for (const p of keyPaths(body, root, new Set())) {
        compared++;
        if (have.has(p)) continue;
        if (notBuilt(p)) exempted.add(p);
        else missing.push(p);
      }
    }
    assert.deepEqual(missing, []);
    assert.ok(compared > 200, `compared ${compared} key paths`);
    for (const n of NOT_BUILT.filter((x) => x.path.startsWith('sys.'))) assert.ok(exempted.has(n.path), `NOT_BUILT entry ${n.path} is not exercised`);
  });

  test('event bodies carry every key of the reference', () => {
    assert.deepEqual([...ts.events.keys()].sort(), [...ref.events.keys()].sort());
    const missing: string[] = [];
    for (const [k, body] of ref.events) {
      const have = keyPaths(ts.events.get(k), k, new Set());
      for (const p of keyPaths(body, k, new Set())) if (!have.has(p)) missing.push(p);
    }
    assert.deepEqual(missing, []);
  });

  test('values agree where deterministic', () => {
    const r = ref.answers;
    const t = ts.answers;
    assert.deepEqual(t.get('CONNZ state string'), { ...r.get('CONNZ state string'), server: t.get('CONNZ state string')!.server });
    assert.deepEqual(t.get('CONNZ bad sort')!.error, r.get('CONNZ bad sort')!.error);
    for (const k of ['CONNZ folded state', 'CONNZ folded sort', 'CONNZ last key wins', 'CONNZ null element']) {
      assert.deepEqual(t.get(k)!.error, r.get(k)!.error, k);
      assert.equal(t.get(k)!.data === undefined, r.get(k)!.data === undefined, k);
    }
    assert.deepEqual(t.get('$SYS.REQ.SERVER.PING.HEALTHZ')!.data, r.get('$SYS.REQ.SERVER.PING.HEALTHZ')!.data);
    const names = (b: J) => b.data.connections.map((c: J) => c.name).sort();
    assert.deepEqual(names(t.get('$SYS.REQ.SERVER.PING.CONNZ')!), names(r.get('$SYS.REQ.SERVER.PING.CONNZ')!));
    assert.deepEqual(names(t.get('$SYS.REQ.ACCOUNT.APP.CONNZ')!), names(r.get('$SYS.REQ.ACCOUNT.APP.CONNZ')!));
    const statz = (b: J) => b.data.account_statz.map(({ acc, conns, total_conns, sent, received }: J) => ({ acc, conns, total_conns, sent, received }));
    assert.deepEqual(statz(t.get('$SYS.REQ.ACCOUNT.APP.STATZ')!), statz(r.get('$SYS.REQ.ACCOUNT.APP.STATZ')!));
    const conns = (b: J) => [b.type, b.acc, b.conns, b.total_conns, b.sent, b.received];
    assert.deepEqual(conns(t.get('$SYS.REQ.ACCOUNT.APP.CONNS')!), conns(r.get('$SYS.REQ.ACCOUNT.APP.CONNS')!));
    const e = (m: Map<string, J>, k: string) => m.get(k)!;
    assert.equal(e(ts.events, '$SYS.ACCOUNT.APP.DISCONNECT').reason, e(ref.events, '$SYS.ACCOUNT.APP.DISCONNECT').reason);
    assert.equal(e(ts.events, '$SYS.SERVER.<id>.CLIENT.AUTH.ERR').reason, 'Authentication Failure');
    const client = (b: J) => ({ acc: b.client.acc, user: b.client.user, name: b.client.name, kind: b.client.kind, type: b.client.client_type });
    for (const k of ['$SYS.ACCOUNT.APP.CONNECT', '$SYS.ACCOUNT.APP.DISCONNECT', '$SYS.SERVER.<id>.CLIENT.AUTH.ERR']) {
      assert.deepEqual(client(e(ts.events, k)), client(e(ref.events, k)), k);
    }
  });

  test('system messages without a reply are framed with two spaces, as the reference', () => {
    for (const k of ['$SYS.REQ.SERVER.PING', '$SYS.ACCOUNT.APP.CONNECT']) {
      const shape = (l: string) => l.replace(/\S+/g, 'x');
      assert.equal(shape(ts.lines.get(k)!), shape(ref.lines.get(k)!), k);
      assert.match(ts.lines.get(k)!, /^MSG \S+ \d+  \d+$/);
    }
  });
});
