// /leafz (monitor.go Leafz, LeafInfo, 2.9.10): the registered leaf connections, every field as the
// reference (no name, is_spoke or compression in 2.9.10), `subs=1` the subjects of their interest
// (a queue subscription by its bare subject), `acc=` one account's.
import type { Server } from '../server/server.js';
import type { LeafNodeService } from '../services.js';
import type { Client } from '../server/client.js';
import { goTime, nowMs, rttString } from './format.js';

export interface LeafzOptions {
  subscriptions?: boolean;
  account?: string;
}

export interface LeafInfo {
  account: string;
  ip: string;
  port: number;
  rtt?: string;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  subscriptions_list?: string[];
}

export interface Leafz {
  server_id: string;
  now: string;
  leafnodes: number;
  leafs: LeafInfo[] | null;
}

/** The registered leaf connections of a server (none without leafnodes). */
export function leafClients(srv: Server): Client[] {
  return srv.service<LeafNodeService>('leafnodes')?.leafnodes?.leafList() ?? [];
}

export function leafz(srv: Server, opts: LeafzOptions = {}): Leafz {
  const out: LeafInfo[] = [];
  for (const c of leafClients(srv)) {
    if (opts.account && c.account.name !== opts.account) continue;
    const subs = c.subs;
    const li: LeafInfo = {
      account: c.account.name,
      ip: c.host,
      port: c.port,
      rtt: rttString(c.rtt),
      in_msgs: c.inMsgs,
      out_msgs: c.outMsgs,
      in_bytes: c.inBytes,
      out_bytes: c.outBytes,
      subscriptions: subs?.size ?? 0,
    };
    if (opts.subscriptions) li.subscriptions_list = subs === null ? [] : [...subs.values()].map((s) => s.subject);
    out.push(li);
  }
  // The reference marshals its nil slice as null when there are no leafnodes.
  return { server_id: srv.id, now: goTime(nowMs()), leafnodes: out.length, leafs: out.length > 0 ? out : null };
}
