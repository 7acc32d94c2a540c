// /subsz (alias /subscriptionsz): subject index statistics summed over accounts, and with
// `subs=1` the subscriptions themselves (monitor.go Subsz, sublist.go Stats).
import type { Server } from '../server/server.js';
import type { Account } from '../accounts/account.js';
import { isValidLiteralSubject, subjectMatches } from '../subjects/subject.js';
import { goTime, nowMs } from './format.js';
import { MonitorError } from './params.js';
import { DEFAULT_LIST_SIZE, subDetail, type SubDetail } from './connz.js';

export interface SublistStats {
  num_subscriptions: number;
  num_cache: number;
  num_inserts: number;
  num_removes: number;
  num_matches: number;
  cache_hit_rate: number;
  max_fanout: number;
  avg_fanout: number;
}

/** SubszOptions, with the JSON names of $SYS request bodies. */
export interface SubszOptions {
  offset?: number;
  limit?: number;
  subscriptions?: boolean;
  account?: string;
  test?: string;
}

export interface Subsz extends SublistStats {
  server_id: string;
  now: string;
  total: number;
  offset: number;
  limit: number;
  subscriptions_list?: SubDetail[];
}

/** Raw sums, so several accounts' statistics add up as the reference's SublistStats.add. */
interface Totals {
  subs: number;
  cache: number;
  inserts: number;
  removes: number;
  matches: number;
  hits: number;
  maxFanout: number;
  totFanout: number;
  cacheCnt: number;
}

function emptyTotals(): Totals {
  return { subs: 0, cache: 0, inserts: 0, removes: 0, matches: 0, hits: 0, maxFanout: 0, totFanout: 0, cacheCnt: 0 };
}

function addAccount(t: Totals, a: Account): void {
  const sl = a.sl;
  t.subs += sl.size;
  t.cache += sl.cacheSize;
  t.inserts += sl.stats.inserts;
  t.removes += sl.stats.removes;
  t.matches += sl.stats.matches;
  t.hits += sl.stats.cacheHits;
  // Fan-out of the cached results: plain subscribers plus one per queue group.
  for (const r of sl.cacheResults()) {
    const n = r.psubs.length + r.qsubs.length;
    t.totFanout += n;
    t.cacheCnt++;
    if (n > t.maxFanout) t.maxFanout = n;
  }
}

function toStats(t: Totals): SublistStats {
  return {
    num_subscriptions: t.subs,
    num_cache: t.cache,
    num_inserts: t.inserts,
    num_removes: t.removes,
    num_matches: t.matches,
    cache_hit_rate: t.matches > 0 ? t.hits / t.matches : 0,
    max_fanout: t.maxFanout,
    avg_fanout: t.totFanout > 0 ? t.totFanout / t.cacheCnt : 0,
  };
}

/** One account's statistics (accountz `sublist_stats`). */
export function sublistStats(a: Account): SublistStats {
  const t = emptyTotals();
  addAccount(t, a);
  return toStats(t);
}

export function subsz(srv: Server, opts: SubszOptions = {}): Subsz {
  const offset = Math.max(0, Math.trunc(opts.offset ?? 0));
  let limit = Math.trunc(opts.limit ?? 0);
  if (limit <= 0) limit = DEFAULT_LIST_SIZE;
  const test = opts.test ?? '';
  if (test !== '' && !isValidLiteralSubject(test)) throw new MonitorError(`invalid test subject, must be valid publish subject: ${test}`);
  const filterAcc = opts.account ?? '';
  const t = emptyTotals();
  const details: SubDetail[] = [];
  for (const a of srv.accounts.values()) {
    if (filterAcc !== '' && a.name !== filterAcc) continue;
    addAccount(t, a);
    if (!opts.subscriptions) continue;
    for (const s of a.sl.all()) {
      if (test !== '' && !subjectMatches(test, s.subject)) continue;
      // Internal subscriptions (the $SYS handlers, service imports) are listed under the account's
      // internal client, as the reference lists its internal clients' (cid 1: the system account's).
      const cid = s.client !== null ? s.client.cid : srv.internalClientId(a);
      details.push({ account: a.name, ...subDetail(s.subject, s.queue, s.sid, s.nm, s.max, cid) });
    }
  }
  const out: Subsz = { server_id: srv.id, now: goTime(nowMs()), ...toStats(t), total: 0, offset, limit };
  if (opts.subscriptions) {
    const page = details.slice(Math.min(offset, details.length), Math.min(offset + limit, details.length));
    // Go omits an empty list (omitempty).
    if (page.length > 0) out.subscriptions_list = page;
    // As the reference: `total` is the size of the returned page.
    out.total = page.length;
  }
  return out;
}

/**
 * The HTTP form: only the statistics when no subscription is listed (the reference marshals the
 * bare SublistStats then), the whole Subsz otherwise.
 */
export function subszHttpBody(sz: Subsz): SublistStats | Subsz {
  if (sz.subscriptions_list && sz.subscriptions_list.length > 0) return sz;
  const { num_subscriptions, num_cache, num_inserts, num_removes, num_matches, cache_hit_rate, max_fanout, avg_fanout } = sz;
  return { num_subscriptions, num_cache, num_inserts, num_removes, num_matches, cache_hit_rate, max_fanout, avg_fanout };
}
