// Leafnodes (leafnode.go, server.go): a Service with the leafnode listener (this server is the hub
// of the leafs that connect to it), the remotes it dials (this server is their leaf: forever, every
// `reconnect` interval, rotating through the URLs the hub advertises), the registry of leaf
// connections (by connection and by account; a duplicate from the same server replaces the old
// one), each account's `$LDS.` loop-detection subject, the cluster's leafnode URLs (ours plus those
// our routes announce; async INFO to our leafs when they change), and how leafs authenticate.
import { createServer as createNetServer, connect as netConnect, isIP, type Server as NetServer, type Socket } from 'node:net';
import type { ClientTls } from '../transport/tls.js';
import { connectSharedRead, type SharedReader } from '../transport/read-buffer.js';
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import type { Server } from '../server/server.js';
import type { Service } from '../server/service.js';
import { Client } from '../server/client.js';
import { Kind } from '../server/kind.js';
import type { Account } from '../accounts/account.js';
import type { LeafNodeOptions } from '../options.js';
import { Timer } from '../timers.js';
import { ClosedState, goQuote, type ClosedReason } from '../errors.js';
import { comparePasswords, type AuthResult } from '../auth/auth.js';
import { nextEventId } from '../system/nuid.js';
import { joinHostPort, parseHostPort } from '../cluster/url.js';
import type { RouteInfo } from '../cluster/info.js';
import * as C from '../const.js';
import { closedInfo } from '../server/closed.js';
import { Leaf, LDS_PREFIX } from './leaf.js';
import { LeafInterest } from './interest.js';
import { RemoteCfg } from './remote.js';
import { leafInfoFrame } from './info.js';
import { checkCredsFile } from './creds.js';
import { redactedLeafURL, type LeafURL } from './url.js';
import { localHostPort } from '../transport/local-host.js';

/** DEFAULT_LEAF_NODE_RECONNECT. */
export const LEAF_RECONNECT_MS = 1000;
/** A dial gives up after this long (the route dial timeout, DEFAULT_ROUTE_DIAL). */
export const LEAF_DIAL_MS = 1000;

export class LeafNodes implements Service {
  readonly name = 'leafnodes';
  readonly interest: LeafInterest;
  /** Registered leaf connections, by connection id (s.leafs). */
  readonly leafs = new Map<number, Client>();
  /** Leaf connections not registered yet (before CONNECT / connect_info). */
  private readonly pending = new Set<Client>();
  /** Registered leaf connections of each account (acc.lleafs). */
  private readonly byAccount = new Map<Account, Set<Client>>();
  /** The configured remotes. */
  remotes: RemoteCfg[] = [];
  /** Each account's loop-detection subject (acc.lds), made the first time a leaf binds to it. */
  private readonly lds = new Map<Account, string>();
  /** The cluster's leafnode URLs, reference-counted (leafURLsMap): ours and those routes announce. */
  private readonly urlsMap = new Map<string, number>();
  private listener: NetServer | null = null;
  /** The bound leafnode port (0 without a listener). */
  port = 0;
  private running = false;
  private readonly timers = new Set<Timer>();
  private readonly dialing = new Set<Socket>();
  private infoHost = '';
  private infoPort = 0;
  /** host:port of our listener as leafs see it (INFO ip, leafnode_urls). */
  infoIP = '';
  /** Loops detected on this server (doctor). */
  loopsDetected = 0;
  /** leafnodes.tls: the listener's TLS (accepted leafs handshake after the INFO); null = plaintext. */
  tls: ClientTls | null = null;
  private readonly onRouteConnect = (c: Client) => this.routeChanged(c, true);
  private readonly onRouteClose = (c: Client) => this.routeChanged(c, false);

  constructor(readonly srv: Server) {
    this.interest = new LeafInterest(this);
  }

  get opts(): LeafNodeOptions {
    return this.srv.opts.leafnodes ?? {};
  }

  get authTimeout(): number {
    return this.opts.authorization?.timeout || C.DEFAULT_AUTH_TIMEOUT_MS;
  }

