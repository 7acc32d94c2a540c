// /metrics: Prometheus text exposition (format 0.0.4), written by hand. Names follow
// prometheus-nats-exporter (`gnatsd_varz_*`, `gnatsd_connz_*`, `gnatsd_subsz_*`,
// `gnatsd_healthz_*`, `gnatsd_accstatz_*`) so dashboards built on the exporter work against the
// monitor port directly; tsnats' own health counters are `tsnats_*`.
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { varz } from './varz.js';
import { connz, DEFAULT_LIST_SIZE } from './connz.js';
import { subsz } from './subsz.js';
import { healthz } from './misc.js';
import { accountStatz } from './accounts.js';
import { ConnState } from './params.js';

/** Close reasons and authentication failures since start (tsnats_* counters). */
interface HealthCounters {
  closed: Map<string, number>;
  authErrors: number;
  /** TLS failures by cause (transport/tls.ts TlsFailure). */
  tls: Map<string, number>;
}

const counters = new WeakMap<Server, HealthCounters>();

/** Starts counting closes by reason and authentication failures (idempotent). */
export function trackHealthCounters(srv: Server): void {
  if (counters.has(srv)) return;
  const h: HealthCounters = { closed: new Map(), authErrors: 0, tls: new Map() };
  counters.set(srv, h);
  srv.on('client:close', (_c: Client, reason: string | null) => {
    const r = reason ?? 'Unknown State';
    h.closed.set(r, (h.closed.get(r) ?? 0) + 1);
  });
  srv.on('client:auth_error', () => {
    h.authErrors++;
  });
  srv.on('client:tls_error', (_c: Client, cause: string) => {
    h.tls.set(cause, (h.tls.get(cause) ?? 0) + 1);
  });
}

const TLS_CAUSES = ['timeout', 'not_tls', 'no_certificate', 'untrusted', 'expired', 'not_pinned', 'protocol', 'closed', 'throttled', 'unmapped'];

/** Escapes a label value (backslash, double quote, newline). */
function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function metricName(s: string): string {
  return s.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
}

class Exposition {
  private lines: string[] = [];
  private seen = new Set<string>();

