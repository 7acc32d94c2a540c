// Routes over TLS between tsnats and nats-server 2.9.10 (child processes, config files): a mixed
// cluster meshed over TLS in both directions (nats-server dials tsnats, tsnats dials nats-server,
// and a gossiped route tsnats → tsnats), messages, queue groups and request-reply through the
// official client; then the same input to both servers for the refusals: an untrusted peer on either
// side, a plaintext peer on a TLS route port, and the INFO a TLS peer receives.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startServer, hasNatsServer, type ServerKind, type TestServer } from '../helpers/servers.js';
import { testCerts, opensslBin, type TestCerts, type CertPair } from '../helpers/certs.js';
import { freePort } from '../../dev/ports.js';
import { eventually } from './scenarios.js';

const skip = (!hasNatsServer() && 'nats-server is not installed') || (opensslBin() === null && 'openssl is not installed');
let certs: TestCerts;
let dir: string;
before(async () => {
  if (skip) return;
  certs = await testCerts();
  dir = mkdtempSync(join(tmpdir(), 'tsnats-tls-interop-'));
});

interface Member {
  server: TestServer;
  clusterPort: number;
}

/** A member with cluster TLS (`pair` presented, trusting `ca`), dialling `routes`. */
async function member(kind: ServerKind, name: string, pair: CertPair, routes: number[] = [], opts: { ca?: string; timeout?: number } = {}): Promise<Member> {
  const clusterPort = await freePort();
  const file = join(dir, `${name}-${clusterPort}.conf`);
  const tls = `tls { cert_file: "${pair.cert}", key_file: "${pair.key}", ca_file: "${opts.ca ?? certs.ca.cert}", verify: true${opts.timeout ? `, timeout: ${opts.timeout}` : ''} }`;
  const r = routes.length > 0 ? `routes: [${routes.map((p) => `"nats-route://127.0.0.1:${p}"`).join(', ')}]` : '';
  writeFileSync(file, `server_name: ${name}\ncluster {\n  name: C1\n  listen: "127.0.0.1:${clusterPort}"\n  ${tls}\n  ${r}\n}\n`);
  const server = await startServer(kind, { config: file, monitor: true });
  if (kind === 'nats-server') await server.waitForOutput(/Listening for route connections/);
  return { server, clusterPort };
}

