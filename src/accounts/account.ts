// An account: its own subject space (sublist), its connections and limits. Accounts never see
// each other's messages except through imports/exports (imports.ts).
import { Sublist, type SublistResult } from '../subjects/sublist.js';
import { hasWildcard, subjectIsSubsetMatch } from '../subjects/subject.js';
import type { Subscription } from '../server/subscription.js';
import type { Client } from '../server/client.js';
import { Kind } from '../server/kind.js';
import type { AccountLimits, JetStreamAccountLimits } from '../options.js';
import {
  addShadowSubscriptions, removeShadowSubscriptions, processServiceImport, SERVICE_REPLY_PREFIX,
  type StreamExport, type ServiceExport, type StreamImport, type ServiceImport,
} from './imports.js';
import type { Permissions } from '../options.js';
import type { ReplyWriter } from '../protocol/encode.js';

export class Account {
  readonly sl: Sublist<Subscription>;
  readonly clients = new Set<Client>();
  limits: AccountLimits = {};
  /**
   * The limits in force, as the reference holds them (-1 = none): max connections in the account,
   * and per connection max subscriptions and max payload. From the options' limits, or from the
   * JWT's, where a missing limit is 0 as in nats-server.
   */
  mconns = -1;
  msubs = -1;
  mpay = -1;
  /** JetStream limits (accounts.X.jetstream, JWT limits); null = JetStream not enabled for it. */
  jsLimits: JetStreamAccountLimits | null = null;
  /** Totals for /accstatz and account CONNS events. */
  slowConsumers = 0;
  totalConns = 0;
  readonly created = new Date();

  // ---- auth: exports, imports, defaults (account-config.ts, imports.ts)
  streamExports: StreamExport[] = [];
  serviceExports: ServiceExport[] = [];
  streamImports: StreamImport[] = [];
  serviceImports: ServiceImport[] = [];
  /** The internal subscriptions of the service imports. */
  serviceImportSubs: Subscription[] = [];
  /** Permissions of users that have none (accounts.X.default_permissions, or the JWT's). */
  defaultPermissions: Permissions | undefined = undefined;
  /** Response mappings of requests into this account's services, by `_R_.` reply subject. */
  readonly responses = new Map<string, ServiceImport>();
  /**
   * The other side (rrMap): for a reply subject of this account's clients, the response mappings
   * other accounts hold for it, so they go when the requester loses interest in the reply.
   */
  private readonly reverseResponses = new Map<string, Map<ServiceImport, Account>>();
  /** `_R_.<random>.`, this account's prefix for service replies, once one was needed. */
  siReply: string | null = null;
  private respSweep: NodeJS.Timeout | null = null;
  /** Operator mode: the account's public key is its name; the JWT's name is the tag. */
  nameTag = '';
  /** Operator mode: who signed the account JWT; the JWT itself; when it expires (ms, 0 = never). */
  issuer = '';
  jwt = '';
  expires = 0;
  /** Operator mode: user public key (or "*") → revoked if issued at or before (unix seconds). */
  revocations: Record<string, number> = {};
  /** Operator mode: keys that may sign users (besides the account key); scoped keys carry a template. */
  signingKeys = new Map<string, unknown>();
  /** sids of the account's internal subscriptions (service imports), numbered as its internal client's. */
  private nextInternalSid = 1;

  constructor(readonly name: string, cacheEnabled = true) {
    this.sl = new Sublist<Subscription>(cacheEnabled);
  }

  /** The next sid of an internal subscription of this account (the reference's internal client numbering). */
  internalSid(): string {
    return String(this.nextInternalSid++);
  }

  get numConnections(): number {
    return this.clients.size;
  }

  /**
   * Connections of this account on other servers of the cluster, by server id, as their
   * `$SYS.SERVER.ACCOUNT.<acc>.CONNS` events report them (strack), and their sum (nrclients).
   */
  readonly remoteConns = new Map<string, number>();
  nrclients = 0;

  /** Account max_connections reached, here and on the rest of the cluster? (MaxTotalConnectionsReached) */
  maxConnectionsReached(): boolean {
    // Any negative other than -1 (a JWT limit kept as an int32) admits nobody.
    return this.mconns !== -1 && this.clients.size + this.nrclients >= this.mconns;
  }

  /**
   * A remote server's connection count for this account (updateRemoteServer). The reference
   * 2.9.10 only refuses new connections with it: its rebalancing of local ones is dead code.
   */
  updateRemoteServer(serverId: string, conns: number): void {
    const prev = this.remoteConns.get(serverId) ?? 0;
    if (conns > 0) this.remoteConns.set(serverId, conns);
    else this.remoteConns.delete(serverId);
    this.nrclients += conns - prev;
  }

