// The subject index: a trie of tokens with '*' (pwc) and '>' (fwc) branches, plus a cache of
// match results per literal subject (as nats-server's sublist.go). It also reports interest
// changes — the first subscriber on a (subject, queue) arriving and the last one leaving — which
// is what routes and leafnodes propagate (RS+/RS-, LS+/LS-).
import { SUBLIST_CACHE_MAX } from '../const.js';
import { isValidInsertSubject, subjectMatches, hasWildcard } from './subject.js';

export interface SubLike {
  readonly subject: string;
  readonly queue: string | null;
  /**
   * Queue weight: a route's queue subscription stands for this many members of the remote server
   * and is a candidate that many times (sublist.go "Shadow these subscriptions"). Absent: 1.
   */
  readonly qw?: number;
}

/** Plain subscribers, and one array per queue group (a message goes to one member of each). */
export interface SublistResult<S extends SubLike> {
  psubs: S[];
  qsubs: S[][];
}

class Node<S extends SubLike> {
  next: Level<S> | null = null;
  psubs: Set<S> | null = null;
  qsubs: Map<string, Set<S>> | null = null;
  isEmpty(): boolean {
    return (this.psubs === null || this.psubs.size === 0) && (this.qsubs === null || this.qsubs.size === 0) &&
      (this.next === null || this.next.isEmpty());
  }
}

class Level<S extends SubLike> {
  nodes: Map<string, Node<S>> | null = null;
  pwc: Node<S> | null = null;
  fwc: Node<S> | null = null;
  isEmpty(): boolean {
    return (this.nodes === null || this.nodes.size === 0) && this.pwc === null && this.fwc === null;
  }
}

export type InterestListener = (subject: string, queue: string | null, delta: 1 | -1) => void;
/**
 * Every insert and remove of a subscription, and every change of a remote queue subscription's
 * weight: `delta` is the change in weight (+qw on insert, -qw on remove, new - old on a weight
 * update; a plain or local subscription weighs 1).
 */
export type ChangeListener<S> = (sub: S, delta: number) => void;

export class Sublist<S extends SubLike> {
  private root = new Level<S>();
  private cache: Map<string, SublistResult<S>> | null;
  private count = 0;
  /** Statistics for /subsz. */
  stats = { inserts: 0, removes: 0, matches: 0, cacheHits: 0 };
  /** Called when a (subject, queue) gains its first or loses its last subscriber. */
  onInterest: InterestListener | null = null;
  /**
   * Called on every insert, remove and weight change, in the order added (the cluster's routes and
   * the leafnodes keep their per-account interest counts with them).
   */
  private changeListeners: ChangeListener<S>[] = [];
  /**
   * Watchers of one literal (subject, queue) (sublist.go registerNotification): told true when its
   * first exact subscriber arrives, false when the last leaves. Called synchronously from
   * insert/remove: a watcher must defer its work.
   */
  private watchers: Map<string, Set<(has: boolean) => void>> | null = null;
  /** A one-entry cache in front of the map: most publishers repeat the same subject. */
  private lastSubject: string | null = null;
  private lastResult: SublistResult<S> | null = null;

  constructor(cacheEnabled = true) {
    this.cache = cacheEnabled ? new Map() : null;
  }

  get size(): number {
    return this.count;
  }

  get cacheSize(): number {
    return this.cache ? this.cache.size : 0;
  }

