// The counters the system account and the monitor keep from the server's events, from the start:
// closed connections' traffic per account, closes by reason, authentication and TLS failures.
// Apart from the endpoints that read them (accounts.ts, metrics.ts), so that a server with the system
// account (the default) starts counting without loading the monitor code (optional.ts).
import type { Server } from '../server/server.js';
import type { Account } from '../accounts/account.js';
import type { Client } from '../server/client.js';
import { Kind } from '../server/kind.js';
import { leafClients } from './leafz.js';
import type { AccountStat } from './accounts.js';

/**
 * Message totals per account: the sums of its closed connections plus, at query time, those of
 * its open ones (the reference keeps running account counters; tsnats derives them so the
 * delivery path carries no extra work).
 */
interface AccountTotals {
  inMsgs: number;
  inBytes: number;
  outMsgs: number;
  outBytes: number;
}

const closedTotals = new WeakMap<Server, Map<string, AccountTotals>>();

/** Starts counting closed connections' traffic into their account (idempotent). */
export function trackAccountTraffic(srv: Server): void {
  if (closedTotals.has(srv)) return;
  const m = new Map<string, AccountTotals>();
  closedTotals.set(srv, m);
  srv.on('client:close', (c: Client) => {
    const name = c.account?.name;
    if (!name || (c.inMsgs === 0 && c.outMsgs === 0)) return;
    let t = m.get(name);
    if (!t) m.set(name, (t = { inMsgs: 0, inBytes: 0, outMsgs: 0, outBytes: 0 }));
    t.inMsgs += c.inMsgs;
    t.inBytes += c.inBytes;
    t.outMsgs += c.outMsgs;
    t.outBytes += c.outBytes;
  });
}

function accountTraffic(srv: Server, a: Account): AccountTotals {
  const base = closedTotals.get(srv)?.get(a.name);
  const t = { inMsgs: base?.inMsgs ?? 0, inBytes: base?.inBytes ?? 0, outMsgs: base?.outMsgs ?? 0, outBytes: base?.outBytes ?? 0 };
  for (const c of a.clients) {
    t.inMsgs += c.inMsgs;
    t.inBytes += c.inBytes;
    t.outMsgs += c.outMsgs;
    t.outBytes += c.outBytes;
  }
  return t;
}

/** Client connections of an account (numLocalConnections). */
export function numLocalConnections(a: Account): number {
  let n = 0;
  for (const c of a.clients) if (c.kind === Kind.CLIENT) n++;
  return n;
}

/** Leaf connections bound to an account (numLocalLeafNodes). */
export function numLeafConnections(srv: Server, a: Account): number {
  let n = 0;
  for (const c of leafClients(srv)) if (c.account === a) n++;
  return n;
}

/** The account's AccountStat (Account.statz): `received` is what its clients published, `sent` what they were delivered. */
export function accountStat(srv: Server, a: Account): AccountStat {
  const conns = numLocalConnections(a);
  const leafs = numLeafConnections(srv, a);
  const t = accountTraffic(srv, a);
  return {
    acc: a.name,
    conns,
    leafnodes: leafs,
    total_conns: conns + leafs,
    sent: { msgs: t.outMsgs, bytes: t.outBytes },
    received: { msgs: t.inMsgs, bytes: t.inBytes },
    slow_consumers: a.slowConsumers,
  };
}

/** Close reasons and authentication failures since start (tsnats_* counters). */
export interface HealthCounters {
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

/** The counters of `srv` (undefined until trackHealthCounters). */
export function healthCounters(srv: Server): HealthCounters | undefined {
  return counters.get(srv);
}
