// /metrics: Prometheus text exposition (format 0.0.4), written by hand. Names follow
// prometheus-nats-exporter (`gnatsd_varz_*`, `gnatsd_connz_*`, `gnatsd_subsz_*`,
// `gnatsd_healthz_*`, `gnatsd_accstatz_*`) so dashboards built on the exporter work against the
// monitor port directly; tsnats' own health counters are `tsnats_*`.
import type { Server } from '../server/server.js';
import { varz } from './varz.js';
import { connz, DEFAULT_LIST_SIZE } from './connz.js';
import { subsz } from './subsz.js';
import { healthz, jsz } from './misc.js';
import { accountStatz } from './accounts.js';
import { ConnState } from './params.js';
import { healthCounters } from './counters.js';
export { trackHealthCounters } from './counters.js';

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
  const hc = healthCounters(srv);
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
  jetstreamMetrics(srv, e, sid);
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

type Obj = Record<string, any>;
const n = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * JetStream: the server's totals and a gauge set per stream and per consumer, with the names of
 * prometheus-nats-exporter's JetStream collector (`jetstream_server_*`, `jetstream_stream_*`,
 * `jetstream_consumer_*`, labels account / stream_name / consumer_name); limits (`*_max_*`) as
 * tsnats extensions, so alerts can compare use and limit.
 */
function jetstreamMetrics(srv: Server, e: Exposition, sid: { server_id: string }): void {
  const j = jsz(srv, { accounts: true, streams: true, consumer: true, config: true }) as Obj;
  e.sample('jetstream_server_jetstream_disabled', 'gauge', 'JetStream is off (1) or on (0)', sid, j.disabled === true ? 1 : 0);
  if (j.disabled === true) return;
  const cfg = (j.config ?? {}) as Obj;
  e.sample('jetstream_server_total_streams', 'gauge', 'streams', sid, n(j.streams));
  e.sample('jetstream_server_total_consumers', 'gauge', 'consumers', sid, n(j.consumers));
  e.sample('jetstream_server_total_messages', 'gauge', 'messages in all streams', sid, n(j.messages));
  e.sample('jetstream_server_total_message_bytes', 'gauge', 'bytes in all streams', sid, n(j.bytes));
  e.sample('jetstream_server_max_memory', 'gauge', 'memory store budget (bytes)', sid, n(cfg.max_memory));
  e.sample('jetstream_server_max_storage', 'gauge', 'file store budget (bytes)', sid, n(cfg.max_storage));
  e.sample('jetstream_server_memory_used', 'gauge', 'memory store used (bytes)', sid, n(j.memory));
  e.sample('jetstream_server_storage_used', 'gauge', 'file store used (bytes)', sid, n(j.storage));
  e.sample('jetstream_server_api_total', 'counter', 'JetStream API requests', sid, n(j.api?.total));
  e.sample('jetstream_server_api_errors', 'counter', 'JetStream API requests answered with an error', sid, n(j.api?.errors));
  for (const a of (j.account_details ?? []) as Obj[]) {
    const account = String(a.name ?? a.id ?? '');
    for (const st of (a.stream_detail ?? []) as Obj[]) {
      const l = { ...sid, account, stream_name: String(st.name) };
      const state = (st.state ?? {}) as Obj;
      const sc = (st.config ?? {}) as Obj;
      e.sample('jetstream_stream_total_messages', 'gauge', 'messages in the stream', l, n(state.messages));
      e.sample('jetstream_stream_total_bytes', 'gauge', 'bytes in the stream', l, n(state.bytes));
      e.sample('jetstream_stream_first_seq', 'gauge', 'first sequence', l, n(state.first_seq));
      e.sample('jetstream_stream_last_seq', 'gauge', 'last sequence', l, n(state.last_seq));
      e.sample('jetstream_stream_consumer_count', 'gauge', 'consumers of the stream', l, n(state.consumer_count));
      e.sample('jetstream_stream_subject_count', 'gauge', 'distinct subjects in the stream', l, n(state.num_subjects));
      e.sample('jetstream_stream_max_msgs', 'gauge', 'max_msgs (-1 = none; tsnats)', l, n(sc.max_msgs));
      e.sample('jetstream_stream_max_bytes', 'gauge', 'max_bytes (-1 = none; tsnats)', l, n(sc.max_bytes));
      e.sample('jetstream_stream_max_consumers', 'gauge', 'max_consumers (-1 = none; tsnats)', l, n(sc.max_consumers));
      for (const c of (st.consumer_detail ?? []) as Obj[]) {
        const cl = { ...l, consumer_name: String(c.name) };
        const cc = (c.config ?? {}) as Obj;
        e.sample('jetstream_consumer_delivered_consumer_seq', 'gauge', 'last delivered consumer sequence', cl, n(c.delivered?.consumer_seq));
        e.sample('jetstream_consumer_delivered_stream_seq', 'gauge', 'last delivered stream sequence', cl, n(c.delivered?.stream_seq));
        e.sample('jetstream_consumer_ack_floor_consumer_seq', 'gauge', 'ack floor (consumer sequence)', cl, n(c.ack_floor?.consumer_seq));
        e.sample('jetstream_consumer_ack_floor_stream_seq', 'gauge', 'ack floor (stream sequence)', cl, n(c.ack_floor?.stream_seq));
        e.sample('jetstream_consumer_num_ack_pending', 'gauge', 'messages delivered and not yet acked', cl, n(c.num_ack_pending));
        e.sample('jetstream_consumer_num_redelivered', 'gauge', 'messages delivered more than once and not yet acked', cl, n(c.num_redelivered));
        e.sample('jetstream_consumer_num_waiting', 'gauge', 'pull requests waiting', cl, n(c.num_waiting));
        e.sample('jetstream_consumer_num_pending', 'gauge', 'messages not yet delivered', cl, n(c.num_pending));
        e.sample('jetstream_consumer_max_ack_pending', 'gauge', 'max_ack_pending (0 or -1 = none; tsnats)', cl, n(cc.max_ack_pending));
        e.sample('jetstream_consumer_push_bound', 'gauge', 'a push consumer with a subscriber (1), without (0); pull consumers 0 (tsnats)', cl, c.push_bound === true ? 1 : 0);
      }
    }
  }
}