  /** Inserts a subscription; returns false if its subject is invalid. */
  insert(sub: S): boolean {
    const subject = sub.subject;
    if (!isValidInsertSubject(subject)) return false;
    let l = this.root;
    let n: Node<S> | null = null;
    let start = 0;
    const len = subject.length;
    while (start <= len) {
      let end = subject.indexOf('.', start);
      if (end < 0) end = len;
      const tok = subject.slice(start, end);
      if (tok === '*') {
        n = l.pwc ??= new Node<S>();
      } else if (tok === '>') {
        n = l.fwc ??= new Node<S>();
      } else {
        l.nodes ??= new Map();
        n = l.nodes.get(tok) ?? null;
        if (n === null) {
          n = new Node<S>();
          l.nodes.set(tok, n);
        }
      }
      start = end + 1;
      if (start <= len) l = n.next ??= new Level<S>();
    }
    const node = n!;
    let first = false;
    if (sub.queue === null) {
      node.psubs ??= new Set();
      first = node.psubs.size === 0;
      node.psubs.add(sub);
    } else {
      node.qsubs ??= new Map();
      let q = node.qsubs.get(sub.queue);
      if (!q) {
        q = new Set();
        node.qsubs.set(sub.queue, q);
      }
      first = q.size === 0;
      q.add(sub);
    }
    this.count++;
    this.stats.inserts++;
    this.invalidate(subject);
    if (first && this.onInterest) this.onInterest(subject, sub.queue, 1);
    if (first && this.watchers !== null) this.notifyWatchers(subject, sub.queue, true);
    if (this.changeListeners.length > 0) this.changed(sub, weight(sub));
    return true;
  }

  /** Removes a subscription; returns false if it was not there. */
  remove(sub: S): boolean {
    const subject = sub.subject;
    const path: { l: Level<S>; n: Node<S>; tok: string }[] = [];
    let l: Level<S> | null = this.root;
    let start = 0;
    const len = subject.length;
    let n: Node<S> | null = null;
    while (start <= len) {
      if (l === null) return false;
      let end = subject.indexOf('.', start);
      if (end < 0) end = len;
      const tok = subject.slice(start, end);
      n = tok === '*' ? l.pwc : tok === '>' ? l.fwc : (l.nodes?.get(tok) ?? null);
      if (n === null) return false;
      path.push({ l, n, tok });
      l = n.next;
      start = end + 1;
    }
    const node = n!;
    let last = false;
    if (sub.queue === null) {
      if (!node.psubs?.delete(sub)) return false;
      last = node.psubs.size === 0;
    } else {
      const q = node.qsubs?.get(sub.queue);
      if (!q || !q.delete(sub)) return false;
      if (q.size === 0) {
        node.qsubs!.delete(sub.queue);
        last = true;
      }
    }
    this.count--;
    this.stats.removes++;
    // prune empty nodes bottom-up
    for (let i = path.length - 1; i >= 0; i--) {
      const { l: pl, n: pn, tok } = path[i];
      if (pn.next !== null && pn.next.isEmpty()) pn.next = null;
      if (!pn.isEmpty()) break;
      if (tok === '*') pl.pwc = null;
      else if (tok === '>') pl.fwc = null;
      else pl.nodes!.delete(tok);
    }
    this.invalidate(subject);
    if (last && this.onInterest) this.onInterest(subject, sub.queue, -1);
    if (last && this.watchers !== null) this.notifyWatchers(subject, sub.queue, false);
    if (this.changeListeners.length > 0) this.changed(sub, -weight(sub));
    return true;
  }

  /** Watch a literal subject (and queue group, null = plain subscribers) for interest changes. */
  watch(subject: string, queue: string | null, fn: (has: boolean) => void): void {
    const key = queue === null || queue === '' ? subject : `${subject} ${queue}`;
    this.watchers ??= new Map();
    let set = this.watchers.get(key);
    if (set === undefined) this.watchers.set(key, (set = new Set()));
    set.add(fn);
  }

  unwatch(subject: string, queue: string | null, fn: (has: boolean) => void): void {
    if (this.watchers === null) return;
    const key = queue === null || queue === '' ? subject : `${subject} ${queue}`;
    const set = this.watchers.get(key);
    if (set === undefined) return;
    set.delete(fn);
    if (set.size === 0) this.watchers.delete(key);
    if (this.watchers.size === 0) this.watchers = null;
  }

