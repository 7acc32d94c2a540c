// One route connection's protocol (route.go): CONNECT and INFO, RS+/RS- (and LS+/LS- from
// leafnode-origin peers), RMSG/HMSG/LMSG in, and what happens when the connection closes. The
// connection itself (reading, keepalive, the outbound queue, close) is a Client of kind ROUTER; its
// process* methods delegate here. The cluster (cluster.ts) owns the registry of routes, gossip and
// reconnects; interest.ts what we announce.
import type { Client, ClientPermissions } from '../server/client.js';
import { Subscription } from '../server/subscription.js';
import type { Account } from '../accounts/account.js';
import { decodeClientOpts } from '../server/connect.js';
import { splitArgs, parseSize } from '../protocol/args.js';
import { latin1Slice } from '../node-internals.js';
import { goQuote, ClosedState } from '../errors.js';
import { redactConnect, isBcrypt } from '../auth/auth.js';
import { bcryptCompare } from '../auth/bcrypt-pool.js';
import { decodeRouteConnect, decodeRouteInfo, type RouteInfo } from './info.js';
import type { RouteURL } from './url.js';
import type { Cluster } from './cluster.js';
import type { SubjectPermission } from '../options.js';
import { routeCertAuthorized } from './tls-auth.js';

/** How a route came to be: configured (explicit) or learned by gossip (implicit). */
export const enum RouteType {
  Implicit = 0,
  Explicit = 1,
}

/** ErrClientConnectedToRoutePort. */
export const CLIENT_ON_ROUTE_PORT = 'attempted to connect to route port';

export class Route {
  /** The peer's server_id (from its CONNECT `name`, then its INFO). */
  remoteID = '';
  remoteName = '';
  /** The peer's announced import/export permissions (/routez). */
  remoteImport: SubjectPermission | null = null;
  remoteExport: SubjectPermission | null = null;
  lnoc = false;
  authRequired = false;
  /** The peer's client URLs (its INFO connect_urls), added to our clients' connect_urls. */
  connectURLs: string[] = [];
  wsConnectURLs: string[] = [];
  /** The peer's leafnode URLs (its INFO leafnode_urls): offered to our leafs for reconnects. */
  leafnodeURLs: string[] = [];
  /** The first INFO was processed (later ones are updates or gossip). */
  infoReceived = false;
  /** Registered in the cluster (the first connection to a server_id wins). */
  registered = false;
  /** Reconnect after a close even when implicit (addRoute sets it on the winner of a duplicate). */
  retry = false;
  /** Never reconnect (shutdown, route removed, route to self). */
  noReconnect = false;
  /** Our cluster permissions as client permissions: import = publish, export = subscribe. */
  perms: ClientPermissions | null;
  /** Remote subscriptions, by `<account> <subject>[ <queue>]` (the RS+ argument without weight). */
  readonly subs = new Map<string, Subscription>();

  // ---- the routed message being read (processRoutedMsgArgs → processInboundMsg)
  private paAcc = '';
  /** The origin cluster of the LMSG being read ('' for RMSG/HMSG): not sent back to leafs of that cluster. */
  paOrigin = '';
  private paSubject = '';
  private paReply = '';
  private paQueues: string[] | null = null;
  private paHdr = -1;
  private tok = new Int32Array(32);
  /** The account of the last routed message (most messages repeat it). */
  private lastAcc: Account | null = null;

  constructor(
    readonly cluster: Cluster,
    readonly c: Client,
    /** The URL dialled (solicited routes; for accepted ones it is built from the peer's INFO). */
    public url: RouteURL | null,
    public didSolicit: boolean,
    public routeType: RouteType,
  ) {
    this.perms = cluster.routePermissions();
  }

  /** Accepted routes must send CONNECT first (expectConnect). */
  get expectConnect(): boolean {
    return !this.didSolicit;
  }

  /** createRoute's sends: the dialler's CONNECT and then its INFO; the acceptor's INFO; timers. */
  init(): void {
    const c = this.c;
    const cl = this.cluster;
    c.setFirstPingTimer();
    if (!this.didSolicit && cl.authRequired) c.startAuthTimer(cl.authTimeout);
    if (this.didSolicit) {
      c.debug('Route connect msg sent');
      c.queueBytes(Buffer.from(`CONNECT ${cl.connectJSON(this.url!)}\r\n`, 'utf8'));
    }
    // Our INFO, with a nonce in this first one only (not used for route auth in 2.9).
    c.queueBytes(cl.routeInfoFrame(true));
    c.flushSoon();
    c.notice('Route connection created');
  }