async function numRoutes(m: Member): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${m.server.httpPort}/routez`);
  return ((await r.json()) as { num_routes: number }).num_routes;
}

describe('a mixed cluster over TLS: tsnats ↔ nats-server both directions, and gossip', { skip }, () => {
  let ms: Member[] = [];
  let nc: NatsConnection[] = [];
  before(async () => {
    // T0 accepts; N1 (nats-server) dials T0; T2 dials N1 and learns T0 from it (an implicit route by IP).
    const t0 = await member('tsnats', 'T0', certs.routeA);
    const n1 = await member('nats-server', 'N1', certs.routeB, [t0.clusterPort]);
    const t2 = await member('tsnats', 'T2', certs.routeB, [n1.clusterPort]);
    ms = [t0, n1, t2];
    await eventually(async () => (await Promise.all(ms.map(numRoutes))).every((n) => n === 2), 15_000, 'TLS mesh of 3');
    nc = await Promise.all(ms.map((m) => connect({ port: m.server.port })));
  });
  after(async () => {
    await Promise.all(nc.map((c) => c.close().catch(() => {})));
    await Promise.all(ms.map((m) => m.server.stop()));
  });

  test('every route is TLS: both servers log the handshakes of the reference', async () => {
    // No plaintext route happened: no protocol errors anywhere; nats-server completed TLS handshakes.
    for (const m of ms) assert.doesNotMatch(m.server.output(), /handshake error|Parser ERROR|Protocol Violation/, m.server.output());
    await ms[1]!.server.waitForOutput(/Route connection created/);
  });

  test('messages, queue groups and request-reply across TLS routes', async () => {
    const [a, b, c] = nc as [NatsConnection, NatsConnection, NatsConnection];
    const got: string[] = [];
    a.subscribe('itls.x', { callback: (_e, m) => { got.push(m.string()); } });
    const q = [0, 0];
    a.subscribe('itls.q', { queue: 'w', callback: () => { q[0]++; } });
    b.subscribe('itls.q', { queue: 'w', callback: () => { q[1]++; } });
    b.subscribe('itls.svc', { callback: (_e, m) => { m.respond(`re:${m.string()}`); } });
    await Promise.all([a.flush(), b.flush()]);
    // Interest reaches T2 over its routes (a request answered proves the service's interest).
    await eventually(async () => {
      try {
        return (await c.request('itls.svc', 'probe', { timeout: 300 })).string() === 're:probe';
      } catch {
        return false;
      }
    }, 10_000, 'service reachable from T2');
    await eventually(async () => {
      c.publish('itls.x', 'probe');
      await c.flush();
      await new Promise((r) => setTimeout(r, 30));
      return got.length > 0;
    }, 10_000, 'interest of T0 at T2');
    got.length = 0;
    for (let i = 0; i < 10; i++) c.publish('itls.x', `m${i}`);
    for (let i = 0; i < 30; i++) c.publish('itls.q', 'q');
    await c.flush();
    const r = await a.request('itls.svc', 'ping', { timeout: 2000 });
    assert.equal(r.string(), 're:ping');
    await eventually(() => got.length === 10 && q[0] + q[1] === 30, 5000, 'deliveries');
    assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => `m${i}`));
  });
});

describe('the same input to both servers over TLS routes', { skip }, () => {
  for (const kind of ['nats-server', 'tsnats'] as const) {
    test(`${kind} accepting: a dialler with a certificate it does not trust is refused`, async (t) => {
      const acc = await member(kind, 'A', certs.routeA);
      t.after(() => acc.server.stop());
      // nats-server dials with an untrusted certificate (Go's client then sends none: the CA list does not match).
      const d = await member('nats-server', 'D', certs.routeUntrusted, [acc.clusterPort]);
      t.after(() => d.server.stop());
      await acc.server.waitForOutput(/\[ERR\] 127\.0\.0\.1:\d+ - rid:\d+ - TLS route handshake error: tls: client didn't provide a certificate/);
      await acc.server.waitForOutput(/Router connection closed: TLS Handshake Failure/);
      assert.equal(await numRoutes(acc), 0);
    });

    test(`${kind} dialling: an accepting peer it does not trust is refused`, async (t) => {
      const acc = await member('nats-server', 'A', certs.routeUntrusted);
      t.after(() => acc.server.stop());
      const d = await member(kind, 'D', certs.routeB, [acc.clusterPort]);
      t.after(() => d.server.stop());
      await d.server.waitForOutput(/\[ERR\] 127\.0\.0\.1:\d+ - rid:\d+ - TLS route handshake error: x509: certificate signed by unknown authority/);
      await d.server.waitForOutput(/Router connection closed: TLS Handshake Failure/);
    });

    test(`${kind}: a plaintext route on a TLS route port gets nothing and is closed`, async (t) => {
      const acc = await member(kind, 'A', certs.routeA);
      t.after(() => acc.server.stop());
      const sock = netConnect({ host: '127.0.0.1', port: acc.clusterPort });
      let got = '';
      sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
      sock.on('error', () => {});
      await new Promise<void>((r) => sock.once('connect', () => r()));
      sock.write('CONNECT {"echo":true,"verbose":false,"pedantic":false,"tls_required":false,"headers":true,"name":"NXXX","cluster":"C1"}\r\n');
      await new Promise<void>((r) => sock.once('close', () => r()));
      assert.equal(got, '');
      await acc.server.waitForOutput(/TLS route handshake error: tls: first record does not look like a TLS handshake/);
    });

    test(`${kind}: the INFO after the handshake says tls_required and tls_verify`, async (t) => {
      const acc = await member(kind, 'A', certs.routeA);
      t.after(() => acc.server.stop());
      const ts = tlsConnect({ host: '127.0.0.1', port: acc.clusterPort, cert: readFileSync(certs.routeB.cert), key: readFileSync(certs.routeB.key), ca: readFileSync(certs.ca.cert), servername: 'localhost' });
      t.after(() => ts.destroy());
      const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
        let buf = '';
        ts.on('data', (d: Buffer) => {
          buf += d.toString('latin1');
          const m = /^INFO (\{.*\}) \r\n/.exec(buf);
          if (m) resolve(JSON.parse(m[1]!) as Record<string, unknown>);
        });
        ts.on('error', reject);
      });
      assert.equal(info.tls_required, true);
      assert.equal(info.tls_verify, true);
      assert.equal(info.auth_required, undefined);
    });
  }

  test('the handshake timeout: nats-server and tsnats close a silent peer after tls.timeout with the same lines', async (t) => {
    const lines: string[][] = [];
    for (const kind of ['nats-server', 'tsnats'] as const) {
      const acc = await member(kind, 'A', certs.routeA, [], { timeout: 0.3 });
      t.after(() => acc.server.stop());
      const sock = netConnect({ host: '127.0.0.1', port: acc.clusterPort });
      sock.on('error', () => {});
      const t0 = Date.now();
      await new Promise<void>((r) => sock.once('close', () => r()));
      const took = Date.now() - t0;
      assert.ok(took >= 250 && took < 3000, `${kind} closed after ${took} ms`);
      await acc.server.waitForOutput(/Router connection closed: TLS Handshake Failure/);
      lines.push(acc.server.output().split('\n').filter((l) => /rid:/.test(l)).map((l) => l.replace(/^.*?(\[(?:ERR|INF|DBG|WRN|TRC)\])/, '$1').replace(/\d+\.\d+\.\d+\.\d+:\d+/g, 'H:P').replace(/rid:\d+/, 'rid:N')));
    }
    // (nats-server's handshake timer then usually adds `[ERR] … - TLS handshake timeout`; tsnats always does.)
    const want = ['[ERR] H:P - rid:N - TLS route handshake error: read tcp H:P->H:P: i/o timeout', '[INF] H:P - rid:N - Router connection closed: TLS Handshake Failure'];
    for (const l of lines) for (const w of want) assert.ok(l.includes(w), `${w}\n${l.join('\n')}`);
  });
});
