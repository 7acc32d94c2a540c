// The doctor's checks as pure functions of samples: thresholds, severities, the one- and
// two-sample cases, and graceful skips; the summary's exit codes; value parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkServer, summarize, formatText } from '../../src/doctor/report.js';
import { CHECKS, parseUptime, keepalive } from '../../src/doctor/checks.js';
import { parseToolArgs } from '../../src/doctor/args.js';
import { rttMs, parseSizeArg, parseDurationArg, fmtDuration, fmtBytes } from '../../src/doctor/units.js';
import { sortConns } from '../../src/doctor/conns.js';
import type { Conn, Sample } from '../../src/doctor/types.js';
import type { TlsProbe } from '../../src/doctor/tls.js';
import type { CertInfo } from '../../src/tls/certinfo.js';

const NOW = Date.parse('2026-11-21T12:00:00Z');

/** A served certificate valid from 30 days before NOW for `days` days, for `names`. */
function cert(days: number, names: { dns?: string[]; ip?: string[] } = { dns: ['nats.example.com'], ip: ['10.0.0.1'] }, from = NOW - 30 * 86400_000): CertInfo {
  return {
    subject: 'CN=nats.example.com', issuer: 'CN=Example CA', notBefore: new Date(from), notAfter: new Date(from + days * 86400_000),
    dnsNames: names.dns ?? [], ipAddresses: names.ip ?? [], emailAddresses: [], uris: [], isCA: false, selfIssued: false, spkiSha256: 'x', certSha256: 'y',
  };
}

/** The client port as the doctor's probe sees a well-configured TLS server. */
function probe(over: Partial<TlsProbe> = {}): TlsProbe {
  return { listener: 'client', host: '10.0.0.1', port: 4222, tls: true, tlsRequired: true, chain: [cert(365)], coversHost: true, verifyError: '', ...over };
}

/** A quiet, healthy 2.12-style sample with TLS; `varz` and the rest override. */
function sample(over: Partial<Sample> & { varz?: Record<string, any> } = {}, at = NOW): Sample {
  return {
    takenAt: at,
    now: at,
    conns: [],
    closed: [],
    routez: null,
    accounts: [],
    notes: [],
    tls: [probe()],
    ...over,
    varz: {
      server_id: 'NID', server_name: 'n1', version: '2.12.0', host: '10.0.0.1', port: 4222, auth_required: true, tls_required: true,
      max_connections: 100, connections: 0, ping_interval: 60e9, ping_max: 2, max_payload: 1048576, max_pending: 64 * 1048576,
      slow_consumers: 0, stale_connections: 0, stalled_clients: 0, uptime: '1h',
      ...over.varz,
    },
  };
}

const conn = (cid: number, c: Partial<Conn> = {}): Conn => ({ cid, name: `c${cid}`, ip: '10.1.1.1', port: 1000 + cid, last_activity: new Date(NOW - 1000).toISOString(), in_msgs: 1, out_msgs: 1, rtt: '1ms', pending_bytes: 0, ...c });

function codes(s: Sample[]): Record<string, string> {
  const r = checkServer('x', s);
  return Object.fromEntries(r.findings.map((f) => [f.code, f.severity]));
}

test('a healthy server: no findings, every check passed, exit 0', () => {
  const r = checkServer('x', [sample({ conns: [conn(1)] })]);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.skipped, []);
  assert.equal(r.passed.length, CHECKS.length);
  assert.equal(summarize([r]).exitCode, 0);
});

test('check codes are unique and each has a fix', () => {
  assert.equal(new Set(CHECKS.map((c) => c.code)).size, CHECKS.length);
  for (const c of CHECKS) assert.ok(c.fix.length > 40 && c.title && c.severity, c.code);
});