  // ---------------------------------------------------------------- CONNECT

  /** processConnect for a route (client.go processConnect → route.go processRouteConnect). */
  processConnect(text: string): void {
    const c = this.c;
    const srv = c.server;
    if (srv.log.trace) c.trace(`<<- [CONNECT ${redactConnect(text)}]`);
    c.clearAuthTimer();
    c.last = Date.now();
    const err = decodeClientOpts(text, c.opts);
    if (err !== null) return c.protocolViolation(err);
    const ci = decodeRouteConnect(text);
    if (typeof ci === 'string') return c.protocolViolation(ci);
    c.connectReceived = true;
    c.echo = c.opts.echo;
    c.headers = !srv.opts.noHeaderSupport && c.opts.headers;
    // Route auth (isRouterAuthorized): with verify_and_map or verify_cert_and_check_known_urls the
    // peer's certificate alone; else the cluster's single user, password plain or bcrypt.
    const cl = this.cluster;
    const tls = cl.tls;
    if (tls !== null && (tls.map || tls.checkKnownUrls)) {
      if (!routeCertAuthorized(c, tls.map, tls.checkKnownUrls, cl.opts.username ?? '', c.server.opts.routes ?? [])) return c.authViolation();
      return this.finishConnect(ci.cluster, ci.cluster_dynamic, ci.gateway, ci.lnoc);
    }
    const user = cl.opts.username ?? '';
    if (user !== '') {
      const pass = cl.opts.password ?? '';
      if (c.opts.user !== user) return c.authViolation();
      if (isBcrypt(pass)) {
        c.suspendUntil(bcryptCompare(c.opts.pass, pass), (ok) => {
          if (ok !== true) return c.authViolation();
          this.finishConnect(ci.cluster, ci.cluster_dynamic, ci.gateway, ci.lnoc);
        });
        return;
      }
      if (c.opts.pass !== pass) return c.authViolation();
    }
    this.finishConnect(ci.cluster, ci.cluster_dynamic, ci.gateway, ci.lnoc);
  }

  private finishConnect(cluster: string, dynamic: boolean, gateway: string, lnoc: boolean): void {
    const c = this.c;
    // A client (it says which language it is) on the route port.
    if (c.opts.lang !== '') {
      c.sendErr(CLIENT_ON_ROUTE_PORT);
      c.error(CLIENT_ON_ROUTE_PORT);
      return c.closeConnection(ClosedState.WrongPort);
    }
    if (gateway !== '') {
      const txt = `Rejecting connection from gateway ${goQuote(gateway)} on the Route port`;
      c.error(txt);
      c.sendErr(txt);
      return c.closeConnection(ClosedState.WrongGateway);
    }
    const cl = this.cluster;
    if (cluster !== cl.clusterName) {
      // A dynamic name gives way to a configured one, or to a larger dynamic one.
      if (cl.dynamic && (!dynamic || cl.clusterName < cluster)) {
        cl.adoptName(cluster, !dynamic, c);
      } else {
        const txt = `Rejecting connection, cluster name ${goQuote(cluster)} does not match ${goQuote(cl.clusterName)}`;
        c.error(txt);
        c.sendErr(txt);
        return c.closeConnection(ClosedState.ClusterNameConflict);
      }
    }
    this.remoteID = c.opts.name;
    this.lnoc = lnoc;
  }

  // ---------------------------------------------------------------- INFO

