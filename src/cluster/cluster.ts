// The cluster (route.go, server.go): a Service with the route listener, the routes it dials
// (configured ones forever, gossiped ones once or connect_retries times), the registry of routes by
// server id (the first connection to a server wins; a duplicate is closed), gossip (a new peer's
// INFO is forwarded to the other routes, and an INFO about an unknown server is dialled), the
// cluster's client URLs (connect_urls and async INFO to clients), lame duck and reload.
import { connect as netConnect, createServer as createNetServer, isIP, type Server as NetServer, type Socket } from 'node:net';
import { connectSharedRead, type SharedReader } from '../transport/read-buffer.js';
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import type { Server } from '../server/server.js';
import type { Service } from '../server/service.js';
import { Client, type ClientPermissions } from '../server/client.js';
import { Kind } from '../server/kind.js';
import type { Account } from '../accounts/account.js';
import { clusterAuthTimeoutMs, type ClusterOptions } from '../options.js';
import { Timer } from '../timers.js';
import { ClosedState, goQuote, type ClosedReason } from '../errors.js';
import { clientPermissions } from '../auth/permissions.js';
import { nextEventId } from '../system/nuid.js';
import * as C from '../const.js';
import { Route, RouteType } from './route.js';
import { Interest } from './interest.js';
import { marshalRouteInfo, routeConnectJSON, type RouteInfo } from './info.js';
import { joinHostPort, parseHostPort, parseRouteURL, redactedURL, sameRouteURL, type RouteURL } from './url.js';
import { CLUSTER_TLS_INSECURE_WARNING, RouteTls } from './tls.js';
import { startServerTls } from '../transport/tls.js';
import { startDialTls } from '../transport/tls-dial.js';
import { isWildcardHost, localHostPort } from '../transport/local-host.js';

/** RouteProtoV2: account-aware RS+/RS-/RMSG. */
export const ROUTE_PROTO = 2;
/** A dial gives up after this long (DEFAULT_ROUTE_DIAL). */
export const ROUTE_DIAL_MS = 1000;
/** Between dial attempts of one route (DEFAULT_ROUTE_CONNECT). */
export const ROUTE_CONNECT_DELAY_MS = 1000;
/** Before re-dialling a configured route that closed (DEFAULT_ROUTE_RECONNECT), plus up to 100 ms. */
export const ROUTE_RECONNECT_MS = 1000;

export class Cluster implements Service {
  readonly name = 'cluster';
  /** The cluster's name: configured, or a NUID that gives way to the first configured peer's. */
  clusterName: string;
  dynamic: boolean;
  readonly interest: Interest;
  /** Registered routes, by connection id. */
  readonly routes = new Map<number, Client>();
  /** Registered routes, by the peer's server_id (s.remotes). */
  readonly remotes = new Map<string, Route>();
  /** Route connections not registered yet (no INFO yet), closed at shutdown with the rest. */
  private readonly pending = new Set<Client>();
  private listener: NetServer | null = null;
  /** The bound cluster port. */
  port = 0;
  private running = false;
  private readonly timers = new Set<Timer>();
  private readonly dialing = new Set<Socket>();
  /** Client URLs of the other servers, reference-counted (clientConnectURLsMap). */
  private readonly others = new Map<string, number>();
  /** Their WebSocket URLs, likewise (websocket.connectURLsMap). */
  private readonly othersWs = new Map<string, number>();
  /** This server's client URLs (clientConnectURLs) and WebSocket URLs; emptied in lame duck mode. */
  private ownURLs: string[] = [];
  private ownWsURLs: string[] = [];
  /** host:port of our own listener on every local address (routesToSelf), for dials by name. */
  private readonly self = new Set<string>();
  private infoHost = '';
  private infoPort = 0;
  private infoIP = '';
  private readonly onLameDuck = () => this.lameDuck();
  /** cluster.tls (cluster/tls.ts): every route connection starts with a TLS handshake; null = plaintext. */
  tls: RouteTls | null;
  /** The first host name among the configured routes, the TLS name for routes dialled by IP (routeTLSName). */
  private tlsName = '';