  /** A remote server went away (removeRemoteServer). */
  removeRemoteServer(serverId: string): void {
    this.updateRemoteServer(serverId, 0);
  }

  addClient(c: Client): void {
    this.clients.add(c);
    this.totalConns++;
  }

  removeClient(c: Client): void {
    this.clients.delete(c);
  }

  /** Inserts a client subscription, plus its shadow subscriptions for stream imports. */
  addSubscription(sub: Subscription): boolean {
    if (!this.sl.insert(sub)) return false;
    if (this.streamImports.length > 0) addShadowSubscriptions(this, sub);
    return true;
  }

  removeSubscription(sub: Subscription): void {
    this.sl.remove(sub);
    if (sub.shadow !== null) removeShadowSubscriptions(sub);
    // A requester unsubscribing (or closing) drops the response mappings of its replies
    // (client.go unsubscribe → checkForReverseEntry).
    if (this.reverseResponses.size > 0 && sub.client !== null && !sub.subject.startsWith(SERVICE_REPLY_PREFIX)) this.checkForReverseEntries(sub.subject);
  }

  /** Is a user (public key) issued at `iat` (unix seconds) revoked? (checkUserRevoked) */
  isUserRevoked(pubKey: string, iat: number): boolean {
    const all = this.revocations['*'];
    if (all !== undefined && iat <= all) return true;
    const t = this.revocations[pubKey];
    return t !== undefined && iat <= t;
  }

  // ---------------------------------------------------------------- response mappings

  addResponse(rsi: ServiceImport): void {
    this.responses.set(rsi.from, rsi);
    rsi.acc.addReverseResponse(rsi, this);
    if (this.respSweep === null) {
      // Forget requests never answered (the reference's response threshold), checked periodically.
      const every = Math.max(Math.min(rsi.threshold, 30_000), 50);
      this.respSweep = setInterval(() => this.sweepResponses(), every);
      this.respSweep.unref?.();
    }
  }

  removeResponse(rsi: ServiceImport): void {
    this.responses.delete(rsi.from);
    rsi.acc.dropReverseResponse(rsi);
    if (this.responses.size === 0 && this.respSweep !== null) {
      clearInterval(this.respSweep);
      this.respSweep = null;
    }
  }

  /** `exporter` holds `rsi`, a mapping of this account's reply `rsi.to` (addReverseRespMapEntry). */
  private addReverseResponse(rsi: ServiceImport, exporter: Account): void {
    let m = this.reverseResponses.get(rsi.to);
    if (m === undefined) this.reverseResponses.set(rsi.to, (m = new Map()));
    m.set(rsi, exporter);
  }

  private dropReverseResponse(rsi: ServiceImport): void {
    const m = this.reverseResponses.get(rsi.to);
    if (m === undefined) return;
    m.delete(rsi);
    if (m.size === 0) this.reverseResponses.delete(rsi.to);
  }

  /**
   * The replies `subject` covers (itself, or those within a wildcard) that nobody in this account
   * listens to any more: their response mappings are removed (checkForReverseEntries).
   */
  private checkForReverseEntries(subject: string): void {
    const replies = hasWildcard(subject)
      ? [...this.reverseResponses.keys()].filter((r) => subjectIsSubsetMatch(r, subject))
      : this.reverseResponses.has(subject) ? [subject] : [];
    for (const reply of replies) {
      const r = this.sl.match(reply);
      if (r.psubs.length > 0 || r.qsubs.length > 0) continue;
      const m = this.reverseResponses.get(reply)!;
      this.reverseResponses.delete(reply);
      for (const [rsi, exporter] of m) exporter.removeResponse(rsi);
    }
  }

  private sweepResponses(): void {
    const now = Date.now();
    for (const rsi of this.responses.values()) if (now - rsi.ts > rsi.threshold) this.removeResponse(rsi);
  }

  // ---------------------------------------------------------------- delivery

