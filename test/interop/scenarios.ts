// The interop scenarios. Each runs one client driver against servers of one kind and asserts on what
// the client reported (its JSON events) and on what the server saw (/connz, or its -D log). The same
// code runs for every client × server kind; only the driver command differs.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { ServerKind, StartOptions, TestServer } from '../helpers/servers.js';
import type { ClientDef } from './clients.js';
import type { DriverCommand, DriverEvent, DriverProc } from './driver-proc.js';
import { rawPublish, rawRequest, waitConnz, type Connz } from './server-side.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testCerts, type CertPair, type TestCerts } from '../helpers/certs.js';

export interface RowCtx {
  t: TestContext;
  client: ClientDef;
  cmd: DriverCommand;
  kind: ServerKind;
  /** A connection name unique to this row. */
  name: string;
  /** Start a server of this row's kind; stopped when the row ends. */
  server(opts?: StartOptions): Promise<TestServer>;
  /** Register a server started some other way (restart()) for the end-of-row stop. */
  track(s: TestServer): TestServer;
  /** Spawn the client's driver; killed when the row ends if still running. */
  driver(scenario: string, urls: string[], opts?: Record<string, string | number>): DriverProc;
  /** A fact worth reading in the report (error text, timings): printed as a diagnostic and kept for the matrix. */
  note(s: string): void;
  /** Mark the row TODO (reported as such, never a silent pass). */
  pending(reason: string): void;
}

export interface Scenario {
  name: string;
  run(ctx: RowCtx): Promise<void>;
}

const portOf = (url: unknown) => Number(String(url).match(/:(\d+)\/?$/)?.[1]);

/** The driver ended normally: exit 0, a `done` event, no `fatal`. */
async function finished(d: DriverProc, timeoutMs = 10_000): Promise<void> {
  const { code, signal } = await d.exit(timeoutMs);
  assert.equal(d.all('fatal').length, 0, `driver reported fatal\n${d.transcript()}`);
  assert.ok(code === 0 && signal === null, `driver exit code=${code} signal=${signal}\n${d.transcript()}`);
  assert.equal(d.all('done').length, 1, `driver did not finish with "done"\n${d.transcript()}`);
}

async function closeSession(d: DriverProc): Promise<void> {
  d.send('close');
  await finished(d);
}

/** Only tsnats may lack the monitor (it lands later); the reference must always answer. */
function referenceHasMonitor(x: RowCtx, r: Connz): void {
  if (!r.ok && x.kind !== 'tsnats') assert.fail(`${x.kind} monitor unavailable: ${r.reason}`);
}

const isStale = (e: DriverEvent) => e.ev === 'stale' || ((e.ev === 'disconnected' || e.ev === 'error') && e.kind === 'stale');
const isAuth = (e: DriverEvent) => e.kind === 'auth';

// 1. connect with a name; the server lists it in /connz with the client's lang and version.
const connect: Scenario = {
  name: 'connect',
  async run(x) {
    const srv = await x.server({ monitor: true });
    const d = x.driver('connect', [srv.url], { name: x.name });
    await d.ev('ready');
    const r = await waitConnz(srv, '', (c) => c.name === x.name);
    referenceHasMonitor(x, r.last);
    if (!r.last.ok) {
      x.pending(`pending-until-monitor: ${r.last.reason}`);
    } else {
      assert.ok(r.found, `connection "${x.name}" not in /connz: ${JSON.stringify(r.last.connections.map((c) => c.name))}\n${d.transcript()}`);
      assert.equal(r.found.lang, x.client.lang, `lang in /connz`);
      const client = d.all('client')[0];
      assert.equal(r.found.version, client?.version, `version in /connz vs the library's own`);
      x.note(`/connz: name=${r.found.name} lang=${r.found.lang} version=${r.found.version}`);
    }
    await closeSession(d);
  },
};

