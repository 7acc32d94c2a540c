// Routes over TLS between in-process tsnats servers (cluster.tls; route.go createRoute →
// doTLSHandshake): the handshake first on both sides, mutual verification against ca_file, the
// dialled host checked unless insecure, the reference's log lines for every refusal, the handshake
// timeout on both sides, verify_and_map, /varz, and a reload with new certificate files. The
// captures from nats-server 2.9.10 are in docs/reference/tls-2.9.10.md §"Routes".
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, createServer as createNetServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { withServer, logCollector, monitorPort } from '../helpers/tsnats.js';
import { testCerts, opensslBin, type TestCerts, type CertPair } from '../helpers/certs.js';
import type { Server } from '../../src/server/server.js';
import type { ClusterService } from '../../src/services.js';
import type { Cluster } from '../../src/cluster/cluster.js';
import { spkiSha256, type TlsConfig } from '../../src/tls/options.js';
import { pemCertificates } from '../../src/tls/x509.js';
import { eventually } from './scenarios.js';

const skip = opensslBin() === null && 'openssl is not installed';
let certs: TestCerts;
before(async () => {
  if (!skip) certs = await testCerts();
});

const cluster = (s: Server): Cluster => s.service<ClusterService>('cluster')!.cluster!;
const tlsOf = (p: CertPair, extra: Partial<TlsConfig> = {}): TlsConfig => ({ certFile: p.cert, keyFile: p.key, caFile: certs.ca.cert, verify: true, ...extra });
type T = Parameters<typeof withServer>[0];

/** A TLS cluster member; `routes` dial others. */
function member(t: T, name: string, tls: TlsConfig, routes: string[] = [], logs = logCollector(), extra: Record<string, unknown> = {}): Promise<Server> {
  return withServer(t, { serverName: name, debug: true, log: logs.log, cluster: { port: -1, host: '127.0.0.1', name: 'C1', tls, ...extra }, routes });
}
const routeURL = (s: Server) => `nats-route://127.0.0.1:${cluster(s).port}`;

test('tsnats ↔ tsnats over TLS: handshake first, mutual verification, messages, queue groups and request-reply', { skip }, async (t) => {
  const la = logCollector();
  const lb = logCollector();
  const a = await member(t, 'A', tlsOf(certs.routeA), [], la, {});
  const b = await member(t, 'B', tlsOf(certs.routeB), [routeURL(a)], lb);
  await eventually(() => cluster(a).routes.size === 1 && cluster(b).routes.size === 1, 5000, 'route up');
  // The logs of the reference, in its order (accepting side, then dialling side).
  await la.wait(/rid:\d+ - Starting TLS route server handshake/);
  await la.wait(/rid:\d+ - TLS version 1\.3, cipher suite TLS_AES_128_GCM_SHA256/);
  const bl = lb.lines.join('');
  const order = ['Starting TLS route client handshake', 'TLS handshake complete', 'TLS version 1.3', 'Route connect msg sent', 'Route connection created'].map((s) => bl.indexOf(s));
  assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), bl);
  // Both ends saw the other's certificate.
  const ra = [...cluster(a).routes.values()][0]!;
  const rb = [...cluster(b).routes.values()][0]!;
  assert.match(ra.tls?.peer?.subject.flat().map((x) => x.value).join() ?? '', /route-b/);
  assert.match(rb.tls?.peer?.subject.flat().map((x) => x.value).join() ?? '', /route-a/);

  const ca: NatsConnection = await connect({ port: a.port });
  const cb: NatsConnection = await connect({ port: b.port });
  t.after(() => Promise.all([ca.close(), cb.close()]));
  // A plain subscription on B, a queue group with a member on each side, a service on A.
  const got: string[] = [];
  cb.subscribe('tls.x', { callback: (_e, m) => { got.push(m.string()); } });
  const q = [0, 0];
  ca.subscribe('tls.q', { queue: 'w', callback: () => { q[0]++; } });
  cb.subscribe('tls.q', { queue: 'w', callback: () => { q[1]++; } });
  ca.subscribe('tls.svc', { callback: (_e, m) => { m.respond(`re:${m.string()}`); } });
  await Promise.all([ca.flush(), cb.flush()]);
  await eventually(() => [...rb.route!.subs.keys()].some((k) => k.startsWith('$G tls.svc')) && [...ra.route!.subs.keys()].some((k) => k.startsWith('$G tls.x')), 5000, 'interest across');
  for (let i = 0; i < 20; i++) ca.publish('tls.x', `m${i}`);
  for (let i = 0; i < 40; i++) ca.publish('tls.q', 'q');
  await ca.flush();
  const r = await cb.request('tls.svc', 'ping', { timeout: 2000 });
  assert.equal(r.string(), 're:ping');
  await eventually(() => got.length === 20 && q[0] + q[1] === 40, 5000, 'messages across the TLS route');
  assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => `m${i}`));
});

