// /accountz, /accstatz and the per-account data behind $SYS.REQ.ACCOUNT.<acc>.{INFO,STATZ,CONNS}
// (monitor.go Accountz, accountInfo, AccountStatz; events.go Account.statz).
import { jetStreamOf } from './misc.js';
import { leafClients } from './leafz.js';
import type { Server } from '../server/server.js';
import type { Account } from '../accounts/account.js';
import type { Client } from '../server/client.js';
import { Kind } from '../server/kind.js';
import type { StreamExport } from '../accounts/imports.js';
import { goTime, nowMs } from './format.js';
import { MonitorError } from './params.js';
import { sublistStats, type SublistStats } from './subsz.js';

export interface MsgBytes {
  msgs: number;
  bytes: number;
}

/** AccountStat: the body of /accstatz entries and of account CONNS events. */
export interface AccountStat {
  acc: string;
  conns: number;
  leafnodes: number;
  total_conns: number;
  sent: MsgBytes;
  received: MsgBytes;
  slow_consumers: number;
}

export interface AccountStatz {
  server_id: string;
  now: string;
  account_statz: AccountStat[];
}

export interface AccountStatzOptions {
  accounts?: string[];
  include_unused?: boolean;
}

export interface ExtExport {
  subject: string;
  type: 'service' | 'stream';
  token_req?: boolean;
  response_type?: string;
  approved_accounts?: string[];
}

export interface ExtImport {
  subject: string;
  account: string;
  to?: string;
  local_subject?: string;
  type: 'service' | 'stream';
  invalid: boolean;
  share: boolean;
  tracking: boolean;
}

/**
 * A pending response mapping. `type` is the number 2 (jwt.Service): the reference marshals these
 * from a map, where Go does not call ExportType's pointer-receiver MarshalJSON.
 */
export interface ExtResponse {
  subject: string;
  account: string;
  to: string;
  type: number;
  invalid: boolean;
  share: boolean;
  tracking: boolean;
}

export interface AccountInfo {
  account_name: string;
  update_time: string;
  is_system?: boolean;
  expired: boolean;
  complete: boolean;
  jetstream_enabled: boolean;
  leafnode_connections: number;
  client_connections: number;
  subscriptions: number;
  exports?: ExtExport[];
  imports?: ExtImport[];
  sublist_stats: SublistStats;
  /** Response mappings waiting for a reply, by `_R_.` subject (omitted when none). */
  responses?: Record<string, ExtResponse>;
  /**
   * tsnats extension: the account's configured limits (only those set; -1 = unlimited). nats-server
   * shows limits only for JWT accounts (decoded_jwt.nats.limits); `tsnats doctor` and the dashboard
   * read this to compare client_connections with max_connections.
   */
  limits?: { max_connections?: number; max_subscriptions?: number; max_payload?: number };
}

export interface Accountz {
  server_id: string;
  now: string;
  system_account?: string;
  accounts?: string[];
  account_detail?: AccountInfo;
}

export interface AccountzOptions {
  account?: string;
}

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

/** /accstatz: accounts with connections (all of them with include_unused). */
export function accountStatz(srv: Server, opts: AccountStatzOptions = {}): AccountStatz {
  const out: AccountStatz = { server_id: srv.id, now: goTime(nowMs()), account_statz: [] };
  const names = opts.accounts && opts.accounts.length > 0 ? opts.accounts : [...srv.accounts.keys()];
  for (const name of names) {
    const a = srv.accounts.get(name);
    if (!a) continue;
    if (opts.include_unused || numLocalConnections(a) + numLeafConnections(srv, a) !== 0) out.account_statz.push(accountStat(srv, a));
  }
  return out;
}

/** /accountz: the account names, or one account's details with `acc`. */
export function accountz(srv: Server, opts: AccountzOptions = {}): Accountz {
  const out: Accountz = { server_id: srv.id, now: goTime(nowMs()), system_account: srv.sysAcc?.name };
  if (!opts.account) {
    out.accounts = [...srv.accounts.keys()];
    return out;
  }
  out.account_detail = accountInfo(srv, opts.account);
  return out;
}