  /** processInfo → processRouteInfo. */
  processInfo(text: string): void {
    const c = this.c;
    const info = decodeRouteInfo(text);
    if (typeof info === 'string') return c.protocolViolation(info);
    if (c.closed) return;
    const cl = this.cluster;
    const srv = c.server;
    // A route to ourselves.
    if (info.server_id === srv.id) {
      this.remoteID = info.server_id;
      return c.closeConnection(ClosedState.DuplicateRoute);
    }
    if (info.cluster !== '' && info.cluster !== cl.clusterName) {
      if (cl.dynamic && (!info.cluster_dynamic || cl.clusterName < info.cluster)) {
        cl.adoptName(info.cluster, !info.cluster_dynamic, c);
      } else {
        return c.closeConnection(ClosedState.ClusterNameConflict);
      }
    }
    if (this.infoReceived) {
      // An INFO about another server: gossip. About this one: an update (lame duck, permissions).
      if (this.remoteID !== '' && this.remoteID !== info.server_id) return cl.processImplicitRoute(info);
      if (info.ldm) {
        if (!cl.opts.noAdvertise) cl.removeConnectURLs(this.connectURLs, this.wsConnectURLs);
        this.connectURLs = [];
        this.wsConnectURLs = [];
      } else {
        this.remoteImport = info.import;
        this.remoteExport = info.export;
      }
      return;
    }
    // The acceptor refuses a peer with its own name (unique names are needed for JetStream).
    if (!this.didSolicit && info.server_name === srv.name) {
      c.error(`Remote server has a duplicate name: ${goQuote(info.server_name)}`);
      return c.closeConnection(ClosedState.DuplicateServerName);
    }
    this.infoReceived = true;
    c.opts.protocol = info.proto;
    c.headers = !srv.opts.noHeaderSupport && info.headers;
    this.remoteID = info.server_id;
    this.remoteName = info.server_name;
    this.authRequired = info.auth_required;
    this.lnoc = info.lnoc;
    this.remoteImport = info.import;
    this.remoteExport = info.export;
    if (this.url === null) this.url = cl.urlFromInfo(info);
    cl.addRoute(this, info);
  }

  /** The INFO gossiped to the other routes: the peer's own, with `ip` filled in from the TCP peer. */
  gossipInfo(info: RouteInfo): RouteInfo {
    if (info.ip === '') info.ip = `nats-route://${this.c.host.includes(':') ? `[${this.c.host}]` : this.c.host}:${info.port}/`;
    info.nonce = '';
    return info;
  }

  // ---------------------------------------------------------------- RS+ / RS-

  /** processRemoteSub: `[<origin> ]<account> <subject>[ <queue> <weight>]`. */
  processRemoteSub(buf: Buffer, s: number, e: number, origin: boolean): void {
    const c = this.c;
    const srv = c.server;
    if (srv.log.trace) c.trace(`<<- [${origin ? 'LS+' : 'RS+'} ${buf.toString('latin1', s, e)}]`);
    const t = this.tok;
    const n = splitArgs(buf, s, e, t);
    const off = origin ? 1 : 0;
    let queue: string | null = null;
    let qw = 1;
    if (n === 2 + off) queue = null;
    else if (n === 4 + off) {
      queue = latin1Slice(buf, t[2 * (2 + off)], t[2 * (2 + off) + 1]);
      qw = parseSize(buf, t[2 * (3 + off)], t[2 * (3 + off) + 1]);
    } else {
      return c.protocolViolation(`processRemoteSub Parse Error: '${buf.toString('latin1', s, e)}'`);
    }
    const accName = latin1Slice(buf, t[2 * off], t[2 * off + 1]);
    const subject = latin1Slice(buf, t[2 * (1 + off)], t[2 * (1 + off) + 1]);
    const acc = this.cluster.lookupAccount(accName);
    if (acc === null) {
      c.error(`Unknown account ${goQuote(accName)} for remote subject ${goQuote(subject)}`);
      return;
    }
    if (c.closed) return;
    // Export permission: which remote interest we accept (canExport = canSubscribe).
    if (this.perms !== null && !this.perms.canSubscribe(subject, null)) {
      c.debug(`Can not export ${goQuote(subject)}, ignoring remote subscription request`);
      return;
    }
    const key = queue === null ? `${accName} ${subject}` : `${accName} ${subject} ${queue}`;
    const osub = this.subs.get(key);
    if (osub === undefined) {
      const sub = new Subscription(c, subject, queue, key);
      if (queue !== null) sub.qw = qw;
      if (origin) sub.origin = latin1Slice(buf, t[0], t[1]);
      if (!acc.sl.insert(sub)) {
        c.error('Could not insert subscription: sublist: invalid subject');
        c.sendErr('Invalid Subscription');
        return;
      }
      this.subs.set(key, sub);
    } else if (queue !== null) {
      // A repeated RS+ for a queue carries its new weight (UpdateRemoteQSub).
      const old = osub.qw;
      osub.qw = qw;
      acc.sl.updateRemoteQSub(osub, old);
    }
  }