  /**
   * Delivers a message published in this account to every matching plain subscription and to
   * one member, picked at random, of each queue group (processMsgResults). `buf[s,e)` is the
   * payload including `hdr` header bytes (hdr < 0: no headers). Returns whether anyone got it.
   * `chain` is set when the message came through service imports (none re-exported to streams).
   * `once`: the subject is a one-off (a reply inbox): its match is not cached.
   * `asSubject`: the subject connections see instead of `subject` (a JetStream delivery is matched
   * on its deliver subject but carries the stream subject: jsPubMsg's dsubj and subj).
   * `rw`: the reply as bytes (a consumer's ack reply), written straight out to client connections;
   * `reply` is ignored then (made from it when anything else matches).
   *
   * Routes and leafnodes (cluster/, leaf/): a connection with matching interest gets the message
   * once (RMSG/LMSG), naming the queue groups whose member it was picked for. `qf` is the queue
   * list of a message from a route or a leaf: without one it reaches plain subscriptions only,
   * with one exactly one local member of each group listed (a remote one only if no local member
   * could take it). A client's publish picks queue members at random over local and route members
   * alike (2.9.10 has no local preference, captured); a leaf's member is a fallback, taken only when
   * no local or route member took the message. Never sent: a route's message to another route or
   * to a leaf we are the spoke of (our hub), our hub's message to a route, a message back to the
   * connection it came from, or to a leaf of the cluster it came from (its origin).
   */
  deliverLocal(pub: Client | null, subject: string, reply: string, buf: Buffer, s: number, e: number, hdr: number, chain: ServiceImport[] | null = null, qf: string[] | null = null, once = false, asSubject: string | null = null, rw: ReplyWriter | null = null): boolean {
    const r = this.sl.match(subject, once);
    if (rw !== null && !clientsOnly(r)) {
      reply = rw.toString();
      rw = null;
    }
    let delivered = false;
    const pkind = pub === null ? Kind.SYSTEM : pub.kind;
    const fromRoute = pkind === Kind.ROUTER;
    const fromLeaf = pkind === Kind.LEAF;
    const fromSpoke = fromLeaf && pub!.leaf!.isSpoke;
    // Routes and leafs to send to, for each the queue groups picked there (' '-separated) and the
    // subject (a stream import's shadow subscription of a leaf maps it): scratch lists per nesting
    // level (a service import delivers again from inside this loop).
    const level = depth++;
    let nrt = 0;
    const psubs = r.psubs;
    for (let i = 0; i < psubs.length; i++) {
      const sub = psubs[i];
      const c = sub.client;
      if (c === null) {
        if (sub.si !== null) processServiceImport(this, sub.si, pub, subject, reply, buf, s, e, hdr, chain);
        else deliverInternal(sub, subject, reply, buf, s, e, hdr, pub);
        delivered = true;
      } else if (c.kind === Kind.ROUTER) {
        if (fromRoute || fromSpoke) continue;
        nrt = addTarget(level, nrt, c, '', subject);
      } else if (c.kind === Kind.LEAF) {
        // Leafs are no-echo; a route's message goes only to leafs we are the hub of (or a service reply).
        if (c === pub) continue;
        if (fromRoute && c.leaf!.isSpoke && !isServiceReply(subject)) continue;
        let dsubj = subject;
        if (sub.im !== null) {
          if (chain !== null) continue;
          dsubj = sub.im.tr.apply(subject);
        }
        nrt = addTarget(level, nrt, c, '', dsubj);
      } else if (c !== pub || pub.echo) {
        let dsubj = asSubject ?? subject;
        if (sub.im !== null) {
          // A shadow subscription: the importer sees the subject under its own name.
          if (chain !== null) continue;
          if (asSubject === null) dsubj = sub.im.tr.apply(subject);
        }
        if (c.deliverMsg(sub, dsubj, reply, buf, s, e, hdr, pub, rw)) delivered = true;
      }
    }
    const qsubs = r.qsubs;
    // A message from a route or a leaf without queue groups is for plain subscribers only (unless
    // it is a service import's response, pmrIgnoreEmptyQueueFilter).
    if (qsubs.length > 0 && !((fromRoute || fromLeaf) && (qf === null || qf.length === 0) && chain === null)) {
      for (let g = 0; g < qsubs.length; g++) {
        const group = qsubs[g];
        const n = group.length;
        if (n === 0) continue;
        const qname = group[0].queue!;
        if (qf !== null && qf.length > 0 && !qf.includes(qname)) continue;
        // From a route: local members first; else a leaf's member (preferred) or a route's, never
        // back where it came from. From a client or a leaf: a route's member as any other; a
        // leaf's member only as a fallback.
        let rsub: Subscription | null = null;
        const start = n === 1 ? 0 : Math.floor(Math.random() * n);
        let done = false;
        for (let k = 0; k < n; k++) {
          const sub = group[(start + k) % n];
          const c = sub.client;
          if (c === null) {
            deliverInternal(sub, subject, reply, buf, s, e, hdr, pub);
            delivered = done = true;
            break;
          }
          if (c.kind === Kind.ROUTER || c.kind === Kind.LEAF) {
            if (c === pub) continue;
            if (fromRoute) {
              if (rsub === null || c.kind === Kind.LEAF) rsub = sub;
              continue;
            }
            if (c.kind === Kind.LEAF) {
              if (rsub === null) rsub = sub;
              continue;
            }
            rsub = sub;
            break;
          }
          if (c === pub && !pub.echo) continue;
          let dsubj = asSubject ?? subject;
          if (sub.im !== null) {
            if (chain !== null) continue;
            if (asSubject === null) dsubj = sub.im.tr.apply(subject);
          }
          if (c.deliverMsg(sub, dsubj, reply, buf, s, e, hdr, pub, rw)) {
            delivered = done = true;
            break;
          }
        }
        if (!done && rsub !== null) {
          const c = rsub.client!;
          nrt = addTarget(level, nrt, c, qname, rsub.im !== null && c.kind === Kind.LEAF ? rsub.im.tr.apply(subject) : subject);
        }
      }
    }
    if (nrt > 0) {
      const sc = scratch[level]!;
      // The origin of the message: a route's LMSG, or the cluster of the leaf it came from.
      const origin = fromRoute ? pub!.route!.paOrigin : fromLeaf ? pub!.leaf!.remoteCluster : '';
      for (let i = 0; i < nrt; i++) {
        const c = sc.rts[i];
        if (c.kind === Kind.LEAF) {
          // Cluster-wide no echo: not back to a leaf of the cluster it came from.
          if (!(origin !== '' && origin === c.leaf!.remoteCluster) && c.sendLeafMsg(sc.rsj[i], reply, sc.rqs[i], buf, s, e, hdr, pub)) delivered = true;
        } else {
          const lo = fromLeaf && origin !== '' && c.route!.lnoc ? origin : '';
          if (c.sendRoutedMsg(this.name, subject, reply, sc.rqs[i], buf, s, e, hdr, pub, lo)) delivered = true;
        }
        sc.rts[i] = null as unknown as Client; // no reference kept past the delivery
      }
    }
    depth--;
    return delivered;
  }
}