/** One account's details (accountInfo); unknown accounts are an error. */
export function accountInfo(srv: Server, name: string): AccountInfo {
  const a = srv.accounts.get(name);
  if (!a) throw new MonitorError(`Account ${name} does not exist`);
  const { exports, imports } = exportsAndImports(a);
  return {
    account_name: name,
    update_time: goTime(a.created),
    is_system: a === srv.sysAcc || undefined,
    expired: false,
    complete: true,
    jetstream_enabled: jetStreamOf(srv)?.accountEnabled(a) ?? false,
    leafnode_connections: numLeafConnections(srv, a),
    client_connections: numLocalConnections(a),
    subscriptions: a.sl.size,
    exports: exports.length ? exports : undefined,
    imports: imports.length ? imports : undefined,
    sublist_stats: sublistStats(a),
    responses: pendingResponses(a),
    limits: accountLimits(a),
  };
}

/** Go's names of the response types (ServiceRespType.String). */
const RESPONSE_TYPE_NAMES: Record<string, string> = { Singleton: 'Singleton', Stream: 'Streamed', Chunked: 'Chunked' };

/**
 * The account's exports and imports as nats-server 2.9.10 lists them: exports services first,
 * then streams; imports streams first (`subject` in the exporter, `local_subject`), then services
 * (`subject` local, `to` in the exporter — the 2.9 meaning of the fields). The automatic imports of
 * the system services (system/imports.ts) are among them, as in the reference.
 */
function exportsAndImports(a: Account): { exports: ExtExport[]; imports: ExtImport[] } {
  const exports: ExtExport[] = [];
  const imports: ExtImport[] = [];
  const approved = (x: StreamExport) => (x.accounts !== null && x.accounts.size > 0 ? [...x.accounts] : undefined);
  for (const x of a.serviceExports) {
    exports.push({
      subject: x.subject, type: 'service', token_req: x.tokenRequired || undefined,
      response_type: RESPONSE_TYPE_NAMES[x.responseType] ?? x.responseType, approved_accounts: approved(x),
    });
  }
  for (const x of a.streamExports) exports.push({ subject: x.subject, type: 'stream', token_req: x.tokenRequired || undefined, approved_accounts: approved(x) });
  const flags = { invalid: false, share: false, tracking: false };
  for (const i of a.streamImports) imports.push({ subject: i.from, account: i.acc.name, local_subject: i.to, type: 'stream', ...flags });
  for (const i of a.serviceImports) imports.push({ subject: i.from, account: i.acc.name, to: i.to, type: 'service', ...flags });
  return { exports, imports };
}

/** The account's pending response mappings (2.9.10 AccountInfo.Responses: `_R_` subject → requester's reply). */
function pendingResponses(a: Account): Record<string, ExtResponse> | undefined {
  if (a.responses.size === 0) return undefined;
  const out: Record<string, ExtResponse> = {};
  for (const [nrr, rsi] of a.responses) {
    out[nrr] = { subject: nrr, account: rsi.acc.name, to: rsi.to, type: 2, invalid: false, share: false, tracking: false };
  }
  return out;
}

/** The limits set on an account (tsnats extension of account_detail), undefined when none. */
function accountLimits(a: Account): AccountInfo['limits'] {
  const l = a.limits;
  const out: NonNullable<AccountInfo['limits']> = {};
  if (l.maxConnections !== undefined && l.maxConnections !== 0) out.max_connections = l.maxConnections;
  if (l.maxSubscriptions !== undefined && l.maxSubscriptions !== 0) out.max_subscriptions = l.maxSubscriptions;
  if (l.maxPayload !== undefined && l.maxPayload !== 0) out.max_payload = l.maxPayload;
  return Object.keys(out).length ? out : undefined;
}

/** Accounts with at least one connection (statsz active_accounts). */
export function activeAccounts(srv: Server): number {
  let n = 0;
  for (const a of srv.accounts.values()) if (numLocalConnections(a) > 0) n++;
  return n;
}
