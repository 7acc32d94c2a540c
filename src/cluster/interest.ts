// What this server tells its routes it is interested in (route.go updateRouteSubscriptionMap,
// sendSubsToRoute): per account, a count of local subscriptions by `subject` or `subject queue`
// (the reference's acc.rm). A plain subject is announced on 0→1 (`RS+ <acc> <subject>`) and
// withdrawn on 1→0 (`RS- <acc> <subject>`); a queue group on every change of its local member count
// (`RS+ <acc> <subject> <queue> <weight>`, a decrease too) and withdrawn at 0 (`RS- <acc> <subject>
// <queue>`). Local means: a client's subscription, an internal one ($SYS handlers, the service
// response wildcard), a stream import's shadow, the interest of a leafnode that connected to us
// (counted with its queue weights; sent as `LS+ <origin> …` to routes that take leafnode origins);
// not a route's, not a service import's own, not what our own hub told us (a spoke leaf's).
import type { Account } from '../accounts/account.js';
import type { Subscription } from '../server/subscription.js';
import { Kind } from '../server/kind.js';
import type { Route } from './route.js';

interface RouteMap {
  /** Local subscription count by `subject` or `subject queue`. */
  rm: Map<string, number>;
  /** The queue weight last announced, by key (suppresses a repeat of the same weight). */
  lqws: Map<string, number>;
}

/** Does a subscription of this server stand for interest routes must hear about? */
export function isLocalInterest(sub: Subscription): boolean {
  const c = sub.client;
  if (c === null) return sub.si === null || sub.si.respWildcard;
  if (c.kind === Kind.LEAF) return c.leaf !== null && !c.leaf.isSpoke;
  return c.kind !== Kind.ROUTER && c.kind !== Kind.GATEWAY;
}

/** A subscription's weight in the counts: its queue weight (a leaf's stands for its members), else 1. */
function weight(sub: Subscription): number {
  return sub.queue !== null ? sub.qw : 1;
}

export class Interest {
  private readonly maps = new Map<Account, RouteMap>();
  private readonly listeners = new Map<Account, (sub: Subscription, delta: number) => void>();

  /** @param routes the registered routes to tell (called at each change). */
  constructor(private readonly routes: () => Iterable<Route>) {}

  /** Starts tracking an account (idempotent): counts what it has now, then every change. */
  attach(acc: Account): void {
    if (this.maps.has(acc)) return;
    const m: RouteMap = { rm: new Map(), lqws: new Map() };
    this.maps.set(acc, m);
    for (const sub of acc.sl.all()) {
      if (!isLocalInterest(sub)) continue;
      const key = sub.queue === null ? sub.subject : `${sub.subject} ${sub.queue}`;
      m.rm.set(key, (m.rm.get(key) ?? 0) + weight(sub));
    }
    const fn = (sub: Subscription, delta: number) => this.changed(acc, m, sub, delta);
    this.listeners.set(acc, fn);
    acc.sl.addChangeListener(fn);
  }

  /** Stops tracking every account (the cluster stopped). */
  detachAll(): void {
    for (const [acc, fn] of this.listeners) acc.sl.removeChangeListener(fn);
    this.listeners.clear();
    this.maps.clear();
  }

