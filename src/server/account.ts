// An account: its own subject space (sublist), its connections and limits. Accounts never see
// each other's messages except through imports/exports.
import { Sublist } from '../subjects/sublist.js';
import type { Subscription } from './subscription.js';
import type { Client } from './client.js';
import type { AccountLimits } from '../options.js';

export class Account {
  readonly sl: Sublist<Subscription>;
  readonly clients = new Set<Client>();
  limits: AccountLimits = {};
  /** Totals for /accstatz and account CONNS events. */
  slowConsumers = 0;
  totalConns = 0;
  readonly created = new Date();

  constructor(readonly name: string, cacheEnabled = true) {
    this.sl = new Sublist<Subscription>(cacheEnabled);
  }

  get numConnections(): number {
    return this.clients.size;
  }

  /** Account max_connections reached? (-1/0 = unlimited.) */
  maxConnectionsReached(): boolean {
    const m = this.limits.maxConnections ?? 0;
    return m > 0 && this.clients.size >= m;
  }

  addClient(c: Client): void {
    this.clients.add(c);
    this.totalConns++;
  }

  removeClient(c: Client): void {
    this.clients.delete(c);
  }

  addSubscription(sub: Subscription): boolean {
    return this.sl.insert(sub);
  }

  removeSubscription(sub: Subscription): void {
    this.sl.remove(sub);
  }

  /**
   * Delivers a message published in this account to every matching plain subscription and to
   * one member, picked at random, of each queue group (processMsgResults). `buf[s,e)` is the
   * payload including `hdr` header bytes (hdr < 0: no headers). Returns whether anyone got it.
   */
  deliverLocal(pub: Client | null, subject: string, reply: string, buf: Buffer, s: number, e: number, hdr: number): boolean {
    const r = this.sl.match(subject);
    let delivered = false;
    const psubs = r.psubs;
    for (let i = 0; i < psubs.length; i++) {
      const sub = psubs[i];
      const c = sub.client;
      if (c === null) {
        deliverInternal(sub, subject, reply, buf, s, e, hdr, pub);
        delivered = true;
      } else if (c !== pub || pub.echo) {
        if (c.deliverMsg(sub, subject, reply, buf, s, e, hdr, pub)) delivered = true;
      }
    }
    const qsubs = r.qsubs;
    for (let g = 0; g < qsubs.length; g++) {
      const group = qsubs[g];
      const n = group.length;
      const start = n === 1 ? 0 : Math.floor(Math.random() * n);
      for (let k = 0; k < n; k++) {
        const sub = group[(start + k) % n];
        const c = sub.client;
        if (c === null) {
          deliverInternal(sub, subject, reply, buf, s, e, hdr, pub);
          delivered = true;
          break;
        }
        if (c === pub && !pub.echo) continue;
        if (c.deliverMsg(sub, subject, reply, buf, s, e, hdr, pub)) {
          delivered = true;
          break;
        }
      }
    }
    return delivered;
  }
}

function deliverInternal(sub: Subscription, subject: string, reply: string, buf: Buffer, s: number, e: number, hdr: number, pub: Client | null): void {
  if (sub.closed || sub.handler === null) return;
  sub.nm++;
  const h = hdr > 0 ? Buffer.from(buf.subarray(s, s + hdr)) : null;
  const msg = Buffer.from(buf.subarray(hdr > 0 ? s + hdr : s, e));
  // Handlers run after the current delivery loop, so they may publish and subscribe freely.
  queueMicrotask(() => sub.handler!(sub, subject, reply, h, msg, pub));
}