  /** Has the literal subject an exact subscriber (in `queue`, or plain when null)? */
  hasExactInterest(subject: string, queue: string | null): boolean {
    const r = this.match(subject);
    if (queue === null || queue === '') {
      for (const s of r.psubs) if (s.subject === subject) return true;
      return false;
    }
    for (const g of r.qsubs) {
      const s = g[0];
      if (s !== undefined && s.subject === subject && s.queue === queue) return true;
    }
    return false;
  }

  private notifyWatchers(subject: string, queue: string | null, has: boolean): void {
    const set = this.watchers!.get(queue === null ? subject : `${subject} ${queue}`);
    if (set === undefined) return;
    for (const fn of [...set]) fn(has);
  }

  /**
   * A queue subscription's weight changed from `oldWeight` (UpdateRemoteQSub): cached results that
   * hold it go, and the change listeners hear the difference.
   */
  updateRemoteQSub(sub: S, oldWeight: number): void {
    this.invalidate(sub.subject);
    const d = weight(sub) - oldWeight;
    if (d !== 0 && this.changeListeners.length > 0) this.changed(sub, d);
  }

  addChangeListener(fn: ChangeListener<S>): void {
    if (!this.changeListeners.includes(fn)) this.changeListeners = [...this.changeListeners, fn];
  }

  removeChangeListener(fn: ChangeListener<S>): void {
    this.changeListeners = this.changeListeners.filter((f) => f !== fn);
  }

  private changed(sub: S, delta: number): void {
    // A copy-on-write array: a listener that adds or removes one does not disturb this loop.
    const ls = this.changeListeners;
    for (let i = 0; i < ls.length; i++) ls[i](sub, delta);
  }

  /** Drops cached results a change on `subject` affects. */
  private invalidate(subject: string): void {
    this.lastSubject = null;
    this.lastResult = null;
    const cache = this.cache;
    if (cache === null || cache.size === 0) return;
    if (!hasWildcard(subject)) {
      cache.delete(subject);
      return;
    }
    // Only keys that start with the pattern's literal tokens can match: compared first, from the
    // end (where subjects differ most), it skips most keys for a few character reads each.
    const pre = literalPrefix(subject);
    for (const key of cache.keys()) if (hasPrefix(key, pre) && subjectMatches(key, subject)) cache.delete(key);
  }

  /**
   * All subscriptions matching a literal subject. The result is shared: do not modify it.
   * `once`: a subject unlikely to be seen again (a reply inbox, an ack): it is neither looked up in
   * the cache (hashing a new string to miss costs more than the lookup saves) nor cached, so one-off
   * subjects do not push the publishers' subjects out of the cache.
   */
  match(subject: string, once = false): SublistResult<S> {
    this.stats.matches++;
    const cache = this.cache;
    if (cache !== null && !once) {
      if (subject === this.lastSubject) {
        this.stats.cacheHits++;
        return this.lastResult!;
      }
      const r = cache.get(subject);
      if (r !== undefined) {
        this.stats.cacheHits++;
        this.lastSubject = subject;
        this.lastResult = r;
        return r;
      }
    }
    const r: SublistResult<S> = { psubs: [], qsubs: [] };
    // An empty token never matches anything (PUB foo..x is dropped).
    const n = subject.length;
    if (n > 0 && subject.charCodeAt(0) !== 0x2e && subject.charCodeAt(n - 1) !== 0x2e && !subject.includes('..')) matchLevel(this.root, subject, 0, r);
    if (cache !== null && !once) {
      this.lastSubject = subject;
      this.lastResult = r;
      cache.set(subject, r);
      if (cache.size > SUBLIST_CACHE_MAX) {
        // Evict the oldest quarter (insertion order), as the reference prunes its cache.
        let k = cache.size >> 2;
        for (const key of cache.keys()) {
          cache.delete(key);
          if (--k <= 0) break;
        }
      }
    }
    return r;
  }