test('counters: one sample reports totals (warning); two report the increase, slow consumers critical', () => {
  assert.deepEqual(codes([sample({ varz: { slow_consumers: 3, stale_connections: 2 } })]), { SERVER_004: 'warning', SERVER_012: 'warning' });
  const a = sample({ varz: { slow_consumers: 3, stale_connections: 2, stalled_clients: 5 } }, NOW);
  const same = sample({ varz: { slow_consumers: 3, stale_connections: 2, stalled_clients: 5 } }, NOW + 5000);
  assert.deepEqual(codes([a, same]), {});
  const up = sample({ varz: { slow_consumers: 4, stale_connections: 2, stalled_clients: 9 } }, NOW + 5000);
  const r = checkServer('x', [a, up]);
  assert.deepEqual(Object.fromEntries(r.findings.map((f) => [f.code, f.severity])), { SERVER_004: 'critical', SERVER_013: 'warning' });
  assert.match(r.findings.find((f) => f.code === 'SERVER_004')!.evidence, /^slow_consumers rose by 1 in 5s \(3 → 4\)/);
  // A restart resets the counters: the new total counts as the increase.
  const restarted = sample({ varz: { slow_consumers: 1, stale_connections: 0, stalled_clients: 0 } }, NOW + 5000);
  assert.match(checkServer('x', [a, restarted]).findings[0]!.evidence, /rose by 1/);
});

test('nats-server 2.9.10 lacks the 2.12 counters: those checks are skipped, saying why', () => {
  const s = sample();
  delete s.varz.stale_connections;
  delete s.varz.stalled_clients;
  s.varz.version = '2.9.10';
  const r = checkServer('x', [s]);
  assert.deepEqual(r.skipped.map((k) => k.code), ['SERVER_012', 'SERVER_013']);
  assert.match(r.skipped[0]!.reason, /server version 2\.9\.10; nats-server reports it since 2\.12/);
  assert.equal(summarize([r]).exitCode, 0);
});

test('SERVER_011: 80% warns, the limit is critical; the busiest addresses are named', () => {
  const conns = Array.from({ length: 8 }, (_, i) => conn(i + 1, { ip: i < 6 ? '10.9.9.9' : '10.1.1.1' }));
  const r = checkServer('x', [sample({ conns, varz: { max_connections: 10, connections: 8 } })]);
  const f = r.findings.find((x) => x.code === 'SERVER_011')!;
  assert.equal(f.severity, 'warning');
  assert.match(f.evidence, /8 connections of max_connections 10 \(80%\); most from 10\.9\.9\.9 ×6, 10\.1\.1\.1 ×2/);
  assert.equal(codes([sample({ varz: { max_connections: 10, connections: 10 } })]).SERVER_011, 'critical');
  assert.equal(codes([sample({ varz: { max_connections: 10, connections: 7 } })]).SERVER_011, undefined);
});

test('ACCOUNTS_001: per account, unlimited ignored; not published → skipped (nats-server), checked (tsnats)', () => {
  const accounts = [{ name: 'A', conns: 4, limit: 5 }, { name: 'B', conns: 10, limit: -1 }, { name: 'C', conns: 3, limit: 3 }, { name: 'D', conns: 1, limit: 10 }];
  const r = checkServer('x', [sample({ accounts })]);
  assert.deepEqual(r.findings.map((f) => [f.subject, f.severity]), [['account C', 'critical'], ['account A', 'warning']]);
  const hidden = checkServer('x', [sample({ accounts: [{ name: 'APP', conns: 3, limit: null }] })]);
  assert.match(hidden.skipped.find((k) => k.code === 'ACCOUNTS_001')!.reason, /only for JWT accounts/);
  const ts = checkServer('x', [sample({ accounts: [{ name: 'APP', conns: 3, limit: null }], varz: { go: 'nodev20.1.0' } })]);
  assert.ok(ts.passed.includes('ACCOUNTS_001'));
  const none = checkServer('x', [sample({ accounts: null, notes: ['accounts unavailable: boom'] })]);
  assert.match(none.skipped.find((k) => k.code === 'ACCOUNTS_001')!.reason, /boom/);
});

test('SERVER_007: critical on a reachable address, info on loopback', () => {
  assert.equal(codes([sample({ varz: { auth_required: undefined } })]).SERVER_007, 'critical');
  assert.equal(codes([sample({ varz: { auth_required: false, host: '127.0.0.1' } })]).SERVER_007, 'info');
  assert.equal(summarize([checkServer('x', [sample({ varz: { auth_required: undefined } })])]).exitCode, 2);
});

