// The bodies of $SYS messages (events.go ServerInfo, ClientInfo, TypedEvent, ServerAPIResponse),
// field names and omissions as the reference.
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { KIND_NAMES, Kind } from '../server/kind.js';
import * as C from '../const.js';
import { jetStreamOf } from '../monitor/misc.js';
import { goTime, nowMs, rttNanos } from '../monitor/format.js';
import { nextEventId } from './nuid.js';

export const ConnectEventMsgType = 'io.nats.server.advisory.v1.client_connect';
export const DisconnectEventMsgType = 'io.nats.server.advisory.v1.client_disconnect';
export const AccountNumConnsMsgType = 'io.nats.server.advisory.v1.account_connections';

/** ServerInfo: who sent a $SYS message, with its per-server sequence number. */
export interface ServerInfo {
  name: string;
  host: string;
  id: string;
  /** The cluster's name (omitted without a cluster). */
  cluster?: string;
  ver: string;
  seq: number;
  jetstream: boolean;
  time: string;
}

export function serverInfo(srv: Server, seq: number): ServerInfo {
  return { name: srv.name, host: srv.opts.host, id: srv.id, cluster: srv.clusterName || undefined, ver: C.VERSION, seq, jetstream: jetStreamOf(srv) !== null, time: goTime(nowMs()) };
}

/** ClientInfo of connect, disconnect and auth-error events. `rtt` is integer nanoseconds. */
export interface ClientInfo {
  start?: string;
  host?: string;
  id?: number;
  acc?: string;
  user?: string;
  name?: string;
  lang?: string;
  ver?: string;
  rtt?: number;
  stop?: string;
  kind?: string;
  client_type?: string;
}

export function clientInfo(c: Client, opts: { user: string; rtt?: boolean; stop?: number }): ClientInfo {
  const o = c.opts;
  return {
    start: goTime(c.start),
    host: c.host || undefined,
    id: c.cid || undefined,
    acc: c.account?.name || undefined,
    user: opts.user || undefined,
    name: o.name || undefined,
    lang: o.lang || undefined,
    ver: o.version || undefined,
    rtt: opts.rtt ? rttNanos(c.rtt) || undefined : undefined,
    stop: opts.stop !== undefined ? goTime(opts.stop) : undefined,
    kind: KIND_NAMES[c.kind],
    // clientTypeString: only client connections have one.
    client_type: c.kind !== Kind.CLIENT ? undefined : c.type === 'websocket' ? 'websocket' : 'nats',
  };
}

/** The common head of typed advisories: type, id, timestamp. */
export function typedEvent(type: string, time = nowMs()): { type: string; id: string; timestamp: string } {
  return { type, id: nextEventId(), timestamp: goTime(time) };
}
