// One leafnode connection's protocol (leafnode.go): the hub's INFO and the leaf's CONNECT, the
// second INFO that binds the account, LS+/LS- (with queue weights and the `$LDS.` loop subject),
// LMSG/HMSG in, the interest this side tells the other (smap, interest.ts), permissions (the hub
// user's, the remote's deny_imports/deny_exports, the JetStream denies), and what happens when the
// connection closes. The connection itself (reading, keepalive, the outbound queue, close) is a
// Client of kind LEAF; its process* methods delegate here, as for routes (cluster/route.ts).
//
// Roles: the accepting server is the hub, the dialling one the spoke (leaf), unless the remote
// says `hub: true` (is_hub). The spoke tells its hub only its own clients' interest (and that of
// leafs connected to it); the hub tells it everything in the bound account, routes' interest too.
import type { Client, ClientPermissions } from '../server/client.js';
import { Subscription } from '../server/subscription.js';
import { decodeClientOpts } from '../server/connect.js';
import { splitArgs, parseSize } from '../protocol/args.js';
import { latin1Slice } from '../node-internals.js';
import { goQuote, ClosedState, type ClosedReason } from '../errors.js';
import { redactConnect } from '../auth/auth.js';
import { clientPermissions } from '../auth/permissions.js';
import { hasWildcard, isValidLiteralSubject, subjectIsSubsetMatch } from '../subjects/subject.js';
import { decodeRouteInfo } from '../cluster/info.js';
import { BytesString } from '../cluster/route.js';
import { formatGoDuration } from '../config/duration.js';
import { Timer } from '../timers.js';
import { Socket, isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { buildSecureContextOptions } from '../tls/options.js';
import type { ClientTls } from '../transport/tls.js';
import type { SubjectPermission, Permissions } from '../options.js';
import { decodeLeafConnect, infoHas, leafConnectJSON, type LeafConnect } from './info.js';
import { signWithCreds } from './creds.js';
import type { RemoteCfg } from './remote.js';
import type { LeafNodes } from './leafnodes.js';
import * as C from '../const.js';

/** leafNodeLoopDetectionSubjectPrefix. */
export const LDS_PREFIX = '$LDS.';
/** A solicited connection waits this long for the hub's INFO (DEFAULT_LEAFNODE_INFO_WAIT). */
export const LEAF_INFO_WAIT_MS = 1000;
/** ...and this long for the INFO that answers its CONNECT (connectProcessTimeout). */
export const LEAF_CONNECT_PROCESS_MS = 2000;
/** The TLS handshake of a leaf to its hub must finish within this, unless tls.timeout says (DEFAULT_LEAF_TLS_TIMEOUT). */
export const LEAF_TLS_TIMEOUT_MS = 2000;
/** After a loop, the soliciting side waits this long before the next attempt (leafNodeReconnectDelayAfterLoopDetected). */
export const LEAF_LOOP_DELAY_MS = 30_000;
/** ...and after the hub said it has the same cluster name (leafNodeReconnectDelayAfterClusterNameSame). */
export const LEAF_SAME_CLUSTER_DELAY_MS = 30_000;
/** ...and after a permission violation (leafNodeReconnectAfterPermViolation). */
export const LEAF_PERM_VIOLATION_DELAY_MS = 30_000;

/** ErrClientConnectedToLeafNodePort, ErrLeafNodeHasSameClusterName, ErrConnectedToWrongPort. */
export const CLIENT_ON_LEAF_PORT = 'attempted to connect to leaf node port';
export const SAME_CLUSTER_NAME = 'remote leafnode has same cluster name';
export const WRONG_PORT = 'attempted to connect to wrong port';

/** JetStream not extended across the connection (jetstream_api.go denyAllClientJs, denyAllJs). */
export const DENY_ALL_CLIENT_JS = ['$JS.API.>', '$KV.>', '$OBJ.>'];
export const DENY_ALL_JS = ['$JSC.>', '$NRG.>', '$JS.API.>', '$KV.>', '$OBJ.>'];

export class Leaf {
  /** This side is the spoke: it sends only local interest and always PINGs (isSpokeLeafNode). */
  isSpoke: boolean;
  /** The peer's cluster (its CONNECT `cluster`, or the hub's INFO `cluster`): interest and messages from it never go back to it. */
  remoteCluster = '';
  /** The peer's server name (or id). */
  remoteServer = '';
  /** The peer's server id (CONNECT server_id / INFO server_id). */
  remoteID = '';
  remoteVersion = '';
  /** Registered (CONNECT processed on the hub, connect_info INFO received on the spoke). */
  registered = false;
  /** Bound to its account: a dialled connection from the start, an accepted one once authorized (close lines name it). */
  bound = false;
  /** The interest this side told the peer, by `subject` or `subject queue` (smap); null until registered. */
  smap: Map<string, number> | null = null;
  /**
   * What may cross this connection: `canPublish` = sent to the peer (messages, and the LS+ it may
   * send us), `canSubscribe` = the interest we tell it. From the hub user's permissions (reversed on
   * the hub), the remote's deny_imports/deny_exports, the peer's deny_pub and the JetStream denies.
   */
  perms: ClientPermissions | null = null;
  private permSrc: { publish?: SubjectPermission; subscribe?: SubjectPermission } = {};
  /** Never redial (shutdown, remote removed). */
  noReconnect = false;
  private infoReceived = false;
  private connectFinished = false;
  private timer: Timer | null = null;

  // ---- the message being read (processLeafMsgArgs → processInboundMsg)
  private paSubject = '';
  private paReply = '';
  private paQueues: string[] | null = null;
  private paHdr = -1;
  private tok = new Int32Array(32);

  constructor(
    readonly ln: LeafNodes,
    readonly c: Client,
    /** The remote this connection was dialled for; null for an accepted one. */
    readonly remote: RemoteCfg | null,
  ) {
    this.isSpoke = remote !== null && remote.opts.hub !== true;
    this.bound = remote !== null;
    if (remote !== null) this.setPermissions(remotePerms(remote), []);
  }

  get solicited(): boolean {
    return this.remote !== null;
  }

  get isHub(): boolean {
    return !this.isSpoke;
  }

  /** An accepted connection must start with CONNECT. */
  get expectConnect(): boolean {
    return this.remote === null;
  }

  /** The TLS of the leafnode listener, for an accepted connection (null: plaintext). */
  get acceptTls(): ClientTls | null {
    return this.remote === null ? this.ln.tls : null;
  }

  private infoSent = false;

  /** The hub's first INFO (with the nonce), once. */
  sendFirstInfo(): void {
    if (this.infoSent || this.remote !== null) return;
    this.infoSent = true;
    const c = this.c;
    c.queueBytes(this.ln.infoFrame(c, true));
    c.flushSoon();
  }

  /**
   * createLeafNode's sends and timers (when the connection starts reading, after TLS if any): the
   * hub's INFO and auth timer; the spoke waits for that INFO.
   */
  init(): void {
    const c = this.c;
    if (this.remote === null) {
      this.sendFirstInfo();
      c.startAuthTimer(this.ln.authTimeout);
    } else if (!this.infoReceived) {
      this.timer = new Timer(() => {
        this.timer = null;
        if (this.infoReceived || c.closed) return;
        c.debug(`Error reading from client: read tcp: i/o timeout`);
        this.remote!.noteFailure('no INFO from the remote within 1s');
        c.closeConnection(ClosedState.ReadError);
      }, LEAF_INFO_WAIT_MS);
    }
  }

  // ---------------------------------------------------------------- permissions

  /** setPermissions: `publish` governs what we send (and accept interest in), `subscribe` what we ask for. */
  private setPermissions(p: { publish?: SubjectPermission; subscribe?: SubjectPermission }, extraDeny: string[]): void {
    const pub = merge(p.publish, extraDeny);
    const sub = merge(p.subscribe, extraDeny);
    this.permSrc = { publish: pub, subscribe: sub };
    const perms: Permissions = {};
    if (pub !== undefined) perms.publish = pub;
    if (sub !== undefined) perms.subscribe = sub;
    this.perms = pub === undefined && sub === undefined ? null : clientPermissions(perms, (m) => this.c.error(m));
    this.lastSendSubject = null;
  }

  /** mergeDenyPermissions: more subjects denied on one side or both. */
  private mergeDeny(what: 'pub' | 'sub' | 'both', subjects: string[]): void {
    if (subjects.length === 0) return;
    const p = { ...this.permSrc };
    if (what !== 'sub') p.publish = merge(p.publish, subjects);
    if (what !== 'pub') p.subscribe = merge(p.subscribe, subjects);
    this.setPermissions(p, []);
  }

  /** May a message on `subject` be sent to the peer (pubAllowedFullCheck)? The last answer is kept: floods repeat a subject. */
  canSend(subject: string): boolean {
    if (this.perms === null) return true;
    if (subject === this.lastSendSubject) return this.lastSendOK;
    this.lastSendSubject = subject;
    return (this.lastSendOK = this.perms.canPublish(subject));
  }

  private lastSendSubject: string | null = null;
  private lastSendOK = false;

  /**
   * May we tell the peer we are interested in `subject` (canSubscribe)? A wildcard wider than an
   * allowed subject is allowed: the messages are pruned by the peer's publish check.
   */
  canSubscribe(subject: string): boolean {
    if (this.perms === null) return true;
    if (this.perms.canSubscribe(subject, null)) return true;
    const allow = this.permSrc.subscribe?.allow;
    if (allow === undefined || allow.length === 0 || !hasWildcard(subject)) return false;
    if (!allow.some((a) => subjectIsSubsetMatch(a, subject))) return false;
    const deny = this.permSrc.subscribe?.deny ?? [];
    return !deny.some((d) => subjectIsSubsetMatch(subject, d));
  }

  // ---------------------------------------------------------------- CONNECT (hub side)

  /** processConnect for a leaf (client.go processConnect → leafnode.go processLeafNodeConnect). */
  processConnect(text: string): void {
    const c = this.c;
    const srv = c.server;
    if (srv.log.trace) c.trace(`<<- [CONNECT ${redactConnect(text)}]`);
    c.clearAuthTimer();
    c.last = Date.now();
    if (this.remote !== null) {
      // A CONNECT sent to the side that dialled: the reference reads it as a client would, with
      // nothing to authorize (the account is bound already).
      const err = decodeClientOpts(text, c.opts);
      if (err !== null) return c.protocolViolation(err);
      return;
    }
    const err = decodeClientOpts(text, c.opts);
    if (err !== null) return c.protocolViolation(err);
    c.connectReceived = true;
    // The JWT counts only in operator mode.
    if (srv.auth.operator === null) c.opts.jwt = '';
    const r = this.ln.authorize(c);
    const go = (ok: boolean) => {
      if (c.closed) return;
      if (!ok) return c.authViolation();
      if (c.opts.new_account || c.opts.account !== '') return c.authViolation();
      this.bound = true;
      this.finishHubConnect(text);
    };
    if (r instanceof Promise) c.suspendUntil(r, (ok) => go(ok === true));
    else go(r);
  }

  private finishHubConnect(text: string): void {
    const c = this.c;
    const srv = c.server;
    const lang = c.opts.lang;
    if (lang !== '') {
      c.sendErr(CLIENT_ON_LEAF_PORT);
      c.error(CLIENT_ON_LEAF_PORT);
      c.closeConnection(ClosedState.WrongPort);
      c.error(CLIENT_ON_LEAF_PORT);
      return;
    }
    const proto = decodeLeafConnect(text);
    if (typeof proto === 'string') return c.protocolViolation(proto);
    const cn = this.ln.clusterName;
    if (cn !== '' && proto.cluster !== '' && proto.cluster === cn) {
      c.sendErr(SAME_CLUSTER_NAME);
      c.error(SAME_CLUSTER_NAME);
      return c.closeConnection(ClosedState.ClusterNamesIdentical);
    }
    if (proto.gateway !== '') {
      const txt = `Rejecting connection from gateway ${goQuote(proto.gateway)} on the leafnode port`;
      c.error(txt);
      c.sendErr(txt);
      c.closeConnection(ClosedState.WrongGateway);
      c.error('wrong gateway');
      return;
    }
    const mv = this.ln.opts.minVersion ?? '';
    if (mv !== '' && !versionAtLeast(proto.version, mv)) {
      // The INFO goes first so that the remote waits instead of timing out; the close comes later.
      c.queueBytes(this.ln.infoFrame(c, false, this));
      const txt = `connection rejected since minimum version required is ${goQuote(mv)}`;
      c.sendErr(txt);
      c.error(txt);
      this.timer = new Timer(() => c.closeConnection(ClosedState.MinimumVersionRequired), 5000);
      return;
    }
    // Leaf nodes do not do echo, verbose or pedantic.
    c.opts.verbose = false;
    c.opts.echo = false;
    c.opts.pedantic = false;
    c.echo = false;
    c.headers = !srv.opts.noHeaderSupport && proto.headers;
    this.remoteServer = proto.name;
    this.remoteID = proto.server_id;
    this.remoteVersion = proto.version;
    if (proto.is_hub) this.isSpoke = true;
    if (proto.cluster !== '') this.remoteCluster = proto.cluster;
    c.setFirstPingTimer();
    // The peer's deny_imports: we do not send it those subjects.
    this.mergeDeny('pub', proto.deny_pub);
    this.register(true);
    if (c.closed) return;
    // The INFO that answers CONNECT (sendPermsAndAccountInfo), then our interest.
    c.queueBytes(this.ln.infoFrame(c, false, this));
    this.ln.interest.initSmap(this);
    c.flushSoon();
  }

  /**
   * The hub user's permissions, as the leaf must see them: reversed (what the user may publish is
   * the interest we send; what it may subscribe to is what we deliver), with the user's own kept for
   * the INFO import/export (setPermissions for a hub leaf).
   */
  applyUserPermissions(p: Permissions | undefined): void {
    this.userPerms = p;
    if (p === undefined) return this.setPermissions({}, []);
    this.setPermissions({ publish: p.subscribe, subscribe: p.publish }, []);
  }

  /** The hub user's permissions (INFO import = its subscribe, export = its publish). */
  userPerms: Permissions | undefined = undefined;

  /** addLeafNodeConnection: registered (a duplicate replaced), JetStream denies added. */
  private register(checkDup: boolean): void {
    const c = this.c;
    this.ln.addLeaf(this, checkDup);
    if (c.closed) return;
    const acc = c.account;
    const sys = c.server.sysAcc;
    const decorated = this.remoteCluster === '' ? this.remoteServer : `${this.remoteServer}/${this.remoteCluster}`;
    // tsnats has no JetStream domain to extend: JetStream API traffic never crosses (addLeafNodeConnection).
    if (sys !== null && acc === sys) {
      c.notice(`System Account Connected from ${decorated}`);
      c.notice(`JetStream Not Extended, adding denies [${DENY_ALL_JS.join(' ')}]`);
      this.mergeDeny('both', DENY_ALL_JS);
    } else {
      c.notice(`JetStream Not Extended, adding deny [${DENY_ALL_CLIENT_JS.join(' ')}] for account ${goQuote(acc.name)}`);
      this.mergeDeny('both', DENY_ALL_CLIENT_JS);
    }
    this.registered = true;
    this.ln.leafRegistered(this);
  }

  // ---------------------------------------------------------------- INFO

  /** processLeafnodeInfo. */
  processInfo(text: string): void {
    const c = this.c;
    const info = decodeRouteInfo(text);
    if (typeof info === 'string') return c.protocolViolation(info);
    if (c.closed) return;
    const remote = this.remote;
    let first = false;
    if (!this.infoReceived) {
      this.infoReceived = true;
      first = true;
      // Only a leafnode port answers with client_id and leafnode_urls (a client or route port does not).
      if (remote !== null && (info.client_id === 0 || !infoHas(text, 'leafnode_urls'))) {
        c.error(WRONG_PORT);
        remote.noteFailure(WRONG_PORT);
        return c.closeConnection(ClosedState.WrongPort);
      }
      c.nonce = info.nonce;
      c.headers = !c.server.opts.noHeaderSupport && info.headers;
      this.remoteServer = info.server_name !== '' ? info.server_name : info.server_id;
      this.remoteID = info.server_id;
      this.remoteVersion = info.version;
      this.remoteCluster = info.cluster;
    }
    if (remote !== null && info.leafnode_urls.length > 0) remote.updateURLs(info.leafnode_urls);
    if (info.import !== null || info.export !== null) {
      const p: { publish?: SubjectPermission; subscribe?: SubjectPermission } = {};
      if (info.export !== null) p.publish = { ...info.export };
      if (info.import !== null) p.subscribe = { ...info.import };
      if (remote !== null) {
        if (remote.opts.denyExports?.length) p.publish = merge(p.publish, remote.opts.denyExports);
        if (remote.opts.denyImports?.length) p.subscribe = merge(p.subscribe, remote.opts.denyImports);
      }
      this.setPermissions(p, []);
    }
    if (info.remote_account !== '' && remote !== null) remote.remoteAccount = info.remote_account;
    let finish = info.connect_info;
    if (first && remote !== null) {
      this.timer?.clear();
      this.timer = null;
      // TLS when the remote asks for it (tls {}, tls://) or the hub requires it (leafNodeResumeConnectProcess).
      if (remote.opts.tls !== undefined || remote.cur?.tls === true || info.tls_required) {
        remote.tlsRequired = true;
        if (!(c.sock instanceof Socket) || !this.tlsCapable) {
          // Dialled reading into the shared buffer, which TLS cannot take over: the next dial is plain TCP.
          c.error('The remote requires TLS: dialling again for it');
          remote.noteFailure('the hub requires TLS');
          return c.closeConnection(ClosedState.TLSHandshakeError);
        }
        this.startTls(!info.info_on_connect);
        return;
      }
      this.resumeConnect();
      if (c.closed) return;
      if (!info.info_on_connect) finish = true;
    }
    if (finish && remote !== null) this.finishConnect();
  }

  /** The socket was dialled without the shared read buffer (TLS can wrap it). */
  tlsCapable = false;

  /**
   * The client side of TLS to the hub (leafNodeResumeConnectProcess → doTLSClientHandshake): the
   * plaintext socket is handed to node:tls, verified as the remote's tls {} says (the URL's host as
   * the name, ca_file, cert_file/key_file when the hub verifies leafs, insecure), under the tls
   * timeout (2 s); then CONNECT goes over TLS.
   */
  private startTls(finish: boolean): void {
    const c = this.c;
    const remote = this.remote!;
    const raw = c.sock as Socket;
    // Stop reading NATS from the plaintext socket: node:tls reads it from now on.
    for (const ev of ['data', 'end', 'close', 'error']) raw.removeAllListeners(ev);
    raw.on('error', () => {});
    raw.pause();
    const cfg = remote.opts.tls;
    const url = remote.cur!;
    const opts: ConnectionOptions = { socket: raw, host: url.host, minVersion: 'TLSv1.2' };
    if (isIP(url.host) === 0) opts.servername = url.host;
    let timeoutMs = LEAF_TLS_TIMEOUT_MS;
    if (cfg !== undefined) {
      try {
        const sc = buildSecureContextOptions(cfg).options;
        Object.assign(opts, { cert: sc.cert, key: sc.key, ca: sc.ca, ciphers: sc.ciphers, ecdhCurve: sc.ecdhCurve, minVersion: sc.minVersion ?? 'TLSv1.2' });
      } catch (e) {
        c.error(`TLS configuration error: ${(e as Error).message}`);
        remote.noteFailure((e as Error).message);
        return c.closeConnection(ClosedState.TLSHandshakeError, true);
      }
      opts.rejectUnauthorized = !cfg.insecure;
      if ((cfg.timeoutMs ?? 0) > 0) timeoutMs = cfg.timeoutMs!;
    }
    c.debug('Starting TLS leafnode client handshake');
    const ts = tlsConnect(opts);
    const fail = (text: string) => {
      t.clear();
      if (c.closed) return;
      c.error(`TLS leafnode handshake error: ${text}`);
      remote.noteFailure(`TLS: ${text}`);
      ts.destroy();
      c.closeConnection(ClosedState.TLSHandshakeError, true);
    };
    const t = new Timer(() => fail('timeout'), timeoutMs);
    ts.once('error', (err) => fail(err.message));
    ts.once('secureConnect', () => {
      t.clear();
      ts.removeAllListeners('error');
      if (c.closed) return void ts.destroy();
      c.debug('TLS handshake complete');
      c.startReading(ts, false);
      this.resumeConnect();
      if (finish && !c.closed) this.finishConnect();
      c.flushSoon();
    });
  }

  /** leafNodeResumeConnectProcess: CONNECT, then wait for the hub's answer. */
  private resumeConnect(): void {
    const c = this.c;
    const remote = this.remote!;
    const srv = c.server;
    const url = remote.cur!;
    const ci: Partial<LeafConnect> = {
      version: C.VERSION,
      tls_required: remote.tlsRequired,
      server_id: srv.id,
      name: srv.name,
      is_hub: remote.opts.hub === true,
      cluster: this.ln.clusterName,
      headers: c.headers,
      deny_pub: remote.opts.denyImports ?? [],
    };
    if (remote.opts.credentials) {
      c.debug(`Authenticating with credentials file ${goQuote(remote.opts.credentials)}`);
      const r = signWithCreds(remote.opts.credentials, c.nonce);
      if (typeof r === 'string') {
        c.error(r);
        remote.noteFailure(r);
        return c.closeConnection(ClosedState.WriteError);
      }
      ci.jwt = r.jwt;
      ci.sig = r.sig;
    } else {
      const cr = remote.credentialsFor(url);
      if (cr.user !== '') {
        ci.user = cr.user;
        ci.pass = cr.pass;
      }
    }
    c.queueBytes(Buffer.from(`CONNECT ${leafConnectJSON(ci)}\r\n`, 'utf8'));
    c.flushSoon();
    this.timer = new Timer(() => {
      this.timer = null;
      if (this.connectFinished || c.closed) return;
      this.connectFinished = true;
      c.sendErr('Stale Leaf Node Connection - Closing');
      c.debug('Stale Leaf Node Connection - Closing');
      remote.noteFailure('no answer to CONNECT within 2s');
      c.closeConnection(ClosedState.StaleConnection);
    }, LEAF_CONNECT_PROCESS_MS);
    c.debug('Remote leafnode connect msg sent');
  }

  /** leafNodeFinishConnectProcess: registered, bound, our interest sent. */
  private finishConnect(): void {
    if (this.connectFinished) return;
    this.connectFinished = true;
    this.timer?.clear();
    this.timer = null;
    const c = this.c;
    if (c.closed) return;
    this.bound = true;
    this.register(false);
    if (c.closed) return;
    this.remote!.noteConnected();
    this.ln.interest.initSmap(this);
    c.setFirstPingTimer();
    c.flushSoon();
  }

  // ---------------------------------------------------------------- -ERR

  /** processErr for a leaf: logged; a loop or same-cluster error delays the next attempt. No close. */
  processErr(text: string): void {
    const c = this.c;
    c.error(`Leafnode Error ${text}`);
    if (text.includes(SAME_CLUSTER_NAME)) {
      const delay = this.setConnectDelay(LEAF_SAME_CLUSTER_DELAY_MS);
      c.error(`Leafnode connection dropped with same cluster name error. Delaying attempt to reconnect for ${formatGoDuration(delay)}`);
      return;
    }
    if (!text.includes('Loop detected')) return;
    this.handleLoop(false);
  }

  /** setLeafConnectDelayIfSoliciting: the delay actually used (leafnodes.loop_delay may set another). */
  private setConnectDelay(delay: number): number {
    const d = this.ln.opts.loopDelay ?? delay;
    if (this.remote !== null) this.remote.connDelay = d;
    return d;
  }

  /** handleLeafNodeLoop. */
  private handleLoop(sendErr: boolean): void {
    const c = this.c;
    const delay = this.setConnectDelay(LEAF_LOOP_DELAY_MS);
    if (this.remote !== null) this.remote.loopDetectedAt = Date.now();
    this.ln.loopsDetected++;
    const txt = `Loop detected for leafnode account=${goQuote(c.account.name)}. Delaying attempt to reconnect for ${formatGoDuration(delay)}`;
    if (sendErr) c.sendErr(txt);
    c.error(txt);
    c.closeConnection(ClosedState.ProtocolViolation);
  }

  // ---------------------------------------------------------------- LS+ / LS-

  /** processLeafSub: `<subject>` or `<subject> <queue> <weight>`. */
  processLeafSub(buf: Buffer, s: number, e: number): void {
    const c = this.c;
    if (c.server.log.trace) c.trace(`<<- [LS+ ${buf.toString('latin1', s, e)}]`);
    const t = this.tok;
    const n = splitArgs(buf, s, e, t);
    let queue: string | null = null;
    let qw = 1;
    if (n === 3) {
      queue = latin1Slice(buf, t[2], t[3]);
      qw = parseSize(buf, t[4], t[5]);
    } else if (n !== 1) {
      return c.protocolViolation(`processLeafSub Parse Error: '${buf.toString('latin1', s, e)}'`);
    }
    if (c.closed || !this.registered) return;
    const subject = latin1Slice(buf, t[0], t[1]);
    const acc = c.account;
    const lds = subject.startsWith(LDS_PREFIX);
    if (lds && subject === this.ln.ldsSubject(acc)) return this.handleLoop(true);
    // Permissions (but not for $LDS., $GR. and _GR_.): interest the peer may not get messages for.
    const check = !(lds || subject.startsWith('$GR.') || subject.startsWith('_GR_.'));
    if (check && isValidLiteralSubject(subject) && !this.canSend(subject)) {
      this.subPermViolation(subject);
      c.debug(`Permissions Violation for Subscription to ${goQuote(subject)}`);
      return;
    }
    const key = queue === null ? subject : `${subject} ${queue}`;
    const subs = (c.subs ??= new Map());
    const osub = subs.get(key);
    if (osub === undefined) {
      const sub = new Subscription(c, subject, queue, key);
      if (queue !== null) sub.qw = qw < 0 ? 0 : qw;
      if (this.remoteCluster !== '') sub.origin = this.remoteCluster;
      subs.set(key, sub);
      if (!acc.addSubscription(sub)) {
        subs.delete(key);
        c.error('Could not insert subscription: sublist: invalid subject');
        c.sendErr('Invalid Subscription');
      }
    } else if (queue !== null) {
      // A repeated LS+ for a queue carries its new weight.
      const old = osub.qw;
      osub.qw = qw < 0 ? 0 : qw;
      acc.sl.updateRemoteQSub(osub, old);
    }
  }

  /** leafSubPermViolation: the hub tells the peer and closes; a spoke just ignores the interest. */
  private subPermViolation(subject: string): void {
    if (this.isSpoke) return;
    const c = this.c;
    this.setConnectDelay(LEAF_PERM_VIOLATION_DELAY_MS);
    c.sendErr(`Permissions Violation for Subscription to ${goQuote(subject)}`);
    c.error(`Subscription Violation on ${goQuote(subject)} - Check other side configuration`);
    c.closeConnection(ClosedState.ProtocolViolation);
  }

  /** processLeafUnsub: `<subject>[ <queue>]`, the key of an LS+. */
  processLeafUnsub(buf: Buffer, s: number, e: number): void {
    const c = this.c;
    if (c.server.log.trace) c.trace(`<<- [LS- ${buf.toString('latin1', s, e)}]`);
    if (c.closed) return;
    const t = this.tok;
    const n = splitArgs(buf, s, e, t);
    if (n < 1) return;
    const key = n >= 2 ? `${latin1Slice(buf, t[0], t[1])} ${latin1Slice(buf, t[2], t[3])}` : latin1Slice(buf, t[0], t[1]);
    const sub = c.subs?.get(key);
    if (sub !== undefined) c.unsubscribe(sub);
  }

  // ---------------------------------------------------------------- LMSG / HMSG / PUB

  /** processLeafMsgArgs / processLeafHeaderMsgArgs: `<subject> [+ <reply> <q…> | \| <q…> | <reply>] [<hdr>] <size>`. */
  processLeafMsgArgs(buf: Buffer, s: number, e: number, hdr: boolean): number {
    const c = this.c;
    if (c.server.log.trace) c.trace(`<<- [${hdr ? 'HMSG' : 'LMSG'} ${buf.toString('latin1', s, e)}]`);
    let t = this.tok;
    let n = splitArgs(buf, s, e, t);
    if (n > t.length >> 1) {
      this.tok = t = new Int32Array(2 * n);
      n = splitArgs(buf, s, e, t);
    }
    const base = hdr ? 3 : 2; // subject [hdr] size
    if (n < base) return this.argsError(buf, s, e, n, hdr, 'Parse Error', -1);
    let reply = '';
    let queues: string[] | null = null;
    if (n === base + 1) reply = latin1Slice(buf, t[2], t[3]);
    else if (n > base + 1) {
      const ib = buf[t[2]];
      if (t[3] - t[2] !== 1 || (ib !== 0x2b && ib !== 0x7c)) return this.argsError(buf, s, e, n, hdr, 'Bad or Missing Reply Indicator', 1);
      let q = 2;
      if (ib === 0x2b) {
        reply = latin1Slice(buf, t[4], t[5]);
        q++;
      }
      queues = [];
      for (const end = n - (hdr ? 2 : 1); q < end; q++) queues.push(latin1Slice(buf, t[2 * q], t[2 * q + 1]));
    }
    const size = parseSize(buf, t[2 * (n - 1)], t[2 * (n - 1) + 1]);
    let hdrSize = -1;
    if (hdr) {
      hdrSize = parseSize(buf, t[2 * (n - 2)], t[2 * (n - 2) + 1]);
      if (hdrSize < 0) return this.argsError(buf, s, e, n, hdr, 'Bad or Missing Header Size', -1);
    }
    if (size < 0) return this.argsError(buf, s, e, n, hdr, 'Bad or Missing Size', -1);
    if (hdr && hdrSize > size) return this.argsError(buf, s, e, n, hdr, 'Header Size larger then TotalSize', -1);
    // Most messages repeat the previous subject: its string is reused.
    this.paSubject = this.subjCache.get(buf, t[0], t[1]);
    this.paReply = reply;
    this.paQueues = queues;
    this.paHdr = hdr && hdrSize > 0 ? hdrSize : -1;
    c.paSzb = null;
    c.paHdb = null;
    return size;
  }

  private readonly subjCache = new BytesString();

  /** An argument error of a leaf message, in the reference's words; closes the connection. */
  private argsError(buf: Buffer, s: number, e: number, n: number, hdr: boolean, what: string, tok: number): number {
    const fn = hdr ? 'processLeafHeaderMsgArgs' : 'processLeafMsgArgs';
    const t = this.tok;
    const str = (k: number) => latin1Slice(buf, t[2 * k], t[2 * k + 1]);
    // Go prints the split arguments ('[a b]'), the whole line, or the offending token, as each check does.
    const args = `[${Array.from({ length: Math.min(n, t.length >> 1) }, (_, k) => str(k)).join(' ')}]`;
    const text = tok >= 0 ? str(tok) : what === 'Parse Error' || what === 'Bad or Missing Size' ? args : buf.toString('latin1', s, e);
    this.c.protocolViolation(`${fn} ${what}: '${text}'`);
    return -1;
  }

  /** A PUB/HPUB on a leaf connection: an LMSG without queue groups. */
  notePub(subject: string, reply: string, hdr: number): void {
    this.paSubject = subject;
    this.paReply = reply;
    this.paQueues = null;
    this.paHdr = hdr;
  }

  /** processInboundLeafMsg: delivered in the bound account. */
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
    st.inLeafMsgs++;
    st.inLeafBytes += size;
    if (!this.registered) return;
    c.account.deliverLocal(c, this.paSubject, this.paReply, buf, s, e, this.paHdr, null, this.paQueues);
    c.paView = null;
    c.paViewBuf = null;
  }

  // ---------------------------------------------------------------- interest we tell the peer (smap)

  /** writeLeafSub: `LS+ <key>[ <n>]` (n only for a queue key) or `LS- <key>`. */
  sendSubUpdate(key: string, n: number): void {
    const c = this.c;
    if (this.isSpoke) {
      const subject = key.indexOf(' ') < 0 ? key : key.slice(0, key.indexOf(' '));
      const check = !(subject.startsWith(LDS_PREFIX) || subject.startsWith('$GR.') || subject.startsWith('_GR_.'));
      if (check && !this.canSubscribe(subject)) return;
    }
    const line = leafSubLine(key, n);
    c.queueBytes(Buffer.from(line, 'latin1'));
    if (c.server.log.trace) c.trace(`->> [${line.slice(0, -2)}]`);
    c.flushSoon();
  }

  // ---------------------------------------------------------------- close

  /** The connection closed (closeConnection for LEAF): forget it, maybe dial again. */
  closed(reason: ClosedReason): void {
    this.timer?.clear();
    this.timer = null;
    this.smap = null;
    this.ln.leafClosed(this, reason);
  }
}

