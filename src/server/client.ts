// One connection: read → parse → process*, keepalive, limits, the outbound queue, and close with a
// reason. Names follow nats-server's client.go (processPub, deliverMsg, queueOutbound,
// processPingTimer, applyAccountLimits, closeConnection) so the two can be read side by side.
//
// A connection has a kind (server/kind.ts): the kind decides which operations its peer may send
// (the parser's table) and how it is counted. The producer stall is in stall.ts, frames in
// protocol/encode.ts; authentication (auth/) only answers who the user is, the connection applies
// the answer (bind, applyAccountLimits).
//
// Reads may arrive in the shared read buffer (transport/read-buffer.ts): nothing here keeps a
// reference to the bytes passed to readBatch or the process* methods past the call.
import type { Duplex } from 'node:stream';
import { Socket } from 'node:net';
import { Parser, type ParserHandler } from '../protocol/parser.js';
import { OK, PING, PONG, errFrame, infoFrame, writeMsgHeader, writeServerMsgHeader, OP_H, OP_L, OP_R, type ReplyWriter } from '../protocol/encode.js';
import { isReservedReply, isGWRoutedSubject, parseSize, splitArgs, protoSnippet } from '../protocol/args.js';
import { E, ClosedState, type ClosedReason, goQuote, replyViolation, pubViolation, subViolation } from '../errors.js';
import { isValidLiteralSubject, isValidQueue, subjectMatches } from '../subjects/subject.js';
import { Subscription } from './subscription.js';
import { readIntoShared, type SharedReader } from '../transport/read-buffer.js';
import { decodeClientOpts, decodeClientInfo, defaultClientOpts, type ClientOpts, type ConnExtras } from './connect.js';
import { Kind, KIND_OPS, KIND_NAMES } from './kind.js';
import { stallProducer, unstall, releaseStalled } from './stall.js';
import { latin1Slice, writableChunks, stopReads, startReads } from '../node-internals.js';
import { Timer } from '../timers.js';
import { formatGoDuration as formatDuration } from '../config/duration.js';
import { monoMs } from '../clock.js';
import * as C from '../const.js';
import { authUserDesc, redactConnect, bindNoAuthUser, type AuthResult } from '../auth/auth.js';
import { clientPermissions } from '../auth/permissions.js';
import { importedResponse } from '../accounts/imports.js';
import type { Server } from './server.js';
import type { Account } from '../accounts/account.js';
import type { ClientTlsInfo } from '../transport/tls.js';
import { need } from '../optional.js';
import type { Route } from '../cluster/route.js';
import type { Leaf } from '../leaf/leaf.js';
import type { AuthResult as Grant } from '../auth/auth.js';

/** What a user may publish and subscribe to (implemented in auth/permissions.ts). */
export interface ClientPermissions {
  /** May this connection publish to `subject`? (deny wins; allow_responses included) */
  canPublish(subject: string): boolean;
  /** May it subscribe to `subject` (in queue group `queue`)? */
  canSubscribe(subject: string, queue: string | null): boolean;
  /** Must a message on `subject` matched by a wildcard subscription be withheld (subscribe deny)? */
  denyDelivery(subject: string): boolean;
  /** A message with reply subject `reply` was delivered to this connection (allow_responses). */
  noteReply(reply: string): void;
}

/** Frame overhead beyond subject, sid, reply and payload: "HMSG " + 4 separators + 2 sizes + 2 CRLF. */
const FRAME_OVERHEAD = 5 + 4 + 40 + 4;
/** Smallest and largest outbound buffer allocated per flush. */
const OUT_MIN = 512;
const OUT_MAX = 64 * 1024;
/** Routes have no max_control_line in the reference; a generous bound keeps a peer's line in memory in check. */
const ROUTE_MAX_CONTROL_LINE = 1024 * 1024;
/** A connection already past its subscription limit when its limits are applied is closed this much later. */
const MAX_SUBS_CLOSE_DELAY_MS = 20;

/** The lower of two limits where -1 is none (minLimit), and whether the second one won. */
function minLimit(v: number, limit: number): [number, boolean] {
  if (v !== -1) return limit !== -1 && limit < v ? [limit, true] : [v, false];
  return limit !== -1 ? [limit, true] : [v, false];
}

export class Client implements ParserHandler {
  // ---- identity
  readonly cid: number;
  readonly kind: Kind;
  /** How the bytes arrive: 'nats' (TCP, in-process), 'websocket', … (/connz, allowed_connection_types). */
  readonly type: string;
  readonly host: string;
  readonly port: number;
  readonly start = new Date();
  /** Time the connection object was created (ms, monotonic clock), for the first RTT estimate. */
  private readonly startMono = monoMs();
  /** "ip:port - cid:N" then ` - "name"` once CONNECT names it: the log prefix ("rid:N" for routes). */
  private logPrefix: string;
  /** The route protocol state of a ROUTER connection (cluster/route.ts); null for other kinds. */
  route: Route | null = null;
  /** The leafnode protocol state of a LEAF connection (leaf/leaf.ts); null for other kinds. */
  leaf: Leaf | null = null;
  /** "ip:port - cid:N" ("[xff/]ip:port - wid:N" for WebSocket clients, "rid:N" for routes): the prefix before CONNECT names it. */
  private readonly connStr: string;
  /** websocket.jwt_cookie's JWT from the upgrade request ('' = none). */
  private readonly cookieJwt: string;

  // ---- TLS (transport/tls.ts)
  /** The TLS session once the handshake succeeded; null for plaintext (and while handshaking). */
  tls: ClientTlsInfo | null = null;
  /** Why TLS (or the certificate mapping) failed, for /connz?state=closed (tsnats extension). */
  tlsError = '';

  // ---- CONNECT and state
  opts: ClientOpts = defaultClientOpts();
  echo = true;
  headers = false;
  connectReceived = false;
  closed = false;
  /** True while an asynchronous credential check (bcrypt…) runs: reading is paused. */
  suspended = false;
  reason: ClosedReason | null = null;
  stop: Date | null = null;

  // ---- who it is and what it may do (bind, applyAccountLimits)
  account!: Account;
  /** authorized user name, for logs and /connz?auth=1. */
  user = '';
  /** Per-connection limits in force (user's, account's and server's combined); -1 = no limit (jwt.NoLimit). */
  mpay: number;
  msubs: number;
  /** The user's own limits (a user JWT's payload/subs; -1 = none), kept to combine again on reload. */
  private userMpay = -1;
  private userMsubs = -1;
  /** Publish/subscribe permissions of the authorized user; null = everything allowed. */
  perms: ClientPermissions | null = null;
  /** The nonce of the INFO this connection got (nkey and JWT clients sign it); '' = none sent. */
  nonce = '';
  /** Operator mode: the user JWT's public key and issue time (for revocations). */
  jwtUser: { sub: string; iat: number } | null = null;
  private authTimer: Timer | null = null;
  /** When the credentials expire (setExpirationTimer). */
  private expiryTimer: Timer | null = null;

  // ---- subscriptions
  subs: Map<string, Subscription> | null = null;
  /** Subscriptions the connection had when it closed (for the closed-connections ring). */
  subsAtClose: Subscription[] | null = null;

  // ---- statistics (in: from the peer; out: to the peer)
  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;
  /** Times this connection, falling behind, stalled a producer (2.12 connz `stalls`). */
  stalls = 0;
  /** Last activity (ms since epoch): inbound messages or subscription changes, and deliveries. */
  last: number;
  /**
   * Last inbound activity (messages or subscription changes from the peer). Keepalive looks at
   * this, not at `last`, which deliveries also refresh: a frozen subscriber that keeps being sent
   * messages must still be PINGed (nats-server 2.9.16+ lastIn; 2.9.10 let deliveries delay PINGs).
   */
  private lastIn = 0;
  /** Set by a read batch that carried messages or subscription changes. */
  private activity = false;

  // ---- keepalive (processPingTimer)
  private pingTimer: Timer | null = null;
  /** tsnats extension: a PING unanswered for ping_timeout makes the connection stale. */
  private pingTimeoutTimer: Timer | null = null;
  pingsOut = 0;
  /** When the last server PING was sent (ms, monotonic), 0 = never. */
  private rttStart = 0;
  /** Round-trip time in ms (fractional), 0 = unknown. */
  rtt = 0;
  /** When the peer last sent a PING (ms since epoch). */
  private lastClientPing = 0;
  private firstPongSent = false;