test('the route port speaks TLS first: nothing in plaintext; INFO after the handshake says tls_required/tls_verify', { skip }, async (t) => {
  const la = logCollector();
  const a = await member(t, 'A', tlsOf(certs.routeA), [], la);
  const port = cluster(a).port;
  // A TLS peer with a trusted certificate: the first bytes after the handshake are our INFO.
  const ts = tlsConnect({ host: '127.0.0.1', port, cert: readFileSync(certs.routeB.cert), key: readFileSync(certs.routeB.key), ca: readFileSync(certs.ca.cert), servername: 'localhost' });
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let buf = '';
    ts.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const m = /^INFO (\{.*\}) \r\n/.exec(buf);
      if (m) resolve(JSON.parse(m[1]!) as Record<string, unknown>);
    });
    ts.on('error', reject);
  });
  ts.destroy();
  assert.equal(info.tls_required, true);
  assert.equal(info.tls_verify, true);
  assert.equal(info.server_name, 'A');
  // A plaintext route (CONNECT first) gets nothing back and is closed.
  const raw = await openRaw(port);
  raw.sock.write('CONNECT {"echo":true,"verbose":false,"pedantic":false,"tls_required":false,"headers":true,"name":"NXXX","cluster":"C1"}\r\nINFO {}\r\n');
  await raw.closed;
  assert.equal(raw.received(), '');
  await la.wait(/\[ERR\] 127\.0\.0\.1:\d+ - rid:\d+ - TLS route handshake error: tls: first record does not look like a TLS handshake/);
  await la.wait(/Router connection closed: TLS Handshake Failure/);
  // /varz: the cluster's TLS, as ClusterOptsVarz (auth_timeout = tls timeout + 1 s).
  const m = await withServer(t, { serverName: 'M', httpPort: -1, cluster: { port: -1, host: '127.0.0.1', name: 'C1', tls: tlsOf(certs.routeA, { timeoutMs: 1500 }) } });
  const v = (await (await fetch(`http://127.0.0.1:${monitorPort(m)}/varz`)).json()) as { cluster: Record<string, unknown> };
  assert.deepEqual(v.cluster, { name: 'C1', addr: '127.0.0.1', cluster_port: cluster(m).port, auth_timeout: 2.5, tls_timeout: 1.5, tls_required: true, tls_verify: true });
});

test('a peer whose certificate is not trusted is refused, both directions, with the reference\'s log lines', { skip }, async (t) => {
  const la = logCollector();
  const a = await member(t, 'A', tlsOf(certs.routeA), [], la);
  // B presents a certificate from another CA: A (the TLS server) refuses it.
  const lb = logCollector();
  const b = await member(t, 'B', tlsOf(certs.routeUntrusted), [routeURL(a)], lb);
  await la.wait(/TLS route handshake error: tls: failed to verify client certificate: x509: certificate signed by unknown authority/);
  await la.wait(/Router connection closed: TLS Handshake Failure/);
  // C trusts only the other CA: it refuses A's certificate (as a TLS client).
  const lc = logCollector();
  const c = await member(t, 'C', tlsOf(certs.routeB, { caFile: certs.otherCa.cert }), [routeURL(a)], lc);
  await lc.wait(/\[ERR\] 127\.0\.0\.1:\d+ - rid:\d+ - TLS route handshake error: x509: certificate signed by unknown authority/);
  await lc.wait(/Router connection closed: TLS Handshake Failure/);
  await lc.wait(/Attempting reconnect for solicited route/);
  assert.equal(cluster(a).routes.size + cluster(b).routes.size + cluster(c).routes.size, 0);
});

