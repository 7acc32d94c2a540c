// /varz: general server information in nats-server 2.12's Varz shape (monitor.go createVarz,
// updateVarzRuntimeFields). Durations are nanoseconds (ping_interval, write_deadline), timeouts
// float seconds (auth_timeout, tls_timeout), times RFC 3339.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from '../server/server.js';
import * as C from '../const.js';
import { jetStreamOf } from './misc.js';
import { goTime, nowMs, uptime } from './format.js';
import { monitorState, numCores } from './state.js';
import { clusterAuthTimeoutMs, clusterTlsTimeoutMs, tlsTimeoutMs } from '../options.js';
import type { ClusterService } from '../services.js';
import { parseRouteURL } from '../cluster/url.js';
import { leafClients } from './leafz.js';
import type { LeafNodeService } from '../services.js';

/** Counts by connection kind (slow_consumer_stats, stale_connection_stats). */
export interface KindCounts {
  clients: number;
  routes: number;
  gateways: number;
  leafs: number;
}

export interface Varz {
  server_id: string;
  server_name: string;
  version: string;
  proto: number;
  git_commit?: string;
  go: string;
  host: string;
  port: number;
  auth_required?: boolean;
  tls_required?: boolean;
  tls_verify?: boolean;
  ip?: string;
  connect_urls?: string[];
  ws_connect_urls?: string[];
  max_connections: number;
  max_subscriptions?: number;
  ping_interval: number;
  ping_max: number;
  /** tsnats extension: ping_timeout in nanoseconds (0 = off). */
  ping_timeout: number;
  /** tsnats extension: busy_poll in nanoseconds (0 = off). */
  busy_poll: number;
  http_host: string;
  http_port: number;
  http_base_path: string;
  https_port: number;
  auth_timeout: number;
  max_control_line: number;
  max_payload: number;
  max_pending: number;
  cluster: Record<string, unknown>;
  gateway: Record<string, unknown>;
  leaf: Record<string, unknown>;
  mqtt: Record<string, unknown>;
  websocket: Record<string, unknown>;
  jetstream: Record<string, unknown>;
  tls_timeout: number;
  write_deadline: number;
  start: string;
  now: string;
  uptime: string;
  mem: number;
  cores: number;
  gomaxprocs: number;
  cpu: number;
  connections: number;
  total_connections: number;
  routes: number;
  remotes: number;
  leafnodes: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  in_client_msgs: number;
  in_client_bytes: number;
  out_client_msgs: number;
  out_client_bytes: number;
  slow_consumers: number;
  stale_connections: number;
  stalled_clients: number;
  subscriptions: number;
  http_req_stats: Record<string, number>;
  config_load_time: string;
  config_digest: string;
  system_account?: string;
  slow_consumer_stats: KindCounts;
  stale_connection_stats: KindCounts;
}

/** Options of /varz and $SYS.REQ.SERVER.PING.VARZ (none yet, as the reference). */
export type VarzOptions = Record<string, never>;

const NS_PER_MS = 1e6;

