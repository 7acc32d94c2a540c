// The checks of `tsnats doctor`: pure functions of one or two Samples. Each has a stable code
// (the first ones follow the NATS audit catalogue's numbering: SERVER_004, CONN_001 …), a
// severity, the evidence, and the fix. docs/doctor.md documents every one; keep them in step.
import type { Conn, Finding, Sample, Severity } from './types.js';
import type { TlsProbe } from './tls.js';
import { describeConn, fmtBytes, fmtDuration, fmtRtt, rttMs, timeMs } from './units.js';
import { CLUSTER_CHECKS, DEFAULT_CLUSTER_THRESHOLDS } from './cluster-checks.js';
import { JS_CHECKS, DEFAULT_JS_THRESHOLDS, type JsThresholds } from './js-checks.js';
import { LEAF_CHECKS, DEFAULT_LEAF_THRESHOLDS } from './leaf-checks.js';

export interface Thresholds extends JsThresholds {
  /** CONN_001: RTT above this (ms). */
  rttMs: number;
  /** CONN_002: pending bytes above this. */
  pendingBytes: number;
  /** OPT_IDLE_007: idle longer than this (ms) with no message either way. */
  idleMs: number;
  /** CONN_003: closes within this long before the server's `now` (ms). */
  sinceMs: number;
  /** SERVER_011, ACCOUNTS_001: warn at this percentage of the limit. */
  connPct: number;
  /** OPT_PING_001: a keepalive window above this (ms) outlives common NAT/LB idle timeouts. */
  keepaliveMaxMs: number;
  /** OPT_PING_002: a keepalive window below this (ms) risks closing healthy but busy clients. */
  keepaliveMinMs: number;
  /** OPT_PAYLOAD_001: max_payload above this. */
  maxPayload: number;
  /** TLS_001: warn when a served certificate expires within this (ms). */
  certWarnMs: number;
  /** CLUSTER_005: route RTT above this (ms). */
  routeRttMs: number;
  /** CLUSTER_006: route pending bytes above this. */
  routePendingBytes: number;
  /** CLUSTER_002 (one sample): routes younger than this on an older server (ms). */
  youngRouteMs: number;
  /** LEAF_002: this many closes of one leaf connection within leafFlapWindowMs. */
  leafFlapCount: number;
  leafFlapWindowMs: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  rttMs: 100,
  pendingBytes: 1024 * 1024,
  idleMs: 5 * 60_000,
  sinceMs: 15 * 60_000,
  connPct: 80,
  // AWS NLB/NAT gateway drop idle flows after 350 s; many LBs use 300–350 s.
  keepaliveMaxMs: 350_000,
  keepaliveMinMs: 20_000,
  // nats-server warns above 8 MB (MAX_PAYLOAD_MAX_SIZE).
  maxPayload: 8 * 1024 * 1024,
  // Let's Encrypt renews at 30 days left; an operator needs time to act before clients fail.
  certWarnMs: 30 * 86400_000,
  ...DEFAULT_CLUSTER_THRESHOLDS,
  ...DEFAULT_JS_THRESHOLDS,
  ...DEFAULT_LEAF_THRESHOLDS,
};

export interface Ctx {
  first: Sample;
  last: Sample;
  /** Two samples: counters can be compared. */
  two: boolean;
  intervalMs: number;
  th: Thresholds;
}

export type Outcome = { findings: Omit<Finding, 'code' | 'title' | 'fix'>[]; fix?: string } | { skip: string };

export interface Check {
  code: string;
  title: string;
  /** The severity as documented (`warning`, `warning/critical` …). */
  severity: string;
  fix: string;
  run(ctx: Ctx): Outcome;
}

const MAX_LISTED = 5;

/** `cid 7 "a" …; cid 9 …` for the first few, `(and N more)`. */
function listConns(conns: Conn[], extra: (c: Conn) => string): string {
  const shown = conns.slice(0, MAX_LISTED).map((c) => `${describeConn(c)} ${extra(c)}`.trim());
  const more = conns.length > MAX_LISTED ? ` (and ${conns.length - MAX_LISTED} more)` : '';
  return shown.join('; ') + more;
}