// 2. pub/sub, wildcards, queue groups, request/reply, headers, no responders, flush (all inside the driver).
const pubsub: Scenario = {
  name: 'pubsub',
  async run(x) {
    const srv = await x.server();
    const d = x.driver('pubsub', [srv.url], { name: x.name });
    await finished(d, 30_000);
    const T = d.transcript();
    const result = (n: string) => {
      const r = d.all('result').find((e) => e.name === n);
      assert.ok(r, `no result "${n}"\n${T}`);
      return r;
    };
    const got = (sub: string) => d.all('msg').filter((e) => e.sub === sub && e.data !== 'END').map((e) => String(e.data));
    for (const w of ['wild_wait', 'queue_wait', 'hdr_wait']) assert.equal(result(w).ok, true, `${w}: messages missing\n${T}`);
    // Wildcards: `*` matches one token, `>` one or more; per-subscription order is publish order.
    assert.deepEqual(got('lit'), ['1'], `wild.a.b\n${T}`);
    assert.deepEqual(got('star'), ['1', '2'], `wild.a.*\n${T}`);
    assert.deepEqual(got('gt'), ['1', '2', '3', '4'], `wild.>\n${T}`);
    assert.deepEqual(got('agt'), ['1', '2', '3'], `wild.a.>\n${T}`);
    // Queue groups: each message exactly once per group; a plain subscriber still gets every one.
    const all20 = Array.from({ length: 20 }, (_, i) => `q${i}`);
    const byNum = (a: string, b: string) => Number(a.slice(1)) - Number(b.slice(1));
    assert.deepEqual([...got('g1a'), ...got('g1b')].sort(byNum), all20, `queue group g1\n${T}`);
    assert.deepEqual([...got('g2a'), ...got('g2b')].sort(byNum), all20, `queue group g2\n${T}`);
    assert.deepEqual(got('qplain'), all20, `plain subscriber beside the queue groups\n${T}`);
    // Headers arrive intact (keys compared case-insensitively: clients may canonicalise).
    const h = d.all('msg').filter((e) => e.sub === 'hdr');
    assert.equal(h.length, 1, `header message count\n${T}`);
    assert.equal(h[0]!.data, 'with headers');
    const hdr = Object.fromEntries(Object.entries((h[0]!.hdr ?? {}) as Record<string, string[]>).map(([k, v]) => [k.toLowerCase(), v]));
    assert.deepEqual(hdr, { 'x-interop': ['one'], 'x-two': ['a', 'b'] }, `headers\n${T}`);
    // Request/reply.
    const req = result('request');
    assert.equal(req.err, null, `request error\n${T}`);
    assert.equal(req.data, 're:ping');
    // No responders: the client's own no-responders error, fast (not a timeout).
    const nr = result('noresponders');
    assert.equal(nr.kind, 'no_responders', `no-responders error\n${T}`);
    x.note(`no responders: ${JSON.stringify(nr.err)}`);
    assert.equal(result('flush').ok, true, `flush\n${T}`);
  },
};

// 3. Drain on SIGTERM: in-flight messages are handled, the driver exits 0, the server records Client Closed.
const drain: Scenario = {
  name: 'drain',
  async run(x) {
    const srv = await x.server({ monitor: true, args: ['-D'] });
    // 60 × 30 ms ≈ 1.8 s of handling: SIGTERM lands mid-batch even if the harness stalls for a while.
    const N = 60;
    const d = x.driver('drain', [srv.url], { name: x.name, handler_ms: 30 });
    await d.ev('ready');
    const payloads = Array.from({ length: N }, (_, i) => `d${i}`);
    await rawPublish(srv, 'interop.drain', payloads);
    await d.ev('msg'); // handling has started: the rest are in flight
    d.signal('SIGTERM');
    const sig = await d.ev('sigterm');
    const drained = await d.ev('drained', 15_000);
    await finished(d);
    const T = d.transcript();
    assert.ok(Number(sig.handled) < N, `every message was handled before SIGTERM: the test proved nothing\n${T}`);
    assert.equal(drained.err, null, `drain error\n${T}`);
    assert.equal(drained.handled, N, `messages handled by the drain\n${T}`);
    assert.deepEqual(d.all('msg').map((e) => e.data), payloads, `handled in order\n${T}`);
    x.note(`${sig.handled}/${N} handled at SIGTERM, ${drained.handled} after drain`);
    // The server's view: the close reason.
    const logLine = new RegExp(`"[^"]*${x.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" - Client connection closed: Client Closed`);
    const r = await waitConnz(srv, '?state=closed', (c) => c.name === x.name);
    referenceHasMonitor(x, r.last);
    if (r.last.ok) {
      assert.ok(r.found, `"${x.name}" not in /connz?state=closed\n${JSON.stringify(r.last.connections)}`);
      assert.equal(r.found.reason, 'Client Closed', 'close reason in /connz?state=closed');
      if (x.kind === 'nats-server') await srv.waitForOutput(logLine, 5000); // the fallback's line is the reference's
    } else {
      x.note(`${r.last.reason}: checked the -D log line instead`);
      await srv.waitForOutput(logLine, 5000);
    }
  },
};