/** `LS+ key[ n]\r\n` or `LS- key\r\n`. */
export function leafSubLine(key: string, n: number): string {
  if (n > 0) return key.indexOf(' ') >= 0 ? `LS+ ${key} ${n}\r\n` : `LS+ ${key}\r\n`;
  return `LS- ${key}\r\n`;
}

/** newLeafNodeCfg perms: deny_exports is a publish deny, deny_imports a subscribe deny. */
function remotePerms(r: RemoteCfg): { publish?: SubjectPermission; subscribe?: SubjectPermission } {
  const p: { publish?: SubjectPermission; subscribe?: SubjectPermission } = {};
  if (r.opts.denyExports?.length) p.publish = { deny: [...r.opts.denyExports] };
  if (r.opts.denyImports?.length) p.subscribe = { deny: [...r.opts.denyImports] };
  return p;
}

/** A permission with more subjects denied (each once). */
function merge(p: SubjectPermission | undefined, deny: string[]): SubjectPermission | undefined {
  if (deny.length === 0) return p === undefined ? undefined : { allow: p.allow ? [...p.allow] : undefined, deny: p.deny ? [...p.deny] : undefined };
  const out: SubjectPermission = { allow: p?.allow ? [...p.allow] : undefined, deny: p?.deny ? [...p.deny] : [] };
  for (const d of deny) if (!out.deny!.includes(d)) out.deny!.push(d);
  return out;
}

/** versionAtLeast(version, major, minor, update) of a "x.y.z" minimum. */
function versionAtLeast(version: string, min: string): boolean {
  const parse = (v: string) => /^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim())?.slice(1, 4).map(Number) ?? null;
  const a = parse(version);
  const b = parse(min);
  if (a === null || b === null) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}