test('CONN_001 rtt > 100ms and CONN_002 pending > 1 MiB list the worst first', () => {
  const conns = [conn(1, { rtt: '150ms' }), conn(2, { rtt: '1.2s' }), conn(3, { rtt: '99.9ms' }), conn(4, { pending_bytes: 2 * 1048576 }), conn(5, { pending_bytes: 1048576 })];
  const r = checkServer('x', [sample({ conns })]);
  const rtt = r.findings.find((f) => f.code === 'CONN_001')!;
  assert.equal(rtt.subject, '2 connections');
  assert.match(rtt.evidence, /^rtt above 100ms: cid 2 "c2" 10\.1\.1\.1:1002 rtt 1\.2s; cid 1 "c1" 10\.1\.1\.1:1001 rtt 150ms$/);
  const p = r.findings.find((f) => f.code === 'CONN_002')!;
  assert.match(p.evidence, /^pending above 1\.0 MiB: cid 4 "c4" 10\.1\.1\.1:1004 pending 2\.0 MiB of max_pending 64\.0 MiB$/);
});

test('CONN_003: problem closes within --since, grouped by reason with advice; benign ones ignored', () => {
  const stop = (ago: number) => new Date(NOW - ago).toISOString();
  const closed = [
    conn(1, { reason: 'Stale Connection', stop: stop(60_000) }),
    conn(2, { reason: 'Read Error', stop: stop(120_000) }),
    conn(3, { reason: 'Client Closed', stop: stop(1000) }),
    conn(4, { reason: 'Kicked', stop: stop(1000) }),
    conn(5, { reason: 'Slow Consumer (Pending Bytes)', stop: stop(3_600_000) }),
  ];
  const r = checkServer('x', [sample({ closed })]);
  const f = r.findings.find((x) => x.code === 'CONN_003')!;
  assert.equal(f.subject, '2 closed connections');
  assert.match(f.evidence, /^in the last 15m0s: Stale Connection ×1: cid 1 .* \| Read Error ×1: cid 2 /);
  assert.match(f.fix, /^Stale Connection: .*\. Read Error: the connection was reset/);
  assert.equal(checkServer('x', [sample({ closed })], { thresholds: { sinceMs: 30_000 } }).findings.length, 0);
  assert.match(checkServer('x', [sample({ closed: null, notes: ['closed connections unavailable: x'] })]).skipped[0]!.reason, /closed connections unavailable/);
});

test('OPT_IDLE_007: idle past the threshold with no message at all; OPT_NAME_001: unnamed', () => {
  const idle = conn(1, { in_msgs: 0, out_msgs: 0, last_activity: new Date(NOW - 10 * 60_000).toISOString(), subscriptions: 2 });
  const busyIdle = conn(2, { last_activity: new Date(NOW - 10 * 60_000).toISOString() });
  const fresh = conn(3, { in_msgs: 0, out_msgs: 0, name: undefined });
  const r = checkServer('x', [sample({ conns: [idle, busyIdle, fresh] })]);
  const f = r.findings.find((x) => x.code === 'OPT_IDLE_007')!;
  assert.equal(f.severity, 'info');
  assert.match(f.evidence, /^idle over 5m0s with no message: cid 1 "c1" 10\.1\.1\.1:1001 idle 10m0s, 2 subs$/);
  const n = r.findings.find((x) => x.code === 'OPT_NAME_001')!;
  assert.match(n.evidence, /^1 of 3 connections have no name: cid 3 10\.1\.1\.1:1003$/);
  assert.equal(summarize([r]).exitCode, 0, 'info findings do not change the exit code');
});