  private changed(acc: Account, m: RouteMap, sub: Subscription, delta: number): void {
    if (!isLocalInterest(sub)) return;
    const isq = sub.queue !== null;
    const key = isq ? `${sub.subject} ${sub.queue}` : sub.subject;
    let update = isq;
    let n = m.rm.get(key);
    if (n !== undefined) {
      n += delta;
      if (n <= 0) {
        m.rm.delete(key);
        if (isq) m.lqws.delete(key);
        update = true;
        n = 0;
      } else m.rm.set(key, n);
    } else if (delta > 0) {
      n = delta;
      m.rm.set(key, n);
      update = true;
    } else return;
    if (!update) return;
    if (isq && n > 0) {
      // The same weight was announced already (a sub and an unsub in between).
      if (m.lqws.get(key) === n) return;
      m.lqws.set(key, n);
    }
    let proto: Buffer | null = null;
    let lproto: Buffer | null = null;
    for (const r of this.routes()) {
      if (!r.canImport(sub.subject)) continue;
      let p: Buffer;
      // Interest that came from a leafnode of a named cluster goes as LS+ <origin> to routes that
      // take it (addRouteSubOrUnsubProtoToBuf; its LS- has no origin, and two spaces).
      if (sub.origin !== '' && r.lnoc) p = lproto ??= Buffer.from(leafOriginProto(sub.origin, acc.name, sub.subject, sub.queue, n), 'latin1');
      else p = proto ??= Buffer.from(subProto(acc.name, sub.subject, sub.queue, n), 'latin1');
      r.c.queueBytes(p);
      if (r.c.server.log.trace) r.c.trace(`->> [${p.toString('latin1', 0, p.length - 2)}]`);
      r.c.flushSoon();
    }
  }

  /** Every local interest as RS+ lines, for a route that just registered (sendSubsToRoute). */
  sendAll(r: Route): void {
    let out = '';
    for (const [acc, m] of this.maps) {
      for (const [key, n] of m.rm) {
        const sp = key.indexOf(' ');
        const subject = sp < 0 ? key : key.slice(0, sp);
        if (!r.canImport(subject)) continue;
        out += subProto(acc.name, subject, sp < 0 ? null : key.slice(sp + 1), n);
      }
    }
    if (out.length > 0) {
      r.c.queueBytes(Buffer.from(out, 'latin1'));
      r.c.flushSoon();
    }
    r.c.debug('Sent local subscriptions to route');
  }

  /**
   * Our import permission changed (reload): RS+ for what may now be imported and was not, RS- for
   * what may not any more.
   */
  resendChanged(r: Route, couldImport: (subject: string) => boolean): void {
    let out = '';
    for (const [acc, m] of this.maps) {
      for (const [key, n] of m.rm) {
        const sp = key.indexOf(' ');
        const subject = sp < 0 ? key : key.slice(0, sp);
        const queue = sp < 0 ? null : key.slice(sp + 1);
        const was = couldImport(subject);
        const now = r.canImport(subject);
        if (now && !was) out += subProto(acc.name, subject, queue, n);
        else if (was && !now) out += subProto(acc.name, subject, queue, 0);
      }
    }
    if (out.length > 0) r.c.queueBytes(Buffer.from(out, 'latin1'));
  }

  /** The local interest of `acc` (tests, /subsz): key → count. */
  counts(acc: Account): ReadonlyMap<string, number> | undefined {
    return this.maps.get(acc)?.rm;
  }
}

/** `LS+ <origin> <acc> <subject>[ <queue> <weight>]\r\n`, or `LS-  <acc> <subject>[ <queue>]\r\n` (sic) when n is 0. */
function leafOriginProto(origin: string, acc: string, subject: string, queue: string | null, n: number): string {
  if (n > 0) return queue === null ? `LS+ ${origin} ${acc} ${subject}\r\n` : `LS+ ${origin} ${acc} ${subject} ${queue} ${n}\r\n`;
  return queue === null ? `LS-  ${acc} ${subject}\r\n` : `LS-  ${acc} ${subject} ${queue}\r\n`;
}

/** `RS+ <acc> <subject>[ <queue> <weight>]\r\n`, or `RS- <acc> <subject>[ <queue>]\r\n` when n is 0. */
function subProto(acc: string, subject: string, queue: string | null, n: number): string {
  if (n > 0) return queue === null ? `RS+ ${acc} ${subject}\r\n` : `RS+ ${acc} ${subject} ${queue} ${n}\r\n`;
  return queue === null ? `RS- ${acc} ${subject}\r\n` : `RS- ${acc} ${subject} ${queue}\r\n`;
}