  /** Every subscription in the index (for /subsz and tests). */
  all(): S[] {
    const out: S[] = [];
    collect(this.root, out);
    return out;
  }

  /** Number of nodes with at least one subscription is not tracked; fan-out statistics are. */
  cacheResults(): SublistResult<S>[] {
    return this.cache ? [...this.cache.values()] : [];
  }
}

/** A subscription's weight in interest counts: a queue subscription's qw (remote ones carry theirs), else 1. */
function weight(sub: SubLike): number {
  return sub.queue !== null ? (sub.qw ?? 1) : 1;
}

function addNode<S extends SubLike>(r: SublistResult<S>, n: Node<S>): void {
  if (n.psubs !== null) for (const s of n.psubs) r.psubs.push(s);
  if (n.qsubs === null || n.qsubs.size === 0) return;
  for (const [name, set] of n.qsubs) {
    // queue groups of the same name on different nodes (foo.* and foo.bar) merge into one group
    let g: S[] | null = null;
    for (let i = 0; i < r.qsubs.length; i++) {
      if (r.qsubs[i][0].queue === name) {
        g = r.qsubs[i];
        break;
      }
    }
    for (const s of set) {
      // A remote queue subscription is a candidate as many times as its weight (none at weight 0).
      const w = s.qw ?? 1;
      for (let k = 0; k < w; k++) {
        if (g === null) r.qsubs.push((g = []));
        g.push(s);
      }
    }
  }
}

/**
 * Matches the tokens of `subject` from the one starting at `a` against level `l` and below. Tokens
 * are found in place (no split): a token is cut out only where the level has literal nodes to look
 * it up in (an ack subject's five numbers meet `*` levels only).
 */
/** The tokens of a wildcard subject before its first wildcard, with their dots (`a.b.` of `a.b.*.c`). */
function literalPrefix(subject: string): string {
  let a = 0;
  for (;;) {
    const b = subject.indexOf('.', a);
    const e = b < 0 ? subject.length : b;
    if (e - a === 1 && (subject.charCodeAt(a) === 0x2a || subject.charCodeAt(a) === 0x3e)) return subject.slice(0, a);
    if (b < 0) return subject;
    a = b + 1;
  }
}

function hasPrefix(key: string, pre: string): boolean {
  const n = pre.length;
  if (key.length < n) return false;
  for (let i = n - 1; i >= 0; i--) if (key.charCodeAt(i) !== pre.charCodeAt(i)) return false;
  return true;
}

function matchLevel<S extends SubLike>(l: Level<S> | null, subject: string, a: number, r: SublistResult<S>): void {
  let pwc: Node<S> | null = null;
  let n: Node<S> | null = null;
  const len = subject.length;
  while (a <= len) {
    if (l === null) return;
    let b = subject.indexOf('.', a);
    if (b < 0) b = len;
    if (l.fwc !== null) addNode(r, l.fwc);
    pwc = l.pwc;
    if (pwc !== null) matchLevel(pwc.next, subject, b + 1, r);
    const nodes = l.nodes;
    n = nodes !== null && nodes.size > 0 ? nodes.get(subject.substring(a, b)) ?? null : null;
    l = n !== null ? n.next : null;
    a = b + 1;
  }
  if (n !== null) addNode(r, n);
  if (pwc !== null) addNode(r, pwc);
}

function collect<S extends SubLike>(l: Level<S>, out: S[]): void {
  const visit = (n: Node<S>) => {
    if (n.psubs) for (const s of n.psubs) out.push(s);
    if (n.qsubs) for (const set of n.qsubs.values()) for (const s of set) out.push(s);
    if (n.next) collect(n.next, out);
  };
  if (l.nodes) for (const n of l.nodes.values()) visit(n);
  if (l.pwc) visit(l.pwc);
  if (l.fwc) visit(l.fwc);
}