test('the dialled host must be in the certificate unless insecure (with its warning)', { skip }, async (t) => {
  // A's certificate names wrong.example.com and 10.255.255.1 only.
  const a = await member(t, 'A', tlsOf(certs.serverWrongHost));
  const lb = logCollector();
  await member(t, 'B', tlsOf(certs.routeB), [routeURL(a)], lb);
  await lb.wait(/TLS route handshake error: x509: certificate is valid for 10\.255\.255\.1, not 127\.0\.0\.1/);
  const ll = logCollector();
  await member(t, 'L', tlsOf(certs.routeB), [`nats-route://localhost:${cluster(a).port}`], ll);
  await ll.wait(/TLS route handshake error: x509: certificate is valid for wrong\.example\.com, not localhost/);
  const li = logCollector();
  const i = await member(t, 'I', tlsOf(certs.routeB, { insecure: true }), [routeURL(a)], li);
  await li.wait(/\[WRN\] TLS certificate chain and hostname of solicited routes will not be verified\. DO NOT USE IN PRODUCTION!/);
  await eventually(() => cluster(i).routes.size === 1, 5000, 'insecure route up');
});

test('the handshake timeout, on the accepting and on the dialling side', { skip }, async (t) => {
  const la = logCollector();
  const a = await member(t, 'A', tlsOf(certs.routeA, { timeoutMs: 300 }), [], la);
  const raw = await openRaw(cluster(a).port);
  const t0 = Date.now();
  await raw.closed;
  const took = Date.now() - t0;
  assert.ok(took >= 250 && took < 3000, `closed after ${took} ms`);
  assert.equal(raw.received(), '');
  const errLine = await la.wait(/TLS route handshake error: read tcp 127\.0\.0\.1:\d+->127\.0\.0\.1:\d+: i\/o timeout/);
  assert.ok(errLine.includes(`127.0.0.1:${cluster(a).port}->`), errLine);
  await la.wait(/\[ERR\] .*rid:\d+ - TLS handshake timeout/);
  // Dialling a listener that never answers the ClientHello.
  const accepted: Socket[] = [];
  const silent = createNetServer((s) => {
    accepted.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of accepted) s.destroy();
    silent.close();
  });
  const sport = (silent.address() as { port: number }).port;
  const lb = logCollector();
  await member(t, 'B', tlsOf(certs.routeB, { timeoutMs: 300 }), [`nats-route://127.0.0.1:${sport}`], lb);
  const dialLine = await lb.wait(/TLS route handshake error: read tcp 127\.0\.0\.1:\d+->127\.0\.0\.1:\d+: i\/o timeout/);
  assert.ok(dialLine.includes(`->127.0.0.1:${sport}: i/o timeout`), dialLine);
  await lb.wait(/Attempting reconnect for solicited route/);
});

test('verify_and_map: the peer certificate must name the cluster user', { skip }, async (t) => {
  const la = logCollector();
  const a = await member(t, 'A', tlsOf(certs.routeA, { verifyAndMap: true }), [], la, { username: 'CN=route-b' });
  const b = await member(t, 'B', tlsOf(certs.routeB), [routeURL(a)]);
  await eventually(() => cluster(a).routes.size === 1 && cluster(b).routes.size === 1, 5000, 'mapped route up');
  await la.wait(/DistinguishedNameMatch could not be used for auth \["CN=route-b"\]/);
  await la.wait(/Using certificate subject for auth \[""\]/);
  assert.ok(!la.lines.some((l) => l.includes('Multiple peer certificates')), la.lines.join(''));
  const lx = logCollector();
  const x = await member(t, 'X', tlsOf(certs.routeA, { verifyAndMap: true }), [], lx, { username: 'CN=someone' });
  await member(t, 'Y', tlsOf(certs.routeB), [routeURL(x)]);
  await lx.wait(/User in cert \["CN=route-b"\], not found/);
  await lx.wait(/\[ERR\] .* - authentication error/);
  await lx.wait(/Router connection closed: Authentication Failure/);
});