  // ---- read: the parser and the PUB being read
  private readonly parser: Parser;
  private paSubject = '';
  private paReply = '';
  private paHdr = -1;
  /** Whether paSubject is a valid literal subject: 1 yes, 0 no, -1 not checked yet. */
  private paSubjectLiteral = -1;
  /** A view of the payload being delivered, shared by its deliveries (see deliverMsg). */
  paView: Uint8Array | null = null;
  paViewBuf: Buffer | null = null;
  paViewStart = -1;
  /** Size tokens as written, kept only when not canonical ("002"): MSG repeats them verbatim. */
  paSzb: string | null = null;
  paHdb: string | null = null;
  /** Argument bounds of SUB/UNSUB lines (splitArgs). */
  private readonly argTok = new Int32Array(8);

  // ---- outbound queue (queueOutbound, flushOutbound)
  private out: Buffer | null = null;
  private outPos = 0;
  private outFull: Buffer[] | null = null;
  /** Bytes queued here and not yet handed to the socket. */
  private pendingOut = 0;
  /** Bytes handed to the socket and not yet written to the kernel. */
  private sockPending = 0;
  private outSize = OUT_MIN;
  dirty = false;
  /** Messages were queued since the last flush (the flush then counts as activity). */
  private msgsQueued = false;
  private wdTimer: Timer | null = null;
  /** Bytes the socket had written when the write deadline was armed (routes: progress keeps them open). */
  private wdWritten = 0;
  private readonly onWriteDone: (err?: Error | null) => void;

  // ---- producer stall (stall.ts)
  /** Producers paused because this connection fell behind (the reference's stall channel). */
  stalled: Client[] | null = null;
  /** Set while this connection, as a producer, is paused by a slow subscriber. */
  stalledBy: Client | null = null;
  stallTimer: Timer | null = null;

  constructor(
    readonly server: Server,
    /** The byte stream: the accepted socket, or the TLS socket over it once the handshake is done. */
    public sock: Duplex,
    cid: number,
    host: string,
    port: number,
    kind: Kind = Kind.CLIENT,
    type = 'nats',
    ext?: ConnExtras,
  ) {
    this.cid = cid;
    this.kind = kind;
    this.host = host;
    this.port = port;
    this.type = type;
    this.last = this.start.getTime();
    const o = server.opts;
    // Routes have no payload or subscription limits (createRoute: msubs -1, mpay -1).
    this.mpay = o.maxPayload > 0 && kind === Kind.CLIENT ? o.maxPayload : -1;
    this.msubs = o.maxSubscriptions > 0 && kind === Kind.CLIENT ? o.maxSubscriptions : -1;
    // initClient: "<ip:port> - cid:N"; WebSocket clients "wid:N", with X-Forwarded-For in front; routes "rid:N", leafs "lid:N".
    let conn = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const xff = ext?.clientIP ?? '';
    if (xff !== '') conn = `${xff.includes(':') ? `[${xff}]` : xff}/${conn}`;
    this.connStr = `${conn} - ${kind === Kind.ROUTER ? 'rid' : kind === Kind.LEAF ? 'lid' : type === 'websocket' ? 'wid' : 'cid'}:${cid}`;
    this.logPrefix = this.connStr;
    this.cookieJwt = ext?.cookieJwt ?? '';
    this.parser = new Parser(this, KIND_OPS[kind]);
    this.onWriteDone = (err) => {
      if (err) return; // the socket's 'error' handler closes
      this.sockPending = this.sock.writableLength;
      if (this.sockPending === 0 && this.wdTimer !== null) {
        this.wdTimer.clear();
        this.wdTimer = null;
      }
      if (this.stalled !== null && this.pendingOut + this.sockPending <= this.server.opts.maxPending >> 1) releaseStalled(this);
    };
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Called by the server once the connection is registered: INFO (and the TLS handshake) for a client,
   * CONNECT/INFO for a route, then reading. `reader`: a socket already reading into the shared buffer
   * (one the server dialled) hands its reads here.
   */
  init(reader?: SharedReader): void {
    if (this.route === null && this.leaf === null) this.debug('Client connection created');
    const tls = this.server.tls;
    if (tls !== null && this.kind === Kind.CLIENT && this.type === 'nats' && this.sock instanceof Socket) {
      // INFO, the handshake and its deadline; startReading() once it succeeded (transport/tls.ts).
      need('tls').startClientTls(this, this.sock, tls, this.server.opts.allowNonTls);
      return;
    }
    // An accepted leaf on a listener with leafnodes.tls: INFO, then the handshake, as for clients.
    const ltls = this.leaf?.acceptTls ?? null;
    if (ltls !== null && this.sock instanceof Socket) {
      need('tls').startClientTls(this, this.sock, ltls, false);
      return;
    }
    if (this.route === null && this.leaf === null) this.sendInfo();
    this.startReading(this.sock, true, reader);
  }

  /**
   * Starts reading NATS from `sock` (the accepted socket, or the TLS socket once the handshake
   * is done) and arms the auth and ping timers: after TLS, as the reference (createClient), so a
   * slow handshake never eats into the auth timeout. `shared`: the socket may read into the shared
   * buffer (an untouched TCP socket); a TLS socket, or one bytes were pushed back into, cannot.
   */
  startReading(sock: Duplex, shared: boolean, reader?: SharedReader): void {
    const srv = this.server;
    if (this.closed) {
      sock.destroy();
      return;
    }
    if (sock !== this.sock) {
      this.sock = sock;
      srv.trackSocket(sock);
    }
    const read = (chunk: Buffer) => this.readBatch(chunk);
    if (reader !== undefined) reader.onBytes = read;
    else if (!shared || !readIntoShared(sock, read)) sock.on('data', read);
    sock.on('end', () => this.closeConnection(ClosedState.ClientClosed));
    sock.on('error', (err: NodeJS.ErrnoException) => this.onSocketError(err));
    sock.on('close', () => this.closeConnection(ClosedState.ClientClosed));
    if (this.route !== null) {
      // CONNECT/INFO, the auth and first PING timers of a route (route.go createRoute).
      this.route.init();
    } else if (this.leaf !== null) {
      // The hub's INFO and auth timer, or the leaf's wait for that INFO (leafnode.go createLeafNode).
      this.leaf.init();
    } else {
      if (srv.auth.required(this.type)) {
        // WebSocket clients: websocket.authorization.timeout when set (createWSClient).
        const wsTimeout = this.type === 'websocket' ? (srv.opts.websocket?.authorization?.timeout ?? 0) : 0;
        this.authTimer = new Timer(() => this.authTimeout(), wsTimeout > 0 ? wsTimeout : srv.opts.authTimeout);
      }
      // Before CONNECT, the keepalive timer runs at ping_interval (setPingTimer at accept).
      this.setPingTimer(srv.opts.pingInterval);
    }
    // Accepted sockets start paused (pauseOnConnect), so the read mode could be chosen first.
    sock.resume();
  }

  private onSocketError(err: NodeJS.ErrnoException): void {
    if (this.closed) return;
    // EPIPE comes from a write; anything else (ECONNRESET, ETIMEDOUT…) from the read side.
    if (err.code === 'WS_PROTOCOL_ERROR') {
      // A WebSocket framing error (transport/ws): nats-server's readLoop logs it as an error.
      this.error(`read error: ${err.message}`);
      this.closeConnection(ClosedState.ReadError, true);
    } else if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_WRITE_AFTER_END') {
      this.debug(`Error flushing: ${err.message}`);
      this.closeConnection(ClosedState.WriteError, true);
    } else {
      this.debug(`Error reading from client: ${err.message}`);
      this.closeConnection(ClosedState.ReadError, true);
    }
  }

  /**
   * The client INFO. `async`: an INFO sent after the first (cluster changes, lame duck, limits),
   * built from the server's INFO as the reference copies it (copyInfo): auth_required as the
   * server requires it even when a no_auth_user let this client in without credentials.
   */
  sendInfo(extra?: { ldm?: boolean; async?: boolean }): void {
    // A leaf connection's first INFO is the hub's (the TLS handshake sends it through here).
    if (this.leaf !== null) return this.leaf.sendFirstInfo();
    const info = this.server.clientInfo(this, extra?.async === true || extra?.ldm === true);
    if (extra?.ldm) info.ldm = true;
    this.queueBytes(infoFrame(info));
    this.flushSoon();
  }

