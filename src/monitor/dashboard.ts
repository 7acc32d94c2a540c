// The dashboard (tsnats extension): `/dashboard` serves a plain HTML page and a small vanilla JS
// file (dashboard-page.ts) that polls `/dashboard/data`, one aggregate of the monitor functions
// (varz, connz open and closed, account use) so each refresh is one consistent reading.
// Everything is relative to http_base_path. docs/dashboard.md.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from '../server/server.js';
import { varz } from './varz.js';
import { connz, type ConnInfo } from './connz.js';
import { numLocalConnections } from './accounts.js';
import { ConnState, type Query } from './params.js';
import { goJSON, nowMs } from './format.js';
import { countRequest } from './state.js';
import { DASHBOARD_HTML, DASHBOARD_JS } from './dashboard-page.js';
import type { ClusterService, LeafNodeService } from '../services.js';
import { jsz } from './misc.js';

/** Table sort keys of the page: connz sort keys, and `msgs` (in + out). */
export const DASHBOARD_SORTS = ['idle', 'rtt', 'pending', 'msgs'] as const;
type DashSort = (typeof DASHBOARD_SORTS)[number];

/** Rows sent per refresh, and recent closes shown. */
export const DASHBOARD_ROWS = 200;
export const DASHBOARD_CLOSED = 50;

export interface DashConn extends ConnInfo {
  /** Exact figures for sorting and highlighting (the ConnInfo strings are rounded). */
  idle_ms: number;
  rtt_ms: number;
}

export interface DashboardData {
  now: string;
  server: { id: string; name: string; version: string; uptime: string; max_connections: number; max_pending: number; ping_interval_ms: number; ping_max: number };
  counters: {
    connections: number;
    /** Open connections that came over WebSocket (tsnats; /connz type "websocket"). */
    websocket_connections: number;
    total_connections: number;
    slow_consumers: number;
    stale_connections: number;
    stalled_clients: number;
    in_msgs: number;
    out_msgs: number;
    in_bytes: number;
    out_bytes: number;
  };
  sort: DashSort;
  connections: DashConn[];
  closed: ConnInfo[];
  accounts: { name: string; conns: number; max_connections: number }[];
  /** The cluster (routes to the other members); null without one. */
  cluster: DashCluster | null;
  /** JetStream's streams and consumers; null when JetStream is off. */
  jetstream: DashJetStream | null;
  /** Leaf connections (to our hub, from our leafs) and the configured remotes; null without leafnodes. */
  leafnodes: DashLeafnodes | null;
}

export interface DashStream {
  account: string;
  name: string;
  storage: string;
  retention: string;
  messages: number;
  bytes: number;
  first_seq: number;
  last_seq: number;
  consumers: number;
  max_msgs: number;
  max_bytes: number;
  max_consumers: number;
  discard: string;
}

export interface DashConsumer {
  account: string;
  stream: string;
  name: string;
  /** `pull`, or `push` (with its deliver subject). */
  kind: 'pull' | 'push';
  deliver_subject: string;
  durable: boolean;
  ack_policy: string;
  num_pending: number;
  num_ack_pending: number;
  max_ack_pending: number;
  num_redelivered: number;
  num_waiting: number;
  push_bound: boolean;
  delivered_stream_seq: number;
  ack_floor_stream_seq: number;
  /** ms since the last delivery (-1: none yet). */
  last_delivery_ms: number;
}

export interface DashJetStream {
  memory: number;
  storage: number;
  max_memory: number;
  max_storage: number;
  api_total: number;
  api_errors: number;
  streams: DashStream[];
  consumers: DashConsumer[];
}

/** Streams and consumers shown at most (the page says when there are more). */
export const DASHBOARD_JS_ROWS = 200;

