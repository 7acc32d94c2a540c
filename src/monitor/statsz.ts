// The server statistics of $SYS.REQ.SERVER.PING[.STATSZ] and $SYS.SERVER.<id>.STATSZ
// (events.go ServerStats, 2.12 fields: the stale and stall counters appear only when non-zero).
import type { Server } from '../server/server.js';
import { goTime } from './format.js';
import { monitorState, numCores } from './state.js';
import { activeAccounts, type MsgBytes } from './accounts.js';
import type { KindCounts } from './varz.js';
import { routeClients } from './routez.js';

function routeStats(srv: Server): RouteStat[] | undefined {
  const rs = routeClients(srv);
  if (rs.length === 0) return undefined;
  return rs.map((c) => ({
    rid: c.cid,
    name: c.route!.remoteName || undefined,
    sent: { msgs: c.outMsgs, bytes: c.outBytes },
    received: { msgs: c.inMsgs, bytes: c.inBytes },
    pending: c.pendingBytes,
  }));
}

export interface ServerStats {
  start: string;
  mem: number;
  cores: number;
  cpu: number;
  connections: number;
  total_connections: number;
  active_accounts: number;
  subscriptions: number;
  sent: MsgBytes;
  sent_to_clients: MsgBytes;
  received: MsgBytes;
  received_from_clients: MsgBytes;
  slow_consumers: number;
  slow_consumer_stats?: KindCounts;
  stale_connections?: number;
  stale_connection_stats?: KindCounts;
  stalled_clients?: number;
  routes?: RouteStat[];
  active_servers?: number;
  gomaxprocs?: number;
}

/** A route's traffic in STATSZ (events.go RouteStat). */
export interface RouteStat {
  rid: number;
  name?: string;
  sent: MsgBytes;
  received: MsgBytes;
  pending: number;
}

export function statsz(srv: Server, activeServers = 1): ServerStats {
  const st = srv.stats;
  const sent = { msgs: st.outMsgs, bytes: st.outBytes };
  const received = { msgs: st.inMsgs, bytes: st.inBytes };
  return {
    start: goTime(srv.startTime),
    mem: process.memoryUsage.rss(),
    cores: numCores(),
    cpu: monitorState(srv).cpu.percent(),
    connections: srv.numConnections,
    total_connections: st.totalConnections,
    active_accounts: activeAccounts(srv),
    subscriptions: srv.numSubscriptions,
    sent,
    sent_to_clients: { ...sent },
    received,
    received_from_clients: { ...received },
    slow_consumers: st.slowConsumers,
    slow_consumer_stats: { clients: st.slowConsumerClients, routes: st.slowConsumerRoutes, gateways: st.slowConsumerGateways, leafs: st.slowConsumerLeafs },
    stale_connections: st.staleConnections || undefined,
    stale_connection_stats: st.staleConnections ? { clients: st.staleClients, routes: st.staleRoutes, gateways: st.staleGateways, leafs: st.staleLeafs } : undefined,
    stalled_clients: st.stalledClients || undefined,
    routes: routeStats(srv),
    active_servers: activeServers,
    gomaxprocs: numCores(),
  };
}