// 4. Reconnect after a restart on the same port; the subscription is restored on the new server.
const reconnect: Scenario = {
  name: 'reconnect',
  async run(x) {
    let srv = await x.server();
    const d = x.driver('reconnect', [srv.url], { name: x.name, reconnect_wait_ms: 100, max_reconnect: 100 });
    await d.ev('ready');
    await rawPublish(srv, 'interop.rc', ['before']);
    await d.waitFor((e) => e.ev === 'msg' && e.data === 'before', 'msg "before"');
    const mark = d.events.length;
    srv = x.track(await srv.restart());
    await d.ev('disconnected', 10_000, mark);
    const rec = await d.ev('reconnected', 10_000, mark);
    assert.equal(portOf(rec.url), srv.port, `reconnected to ${String(rec.url)}`);
    // A round trip after the reconnect: the server has processed the re-sent SUBs.
    const fmark = d.events.length;
    d.send('flush');
    const fl = await d.ev('flushed', 5000, fmark);
    assert.equal(fl.ok, true, `flush after reconnect\n${d.transcript()}`);
    await rawPublish(srv, 'interop.rc', ['after']);
    await d.waitFor((e) => e.ev === 'msg' && e.data === 'after', 'msg "after" (subscription restored)', 5000);
    await closeSession(d);
  },
};

// 5. The client's own ping: a frozen (SIGSTOPped) server is detected as stale and the client moves on.
const ping: Scenario = {
  name: 'ping',
  async run(x) {
    const a = await x.server();
    const b = await x.server();
    const PING = 500;
    const MAXOUT = 2;
    const d = x.driver('ping', [a.url, b.url], {
      name: x.name, ping_ms: PING, max_pings: MAXOUT, reconnect_wait_ms: 100, max_reconnect: 20, timeout_ms: 1000,
    });
    const conn = await d.ev('connected');
    assert.equal(portOf(conn.url), a.port, `connected first to ${String(conn.url)}`);
    await d.ev('ready');
    const mark = d.events.length;
    const frozenAt = performance.now();
    a.freeze();
    try {
      const limit = PING * MAXOUT + 3000; // generous margin for a loaded 2-core machine
      // Nothing but the client's own ping can end a connection to a stopped server: its socket stays open.
      const first = await d.waitFor((e) => isStale(e) || e.ev === 'disconnected', 'the client giving up on the frozen server', limit + 2000, mark);
      const after = Math.round(first.at - frozenAt);
      assert.ok(after <= limit, `stale connection noticed after ${after}ms > ${limit}ms\n${d.transcript()}`);
      const rec = await d.ev('reconnected', 10_000, mark);
      assert.equal(portOf(rec.url), b.port, `reconnected to ${String(rec.url)}, expected the second server\n${d.transcript()}`);
      const stale = d.events.slice(mark).find(isStale);
      if (x.client.namesStale) assert.ok(stale, `the client did not report the disconnect as a stale connection\n${d.transcript()}`);
      const said = stale ?? first;
      x.note(`stale after ${after}ms (ping ${PING}ms × ${MAXOUT} outstanding); reported as ${JSON.stringify({ ...said, t: undefined, at: undefined })}`);
      const fmark = d.events.length;
      d.send('flush');
      const fl = await d.ev('flushed', 5000, fmark);
      assert.equal(fl.ok, true, `flush after moving to the second server\n${d.transcript()}`);
      await rawPublish(b, 'interop.rc', ['after']);
      await d.waitFor((e) => e.ev === 'msg' && e.data === 'after', 'msg "after" on the second server', 5000);
    } finally {
      a.thaw();
      await a.stop();
    }
    await closeSession(d);
  },
};