  /** The connection name string of the log prefix (nats-server's `ncs`): "v1.2:go:name". */
  private updateLogPrefix(): void {
    const o = this.opts;
    let ncs = '';
    if (o.version) ncs = `v${o.version}`;
    if (o.lang) ncs = o.version ? `${ncs}:${o.lang}` : o.lang;
    if (o.name) ncs = o.version || o.lang ? `${ncs}:${o.name}` : o.name;
    if (ncs) this.logPrefix = `${this.connStr} - ${goQuote(ncs)}`;
  }

  get prefix(): string {
    return this.logPrefix;
  }

  // ---------------------------------------------------------------- logging
  notice(msg: string): void { this.server.log.notice(`${this.logPrefix} - ${msg}`); }
  warn(msg: string): void { this.server.log.warn(`${this.logPrefix} - ${msg}`); }
  error(msg: string): void { this.server.log.error(`${this.logPrefix} - ${msg}`); }
  debug(msg: string): void { if (this.server.log.debug) this.server.log.log('DBG', `${this.logPrefix} - ${msg}`); }
  trace(msg: string): void { if (this.server.log.trace) this.server.log.log('TRC', `${this.logPrefix} - ${msg}`); }

  private traceIn(op: string, buf?: Buffer, s?: number, e?: number): void {
    if (buf === undefined) this.trace(`<<- [${op}]`);
    else this.trace(`<<- [${op} ${buf.toString('latin1', s, e)}]`);
  }

  // ---------------------------------------------------------------- reading

  private readBatch(chunk: Buffer): void {
    if (this.closed) return;
    // Millisecond wall clock: enough for a 2 s report threshold, and the same reading serves as the
    // activity time (no allocation per read, unlike the sub-millisecond monoMs()).
    const t0 = Date.now();
    this.activity = false;
    const srv = this.server;
    srv.currentProducer = this;
    this.parser.parse(chunk);
    srv.currentProducer = null;
    const t1 = Date.now();
    if (this.activity) this.last = this.lastIn = t1;
    if (t1 - t0 >= C.READ_LOOP_REPORT_MS) this.warn(`Readloop processing time: ${formatDuration(t1 - t0)}`);
    // Fairness: libuv reads a busy socket up to 32 times per turn of the loop. After READ_BUDGET_BYTES
    // this connection yields: its reads stop (at the handle: no stream machinery) until the other
    // connections had their turn.
    this.turnBytes += chunk.length;
    srv.bytesRead += chunk.length;
    if (srv.lastReaderCid !== this.cid) {
      srv.lastReaderCid = this.cid;
      srv.readerSwitchAt = t1;
    }
    if (this.turnBytes >= C.READ_BUDGET_BYTES && !this.closed && this.yielded === null) {
      // Only while another connection is being read too (READ_CONTENTION_MS): nobody to yield to otherwise.
      this.yielded = t1 - srv.readerSwitchAt <= C.READ_CONTENTION_MS ? stopReads(this.sock) : null;
      if (this.yielded !== null) setImmediate(this.endYield);
      else this.turnBytes = 0;
    }
  }

  /** Bytes read since this connection last yielded (readBatch). */
  private turnBytes = 0;
  /** How the reads were stopped for the current yield (node-internals stopReads), or null. */
  private yielded: 'handle' | 'stream' | null = null;
  private readonly endYield = (): void => {
    const how = this.yielded!;
    this.yielded = null;
    this.turnBytes = 0;
    // Still paused for another reason (a producer stall, an asynchronous CONNECT check): they resume it.
    if (!this.closed && !this.suspended && this.stalledBy === null) startReads(this.sock, how);
  };

  awaitingAuth(): boolean {
    // An accepted route must start with CONNECT, whatever the authorization (expectConnect).
    if (this.route !== null) return this.route.expectConnect && !this.connectReceived;
    // An accepted leaf must send CONNECT first (its INFO says auth_required, always).
    if (this.leaf !== null) return this.leaf.expectConnect && !this.connectReceived;
    return !this.connectReceived && this.server.auth.required(this.type);
  }

  maxControlLine(): number {
    return this.kind === Kind.CLIENT ? this.server.opts.maxControlLine : ROUTE_MAX_CONTROL_LINE;
  }

  parseError(state: number, buf: Buffer, i: number): void {
    this.sendErr(E.UnknownOp);
    this.error(`${KIND_NAMES[this.kind]} parser ERROR, state=${state}, i=${i}: proto='${protoSnippet(buf, i, C.PROTO_SNIPPET_SIZE)}...'`);
    this.closeConnection(ClosedState.ProtocolViolation);
  }

  /** A no_auth_user takes a client whose first op is not CONNECT (auth.ts bindNoAuthUser). */
  bindWithoutConnect(): boolean {
    return this.kind === Kind.CLIENT && bindNoAuthUser(this.server, this);
  }

  authViolation(): void {
    this.server.authFailed(this);
    this.sendErr(E.AuthViolation);
    this.closeConnection(ClosedState.AuthenticationViolation);
  }

  maxControlLineViolation(state: number, bufLen: number, buf: Buffer, s: number, e: number): void {
    this.sendErr(E.MaxControlLine);
    this.error(`${E.MaxControlLine}: State ${state}, max_control_line ${this.maxControlLine()}, Buffer len ${bufLen} (snip: ${protoSnippet(buf.subarray(s, e), 0, C.MAX_CONTROL_LINE_SNIPPET_SIZE)}...)`);
    this.closeConnection(ClosedState.MaxControlLineExceeded);
  }

  /** A parse-level error without -ERR: log it and close as a protocol violation. */
  private protocolError(msg: string): void {
    this.error(msg);
    this.closeConnection(ClosedState.ProtocolViolation);
  }

  /** protocolError for the route module (a route's CONNECT, INFO or arguments that do not decode). */
  protocolViolation(msg: string): void {
    this.protocolError(msg);
  }

  // ---------------------------------------------------------------- CONNECT

  processConnect(buf: Buffer, s: number, e: number): void {
    const srv = this.server;
    const text = buf.toString('utf8', s, e);
    if (this.route !== null) return this.route.processConnect(text);
    if (this.leaf !== null) return this.leaf.processConnect(text);
    if (srv.log.trace) this.trace(`<<- [CONNECT ${redactConnect(text)}]`);
    if (this.authTimer !== null) {
      this.authTimer.clear();
      this.authTimer = null;
    }
    this.last = Date.now();
    // Estimate RTT to start: time from accept to CONNECT (computeRTT(c.start)).
    this.rtt = Math.max(monoMs() - this.startMono, 1e-6);
    const err = decodeClientOpts(text, this.opts);
    if (err !== null) return this.protocolError(err);
    // A WebSocket client without a JWT in CONNECT uses the jwt_cookie's (possibly empty).
    if (this.cookieJwt !== '' && this.opts.jwt === '') this.opts.jwt = this.cookieJwt;
    this.connectReceived = true;
    const o = this.opts;
    this.echo = o.echo;
    this.headers = !srv.opts.noHeaderSupport && o.headers;
    this.updateLogPrefix();
    // The first PING comes sooner after CONNECT (setFirstPingTimer).
    this.setFirstPingTimer();

    const r = srv.auth.authenticate(this);
    if (!(r instanceof Promise)) return this.finishConnect(this.bind(r));
    this.suspendUntil(r, (x) => this.finishConnect(this.bind(x)));
  }

  /**
   * An asynchronous check (bcrypt): stops reading until `p` settles, runs `then` with its value
   * (null if it failed), and carries on with what was read meanwhile, in order.
   */
  suspendUntil<T>(p: Promise<T>, then: (v: T | null) => void): void {
    this.suspended = true;
    this.sock.pause();
    const resume = (v: T | null) => {
      this.suspended = false;
      if (this.closed) return;
      then(v);
      if (this.closed) return;
      const srv = this.server;
      srv.currentProducer = this;
      this.parser.resumeParsing();
      srv.currentProducer = null;
      if (!this.closed && !this.suspended) this.sock.resume();
    };
    p.then(resume, (err) => {
      this.error(`authentication error: ${(err as Error).message}`);
      resume(null);
    });
  }

  /** Stops the CONNECT timer (a CONNECT arrived). */
  clearAuthTimer(): void {
    if (this.authTimer !== null) {
      this.authTimer.clear();
      this.authTimer = null;
    }
  }

  /** Arms the CONNECT timer: -ERR 'Authentication Timeout' and close if no CONNECT within `ms`. */
  startAuthTimer(ms: number): void {
    this.authTimer?.clear();
    this.authTimer = new Timer(() => this.authTimeout(), ms);
  }

