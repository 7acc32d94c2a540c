// Giving memory back after a burst. V8 keeps the heap it grew to (a connect storm, 150,000
// subscriptions come and gone) and in a server its idle-time memory reducer never runs, so RSS stays
// at the peak: 200 MB after a churn that nats-server ends at 35 MB (bench/churn.ts). When the heap
// is large and mostly free, and the servers of this process have been quiet for a check interval,
// two full collections run (node-internals.ts forceFullGC): the second compacts, and V8 releases the
// emptied pages. At most once per cooldown, never while traffic flows. One per process.
import { Interval } from '../timers.js';
import { forceFullGC } from '../node-internals.js';
import type { Server } from './server.js';

/** How often the heap is looked at. */
const CHECK_MS = 2000;
/** Below this total heap, nothing is done (the runtime's own working set). */
const MIN_HEAP_BYTES = 32 * 2 ** 20;
/** …nor unless the heap grew this much past its size after the last reclaim (a large live heap is left alone). */
const GROWTH = 1.5;
/** At most one reclaim per this long. */
const COOLDOWN_MS = 30_000;
/** Quiet: fewer bytes read than this, and fewer new connections than that, across the servers per check. */
const QUIET_BYTES = 1024 * 1024;
const QUIET_CONNS = 50;

interface Totals { bytes: number; conns: number }

const servers = new Set<Server>();
let timer: Interval | null = null;
let last: Totals = { bytes: 0, conns: 0 };
let lastRun = -Infinity;
/** The heap's total size after the last reclaim (0: none yet). */
let settled = 0;
/**
 * When to collect once more after a reclaim (0: no follow-up). V8 shrinks its young generation only in
 * a collection that finds the allocation rate low over its ~5 s window: one more, later, releases it.
 */
let followUpAt = 0;
const FOLLOW_UP_MS = 5000;
/** Reclaims run so far (tests, diagnostics). */
export const reclaimStats = { runs: 0 };

function totals(): Totals {
  let bytes = 0;
  let conns = 0;
  for (const s of servers) {
    bytes += s.bytesRead;
    conns += s.stats.totalConnections;
  }
  return { bytes, conns };
}

function check(): void {
  const now = totals();
  const quiet = now.bytes - last.bytes < QUIET_BYTES && now.conns - last.conns < QUIET_CONNS;
  last = now;
  if (!quiet) return;
  if (followUpAt !== 0 && Date.now() >= followUpAt) {
    followUpAt = 0;
    forceFullGC();
    return;
  }
  if (Date.now() - lastRun < COOLDOWN_MS) return;
  const v8 = process.getBuiltinModule?.('node:v8') as typeof import('node:v8') | undefined;
  if (v8 === undefined) return;
  const total = v8.getHeapStatistics().total_heap_size;
  if (total < MIN_HEAP_BYTES || total < settled * GROWTH) return;
  lastRun = Date.now();
  if (!forceFullGC()) return;
  reclaimStats.runs++;
  followUpAt = Date.now() + FOLLOW_UP_MS;
  settled = v8.getHeapStatistics().total_heap_size;
}

/** A server of this process started (with reclaimMemory): watch the heap while any runs. */
export function watchMemory(srv: Server): void {
  servers.add(srv);
  if (timer === null) {
    last = totals();
    timer = new Interval(check, CHECK_MS);
  }
}

export function unwatchMemory(srv: Server): void {
  servers.delete(srv);
  if (servers.size === 0 && timer !== null) {
    timer.clear();
    timer = null;
  }
}
