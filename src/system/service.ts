// The system account (`system_account`, default `$SYS`; events.go): internal subscriptions that
// answer $SYS.REQ.* requests with the same functions as the HTTP monitor, and the events the
// server publishes — account CONNECT/DISCONNECT and CONNS, STATSZ, SHUTDOWN, CLIENT.AUTH.ERR.
// Internal subscriptions are Subscriptions with no connection and a handler; messages are
// published into the system account with Account.deliverLocal(null, …).
import type { Server } from '../server/server.js';
import type { Account } from '../accounts/account.js';
import type { Client } from '../server/client.js';
import { Subscription } from '../server/subscription.js';
import { ClosedState } from '../errors.js';
import { goJSON, nowMs } from '../monitor/format.js';
import { trackAccountTraffic, accountStat, numLeafConnections } from '../monitor/accounts.js';
import { trackHealthCounters } from '../monitor/metrics.js';
import { statsz } from '../monitor/statsz.js';
import { serverInfo, type ServerInfo, clientInfo, typedEvent, ConnectEventMsgType, DisconnectEventMsgType, AccountNumConnsMsgType } from './messages.js';
import { registerRequests } from './requests.js';

/** STATSZ heartbeat: first after 250ms, doubling up to 30s (startStatszTimer, heartbeatStatsz). */
export const STATSZ_FIRST_MS = 250;
export const STATSZ_MAX_MS = 30_000;
/** Account CONNS heartbeat while an account has connections (eventsHBInterval). */
export const ACC_CONNS_HB_MS = 30_000;

export type InternalHandler = (subject: string, reply: string, msg: Buffer, client: Client | null) => void;

export class SystemService {
  /** Sequence of $SYS messages sent (ServerInfo.seq). */
  private seq = 0;
  private running = false;
  private subs: Subscription[] = [];
  private sid = 1;
  private statszTimer: NodeJS.Timeout | null = null;
  private statszInterval = STATSZ_FIRST_MS;
  private connsTimers = new Map<Account, NodeJS.Timeout>();
  /** Connections that completed CONNECT (only those get DISCONNECT and CONNS events). */
  private connected = new WeakSet<Client>();
  private readonly listeners: [string, (...a: any[]) => void][] = [];

  constructor(readonly srv: Server, readonly acc: Account) {}

  /** Subscribes the request handlers, starts the STATSZ heartbeat and listens for connection events. */
  start(): void {
    if (this.running) return;
    this.running = true;
    trackAccountTraffic(this.srv);
    trackHealthCounters(this.srv);
    registerRequests(this);
    this.on('client:connect', (c: Client) => this.clientConnected(c));
    this.on('client:close', (c: Client, reason: string | null) => this.clientClosed(c, reason ?? ClosedState.ClientClosed));
    this.on('client:auth_error', (c: Client) => this.authError(c));
    // Leaf connections: the account's CONNS (its leafnodes count) when one comes or goes, and a
    // DISCONNECT event when one closes (saveClosedClient → accountDisconnectEvent); the reference
    // sends no CONNECT event for them (LEAFNODE.CONNECT is for gateways).
    this.on('leaf:connect', (c: Client) => {
      this.connected.add(c);
      this.accConnsUpdate(c.account);
    });
    this.on('leaf:close', (c: Client, reason: string | null) => this.clientClosed(c, reason ?? ClosedState.ClientClosed));
    // $SYS.SERVER.<id>.LAMEDUCK (since 2.9.22): the body is the ServerInfo, as SHUTDOWN.
    this.on('lame_duck', () => this.sendServerInfo(`$SYS.SERVER.${this.srv.id}.LAMEDUCK`));
    // The other servers of the cluster (initEventTracking): their heartbeats, their account
    // connection counts (account limits hold cluster-wide), their shutdowns.
    this.subscribe('$SYS.SERVER.*.STATSZ', (subj, _r, msg) => this.remoteServerUpdate(subj, msg));
    this.subscribe('$SYS.SERVER.*.SHUTDOWN', (subj) => this.remoteServerGone(subj.split('.')[2]));
    this.subscribe('$SYS.SERVER.ACCOUNT.*.CONNS', (_s, _r, msg) => this.remoteConnsUpdate(msg));
    this.on('route:close', (c: Client) => { if (c.route !== null) this.remoteServerGone(c.route.remoteID); });
    this.statszInterval = STATSZ_FIRST_MS;
    this.armStatsz();
  }