test('reload: new certificate files are used by new routes, routes already up keep their session', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-route-tls-'));
  const cert = join(dir, 'a.pem');
  const key = join(dir, 'a-key.pem');
  copyFileSync(certs.routeA.cert, cert);
  copyFileSync(certs.routeA.key, key);
  const la = logCollector();
  const a = await member(t, 'A', tlsOf({ cert, key }), [], la);
  const b = await member(t, 'B', tlsOf(certs.routeB), [routeURL(a)]);
  await eventually(() => cluster(a).routes.size === 1 && cluster(b).routes.size === 1, 5000, 'route up');
  const before = [...cluster(a).routes.values()][0]!;
  // The same file names, new contents: a certificate from the untrusted CA.
  copyFileSync(certs.routeUntrusted.cert, cert);
  copyFileSync(certs.routeUntrusted.key, key);
  const r = a.reload({ ...a.opts });
  assert.ok(r.ok, r.error);
  assert.ok(r.lines.includes('Reloaded: cluster'), JSON.stringify(r.lines));
  const lc = logCollector();
  await member(t, 'C', tlsOf(certs.routeB), [routeURL(a)], lc);
  await lc.wait(/TLS route handshake error: x509: certificate signed by unknown authority/);
  assert.equal(cluster(a).routes.size, 1);
  assert.equal([...cluster(a).routes.values()][0], before);
  assert.equal(before.closed, false);
  // A file that is gone refuses the reload and changes nothing.
  const bad = a.reload({ ...a.opts, cluster: { ...a.opts.cluster, tls: tlsOf({ cert: join(dir, 'nope.pem'), key }) } });
  assert.equal(bad.ok, false);
  assert.match(bad.error ?? '', /error parsing X509 certificate\/key pair: open .*nope\.pem: no such file or directory/);
  // Back to plaintext: new routes are plaintext (the INFO says so).
  const p = a.reload({ ...a.opts, cluster: { ...a.opts.cluster, tls: undefined } });
  assert.ok(p.ok, p.error);
  assert.equal(cluster(a).tls, null);
});


/** A raw TCP connection: what it receives, and when it closes. */
async function openRaw(port: number): Promise<{ sock: Socket; received: () => string; closed: Promise<void> }> {
  const sock = netConnect({ host: '127.0.0.1', port });
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
  sock.on('error', () => {});
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  return { sock, received: () => got, closed };
}

test('verify_cert_and_check_known_urls and pinned_certs on routes', { skip }, async (t) => {
  // A knows a route by the name `localhost` (nobody listens there): B's certificate has DNS:localhost.
  const spare = createNetServer();
  await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
  const sparePort = (spare.address() as { port: number }).port;
  await new Promise<void>((r) => spare.close(() => r()));
  const la = logCollector();
  const a = await member(t, 'A', tlsOf(certs.routeA, { checkKnownUrls: true }), [`nats-route://localhost:${sparePort}`], la);
  const b = await member(t, 'B', tlsOf(certs.routeB), [routeURL(a)]);
  await eventually(() => cluster(a).routes.size === 1 && cluster(b).routes.size === 1, 5000, 'known-URL route up');
  await la.wait(/Using SAN found in cert for auth \[""\]/);
  // pinned_certs: only route-b's key is admitted; route-a's is refused after the handshake.
  const lp = logCollector();
  const p = await member(t, 'P', tlsOf(certs.routeA, { pinnedCerts: [spkiSha256(pemCertificates(readFileSync(certs.routeB.cert, 'latin1'))[0]!)] }), [], lp);
  const ok = await member(t, 'Q', tlsOf(certs.routeB), [routeURL(p)]);
  await eventually(() => cluster(ok).routes.size === 1, 5000, 'pinned route up');
  await member(t, 'R', tlsOf(certs.routeA), [routeURL(p)]);
  await lp.wait(/TLS route handshake error: certificate not pinned/);
  assert.equal(cluster(p).routes.size, 1);
});