export function varz(srv: Server, _opts: VarzOptions = {}): Varz {
  const o = srv.opts;
  const st = srv.stats;
  const mon = monitorState(srv);
  const reqStats: Record<string, number> = {};
  for (const k of [...mon.httpReqStats.keys()].sort()) reqStats[k] = mon.httpReqStats.get(k)!;
  const cores = numCores();
  const cl = srv.service<ClusterService>('cluster')?.cluster ?? null;
  return {
    server_id: srv.id,
    server_name: srv.name,
    version: C.VERSION,
    proto: C.PROTO_VERSION,
    go: `node${process.version}`,
    host: o.host,
    port: srv.port,
    auth_required: srv.authRequired() || undefined,
    ...varzTls(srv),
    connect_urls: srv.connectURLs.length > 0 ? [...srv.connectURLs] : undefined,
    max_connections: o.maxConnections,
    max_subscriptions: o.maxSubscriptions > 0 ? o.maxSubscriptions : undefined,
    ping_interval: o.pingInterval * NS_PER_MS,
    ping_max: o.pingMax,
    ping_timeout: o.pingTimeout * NS_PER_MS,
    busy_poll: Math.round(o.busyPoll * NS_PER_MS),
    http_host: mon.httpPort || mon.httpsPort ? mon.httpHost : (o.httpHost ?? o.host),
    http_port: mon.httpPort || o.httpPort,
    http_base_path: o.httpBasePath,
    https_port: mon.httpsPort || o.httpsPort,
    auth_timeout: o.authTimeout / 1000,
    max_control_line: o.maxControlLine,
    max_payload: o.maxPayload,
    max_pending: o.maxPending,
    cluster: clusterVarz(srv, cl),
    gateway: {},
    leaf: leafVarz(srv),
    mqtt: {},
    websocket: websocketVarz(srv),
    jetstream: jetStreamOf(srv)?.varz() ?? {},
    tls_timeout: tlsTimeoutMs(o.tls) / 1000,
    write_deadline: o.writeDeadline * NS_PER_MS,
    start: goTime(srv.startTime),
    now: goTime(nowMs()),
    uptime: uptime(Date.now() - srv.startTime.getTime()),
    mem: process.memoryUsage.rss(),
    cores,
    gomaxprocs: cores,
    cpu: mon.cpu.percent(),
    connections: srv.numConnections,
    total_connections: st.totalConnections,
    routes: cl?.routes.size ?? 0,
    remotes: cl?.remotes.size ?? 0,
    leafnodes: leafClients(srv).length,
    in_msgs: st.inMsgs,
    out_msgs: st.outMsgs,
    in_bytes: st.inBytes,
    out_bytes: st.outBytes,
    // Client traffic: the totals without what came from or went to routes and leafnodes.
    in_client_msgs: st.inMsgs - st.inRouteMsgs - st.inLeafMsgs,
    in_client_bytes: st.inBytes - st.inRouteBytes - st.inLeafBytes,
    out_client_msgs: st.outMsgs - st.outRouteMsgs - st.outLeafMsgs,
    out_client_bytes: st.outBytes - st.outRouteBytes - st.outLeafBytes,
    slow_consumers: st.slowConsumers,
    stale_connections: st.staleConnections,
    stalled_clients: st.stalledClients,
    subscriptions: srv.numSubscriptions,
    http_req_stats: reqStats,
    config_load_time: goTime(srv.configLoadTime),
    config_digest: configDigest(o.configFile),
    system_account: srv.sysAcc?.name,
    slow_consumer_stats: {
      clients: st.slowConsumerClients,
      routes: st.slowConsumerRoutes,
      gateways: st.slowConsumerGateways,
      leafs: st.slowConsumerLeafs,
    },
    stale_connection_stats: {
      clients: st.staleClients,
      routes: st.staleRoutes,
      gateways: st.staleGateways,
      leafs: st.staleLeafs,
    },
  };
}

/**
 * The leaf block (LeafNodeOptsVarz): the listener (host, bound port, auth_timeout and tls_timeout in
 * seconds) and the remotes (local account, URLs as host:port, deny rules); `{}` without leafnodes.
 */