  /** The rest of processConnect, once the credentials were checked. */
  private finishConnect(authOK: boolean): void {
    const srv = this.server;
    const o = this.opts;
    if (!authOK) {
      if (this.closed) return;
      return this.authViolation();
    }
    // Legacy account designation in CONNECT is an error now.
    if (o.new_account || o.account !== '') return this.authViolation();
    if (o.protocol < 0 || o.protocol > 1) {
      this.sendErr(E.BadClientProtocol);
      this.error(E.BadClientProtocol);
      return this.closeConnection(ClosedState.BadClientProtocolVersion);
    }
    if (o.no_responders && !this.headers) {
      this.sendErr(E.NoRespondersRequiresHeaders);
      this.error(E.NoRespondersRequiresHeaders);
      return this.closeConnection(ClosedState.NoRespondersRequiresHeaders);
    }
    if (o.verbose) this.sendOK();
    srv.clientConnected(this);
  }

  // ---------------------------------------------------------------- account, limits, permissions

  /**
   * Binds this connection to what authentication granted (RegisterUser, registerWithAccount,
   * applyAccountLimits, setExpirationTimer): its account (within the account's max_connections),
   * limits, permissions and credential expiry. False when there is no grant, or it was refused and
   * the connection closed here.
   */
  bind(r: AuthResult | null): boolean {
    if (r === null || this.closed) return false;
    this.user = r.user;
    const acc = r.account;
    if (acc !== this.account && acc.maxConnectionsReached()) {
      // maxAccountConnExceeded: -ERR, [ERR], close. A JWT user's registration is attempted twice
      // by the reference, which logs the line twice, and then applies the account's limits, which
      // log an exceeded subscription limit of 0 (captured with an account JWT without limits).
      this.sendErr(E.MaxAccountConnections);
      this.error(E.MaxAccountConnections);
      if (r.jwtUser) {
        this.error(E.MaxAccountConnections);
        if (minLimit(r.maxSubscriptions ?? -1, acc.msubs)[0] === 0) this.error(E.MaxSubscriptions);
      }
      this.closeConnection(ClosedState.MaxAccountConnectionsExceeded);
      return false;
    }
    this.grant(r);
    this.jwtUser = r.jwtUser ?? null;
    if (r.expiresAt > 0) this.setExpirationTimer(r.expiresAt - Date.now());
    return true;
  }

  /**
   * Applies a grant to the connection: account (its subscriptions move with it), the user's own
   * limits combined with the account's and the server's, permissions. At CONNECT (bind) and when a
   * reload checks an open connection again.
   */
  grant(r: AuthResult): void {
    this.user = r.user;
    this.moveToAccount(r.account);
    this.userMpay = r.maxPayload ?? -1;
    this.userMsubs = r.maxSubscriptions ?? -1;
    this.applyAccountLimits();
    this.perms = clientPermissions(r.permissions, (m) => this.error(m));
  }

  /**
   * Binds a leaf connection to the hub account its credentials name (leafnode.go isLeafNodeAuthorized,
   * registerLeafWithAccount): the account (not counted among its clients), the user, and for a JWT
   * user its expiry. Permissions are the leaf's own (leaf.ts applyUserPermissions).
   */
  bindLeaf(acc: Account, user: string, r: Grant | null): void {
    this.user = user;
    this.account = acc;
    if (r !== null) {
      this.jwtUser = r.jwtUser ?? null;
      if (r.expiresAt > 0) this.setExpirationTimer(r.expiresAt - Date.now());
    }
  }

  /** Moves the connection, with its subscriptions, into `acc`. */
  private moveToAccount(acc: Account): void {
    const old = this.account;
    if (acc === old) return;
    old.removeClient(this);
    if (this.subs !== null) for (const sub of this.subs.values()) old.removeSubscription(sub);
    this.account = acc;
    acc.addClient(this);
    if (this.subs !== null) for (const sub of this.subs.values()) acc.addSubscription(sub);
  }

  /**
   * Payload and subscription limits (applyAccountLimits): the user's (JWT) and the account's, then
   * the server's when lower (with the reference's [ERR] line). A connection that is already at its
   * subscription limit (a limit of 0) is told and closed 20ms later. Called at CONNECT, on reload,
   * and when an account's claims change.
   */
  applyAccountLimits(): void {
    const o = this.server.opts;
    const acc = this.account;
    let [mpay] = minLimit(this.userMpay, acc.mpay);
    let [msubs] = minLimit(this.userMsubs, acc.msubs);
    let was = mpay === -1;
    let changed: boolean;
    [mpay, changed] = minLimit(mpay, o.maxPayload > 0 ? o.maxPayload : -1);
    if (changed && !was) this.error(`Max Payload set to ${o.maxPayload} from server overrides account or user config`);
    was = msubs === -1;
    [msubs, changed] = minLimit(msubs, o.maxSubscriptions > 0 ? o.maxSubscriptions : -1);
    if (changed && !was) this.error(`Max Subscriptions set to ${o.maxSubscriptions} from server overrides account or user config`);
    this.mpay = mpay;
    this.msubs = msubs;
    if (msubs !== -1 && (this.subs?.size ?? 0) >= msubs) {
      this.sendErr(E.MaxSubscriptions);
      this.error(E.MaxSubscriptions);
      setTimeout(() => this.closeConnection(ClosedState.MaxSubscriptionsExceeded), MAX_SUBS_CLOSE_DELAY_MS).unref();
    }
  }

  /** JWT expiry (setExpirationTimer): -ERR 'User Authentication Expired', close as Authentication Expired. */
  private setExpirationTimer(ms: number): void {
    this.expiryTimer?.clear();
    this.expiryTimer = new Timer(() => {
      this.expiryTimer = null;
      if (this.closed) return;
      this.sendErr(E.UserAuthExpired);
      this.debug(E.UserAuthExpired);
      this.closeConnection(ClosedState.AuthenticationExpired);
    }, ms);
  }

  processInfo(buf: Buffer, s: number, e: number): void {
    if (this.route !== null) return this.route.processInfo(buf.toString('utf8', s, e));
    if (this.leaf !== null) return this.leaf.processInfo(buf.toString('utf8', s, e));
    // A client may send INFO; it must decode as the reference's Info struct, and is otherwise ignored.
    const err = decodeClientInfo(buf.toString('utf8', s, e));
    if (err !== null) this.protocolError(err);
  }

  processErr(buf: Buffer, s: number, e: number): void {
    // A leaf logs the error and stays open (the peer closes); a loop or same-name error delays the next attempt.
    if (this.leaf !== null) return this.leaf.processErr(buf.toString('latin1', s, e));
    this.error(`${this.kind === Kind.ROUTER ? 'Route' : 'Client'} Error ${buf.toString('latin1', s, e)}`);
    this.closeConnection(ClosedState.ParseError);
  }

  // ---------------------------------------------------------------- PUB