  get reconnectInterval(): number {
    return this.opts.reconnect || LEAF_RECONNECT_MS;
  }

  /** The cluster name sent in CONNECT and checked against a leaf's (cachedClusterName). */
  get clusterName(): string {
    return this.srv.clusterName;
  }

  get listenHost(): string {
    return this.opts.host || C.DEFAULT_HOST;
  }

  // ---------------------------------------------------------------- service

  /** The listener (before the client listener, as startLeafNodeAcceptLoop runs before AcceptLoop). */
  async start(): Promise<void> {
    const srv = this.srv;
    const o = this.opts;
    this.running = true;
    if ((o.port ?? 0) === 0) return;
    if (o.tls !== undefined) {
      const { ClientTls } = await import('../transport/tls.js');
      this.tls = new ClientTls(o.tls);
    }
    const l = createNetServer({ noDelay: true, allowHalfOpen: false, pauseOnConnect: true });
    const wanted = o.port === -1 ? 0 : o.port!;
    await new Promise<void>((resolve, reject) => {
      l.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`Error listening on leafnode port: ${o.port} - ${err.message}`)));
      l.listen({ host: this.listenHost, port: wanted, exclusive: true }, () => resolve());
    });
    l.on('error', (err) => srv.log.error(`Error accepting leafnode connection: ${err.message}`));
    l.on('connection', (sock: Socket) => this.accept(sock));
    this.listener = l;
    this.port = (l.address() as { port: number }).port;
    srv.log.notice(`Listening for leafnode connections on ${joinHostPort(this.listenHost, this.port)}`);
    this.setInfoHostPort();
    this.urlsMap.set(this.infoIP, 1);
  }

  /** After the client listener: track accounts, follow the routes' leafnode URLs, dial the remotes. */
  listening(): void {
    const srv = this.srv;
    for (const acc of srv.accounts.values()) this.interest.attach(acc);
    srv.on('route:connect', this.onRouteConnect);
    srv.on('route:close', this.onRouteClose);
    const sysName = srv.sysAcc?.name ?? '';
    (this.opts.remotes ?? []).forEach((r, i) => {
      const rc = new RemoteCfg(r, i);
      this.remotes.push(rc);
      if (sysName !== '' && r.account === sysName) {
        if (r.denyExports?.length) srv.log.notice('Remote for System Account uses restricted export permissions');
        if (r.denyImports?.length) srv.log.notice('Remote for System Account uses restricted import permissions');
      }
      if (r.credentials) {
        const why = checkCredsFile(r.credentials);
        if (why !== null) srv.log.error(why);
      }
      void this.connectToRemote(rc, true);
    });
  }

  /** Closes the listener and every leaf connection (no reconnects). */
  stop(): Promise<void> {
    this.running = false;
    const srv = this.srv;
    srv.off('route:connect', this.onRouteConnect);
    srv.off('route:close', this.onRouteClose);
    for (const t of this.timers) t.clear();
    this.timers.clear();
    for (const s of this.dialing) s.destroy();
    this.dialing.clear();
    for (const r of this.remotes) r.stopped = true;
    for (const c of [...this.leafs.values(), ...this.pending]) {
      c.leaf!.noReconnect = true;
      c.closeConnection(ClosedState.ServerShutdown);
    }
    this.interest.detachAll();
    const l = this.listener;
    this.listener = null;
    return l ? new Promise<void>((r) => l.close(() => r())) : Promise.resolve();
  }

  accountsChanged(acc?: Account): void {
    if (!this.running) return;
    if (acc !== undefined) this.interest.attach(acc);
    else for (const a of this.srv.accounts.values()) this.interest.attach(a);
  }

  portsEntries(): Record<string, string[]> {
    if (this.listener === null) return {};
    return { leafnode: [`nats://${localHostPort(this.listenHost, this.port)}`] };
  }

  // ---------------------------------------------------------------- INFO

  /** setLeafNodeInfoHostPortAndIP: advertise, or the listener (a wildcard resolved to a non-local IP). */
  private setInfoHostPort(): void {
    const adv = this.opts.advertise ?? '';
    if (adv !== '') {
      const hp = parseHostPort(adv, this.port);
      if (typeof hp !== 'string') {
        this.infoHost = hp.host;
        this.infoPort = hp.port;
        this.infoIP = joinHostPort(hp.host, hp.port);
        this.srv.log.notice(`Advertise address for leafnode is set to ${this.infoIP}`);
        return;
      }
    }
    let host = this.listenHost;
    if (host === '0.0.0.0' || host === '::') {
      const ips = nonLocalIPs();
      if (ips.length === 0) this.srv.log.error(`Could not find any non-local IP for leafnode's listen specification ${goQuote(host)}`);
      else host = ips[0];
    }
    this.infoHost = host;
    this.infoPort = this.port;
    this.infoIP = joinHostPort(host, this.port);
  }

  /** The leafnode URLs of the cluster, ours first (getAsStringSlice keeps insertion order). */
  leafnodeURLs(): string[] {
    return [...this.urlsMap.keys()];
  }

  /** Our leafnode URL for the route INFO ('' with no_advertise or no listener). */
  advertisedURL(): string {
    if (this.listener === null || this.opts.noAdvertise) return '';
    return this.infoIP;
  }

  /**
   * The hub's INFO to leaf `c`: the first (client_id, nonce), the CONNECT answer (`leaf`: client_id,
   * connect_info, remote_account, the user's import/export), or an async one (neither: `c` null).
   */
  infoFrame(c: Client | null, first: boolean, leaf?: Leaf): Buffer {
    const srv = this.srv;
    const info: Partial<RouteInfo> = {
      server_id: srv.id,
      server_name: srv.name,
      version: C.VERSION,
      proto: 1,
      go: `node${process.version}`,
      host: this.infoHost,
      port: this.infoPort,
      headers: !srv.opts.noHeaderSupport,
      auth_required: true,
      tls_required: this.tls !== null,
      tls_verify: this.tls !== null && (this.opts.tls?.verify === true || this.opts.tls?.verifyAndMap === true),
      max_payload: srv.opts.maxPayload,
      ip: this.infoIP,
      cluster: this.clusterName,
      info_on_connect: true,
      leafnode_urls: this.leafnodeURLs(),
    };
    if (c !== null) info.client_id = c.cid;
    if (first && c !== null) {
      c.nonce = srv.auth.newNonce();
      info.nonce = c.nonce;
    }
    if (leaf !== undefined) {
      info.connect_info = true;
      info.remote_account = c!.account.name;
      const p = leaf.userPerms;
      if (p?.subscribe) info.import = p.subscribe;
      if (p?.publish) info.export = p.publish;
    }
    return leafInfoFrame(info);
  }

  /** sendAsyncLeafNodeInfo: the cluster's leafnode URLs changed. */
  private sendAsyncInfo(): void {
    const frame = this.infoFrame(null, false);
    for (const c of this.leafs.values()) {
      if (c.leaf!.solicited) continue;
      c.queueBytes(frame);
      c.flushSoon();
    }
  }

  /** A route came or went: its leafnode URLs join or leave ours (addLeafNodeURL / removeLeafNodeURL). */
  private routeChanged(c: Client, up: boolean): void {
    const urls = c.route?.leafnodeURLs ?? [];
    let changed = false;
    for (const u of urls) {
      const n = this.urlsMap.get(u) ?? 0;
      if (up) {
        this.urlsMap.set(u, n + 1);
        if (n === 0) changed = true;
      } else if (n > 0) {
        if (n === 1) {
          this.urlsMap.delete(u);
          changed = true;
        } else this.urlsMap.set(u, n - 1);
      }
    }
    if (changed && this.running && this.listener !== null) this.sendAsyncInfo();
  }

  // ---------------------------------------------------------------- accounts

  /** The account `name` (an operator-mode account resolved through the resolver), or null. */
  lookupAccount(name: string): Account | null {
    const srv = this.srv;
    const acc = srv.accounts.get(name);
    if (acc !== undefined) return acc;
    const op = srv.auth.operator;
    if (op === null) return null;
    try {
      return op.lookupAccount(srv, name);
    } catch {
      return null;
    }
  }

  /** The account's `$LDS.<nuid>` (getLDSubject), made on first use. */
  ldsSubject(acc: Account): string {
    let s = this.lds.get(acc);
    if (s === undefined) {
      s = LDS_PREFIX + nextEventId();
      this.lds.set(acc, s);
    }
    return s;
  }

  /** The registered leaf connections bound to `acc`. */
  leafsOf(acc: Account): Iterable<Client> {
    return this.byAccount.get(acc) ?? [];
  }

  // ---------------------------------------------------------------- authentication (hub side)

  /**
   * isLeafNodeAuthorized: leafnodes.authorization's single user, or its users, bind the account
   * they name ($G when none); without either, the leaf is checked as a client would be (users,
   * nkeys, operator JWTs, no_auth_user; no authentication at all binds $G).
   */
  authorize(c: Client): boolean | Promise<boolean> {
    const srv = this.srv;
    const a = this.opts.authorization;
    const leaf = c.leaf!;
    const bindTo = (user: string, accName: string | undefined): boolean => {
      let acc: Account | null = srv.gacc;
      if (accName) {
        acc = this.lookupAccount(accName);
        if (acc === null) {
          srv.log.error(`authentication of user ${goQuote(c.opts.user)} failed, unable to lookup account ${goQuote(accName)}: account not found`);
          return false;
        }
      }
      c.bindLeaf(acc, user, null);
      leaf.applyUserPermissions(undefined);
      return true;
    };
    const check = (user: string, pass: string, accName: string | undefined): boolean | Promise<boolean> => {
      if (user !== c.opts.user) return false;
      const ok = comparePasswords(pass, c.opts.pass);
      if (ok instanceof Promise) return ok.then((v) => v && bindTo(user, accName));
      return ok && bindTo(user, accName);
    };
    if (a?.user) return check(a.user, a.password ?? '', a.account);
    if (a?.users && a.users.length > 0) {
      const u = a.users.find((x) => x.user === c.opts.user);
      if (u === undefined) return false;
      return check(u.user, u.password ?? '', u.account);
    }
    const r = srv.auth.authenticate(c);
    const grant = (res: AuthResult | null): boolean => {
      if (res === null || c.closed) return false;
      c.bindLeaf(res.account, res.user, res);
      leaf.applyUserPermissions(res.permissions);
      return true;
    };
    return r instanceof Promise ? r.then(grant) : grant(r);
  }

  // ---------------------------------------------------------------- registry

  /** addLeafNodeConnection: an accepted leaf from the same server, cluster and account replaces the older one. */
  addLeaf(leaf: Leaf, checkDup: boolean): void {
    const c = leaf.c;
    let old: Client | null = null;
    if (checkDup && leaf.remoteServer !== '') {
      for (const o of this.leafs.values()) {
        const ol = o.leaf!;
        if (!ol.solicited && ol.remoteServer === leaf.remoteServer && ol.remoteCluster === leaf.remoteCluster && o.account === c.account) {
          old = o;
          break;
        }
      }
    }
    this.pending.delete(c);
    this.leafs.set(c.cid, c);
    let set = this.byAccount.get(c.account);
    if (set === undefined) this.byAccount.set(c.account, (set = new Set()));
    set.add(c);
    this.interest.attach(c.account);
    if (old !== null) {
      old.sendErr(ClosedState.DuplicateRemoteLeafnodeConnection);
      old.error(ClosedState.DuplicateRemoteLeafnodeConnection);
      old.closeConnection(ClosedState.DuplicateRemoteLeafnodeConnection);
      c.warn('Replacing connection from same server');
    }
  }

  /** Called once a leaf registered (its interest is about to be sent): events. */
  leafRegistered(leaf: Leaf): void {
    this.srv.emit('leaf:connect', leaf.c);
  }

  /** A leaf connection closed: it leaves the registry; a solicited one is dialled again. */
  leafClosed(leaf: Leaf, reason: ClosedReason): void {
    const c = leaf.c;
    this.pending.delete(c);
    const wasRegistered = this.leafs.delete(c.cid);
    const set = this.byAccount.get(c.account);
    if (set !== undefined) {
      set.delete(c);
      if (set.size === 0) this.byAccount.delete(c.account);
    }
    const remote = leaf.remote;
    if (remote !== null) {
      if (remote.conn === c) remote.conn = null;
      if (wasRegistered) remote.noteClosed(reason);
    }
    if (wasRegistered) this.srv.emit('leaf:close', c, reason);
    // Closed leaf connections are kept for /connz?state=closed, as the reference's saveClosedClient.
    this.srv.closedClients.add(closedInfo(c));
    if (remote !== null && !leaf.noReconnect && this.running && !remote.stopped) this.reconnect(remote);
  }

  /** Registered leaf connections in connection order (/leafz). */
  leafList(): Client[] {
    return [...this.leafs.values()].sort((a, b) => a.cid - b.cid);
  }

  // ---------------------------------------------------------------- connections

  private accept(sock: Socket): void {
    if (!this.running) return void sock.destroy();
    const ka = this.srv.opts.tcpKeepAlive;
    if (ka > 0) sock.setKeepAlive(true, ka);
    this.createLeafNode(sock, null);
  }

  /** createLeafNode: a leaf connection on an accepted socket (remote null) or a dialled one. */
  private createLeafNode(sock: Socket, remote: RemoteCfg | null, reader?: SharedReader): void {
    const srv = this.srv;
    srv.trackSocket(sock);
    let host = sock.remoteAddress ?? '';
    if (host.startsWith('::ffff:')) host = host.slice(7);
    const c = new Client(srv, sock, srv.nextConnectionId(), host, sock.remotePort ?? 0, Kind.LEAF, 'leafnode');
    let acc: Account | null = srv.gacc;
    if (remote !== null) {
      acc = this.lookupAccount(remote.localAccount);
      if (acc === null) {
        c.account = srv.gacc;
        c.leaf = new Leaf(this, c, remote);
        this.pending.add(c);
        const err = `Unable to lookup account ${remote.localAccount} for solicited leafnode connection: account not found`;
        remote.noteFailure(err);
        c.closeConnection(ClosedState.MissingAccount);
        srv.log.error(err);
        return;
      }
    }
    c.account = acc;
    c.leaf = new Leaf(this, c, remote);
    c.leaf.tlsCapable = reader === undefined;
    this.pending.add(c);
    if (remote !== null) {
      remote.conn = c;
      c.notice(`Leafnode connection created for account: ${acc.name} `);
    } else {
      c.notice('Leafnode connection created ');
    }
    c.init(reader);
  }

  /**
   * connectToRemoteLeafNode: dial the remote's URLs in turn, every reconnect interval, until one
   * answers (no limit on attempts), after the delay a loop or a same-name hub asked for.
   */
  private async connectToRemote(remote: RemoteCfg, firstConnect: boolean): Promise<void> {
    const srv = this.srv;
    if (remote.configured.length === 0) return srv.log.debugf('Empty remote leafnode definition, nothing to connect');
    if (remote.connDelay > 0) {
      const d = remote.connDelay;
      if (!(await this.sleep(d))) return;
      remote.connDelay = 0;
    }
    let attempts = 0;
    while (this.running && !remote.stopped) {
      const u = remote.pickNextURL();
      let address: string;
      let err = '';
      try {
        address = await this.resolve(u);
        srv.log.debugf(`Trying to connect as leafnode to remote server on ${goQuote(u.hostPort)}${address !== u.hostPort ? ` (${address})` : ''}`);
      } catch (e) {
        address = '';
        err = (e as Error).message;
      }
      let sock: { sock: Socket; reader: SharedReader | undefined } | string = err;
      if (err === '') sock = await this.dial(address, remote.tlsRequired);
      if (!this.running || remote.stopped) {
        if (typeof sock !== 'string') sock.sock.destroy();
        return;
      }
      if (typeof sock === 'string') {
        attempts++;
        remote.noteFailure(sock);
        const o = srv.opts;
        const every = firstConnect ? o.connectErrorReports : o.reconnectErrorReports;
        const msg = `Error trying to connect as leafnode to remote server ${goQuote(u.hostPort)} (attempt ${attempts}): ${sock}`;
        if (attempts === 1 || (every > 0 && attempts % every === 0)) srv.log.error(msg);
        else srv.log.debugf(msg);
        if (!(await this.sleep(this.reconnectInterval))) return;
        continue;
      }
      this.createLeafNode(sock.sock, remote, sock.reader);
      return;
    }
  }

  /** reConnectToRemoteLeafNode: wait the reconnect interval, then dial. */
  private reconnect(remote: RemoteCfg): void {
    void this.sleep(this.reconnectInterval).then((ok) => {
      if (ok && !remote.stopped) void this.connectToRemote(remote, false);
    });
  }

  /** Resolves after ms (true), or false as soon as the service stops. */
  private sleep(ms: number): Promise<boolean> {
    if (!this.running) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = new Timer(() => {
        this.timers.delete(t);
        resolve(this.running);
      }, ms);
      this.timers.add(t);
    });
  }

  /** getRandomIP: an address for the URL's host. */
  private async resolve(u: LeafURL): Promise<string> {
    if (isIP(u.host) !== 0) return joinHostPort(u.host, u.port);
    let ips: string[];
    try {
      ips = (await lookup(u.host, { all: true })).map((a) => a.address);
    } catch (e) {
      throw new Error(`lookup ${u.host}: ${(e as NodeJS.ErrnoException).code === 'ENOTFOUND' ? 'no such host' : (e as Error).message}`);
    }
    if (ips.length === 0) throw new Error(`lookup ${u.host}: no such host`);
    return joinHostPort(ips[Math.floor(Math.random() * ips.length)], u.port);
  }

  /**
   * A TCP connection within LEAF_DIAL_MS, or Go's text for why not: reading into the shared buffer,
   * unless TLS will take it over (`plain`).
   */
  private dial(address: string, plain: boolean): Promise<{ sock: Socket; reader: SharedReader | undefined } | string> {
    const i = address.lastIndexOf(':');
    const host = address.slice(0, i).replace(/^\[|\]$/g, '');
    const port = Number(address.slice(i + 1));
    return new Promise((resolve) => {
      const { sock, reader } = plain ? { sock: netConnect({ host, port, noDelay: true }), reader: undefined } : connectSharedRead({ host, port, noDelay: true });
      this.dialing.add(sock);
      const done = (r: Socket | string) => {
        t.clear();
        this.dialing.delete(sock);
        sock.removeAllListeners('error');
        sock.removeAllListeners('connect');
        sock.removeAllListeners('close');
        if (typeof r === 'string') {
          sock.destroy();
          resolve(r);
        } else resolve({ sock, reader });
      };
      const t = new Timer(() => done(`dial tcp ${address}: i/o timeout`), LEAF_DIAL_MS);
      sock.once('connect', () => {
        const ka = this.srv.opts.tcpKeepAlive;
        if (ka > 0) sock.setKeepAlive(true, ka);
        done(sock);
      });
      sock.once('error', (err: NodeJS.ErrnoException) => done(`dial tcp ${address}: ${goDialError(err)}`));
      sock.once('close', () => done(`dial tcp ${address}: connection closed`));
    });
  }

  /** A remote's URL for logs (password redacted). */
  static redacted(u: LeafURL): string {
    return redactedLeafURL(u);
  }
}

/** Go's text for a failed dial. */
function goDialError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED': return 'connect: connection refused';
    case 'EHOSTUNREACH': return 'connect: no route to host';
    case 'ENETUNREACH': return 'connect: network is unreachable';
    case 'ETIMEDOUT': return 'i/o timeout';
    case 'ECONNRESET': return 'read: connection reset by peer';
    default: return err.message;
  }
}

/** The first non-local addresses (getNonLocalIPsIfHostIsIPAny). */
function nonLocalIPs(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal || a.address.startsWith('fe80:')) continue;
      out.push(a.address);
    }
  }
  return out;
}
