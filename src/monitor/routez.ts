// /routez (monitor.go Routez, RouteInfo): the registered routes, every field as the reference, with
// `subs=1` the remote subjects and `subs=detail` their details (sid `<account> <subject>[ <queue>]`).
import type { Server } from '../server/server.js';
import type { SubjectPermission } from '../options.js';
import type { ClusterService } from '../services.js';
import type { Client } from '../server/client.js';
import { goTime, nowMs, rttString, uptime } from './format.js';
import { subDetail, type SubDetail } from './connz.js';

export interface RoutezOptions {
  subscriptions?: boolean;
  subscriptions_detail?: boolean;
}

export interface RouteInfo {
  rid: number;
  remote_id: string;
  did_solicit: boolean;
  is_configured: boolean;
  ip: string;
  port: number;
  start: string;
  last_activity: string;
  rtt?: string;
  uptime: string;
  idle: string;
  import?: SubjectPermission;
  export?: SubjectPermission;
  pending_size: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  subscriptions_list?: string[];
  subscriptions_list_detail?: SubDetail[];
}

export interface Routez {
  server_id: string;
  now: string;
  import?: SubjectPermission;
  export?: SubjectPermission;
  num_routes: number;
  routes: RouteInfo[];
}

/** The registered route connections of a server (none without a cluster). */
export function routeClients(srv: Server): Client[] {
  return srv.service<ClusterService>('cluster')?.cluster?.routeList() ?? [];
}

export function routez(srv: Server, opts: RoutezOptions = {}): Routez {
  const now = nowMs();
  const routes = routeClients(srv);
  const perms = srv.opts.cluster?.permissions;
  const out: Routez = {
    server_id: srv.id,
    now: goTime(now),
    import: perms?.import,
    export: perms?.export,
    num_routes: routes.length,
    routes: [],
  };
  for (const c of routes) {
    const r = c.route!;
    const ri: RouteInfo = {
      rid: c.cid,
      remote_id: r.remoteID,
      did_solicit: r.didSolicit,
      is_configured: r.routeType === 1,
      ip: c.host,
      port: c.port,
      start: goTime(c.start),
      last_activity: goTime(c.last),
      rtt: rttString(c.rtt),
      uptime: uptime(now - c.start.getTime()),
      idle: uptime(now - c.last),
      import: r.remoteImport ?? undefined,
      export: r.remoteExport ?? undefined,
      pending_size: c.pendingBytes,
      in_msgs: c.inMsgs,
      out_msgs: c.outMsgs,
      in_bytes: c.inBytes,
      out_bytes: c.outBytes,
      subscriptions: r.subs.size,
    };
    if (r.subs.size > 0) {
      if (opts.subscriptions_detail) ri.subscriptions_list_detail = [...r.subs.values()].map((s) => subDetail(s.subject, s.queue, s.sid, s.nm, s.max, c.cid));
      else if (opts.subscriptions) ri.subscriptions_list = [...r.subs.values()].map((s) => s.subject);
    }
    out.routes.push(ri);
  }
  return out;
}