  /** processRemoteUnsub: `<account> <subject>[ <queue>]`. */
  processRemoteUnsub(buf: Buffer, s: number, e: number): void {
    const c = this.c;
    if (c.server.log.trace) c.trace(`<<- [RS- ${buf.toString('latin1', s, e)}]`);
    const t = this.tok;
    const n = splitArgs(buf, s, e, t);
    if (n !== 2 && n !== 3) return c.protocolViolation(`processRemoteUnsub parse error: '${buf.toString('latin1', s, e)}'`);
    const accName = latin1Slice(buf, t[0], t[1]);
    const subject = latin1Slice(buf, t[2], t[3]);
    const acc = this.cluster.lookupAccount(accName);
    if (acc === null) {
      c.debug(`Unknown account ${goQuote(accName)} for subject ${goQuote(subject)}`);
      return;
    }
    const key = n === 3 ? `${accName} ${subject} ${latin1Slice(buf, t[4], t[5])}` : `${accName} ${subject}`;
    const sub = this.subs.get(key);
    if (sub === undefined) return;
    this.subs.delete(key);
    sub.closed = true;
    acc.sl.remove(sub);
  }

  /** Drops every remote subscription of this route (removeRemoteSubs), when it closes. */
  removeRemoteSubs(): void {
    const byAcc = new Map<string, number>();
    for (const [key, sub] of this.subs) {
      const accName = key.slice(0, key.indexOf(' '));
      const acc = this.cluster.srv.accounts.get(accName);
      sub.closed = true;
      if (acc === undefined) continue;
      acc.sl.remove(sub);
      byAcc.set(accName, (byAcc.get(accName) ?? 0) + 1);
    }
    this.subs.clear();
    for (const [name, n] of byAcc) this.c.debug(`Removing ${n} subscriptions for account ${goQuote(name)}`);
  }

  /** Our export permission changed: remote interest it no longer allows goes. */
  dropUnexportable(): void {
    if (this.perms === null) return;
    for (const [key, sub] of this.subs) {
      if (this.perms.canSubscribe(sub.subject, null)) continue;
      this.subs.delete(key);
      sub.closed = true;
      this.cluster.lookupAccount(key.slice(0, key.indexOf(' ')))?.sl.remove(sub);
    }
  }

  // ---------------------------------------------------------------- RMSG / HMSG / LMSG

  /** The arguments of RMSG/HMSG/LMSG (processRoutedMsgArgs and its header and origin forms). */
  processRoutedMsgArgs(buf: Buffer, s: number, e: number, hdr: boolean, origin: boolean): number {
    const c = this.c;
    if (c.server.log.trace) c.trace(`<<- [${origin ? 'LMSG' : hdr ? 'HMSG' : 'RMSG'} ${buf.toString('latin1', s, e)}]`);
    let t = this.tok;
    let n = splitArgs(buf, s, e, t);
    if (n > t.length >> 1) {
      this.tok = t = new Int32Array(2 * n);
      n = splitArgs(buf, s, e, t);
    }
    // With an origin, everything is one token further and there is always a header size.
    const off = origin ? 1 : 0;
    const withHdr = hdr || origin;
    const base = 3 + off + (withHdr ? 1 : 0); // acc subj [hdr] size
    if (n < base) return this.argsError(buf, s, e, n, hdr, origin, 'Parse Error', -1);
    let reply = '';
    let queues: string[] | null = null;
    if (n === base + 1) {
      reply = latin1Slice(buf, t[2 * (2 + off)], t[2 * (2 + off) + 1]);
    } else if (n > base + 1) {
      const ind = 2 + off;
      const ib = buf[t[2 * ind]];
      if (t[2 * ind + 1] - t[2 * ind] !== 1 || (ib !== 0x2b && ib !== 0x7c)) return this.argsError(buf, s, e, n, hdr, origin, 'Bad or Missing Reply Indicator', ind);
      let q = ind + 1;
      if (ib === 0x2b) {
        reply = latin1Slice(buf, t[2 * q], t[2 * q + 1]);
        q++;
      }
      const end = n - (withHdr ? 2 : 1);
      if (q < end) {
        queues = [];
        for (; q < end; q++) queues.push(latin1Slice(buf, t[2 * q], t[2 * q + 1]));
      }
    }
    const size = parseSize(buf, t[2 * (n - 1)], t[2 * (n - 1) + 1]);
    let hdrSize = -1;
    if (withHdr) {
      hdrSize = parseSize(buf, t[2 * (n - 2)], t[2 * (n - 2) + 1]);
      if (hdrSize < 0) return this.argsError(buf, s, e, n, hdr, origin, 'Bad or Missing Header Size', -1);
    }
    if (size < 0) return this.argsError(buf, s, e, n, hdr, origin, 'Bad or Missing Size', -1);
    if (withHdr && hdrSize > size) return this.argsError(buf, s, e, n, hdr, origin, 'Header Size larger then TotalSize', -1);
    // Most routed messages repeat the previous account and subject: their strings are reused.
    this.paAcc = this.accCache.get(buf, t[2 * off], t[2 * off + 1]);
    this.paOrigin = origin ? latin1Slice(buf, t[0], t[1]) : '';
    this.paSubject = this.subjCache.get(buf, t[2 * (1 + off)], t[2 * (1 + off) + 1]);
    this.paReply = reply;
    this.paQueues = queues;
    // LMSG always carries a header size, 0 when there are no headers.
    this.paHdr = withHdr && hdrSize > 0 ? hdrSize : -1;
    c.paSzb = null;
    c.paHdb = null;
    return size;
  }