type Obj = Record<string, any>;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function jetstreamData(srv: Server, now: number): DashJetStream | null {
  const j = jsz(srv, { accounts: true, streams: true, consumer: true, config: true }) as Obj;
  if (j.disabled === true) return null;
  const streams: DashStream[] = [];
  const consumers: DashConsumer[] = [];
  for (const a of (j.account_details ?? []) as Obj[]) {
    const account = String(a.name ?? a.id ?? '');
    for (const st of (a.stream_detail ?? []) as Obj[]) {
      const c = (st.config ?? {}) as Obj;
      const s = (st.state ?? {}) as Obj;
      if (streams.length < DASHBOARD_JS_ROWS) {
        streams.push({
          account, name: String(st.name), storage: String(c.storage ?? ''), retention: String(c.retention ?? ''), messages: num(s.messages), bytes: num(s.bytes),
          first_seq: num(s.first_seq), last_seq: num(s.last_seq), consumers: num(s.consumer_count), max_msgs: num(c.max_msgs), max_bytes: num(c.max_bytes),
          max_consumers: num(c.max_consumers), discard: String(c.discard ?? ''),
        });
      }
      for (const o of (st.consumer_detail ?? []) as Obj[]) {
        if (consumers.length >= DASHBOARD_JS_ROWS) break;
        const oc = (o.config ?? {}) as Obj;
        const last = Date.parse(o.delivered?.last_active ?? '');
        consumers.push({
          account, stream: String(st.name), name: String(o.name), kind: oc.deliver_subject ? 'push' : 'pull', deliver_subject: String(oc.deliver_subject ?? ''),
          durable: typeof oc.durable_name === 'string' && oc.durable_name !== '', ack_policy: String(oc.ack_policy ?? ''), num_pending: num(o.num_pending),
          num_ack_pending: num(o.num_ack_pending), max_ack_pending: num(oc.max_ack_pending), num_redelivered: num(o.num_redelivered), num_waiting: num(o.num_waiting),
          push_bound: o.push_bound === true, delivered_stream_seq: num(o.delivered?.stream_seq), ack_floor_stream_seq: num(o.ack_floor?.stream_seq),
          last_delivery_ms: Number.isFinite(last) ? Math.max(0, now - last) : -1,
        });
      }
    }
  }
  const cfg = (j.config ?? {}) as Obj;
  return {
    memory: num(j.memory), storage: num(j.storage), max_memory: num(cfg.max_memory), max_storage: num(cfg.max_storage),
    api_total: num(j.api?.total), api_errors: num(j.api?.errors), streams, consumers,
  };
}

export interface DashLeaf {
  lid: number;
  /** `leaf`: a leaf connected to us (we are its hub); `hub`: a connection we dialled to our hub. */
  role: 'leaf' | 'hub';
  /** The peer's server name (its CONNECT, or its INFO) and cluster. */
  name: string;
  cluster: string;
  account: string;
  ip: string;
  port: number;
  rtt_ms: number;
  pending_bytes: number;
  age_ms: number;
  idle_ms: number;
  in_msgs: number;
  out_msgs: number;
  subscriptions: number;
}

export interface DashRemote {
  urls: string[];
  account: string;
  connected: boolean;
  /** Why the last attempt failed ('' when connected), and how many failed in a row. */
  last_error: string;
  failed_attempts: number;
  connects: number;
}

export interface DashLeafnodes {
  /** The leafnode listener's host:port; '' without one. */
  listen: string;
  stale_leafs: number;
  slow_leafs: number;
  leafs: DashLeaf[];
  remotes: DashRemote[];
}

export interface DashRoute {
  rid: number;
  /** The member's server name (from its INFO) and id. */
  name: string;
  remote_id: string;
  did_solicit: boolean;
  is_configured: boolean;
  ip: string;
  port: number;
  rtt_ms: number;
  pending_bytes: number;
  age_ms: number;
  idle_ms: number;
  in_msgs: number;
  out_msgs: number;
  subscriptions: number;
}

export interface DashCluster {
  name: string;
  stale_routes: number;
  slow_routes: number;
  routes: DashRoute[];
}

function clusterData(srv: Server, now: number): DashCluster | null {
  const cl = srv.service<ClusterService>('cluster')?.cluster;
  if (!cl) return null;
  return {
    name: cl.clusterName,
    stale_routes: srv.stats.staleRoutes,
    slow_routes: srv.stats.slowConsumerRoutes,
    routes: cl.routeList().map((c) => {
      const r = c.route!;
      return {
        rid: c.cid, name: r.remoteName, remote_id: r.remoteID, did_solicit: r.didSolicit, is_configured: r.routeType === 1,
        ip: c.host, port: c.port, rtt_ms: c.rtt, pending_bytes: c.pendingBytes, age_ms: Math.max(0, now - c.start.getTime()),
        idle_ms: Math.max(0, now - c.last), in_msgs: c.inMsgs, out_msgs: c.outMsgs, subscriptions: r.subs.size,
      };
    }),
  };
}