  /** Sends the SHUTDOWN event, then stops publishing (sendShutdownEvent: nothing is sent after it). */
  stop(): void {
    if (!this.running) return;
    this.sendServerInfo(`$SYS.SERVER.${this.srv.id}.SHUTDOWN`);
    this.running = false;
    for (const [ev, fn] of this.listeners) this.srv.off(ev, fn);
    this.listeners.length = 0;
    if (this.statszTimer) clearTimeout(this.statszTimer);
    this.statszTimer = null;
    for (const t of this.connsTimers.values()) clearTimeout(t);
    this.connsTimers.clear();
    for (const s of this.subs) {
      s.closed = true;
      this.acc.removeSubscription(s);
    }
    this.subs = [];
    this.servers.clear();
  }

  /** Remote servers seen (their STATSZ), by id: active_servers in STATSZ. */
  readonly servers = new Set<string>();

  private remoteServerUpdate(subject: string, msg: Buffer): void {
    const id = subject.split('.')[2];
    if (id !== undefined && id !== this.srv.id) this.servers.add(id);
    void msg;
  }

  /** A server left (SHUTDOWN event, or its route closed): forget it and its account connections. */
  private remoteServerGone(id: string | undefined): void {
    if (id === undefined || id === '' || id === this.srv.id) return;
    this.servers.delete(id);
    for (const a of this.srv.accounts.values()) if (a.remoteConns.has(id)) a.removeRemoteServer(id);
  }

  /** remoteConnsUpdate: another server's connection count for an account we have. */
  private remoteConnsUpdate(msg: Buffer): void {
    let m: unknown;
    try {
      m = JSON.parse(msg.toString('utf8'));
    } catch (e) {
      this.srv.log.error(`Error unmarshalling account connection event message: ${(e as Error).message}`);
      return;
    }
    if (typeof m !== 'object' || m === null) return;
    const ev = m as { acc?: unknown; conns?: unknown; server?: { id?: unknown } };
    const id = ev.server?.id;
    if (typeof ev.acc !== 'string' || typeof id !== 'string' || typeof ev.conns !== 'number' || !Number.isSafeInteger(ev.conns) || ev.conns < 0) return;
    if (id === this.srv.id) return;
    const acc = this.srv.accounts.get(ev.acc);
    if (acc === undefined) return;
    this.servers.add(id);
    acc.updateRemoteServer(id, ev.conns);
  }

  get isRunning(): boolean {
    return this.running;
  }

  private on(ev: string, fn: (...a: any[]) => void): void {
    this.srv.on(ev, fn);
    this.listeners.push([ev, fn]);
  }

  /** An internal subscription in the system account (sysSubscribe). */
  subscribe(subject: string, handler: InternalHandler): void {
    const sub = new Subscription(null, subject, null, String(this.sid++), (_s, subj, reply, _hdr, msg, client) => {
      if (this.running) handler(subj, reply, msg, client);
    });
    if (this.acc.addSubscription(sub)) this.subs.push(sub);
  }

  /**
   * Publishes a message into the system account (sendInternalMsg). A `server` field in the body is
   * filled with this server's ServerInfo and the next sequence number. No reply subject: the
   * subscriber sees `MSG subject sid  size` with two spaces, as from the reference.
   */
  publish(subject: string, reply: string, body: Record<string, unknown> & { server?: ServerInfo | null }): void {
    if (!this.running) return;
    this.seq++;
    if ('server' in body) body.server = serverInfo(this.srv, this.seq);
    this.deliver(subject, reply, body);
  }

  /** A message that is not a ServerAPIResponse (no ServerInfo, no sequence number): a bare payload. */
  publishRaw(subject: string, payload: string): void {
    if (!this.running) return;
    const buf = Buffer.from(payload, 'utf8');
    this.acc.deliverLocal(null, subject, '', buf, 0, buf.length, -1);
  }

  /** A message whose body is this server's ServerInfo itself (SHUTDOWN, LAMEDUCK). */
  private sendServerInfo(subject: string): void {
    if (!this.running) return;
    this.seq++;
    this.deliver(subject, '', serverInfo(this.srv, this.seq));
  }

  private deliver(subject: string, reply: string, body: object): void {
    const buf = Buffer.from(goJSON(body), 'utf8');
    this.acc.deliverLocal(null, subject, reply, buf, 0, buf.length, -1);
  }