  processPubArgs(buf: Buffer, s: number, e: number, hpub: boolean, n: number, tok: Int32Array, sameSubject: boolean): number {
    if (this.server.log.trace) this.traceIn(hpub ? 'HPUB' : 'PUB', buf, s, e);
    if (hpub && !this.headers) {
      this.protocolError('message headers not supported');
      return -1;
    }
    const a0s = tok[0], a0e = tok[1], a1s = tok[2], a1e = tok[3], a2s = tok[4], a2e = tok[5], a3s = tok[6], a3e = tok[7];
    let size: number;
    if (!hpub) {
      if (n === 2) {
        this.paReply = '';
        size = parseSize(buf, a1s, a1e);
      } else if (n === 3) {
        this.paReply = latin1Slice(buf, a1s, a1e);
        size = parseSize(buf, a2s, a2e);
      } else {
        this.protocolError(`processPub Parse Error: ${goQuote(buf.toString('latin1', s, e))}`);
        return -1;
      }
      if (size < 0) {
        this.protocolError(`processPub Bad or Missing Size: ${goQuote(buf.toString('latin1', s, e))}`);
        return -1;
      }
      this.paHdr = -1;
    } else {
      let hdr: number;
      if (n === 3) {
        this.paReply = '';
        hdr = parseSize(buf, a1s, a1e);
        size = parseSize(buf, a2s, a2e);
      } else if (n === 4) {
        this.paReply = latin1Slice(buf, a1s, a1e);
        hdr = parseSize(buf, a2s, a2e);
        size = parseSize(buf, a3s, a3e);
      } else {
        this.protocolError(`processHeaderPub Parse Error: ${goQuote(buf.toString('latin1', s, e))}`);
        return -1;
      }
      if (hdr < 0) {
        this.protocolError(`processHeaderPub Bad or Missing Header Size: ${goQuote(buf.toString('latin1', s, e))}`);
        return -1;
      }
      if (size < 0) {
        this.protocolError(`processHeaderPub Bad or Missing Total Size: ${goQuote(buf.toString('latin1', s, e))}`);
        return -1;
      }
      if (hdr > size) {
        this.protocolError(`processHeaderPub Header Size larger then TotalSize: ${goQuote(buf.toString('latin1', s, e))}`);
        return -1;
      }
      this.paHdr = hdr;
    }
    // Most publishers repeat their subject: the parser tells when the bytes are the previous PUB's,
    // and the string (and its validity) is reused.
    if (!sameSubject) {
      this.paSubject = latin1Slice(buf, a0s, a0e);
      this.paSubjectLiteral = -1;
    }
    // The reference copies the size tokens into MSG as they were written (leading zeros kept).
    const szs = hpub ? (n === 3 ? a2s : a3s) : (n === 2 ? a1s : a2s);
    const sze = hpub ? (n === 3 ? a2e : a3e) : (n === 2 ? a1e : a2e);
    this.paSzb = sze - szs > 1 && buf[szs] === 0x30 ? latin1Slice(buf, szs, sze) : null;
    if (hpub) {
      const hs = n === 3 ? a1s : a2s;
      const he = n === 3 ? a1e : a2e;
      this.paHdb = he - hs > 1 && buf[hs] === 0x30 ? latin1Slice(buf, hs, he) : null;
    } else this.paHdb = null;
    // A PUB on a route is parsed and then finds no account to deliver in (processInboundRoutedMsg).
    if (this.route !== null) this.route.notePub(this.paSubject);
    // A PUB on a leaf connection is an LMSG without queue groups (processInboundLeafMsg).
    if (this.leaf !== null) this.leaf.notePub(this.paSubject, this.paReply, this.paHdr);
    if (this.mpay !== -1 && size > this.mpay) {
      // Rejected after the control line, before reading the payload (maxPayloadViolation).
      this.sendErr(E.MaxPayload);
      this.error(`maximum payload exceeded: ${size} vs ${this.mpay}`);
      this.closeConnection(ClosedState.MaxPayloadExceeded);
      return -1;
    }
    if (this.opts.pedantic) {
      if (this.paSubjectLiteral < 0) this.paSubjectLiteral = isValidLiteralSubject(this.paSubject) ? 1 : 0;
      if (this.paSubjectLiteral === 0) this.sendErr(E.InvalidPublishSubject);
    }
    return size;
  }

  processMsg(buf: Buffer, s: number, e: number): void {
    const srv = this.server;
    if (this.route !== null) {
      this.activity = true;
      return this.route.processInboundMsg(buf, s, e);
    }
    if (this.leaf !== null) {
      this.activity = true;
      return this.leaf.processInboundMsg(buf, s, e);
    }
    if (srv.log.trace) this.trace(`<<- MSG_PAYLOAD: [${goQuote(buf.toString('latin1', s, e))}]`);
    this.activity = true;
    const size = e - s;
    this.inMsgs++;
    this.inBytes += size;
    srv.stats.inMsgs++;
    srv.stats.inBytes += size;
    const subject = this.paSubject;
    const reply = this.paReply;
    // Gateway-routed subjects, then permissions, then reserved replies (processInboundClientMsg).
    if (isGWRoutedSubject(subject) || (this.perms !== null && !this.perms.canPublish(subject))) {
      this.sendErr(pubViolation(subject));
      this.error(`Publish Violation - ${this.userDesc()}, Subject ${goQuote(subject)}`);
      return;
    }
    if (reply.length > 0 && isReservedReply(reply)) {
      this.sendErr(replyViolation(reply));
      this.error(`Publish Violation - ${this.userDesc()}, Reply ${goQuote(reply)}`);
      return;
    }
    if (this.opts.verbose) this.sendOK();
    // A JetStream ack subject is one of a kind: matched without entering the sublist cache.
    const once = subject.charCodeAt(0) === 0x24 && subject.startsWith('$JS.ACK.');
    const delivered = this.account.deliverLocal(this, subject, reply, buf, s, e, this.paHdr, null, null, once);
    // The payload view lives for one message (it pins the read buffer).
    this.paView = null;
    this.paViewBuf = null;
    if (!delivered && reply.length > 0 && this.opts.no_responders && this.headers) this.sendNoResponders(reply);
  }

  /** The 503 status to a requester nobody answers: on its own reply subscription (subForReply). */
  private sendNoResponders(reply: string): void {
    if (this.subs === null) return;
    for (const sub of this.subs.values()) {
      // a plain subscription only (subForReply looks at psubs, never queue subscriptions)
      if (sub.queue === null && subjectMatches(reply, sub.subject)) {
        const hdr = 'NATS/1.0 503\r\n\r\n';
        this.queueString(`HMSG ${reply} ${sub.sid} 16 16\r\n${hdr}\r\n`);
        this.flushSoon();
        return;
      }
    }
  }

  private userDesc(): string {
    return authUserDesc(this);
  }

  // ---------------------------------------------------------------- SUB / UNSUB

  processSub(buf: Buffer, s: number, e: number): void {
    // On a leaf a SUB is an LS+ (parser.go dispatches on the kind).
    if (this.leaf !== null) {
      this.activity = true;
      return this.leaf.processLeafSub(buf, s, e);
    }
    if (this.server.log.trace) this.traceIn('SUB', buf, s, e);
    // A client SUB on a route is silently ignored, as the reference's parser does.
    if (this.route !== null) return;
    const t = this.argTok;
    const n = splitArgs(buf, s, e, t);
    if (n !== 2 && n !== 3) return this.protocolError(`processSub Parse Error: ${goQuote(buf.toString('latin1', s, e))}`);
    const subject = latin1Slice(buf, t[0], t[1]);
    const queue = n === 3 ? latin1Slice(buf, t[2], t[3]) : null;
    const sid = n === 3 ? latin1Slice(buf, t[4], t[5]) : latin1Slice(buf, t[2], t[3]);
    this.activity = true;
    if (this.perms !== null && !this.perms.canSubscribe(subject, queue)) {
      this.sendErr(subViolation(subject, queue ?? undefined));
      this.error(`Subscription Violation - ${this.userDesc()}, Subject ${goQuote(subject)}${queue ? `, Queue: ${goQuote(queue)}` : ''}, SID ${sid}`);
      return;
    }
    // Per-connection limit (server max_subscriptions or the account's), no close.
    if (this.msubs !== -1 && (this.subs?.size ?? 0) >= this.msubs) {
      this.sendErr(E.MaxSubscriptions);
      this.error(E.MaxSubscriptions);
      return;
    }
    const subs = (this.subs ??= new Map());
    if (subs.has(sid)) {
      // A duplicate sid is ignored (still acknowledged).
      if (this.opts.verbose) this.sendOK();
      return;
    }
    if (queue !== null && !isValidQueue(queue)) {
      this.sendErr(E.InvalidSubject);
      return;
    }
    const sub = new Subscription(this, subject, queue, sid);
    if (!this.account.addSubscription(sub)) {
      this.sendErr(E.InvalidSubject);
      return;
    }
    subs.set(sid, sub);
    if (this.opts.verbose) this.sendOK();
  }

  processUnsub(buf: Buffer, s: number, e: number): void {
    // On a route, UNSUB is read as RS- (parser.go UNSUB_ARG for ROUTER).
    if (this.route !== null || this.leaf !== null) return this.processRemoteUnsub(buf, s, e);
    if (this.server.log.trace) this.traceIn('UNSUB', buf, s, e);
    const t = this.argTok;
    const n = splitArgs(buf, s, e, t);
    if (n !== 1 && n !== 2) return this.protocolError(`processUnsub Parse Error: ${goQuote(buf.toString('latin1', s, e))}`);
    const max = n === 2 ? parseSize(buf, t[2], t[3]) : -1;
    this.activity = true;
    const sub = this.subs?.get(latin1Slice(buf, t[0], t[1]));
    if (this.opts.verbose) this.sendOK();
    if (sub === undefined) return;
    if (max > 0 && max > sub.nm) {
      sub.max = max;
    } else {
      sub.max = 0;
      this.unsubscribe(sub);
    }
  }