function leafVarz(srv: Server): Record<string, unknown> {
  const ln = srv.opts.leafnodes;
  if (ln === undefined) return {};
  const out: Record<string, unknown> = {};
  if ((ln.port ?? 0) !== 0) {
    const bound = srv.service<LeafNodeService>('leafnodes')?.leafnodes?.port ?? 0;
    out.host = ln.host || C.DEFAULT_HOST;
    out.port = bound || ln.port;
    out.auth_timeout = (ln.authorization?.timeout || C.DEFAULT_AUTH_TIMEOUT_MS) / 1000;
    out.tls_timeout = tlsTimeoutMs(ln.tls) / 1000;
    if (ln.tls !== undefined) out.tls_required = true;
    if (ln.tls?.verify || ln.tls?.verifyAndMap) out.tls_verify = true;
  }
  const remotes = ln.remotes ?? [];
  if (remotes.length > 0) {
    out.remotes = remotes.map((r) => {
      const o: Record<string, unknown> = { local_account: r.account || C.GLOBAL_ACCOUNT };
      if (r.tls !== undefined) o.tls_timeout = tlsTimeoutMs(r.tls) / 1000;
      o.urls = (r.urls?.length ? r.urls : r.url !== undefined ? [r.url] : []).map((u) => {
        try {
          return new URL(u).host;
        } catch {
          return u;
        }
      });
      if (r.denyImports?.length || r.denyExports?.length) {
        const deny: Record<string, unknown> = {};
        if (r.denyExports?.length) deny.exports = [...r.denyExports];
        if (r.denyImports?.length) deny.imports = [...r.denyImports];
        o.deny = deny;
      }
      return o;
    });
  }
  return out;
}

/** tls_required / tls_verify as the reference copies them from INFO (tls_available is not in /varz). */
function varzTls(srv: Server): Pick<Varz, 'tls_required' | 'tls_verify'> {
  const f = srv.tlsInfoFields();
  return { tls_required: f.tls_required, tls_verify: f.tls_verify };
}

/** The cluster block (ClusterOptsVarz): empty without a cluster; auth_timeout and tls_timeout in seconds. */
function clusterVarz(srv: Server, cl: { clusterName: string; port: number; listenHost: string } | null): Record<string, unknown> {
  const c = srv.opts.cluster;
  // A leaf without a cluster takes its server name as cluster name, and shows it.
  if ((cl === null || c === undefined) && srv.clusterName !== '') return { name: srv.clusterName };
  if (cl === null || c === undefined) return {};
  const urls = (srv.opts.routes ?? []).map(parseRouteURL).filter((u) => typeof u !== 'string').map((u) => (u as { hostPort: string }).hostPort);
  return {
    name: cl.clusterName,
    addr: cl.listenHost,
    cluster_port: cl.port,
    auth_timeout: clusterAuthTimeoutMs(c) / 1000,
    urls: urls.length > 0 ? urls : undefined,
    tls_timeout: clusterTlsTimeoutMs(c) / 1000,
    // ClusterOptsVarz: both from TLSConfig != nil; omitted when false.
    tls_required: c.tls ? true : undefined,
    tls_verify: c.tls ? true : undefined,
  };
}

/**
 * /varz `websocket` (WebsocketOptsVarz): fields in its order, each omitted when empty, zero or false;
 * the port actually bound; handshake_timeout in nanoseconds, auth_timeout in seconds. Users and
 * passwords never appear. `{}` without a websocket block.
 */
export function websocketVarz(srv: Server): Record<string, unknown> {
  const w = srv.opts.websocket;
  if (w === undefined) return {};
  const bound = srv.service<{ readonly name: string; readonly port: number }>('websocket')?.port ?? 0;
  const hs = w.handshakeTimeout ?? C.DEFAULT_WS_HANDSHAKE_TIMEOUT_MS;
  const out: Record<string, unknown> = {
    host: w.host ?? srv.opts.host,
    port: bound || w.port,
    advertise: w.advertise,
    no_auth_user: w.noAuthUser,
    jwt_cookie: w.jwtCookie,
    handshake_timeout: Math.round(hs * NS_PER_MS),
    auth_timeout: (w.authorization?.timeout ?? 0) / 1000,
    no_tls: w.noTls ?? !w.tls,
    same_origin: w.sameOrigin,
    allowed_origins: w.allowedOrigins?.length ? [...w.allowedOrigins] : undefined,
    compression: w.compression,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined || out[k] === '' || out[k] === 0 || out[k] === false) delete out[k];
  return out;
}

/** `sha256:<hex>` of the configuration file, '' without one (as `nats-server -t` prints it). */
function configDigest(file: string | undefined): string {
  if (!file) return '';
  try {
    return 'sha256:' + createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return '';
  }
}