  /** Anyone subscribed to `subject` in the system account? (events are built only then) */
  hasInterest(subject: string): boolean {
    const r = this.acc.sl.match(subject);
    return r.psubs.length > 0 || r.qsubs.length > 0;
  }

  // ---------------------------------------------------------------- events

  private clientConnected(c: Client): void {
    this.connected.add(c);
    const a = c.account;
    if (!a) return;
    this.accConnsUpdate(a);
    const subject = `$SYS.ACCOUNT.${a.name}.CONNECT`;
    if (!this.hasInterest(subject)) return;
    this.publish(subject, '', {
      ...typedEvent(ConnectEventMsgType),
      server: null,
      client: clientInfo(c, { user: c.user }),
    });
  }

  private clientClosed(c: Client, reason: string): void {
    if (!this.connected.has(c)) return;
    this.connected.delete(c);
    const a = c.account;
    if (!a) return;
    this.accConnsUpdate(a);
    const subject = `$SYS.ACCOUNT.${a.name}.DISCONNECT`;
    if (!this.hasInterest(subject)) return;
    const stop = c.stop?.getTime() ?? nowMs();
    this.publish(subject, '', {
      ...typedEvent(DisconnectEventMsgType, stop),
      server: null,
      client: clientInfo(c, { user: c.user, rtt: true, stop }),
      // From the client's side: what it sent is what the server received from it.
      sent: { msgs: c.inMsgs, bytes: c.inBytes },
      received: { msgs: c.outMsgs, bytes: c.outBytes },
      reason,
    });
  }

  /** $SYS.SERVER.<id>.CLIENT.AUTH.ERR: a client_disconnect advisory with reason `Authentication Failure`. */
  private authError(c: Client): void {
    const subject = `$SYS.SERVER.${this.srv.id}.CLIENT.AUTH.ERR`;
    if (!this.hasInterest(subject)) return;
    const now = nowMs();
    this.publish(subject, '', {
      ...typedEvent(DisconnectEventMsgType, now),
      server: null,
      // The user as the client presented it (getRawAuthUser of a failed login).
      client: clientInfo(c, { user: c.opts.user, rtt: true, stop: now }),
      sent: { msgs: c.inMsgs, bytes: c.inBytes },
      received: { msgs: c.outMsgs, bytes: c.outBytes },
      reason: ClosedState.AuthenticationViolation,
    });
  }

  /** The account's AccountNumConns event, on both CONNS subjects, with a heartbeat while it has connections. */
  accConnsUpdate(a: Account, replyTo?: string): void {
    if (!this.running) return;
    if (replyTo === undefined) {
      const old = this.connsTimers.get(a);
      if (old) clearTimeout(old);
      this.connsTimers.delete(a);
      if (a.numConnections > 0 || numLeafConnections(this.srv, a) > 0) {
        const t = setTimeout(() => {
          this.connsTimers.delete(a);
          this.accConnsUpdate(a);
        }, ACC_CONNS_HB_MS);
        t.unref();
        this.connsTimers.set(a, t);
      }
    }
    let subjects = replyTo !== undefined ? [replyTo] : [`$SYS.SERVER.ACCOUNT.${a.name}.CONNS`, `$SYS.ACCOUNT.${a.name}.SERVER.CONNS`];
    if (replyTo === undefined) subjects = subjects.filter((s) => this.hasInterest(s));
    // The body walks the account's connections: build it only for a listener (connect storms).
    if (subjects.length === 0) return;
    const ev = typedEvent(AccountNumConnsMsgType);
    const stat = accountStat(this.srv, a);
    for (const s of subjects) this.publish(s, '', { ...ev, server: null, ...stat });
  }

  // ---------------------------------------------------------------- STATSZ heartbeat

  private armStatsz(): void {
    this.statszTimer = setTimeout(() => {
      this.statszTimer = null;
      if (!this.running) return;
      this.sendStatsz(`$SYS.SERVER.${this.srv.id}.STATSZ`);
      this.statszInterval = Math.min(this.statszInterval * 2, STATSZ_MAX_MS);
      this.armStatsz();
    }, this.statszInterval);
    this.statszTimer.unref();
  }

  /** `{"server":…,"statsz":…}` to `subject` (the broadcast subject only when someone listens). */
  sendStatsz(subject: string, force = false): void {
    if (!force && !this.hasInterest(subject)) return;
    this.publish(subject, '', { server: null, statsz: statsz(this.srv, 1 + this.servers.size) });
  }
}