  // ---------------------------------------------------------------- route operations (cluster/route.ts)

  processRemoteSub(buf: Buffer, s: number, e: number, origin: boolean): void {
    this.activity = true;
    if (this.route !== null) this.route.processRemoteSub(buf, s, e, origin);
    else if (this.leaf !== null) this.leaf.processLeafSub(buf, s, e);
  }

  processRemoteUnsub(buf: Buffer, s: number, e: number): void {
    this.activity = true;
    if (this.route !== null) this.route.processRemoteUnsub(buf, s, e);
    else if (this.leaf !== null) this.leaf.processLeafUnsub(buf, s, e);
  }

  processRoutedMsgArgs(buf: Buffer, s: number, e: number, hdr: boolean, origin: boolean): number {
    // On a leaf, LMSG, RMSG and HMSG all carry no account (processLeafMsgArgs).
    if (this.leaf !== null) return this.leaf.processLeafMsgArgs(buf, s, e, hdr && !origin);
    if (this.route === null) {
      this.parseError(0, buf, s);
      return -1;
    }
    return this.route.processRoutedMsgArgs(buf, s, e, hdr, origin);
  }

  /** A+/A-: account interest, which only gateways act on (processAccountSub). */
  processAccountSub(buf: Buffer, s: number, e: number, sub: boolean): void {
    if (this.server.log.trace) this.traceIn(sub ? 'A+' : 'A-', buf, s, e);
  }

  unsubscribe(sub: Subscription): void {
    if (sub.closed) return;
    sub.closed = true;
    this.subs?.delete(sub.sid);
    this.account.removeSubscription(sub);
    if (this.server.log.trace) this.trace(`<-> [DELSUB ${sub.sid}]`);
  }

  // ---------------------------------------------------------------- PING / PONG

  processPing(): void {
    if (this.server.log.trace) this.traceIn('PING');
    this.queueBytes(PONG);
    if (this.server.log.trace) this.trace('->> [PONG]');
    this.flushSoon();
    this.lastClientPing = Date.now();
    if (this.kind !== Kind.CLIENT || !this.connectReceived) return;
    if (this.opts.protocol < 1) {
      this.firstPongSent = true;
    } else if (!this.firstPongSent) {
      // First PING of a protocol-1 client: INFO if what it was told changed since it connected —
      // the cluster's connect_urls, or its max payload (PONG, then INFO).
      this.firstPongSent = true;
      if (this.server.lastCURLsUpdate >= this.start.getTime() || this.mpay !== this.server.opts.maxPayload) this.sendInfo({ async: true });
    }
  }

  /** A protocol-1 client past its first PONG: it gets async INFOs (sendAsyncInfoToClients). */
  wantsAsyncInfo(): boolean {
    return this.kind === Kind.CLIENT && this.opts.protocol >= 1 && this.firstPongSent && !this.closed;
  }

  processPong(): void {
    if (this.server.log.trace) this.traceIn('PONG');
    this.pingsOut = 0;
    if (this.pingTimeoutTimer !== null) {
      this.pingTimeoutTimer.clear();
      this.pingTimeoutTimer = null;
    }
    if (this.rttStart > 0) this.rtt = Math.max(monoMs() - this.rttStart, 1e-6);
  }

  private setPingTimer(ms: number): void {
    if (this.closed) return;
    const t = this.pingTimer;
    if (t === null) this.pingTimer = new Timer(() => this.processPingTimer(), ms);
    else if (t.delay === ms) t.refresh(); // the same timer object, re-armed
    else t.reset(ms);
  }

  /**
   * First PING at min(ping_interval, 2s) plus up to 20% random delay (setFirstPingTimer); routes at
   * min(ping_interval, 1s) (firstPingInterval).
   */
  setFirstPingTimer(): void {
    const o = this.server.opts;
    let d = o.pingInterval;
    const first = this.kind === Kind.CLIENT ? C.FIRST_CLIENT_PING_INTERVAL_MS : C.FIRST_PING_INTERVAL_MS;
    if (!o.disableShortFirstPing && d > first) d = first;
    d += Math.floor(Math.random() * (d / 5));
    this.setPingTimer(d);
  }

  /** The keepalive tick (processPingTimer): skip when active, PING, or close as stale. */
  private processPingTimer(): void {
    if (this.closed) return;
    const srv = this.server;
    const o = srv.opts;
    this.debug(`${KIND_NAMES[this.kind]} Ping Timer`);
    const now = Date.now();
    const monoNow = monoMs();
    const needRTT = this.rtt === 0 || this.rttStart === 0 || monoNow - this.rttStart > C.RTT_REFRESH_MS;
    let sendPing = true;
    // Activity or a PING from the peer within the interval delays ours (not for gateways).
    // Gateways and spoke leafs PING every interval whatever the traffic (processPingTimer).
    if (this.kind !== Kind.GATEWAY && !(this.leaf !== null && this.leaf.isSpoke) && !needRTT) {
      const delta = now - this.lastIn;
      const pdelta = now - this.lastClientPing;
      if (delta < o.pingInterval) {
        this.debug(`Delaying PING due to client activity ${formatDuration(Math.round(delta / 1000) * 1000)} ago`);
        sendPing = false;
      } else if (pdelta < o.pingInterval) {
        this.debug(`Delaying PING due to remote ping ${formatDuration(Math.round(pdelta / 1000) * 1000)} ago`);
        sendPing = false;
      }
    }
    if (sendPing) {
      if (this.pingsOut + 1 > o.pingMax) return this.staleConnection();
      this.sendPing();
    }
    this.setPingTimer(o.pingInterval);
  }

  private sendPing(): void {
    this.rttStart = monoMs();
    this.pingsOut++;
    this.queueBytes(PING);
    if (this.server.log.trace) this.trace('->> [PING]');
    this.flushSoon();
    // tsnats extension: a PING unanswered for ping_timeout makes the connection stale.
    const pt = this.server.opts.pingTimeout;
    if (pt > 0 && this.pingTimeoutTimer === null) {
      this.pingTimeoutTimer = new Timer(() => {
        this.pingTimeoutTimer = null;
        if (!this.closed && this.pingsOut > 0) this.staleConnection(`no PONG within ping_timeout ${formatDuration(pt)}`);
      }, pt);
    }
  }

  /** Too many PINGs unanswered (or one past ping_timeout): -ERR 'Stale Connection' and close. */
  private staleConnection(why?: string): void {
    const srv = this.server;
    srv.stats.staleConnections++;
    if (this.kind === Kind.ROUTER) srv.stats.staleRoutes++;
    else if (this.kind === Kind.LEAF) srv.stats.staleLeafs++;
    else srv.stats.staleClients++;
    this.warn(`Stale ${this.kind === Kind.ROUTER ? 'Route' : this.kind === Kind.LEAF ? 'Leafnode' : 'Client'} Connection - Closing${this.stateSummary(why)}`);
    srv.emitHealth('stale', this);
    this.sendErr(E.StaleConnection);
    this.closeConnection(ClosedState.StaleConnection);
  }

  /** The connection's last known state, appended to health log lines. */
  stateSummary(why?: string): string {
    const idle = formatDuration(Date.now() - this.last);
    const parts = [
      ...(why ? [why] : []),
      `idle ${idle}`,
      `pings outstanding ${this.pingsOut}`,
      `pending ${this.pendingBytes} bytes`,
      `subscriptions ${this.subs?.size ?? 0}`,
      `rtt ${this.rtt > 0 ? formatDuration(this.rtt) : 'unknown'}`,
      `account ${goQuote(this.account?.name ?? '')}`,
      `user ${goQuote(this.user)}`,
    ];
    return ` (${parts.join(', ')})`;
  }

  private authTimeout(): void {
    this.authTimer = null;
    if (this.closed || this.connectReceived) return;
    this.sendErr(E.AuthTimeout);
    this.debug('Authentication Timeout');
    this.closeConnection(ClosedState.AuthenticationTimeout);
  }

  // ---------------------------------------------------------------- delivery