/** Whether every subscription matched is a client connection's (a reply as bytes can go to all of them). */
function clientsOnly(r: SublistResult<Subscription>): boolean {
  for (const sub of r.psubs) if (sub.client === null || sub.client.kind !== Kind.CLIENT) return false;
  for (const g of r.qsubs) for (const sub of g) if (sub.client === null || sub.client.kind !== Kind.CLIENT) return false;
  return true;
}

/** Scratch lists of deliverLocal's targets (routes, leafs), one set per nesting level (service imports nest). */
const scratch: { rts: Client[]; rqs: string[]; rsj: string[] }[] = [];
let depth = 0;

/**
 * addSubToRouteTargets: one entry per connection at this nesting level, the queue groups picked
 * there appended; returns the new count.
 */
function addTarget(level: number, nrt: number, c: Client, qname: string, subject: string): number {
  const sc = (scratch[level] ??= { rts: [], rqs: [], rsj: [] });
  let i = 0;
  while (i < nrt && sc.rts[i] !== c) i++;
  if (i === nrt) {
    sc.rts[nrt] = c;
    sc.rqs[nrt] = qname;
    sc.rsj[nrt] = subject;
    return nrt + 1;
  }
  if (qname !== '') sc.rqs[i] = sc.rqs[i] === '' ? qname : `${sc.rqs[i]} ${qname}`;
  return nrt;
}

/** A reply subject of a service import (`_R_.`): it goes to our hub even from a route (isServiceReply). */
function isServiceReply(subject: string): boolean {
  return subject.startsWith(SERVICE_REPLY_PREFIX);
}

function deliverInternal(sub: Subscription, subject: string, reply: string, buf: Buffer, s: number, e: number, hdr: number, pub: Client | null): void {
  if (sub.closed) return;
  if (sub.raw !== null) {
    // JetStream ingest: no copies, no microtask (the handler copies into its store).
    sub.nm++;
    sub.raw(sub, subject, reply, buf, s, e, hdr, pub);
    if (sub.answers && pub !== null) pub.server.noteWork();
    return;
  }
  if (sub.handler === null) return;
  sub.nm++;
  const h = hdr > 0 ? Buffer.from(buf.subarray(s, s + hdr)) : null;
  const msg = Buffer.from(buf.subarray(hdr > 0 ? s + hdr : s, e));
  // Handlers run after the current delivery loop, so they may publish and subscribe freely.
  queueMicrotask(() => {
    sub.handler!(sub, subject, reply, h, msg, pub);
    if (pub !== null) pub.server.noteWork();
  });
}
