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
  /** Leaf connections (to our hub, from our leafs) and the configured remotes; null without leafnodes. */
  leafnodes: DashLeafnodes | null;
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
