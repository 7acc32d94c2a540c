// The doctor's JetStream checks (issue 20), for any server with JetStream (tsnats or nats-server):
// from /jsz with accounts, streams, consumers and their configs (or $SYS.REQ.SERVER.<id>.JSZ) —
// the store near its budget, streams near a limit, consumers stalled at max_ack_pending, falling
// behind, redelivering, pull consumers nobody pulls from, push consumers nobody listens to.
// docs/doctor.md documents every one. A server without JetStream passes them (nothing to check).
import type { Finding, Json, Sample, Severity } from './types.js';
import { fmtBytes, fmtDuration, timeMs } from './units.js';

export interface JsThresholds {
  /** JS_001, JS_002: warn at this percentage of a limit. */
  jsLimitPct: number;
  /** JS_004 (one sample): num_pending at or above this. */
  jsPending: number;
  /** JS_004 (two samples): num_pending grew and is at or above this. */
  jsPendingGrow: number;
  /** JS_005 (one sample): num_redelivered at or above this. */
  jsRedelivered: number;
  /** JS_006: no delivery for this long (ms) while messages wait and no request does. */
  jsIdleMs: number;
}

export const DEFAULT_JS_THRESHOLDS: JsThresholds = {
  jsLimitPct: 90,
  jsPending: 10_000,
  jsPendingGrow: 1000,
  jsRedelivered: 100,
  jsIdleMs: 5 * 60_000,
};

type Outcome = { findings: Omit<Finding, 'code' | 'title' | 'fix'>[]; fix?: string } | { skip: string };
interface Ctx { first: Sample; last: Sample; two: boolean; intervalMs: number; th: JsThresholds }

export interface JsCheck {
  code: string;
  title: string;
  severity: string;
  fix: string;
  run(ctx: Ctx): Outcome;
}

interface StreamRef { account: string; stream: Json }
interface ConsumerRef { account: string; stream: string; c: Json; key: string }

/** The /jsz of a sample: null when it could not be read (skip), undefined or disabled: no JetStream. */
function jszOf(s: Sample): { jsz: Json } | { skip: string } | null {
  if (s.jsz === null) return { skip: s.notes.find((n) => n.startsWith('jetstream')) ?? 'JetStream monitoring unavailable' };
  if (s.jsz === undefined || s.jsz.disabled === true) return null;
  return { jsz: s.jsz };
}

function streamsOf(jsz: Json): StreamRef[] {
  const out: StreamRef[] = [];
  for (const a of (jsz.account_details ?? []) as Json[]) {
    if (!a || typeof a !== 'object') continue;
    for (const st of (a.stream_detail ?? []) as Json[]) if (st && typeof st === 'object') out.push({ account: String(a.name ?? a.id ?? '?'), stream: st });
  }
  return out;
}