  constructor(readonly srv: Server) {
    const name = srv.opts.cluster?.name ?? '';
    this.dynamic = name === '';
    this.clusterName = name === '' ? nextEventId() : name;
    this.interest = new Interest(() => this.registeredRoutes());
    const tls = srv.opts.cluster?.tls;
    this.tls = tls ? new RouteTls(tls) : null;
  }

  get opts(): ClusterOptions {
    return this.srv.opts.cluster ?? {};
  }

  get authRequired(): boolean {
    return (this.opts.username ?? '') !== '';
  }

  get authTimeout(): number {
    return clusterAuthTimeoutMs(this.opts);
  }

  get listenHost(): string {
    return this.opts.host || C.DEFAULT_HOST;
  }

  *registeredRoutes(): Iterable<Route> {
    for (const c of this.routes.values()) yield c.route!;
  }

  /** Our cluster permissions for a route connection (import = what we ask for, export = what we give). */
  routePermissions(): ClientPermissions | null {
    const p = this.opts.permissions;
    if (p === undefined) return null;
    return clientPermissions({ publish: p.import, subscribe: p.export }, (m) => this.srv.log.error(m));
  }

  // ---------------------------------------------------------------- service

  start(): void {
    this.srv.clusterName = this.clusterName;
  }

  /** After the client listener is up (StartRouting waits for it): listen, then dial the configured routes. */
  async listening(): Promise<void> {
    const srv = this.srv;
    const log = srv.log;
    this.ownURLs = clientConnectURLs(srv);
    this.ownWsURLs = websocketConnectURLs(srv);
    log.notice(`Cluster name is ${this.clusterName}`);
    if (this.dynamic) log.warn('Cluster name was dynamically generated, consider setting one');
    const l = createNetServer({ noDelay: true, allowHalfOpen: false, pauseOnConnect: true });
    const wanted = this.opts.port === -1 ? 0 : (this.opts.port ?? 0);
    await new Promise<void>((resolve, reject) => {
      l.once('error', (err: NodeJS.ErrnoException) => {
        reject(new Error(`Error listening on router port: ${wanted} - ${err.message}`));
      });
      l.listen({ host: this.listenHost, port: wanted, exclusive: true }, () => resolve());
    });
    l.on('error', (err) => log.error(`Error accepting route connection: ${err.message}`));
    l.on('connection', (sock: Socket) => this.accept(sock));
    this.listener = l;
    this.port = (l.address() as { port: number }).port;
    this.running = true;
    log.notice(`Listening for route connections on ${joinHostPort(this.listenHost, this.port)}`);
    this.setInfoHostPort();
    if (this.tls?.insecure) log.warn(CLUSTER_TLS_INSECURE_WARNING);
    for (const ip of localIPs()) this.self.add(joinHostPort(ip, this.port));
    for (const acc of srv.accounts.values()) this.interest.attach(acc);
    srv.on('lame_duck', this.onLameDuck);
    const routes = parseRoutes(srv.opts.routes ?? []);
    this.saveTlsName(routes);
    for (const u of routes) void this.connectToRoute(u, true, true);
  }