test('keepalive window: too long (default 2m × 3), too short, tsnats ping_timeout; max_payload over 8 MB', () => {
  assert.equal(codes([sample({ varz: { ping_interval: 120e9, ping_max: 2 } })]).OPT_PING_001, 'warning');
  assert.equal(codes([sample({ varz: { ping_interval: 5e9, ping_max: 2 } })]).OPT_PING_002, 'warning');
  assert.deepEqual(codes([sample({ varz: { ping_interval: 20e9, ping_max: 0 } })]), {});
  // ping_timeout (tsnats) shortens the window: 2m + 10s.
  const w = keepalive(sample({ varz: { ping_interval: 120e9, ping_max: 2, ping_timeout: 10e9 } }))!;
  assert.equal(w.windowMs, 130_000);
  assert.match(w.text, /ping_interval 2m0s \+ ping_timeout 10s/);
  assert.equal(codes([sample({ varz: { max_payload: 16 * 1048576 } })]).OPT_PAYLOAD_001, 'warning');
  assert.equal(codes([sample({ varz: { max_payload: 8 * 1048576 } })]).OPT_PAYLOAD_001, undefined);
});

test('summary: worst severity wins; an unreadable server alone is unknown (3)', () => {
  const warn = checkServer('a', [sample({ varz: { max_payload: 16 * 1048576 } })]);
  const crit = checkServer('b', [sample({ varz: { auth_required: false } })]);
  assert.equal(summarize([warn, crit]).exitCode, 2);
  assert.equal(summarize([warn]).exitCode, 1);
  const down = { url: 'c', samples: 0, intervalMs: 0, findings: [], skipped: [], passed: [], error: 'refused' };
  assert.deepEqual([summarize([down]).status, summarize([down]).exitCode], ['unknown', 3]);
  assert.equal(summarize([down, warn]).exitCode, 1);
  assert.match(formatText(summarize([down])), /^c: UNKNOWN — refused$/m);
});

test('value parsing: rtt, uptime, sizes, durations, arguments', () => {
  assert.equal(rttMs('332µs'), 0.332);
  assert.equal(rttMs('1.818615ms'), 1.818615);
  assert.equal(rttMs('0s'), 0);
  assert.equal(rttMs(undefined), 0);
  assert.equal(parseUptime('1d2h3m4s'), ((26 * 60 + 3) * 60 + 4) * 1000);
  assert.equal(parseUptime('5s'), 5000);
  assert.equal(parseSizeArg('1MiB'), 1048576);
  assert.equal(parseSizeArg('512KB'), 512_000);
  assert.throws(() => parseSizeArg('lots'), /invalid size/);
  assert.equal(parseDurationArg('5s'), 5000);
  assert.equal(parseDurationArg('2'), 2000);
  assert.equal(fmtDuration(272_000), '4m32s');
  assert.equal(fmtBytes(1536), '1.5 KiB');
  const a = parseToolArgs(['http://x', '--interval=5s', '--json', '--user', 'u']);
  assert.ok(!('error' in a));
  if (!('error' in a)) {
    assert.deepEqual(a.positional, ['http://x']);
    assert.equal(a.flags.get('interval'), '5s');
    assert.equal(a.flags.get('user'), 'u');
    assert.ok(a.bools.has('json'));
  }
  assert.deepEqual(parseToolArgs(['--user']), { error: 'flag needs a value: --user' });
});

test('sortConns: idle, rtt, pending, msgs descending; ties by cid', () => {
  const cs = [
    conn(1, { last_activity: new Date(NOW - 5000).toISOString(), rtt: '2ms', pending_bytes: 10, in_msgs: 1, out_msgs: 1 }),
    conn(2, { last_activity: new Date(NOW - 9000).toISOString(), rtt: '1ms', pending_bytes: 0, in_msgs: 5, out_msgs: 0 }),
    conn(3, { last_activity: new Date(NOW - 5000).toISOString(), rtt: '300µs', pending_bytes: 99, in_msgs: 0, out_msgs: 0 }),
  ];
  const ids = (by: any) => sortConns(cs, by, NOW).map((c) => c.cid);
  assert.deepEqual(ids('idle'), [2, 1, 3]);
  assert.deepEqual(ids('rtt'), [1, 2, 3]);
  assert.deepEqual(ids('pending'), [3, 1, 2]);
  assert.deepEqual(ids('msgs'), [2, 1, 3]);
  assert.deepEqual(ids('cid'), [1, 2, 3]);
});