const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;

/** Server-wide findings are about "server" (the report's heading names it). */
function serverName(_s: Sample): string {
  return 'server';
}

/** Closed connections of the last `sinceMs` before the server's `now`, newest first. */
function recentCloses(ctx: Ctx, pred: (reason: string) => boolean): Conn[] {
  const from = ctx.last.now - ctx.th.sinceMs;
  return (ctx.last.closed ?? []).filter((c) => pred(c.reason ?? '') && timeMs(c.stop) >= from);
}

/**
 * A rising counter of /varz: with two samples, its increase; with one, its total since the server
 * started (reported as such).
 */
function counter(ctx: Ctx, field: string, label: string, severity: Severity, recent: (r: string) => boolean): Outcome {
  const v = ctx.last.varz;
  if (typeof v[field] !== 'number') {
    return { skip: `/varz has no ${field} (server version ${v.version ?? '?'}; nats-server reports it since 2.12, tsnats always)` };
  }
  const total = v[field] as number;
  const closes = recentCloses(ctx, recent);
  const seen = closes.length ? `; recent closes: ${listConns(closes, (c) => `at ${c.stop}`)}` : '';
  if (ctx.two) {
    const before = ctx.first.varz[field] as number;
    const delta = total >= before ? total - before : total; // a restart resets it
    if (delta === 0) return { findings: [] };
    return { findings: [{ severity, subject: serverName(ctx.last), evidence: `${label} rose by ${delta} in ${fmtDuration(ctx.intervalMs)} (${before} → ${total})${seen}` }] };
  }
  if (total === 0) return { findings: [] };
  return {
    findings: [{
      severity,
      subject: serverName(ctx.last),
      evidence: `${label}: ${total} since the server started ${v.uptime ? `(up ${v.uptime}) ` : ''}— one sample, so whether it is still rising is unknown (run with --interval 10s)${seen}`,
    }],
  };
}

const isStale = (r: string) => r === 'Stale Connection';
const isSlow = (r: string) => r.startsWith('Slow Consumer');

/** Close reasons that are not a problem: the client or the server meant it. */
const BENIGN_REASONS = new Set(['Client Closed', 'Server Shutdown', 'Kicked', '']);

/** What a close reason means, for CONN_003's fix. */
const REASON_ADVICE: Record<string, string> = {
  'Stale Connection': 'Stale Connection: the client stopped answering PINGs (frozen or overloaded process, dead host, dropped network path) — see SERVER_012',
  'Slow Consumer (Pending Bytes)': 'Slow Consumer (Pending Bytes): the client read slower than its messages arrived until max_pending was exceeded — see SERVER_004',
  'Slow Consumer (Write Deadline)': 'Slow Consumer (Write Deadline): a write to the client stayed stuck longer than write_deadline — see SERVER_004',
  'Read Error': 'Read Error: the connection was reset — the client crashed or exited without closing, or a middlebox reset the flow; make clients drain/close on shutdown',
  'Write Error': 'Write Error: the server could not write to the socket (peer gone); check the client host and the network path',
  'Authentication Failure': 'Authentication Failure: a client presented wrong or missing credentials; check its user/creds and the server authorization',
  'Authentication Timeout': 'Authentication Timeout: a client connected but sent no CONNECT in time (a port scanner, a health check speaking plain TCP, or a client stuck in TLS/setup)',
  'Maximum Connections Exceeded': 'Maximum Connections Exceeded: the server refused a connection at max_connections — see SERVER_011',
  'Maximum Account Connections Exceeded': 'Maximum Account Connections Exceeded: the account is at its connection limit — see ACCOUNTS_001',
  'Maximum Message Payload Exceeded': 'Maximum Message Payload Exceeded: a client published more than max_payload; chunk large messages or raise max_payload carefully',
  'Maximum Subscriptions Exceeded': 'Maximum Subscriptions Exceeded: a client passed max_subscriptions; look for a subscription leak',
  'Maximum Control Line Exceeded': 'Maximum Control Line Exceeded: a protocol line (subject + reply) was longer than max_control_line',
  'Parse Error': 'Parse Error: a client sent bytes that are not the NATS protocol (wrong port? an HTTP or TLS client?)',
  'Protocol Violation': 'Protocol Violation: a client broke the protocol; check its library version',
  'TLS Handshake Failure': 'TLS Handshake Failure: a client could not complete TLS (not trusted, expired or missing client certificate, a plaintext client on a TLS port, or a handshake that timed out); tsnats says which in /connz?state=closed `tls_error`, nats-server in its log (`TLS handshake error: …`) — see docs/tls.md',
};

