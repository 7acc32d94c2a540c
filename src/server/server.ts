// The server: listener, connection registry, INFO, accounts, the flush batch, the closed-connection
// ring, and shutdown. One Server per startServer() call; several can live in one process.
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { writeFileSync, unlinkSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { programName } from './program.js';
// listen({ host }) loads node:dns and node:cluster on its first call (~1.5 ms in a fresh process);
// loading them with the module keeps that out of the first startServer().
import 'node:dns';
import 'node:cluster';
import type { Duplex } from 'node:stream';
import { withDefaults, type ServerOptions } from '../options.js';
import { assertValidOptions } from '../options-validate.js';
import * as C from '../const.js';
import { Logger, nullSink, fnSink, stderrSink, FileSink, type LogSink } from '../log.js';
import { Client } from './client.js';
import { Kind } from './kind.js';
import { formatGoDuration as formatDuration } from '../config/duration.js';
import { Account } from '../accounts/account.js';
import { Authenticator } from '../auth/auth.js';
import { configureAccounts } from '../accounts/account-config.js';
import type { Service } from './service.js';
import { ClosedRing, closedInfo } from './closed.js';
import { newServerId } from './server-id.js';
import { duplexPair } from '../transport/inprocess.js';
import type { ConnExtras } from './connect.js';
import { type InfoFields } from '../protocol/encode.js';
import { E, ClosedState, type ClosedReason } from '../errors.js';
import { healthChannels } from './events.js';
import type { ReloadResult, Reloader } from './reload.js';
import { lameDuckMode } from './lameduck.js';
import { watchMemory, unwatchMemory } from './reclaim.js';
import { monoMs } from '../clock.js';
import type { ClientTls } from '../transport/tls.js';
import { need } from '../optional.js';
import { TsnatsError } from '../errors.js';
import { localHostPort } from '../transport/local-host.js';

/** Counters the monitoring endpoints serve (varz). */
export interface ServerStats {
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  totalConnections: number;
  slowConsumers: number;
  slowConsumerClients: number;
  slowConsumerRoutes: number;
  slowConsumerGateways: number;
  slowConsumerLeafs: number;
  staleConnections: number;
  staleClients: number;
  staleRoutes: number;
  staleGateways: number;
  staleLeafs: number;
  stalledClients: number;
  /** Messages and bytes received from and sent to routes (part of the totals above). */
  inRouteMsgs: number;
  inRouteBytes: number;
  outRouteMsgs: number;
  outRouteBytes: number;
  /** Messages and bytes received from and sent to leafnodes (part of the totals above). */
  inLeafMsgs: number;
  inLeafBytes: number;
  outLeafMsgs: number;
  outLeafBytes: number;
}

function newStats(): ServerStats {
  return {
    inMsgs: 0, outMsgs: 0, inBytes: 0, outBytes: 0, totalConnections: 0,
    slowConsumers: 0, slowConsumerClients: 0, slowConsumerRoutes: 0, slowConsumerGateways: 0, slowConsumerLeafs: 0,
    staleConnections: 0, staleClients: 0, staleRoutes: 0, staleGateways: 0, staleLeafs: 0, stalledClients: 0,
    inRouteMsgs: 0, inRouteBytes: 0, outRouteMsgs: 0, outRouteBytes: 0,
    inLeafMsgs: 0, inLeafBytes: 0, outLeafMsgs: 0, outLeafBytes: 0,
  };
}

export class Server extends EventEmitter {
  readonly opts: ServerOptions;
  readonly log: Logger;
  readonly id: string;
  readonly name: string;
  readonly startTime = new Date();
  configLoadTime = new Date();
  readonly stats: ServerStats = newStats();
  readonly clients = new Map<number, Client>();
  readonly accounts = new Map<string, Account>();
  readonly gacc: Account;
  sysAcc: Account | null = null;
  readonly closedClients: ClosedRing;
  auth: Authenticator;
  /** TLS on the client port (tls {}), or null; replaced by a reload that changes it (new connections use the new one). */
  tls: ClientTls | null = null;
  private listener: NetServer | null = null;
  private sockets = new Set<Duplex>();
  /** The port actually bound. */
  port = 0;
  private nextCid = 1;
  private dirty: Client[] = [];
  private flushScheduled = false;
  private readonly flushAll = () => this.flushDirty();
  running = false;
  inLameDuckMode = false;
  /** Bytes read from every connection since start (protocol included; reclaim.ts tells quiet from busy). */
  bytesRead = 0;
  /** The connection whose input is being processed (the producer of deliveries), or null. */
  currentProducer: Client | null = null;
  /** The cid of the connection read last, and when another connection's read took over (the fairness yield's contention test). */
  lastReaderCid = 0;
  readerSwitchAt = 0;
  private shuttingDown: Promise<void> | null = null;
  /** Where reloadConfig() gets new options (setReloader). */
  private reloader: Reloader | null = null;
  /** What plugs into the engine (monitor, system account, …), in order of attachment. */
  private readonly services: Service[] = [];
  /** The cluster's name in client INFO (`cluster`); '' without a cluster. Set by the cluster service. */
  clusterName = '';
  /**
   * The client URLs of the cluster (INFO `connect_urls`): this server's first, then the others';
   * empty until a route is up. Set by the cluster service.
   */
  connectURLs: string[] = [];
  /** The cluster's WebSocket URLs: what WebSocket clients get as `connect_urls`. */
  wsConnectURLs: string[] = [];
  /** When connect_urls last changed (ms): a client that connected before gets INFO at its first PING. */
  lastCURLsUpdate = 0;

  constructor(options: Partial<ServerOptions> = {}) {
    super();
    this.opts = withDefaults(options);
    const o = this.opts;
    // The same checks, and messages, as the config loader and the CLI (throws TsnatsError).
    assertValidOptions(o);
    // Reads the certificate files: a missing or mismatched file fails here, in the reference's words.
    if (o.tls) this.tls = buildClientTls(o.tls);
    this.log = new Logger({
      sink: makeSink(o),
      time: o.logtime,
      debug: o.debug,
      trace: o.trace,
      colors: o.log === true && !o.logFile && process.stderr.isTTY === true,
    });
    this.id = newServerId();
    this.name = o.serverName || this.id;
    this.closedClients = new ClosedRing(o.maxClosedClients);
    this.gacc = new Account(C.GLOBAL_ACCOUNT, !o.disableSublistCache);
    this.accounts.set(this.gacc.name, this.gacc);
    // Accounts with their limits, exports and imports (auth: account-config.ts; throws TsnatsError).
    configureAccounts(this.accounts, o.accounts ?? [], (name) => new Account(name, !o.disableSublistCache));
    if (!o.noSystemAccount) {
      let sys = this.accounts.get(o.systemAccount);
      if (!sys) {
        sys = new Account(o.systemAccount, !o.disableSublistCache);
        this.accounts.set(sys.name, sys);
      }
      this.sysAcc = sys;
    }
    this.auth = new Authenticator(o, this);
    // Operator mode: the system account is the operator's system_account, an account JWT.
    const opSys = this.auth.systemAccount();
    if (opSys !== null && !o.noSystemAccount) this.sysAcc = opSys;
    // With leafnode remotes and no cluster, the server name serves as the cluster name (NewServer).
    if ((o.leafnodes?.remotes?.length ?? 0) > 0 && (o.cluster?.port ?? 0) === 0 && !o.cluster?.name && o.serverName) this.clusterName = o.serverName;
    // cids 1..3 are taken by the reference's internal clients; start where it starts.
    this.nextCid = 4;
  }

  // ---------------------------------------------------------------- startup / shutdown

  async start(): Promise<void> {
    const o = this.opts;
    const log = this.log;
    log.notice(`Starting tsnats ${C.TSNATS_VERSION} (nats-server ${C.VERSION} protocol)`);
    log.notice(`  Version:  ${C.VERSION}`);
    log.notice(`  Git:      [not set]`);
    log.debugf(`  Node:     ${process.version}`);
    // The cluster's name (ClusterName): configured, or with leafnode remotes and no cluster the server name.
    const cn = o.cluster?.name || this.clusterName;
    if (cn) log.notice(`  Cluster:  ${cn}`);
    log.notice(`  Name:     ${this.name}`);
    log.notice(`  ID:       ${this.id}`);
    if (o.configFile) log.notice(`Using configuration file: ${o.configFile}`);
    this.auth.logStartup();
    if (this.sysAcc && !(o.accounts ?? []).some((a) => a.name === this.sysAcc!.name)) log.debugf(`Created system account: "${this.sysAcc.name}"`);
    if (o.maxPayload > C.MAX_PAYLOAD_WARN) log.warn(`Maximum payloads over ${C.MAX_PAYLOAD_WARN} bytes are not recommended`);

    // Services start before the client listener (the reference logs the monitor first).
    const started: Service[] = [];
    try {
      for (const s of this.services) {
        await s.start?.();
        started.push(s);
      }
    } catch (err) {
      for (const s of started.reverse()) await s.stop?.();
      throw err;
    }

    // Paused on accept: the connection picks how it reads (read-buffer.ts) before any byte is read.
    const listener = createNetServer({ noDelay: true, allowHalfOpen: false, pauseOnConnect: true });
    this.listener = listener;
    listener.on('connection', (sock: Socket) => this.acceptSocket(sock));
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      const port = o.port === -1 || o.port === 0 ? 0 : o.port;
      listener.listen({ host: o.host, port, exclusive: true }, () => {
        listener.off('error', reject);
        resolve();
      });
    }).catch(async (err) => {
      // no service listener or timer is left behind a failed start
      for (const s of started.reverse()) await s.stop?.();
      throw err;
    });
    listener.on('error', (err) => log.error(`Error accepting client connection: ${err.message}`));
    this.port = (listener.address() as { port: number }).port;
    this.running = true;
    if (o.reclaimMemory) watchMemory(this);
    log.notice(`Listening for client connections on ${hostPort(o.host, this.port)}`);
    if (this.tls !== null) {
      log.notice('TLS required for client connections');
      if (this.tls.handshakeFirst === 'on') log.warn('Clients that are not using "TLS Handshake First" option will fail to connect');
    }
    // Services that need the client port (the cluster announces it in connect_urls) start listening now.
    try {
      for (const s of this.services) await s.listening?.();
    } catch (err) {
      this.running = false;
      await this.stopAccepting();
      for (const s of started.reverse()) await s.stop?.();
      throw err;
    }
    if (o.pidFile) writeFileSync(o.pidFile, String(process.pid));
    if (o.portsFileDir) this.writePortsFile();
    log.notice('Server is ready');
  }

  portsFile(): string | null {
    const o = this.opts;
    if (!o.portsFileDir) return null;
    // <program>_<pid>.ports, as the reference names it (nats-server_<pid>.ports through our nats-server command).
    return join(o.portsFileDir, `${programName()}_${process.pid}.ports`);
  }

  writePortsFile(): void {
    // The reference's Ports struct: nats, monitoring, cluster, profile, websocket, leafnode.
    const entries: Record<string, string[]> = { nats: [this.clientURL()] };
    for (const s of this.services) Object.assign(entries, s.portsEntries?.());
    const ports: Record<string, string[]> = {};
    for (const k of PORTS_ORDER) if (entries[k] !== undefined) ports[k] = entries[k];
    // Written whole, then renamed into place: a harness polling for the file never reads it half-written.
    const file = this.portsFile()!;
    writeFileSync(`${file}.tmp`, JSON.stringify(ports));
    renameSync(`${file}.tmp`, file);
  }

  // ---------------------------------------------------------------- services

  /** Attaches a service (before start()). */
  use(s: Service): void {
    if (this.running) throw new Error(`service ${s.name}: attach services before start()`);
    this.services.push(s);
  }

  /** A new connection id (cid, rid): one sequence for every kind of connection, as the reference. */
  nextConnectionId(): number {
    return this.nextCid++;
  }

  /**
   * An INFO to every client that takes async INFOs (protocol 1, past its first PONG): the
   * cluster's connect_urls changed (sendAsyncInfoToClients).
   */
  sendAsyncInfoToClients(regular = true, websocket = true): void {
    if (!this.running) return;
    for (const c of this.clients.values()) {
      if (!(c.type === 'websocket' ? websocket : regular)) continue;
      if (c.wantsAsyncInfo()) c.sendInfo({ async: true });
    }
  }

  /** The attached service named `name`. */
  service<T extends Service = Service>(name: string): T | undefined {
    return this.services.find((s) => s.name === name) as T | undefined;
  }

  /** The TLS certificates changed (reload): services that serve them pick them up. */
  tlsChanged(): void {
    for (const s of this.services) s.tlsChanged?.();
  }

  /** The configuration of `acc` (or of every account) was applied again: services re-add theirs. */
  accountsChanged(acc?: Account): void {
    for (const s of this.services) s.accountsChanged?.(acc);
  }

  /** nats://host:port as clients should use it (127.0.0.1 for a wildcard bind). */
  get url(): string {
    return this.clientURL();
  }

  clientURL(): string {
    return `nats://${localHostPort(this.opts.host, this.port)}`;
  }

  /** Applies new options live (SIGHUP); all-or-nothing. See reload.ts. */
  reload(next: ServerOptions): ReloadResult {
    return need('reload').reloadServer(this, next);
  }

  /**
   * Sets where reloadConfig() gets new options (the CLI: its config file and flags). Without one,
   * a reload is refused as nats-server refuses it without a config file.
   */
  setReloader(fn: Reloader | null): void {
    this.reloader = fn;
  }

  /** Reloads the configuration as SIGHUP does (also `$SYS.REQ.SERVER.<id>.RELOAD`). */
  reloadConfig(): ReloadResult {
    return need('reload').reloadFromSource(this, this.reloader);
  }

  /** Lame duck mode (SIGUSR2): stop accepting, drain clients over lame_duck_duration, shut down. */
  lameDuckMode(): Promise<void> {
    return lameDuckMode(this);
  }

  /** Closes every client, listener and timer; resolves when all sockets are gone. */
  shutdown(): Promise<void> {
    if (this.shuttingDown) return this.shuttingDown;
    this.shuttingDown = (async () => {
      this.running = false;
      unwatchMemory(this);
      this.emit('shutdown_started');
      this.log.notice('Initiating Shutdown...');
      this.auth.operator?.close();
      // Services stop first (the system account's SHUTDOWN event is the last thing on $SYS).
      const stopping = [...this.services].reverse().map((s) => s.stop?.());
      const closedListener = this.stopAccepting();
      for (const c of [...this.clients.values()]) c.closeConnection(ClosedState.ServerShutdown);
      this.flushDirty();
      // Give sockets a moment to flush, then make sure every one is gone.
      const deadline = Date.now() + 1000;
      while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      for (const s of this.sockets) s.destroy();
      await closedListener;
      await Promise.all(stopping);
      if (this.opts.pidFile) tryUnlink(this.opts.pidFile);
      const pf = this.portsFile();
      if (pf) tryUnlink(pf);
      this.log.notice('Server Exiting..');
      this.log.close();
      this.emit('shutdown');
    })();
    return this.shuttingDown;
  }

  // ---------------------------------------------------------------- connections

  private acceptSocket(sock: Socket): void {
    // SO_KEEPALIVE so the kernel notices dead peers too (tcp_keepalive; reloadable, so per socket).
    const ka = this.opts.tcpKeepAlive;
    if (ka > 0) sock.setKeepAlive(true, ka);
    const host = sock.remoteAddress ?? '';
    const port = sock.remotePort ?? 0;
    this.acceptConnection(sock, host.startsWith('::ffff:') ? host.slice(7) : host, port);
  }

  /**
   * Takes any byte stream as a client connection (TCP socket, in-process Duplex, WebSocket, …).
   * `type` is /connz's (`nats`, `websocket`); `ext` what the transport learnt (connect.ts ConnExtras).
   */
  acceptConnection(sock: Duplex, host: string, port: number, type = 'nats', ext?: ConnExtras): Client | null {
    if (!this.running) {
      sock.destroy();
      return null;
    }
    this.sockets.add(sock);
    sock.once('close', () => this.sockets.delete(sock));
    const cid = this.nextCid++;
    const c = new Client(this, sock, cid, host, port, Kind.CLIENT, type, ext);
    this.stats.totalConnections++;
    // INFO goes first, then the limit check (captured: INFO, then -ERR).
    if (this.opts.maxConnections > 0 && this.clients.size >= this.opts.maxConnections) {
      c.account = this.gacc;
      c.sendInfo();
      c.sendErr(E.MaxConnections);
      c.error(E.MaxConnections);
      this.clients.set(cid, c);
      c.closeConnection(ClosedState.MaxConnectionsExceeded);
      this.flushDirty();
      return null;
    }
    c.account = this.gacc;
    this.clients.set(cid, c);
    c.init();
    return c;
  }

  /** Tracks another socket of a connection (the TLS socket over an accepted one) for shutdown. */
  trackSocket(sock: Duplex): void {
    this.sockets.add(sock);
    sock.once('close', () => this.sockets.delete(sock));
  }

  /**
   * Stops accepting new connections (lame duck, shutdown): the client listener and the services'
   * own (WebSocket); resolves when the client listener is closed.
   */
  stopAccepting(): Promise<void> {
    const l = this.listener;
    this.listener = null;
    for (const s of this.services) void s.stopAccepting?.();
    return l ? new Promise<void>((r) => l.close(() => r())) : Promise.resolve();
  }

  get accepting(): boolean {
    return this.listener !== null;
  }

  /** A client end of an in-process connection (no TCP): write protocol to it, read the server's. */
  connectInProcess(): Duplex {
    const [serverEnd, clientEnd] = duplexPair();
    this.acceptConnection(serverEnd, 'pipe', 0);
    return clientEnd;
  }

  // ---- authentication (auth/auth.ts): the authenticator is replaceable (reloadAuthorization swaps it)

  /** Credentials are checked at CONNECT and the auth timer runs. */
  authRequired(): boolean {
    return this.auth.required();
  }

  /** Logs an authentication failure (and emits it: the system account's CLIENT.AUTH.ERR event). */
  authFailed(c: Client): void {
    c.error(this.auth.failureLog(c));
    this.emit('client:auth_error', c);
  }

  clientConnected(c: Client): void {
    if (!c.account.clients.has(c)) c.account.addClient(c);
    this.emit('client:connect', c);
    if (healthChannels.connect.hasSubscribers) healthChannels.connect.publish({ server: this, client: c });
  }

  removeClient(c: Client): void {
    if (!this.clients.delete(c.cid)) return;
    c.account?.removeClient(c);
    if (c.kind === Kind.CLIENT) this.closedClients.add(closedInfo(c));
    this.emit('client:close', c, c.reason);
    if (healthChannels.close.hasSubscribers) healthChannels.close.publish({ server: this, client: c, reason: c.reason });
  }

  /**
   * INFO for a client, as the reference builds it (generateClientInfoJSON). `async`: an INFO after
   * the first, which the reference builds from its own INFO (copyInfo), where auth_required is set
   * whenever authentication is, no_auth_user or not (captured).
   */
  clientInfo(c: Client, async = false): InfoFields {
    const o = this.opts;
    const info: InfoFields = {
      server_id: this.id,
      server_name: this.name,
      version: C.VERSION,
      proto: C.PROTO_VERSION,
      go: `node${process.version}`,
      host: o.host,
      port: this.port,
      headers: !o.noHeaderSupport,
      auth_required: (async ? this.auth.required(c.type) : this.auth.expectConnect(c.type)) || undefined,
      // The client port's TLS (a WebSocket listener's TLS is its own: its INFO says nothing of it).
      ...(c.type === 'nats' ? this.tlsInfoFields(c.tls?.first === true) : {}),
      max_payload: c.mpay !== -1 ? c.mpay : o.maxPayload,
      // The server runs JetStream (info.JetStream; the domain too when one is set).
      jetstream: this.jetstreamInfo()?.enabled,
      domain: this.jetstreamInfo()?.domain,
      client_id: c.cid,
      client_ip: c.host,
      cluster: this.clusterName || undefined,
    };
    // WebSocket clients are told the cluster's WebSocket URLs (generateClientInfoJSON).
    const urls = c.type === 'websocket' ? this.wsConnectURLs : this.connectURLs;
    if (urls.length > 0) info.connect_urls = urls;
    // The nonce nkey/JWT clients sign: in the first INFO only (async INFOs carry none, as captured).
    if (this.auth.nonceRequired() && c.nonce === '') info.nonce = c.nonce = this.auth.newNonce();
    return info;
  }

  /** JetStream as INFO shows it: undefined when it is not running. */
  private jetstreamInfo(): { enabled: true; domain: string | undefined } | undefined {
    const js = this.service<Service & { js?: { running: boolean; config: { domain: string } } | null }>('jetstream')?.js;
    if (js === undefined || js === null || !js.running) return undefined;
    return { enabled: true, domain: js.config.domain || undefined };
  }

  /**
   * INFO's TLS fields (server.go: TLSRequired unless allow_non_tls, TLSVerify, TLSAvailable); a
   * connection that did the handshake first is told TLS is required (2.10 createClient).
   */
  tlsInfoFields(first = false): Pick<InfoFields, 'tls_required' | 'tls_verify' | 'tls_available'> {
    const t = this.tls;
    if (t === null) return {};
    const allow = this.opts.allowNonTls;
    return {
      tls_required: first || !allow || undefined,
      tls_verify: t.cfg.verify || t.cfg.verifyAndMap || undefined,
      tls_available: allow || undefined,
    };
  }

  /** Publishes a health event as a Server event and on its diagnostics channel. */
  emitHealth(kind: 'stale' | 'slow_consumer' | 'stall', c: Client): void {
    const ch = kind === 'stale' ? healthChannels.stale : kind === 'slow_consumer' ? healthChannels.slowConsumer : healthChannels.stall;
    this.emit(`client:${kind}`, c);
    if (ch.hasSubscribers) ch.publish({ server: this, client: c });
  }

  // ---------------------------------------------------------------- flush batching

  /** Queues a client for the end-of-batch flush: one write per connection per I/O batch. */
  markDirty(c: Client): void {
    this.dirty.push(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushAll);
    }
  }

  /** Internal work done for clients since the last flush (noteWork). */
  private workSinceFlush = 0;

  /**
   * One unit of internal work that answers a client during its read (a direct get, a JetStream API
   * or other internal request; not a stored message, whose ack goes out after the batch). After
   * FLUSH_EARLY_WORK units the connections with output are written
   * at once instead of at the end of the read batch: a requester with many requests in flight reads
   * its first answers and sends more while the rest are worked on, instead of the two sides taking
   * turns (nats-server's internal send loop overlaps them on another thread).
   */
  noteWork(): void {
    if (++this.workSinceFlush >= C.FLUSH_EARLY_WORK && this.dirty.length > 0) this.flushDirty(true);
  }

  /** Writes every dirty connection; `early`: from inside a read batch, the scheduled flush stays due. */
  private flushDirty(early = false): void {
    if (!early) this.flushScheduled = false;
    this.workSinceFlush = 0;
    const list = this.dirty;
    if (list.length === 0) return;
    this.dirty = [];
    // Busy polling: the next message (a reply, the next request) usually comes within tens of µs;
    // an event loop that goes to sleep in epoll_wait takes much longer to wake on a VM. Armed before
    // the writes, which an in-process peer may handle synchronously. Not after writes to routes
    // only: an answer from another server takes longer than the spin, which would only take a core
    // from that server (or its clients) when they share a machine.
    if (this.opts.busyPoll > 0 && hasClientWrite(list)) {
      this.lastFlushMono = monoMs();
      if (!this.busyPolling) {
        this.busyPolling = true;
        setImmediate(this.busyPollTick);
      }
    }
    for (let i = 0; i < list.length; i++) list[i].flush();
  }

  private lastFlushMono = 0;
  /** True while the event loop is kept polling after a flush (busy_poll). */
  busyPolling = false;
  /** A pending immediate keeps libuv's poll timeout at 0: the loop polls the sockets without sleeping. */
  private readonly busyPollTick = (): void => {
    if (this.running && monoMs() - this.lastFlushMono < this.opts.busyPoll) setImmediate(this.busyPollTick);
    else this.busyPolling = false;
  };

  // ---------------------------------------------------------------- introspection

  /**
   * The cid of an account's internal client, as the reference numbers them (the system account's is
   * 1, the global account's 2; others take the next cid the first time they are asked for).
   */
  internalClientId(acc: Account): number {
    let id = this.internalCids.get(acc);
    if (id === undefined) {
      id = acc === this.sysAcc ? 1 : acc === this.gacc ? 2 : this.nextCid++;
      this.internalCids.set(acc, id);
    }
    return id;
  }

  private readonly internalCids = new WeakMap<Account, number>();

  get numConnections(): number {
    return this.clients.size;
  }

  get numSubscriptions(): number {
    let n = 0;
    for (const a of this.accounts.values()) n += a.sl.size;
    return n;
  }

  closeClient(cid: number, reason: ClosedReason): boolean {
    const c = this.clients.get(cid);
    if (!c) return false;
    c.closeConnection(reason);
    return true;
  }

  uptime(): string {
    return formatDuration(Date.now() - this.startTime.getTime());
  }
}

/** Whether a flush batch writes to a client (not only to routes). */
function hasClientWrite(list: Client[]): boolean {
  for (let i = 0; i < list.length; i++) if (list[i].kind === Kind.CLIENT) return true;
  return false;
}

/** The ports file's keys, in the order of the reference's Ports struct. */
const PORTS_ORDER = ['nats', 'monitoring', 'cluster', 'profile', 'websocket', 'leafnode'];

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function tryUnlink(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    /* already gone */
  }
}

/** The client port's TLS for `cfg`, or the configuration error in the reference's words. */
export function buildClientTls(cfg: NonNullable<ServerOptions['tls']>): ClientTls {
  try {
    return new (need('tls').ClientTls)(cfg);
  } catch (e) {
    throw new TsnatsError('TLS_CONFIG', (e as Error).message);
  }
}

function makeSink(o: ServerOptions): LogSink {
  if (typeof o.log === 'function') return fnSink(o.log);
  if (o.logFile) return new FileSink(o.logFile, o.logSizeLimit);
  if (o.log === true) return stderrSink;
  return nullSink;
}