  /** Closes the listener and every route (no reconnects); the routes' queued bytes are flushed. */
  stop(): Promise<void> {
    this.running = false;
    this.srv.off('lame_duck', this.onLameDuck);
    for (const t of this.timers) t.clear();
    this.timers.clear();
    for (const s of this.dialing) s.destroy();
    this.dialing.clear();
    for (const c of [...this.routes.values(), ...this.pending]) {
      c.route!.noReconnect = true;
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
    return { cluster: [`nats://${localHostPort(this.listenHost, this.port)}`] };
  }

  // ---------------------------------------------------------------- connections

  private accept(sock: Socket): void {
    if (!this.running) return void sock.destroy();
    const ka = this.srv.opts.tcpKeepAlive;
    if (ka > 0) sock.setKeepAlive(true, ka);
    this.createRoute(sock, null);
  }

  /** createRoute: a route connection on an accepted or dialled socket; with TLS, the handshake first. */
  private createRoute(sock: Socket, url: RouteURL | null, reader?: SharedReader): void {
    const srv = this.srv;
    let host = sock.remoteAddress ?? '';
    if (host.startsWith('::ffff:')) host = host.slice(7);
    const c = new Client(srv, sock, srv.nextConnectionId(), host, sock.remotePort ?? 0, Kind.ROUTER);
    c.account = srv.gacc;
    const explicit = url !== null && this.isConfigured(url);
    c.route = new Route(this, c, url, url !== null, explicit ? RouteType.Explicit : RouteType.Implicit);
    this.pending.add(c);
    const tls = this.tls;
    if (tls === null) return c.init(reader);
    // Route CONNECT/INFO and the timers follow once the handshake succeeded (Client.startReading → Route.init).
    if (url === null) return startServerTls(c, sock, tls.server, 'route');
    // The URL's host; for an IP, the first host name among the configured routes (doTLSHandshake).
    const serverName = this.tlsName !== '' && isIP(url.host) !== 0 ? this.tlsName : url.host;
    startDialTls(c, sock, {
      context: tls.client,
      serverName,
      insecure: tls.insecure,
      timeoutMs: tls.timeoutMs,
      pinned: tls.pinned,
      typ: 'route',
      onHostnameError: () => {
        if (serverName === this.tlsName) this.tlsName = '';
      },
    });
  }

  /** saveRouteTLSName: the first configured route host that is not an IP. */
  private saveTlsName(routes: RouteURL[]): void {
    for (const u of routes) if (this.tlsName === '' && isIP(u.host) === 0) this.tlsName = u.host;
  }

  /** Is this URL one of the configured routes (routeStillValid)? */
  private isConfigured(url: RouteURL): boolean {
    for (const r of this.srv.opts.routes ?? []) {
      const u = parseRouteURL(r);
      if (typeof u !== 'string' && sameRouteURL(u, url)) return true;
    }
    return false;
  }

  /**
   * connectToRoute: dial `url` until it answers. A configured route (tryForever) is dialled every
   * second for as long as it stays configured; a gossiped one connect_retries more times.
   */
  private async connectToRoute(url: RouteURL, tryForever: boolean, firstConnect: boolean): Promise<void> {
    const srv = this.srv;
    let attempts = 0;
    while (this.running) {
      if (tryForever && !this.isConfigured(url)) return;
      let address: string;
      try {
        const a = await this.resolve(url);
        if (a === null) return; // only ourselves behind this name
        address = a;
      } catch (e) {
        address = '';
        if (!(await this.dialFailed(url, (e as Error).message, ++attempts, tryForever, firstConnect))) return;
        continue;
      }
      srv.log.debugf(`Trying to connect to route on ${url.hostPort} (${address})`);
      const r = await this.dial(address);
      if (!this.running) {
        if (typeof r !== 'string') r.sock.destroy();
        return;
      }
      if (typeof r === 'string') {
        if (!(await this.dialFailed(url, r, ++attempts, tryForever, firstConnect))) return;
        continue;
      }
      if (tryForever && !this.isConfigured(url)) return void r.sock.destroy();
      this.createRoute(r.sock, url, r.reader);
      return;
    }
  }

  /** Logs a failed dial; resolves whether to try again (after the delay). */
  private async dialFailed(url: RouteURL, err: string, attempts: number, tryForever: boolean, firstConnect: boolean): Promise<boolean> {
    const o = this.srv.opts;
    const every = firstConnect ? o.connectErrorReports : o.reconnectErrorReports;
    const msg = `Error trying to connect to route (attempt ${attempts}): ${err}`;
    if (attempts === 1 || (every > 0 && attempts % every === 0)) this.srv.log.error(msg);
    else this.srv.log.debugf(msg);
    if (!tryForever) {
      const retries = this.opts.connectRetries ?? 0;
      if (retries <= 0 || attempts > retries) return false;
    }
    return this.sleep(ROUTE_CONNECT_DELAY_MS);
  }

  /** Resolves after ms (true), or false as soon as the cluster stops. */
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

  /** getRandomIP: an address for the URL's host, never our own listener (routesToSelf); null if only ours. */
  private async resolve(url: RouteURL): Promise<string | null> {
    if (isIP(url.host) !== 0) return joinHostPort(url.host, url.port);
    let ips: string[];
    try {
      ips = (await lookup(url.host, { all: true })).map((a) => a.address);
    } catch (e) {
      throw new Error(`lookup for host ${goQuote(url.host)}: ${(e as NodeJS.ErrnoException).code === 'ENOTFOUND' ? `lookup ${url.host}: no such host` : (e as Error).message}`);
    }
    ips = ips.filter((ip) => !this.self.has(joinHostPort(ip, url.port)));
    if (ips.length === 0) return null;
    return joinHostPort(ips[Math.floor(Math.random() * ips.length)], url.port);
  }

  /**
   * A TCP connection to `address` within ROUTE_DIAL_MS (reading into the shared buffer, or, for
   * TLS, left to node:tls), or Go's text for why not.
   */
  private dial(address: string): Promise<{ sock: Socket; reader?: SharedReader } | string> {
    const i = address.lastIndexOf(':');
    const host = address.slice(0, i).replace(/^\[|\]$/g, '');
    const port = Number(address.slice(i + 1));
    return new Promise((resolve) => {
      const { sock, reader } = this.tls === null ? connectSharedRead({ host, port, noDelay: true }) : { sock: netConnect({ host, port, noDelay: true }), reader: undefined };
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
      const t = new Timer(() => done(`dial tcp ${address}: i/o timeout`), ROUTE_DIAL_MS);
      sock.once('connect', () => {
        const ka = this.srv.opts.tcpKeepAlive;
        if (ka > 0) sock.setKeepAlive(true, ka);
        done(sock);
      });
      sock.once('error', (err: NodeJS.ErrnoException) => done(`dial tcp ${address}: ${goDialError(err)}`));
      sock.once('close', () => done(`dial tcp ${address}: connection closed`));
    });
  }

  // ---------------------------------------------------------------- registry

  /** addRoute: registers the first connection to a server id; a later one is a duplicate. */
  addRoute(route: Route, info: RouteInfo): void {
    const c = route.c;
    const id = route.remoteID;
    const existing = this.remotes.get(id);
    if (!this.running || (existing !== undefined && existing !== route)) {
      if (existing !== undefined) {
        // The surviving connection takes over the dialler's URL, so that it reconnects; and it
        // retries even when implicit (both sides may have kept opposite connections).
        if (route.didSolicit) {
          existing.didSolicit = true;
          existing.url = route.url;
          existing.routeType = route.routeType;
        }
        existing.retry = true;
      }
      c.debug(`Detected duplicate remote route ${goQuote(id)}`);
      return c.closeConnection(ClosedState.DuplicateRoute);
    }
    this.pending.delete(c);
    this.routes.set(c.cid, c);
    this.remotes.set(id, route);
    route.registered = true;
    route.connectURLs = info.connect_urls;
    route.wsConnectURLs = info.ws_connect_urls;
    route.leafnodeURLs = info.leafnode_urls;
    c.debug(`Registering remote route ${goQuote(id)}`);
    this.interest.sendAll(route);
    // Tell the other routes about the new one (forwardNewRouteInfoToKnownServers); no space before CRLF.
    if (this.routes.size > 1) {
      const frame = Buffer.from(`INFO ${marshalRouteInfo(route.gossipInfo(info))}\r\n`, 'utf8');
      for (const r of this.registeredRoutes()) {
        if (r === route || r.remoteID === id) continue;
        r.c.queueBytes(frame);
        r.c.flushSoon();
      }
    }
    if (!this.opts.noAdvertise) this.addConnectURLs(info.connect_urls, info.ws_connect_urls);
    this.srv.emit('route:connect', c);
  }

  /** A route connection closed (closeConnection for ROUTER): its interest goes, its URLs go, maybe redial. */
  routeClosed(route: Route, reason: ClosedReason): void {
    const c = route.c;
    route.removeRemoteSubs();
    this.pending.delete(c);
    if (route.registered) {
      this.routes.delete(c.cid);
      if (this.remotes.get(route.remoteID) === route) this.remotes.delete(route.remoteID);
      if (!this.opts.noAdvertise) this.removeConnectURLs(route.connectURLs, route.wsConnectURLs);
      this.srv.emit('route:close', c, reason);
    }
    this.reconnect(route);
  }

  /** client.go reconnect for routes. */
  private reconnect(route: Route): void {
    if (route.noReconnect || !this.running) return;
    const retryImplicit = route.retry || (route.didSolicit && route.routeType === RouteType.Implicit);
    if (!route.didSolicit && !retryImplicit) return;
    const url = route.url;
    if (url === null) return;
    const log = this.srv.log;
    const rid = route.remoteID;
    if (rid !== '' && this.remotes.has(rid)) return log.debugf(`Not attempting reconnect for solicited route, already connected to "${rid}"`);
    if (rid === this.srv.id) return log.debugf(`Detected route to self, ignoring ${goQuote(redactedURL(url))}`);
    if (route.routeType === RouteType.Implicit && !retryImplicit) return;
    log.debugf(`Attempting reconnect for solicited route "${redactedURL(url)}"`);
    // A random delay so that two servers dialling each other do not collide again (reConnectToRoute).
    const explicit = route.routeType === RouteType.Explicit;
    const delay = Math.floor(Math.random() * 100) + (explicit ? ROUTE_RECONNECT_MS : 0);
    void this.sleep(delay).then((ok) => {
      if (ok) void this.connectToRoute(url, explicit, false);
    });
  }

  /** An INFO on a route about another server (processImplicitRoute): dial it unless known or configured. */
  processImplicitRoute(info: RouteInfo): void {
    const srv = this.srv;
    if (info.server_id === srv.id || this.remotes.has(info.server_id)) return;
    // hasThisRouteConfigured: host:port of the INFO among the configured routes.
    const hp = joinHostPort(info.host, info.port).toLowerCase();
    for (const r of srv.opts.routes ?? []) {
      const u = parseRouteURL(r);
      if (typeof u !== 'string' && u.hostPort.toLowerCase() === hp) return;
    }
    let url = parseRouteURL(info.ip);
    if (typeof url === 'string') return srv.log.error(`Error parsing URL from INFO: ${url}`);
    if (info.auth_required) {
      const user = encodeURIComponent(this.opts.username ?? '');
      const pass = encodeURIComponent(this.opts.password ?? '');
      const withAuth = parseRouteURL(url.text.replace('://', `://${user}:${pass}@`));
      if (typeof withAuth !== 'string') url = withAuth;
    }
    void this.connectToRoute(url, false, true);
  }

  /** The URL of an accepted route, from the host and port of its INFO. */
  urlFromInfo(info: RouteInfo): RouteURL | null {
    const u = parseRouteURL(`nats-route://${joinHostPort(info.host, info.port)}/`);
    return typeof u === 'string' ? null : u;
  }

  /** A dynamic cluster name gives way (setClusterName): every other route goes. */
  adoptName(name: string, configured: boolean, keep: Client): void {
    this.clusterName = name;
    this.srv.clusterName = name;
    if (configured) this.dynamic = false;
    for (const c of [...this.routes.values()]) if (c !== keep) c.closeConnection(ClosedState.ClusterNameConflict);
  }

  /** The account a route names (an unknown one is refused, as with the static resolver). */
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

  // ---------------------------------------------------------------- INFO and CONNECT

  /** Host, port and ip of our route INFO (setRouteInfoHostPortAndIP). */
  private setInfoHostPort(): void {
    const adv = this.opts.advertise ?? '';
    if (adv !== '') {
      const hp = parseHostPort(adv, this.port);
      if (typeof hp !== 'string') {
        this.infoHost = hp.host;
        this.infoPort = hp.port;
        this.infoIP = `nats-route://${joinHostPort(hp.host, hp.port)}/`;
        return;
      }
    }
    this.infoHost = this.listenHost;
    this.infoPort = this.port;
    this.infoIP = '';
  }

  /** Our route INFO: `INFO {…} \r\n`, with a nonce in the first one of a connection. */
  routeInfoFrame(withNonce: boolean, ldm = false): Buffer {
    const srv = this.srv;
    const o = this.opts;
    const info: Partial<RouteInfo> = {
      server_id: srv.id,
      server_name: srv.name,
      version: C.VERSION,
      proto: ROUTE_PROTO,
      go: `node${process.version}`,
      host: this.infoHost,
      port: this.infoPort,
      headers: !srv.opts.noHeaderSupport,
      auth_required: this.authRequired,
      tls_required: this.tls !== null,
      tls_verify: this.tls !== null,
      max_payload: srv.opts.maxPayload,
      ip: this.infoIP,
      nonce: withNonce ? srv.auth.newNonce() : '',
      cluster: this.clusterName,
      cluster_dynamic: this.dynamic,
      connect_urls: o.noAdvertise ? [] : this.ownURLs,
      ws_connect_urls: o.noAdvertise ? [] : this.ownWsURLs,
      ldm,
      leafnode_urls: this.leafnodeURLs(),
      import: o.permissions?.import ?? null,
      export: o.permissions?.export ?? null,
      lnoc: true,
    };
    return Buffer.from(`INFO ${marshalRouteInfo(info)} \r\n`, 'utf8');
  }

  /** Our leafnode URL for the route INFO (leafnode_urls), unless leafnodes.no_advertise. */
  private leafnodeURLs(): string[] {
    const ln = this.srv.service<{ readonly name: string; advertisedURL(): string }>('leafnodes');
    const u = ln?.advertisedURL() ?? '';
    return u === '' ? [] : [u];
  }

  /** Our CONNECT on a route we dialled (sendRouteConnect): credentials from the URL. */
  connectJSON(url: RouteURL): string {
    return routeConnectJSON({
      user: url.user,
      pass: url.pass,
      tls_required: this.tls !== null,
      headers: !this.srv.opts.noHeaderSupport,
      name: this.srv.id,
      cluster: this.clusterName,
      cluster_dynamic: this.dynamic,
      lnoc: true,
    });
  }

  // ---------------------------------------------------------------- connect_urls

  /** updateServerINFOAndSendINFOToClients (add): another server's client and WebSocket URLs. */
  addConnectURLs(urls: string[], wsUrls: string[] = []): void {
    const add = (m: Map<string, number>, list: string[]) => {
      let updated = false;
      for (const u of list) {
        const n = m.get(u) ?? 0;
        m.set(u, n + 1);
        if (n === 0) updated = true;
      }
      return updated;
    };
    this.connectURLsChanged(add(this.others, urls), add(this.othersWs, wsUrls));
  }

  /** updateServerINFOAndSendINFOToClients (remove). */
  removeConnectURLs(urls: string[], wsUrls: string[] = []): void {
    const remove = (m: Map<string, number>, list: string[]) => {
      let updated = false;
      for (const u of list) {
        const n = m.get(u);
        if (n === undefined) continue;
        if (n <= 1) {
          m.delete(u);
          updated = true;
        } else m.set(u, n - 1);
      }
      return updated;
    };
    this.connectURLsChanged(remove(this.others, urls), remove(this.othersWs, wsUrls));
  }

  /** Our URLs first, then the others'; an async INFO to the clients whose list changed. */
  private connectURLsChanged(cli: boolean, ws: boolean): void {
    if (!cli && !ws) return;
    const srv = this.srv;
    if (cli) srv.connectURLs = [...this.ownURLs, ...this.others.keys()];
    if (ws) srv.wsConnectURLs = [...this.ownWsURLs, ...this.othersWs.keys()];
    srv.lastCURLsUpdate = Date.now();
    srv.sendAsyncInfoToClients(cli, ws);
  }

  /** Lame duck (sendLDMToRoutes, sendLDMToClients): routes learn it; clients are told only the others. */
  private lameDuck(): void {
    const frame = this.routeInfoFrame(false, true);
    for (const c of this.routes.values()) {
      c.queueBytes(frame);
      c.flushSoon();
    }
    this.ownURLs = [];
    this.ownWsURLs = [];
    this.srv.connectURLs = this.opts.noAdvertise ? [] : [...this.others.keys()];
    this.srv.wsConnectURLs = this.opts.noAdvertise ? [] : [...this.othersWs.keys()];
  }

  // ---------------------------------------------------------------- reload

  /** routes added and removed live (routesOption.Apply). */
  routesChanged(oldRoutes: string[], newRoutes: string[]): void {
    const olds = parseRoutes(oldRoutes);
    const news = parseRoutes(newRoutes);
    const removed = olds.filter((o) => !news.some((n) => sameRouteURL(o, n)));
    const added = news.filter((n) => !olds.some((o) => sameRouteURL(o, n)));
    for (const u of removed) {
      for (const c of [...this.routes.values(), ...this.pending]) {
        const r = c.route!;
        if (r.url !== null && sameRouteURL(r.url, u)) {
          r.noReconnect = true;
          c.closeConnection(ClosedState.RouteRemoved);
          this.srv.log.notice(`Removed route ${u.text}`);
        }
      }
    }
    this.saveTlsName(added);
    for (const u of added) void this.connectToRoute(u, true, true);
  }

  /**
   * cluster { … } changed (clusterOption.Apply): advertise, authorization, no_advertise, name; with
   * new permissions (reloadClusterPermissions) every route gets our new INFO, the RS+/RS- that the
   * new import permission calls for, and loses the remote interest the new export one refuses.
   */
  clusterChanged(old: ClusterOptions | undefined, tls?: RouteTls | null): void {
    // New route connections use the new TLS settings; routes already up keep their session.
    if (tls !== undefined) this.tls = tls;
    if (this.tls?.insecure) this.srv.log.warn(CLUSTER_TLS_INSECURE_WARNING);
    this.setInfoHostPort();
    const name = this.opts.name ?? '';
    if (name !== '' && name !== this.clusterName) {
      this.clusterName = name;
      this.dynamic = false;
      this.srv.clusterName = name;
    }
    if (JSON.stringify(old?.permissions ?? null) === JSON.stringify(this.opts.permissions ?? null)) return;
    const frame = this.routeInfoFrame(false);
    for (const r of this.registeredRoutes()) {
      const before = r.perms;
      r.perms = this.routePermissions();
      r.c.queueBytes(frame);
      this.interest.resendChanged(r, (s) => before === null || before.canPublish(s));
      r.dropUnexportable();
      r.c.flushSoon();
    }
  }

  /** Registered routes for /routez and $SYS, in connection order. */
  routeList(): Client[] {
    return [...this.routes.values()].sort((a, b) => a.cid - b.cid);
  }
}

function parseRoutes(list: string[]): RouteURL[] {
  return list.map(parseRouteURL).filter((u): u is RouteURL => typeof u !== 'string');
}

/** Go's text for a failed dial (syscall errors as Go prints them). */
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

/** This server's client URLs (getClientConnectURLs): client_advertise, or every address behind a wildcard. */
function clientConnectURLs(srv: Server): string[] {
  const o = srv.opts;
  if (o.clientAdvertise) {
    const hp = parseHostPort(o.clientAdvertise, srv.port);
    if (typeof hp !== 'string') return [joinHostPort(hp.host, hp.port)];
  }
  const host = o.host;
  if (isWildcardHost(host)) {
    const ips = localIPs().filter((ip) => ip !== '127.0.0.1' && ip !== '::1' && !ip.startsWith('fe80:'));
    if (ips.length > 0) return ips.map((ip) => joinHostPort(ip, srv.port));
    srv.log.error(`Address ${goQuote(host)} can not be resolved properly`);
    return [];
  }
  return [joinHostPort(host, srv.port)];
}

/** This server's WebSocket client URLs (websocket.connectURLs): its advertise, or its listener. */
function websocketConnectURLs(srv: Server): string[] {
  const w = srv.opts.websocket;
  const port = srv.service<{ readonly name: string; readonly port: number }>('websocket')?.port ?? 0;
  if (w === undefined || port === 0) return [];
  if (w.advertise) {
    const hp = parseHostPort(w.advertise, port);
    if (typeof hp !== 'string') return [joinHostPort(hp.host, hp.port)];
  }
  const host = w.host ?? srv.opts.host;
  if (isWildcardHost(host)) {
    return localIPs().filter((ip) => ip !== '127.0.0.1' && ip !== '::1' && !ip.startsWith('fe80:')).map((ip) => joinHostPort(ip, port));
  }
  return [joinHostPort(host, port)];
}

/** The addresses of this machine's interfaces. */
function localIPs(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.push(a.address);
  return out;
}