export const CHECKS: Check[] = [
  {
    code: 'SERVER_004',
    title: 'Slow consumers',
    severity: 'critical (rising) / warning (total, one sample)',
    fix: 'A subscriber could not keep up and was disconnected (messages lost). Find it in the recent closes or with `tsnats conns --sort pending`; make it faster (process asynchronously, add queue-group members, subscribe to less), or raise max_pending / write_deadline if bursts are legitimate.',
    run: (ctx) => counter(ctx, 'slow_consumers', 'slow_consumers', ctx.two ? 'critical' : 'warning', isSlow),
  },
  {
    code: 'SERVER_012',
    title: 'Stale connections',
    severity: 'warning',
    fix: 'Clients stopped answering PINGs and were closed: frozen or overloaded processes, dead hosts, or a network path (NAT, load balancer) that dropped the flow. Check which clients in the recent closes; keep their event loops responsive, and keep ping_interval × (ping_max+1) below middlebox idle timeouts (OPT_PING_001).',
    run: (ctx) => counter(ctx, 'stale_connections', 'stale_connections', 'warning', isStale),
  },
  {
    code: 'SERVER_013',
    title: 'Stalled clients',
    severity: 'warning',
    fix: 'Publishers were paused because a subscriber fell behind (its pending data passed the stall line of max_pending). The connections with `stalls` below are the slow subscribers: speed them up or spread their load over a queue group.',
    run: (ctx) => {
      const out = counter(ctx, 'stalled_clients', 'stalled_clients', 'warning', () => false);
      if ('skip' in out || out.findings.length === 0) return out;
      const stalling = ctx.last.conns.filter((c) => (c.stalls ?? 0) > 0).sort((a, b) => (b.stalls ?? 0) - (a.stalls ?? 0));
      if (stalling.length) out.findings[0]!.evidence += `; slow subscribers: ${listConns(stalling, (c) => `stalls ${c.stalls}, pending ${fmtBytes(c.pending_bytes ?? 0)}`)}`;
      return out;
    },
  },
  {
    code: 'SERVER_011',
    title: 'Connections near max_connections',
    severity: `warning (≥ ${DEFAULT_THRESHOLDS.connPct}%) / critical (at the limit)`,
    fix: 'New clients will be refused at max_connections. Raise max_connections if the load is expected; otherwise look for a connection leak (clients opening connections per request, reconnect storms): the addresses with the most connections are listed.',
    run: (ctx) => {
      const v = ctx.last.varz;
      const max = v.max_connections as number | undefined;
      if (!max || max <= 0) return { skip: '/varz has no max_connections' };
      const n = (v.connections as number) ?? ctx.last.conns.length;
      const pct = (n / max) * 100;
      if (pct < ctx.th.connPct) return { findings: [] };
      const byIp = new Map<string, number>();
      for (const c of ctx.last.conns) byIp.set(c.ip ?? '?', (byIp.get(c.ip ?? '?') ?? 0) + 1);
      const top = [...byIp].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([ip, k]) => `${ip} ×${k}`).join(', ');
      return { findings: [{ severity: n >= max ? 'critical' : 'warning', subject: serverName(ctx.last), evidence: `${n} connections of max_connections ${max} (${pct.toFixed(0)}%)${top ? `; most from ${top}` : ''}` }] };
    },
  },
  {
    code: 'ACCOUNTS_001',
    title: 'Account connections near its limit',
    severity: `warning (≥ ${DEFAULT_THRESHOLDS.connPct}%) / critical (at the limit)`,
    fix: "The account's clients will be refused at its max_connections (`Maximum Account Connections Exceeded`). Raise the account's limits { max_connections } (config) or conn limit (JWT), or find which of its clients hold too many connections (`tsnats conns` shows the account).",
    run: (ctx) => {
      const accs = ctx.last.accounts;
      if (accs === null) return { skip: ctx.last.notes.find((n) => n.startsWith('accounts')) ?? 'accounts unavailable' };
      const limited = accs.filter((a) => a.limit !== null);
      if (accs.length > 0 && limited.length === 0 && !isTsnats(ctx.last)) {
        return { skip: 'the server publishes no account limits (nats-server shows them only for JWT accounts, in decoded_jwt.nats.limits.conn)' };
      }
      const findings = [];
      for (const a of limited) {
        const lim = a.limit!;
        if (lim <= 0) continue;
        const pct = (a.conns / lim) * 100;
        if (pct < ctx.th.connPct) continue;
        findings.push({ severity: (a.conns >= lim ? 'critical' : 'warning') as Severity, subject: `account ${a.name}`, evidence: `${a.conns} connections of the account's max_connections ${lim} (${pct.toFixed(0)}%)` });
      }
      return { findings };
    },
  },
  {
    code: 'SERVER_007',
    title: 'No authentication required',
    severity: 'critical (info when the server listens on loopback only)',
    fix: 'Anyone who can reach the client port can publish and subscribe to every subject. Configure authorization (users with passwords or nkeys, accounts, or operator JWTs), or bind the server to a private address.',
    run: (ctx) => {
      const v = ctx.last.varz;
      if (v.auth_required) return { findings: [] };
      const host = String(v.host ?? '');
      const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
      return { findings: [{ severity: loopback ? 'info' : 'critical', subject: serverName(ctx.last), evidence: `auth_required is false; clients listen on ${host || '?'}:${v.port ?? '?'}${loopback ? ' (loopback only)' : ''}` }] };
    },
  },
  {
    code: 'CONN_001',
    title: 'High client RTT',
    severity: 'warning',
    fix: 'RTT is the time from a server PING to the PONG, so a busy client looks as slow as a distant one. Check the client host (CPU, event-loop blocking, GC) and the network path; connect clients to a nearby server.',
    run: (ctx) => {
      const slow = ctx.last.conns.filter((c) => rttMs(c.rtt) > ctx.th.rttMs).sort((a, b) => rttMs(b.rtt) - rttMs(a.rtt));
      if (!slow.length) return { findings: [] };
      return { findings: [{ severity: 'warning', subject: plural(slow.length, 'connection'), evidence: `rtt above ${ctx.th.rttMs}ms: ${listConns(slow, (c) => `rtt ${fmtRtt(rttMs(c.rtt))}`)}` }] };
    },
  },
  {
    code: 'CONN_002',
    title: 'Client pending pressure',
    severity: 'warning',
    fix: 'The server is holding this much unsent data for the client: it reads slower than its messages arrive, and is cut off as a slow consumer at max_pending. Speed the client up, add queue-group members, or subscribe to less.',
    run: (ctx) => {
      const maxPending = ctx.last.varz.max_pending as number | undefined;
      const heavy = ctx.last.conns.filter((c) => (c.pending_bytes ?? 0) > ctx.th.pendingBytes).sort((a, b) => (b.pending_bytes ?? 0) - (a.pending_bytes ?? 0));
      if (!heavy.length) return { findings: [] };
      const of = maxPending ? ` of max_pending ${fmtBytes(maxPending)}` : '';
      return { findings: [{ severity: 'warning', subject: plural(heavy.length, 'connection'), evidence: `pending above ${fmtBytes(ctx.th.pendingBytes)}: ${listConns(heavy, (c) => `pending ${fmtBytes(c.pending_bytes ?? 0)}${of}`)}` }] };
    },
  },
  {
    code: 'CONN_003',
    title: 'Recent closes with a problem reason',
    severity: 'warning',
    fix: 'Depends on the reason; the report gives the cause and the remedy of each reason it saw (Stale Connection, Slow Consumer, Read Error, Authentication Failure, Maximum … Exceeded …).',
    run: (ctx) => {
      if (ctx.last.closed === null) return { skip: ctx.last.notes.find((n) => n.startsWith('closed')) ?? 'closed connections unavailable' };
      const bad = recentCloses(ctx, (r) => !BENIGN_REASONS.has(r));
      if (!bad.length) return { findings: [] };
      const byReason = new Map<string, Conn[]>();
      for (const c of bad) byReason.set(c.reason!, [...(byReason.get(c.reason!) ?? []), c]);
      const parts = [...byReason].map(([r, cs]) => `${r} ×${cs.length}: ${listConns(cs, (c) => `at ${c.stop}`)}`);
      const fix = [...byReason.keys()].map((r) => REASON_ADVICE[r] ?? `${r}: see docs/health.md#close-reasons`).join('. ') + '.';
      return { findings: [{ severity: 'warning', subject: plural(bad.length, 'closed connection'), evidence: `in the last ${fmtDuration(ctx.th.sinceMs)}: ${parts.join(' | ')}` }], fix };
    },
  },
  {
    code: 'OPT_IDLE_007',
    title: 'Idle connections with no messages',
    severity: 'info',
    fix: 'These connections never published nor received a message and have been idle a while: leaked connections (opened and forgotten) or subscribers whose subjects nobody publishes to. Close connections you do not use; check the subjects.',
    run: (ctx) => {
      const now = ctx.last.now;
      const idle = ctx.last.conns
        .filter((c) => (c.in_msgs ?? 0) === 0 && (c.out_msgs ?? 0) === 0 && idleMs(c, now) > ctx.th.idleMs)
        .sort((a, b) => idleMs(b, now) - idleMs(a, now));
      if (!idle.length) return { findings: [] };
      return { findings: [{ severity: 'info', subject: plural(idle.length, 'connection'), evidence: `idle over ${fmtDuration(ctx.th.idleMs)} with no message: ${listConns(idle, (c) => `idle ${fmtDuration(idleMs(c, now))}, ${plural(c.subscriptions ?? 0, 'sub')}`)}` }] };
    },
  },
  {
    code: 'OPT_NAME_001',
    title: 'Unnamed connections',
    severity: 'info',
    fix: "Give every client a connection name (nats.js `name`, nats.go `nats.Name()`, `--name` in the nats CLI): monitoring, logs and close events then say who it is.",
    run: (ctx) => {
      const anon = ctx.last.conns.filter((c) => !c.name);
      if (!anon.length) return { findings: [] };
      return { findings: [{ severity: 'info', subject: plural(anon.length, 'connection'), evidence: `${anon.length} of ${ctx.last.conns.length} connections have no name: ${listConns(anon, (c) => (c.lang ? `lang ${c.lang} ${c.version ?? ''}`.trim() : ''))}` }] };
    },
  },
  {
    code: 'OPT_PING_001',
    title: 'Keepalive window longer than NAT/load-balancer idle timeouts',
    severity: 'warning',
    fix: 'A dead client is noticed only after the keepalive window, and NAT gateways and load balancers commonly drop idle flows after about 350 s, so connections can die silently first. Make ping_interval × (ping_max+1) at most 5 minutes, e.g. ping_interval: "1m" (or, in tsnats, set ping_timeout).',
    run: (ctx) => {
      const w = keepalive(ctx.last);
      if (!w) return { skip: '/varz has no ping_interval' };
      if (w.windowMs <= ctx.th.keepaliveMaxMs) return { findings: [] };
      return { findings: [{ severity: 'warning', subject: serverName(ctx.last), evidence: `${w.text} = ${fmtDuration(w.windowMs)}, above ${fmtDuration(ctx.th.keepaliveMaxMs)}` }] };
    },
  },
  {
    code: 'OPT_PING_002',
    title: 'Keepalive window so short it risks false positives',
    severity: 'warning',
    fix: 'Healthy clients that pause for a moment (GC, a blocked event loop, a slow link) get closed as stale and reconnect, and every client is PINGed very often. Make ping_interval × (ping_max+1) at least 20 s, e.g. ping_interval: "20s" with ping_max: 2.',
    run: (ctx) => {
      const w = keepalive(ctx.last);
      if (!w) return { skip: '/varz has no ping_interval' };
      if (w.windowMs >= ctx.th.keepaliveMinMs) return { findings: [] };
      return { findings: [{ severity: 'warning', subject: serverName(ctx.last), evidence: `${w.text} = ${fmtDuration(w.windowMs)}, below ${fmtDuration(ctx.th.keepaliveMinMs)}` }] };
    },
  },
  {
    code: 'OPT_PAYLOAD_001',
    title: 'max_payload above 8 MB',
    severity: 'warning',
    fix: 'Large messages hold up every other message on the same connection and raise memory use (nats-server warns above 8 MB). Keep max_payload at 8 MB or less (default 1 MB) and send large data in chunks (or an object store).',
    run: (ctx) => {
      const mp = ctx.last.varz.max_payload as number | undefined;
      if (typeof mp !== 'number') return { skip: '/varz has no max_payload' };
      if (mp <= ctx.th.maxPayload) return { findings: [] };
      return { findings: [{ severity: 'warning', subject: serverName(ctx.last), evidence: `max_payload ${fmtBytes(mp)} (${mp} bytes)` }] };
    },
  },
  {
    code: 'TLS_001',
    title: 'TLS certificate expired or expiring soon',
    severity: 'critical (expired or not yet valid) / warning (expires within 30 days)',
    fix: 'Renew the certificate and its key (cert_file/key_file) before it expires, then reload the server (SIGHUP, `tsnats --signal reload`): new connections get the new certificate, open ones carry on. Watch tsnats_tls_certificate_expires_in_seconds on /metrics to be told in time.',
    run: (ctx) => {
      const probes = probed(ctx.last);
      if ('skip' in probes) return probes;
      const findings = [];
      for (const p of probes.list) {
        const now = ctx.last.takenAt;
        for (const [i, c] of p.chain.entries()) {
          if (i > 0 && c.selfIssued) continue; // a root sent along is not what clients check against
          const left = c.notAfter.getTime() - now;
          const what = `${listenerName(p)} ${i === 0 ? 'certificate' : 'intermediate'} "${c.subject}" (issuer "${c.issuer}")`;
          if (now < c.notBefore.getTime()) findings.push({ severity: 'critical' as Severity, subject: what, evidence: `not valid before ${c.notBefore.toISOString()}` });
          else if (left <= 0) findings.push({ severity: 'critical' as Severity, subject: what, evidence: `expired ${c.notAfter.toISOString()} (${fmtDuration(-left)} ago): clients that verify refuse it` });
          else if (left < ctx.th.certWarnMs) findings.push({ severity: 'warning' as Severity, subject: what, evidence: `expires ${c.notAfter.toISOString()}, in ${fmtDuration(left)}` });
        }
      }
      return { findings };
    },
  },
  {
    code: 'TLS_002',
    title: 'TLS certificate does not cover the host clients use',
    severity: 'warning',
    fix: 'Clients that verify the server (all official clients do by default) refuse a certificate whose names do not include the host they connect to. Issue the certificate with that host as a DNS name (or IP address) in its subjectAltName — the CN is not used — or have clients use a name the certificate has.',
    run: (ctx) => {
      const probes = probed(ctx.last);
      if ('skip' in probes) return probes;
      const findings = [];
      for (const p of probes.list) {
        const leaf = p.chain[0];
        if (!leaf || p.coversHost !== false) continue;
        const names = [...leaf.dnsNames.map((n) => `DNS:${n}`), ...leaf.ipAddresses.map((n) => `IP:${n}`)];
        findings.push({ severity: 'warning' as Severity, subject: `${listenerName(p)} certificate "${leaf.subject}"`, evidence: `clients connect to "${p.host}", the certificate names ${names.length ? names.join(', ') : 'no DNS name or IP address'}` });
      }
      return { findings };
    },
  },
  {
    code: 'TLS_003',
    title: 'TLS off on a listener that is not loopback',
    severity: 'warning',
    fix: 'Traffic (credentials included) crosses the network in plaintext. Configure tls { cert_file, key_file } for the client port (docs/tls.md), serve monitoring over https_port, or bind the listener to 127.0.0.1.',
    run: (ctx) => {
      const v = ctx.last.varz;
      const findings = [];
      const host = String(v.host ?? '');
      const client = ctx.last.tls?.find((p) => p.listener === 'client' && !p.error);
      const clientTls = client ? client.tls && client.tlsRequired !== false : v.tls_required === true;
      if (!clientTls && !isLoopback(host)) {
        const how = client?.tlsAvailable ? 'TLS is only available (allow_non_tls): plaintext clients are accepted' : 'no TLS';
        findings.push({ severity: 'warning' as Severity, subject: 'client port', evidence: `${how} on ${host || '?'}:${v.port ?? '?'}` });
      }
      const httpPort = Number(v.http_port ?? 0);
      const httpHost = String(v.http_host ?? host);
      if (httpPort > 0 && !isLoopback(httpHost)) findings.push({ severity: 'warning' as Severity, subject: 'monitoring port', evidence: `plain HTTP on ${httpHost || '?'}:${httpPort} (https_port is not used)` });
      return { findings };
    },
  },
  // Routes (cluster-checks.ts).
  ...CLUSTER_CHECKS,
  // JetStream (js-checks.ts).
  ...JS_CHECKS,
  // Leafnodes (leaf-checks.ts).
  ...LEAF_CHECKS,
];