test('TLS_001: an expired certificate is critical, one expiring within 30 days a warning; intermediates too, roots sent along ignored', () => {
  assert.deepEqual(codes([sample()]), {});
  assert.deepEqual(codes([sample({ tls: [probe({ chain: [cert(20)] })] })]), { TLS_001: 'critical' }, 'expired 10 days ago');
  assert.deepEqual(codes([sample({ tls: [probe({ chain: [cert(50)] })] })]), { TLS_001: 'warning' }, 'expires in 20 days');
  assert.deepEqual(codes([sample({ tls: [probe({ chain: [cert(70)] })] })]), {}, 'expires in 40 days');
  assert.deepEqual(codes([sample({ tls: [probe({ chain: [cert(10, undefined, NOW + 86400_000)] })] })]), { TLS_001: 'critical' }, 'not valid yet');
  const root = { ...cert(5), selfIssued: true, subject: 'CN=Old Root', issuer: 'CN=Old Root' };
  assert.deepEqual(codes([sample({ tls: [probe({ chain: [cert(365), root] })] })]), {});
  assert.deepEqual(codes([sample({ tls: [probe({ chain: [cert(365), { ...cert(40), subject: 'CN=Intermediate' }] })] })]), { TLS_001: 'warning' });
  const r = checkServer('x', [sample({ tls: [probe({ chain: [cert(20)] }), probe({ listener: 'monitor', port: 8443, chain: [cert(50)] })] })]);
  assert.deepEqual(r.findings.map((f) => [f.severity, f.subject]), [
    ['critical', 'client port 10.0.0.1:4222 certificate "CN=nats.example.com" (issuer "CN=Example CA")'],
    ['warning', 'HTTPS monitor 10.0.0.1:8443 certificate "CN=nats.example.com" (issuer "CN=Example CA")'],
  ]);
  assert.match(r.findings[0]!.evidence, /^expired 2026-11-11T12:00:00\.000Z \(10d0h ago\): clients that verify refuse it$/);
  assert.match(checkServer('x', [sample({ tls: [probe({ chain: [cert(20)] })] })], { thresholds: { certWarnMs: 60 * 86400_000 } }).findings[0]!.fix, /Renew the certificate/);
});

test('TLS_002: a certificate whose names do not cover the host clients use', () => {
  const r = checkServer('x', [sample({ tls: [probe({ host: 'nats.other.net', coversHost: false })] })]);
  assert.deepEqual(r.findings.map((f) => [f.code, f.evidence]), [['TLS_002', 'clients connect to "nats.other.net", the certificate names DNS:nats.example.com, IP:10.0.0.1']]);
});

test('TLS_003: TLS off (or only available) on a listener that is not loopback; plain HTTP monitoring off loopback', () => {
  const plain = { tls: [probe({ tls: false, tlsRequired: false, chain: [] })], varz: { tls_required: undefined } };
  assert.deepEqual(codes([sample(plain)]), { TLS_003: 'warning' });
  assert.deepEqual(codes([sample({ ...plain, varz: { tls_required: undefined, host: '127.0.0.1' } })]), {}, 'loopback only');
  const avail = checkServer('x', [sample({ tls: [probe({ tlsRequired: false, tlsAvailable: true })] })]);
  assert.deepEqual(avail.findings.map((f) => f.evidence), ['TLS is only available (allow_non_tls): plaintext clients are accepted on 10.0.0.1:4222']);
  assert.deepEqual(codes([sample({ varz: { http_port: 8222, http_host: '0.0.0.0' } })]), { TLS_003: 'warning' });
  assert.deepEqual(codes([sample({ varz: { http_port: 8222, http_host: '127.0.0.1' } })]), {});
  // not probed (older doctor data): TLS_001/002 skip, TLS_003 reads /varz
  const r = checkServer('x', [sample({ tls: undefined })]);
  assert.deepEqual(r.skipped.map((k) => k.code), ['TLS_001', 'TLS_002']);
});
