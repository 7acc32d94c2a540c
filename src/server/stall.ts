// The producer stall (client.go stalledWait): a publisher whose deliveries push a subscriber past
// half of max_pending stops being read for a while (100 ms, up to 1 s the further past it is), so
// the subscriber can drain instead of being cut as a slow consumer. The stall ends early when the
// subscriber drains below half of max_pending, or closes.
import { Kind } from './kind.js';
import { Timer } from '../timers.js';
import { formatGoDuration as formatDuration } from '../config/duration.js';
import * as C from '../const.js';
import type { Client } from './client.js';

/** How long a producer waits for a slow subscriber: 100ms, up to 1s the further past mp/2 it is. */
export function stallDuration(pb: number, mp: number): number {
  let ttl = C.STALL_MIN_MS;
  const hmp = mp / 2;
  if (pb >= mp) ttl = C.STALL_MAX_MS;
  else if (pb > hmp) ttl += C.STALL_MIN_MS * Math.floor((pb - hmp) / (hmp / 10));
  return Math.min(ttl, C.STALL_MAX_MS);
}

/** `slow` fell past half of max_pending while the current producer delivered to it: pause the producer. */
export function stallProducer(slow: Client): void {
  const srv = slow.server;
  const producer = srv.currentProducer;
  // A producer publishing to its own subscription is stalled too (the reference's stalledWait blocks
  // its read loop while its write loop drains): its reads pause until its own outbound drains.
  if (producer === null || producer.kind !== Kind.CLIENT || producer.stalledBy !== null) return;
  const ttl = stallDuration(slow.pendingBytes, srv.opts.maxPending);
  producer.stalledBy = slow;
  // Counted on the slow connection that caused the stall, as 2.12 (stalledWait: c.stalls++).
  slow.stalls++;
  srv.stats.stalledClients++;
  producer.sock.pause();
  (slow.stalled ??= []).push(producer);
  producer.debug(`Stalled by slow consumer cid:${slow.cid} for up to ${formatDuration(ttl)}`);
  srv.emitHealth('stall', producer);
  producer.stallTimer = new Timer(() => {
    producer.stallTimer = null;
    producer.debug(`Timed out of fast producer stall (${formatDuration(ttl)})`);
    unstall(producer);
  }, ttl);
}

/** Resume reading from a stalled producer. */
export function unstall(producer: Client): void {
  const by = producer.stalledBy;
  if (by === null) return;
  producer.stalledBy = null;
  if (producer.stallTimer !== null) {
    producer.stallTimer.clear();
    producer.stallTimer = null;
  }
  if (by.stalled !== null) {
    const i = by.stalled.indexOf(producer);
    if (i >= 0) by.stalled.splice(i, 1);
  }
  if (!producer.closed) producer.sock.resume();
}

/** `slow` drained below the stall threshold (or closed): release its producers. */
export function releaseStalled(slow: Client): void {
  const list = slow.stalled;
  if (list === null || list.length === 0) return;
  slow.stalled = null;
  for (const p of list) unstall(p);
}