function consumersOf(jsz: Json): ConsumerRef[] {
  const out: ConsumerRef[] = [];
  for (const { account, stream } of streamsOf(jsz)) {
    for (const c of (stream.consumer_detail ?? []) as Json[]) {
      if (!c || typeof c !== 'object') continue;
      const name = String(stream.name ?? c.stream_name ?? '?');
      out.push({ account, stream: name, c, key: `${account}\u0000${name}\u0000${String(c.name)}` });
    }
  }
  return out;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const pct = (a: number, b: number): number => Math.round((a / b) * 100);
const fmtN = (n: number): string => n.toLocaleString('en-US');
const where = (r: { account: string; stream: string; c?: Json }): string => `${r.c ? `consumer ${r.c.name} on ` : ''}stream ${r.stream} (account ${r.account})`;

/** The earlier sample's consumer, by account/stream/name. */
function before(ctx: Ctx): Map<string, Json> {
  const m = new Map<string, Json>();
  if (!ctx.two || !ctx.first.jsz) return m;
  for (const r of consumersOf(ctx.first.jsz)) m.set(r.key, r.c);
  return m;
}

/** Runs `fn` over the JetStream data of the last sample (skips and passes as described above). */
function withJs(ctx: Ctx, fn: (jsz: Json) => Outcome): Outcome {
  const j = jszOf(ctx.last);
  if (j === null) return { findings: [] };
  if ('skip' in j) return j;
  return fn(j.jsz);
}

export const JS_CHECKS: JsCheck[] = [
  {
    code: 'JS_001',
    title: 'JetStream storage near its budget',
    severity: 'warning at ≥ 90 %, critical at ≥ 98 %',
    fix: 'Streams are about to be refused new messages (insufficient resources). Give JetStream more room (jetstream { max_file_store / max_memory_store }), bound the streams (max_bytes, max_age, max_msgs), or purge what is no longer needed.',
    run: (ctx) => withJs(ctx, (jsz) => {
      const findings: Omit<Finding, 'code' | 'title' | 'fix'>[] = [];
      const cfg = (jsz.config ?? {}) as Json;
      for (const [kind, used, max] of [['file', num(jsz.storage), num(cfg.max_storage)], ['memory', num(jsz.memory), num(cfg.max_memory)]] as const) {
        if (max <= 0) continue;
        const p = pct(used, max);
        if (p < ctx.th.jsLimitPct) continue;
        findings.push({ severity: p >= 98 ? 'critical' : 'warning', subject: `${kind} store`, evidence: `${fmtBytes(used)} used of ${fmtBytes(max)} (${p} %)` });
      }
      return { findings };
    }),
  },
  {
    code: 'JS_002',
    title: 'Stream near one of its limits',
    severity: 'warning at ≥ 90 %; critical at the limit when it refuses (discard new, max_consumers); info for discard old',
    fix: 'At max_msgs/max_bytes a stream with discard new refuses publishes, one with discard old drops its oldest messages; at max_consumers new consumers are refused. Raise the limit, add max_age, or check why the stream keeps growing (consumers not keeping up on interest/workqueue streams).',
    run: (ctx) => withJs(ctx, (jsz) => {
      const findings: Omit<Finding, 'code' | 'title' | 'fix'>[] = [];
      for (const { account, stream } of streamsOf(jsz)) {
        const cfg = stream.config as Json | undefined;
        const st = (stream.state ?? {}) as Json;
        if (!cfg) continue;
        const discardNew = cfg.discard === 'new';
        const limits: [string, number, number, boolean][] = [
          ['messages', num(st.messages), num(cfg.max_msgs), discardNew],
          ['bytes', num(st.bytes), num(cfg.max_bytes), discardNew],
          ['consumers', num(st.consumer_count), num(cfg.max_consumers), true],
        ];
        for (const [what, used, max, refuses] of limits) {
          if (max <= 0) continue;
          const p = pct(used, max);
          if (p < ctx.th.jsLimitPct) continue;
          const severity: Severity = !refuses ? 'info' : used >= max ? 'critical' : 'warning';
          const shown = what === 'bytes' ? `${fmtBytes(used)} of max_bytes ${fmtBytes(max)}` : `${fmtN(used)} ${what} of max_${what === 'messages' ? 'msgs' : 'consumers'} ${fmtN(max)}`;
          const effect = what === 'consumers' ? 'new consumers are refused at the limit' : discardNew ? 'discard new: publishes are refused at the limit' : 'discard old: the oldest messages are dropped';
          findings.push({ severity, subject: where({ account, stream: String(stream.name) }), evidence: `${shown} (${p} %); ${effect}` });
        }
      }
      return { findings };
    }),
  },
  {
    code: 'JS_003',
    title: 'Consumer stalled at max_ack_pending',
    severity: 'warning',
    fix: 'The consumer has as many unacknowledged messages as max_ack_pending allows, so nothing more is delivered until some are acked. Find why acks do not come (a stuck or crashed subscriber, acks sent to the wrong subject, ack_policy explicit with a client that never acks); add subscribers, ack faster, or raise max_ack_pending.',
    run: (ctx) => withJs(ctx, (jsz) => {
      const findings: Omit<Finding, 'code' | 'title' | 'fix'>[] = [];
      for (const r of consumersOf(jsz)) {
        const max = num((r.c.config as Json | undefined)?.max_ack_pending);
        const pending = num(r.c.num_ack_pending);
        if (max <= 0 || pending < max) continue;
        findings.push({ severity: 'warning', subject: where(r), evidence: `${fmtN(pending)} acks pending of max_ack_pending ${fmtN(max)}; ${fmtN(num(r.c.num_pending))} messages waiting behind them` });
      }
      return { findings };
    }),
  },
  {
    code: 'JS_004',
    title: 'Consumer falling behind (num_pending large or growing)',
    severity: 'warning',
    fix: 'Messages arrive faster than this consumer takes them. Add subscribers (a queue group for push, more fetchers for pull), process faster, or check that the consumer is still used (delete an abandoned durable: on interest and workqueue streams it keeps every message).',
    run: (ctx) => withJs(ctx, (jsz) => {
      const findings: Omit<Finding, 'code' | 'title' | 'fix'>[] = [];
      const prev = before(ctx);
      for (const r of consumersOf(jsz)) {
        const now = num(r.c.num_pending);
        const was = prev.get(r.key);
        if (was !== undefined) {
          const then = num(was.num_pending);
          if (now > then && now >= ctx.th.jsPendingGrow) {
            findings.push({ severity: 'warning', subject: where(r), evidence: `num_pending ${fmtN(then)} → ${fmtN(now)} in ${fmtDuration(ctx.intervalMs)}` });
          }
        } else if (now >= ctx.th.jsPending) {
          findings.push({ severity: 'warning', subject: where(r), evidence: `num_pending ${fmtN(now)} (≥ ${fmtN(ctx.th.jsPending)})` });
        }
      }
      return { findings };
    }),
  },
  {
    code: 'JS_005',
    title: 'Redeliveries climbing',
    severity: 'warning',
    fix: 'Messages are delivered again because they were not acked within ack_wait (or were NAKed): handlers that fail or take longer than ack_wait. Fix the failing handler, send +WPI (in progress) for long work, raise ack_wait, and bound the retries with max_deliver/backoff (MAX_DELIVERIES advisories tell which messages gave up).',
    run: (ctx) => withJs(ctx, (jsz) => {
      const findings: Omit<Finding, 'code' | 'title' | 'fix'>[] = [];
      const prev = before(ctx);
      for (const r of consumersOf(jsz)) {
        const now = num(r.c.num_redelivered);
        const was = prev.get(r.key);
        if (was !== undefined) {
          const then = num(was.num_redelivered);
          if (now > then) findings.push({ severity: 'warning', subject: where(r), evidence: `num_redelivered ${fmtN(then)} → ${fmtN(now)} in ${fmtDuration(ctx.intervalMs)}` });
        } else if (now >= ctx.th.jsRedelivered) {
          findings.push({ severity: 'warning', subject: where(r), evidence: `num_redelivered ${fmtN(now)} (≥ ${fmtN(ctx.th.jsRedelivered)})` });
        }
      }
      return { findings };
    }),
  },
  {
    code: 'JS_006',
    title: 'Pull consumer that nobody pulls from',
    severity: 'warning',
    fix: 'Messages wait on this pull consumer but no fetch request is waiting and nothing was delivered for a while: the application that fetches is down or stuck. Restart it, or delete the consumer if it is no longer used (on interest and workqueue streams it holds every message).',
    run: (ctx) => withJs(ctx, (jsz) => {
      const findings: Omit<Finding, 'code' | 'title' | 'fix'>[] = [];
      const nowMs = ctx.last.now;
      const prev = before(ctx);
      for (const r of consumersOf(jsz)) {
        const cfg = (r.c.config ?? {}) as Json;
        if (cfg.deliver_subject) continue;
        if (num(r.c.num_waiting) > 0 || num(r.c.num_pending) === 0) continue;
        const last = timeMs((r.c.delivered as Json | undefined)?.last_active ?? r.c.created);
        const idle = Number.isFinite(last) ? nowMs - last : Infinity;
        const was = prev.get(r.key);
        const moved = was !== undefined && num((was.delivered as Json | undefined)?.consumer_seq) !== num((r.c.delivered as Json | undefined)?.consumer_seq);
        if (idle < ctx.th.jsIdleMs || moved) continue;
        const since = Number.isFinite(idle) ? `last delivery ${fmtDuration(idle)} ago` : 'nothing delivered yet';
        findings.push({ severity: 'warning', subject: where(r), evidence: `${fmtN(num(r.c.num_pending))} messages pending, no pull request waiting, ${since}` });
      }
      return { findings };
    }),
  },
  {
    code: 'JS_007',
    title: 'Push consumer with no interest',
    severity: 'warning for durables; info for ephemerals (deleted after inactive_threshold)',
    fix: 'Nobody subscribes to the deliver subject, so messages pile up undelivered. Start the subscriber (with deliver_group, a queue subscription in that group), fix a deliver subject that does not match what it subscribes to, or delete the consumer.',
    run: (ctx) => withJs(ctx, (jsz) => {
      const findings: Omit<Finding, 'code' | 'title' | 'fix'>[] = [];
      for (const r of consumersOf(jsz)) {
        const cfg = (r.c.config ?? {}) as Json;
        if (!cfg.deliver_subject || r.c.push_bound === true || num(r.c.num_pending) === 0) continue;
        const durable = typeof cfg.durable_name === 'string' && cfg.durable_name !== '';
        const group = cfg.deliver_group ? ` (queue group ${cfg.deliver_group})` : '';
        findings.push({
          severity: durable ? 'warning' : 'info',
          subject: where(r),
          evidence: `no subscriber on ${cfg.deliver_subject}${group}; ${fmtN(num(r.c.num_pending))} messages pending`,
        });
      }
      return { findings };
    }),
  },
];