function leafData(srv: Server, now: number): DashLeafnodes | null {
  const ln = srv.service<LeafNodeService>('leafnodes')?.leafnodes;
  if (!ln) return null;
  return {
    listen: ln.port ? `${ln.listenHost}:${ln.port}` : '',
    stale_leafs: srv.stats.staleLeafs,
    slow_leafs: srv.stats.slowConsumerLeafs,
    leafs: ln.leafList().map((c) => {
      const l = c.leaf!;
      return {
        lid: c.cid, role: l.solicited ? 'hub' : 'leaf', name: l.remoteServer, cluster: l.remoteCluster, account: c.account.name,
        ip: c.host, port: c.port, rtt_ms: c.rtt, pending_bytes: c.pendingBytes, age_ms: Math.max(0, now - c.start.getTime()),
        idle_ms: Math.max(0, now - c.last), in_msgs: c.inMsgs, out_msgs: c.outMsgs, subscriptions: c.subs?.size ?? 0,
      };
    }),
    remotes: ln.remotes.map((r) => ({
      urls: r.configured.map((u) => u.hostPort), account: r.localAccount, connected: r.conn !== null && r.conn.leaf!.registered && !r.conn.closed,
      last_error: r.lastError, failed_attempts: r.failedAttempts, connects: r.connects,
    })),
  };
}

export function dashboardData(srv: Server, sortArg = 'idle', limit = DASHBOARD_ROWS): DashboardData {
  const v = varz(srv);
  const sort: DashSort = (DASHBOARD_SORTS as readonly string[]).includes(sortArg) ? (sortArg as DashSort) : 'idle';
  const now = nowMs();
  // msgs is not a connz key: sort every row here (in + out, most first; ties by cid).
  const rows = sort === 'msgs' ? connz(srv, { auth: true, limit: Math.max(1, srv.clients.size) }).connections : connz(srv, { auth: true, sort, limit }).connections;
  if (sort === 'msgs') rows.sort((a, b) => b.in_msgs + b.out_msgs - (a.in_msgs + a.out_msgs) || a.cid - b.cid);
  const conns = rows.slice(0, limit).map((c) => {
    const cl = srv.clients.get(c.cid);
    return { ...c, idle_ms: cl ? Math.max(0, Math.round(now - cl.last)) : 0, rtt_ms: cl ? cl.rtt : 0 };
  });
  const closed = connz(srv, { state: ConnState.Closed, sort: 'stop', limit: DASHBOARD_CLOSED, auth: true }).connections;
  const accounts = [...srv.accounts.values()]
    .filter((a) => a !== srv.sysAcc)
    .map((a) => ({ name: a.name, conns: numLocalConnections(a), max_connections: a.limits.maxConnections ?? 0 }))
    .filter((a) => a.conns > 0 || a.max_connections > 0);
  return {
    now: v.now,
    server: { id: v.server_id, name: v.server_name, version: v.version, uptime: v.uptime, max_connections: v.max_connections, max_pending: v.max_pending, ping_interval_ms: srv.opts.pingInterval, ping_max: v.ping_max },
    counters: {
      connections: v.connections,
      websocket_connections: countWebsocket(srv),
      total_connections: v.total_connections,
      slow_consumers: v.slow_consumers,
      stale_connections: v.stale_connections,
      stalled_clients: v.stalled_clients,
      in_msgs: v.in_msgs,
      out_msgs: v.out_msgs,
      in_bytes: v.in_bytes,
      out_bytes: v.out_bytes,
    },
    sort,
    connections: conns,
    closed,
    accounts,
    cluster: clusterData(srv, now),
    jetstream: jetstreamData(srv, now),
    leafnodes: leafData(srv, now),
  };
}

function countWebsocket(srv: Server): number {
  let n = 0;
  for (const c of srv.clients.values()) if (c.type === 'websocket') n++;
  return n;
}

function send(res: ServerResponse, type: string, body: string): void {
  const buf = Buffer.from(body, 'utf8');
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': String(buf.length), 'Cache-Control': 'no-store' });
  res.end(buf);
}

/** The three dashboard paths under the monitor's base path. */
export const DASHBOARD_PATHS = ['/dashboard', '/dashboard/app.js', '/dashboard/data'] as const;

/** Serves one of DASHBOARD_PATHS (`which`). */
export function serveDashboard(which: string, srv: Server, q: Query, _req: IncomingMessage, res: ServerResponse): void {
  if (which === '/dashboard') {
    countRequest(srv, '/dashboard');
    send(res, 'text/html; charset=utf-8', DASHBOARD_HTML);
  } else if (which === '/dashboard/app.js') {
    send(res, 'text/javascript; charset=utf-8', DASHBOARD_JS);
  } else {
    const limit = q.int('limit');
    send(res, 'application/json', goJSON(dashboardData(srv, q.str('sort') || 'idle', limit > 0 ? limit : DASHBOARD_ROWS)));
  }
}