// 6. Auth: a wrong credential is refused; after a restart with changed credentials the client's
//    reconnect is rejected with its own authorization error and it never reconnects.
function auth(name: string, good: string[], creds: (ok: boolean) => Record<string, string>, changed: string[]): Scenario {
  return {
    name,
    async run(x) {
      let srv = await x.server({ args: good });
      const bad = x.driver(name, [srv.url], { name: `${x.name}-bad`, ...creds(false) });
      const cf = await bad.ev('connect_failed');
      await finished(bad);
      assert.equal(cf.kind, 'auth', `wrong credentials: expected the client's authorization error\n${bad.transcript()}`);
      x.note(`connect refused: ${JSON.stringify(cf.err)}`);

      // Enough attempts to outlast a slow restart (tsnats is a Node process: ~0.5-1s on a loaded machine);
      // attempts made while the port is closed end in "connection refused", not in an auth error.
      const d = x.driver(name, [srv.url], { name: x.name, reconnect_wait_ms: 100, max_reconnect: 30, ...creds(true) });
      await d.ev('ready');
      const mark = d.events.length;
      srv = x.track(await srv.restart({ args: changed }));
      const rejected = await d.waitFor(isAuth, 'an authorization error on reconnect', 15_000, mark);
      x.note(`reconnect rejected: ${rejected.ev} ${JSON.stringify(rejected.err)}`);
      // The client gives up (some at once on a repeated auth error, others after max_reconnect attempts).
      const closed = await d.ev('closed', 20_000, mark);
      x.note(`closed ${closed.t - rejected.t}ms after the first rejection: ${JSON.stringify(closed.err)}`);
      assert.equal(d.all('reconnected').length, 0, `reconnected despite changed credentials\n${d.transcript()}`);
      await closeSession(d);
    },
  };
}

const authUser = auth('auth-user', ['--user', 'alice', '--pass', 's3cret'],
  (ok) => ({ user: 'alice', pass: ok ? 's3cret' : 'wrong' }), ['--user', 'alice', '--pass', 'changed']);
const authToken = auth('auth-token', ['--auth', 'tok-1'], (ok) => ({ token: ok ? 'tok-1' : 'tok-wrong' }), ['--auth', 'tok-2']);

/** A config file for a TLS server with `pair` as its certificate, verifying clients against the test CA. */
function tlsConf(C: TestCerts, pair: CertPair, verify: boolean): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tsnats-interop-tls-')), 'tls.conf');
  writeFileSync(file, `tls {\n  cert_file: "${pair.cert}"\n  key_file: "${pair.key}"\n  ca_file: "${C.ca.cert}"\n  verify: ${verify}\n}\n`);
  return file;
}

/** The driver's TLS options: the CA to trust, a client certificate, the host name to check (nats.c needs it said). */
const tlsOpts = (ca: string, client?: CertPair) => ({ tls_ca: ca, tls_host: 'localhost', ...(client ? { tls_cert: client.cert, tls_key: client.key } : {}) });

// 7. TLS: mutual TLS (the server verifies the client's certificate); the server lists the connection
//    with its TLS version and suite.
const tls: Scenario = {
  name: 'tls',
  async run(x) {
    const C = await testCerts();
    const srv = await x.server({ monitor: true, config: tlsConf(C, C.server, true) });
    const d = x.driver('tls', [srv.url], { name: x.name, ...tlsOpts(C.ca.cert, C.clientDn) });
    await d.ev('ready');
    const mark = d.events.length;
    d.send('flush');
    assert.equal((await d.ev('flushed', 5000, mark)).ok, true, `flush over TLS\n${d.transcript()}`);
    const r = await waitConnz(srv, '', (c) => c.name === x.name);
    referenceHasMonitor(x, r.last);
    assert.ok(r.found, `connection "${x.name}" not in /connz\n${d.transcript()}`);
    assert.match(String(r.found.tls_version), /^1\.[23]$/, 'tls_version in /connz');
    assert.ok(r.found.tls_cipher_suite, 'tls_cipher_suite in /connz');
    x.note(`/connz: tls_version=${r.found.tls_version} tls_cipher_suite=${r.found.tls_cipher_suite}`);
    await closeSession(d);
  },
};

