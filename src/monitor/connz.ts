// /connz: open and closed connections in nats-server 2.12's Connz/ConnInfo shape (monitor.go
// Connz, ConnInfo.fill; monitor_sort_opts.go). Closed connections come from the server's ring of
// snapshots (srv.closedClients), each with its close reason.
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { KIND_NAMES } from '../server/kind.js';
import type { ClosedClientInfo } from '../server/closed.js';
import * as C from '../const.js';
import { goTime, nowMs, rttString, uptime } from './format.js';
import { ConnState, MonitorError, type ConnStateValue } from './params.js';
import { certInfo } from '../tls/certinfo.js';
import { createHash } from 'node:crypto';

/** Default page size of /connz and /subsz (DefaultConnListSize). */
export const DEFAULT_LIST_SIZE = 1024;

/** Sort keys (SortOpt); `cid`/`start`/`uptime`/`reason` ascend, the others descend. */
export const SORT_KEYS = ['cid', 'start', 'subs', 'pending', 'msgs_to', 'msgs_from', 'bytes_to', 'bytes_from', 'last', 'idle', 'uptime', 'stop', 'reason', 'rtt'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** ConnzOptions, with the JSON names of $SYS request bodies. */
export interface ConnzOptions {
  sort?: string;
  /** Include authorized_user and account. */
  auth?: boolean;
  subscriptions?: boolean;
  subscriptions_detail?: boolean;
  offset?: number;
  limit?: number;
  cid?: number;
  mqtt_client?: string;
  state?: ConnStateValue;
  user?: string;
  acc?: string;
  filter_subject?: string;
}

export interface SubDetail {
  account?: string;
  subject: string;
  qgroup?: string;
  sid: string;
  msgs: number;
  max?: number;
  cid: number;
}

export interface ConnInfo {
  cid: number;
  kind?: string;
  type?: string;
  ip: string;
  port: number;
  start: string;
  last_activity: string;
  stop?: string;
  reason?: string;
  /** tsnats extension: why TLS (or the certificate's user mapping) failed; nats-server only logs it. */
  tls_error?: string;
  rtt?: string;
  uptime: string;
  idle: string;
  pending_bytes: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  stalls?: number;
  subscriptions: number;
  name?: string;
  lang?: string;
  version?: string;
  tls_version?: string;
  tls_cipher_suite?: string;
  /** With `auth`: the certificates the client presented (subject, SPKI and certificate SHA-256). */
  tls_peer_certs?: TlsPeerCert[];
  /** The TLS handshake came before INFO (handshake_first; nats-server 2.12's field). */
  tls_first?: boolean;
  authorized_user?: string;
  account?: string;
  subscriptions_list?: string[];
  subscriptions_list_detail?: SubDetail[];
}

export interface TlsPeerCert {
  subject: string;
  spki_sha256: string;
  cert_sha256: string;
}

export interface Connz {
  server_id: string;
  now: string;
  num_connections: number;
  total: number;
  offset: number;
  limit: number;
  connections: ConnInfo[];
}

/** A ConnInfo with the raw values sorting needs. */
interface Row {
  ci: ConnInfo;
  cid: number;
  subs: number;
  pending: number;
  outMsgs: number;
  inMsgs: number;
  outBytes: number;
  inBytes: number;
  last: number;
  start: number;
  stop: number;
  reason: string;
  rtt: number;
}

export function isSortKey(s: string): s is SortKey {
  return (SORT_KEYS as readonly string[]).includes(s);
}

export function connz(srv: Server, opts: ConnzOptions = {}): Connz {
  let sort: SortKey = 'cid';
  if (opts.sort) {
    if (!isSortKey(opts.sort)) throw new MonitorError(`invalid sorting option: ${opts.sort}`);
    sort = opts.sort;
  }
  const auth = opts.auth === true;
  const subs = opts.subscriptions === true;
  const subsDet = opts.subscriptions_detail === true;
  const offset = Math.max(0, Math.trunc(opts.offset ?? 0));
  let limit = Math.trunc(opts.limit ?? 0);
  if (limit <= 0) limit = DEFAULT_LIST_SIZE;
  const state = opts.state ?? ConnState.Open;
  if (sort === 'stop' && state !== ConnState.Closed) throw new MonitorError('sort by stop only valid on closed connections');
  if (sort === 'reason' && state !== ConnState.Closed) throw new MonitorError('sort by reason only valid on closed connections');
  const cid = opts.cid && opts.cid > 0 ? opts.cid : 0;
  if (cid > 0) limit = 1;
  const user = opts.user ?? '';
  const acc = opts.acc ?? '';
  const mqtt = opts.mqtt_client ?? '';
  let filter = '';
  if (opts.filter_subject && opts.filter_subject !== '>') {
    if (acc === '') throw new MonitorError('filter by subject only valid with account filtering');
    filter = opts.filter_subject;
  }

  const nowT = nowMs();
  const out: Connz = { server_id: srv.id, now: goTime(nowT), num_connections: 0, total: 0, offset, limit, connections: [] };
  const wantOpen = state === ConnState.Open || state === ConnState.All;
  const wantClosed = state === ConnState.Closed || state === ConnState.All;

  let open: Client[] = [];
  if (wantOpen) {
    if (acc !== '') {
      const a = srv.accounts.get(acc);
      if (a) open = [...a.clients];
    } else {
      open = [...srv.clients.values()];
    }
    out.total += open.length;
  }
  let closed: ClosedClientInfo[] = [];
  if (wantClosed) {
    closed = srv.closedClients.list();
    if (acc !== '') closed = closed.filter((cc) => cc.account === acc);
    out.total += closed.length;
  }
  if (cid > 0) {
    open = open.filter((c) => c.cid === cid);
    closed = closed.filter((cc) => cc.cid === cid);
  }
  // mqtt_client: tsnats has no MQTT connections, so a filter on it matches nothing.
  open = open.filter((c) => (user === '' || c.user === user) && mqtt === '');
  closed = closed.filter((cc) => (user === '' || cc.user === user) && mqtt === '');
  if (filter !== '') open = open.filter((c) => c.subs !== null && [...c.subs.values()].some((s) => subjectsCollide(filter, s.subject)));

  const rows: Row[] = [];
  for (const c of open) rows.push(openRow(c, nowT, auth, subs, subsDet));
  for (const cc of closed) rows.push(closedRow(cc, auth, subs, subsDet));
  sortRows(rows, sort, nowT);
  const page = rows.slice(Math.min(offset, rows.length), Math.min(offset + limit, rows.length));
  out.connections = page.map((r) => r.ci);
  out.num_connections = out.connections.length;
  return out;
}

function openRow(c: Client, now: number, auth: boolean, subs: boolean, subsDet: boolean): Row {
  const o = c.opts;
  const nsubs = c.subs?.size ?? 0;
  const ci: ConnInfo = {
    cid: c.cid,
    kind: KIND_NAMES[c.kind],
    type: c.type,
    // An in-process connection has no port: the reference leaves ip and port empty then.
    ip: c.port !== 0 ? c.host : '',
    port: c.port,
    start: goTime(c.start),
    last_activity: goTime(c.last),
    rtt: rttString(c.rtt),
    uptime: uptime(now - c.start.getTime()),
    idle: uptime(now - c.last),
    pending_bytes: c.pendingBytes,
    in_msgs: c.inMsgs,
    out_msgs: c.outMsgs,
    in_bytes: c.inBytes,
    out_bytes: c.outBytes,
    stalls: c.stalls || undefined,
    subscriptions: nsubs,
    name: o.name || undefined,
    lang: o.lang || undefined,
    version: o.version || undefined,
  };
  const tls = c.tls;
  if (tls !== null) {
    ci.tls_version = tls.version;
    ci.tls_cipher_suite = tls.cipher;
    if (auth && tls.peerCerts.length > 0) ci.tls_peer_certs = peerCerts(tls.peerCerts);
    if (tls.first) ci.tls_first = true;
  }
  if (auth) {
    ci.authorized_user = authUser(c.user, o.auth_token) || undefined;
    const an = c.account?.name;
    if (an && an !== C.GLOBAL_ACCOUNT) ci.account = an;
  }
  if (nsubs > 0 && c.subs) {
    if (subsDet) ci.subscriptions_list_detail = [...c.subs.values()].map((s) => subDetail(s.subject, s.queue, s.sid, s.nm, s.max, c.cid));
    else if (subs) ci.subscriptions_list = [...c.subs.values()].map((s) => s.subject);
  }
  return {
    ci, cid: c.cid, subs: nsubs, pending: c.pendingBytes, outMsgs: c.outMsgs, inMsgs: c.inMsgs,
    outBytes: c.outBytes, inBytes: c.inBytes, last: c.last, start: c.start.getTime(), stop: 0, reason: '', rtt: c.rtt,
  };
}

function closedRow(cc: ClosedClientInfo, auth: boolean, subs: boolean, subsDet: boolean): Row {
  const stop = cc.stop.getTime();
  const ci: ConnInfo = {
    cid: cc.cid,
    kind: cc.kind,
    type: cc.type,
    ip: cc.port !== 0 ? cc.ip : '',
    port: cc.port,
    start: goTime(cc.start),
    last_activity: goTime(cc.lastActivity),
    stop: goTime(cc.stop),
    reason: cc.reason,
    tls_error: cc.tlsError || undefined,
    rtt: rttString(cc.rtt),
    // Measured at close, as the reference fills a closed connection's ConnInfo then.
    uptime: uptime(stop - cc.start.getTime()),
    idle: uptime(stop - cc.lastActivity.getTime()),
    pending_bytes: cc.pendingBytes,
    in_msgs: cc.inMsgs,
    out_msgs: cc.outMsgs,
    in_bytes: cc.inBytes,
    out_bytes: cc.outBytes,
    stalls: cc.stalls || undefined,
    subscriptions: cc.subs.length,
    name: cc.name || undefined,
    lang: cc.lang || undefined,
    version: cc.version || undefined,
    // A closed connection keeps its TLS version and suite, not its certificates (as the reference).
    tls_version: cc.tlsVersion || undefined,
    tls_cipher_suite: cc.tlsCipher || undefined,
    tls_first: cc.tlsFirst || undefined,
  };
  if (auth) {
    ci.authorized_user = cc.user || undefined;
    if (cc.account && cc.account !== C.GLOBAL_ACCOUNT) ci.account = cc.account;
  }
  if (cc.subs.length > 0) {
    // The closed ring keeps subscription details with their account (newSubDetail).
    if (subsDet) ci.subscriptions_list_detail = cc.subs.map((s) => ({ account: cc.account || undefined, ...subDetail(s.subject, s.queue, s.sid, s.msgs, s.max, cc.cid) }));
    else if (subs) ci.subscriptions_list = cc.subs.map((s) => s.subject);
  }
  return {
    ci, cid: cc.cid, subs: cc.subs.length, pending: cc.pendingBytes, outMsgs: cc.outMsgs, inMsgs: cc.inMsgs,
    outBytes: cc.outBytes, inBytes: cc.inBytes, last: cc.lastActivity.getTime(), start: cc.start.getTime(),
    stop, reason: cc.reason, rtt: cc.rtt,
  };
}

export function subDetail(subject: string, queue: string | null, sid: string, msgs: number, max: number, cid: number): SubDetail {
  return { subject, qgroup: queue || undefined, sid, msgs, max: max > 0 ? max : undefined, cid };
}

/** /connz tls_peer_certs (monitor.go makePeerCerts): Go's subject string, SPKI and certificate hashes. */
function peerCerts(ders: Uint8Array[]): TlsPeerCert[] {
  const out: TlsPeerCert[] = [];
  for (const der of ders) {
    try {
      const i = certInfo(der);
      out.push({ subject: i.subject, spki_sha256: i.spkiSha256, cert_sha256: i.certSha256 });
    } catch {
      out.push({ subject: '', spki_sha256: '', cert_sha256: createHash('sha256').update(der).digest('hex') });
    }
  }
  return out;
}

/** The user a connection authenticated as; a token is never shown (getRawAuthUser). */
function authUser(user: string, token: string): string {
  if (user) return user;
  return token ? '[REDACTED]' : '';
}

/** Sorts as the reference; ties keep cid order so pages are stable. */
function sortRows(rows: Row[], key: SortKey, now: number): void {
  const desc = (f: (r: Row) => number) => (a: Row, b: Row) => f(b) - f(a) || a.cid - b.cid;
  const asc = (f: (r: Row) => number) => (a: Row, b: Row) => f(a) - f(b) || a.cid - b.cid;
  let cmp: (a: Row, b: Row) => number;
  switch (key) {
    case 'cid': case 'start': cmp = asc((r) => r.cid); break;
    case 'subs': cmp = desc((r) => r.subs); break;
    case 'pending': cmp = desc((r) => r.pending); break;
    case 'msgs_to': cmp = desc((r) => r.outMsgs); break;
    case 'msgs_from': cmp = desc((r) => r.inMsgs); break;
    case 'bytes_to': cmp = desc((r) => r.outBytes); break;
    case 'bytes_from': cmp = desc((r) => r.inBytes); break;
    case 'last': cmp = desc((r) => r.last); break;
    // The most idle connection first.
    case 'idle': cmp = desc((r) => (r.stop || now) - r.last); break;
    // Youngest first (ascending uptime); a closed connection's uptime ends at its stop.
    case 'uptime': cmp = asc((r) => (r.stop || now) - r.start); break;
    case 'stop': cmp = desc((r) => r.stop); break;
    case 'reason': cmp = (a, b) => (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : a.cid - b.cid); break;
    case 'rtt': cmp = desc((r) => r.rtt); break;
  }
  rows.sort(cmp);
}

/** Could a message match both subjects (SubjectsCollide)? Both may have wildcards. */
export function subjectsCollide(a: string, b: string): boolean {
  const ta = a.split('.');
  const tb = b.split('.');
  const n = Math.min(ta.length, tb.length);
  for (let i = 0; i < n; i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === '>' || y === '>') return true;
    if (x === '*' || y === '*') continue;
    if (x !== y) return false;
  }
  if (ta.length === tb.length) return true;
  // One is longer: only a trailing '>' on the shorter one covers the rest (handled above).
  return false;
}