  sample(name: string, type: 'gauge' | 'counter', help: string, labels: Record<string, string>, value: number): void {
    if (!this.seen.has(name)) {
      this.seen.add(name);
      this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    }
    const ls = Object.entries(labels).map(([k, v]) => `${k}="${label(v)}"`).join(',');
    this.lines.push(`${name}${ls ? `{${ls}}` : ''} ${Number.isFinite(value) ? value : 0}`);
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

/** Numeric leaves of an object, nested keys joined by `_` (the exporter's /varz flattening). */
function flatten(prefix: string, v: unknown, out: [string, number][]): void {
  if (typeof v === 'number') out.push([prefix, v]);
  else if (typeof v === 'boolean') out.push([prefix, v ? 1 : 0]);
  else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(prefix ? `${prefix}_${k === '/' ? 'root' : k}` : k, x, out);
  }
}

export function metrics(srv: Server): string {
  const e = new Exposition();
  const sid = { server_id: srv.id };

  const v = varz(srv);
  const flat: [string, number][] = [];
  flatten('', v, flat);
  for (const [k, x] of flat) e.sample(`gnatsd_varz_${metricName(k)}`, 'gauge', k, sid, x);
  // Times as epoch milliseconds, as the exporter reports them.
  e.sample('gnatsd_varz_start', 'gauge', 'start', sid, srv.startTime.getTime());
  e.sample('gnatsd_varz_config_load_time', 'gauge', 'config_load_time', sid, srv.configLoadTime.getTime());
  e.sample('gnatsd_varz_info', 'gauge', 'server identity (tsnats)', { ...sid, server_name: srv.name, version: v.version }, 1);

  // One page covering every open connection, so the sums are totals.
  const cz = connz(srv, { state: ConnState.Open, limit: Math.max(DEFAULT_LIST_SIZE, srv.clients.size) });
  e.sample('gnatsd_connz_num_connections', 'gauge', 'num_connections', sid, cz.num_connections);
  e.sample('gnatsd_connz_total', 'gauge', 'total', sid, cz.total);
  e.sample('gnatsd_connz_offset', 'gauge', 'offset', sid, cz.offset);
  e.sample('gnatsd_connz_limit', 'gauge', 'limit', sid, cz.limit);
  let pending = 0, subs = 0, inMsgs = 0, outMsgs = 0, inBytes = 0, outBytes = 0;
  for (const c of cz.connections) {
    pending += c.pending_bytes;
    subs += c.subscriptions;
    inMsgs += c.in_msgs;
    outMsgs += c.out_msgs;
    inBytes += c.in_bytes;
    outBytes += c.out_bytes;
  }
  e.sample('gnatsd_connz_pending_bytes', 'gauge', 'pending_bytes', sid, pending);
  e.sample('gnatsd_connz_subscriptions', 'gauge', 'subscriptions', sid, subs);
  e.sample('gnatsd_connz_in_msgs', 'counter', 'in_msgs', sid, inMsgs);
  e.sample('gnatsd_connz_out_msgs', 'counter', 'out_msgs', sid, outMsgs);
  e.sample('gnatsd_connz_in_bytes', 'counter', 'in_bytes', sid, inBytes);
  e.sample('gnatsd_connz_out_bytes', 'counter', 'out_bytes', sid, outBytes);

  const sz = subsz(srv);
  for (const k of ['num_subscriptions', 'num_cache', 'num_inserts', 'num_removes', 'num_matches', 'cache_hit_rate', 'max_fanout', 'avg_fanout'] as const) {
    e.sample(`gnatsd_subsz_${k}`, 'gauge', k, sid, sz[k]);
  }

  const h = healthz(srv);
  e.sample('gnatsd_healthz_status', 'gauge', 'status (0 = ok)', sid, h.status === 'ok' ? 0 : 1);
  e.sample('gnatsd_healthz_status_value', 'gauge', 'status', { ...sid, value: h.status }, 1);

  for (const a of accountStatz(srv, { include_unused: true }).account_statz) {
    const l = { ...sid, account: a.acc };
    e.sample('gnatsd_accstatz_conns', 'gauge', 'conns', l, a.conns);
    e.sample('gnatsd_accstatz_leafnodes', 'gauge', 'leafnodes', l, a.leafnodes);
    e.sample('gnatsd_accstatz_total_conns', 'gauge', 'total_conns', l, a.total_conns);
    e.sample('gnatsd_accstatz_sent_msgs', 'gauge', 'sent msgs', l, a.sent.msgs);
    e.sample('gnatsd_accstatz_sent_bytes', 'gauge', 'sent bytes', l, a.sent.bytes);
    e.sample('gnatsd_accstatz_received_msgs', 'gauge', 'received msgs', l, a.received.msgs);
    e.sample('gnatsd_accstatz_received_bytes', 'gauge', 'received bytes', l, a.received.bytes);
    e.sample('gnatsd_accstatz_slow_consumers', 'gauge', 'slow_consumers', l, a.slow_consumers);
  }

  // tsnats health counters.
  const st = srv.stats;
  e.sample('tsnats_stale_connections_total', 'counter', 'connections closed as stale (no PONG)', sid, st.staleConnections);
  e.sample('tsnats_slow_consumers_total', 'counter', 'connections closed as slow consumers', sid, st.slowConsumers);
  e.sample('tsnats_producer_stalls_total', 'counter', 'times a publisher was paused for a slow subscriber', sid, st.stalledClients);
  const hc = counters.get(srv);
  if (hc) {
    e.sample('tsnats_auth_errors_total', 'counter', 'authentication failures', sid, hc.authErrors);
    for (const [reason, n] of [...hc.closed].sort()) e.sample('tsnats_connections_closed_total', 'counter', 'closed connections by reason', { ...sid, reason }, n);
    if (srv.tls !== null) {
      for (const cause of TLS_CAUSES) e.sample('tsnats_tls_handshake_failures_total', 'counter', 'TLS connections that failed, by cause (timeout, not_tls, no_certificate, untrusted, expired, not_pinned, protocol, closed, throttled, unmapped)', { ...sid, cause }, hc.tls.get(cause) ?? 0);
    }
  }
  // The serving certificate (tls {} cert_file, leaf first): when it expires.
  const leaf = srv.tls?.chain[0];
  if (leaf) {
    const l = { ...sid, listener: 'client', subject: leaf.subject, issuer: leaf.issuer };
    e.sample('tsnats_tls_certificate_expiry_timestamp_seconds', 'gauge', 'when the serving TLS certificate expires (notAfter, seconds since the epoch)', l, Math.floor(leaf.notAfter.getTime() / 1000));
    e.sample('tsnats_tls_certificate_expires_in_seconds', 'gauge', 'seconds until the serving TLS certificate expires (negative: expired)', l, Math.floor((leaf.notAfter.getTime() - Date.now()) / 1000));
  }
  let maxPending = 0, maxIdle = 0;
  const now = Date.now();
  for (const c of srv.clients.values()) {
    if (c.pendingBytes > maxPending) maxPending = c.pendingBytes;
    if (now - c.last > maxIdle) maxIdle = now - c.last;
  }
  e.sample('tsnats_max_pending_bytes', 'gauge', 'largest outbound backlog of one connection (bytes)', sid, maxPending);
  e.sample('tsnats_max_idle_seconds', 'gauge', 'longest time since a connection was last active (seconds)', sid, maxIdle / 1000);
  return e.text();
}
