// `tsnats doctor` against a tsnats server with staged problems (test/doctor/stage.ts): each
// problem reported with its code and severity, the exit status for monitoring systems, and the
// difference between one sample (totals) and two (what is rising).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stageAll, stageFrozen, natsClient, SYS_USER, type Staged } from './stage.js';
import { runCli, doctorJSON } from './cli.js';
import { monitorState } from '../../src/monitor/state.js';

type F = { code: string; severity: string; subject: string; evidence: string; fix: string };

function byCode(report: any): Map<string, F[]> {
  const m = new Map<string, F[]>();
  for (const f of report.servers[0].findings as F[]) m.set(f.code, [...(m.get(f.code) ?? []), f]);
  return m;
}

describe('doctor on a tsnats server with staged problems', () => {
  let s: Staged;
  before(async () => {
    s = await stageAll();
  });
  after(() => s?.stop());

  test('one sample: each problem with its code, severity and evidence; exit 1 (warning)', async () => {
    // --rtt 2s: CONN_001 must pass here even when a loaded machine stretches the loopback RTTs
    // (its threshold itself is covered by checks.test.ts).
    const { code, report } = await doctorJSON([s.httpUrl, '--idle', '50ms', '--rtt', '2s']);
    const f = byCode(report);
    assert.equal(report.servers[0].samples, 1);
    // The frozen client went stale; one sample reports the total.
    assert.equal(f.get('SERVER_012')?.[0]?.severity, 'warning');
    assert.match(f.get('SERVER_012')![0]!.evidence, /stale_connections: 1 since the server started.*one sample.*"frozen-sensor"/);
    // The slow consumer: a total with one sample is a warning.
    assert.equal(f.get('SERVER_004')?.[0]?.severity, 'warning');
    assert.match(f.get('SERVER_004')![0]!.evidence, /slow_consumers: 1 .*"slow-reporting"/);
    // Its publisher was stalled, and the slow subscriber is named.
    assert.equal(f.get('SERVER_013')?.[0]?.severity, 'warning');
    // Account A at 4 of 5.
    const acc = f.get('ACCOUNTS_001')!;
    assert.equal(acc.length, 1);
    assert.equal(acc[0]!.subject, 'account A');
    assert.equal(acc[0]!.severity, 'warning');
    assert.match(acc[0]!.evidence, /4 connections of the account's max_connections 5 \(80%\)/);
    // The unnamed client.
    assert.equal(f.get('OPT_NAME_001')?.[0]?.severity, 'info');
    assert.match(f.get('OPT_NAME_001')![0]!.evidence, /1 of \d+ connections have no name: cid \d+ 127\.0\.0\.1:\d+ \(account APP, user app\) lang nats\.js/);
    // Recent problem closes, by reason, with the advice for each.
    const c3 = f.get('CONN_003')![0]!;
    assert.match(c3.evidence, /Stale Connection ×1: cid \d+ "frozen-sensor"/);
    assert.match(c3.evidence, /Slow Consumer \((Write Deadline|Pending Bytes)\) ×1: cid \d+ "slow-reporting"/);
    assert.match(c3.fix, /stopped answering PINGs/);
    // Idle connections with no messages (threshold lowered): the tenant connections and the unnamed one.
    assert.match(f.get('OPT_IDLE_007')![0]!.evidence, /"tenant-a-1"/);
    assert.doesNotMatch(f.get('OPT_IDLE_007')![0]!.evidence, /orders-api/);
    // The 300 ms keepalive window of the test server.
    assert.match(f.get('OPT_PING_002')![0]!.evidence, /ping_interval 1s × \(ping_max 1 \+ 1\) = 2s, below 20s/);
    // Things that are fine.
    for (const ok of ['SERVER_011', 'CONN_001', 'CONN_002', 'OPT_PING_001', 'OPT_PAYLOAD_001', 'SERVER_007']) {
      assert.ok(report.servers[0].passed.includes(ok), `${ok} passed`);
    }
    assert.deepEqual(report.servers[0].skipped, []);
    assert.equal(report.status, 'warning');
    assert.equal(code, 1);
  });

  test('the readable table: severity, code, check, subject, then evidence and fix', async () => {
    const r = await runCli(['doctor', s.httpUrl]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^http:\/\/127\.0\.0\.1:\d+ — server \S+ \(\S+…, version 2\.9\.10\), 1 sample$/m);
    assert.match(r.stdout, /^ {2}SEVERITY +CODE +CHECK +SUBJECT$/m);
    assert.match(r.stdout, /^ {2}WARNING +ACCOUNTS_001 +Account connections near its limit +account A$/m);
    assert.match(r.stdout, /^ {4}evidence: /m);
    assert.match(r.stdout, /^ {4}fix: {6}The account's clients will be refused/m);
    assert.match(r.stdout, /status: warning \(exit 1\)\n$/);
  });

  test('two samples: counters that did not move pass, one that rises is reported with its increase', async () => {
    // Nothing new between the samples: the totals are not reported again.
    const quiet = await doctorJSON([s.httpUrl, '--interval', '200ms']);
    const f = byCode(quiet.report);
    assert.equal(quiet.report.servers[0].samples, 2);
    assert.ok(quiet.report.servers[0].intervalMs >= 190, `interval ${quiet.report.servers[0].intervalMs}`);
    for (const c of ['SERVER_004', 'SERVER_012', 'SERVER_013']) assert.ok(!f.has(c), `${c} not reported`);
    assert.ok(f.has('CONN_003'), 'the recent closes are still listed');

    // A client freezes between the two samples: the first sample is seen as a /varz request.
    const varzBefore = monitorState(s.srv).httpReqStats.get('/varz') ?? 0;
    const run = doctorJSON([s.httpUrl, '--interval', '5s']);
    const t0 = Date.now();
    while ((monitorState(s.srv).httpReqStats.get('/varz') ?? 0) === varzBefore) {
      if (Date.now() - t0 > 10_000) throw new Error('doctor did not read /varz');
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(await stageFrozen(s.srv, 'frozen-late'), 'Stale Connection');
    const rising = await run;
    const stale = byCode(rising.report).get('SERVER_012')![0]!;
    assert.match(stale.evidence, /^stale_connections rose by 1 in [\d.]+s \(1 → 2\)/);
    assert.match(stale.evidence, /"frozen-late"/);
    assert.equal(rising.code, 1);
  });

  test('an account at its limit is critical: exit 2', async () => {
    const fifth = await natsClient(s.srv, { name: 'tenant-a-5', user: 'a', pass: 'a' });
    try {
      const { code, report } = await doctorJSON([s.httpUrl]);
      const acc = byCode(report).get('ACCOUNTS_001')![0]!;
      assert.equal(acc.severity, 'critical');
      assert.match(acc.evidence, /5 connections of the account's max_connections 5 \(100%\)/);
      assert.equal(report.status, 'critical');
      assert.equal(code, 2);
    } finally {
      await fifth.close();
    }
  });

  test('through the system account ($SYS requests with the official client): the same findings, its own connection left out', async () => {
    const { code, report } = await doctorJSON([s.srv.url, '--user', SYS_USER.user, '--password', SYS_USER.pass]);
    const f = byCode(report);
    assert.equal(report.servers[0].url, s.srv.url);
    for (const c of ['SERVER_004', 'SERVER_012', 'SERVER_013', 'ACCOUNTS_001', 'OPT_NAME_001', 'CONN_003']) assert.ok(f.has(c), c);
    // The doctor's connection (named tsnats-doctor, in SYS) is not among the unnamed or idle ones.
    assert.doesNotMatch(JSON.stringify(report), /tsnats-doctor/);
    assert.equal(code, 1);
  });

  test('--skip leaves checks out; unknown codes and bad flags are usage errors (exit 3)', async () => {
    const { report } = await doctorJSON([s.httpUrl, '--skip', 'opt_ping_002,CONN_003']);
    assert.ok(!byCode(report).has('OPT_PING_002'));
    assert.ok(report.servers[0].skipped.some((k: any) => k.code === 'CONN_003' && /--skip/.test(k.reason)));
    const bad = await runCli(['doctor', s.httpUrl, '--skip', 'NOPE_1']);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /unknown check code\(s\) for --skip: NOPE_1/);
    const flag = await runCli(['doctor', '--bogus']);
    assert.equal(flag.code, 3);
    assert.match(flag.stderr, /unknown flag: --bogus/);
  });
});

test('doctor: a server that cannot be read is UNKNOWN (exit 3); nats:// without a user is explained', async () => {
  const { freePort } = await import('../../dev/ports.js');
  const port = await freePort();
  const { code, report } = await doctorJSON([`http://127.0.0.1:${port}`]);
  assert.equal(code, 3);
  assert.equal(report.status, 'unknown');
  assert.match(report.servers[0].error, /ECONNREFUSED/);
  const r = await runCli(['doctor', `nats://127.0.0.1:${port}`]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /needs a system-account user \(--user\/--password or --creds\)/);
});

test('doctor --help, and the server usage lists the subcommands', async () => {
  const h = await runCli(['doctor', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /^Usage: tsnats doctor \[URL…\]/);
  assert.match(h.stdout, /SERVER_012/);
  const u = await runCli(['-h']);
  assert.match(u.stdout, /doctor \[URL…\] +Check a server's health/);
  const other = await runCli(['bogus']);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /unrecognized command: "bogus"/);
});
