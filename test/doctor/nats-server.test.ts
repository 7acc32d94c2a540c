// `tsnats doctor` and `tsnats conns` against the reference nats-server 2.9.10: it runs cleanly
// (exit 0), and the checks whose fields 2.9.10 does not have are reported as skipped, with why.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startServer, hasNatsServer, type TestServer } from '../helpers/servers.js';
import { runCli, doctorJSON } from './cli.js';

// A keepalive window of 3m (within NAT timeouts), a system-account user, a named client.
const CONF = `ping_interval: "1m"
accounts: {
  APP: { users: [ { user: app, password: app } ] }
  SYS: { users: [ { user: sys, password: sys } ] }
}
system_account: SYS
`;

describe('doctor against nats-server 2.9.10', { skip: !hasNatsServer() && 'nats-server is not installed' }, () => {
  let dir: string;
  let ns: TestServer;
  let nc: NatsConnection;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsnats-doctor-'));
    writeFileSync(join(dir, 'nats.conf'), CONF);
    ns = await startServer('nats-server', { monitor: true, config: join(dir, 'nats.conf') });
    nc = await connect({ servers: ns.url, user: 'app', pass: 'app', name: 'billing' });
    nc.subscribe('billing.>', { callback: () => {} });
    nc.publish('billing.run', 'x');
    await nc.flush();
  });
  after(async () => {
    await nc?.close();
    await ns?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('over HTTP: exit 0, and what 2.9.10 cannot tell is skipped with the reason', async () => {
    const { code, report, stderr } = await doctorJSON([`http://127.0.0.1:${ns.httpPort}`, '--interval', '100ms']);
    const s = report.servers[0];
    assert.equal(s.server.version, '2.9.10');
    assert.deepEqual(s.findings, [], JSON.stringify(s.findings));
    const skipped = new Map<string, string>(s.skipped.map((k: any) => [k.code, k.reason]));
    assert.match(skipped.get('SERVER_012')!, /no stale_connections .*2\.12/);
    assert.match(skipped.get('SERVER_013')!, /no stalled_clients .*2\.12/);
    assert.match(skipped.get('ACCOUNTS_001')!, /only for JWT accounts/);
    for (const c of ['SERVER_004', 'SERVER_007', 'SERVER_011', 'CONN_001', 'CONN_002', 'CONN_003', 'OPT_NAME_001', 'OPT_PING_001', 'OPT_PING_002', 'OPT_PAYLOAD_001', 'OPT_IDLE_007']) {
      assert.ok(s.passed.includes(c), `${c} passed`);
    }
    assert.equal(report.status, 'ok');
    assert.equal(code, 0, stderr);
  });

  test('through $SYS with the official client: the same, exit 0', async () => {
    const { code, report } = await doctorJSON([ns.url, '--user', 'sys', '--password', 'sys']);
    const s = report.servers[0];
    assert.deepEqual(s.findings, [], JSON.stringify(s.findings));
    assert.ok(s.skipped.some((k: any) => k.code === 'SERVER_012'));
    assert.equal(code, 0);
  });

  test('the default keepalive window (2m × 3 = 6m) is flagged as longer than NAT timeouts', async () => {
    const plain = await startServer('nats-server', { monitor: true });
    try {
      const { code, report } = await doctorJSON([`http://127.0.0.1:${plain.httpPort}`]);
      const f = report.servers[0].findings.find((x: any) => x.code === 'OPT_PING_001');
      assert.match(f.evidence, /ping_interval 2m0s × \(ping_max 2 \+ 1\) = 6m0s, above 5m50s/);
      // No authentication, but loopback only: info, not critical.
      assert.equal(report.servers[0].findings.find((x: any) => x.code === 'SERVER_007').severity, 'info');
      assert.equal(code, 1);
    } finally {
      await plain.stop();
    }
  });

  test('conns lists its connections (sort by rtt done by the tool: 2.9.10 has no sort=rtt)', async () => {
    const r = await runCli(['conns', `http://127.0.0.1:${ns.httpPort}`, '--sort', 'rtt']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ *CID +NAME +ADDRESS +IDLE +RTT +PENDING +IN MSGS +OUT MSGS +SUBS +ACCOUNT\/USER$/m);
    assert.match(r.stdout, /^ *\d+ +billing +127\.0\.0\.1:\d+ .* APP\/app$/m);
  });

  test('kick: nats-server 2.9.10 has no KICK, and the tool says so (exit 1)', async () => {
    const r = await runCli(['kick', '1', ns.url, '--user', 'sys', '--password', 'sys', '--timeout', '1s']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /did not answer KICK: .*nats-server needs 2\.10 or later/);
  });
});