  /**
   * Queues one message for this connection (deliverMsg). Returns false when it was not
   * delivered (auto-unsubscribed, or this connection closed as a slow consumer).
   */
  deliverMsg(sub: Subscription, subject: string, reply: string, buf: Buffer, s: number, e: number, hdr: number, pub: Client | null, rw: ReplyWriter | null = null): boolean {
    if (this.closed || sub.closed) return false;
    const perms = this.perms;
    if (perms !== null && perms.denyDelivery(subject)) return false;
    sub.nm++;
    let unsubAfter = false;
    if (sub.max > 0) {
      if (sub.nm === sub.max) {
        this.debug(`Auto-unsubscribe limit of ${sub.max} reached for sid '${sub.sid}'`);
        unsubAfter = true;
      } else if (sub.nm > sub.max) {
        this.debug(`Auto-unsubscribe limit [${sub.max}] exceeded`);
        this.unsubscribe(sub);
        return false;
      }
    }
    // Headers are stripped for clients that did not ask for them.
    const withHdr = hdr > 0 && this.headers;
    if (hdr > 0 && !this.headers) s += hdr;
    const size = e - s;
    const need = FRAME_OVERHEAD + subject.length + sub.sidBytes.length + (rw !== null ? rw.length : reply.length) + size;
    const pending = this.pendingOut + this.sockPending;
    if (pending + need > this.server.opts.maxPending) {
      this.slowConsumerPending();
      return false;
    }
    let out = this.out;
    let p = this.outPos;
    if (out === null || p + need > out.length) {
      out = this.grow(need);
      p = this.outPos;
    }
    // A server-internal message ($SYS) with no reply has two spaces before its size, as the
    // reference frames it (`MSG $SYS.SERVER.ACCOUNT.$G.CONNS 2  454`).
    const hdrTok = withHdr ? (pub !== null && pub.paHdb !== null ? pub.paHdb : null) : null;
    const sizeTok = pub !== null && pub.paSzb !== null && (hdr <= 0 || withHdr) ? pub.paSzb : null;
    p = writeMsgHeader(out, p, withHdr, subject, sub.sidBytes, reply, pub === null && !importedResponse, hdr, hdrTok, size, sizeTok, rw);
    if (size > 0) p = copyPayload(out, p, buf, s, e, pub);
    out[p++] = 0x0d;
    out[p++] = 0x0a;
    this.pendingOut += p - this.outPos;
    this.outPos = p;
    this.outMsgs++;
    this.outBytes += size;
    this.msgsQueued = true;
    const st = this.server.stats;
    st.outMsgs++;
    st.outBytes += size;
    if (rw !== null && (perms !== null || this.server.log.trace)) reply = rw.toString();
    if (this.server.log.trace) this.trace(`->> [${withHdr ? 'HMSG' : 'MSG'} ${subject} ${sub.sid}${reply ? ' ' + reply : ''}${withHdr ? ' ' + hdr : ''} ${size}]`);
    if (!this.dirty) {
      this.dirty = true;
      this.server.markDirty(this);
    }
    if (perms !== null && reply.length > 0) perms.noteReply(reply);
    if (unsubAfter) this.unsubscribe(sub);
    // Past half of max_pending, a publishing client is stalled until we drain (stalledWait).
    if (pending > this.server.opts.maxPending >> 1) stallProducer(this);
    return true;
  }

  /**
   * Queues one message for a route (deliverMsg with msgHeaderForRouteOrLeaf): `RMSG <acc> <subject>
   * [+ <reply> <queues> | \| <queues> | <reply>] <size>`, once per route however many of its
   * subscriptions match; `queues` lists the groups a member of which was picked on that route.
   * Headers go as HMSG only to a route that announced headers, else they are stripped.
   */
  sendRoutedMsg(acc: string, subject: string, reply: string, queues: string, buf: Buffer, s: number, e: number, hdr: number, pub: Client | null, origin = ''): boolean {
    if (this.closed) return false;
    // A message from a leafnode of cluster `origin` goes to a route as `LMSG <origin> <acc> …`,
    // headers and all, with a header size always (0 when none).
    const lmsg = origin !== '';
    const withHdr = hdr > 0 && (this.headers || lmsg);
    if (hdr > 0 && !withHdr) s += hdr;
    return this.queueServerMsg(lmsg ? OP_L : withHdr ? OP_H : OP_R, origin, acc, subject, reply, queues, buf, s, e, hdr, withHdr, lmsg || withHdr, pub, false);
  }

  /**
   * Queues one message for a leafnode (deliverMsg with msgHeaderForRouteOrLeaf): `LMSG <subject>
   * [+ <reply> <queues> | \| <queues> | <reply>] <size>`, or `HMSG … <hdr> <total>` to a peer that
   * announced headers (they are stripped otherwise), once per connection. A subject the leaf may not
   * receive (its permissions, deny_imports, the JetStream denies) is not sent.
   */
  sendLeafMsg(subject: string, reply: string, queues: string, buf: Buffer, s: number, e: number, hdr: number, pub: Client | null): boolean {
    if (this.closed) return false;
    if (!this.leaf!.canSend(subject)) {
      this.debug(`Not permitted to deliver to ${goQuote(subject)}`);
      return false;
    }
    const withHdr = hdr > 0 && this.headers;
    if (hdr > 0 && !withHdr) s += hdr;
    return this.queueServerMsg(withHdr ? OP_H : OP_L, '', '', subject, reply, queues, buf, s, e, hdr, withHdr, withHdr, pub, true);
  }

  /** The framing and accounting shared by route and leaf messages. */
  private queueServerMsg(
    op: number, origin: string, acc: string, subject: string, reply: string, queues: string, buf: Buffer, s: number, e: number,
    hdr: number, withHdr: boolean, hdrField: boolean, pub: Client | null, leaf: boolean,
  ): boolean {
    const size = e - s;
    const need = FRAME_OVERHEAD + origin.length + acc.length + subject.length + reply.length + queues.length + size;
    const pending = this.pendingOut + this.sockPending;
    let out = this.out;
    let p = this.outPos;
    if (out === null || p + need > out.length) {
      out = this.grow(need);
      p = this.outPos;
    }
    const hdrTok = withHdr && pub !== null ? pub.paHdb : null;
    const sizeTok = pub !== null && pub.paSzb !== null && (hdr <= 0 || withHdr) ? pub.paSzb : null;
    p = writeServerMsgHeader(out, p, op, origin, acc, subject, reply, queues, hdrField, withHdr ? hdr : 0, hdrTok, size, sizeTok);
    if (size > 0) p = copyPayload(out, p, buf, s, e, pub);
    out[p++] = 0x0d;
    out[p++] = 0x0a;
    this.pendingOut += p - this.outPos;
    this.outPos = p;
    this.outMsgs++;
    this.outBytes += size;
    this.msgsQueued = true;
    const st = this.server.stats;
    st.outMsgs++;
    st.outBytes += size;
    if (leaf) {
      st.outLeafMsgs++;
      st.outLeafBytes += size;
    } else {
      st.outRouteMsgs++;
      st.outRouteBytes += size;
    }
    if (this.server.log.trace) {
      const name = op === OP_L ? 'LMSG' : op === OP_H ? 'HMSG' : 'RMSG';
      const pre = `${origin ? origin + ' ' : ''}${acc ? acc + ' ' : ''}`;
      this.trace(`->> [${name} ${pre}${subject}${queues ? (reply ? ` + ${reply} ${queues}` : ` | ${queues}`) : reply ? ' ' + reply : ''}${hdrField ? ' ' + (withHdr ? hdr : 0) : ''} ${size}]`);
    }
    if (!this.dirty) {
      this.dirty = true;
      this.server.markDirty(this);
    }
    // A client publishing faster than the route or leaf drains is stalled, as for a slow subscriber.
    if (pending > this.server.opts.maxPending >> 1) stallProducer(this);
    return true;
  }

  private slowConsumerPending(): void {
    const srv = this.server;
    srv.stats.slowConsumers++;
    srv.stats.slowConsumerClients++;
    this.account.slowConsumers++;
    this.notice(`Slow Consumer Detected: MaxPending of ${srv.opts.maxPending} Exceeded${this.stateSummary()}`);
    srv.emitHealth('slow_consumer', this);
    this.closeConnection(ClosedState.SlowConsumerPendingBytes, true);
  }