/** The TLS probes of a sample, or why there are none. */
function probed(s: Sample): { list: TlsProbe[] } | { skip: string } {
  if (s.tls === undefined) return { skip: 'the listeners were not probed' };
  const list = s.tls.filter((p) => p.tls && p.chain.length > 0);
  const err = s.tls.find((p) => p.error)?.error;
  // No certificate to judge: nothing wrong with one (TLS_003 says whether TLS should be on).
  if (list.length === 0 && err) return { skip: `TLS probe failed: ${err}` };
  return { list };
}

function listenerName(p: TlsProbe): string {
  return `${p.listener === 'client' ? 'client port' : 'HTTPS monitor'} ${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** tsnats says so in /varz (`go` is `node…`; `ping_timeout` is its extension). */
export function isTsnats(s: Sample): boolean {
  return String(s.varz.go ?? '').startsWith('node') || 'ping_timeout' in s.varz;
}

/** The keepalive window: ping_interval × (ping_max+1), or ping_interval + ping_timeout when tsnats's ping_timeout is set. */
export function keepalive(s: Sample): { windowMs: number; text: string } | null {
  const v = s.varz;
  if (typeof v.ping_interval !== 'number') return null;
  const interval = v.ping_interval / 1e6;
  const max = typeof v.ping_max === 'number' ? v.ping_max : 2;
  const timeout = typeof v.ping_timeout === 'number' ? v.ping_timeout / 1e6 : 0;
  if (timeout > 0) {
    const w = interval + timeout;
    const byMax = interval * (max + 1);
    if (w < byMax) return { windowMs: w, text: `ping_interval ${fmtDuration(interval)} + ping_timeout ${fmtDuration(timeout)}` };
  }
  return { windowMs: interval * (max + 1), text: `ping_interval ${fmtDuration(interval)} × (ping_max ${max} + 1)` };
}

/** How long a connection has been idle at `now` (ms): from last_activity, else its `idle` field. */
export function idleMs(c: Conn, now: number): number {
  const last = timeMs(c.last_activity);
  if (Number.isFinite(last)) return Math.max(0, now - last);
  return parseUptime(c.idle ?? '');
}

/** /connz's `[Ny][Nd][Nh][Nm]Ns` in ms (0 when unparsable). */
export function parseUptime(s: string): number {
  const m = /^(?:(\d+)y)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(s);
  if (!m || s === '') return 0;
  const [y, d, h, mi, se] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number];
  return ((((y * 365 + d) * 24 + h) * 60 + mi) * 60 + se) * 1000;
}