  private readonly accCache = new BytesString();
  private readonly subjCache = new BytesString();

  /** An argument error of a routed message, in the reference's words; closes the route. */
  private argsError(buf: Buffer, s: number, e: number, n: number, hdr: boolean, origin: boolean, what: string, tok: number): number {
    const fn = origin ? 'processRoutedOriginClusterMsgArgs' : hdr ? 'processRoutedHeaderMsgArgs' : 'processRoutedMsgArgs';
    const t = this.tok;
    const str = (k: number) => latin1Slice(buf, t[2 * k], t[2 * k + 1]);
    // Go prints the split arguments ('[a b]'), the whole line, or the offending token, as each check does.
    const args = `[${Array.from({ length: Math.min(n, t.length >> 1) }, (_, k) => str(k)).join(' ')}]`;
    const text = tok >= 0 ? str(tok) : what === 'Parse Error' || what === 'Bad or Missing Size' ? args : buf.toString('latin1', s, e);
    this.c.protocolViolation(`${fn} ${what}: '${text}'`);
    return -1;
  }

  /** A PUB/HPUB on a route: the reference parses it and then finds no account ("") to deliver in. */
  notePub(subject: string): void {
    this.paAcc = '';
    this.paOrigin = '';
    this.paSubject = subject;
  }

  /** processInboundRoutedMsg: delivered in its account, to local subscribers only. */
  processInboundMsg(buf: Buffer, s: number, e: number): void {
    const c = this.c;
    const srv = c.server;
    if (srv.log.trace) c.trace(`<<- MSG_PAYLOAD: [${goQuote(buf.toString('latin1', s, e))}]`);
    const size = e - s;
    c.inMsgs++;
    c.inBytes += size;
    const st = srv.stats;
    st.inMsgs++;
    st.inBytes += size;
    st.inRouteMsgs++;
    st.inRouteBytes += size;
    let acc = this.lastAcc;
    if (acc === null || acc.name !== this.paAcc) {
      acc = this.paAcc === '' ? null : this.cluster.lookupAccount(this.paAcc);
      if (acc === null) {
        c.debug(`Unknown account ${goQuote(this.paAcc)} for routed message on subject: ${goQuote(this.paSubject)}`);
        return;
      }
      this.lastAcc = acc;
    }
    acc.deliverLocal(c, this.paSubject, this.paReply, buf, s, e, this.paHdr, null, this.paQueues);
    c.paView = null;
    c.paViewBuf = null;
  }

  /** A client-style publish permission check of our import permission (canImport), for RS+ we send. */
  canImport(subject: string): boolean {
    return this.perms === null || this.perms.canPublish(subject);
  }
}

/** Keeps the string of the last bytes seen (up to 64), to reuse it when the same bytes come again. */
export class BytesString {
  private readonly bytes = Buffer.allocUnsafe(64);
  private len = -1;
  private str = '';

  get(buf: Buffer, s: number, e: number): string {
    const len = e - s;
    if (len === this.len) {
      const b = this.bytes;
      let k = 0;
      while (k < len && b[k] === buf[s + k]) k++;
      if (k === len) return this.str;
    }
    this.str = latin1Slice(buf, s, e);
    if (len <= 64) {
      buf.copy(this.bytes, 0, s, e);
      this.len = len;
    } else this.len = -1;
    return this.str;
  }
}
