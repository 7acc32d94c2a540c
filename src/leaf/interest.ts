// What this server tells each leaf connection it is interested in (leafnode.go
// initLeafNodeSmapAndSendSubs, updateLeafNodes, updateSmap): per connection, a count by `subject`
// or `subject queue` (smap). A plain subject is announced on 0→1 (`LS+ <subject>`) and withdrawn on
// 1→0 (`LS- <subject>`); a queue group on every change of its weight (`LS+ <subject> <queue> <n>`,
// a decrease too) and withdrawn at 0. The hub side tells everything in the bound account (clients,
// routes, other leafs, service imports); the spoke side only its own clients' interest and that of
// leafs connected to it. Interest that came from the peer's own cluster never goes back to it; the
// `$LDS.` loop-detection subject always goes, whatever the permissions.
import type { Account } from '../accounts/account.js';
import type { Subscription } from '../server/subscription.js';
import { Kind } from '../server/kind.js';
import type { Leaf } from './leaf.js';
import type { LeafNodes } from './leafnodes.js';
import { LDS_PREFIX, leafSubLine } from './leaf.js';

/** A subscription's weight: a queue subscription's qw (remote ones stand for several members), else 1. */
function weight(sub: Subscription): number {
  return sub.queue !== null ? sub.qw : 1;
}

function keyOf(sub: Subscription): string {
  return sub.queue === null ? sub.subject : `${sub.subject} ${sub.queue}`;
}

/** Does a spoke tell its hub about this subscription (a local client, internal, or a leaf that connected to us)? */
function isSpokeInterest(sub: Subscription): boolean {
  const c = sub.client;
  if (c === null) return true;
  if (c.kind === Kind.CLIENT || c.kind === Kind.SYSTEM || c.kind === Kind.JETSTREAM || c.kind === Kind.ACCOUNT) return true;
  return c.kind === Kind.LEAF && c.leaf !== null && !c.leaf.isSpoke;
}

export class LeafInterest {
  private readonly listeners = new Map<Account, (sub: Subscription, delta: number) => void>();

  constructor(private readonly ln: LeafNodes) {}

  /** Follows the account's interest changes (idempotent). */
  attach(acc: Account): void {
    if (this.listeners.has(acc)) return;
    const fn = (sub: Subscription, delta: number) => this.updateLeafNodes(acc, sub, delta);
    this.listeners.set(acc, fn);
    acc.sl.addChangeListener(fn);
  }

  detachAll(): void {
    for (const [acc, fn] of this.listeners) acc.sl.removeChangeListener(fn);
    this.listeners.clear();
  }

  /** updateLeafNodes: every leaf of the account but the subscription's own connection. */
  private updateLeafNodes(acc: Account, sub: Subscription, delta: number): void {
    for (const c of this.ln.leafsOf(acc)) {
      if (c === sub.client) continue;
      const l = c.leaf!;
      let skip = (sub.origin !== '' && sub.origin === l.remoteCluster) || !l.canSubscribe(sub.subject);
      if (skip && sub.subject.startsWith(LDS_PREFIX)) skip = false;
      if (skip) continue;
      this.updateSmap(l, sub, delta);
    }
  }

  /** updateSmap: counts, and LS+/LS- when a plain subject comes or goes or a queue's weight changes. */
  private updateSmap(l: Leaf, sub: Subscription, delta: number): void {
    const smap = l.smap;
    if (smap === null) return;
    if (l.isSpoke && !isSpokeInterest(sub)) return;
    const key = keyOf(sub);
    let n = smap.get(key) ?? 0;
    const update = sub.queue !== null || n === 0 || n + delta <= 0;
    n += delta;
    if (n > 0) smap.set(key, n);
    else smap.delete(key);
    if (update) l.sendSubUpdate(key, n > 0 ? n : 0);
  }

  /** initLeafNodeSmapAndSendSubs: the interest snapshot this connection starts with, sent in one write. */
  initSmap(l: Leaf): void {
    const c = l.c;
    const acc = c.account;
    const smap = new Map<string, number>();
    const rc = l.remoteCluster;
    for (const sub of acc.sl.all()) {
      if (l.isSpoke && !isSpokeInterest(sub)) continue;
      if (!l.canSubscribe(sub.subject)) {
        c.debug(`Not permitted to subscribe to ${JSON.stringify(sub.subject)} on behalf of ${acc.name}`);
        continue;
      }
      if (sub.client === c || (sub.origin !== '' && sub.origin === rc)) continue;
      const key = keyOf(sub);
      smap.set(key, (smap.get(key) ?? 0) + weight(sub));
    }
    const lds = this.ln.ldsSubject(acc);
    smap.set(lds, (smap.get(lds) ?? 0) + 1);
    l.smap = smap;
    let out = '';
    for (const [key, n] of smap) {
      out += leafSubLine(key, n);
      if (c.server.log.trace) c.trace(`->> [${leafSubLine(key, n).slice(0, -2)}]`);
    }
    if (out.length > 0) c.queueBytes(Buffer.from(out, 'latin1'));
  }
}