  private onWriteDeadline(): void {
    this.wdTimer = null;
    if (this.closed || this.sock.writableLength === 0) return;
    const srv = this.server;
    // A route before its CONNECT is closed without counting a slow consumer (handleWriteTimeout).
    if (((this.route !== null && this.route.expectConnect) || (this.leaf !== null && this.leaf.expectConnect)) && !this.connectReceived) return this.closeConnection(ClosedState.SlowConsumerWriteDeadline, true);
    srv.stats.slowConsumers++;
    if (this.kind === Kind.ROUTER) srv.stats.slowConsumerRoutes++;
    else if (this.kind === Kind.LEAF) {
      srv.stats.slowConsumerLeafs++;
      this.account.slowConsumers++;
    } else {
      srv.stats.slowConsumerClients++;
      this.account.slowConsumers++;
    }
    const pending = this.sock.writableLength;
    const chunks = writableChunks(this.sock);
    this.notice(`Slow Consumer Detected: WriteDeadline of ${formatDuration(srv.opts.writeDeadline)} exceeded with ${chunks} chunks of ${pending} total bytes.`);
    srv.emitHealth('slow_consumer', this);
    // Clients are always closed; other kinds only when nothing at all was written meanwhile.
    const written = socketBytesWritten(this.sock);
    if (this.kind !== Kind.CLIENT && written > this.wdWritten) {
      this.wdWritten = written;
      this.wdTimer = new Timer(() => this.onWriteDeadline(), srv.opts.writeDeadline);
      return;
    }
    this.closeConnection(ClosedState.SlowConsumerWriteDeadline, true);
  }

  // ---------------------------------------------------------------- outbound queue

  get pendingBytes(): number {
    return this.pendingOut + this.sockPending;
  }

  /** A new outbound buffer with room for `need` bytes; the current one is kept for the flush. */
  private grow(need: number): Buffer {
    const out = this.out;
    if (out !== null && this.outPos > 0) {
      (this.outFull ??= []).push(out.subarray(0, this.outPos));
      if (this.outSize < OUT_MAX) this.outSize *= 2;
    }
    const size = need > this.outSize ? need : this.outSize;
    this.out = Buffer.allocUnsafe(size);
    this.outPos = 0;
    return this.out;
  }

  queueBytes(b: Buffer): void {
    if (this.closed) return;
    let out = this.out;
    if (out === null || this.outPos + b.length > out.length) out = this.grow(b.length);
    b.copy(out, this.outPos);
    this.outPos += b.length;
    this.pendingOut += b.length;
    // Protocol replies count against max_pending too (queueOutbound checks every queued byte): a client
    // that floods PINGs and never reads its PONGs is a slow consumer, not a growing buffer. (Only
    // clients: a route has no max_pending, its write deadline decides.)
    if (this.pendingOut + this.sockPending > this.server.opts.maxPending && this.kind === Kind.CLIENT) this.slowConsumerPending();
  }

  private queueString(s: string): void {
    this.queueBytes(Buffer.from(s, 'latin1'));
  }

  sendOK(): void {
    this.queueBytes(OK);
    if (this.server.log.trace) this.trace('->> [OK]');
    this.flushSoon();
  }

  sendErr(text: string): void {
    this.queueBytes(errFrame(text));
    if (this.server.log.trace) this.trace(`->> [-ERR ${text}]`);
    this.flushSoon();
  }

  /** Schedule this connection's flush at the end of the current I/O batch. */
  flushSoon(): void {
    if (!this.dirty && !this.closed) {
      this.dirty = true;
      this.server.markDirty(this);
    }
  }

  /** One write per connection per batch (flushOutbound). */
  flush(): void {
    this.dirty = false;
    if (this.pendingOut === 0 || this.closed) return;
    const sock = this.sock;
    const out = this.out!;
    const last = out.subarray(0, this.outPos);
    const full = this.outFull;
    if (full !== null) {
      sock.cork();
      for (const b of full) sock.write(b);
      sock.write(last, this.onWriteDone);
      sock.uncork();
      this.outFull = null;
    } else {
      sock.write(last, this.onWriteDone);
    }
    // Adapt the next buffer size to what this flush needed.
    if (this.pendingOut < this.outSize >> 2 && this.outSize > OUT_MIN) this.outSize >>= 1;
    this.out = null;
    this.outPos = 0;
    this.pendingOut = 0;
    // Message deliveries count as activity (flushClients sets cp.last); protocol replies do not.
    if (this.msgsQueued) {
      this.msgsQueued = false;
      this.last = Date.now();
    }
    this.sockPending = sock.writableLength;
    if (this.sockPending > 0 && this.wdTimer === null && this.server.opts.writeDeadline > 0) {
      this.wdWritten = socketBytesWritten(sock);
      this.wdTimer = new Timer(() => this.onWriteDeadline(), this.server.opts.writeDeadline);
    }
  }

  // ---------------------------------------------------------------- close

  /**
   * Closes the connection with a reason (closeConnection): stops timers, removes subscriptions,
   * deregisters, remembers it in the closed ring, then flushes what is queued (unless skipFlush,
   * as for slow consumers) and closes the socket.
   */
  closeConnection(reason: ClosedReason, skipFlush = false): void {
    if (this.closed) return;
    this.closed = true;
    this.reason = reason;
    this.stop = new Date();
    this.pingTimer?.clear();
    this.authTimer?.clear();
    this.wdTimer?.clear();
    this.pingTimeoutTimer?.clear();
    this.expiryTimer?.clear();
    this.pingTimer = this.authTimer = this.wdTimer = this.pingTimeoutTimer = this.expiryTimer = null;
    unstall(this);
    releaseStalled(this);
    // Routes log their close as they log their creation, at INF (markConnAsClosed).
    if (this.kind === Kind.ROUTER) this.notice(`Router connection closed: ${reason}`);
    else if (this.kind === Kind.LEAF) this.notice(`Leafnode connection closed: ${reason} account: ${this.leaf?.bound ? this.account.name : ''}`);
    else this.debug(`Client connection closed: ${reason}`);
    if (this.subs !== null) {
      for (const sub of this.subs.values()) {
        sub.closed = true;
        this.account?.removeSubscription(sub);
        if (this.server.log.trace) this.trace(`<-> [DELSUB ${sub.sid}]`);
      }
    }
    this.server.removeClient(this);
    const sock = this.sock;
    if (!skipFlush && this.pendingOut > 0 && !sock.destroyed) {
      const out = this.out!;
      if (this.outFull !== null) for (const b of this.outFull) sock.write(b);
      sock.write(out.subarray(0, this.outPos));
    }
    this.out = null;
    this.outFull = null;
    this.pendingOut = 0;
    if (skipFlush || sock.destroyed) {
      sock.destroy();
    } else {
      // A WebSocket ends with a close frame carrying the reason (websocket.go wsEnqueueCloseMessage).
      (sock as Duplex & { setCloseReason?: (r: string) => void }).setCloseReason?.(reason);
      // FIN after the queued bytes, then release the socket even if the peer never closes.
      sock.end();
      const t = new Timer(() => sock.destroy(), Math.max(this.server.opts.writeDeadline, 100));
      sock.once('close', () => t.clear());
      sock.once('finish', () => sock.destroy());
    }
    if (this.subs !== null) this.subsAtClose = [...this.subs.values()];
    this.subs = null;
    // A route's remote interest goes, the cluster forgets it and may dial it again (cluster.ts).
    if (this.route !== null) this.route.cluster.routeClosed(this.route, reason);
    // A leaf connection leaves the registry; a solicited one is dialled again (leaf/leafnodes.ts).
    if (this.leaf !== null) this.leaf.closed(reason);
  }
}

/**
 * Copies a payload `buf[s,e)` into `out` at `p`; returns the position after it. A bare view + set is
 * the cheapest copy in V8 (Buffer#copy allocates a view anyway); making the view is most of the
 * cost, so one view serves every delivery of a message (kept on the publishing connection).
 */
function copyPayload(out: Buffer, p: number, buf: Buffer, s: number, e: number, pub: Client | null): number {
  const size = e - s;
  if (size <= 16) {
    for (let i = s; i < e; i++) out[p++] = buf[i];
    return p;
  }
  let view: Uint8Array;
  if (pub !== null && pub.paView !== null && pub.paViewBuf === buf && pub.paViewStart === s) view = pub.paView;
  else {
    view = new Uint8Array(buf.buffer, buf.byteOffset + s, size);
    if (pub !== null) {
      pub.paView = view;
      pub.paViewBuf = buf;
      pub.paViewStart = s;
    }
  }
  out.set(view, p);
  return p + size;
}

/**
 * Bytes a socket has handed to the kernel so far: net.Socket#bytesWritten counts what is still
 * queued in the stream too, so that is taken off (0 for streams without the counter).
 */
function socketBytesWritten(sock: Duplex): number {
  const n = (sock as { bytesWritten?: unknown }).bytesWritten;
  return typeof n === 'number' ? n - sock.writableLength : 0;
}