// 8. TLS failures: a CA that did not sign the server's certificate, no client certificate where one
//    is required, an expired server certificate, a server certificate for another host. The client
//    refuses (or is refused) on both servers alike.
const tlsFail: Scenario = {
  name: 'tls-fail',
  async run(x) {
    const C = await testCerts();
    const [verify, expired, wrongHost] = await Promise.all([
      x.server({ monitor: true, config: tlsConf(C, C.server, true) }),
      x.server({ config: tlsConf(C, C.serverExpired, false) }),
      x.server({ config: tlsConf(C, C.serverWrongHost, false) }),
    ]);
    const cases: [string, TestServer, Record<string, string>][] = [
      ['wrong CA', verify, tlsOpts(C.otherCa.cert, C.clientDn)],
      ['no client certificate', verify, tlsOpts(C.ca.cert)],
      ['expired server certificate', expired, tlsOpts(C.ca.cert, C.clientDn)],
      ['wrong host name', wrongHost, tlsOpts(C.ca.cert, C.clientDn)],
    ];
    await Promise.all(cases.map(async ([what, srv, opts]) => {
      const d = x.driver('tls-fail', [srv.url], { name: `${x.name}-${what.replace(/ /g, '-')}`, max_reconnect: 0, ...opts });
      const cf = await d.waitFor((e) => e.ev === 'connect_failed' || e.ev === 'ready', `${what}: connect_failed`, 15_000);
      assert.equal(cf.ev, 'connect_failed', `${what}: the client connected\n${d.transcript()}`);
      x.note(`${what}: ${JSON.stringify(cf.err)}`);
      await finished(d);
    }));
    // the server that verifies clients lists the refused one with the reference's reason
    const r = await waitConnz(verify, '?state=closed', (c) => c.reason === 'TLS Handshake Failure');
    referenceHasMonitor(x, r.last);
    assert.ok(r.found, `no closed connection with reason TLS Handshake Failure: ${JSON.stringify(r.last)}`);
  },
};

// 10. JetStream through the client's own API: publish with acks (and a duplicate by message id),
// a durable pull consumer fetched and acked in two batches, a durable push consumer consumed and
// acked, a key-value bucket (put, get with its revision, watch the initial values, delete). Then the
// server's own view: both consumers acked everything.
const jetstream: Scenario = {
  name: 'jetstream',
  async run(x) {
    const dir = mkdtempSync(join(tmpdir(), 'interop-js-'));
    x.t.after(() => rmSync(dir, { recursive: true, force: true }));
    const srv = await x.server({ args: ['-js', '-sd', dir] });
    const d = x.driver('jetstream', [srv.url], { name: x.name });
    await finished(d, 60_000);
    const T = d.transcript();
    const result = (n: string) => {
      const r = d.all('result').find((e) => e.name === n);
      assert.ok(r, `no result "${n}"\n${T}`);
      assert.equal(r.err, null, `${n}: ${String(r.err)}\n${T}`);
      return r;
    };
    assert.deepEqual(result('js_publish').seqs, [1, 2, 3, 4, 5], `publish acks\n${T}`);
    const dd = result('js_dedupe');
    assert.deepEqual([dd.seqs, dd.duplicate], [[6, 6], true], `duplicate by message id\n${T}`);
    assert.deepEqual(result('pull_fetch').data, ['m1', 'm2', 'm3'], `pull fetch\n${T}`);
    assert.deepEqual(result('pull_fetch2').data, ['m4', 'm5', 'd'], `second pull fetch\n${T}`);
    assert.deepEqual(result('push_consume').data, ['m1', 'm2', 'm3', 'm4', 'm5', 'd'], `push consume\n${T}`);
    const kv = result('kv');
    assert.deepEqual([kv.get, kv.revision, kv.watch, kv.deleted], ['2', 2, ['a=2', 'b=x'], true], `key-value\n${T}`);
    for (const c of ['PULL', 'PUSH']) {
      const info = JSON.parse(await rawRequest(srv, `$JS.API.CONSUMER.INFO.JSI.${c}`)) as Record<string, any>;
      assert.deepEqual([info.delivered?.stream_seq, info.ack_floor?.stream_seq, info.num_ack_pending, info.num_pending], [6, 6, 0, 0], `${c} on the server: ${JSON.stringify(info)}`);
    }
  },
};

export const SCENARIOS: Scenario[] = [connect, pubsub, drain, reconnect, ping, authUser, authToken, tls, tlsFail, jetstream];
