// ConsumerConfig as the API carries it (consumer.go ConsumerConfig): the decode schema, the defaults
// (setConsumerConfigDefaults), the checks in the reference's order (checkConsumerCfg), what an update
// may change (checkNewConsumerConfig) and the echo in the struct's key order with its omitempty
// rules. Durations are nanoseconds; every field is held with Go's zero value when absent, so two
// configs compare as reflect.DeepEqual compares them.
import { S, type GoTime, type Spec } from './json.js';
import { jsErr, type ApiError } from './errors.js';
import { isValidName, MAX_DESCRIPTION_LEN, type StreamConfig } from './stream-config.js';
import { hasWildcard, isValidSubject, subjectIsSubsetMatch } from '../subjects/subject.js';
import { goTimeNs } from './store/index.js';

export type DeliverPolicy = 'all' | 'last' | 'new' | 'by_start_sequence' | 'by_start_time' | 'last_per_subject';
export type AckPolicy = 'none' | 'all' | 'explicit';
export type ReplayPolicy = 'instant' | 'original';

/** A consumer config with every field present (Go zero values for the absent ones). */
export interface ConsumerConfig {
  durable_name: string;
  name: string;
  description: string;
  deliver_policy: DeliverPolicy;
  opt_start_seq: number;
  opt_start_time: GoTime | null;
  ack_policy: AckPolicy;
  ack_wait: number;
  max_deliver: number;
  backoff: number[] | null;
  filter_subject: string;
  replay_policy: ReplayPolicy;
  rate_limit_bps: number;
  sample_freq: string;
  max_waiting: number;
  max_ack_pending: number;
  idle_heartbeat: number;
  flow_control: boolean;
  headers_only: boolean;
  max_batch: number;
  max_expires: number;
  max_bytes: number;
  deliver_subject: string;
  deliver_group: string;
  inactive_threshold: number;
  num_replicas: number;
  mem_storage: boolean;
  direct: boolean;
}

/** The decoded request (fields absent when not sent). */
export type RawConsumerConfig = Partial<Omit<ConsumerConfig, 'opt_start_time' | 'backoff'>> & { opt_start_time?: GoTime; backoff?: number[] };

/** The ConsumerConfig struct for decoding ("undefined" is DeliverAll, as DeliverPolicy.UnmarshalJSON). */
export const consumerConfigSpec = S.struct('ConsumerConfig', {
  durable_name: S.string,
  name: S.string,
  description: S.string,
  deliver_policy: S.enum('all', 'last', 'new', 'by_start_sequence', 'by_start_time', 'last_per_subject', 'undefined'),
  opt_start_seq: S.uint64,
  opt_start_time: S.ptr(S.time),
  ack_policy: S.enum('none', 'all', 'explicit'),
  ack_wait: S.duration,
  max_deliver: S.int,
  backoff: S.array(S.duration, '[]time.Duration'),
  filter_subject: S.string,
  replay_policy: S.enum('instant', 'original'),
  rate_limit_bps: S.uint64,
  sample_freq: S.string,
  max_waiting: S.int,
  max_ack_pending: S.int,
  idle_heartbeat: S.duration,
  flow_control: S.bool,
  headers_only: S.bool,
  max_batch: S.int,
  max_expires: S.duration,
  max_bytes: S.int,
  deliver_subject: S.string,
  deliver_group: S.string,
  inactive_threshold: S.duration,
  num_replicas: S.int,
  mem_storage: S.bool,
  direct: S.bool,
}) as Spec & { k: 'struct' };

/** CreateConsumerRequest {stream_name, config}. */
export const createConsumerRequestSpec = S.struct('CreateConsumerRequest', {
  stream_name: S.string,
  config: consumerConfigSpec,
}) as Spec & { k: 'struct' };

/** JsAckWaitDefault (30 s), JsDeleteWaitTimeDefault (5 s), JsDefaultMaxAckPending, JSWaitQueueDefaultMax. */
export const ACK_WAIT_DEFAULT = 30_000_000_000;
export const DELETE_WAIT_DEFAULT = 5_000_000_000;
export const MAX_ACK_PENDING_DEFAULT = 1000;
export const WAIT_QUEUE_DEFAULT_MAX = 512;
const MS = 1_000_000;

/** The full config from a decoded request (Go's zero values for what was not sent). */
export function fromRaw(r: RawConsumerConfig): ConsumerConfig {
  return {
    durable_name: r.durable_name ?? '',
    name: r.name ?? '',
    description: r.description ?? '',
    deliver_policy: (r.deliver_policy as string) === 'undefined' ? 'all' : r.deliver_policy ?? 'all',
    opt_start_seq: r.opt_start_seq ?? 0,
    opt_start_time: r.opt_start_time ?? null,
    ack_policy: r.ack_policy ?? 'none',
    ack_wait: r.ack_wait ?? 0,
    max_deliver: r.max_deliver ?? 0,
    backoff: r.backoff ?? null,
    filter_subject: r.filter_subject ?? '',
    replay_policy: r.replay_policy ?? 'instant',
    rate_limit_bps: r.rate_limit_bps ?? 0,
    sample_freq: r.sample_freq ?? '',
    max_waiting: r.max_waiting ?? 0,
    max_ack_pending: r.max_ack_pending ?? 0,
    idle_heartbeat: r.idle_heartbeat ?? 0,
    flow_control: r.flow_control ?? false,
    headers_only: r.headers_only ?? false,
    max_batch: r.max_batch ?? 0,
    max_expires: r.max_expires ?? 0,
    max_bytes: r.max_bytes ?? 0,
    deliver_subject: r.deliver_subject ?? '',
    deliver_group: r.deliver_group ?? '',
    inactive_threshold: r.inactive_threshold ?? 0,
    num_replicas: r.num_replicas ?? 0,
    mem_storage: r.mem_storage ?? false,
    direct: r.direct ?? false,
  };
}

export function copyConfig(c: ConsumerConfig): ConsumerConfig {
  return { ...c, backoff: c.backoff === null ? null : [...c.backoff] };
}

/** The server and account limits consumer defaults and checks use. */
export interface ConsumerLimits {
  /** jetstream.limits.max_ack_pending (0 = none). */
  srvMaxAckPending: number;
  /** jetstream.limits.max_request_batch (0 = none). */
  srvMaxRequestBatch: number;
  /** The account's max_ack_pending (<= 0 = none). */
  accMaxAckPending: number;
}

/** setConsumerConfigDefaults. */
export function setDefaults(c: ConsumerConfig, lim: ConsumerLimits): void {
  if (c.deliver_subject === '' && c.max_waiting === 0) c.max_waiting = WAIT_QUEUE_DEFAULT_MAX;
  if (c.ack_wait === 0 && (c.ack_policy === 'explicit' || c.ack_policy === 'all')) c.ack_wait = ACK_WAIT_DEFAULT;
  if (c.max_deliver === 0) c.max_deliver = -1;
  // BackOff overrides AckWait.
  if (c.backoff !== null && c.backoff.length > 0) c.ack_wait = c.backoff[0]!;
  if ((c.ack_policy === 'explicit' || c.ack_policy === 'all') && c.max_ack_pending === 0) {
    let p = MAX_ACK_PENDING_DEFAULT;
    if (lim.srvMaxAckPending > 0 && lim.srvMaxAckPending < p) p = lim.srvMaxAckPending;
    if (lim.accMaxAckPending > 0 && lim.accMaxAckPending < p) p = lim.accMaxAckPending;
    c.max_ack_pending = p;
  }
  if (c.deliver_subject === '' && c.max_batch === 0 && lim.srvMaxRequestBatch > 0) c.max_batch = lim.srvMaxRequestBatch;
}

/** A durable consumer? (isDurableConsumer) */
export function isDurable(c: ConsumerConfig): boolean {
  return c.durable_name !== '';
}

/** What checkConsumerCfg needs to know about the stream (its config and where sources come from). */
export interface ConsumerCfgContext {
  stream: StreamConfig;
  /** The stream's subjects plus those of its local mirror/sources, and whether any source is external. */
  sourceSubjects(): { subjects: string[]; hasExt: boolean };
  recovering: boolean;
}

/** Go's strconv.Atoi on the sample frequency: the error text, '' when it parses, null for `<nil>`. */
function sampleError(freq: string): string | null | undefined {
  const s = freq.endsWith('%') ? freq.slice(0, -1) : freq;
  if (!/^[+-]?\d+$/.test(s)) return `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;
  const n = Number(s);
  if (!Number.isSafeInteger(n) && Math.abs(n) > 2 ** 63) return `strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`;
  // A negative value is refused with a nil error (printed `<nil>`).
  if (n < 0) return null;
  return undefined;
}

/** The sample frequency as a number (checked before). */
export function sampleFreq(freq: string): number {
  if (freq === '') return 0;
  const n = Number(freq.endsWith('%') ? freq.slice(0, -1) : freq);
  return Number.isFinite(n) ? n : 0;
}

/** deliveryFormsCycle */
function deliveryFormsCycle(stream: StreamConfig, deliver: string): boolean {
  for (const s of stream.subjects ?? []) if (subjectIsSubsetMatch(deliver, s)) return true;
  return false;
}

/** validFilteredSubject */
export function validFilteredSubject(filter: string, subjects: string[]): boolean {
  if (!isValidSubject(filter)) return false;
  const wc = hasWildcard(filter);
  for (const s of subjects) {
    if (subjectIsSubsetMatch(filter, s)) return true;
    if (wc && subjectIsSubsetMatch(s, filter)) return true;
  }
  return false;
}

/** checkConsumerCfg: null when the config is acceptable, else the reference's error. */
export function checkConsumerCfg(c: ConsumerConfig, lim: ConsumerLimits, ctx: ConsumerCfgContext): ApiError | null {
  const stream = ctx.stream;
  if (c.num_replicas > 0 && c.num_replicas > stream.num_replicas) return jsErr('JSConsumerReplicasExceedsStream');
  if (c.num_replicas < 0) return jsErr('JSReplicasCountCannotBeNegative');
  const lbo = c.backoff?.length ?? 0;
  if (lbo > 0 && c.max_deliver <= lbo) return jsErr('JSConsumerMaxDeliverBackoffErr');
  if (c.description.length > MAX_DESCRIPTION_LEN) return jsErr('JSConsumerDescriptionTooLongErrF', { max: MAX_DESCRIPTION_LEN });
  if (c.deliver_subject !== '') {
    if (hasWildcard(c.deliver_subject)) return jsErr('JSConsumerDeliverToWildcardsErr');
    if (!isValidSubject(c.deliver_subject)) return jsErr('JSConsumerInvalidDeliverSubject');
    if (deliveryFormsCycle(stream, c.deliver_subject)) return jsErr('JSConsumerDeliverCycleErr');
    if (c.max_waiting !== 0) return jsErr('JSConsumerPushMaxWaitingErr');
    if (c.max_ack_pending > 0 && c.ack_policy === 'none') return jsErr('JSConsumerMaxPendingAckPolicyRequiredErr');
    if (c.idle_heartbeat > 0 && c.idle_heartbeat < 100 * MS) return jsErr('JSConsumerSmallHeartbeatErr');
  } else {
    if (c.ack_policy === 'none' && stream.retention === 'workqueue') return jsErr('JSConsumerPullRequiresAckErr');
    if (c.rate_limit_bps > 0) return jsErr('JSConsumerPullWithRateLimitErr');
    if (c.max_waiting < 0) return jsErr('JSConsumerMaxWaitingNegativeErr');
    if (c.idle_heartbeat > 0) return jsErr('JSConsumerHBRequiresPushErr');
    if (c.flow_control) return jsErr('JSConsumerFCRequiresPushErr');
    if (c.max_batch < 0) return jsErr('JSConsumerMaxRequestBatchNegativeErr');
    if (c.max_expires !== 0 && c.max_expires < MS) return jsErr('JSConsumerMaxRequestExpiresToSmall');
    if (lim.srvMaxRequestBatch > 0 && c.max_batch > lim.srvMaxRequestBatch) return jsErr('JSConsumerMaxRequestBatchExceededF', { limit: lim.srvMaxRequestBatch });
  }
  if (lim.srvMaxAckPending > 0 && c.max_ack_pending > lim.srvMaxAckPending) return jsErr('JSConsumerMaxPendingAckExcessErrF', { limit: lim.srvMaxAckPending });
  if (lim.accMaxAckPending > 0 && c.max_ack_pending > lim.accMaxAckPending) return jsErr('JSConsumerMaxPendingAckExcessErrF', { limit: lim.accMaxAckPending });
  if (c.direct) {
    if (c.deliver_subject === '') return jsErr('JSConsumerDirectRequiresPushErr');
    if (isDurable(c)) return jsErr('JSConsumerDirectRequiresEphemeralErr');
  }
  if (c.filter_subject !== '') {
    let subjects = [...(stream.subjects ?? [])];
    let hasExt = ctx.recovering;
    if (!ctx.recovering) {
      const g = ctx.sourceSubjects();
      subjects = g.subjects;
      hasExt = g.hasExt;
    }
    if (!hasExt && !validFilteredSubject(c.filter_subject, subjects)) return jsErr('JSConsumerFilterNotSubsetErr');
  }
  const bad = (dp: string, start: string) => jsErr('JSConsumerInvalidPolicyErrF', { err: `consumer delivery policy is deliver ${dp}, but optional start ${start} is also set` });
  const notSet = (dp: string, what: string) => jsErr('JSConsumerInvalidPolicyErrF', { err: `consumer delivery policy is deliver ${dp}, but optional ${what} is not set` });
  const hasTime = c.opt_start_time !== null;
  switch (c.deliver_policy) {
    case 'all':
      if (c.opt_start_seq > 0) return bad('all', 'sequence');
      if (hasTime) return bad('all', 'time');
      break;
    case 'last':
      if (c.opt_start_seq > 0) return bad('last', 'sequence');
      if (hasTime) return bad('last', 'time');
      break;
    case 'last_per_subject':
      if (c.opt_start_seq > 0) return bad('last per subject', 'sequence');
      if (hasTime) return bad('last per subject', 'time');
      if (c.filter_subject === '') return notSet('last per subject', 'filter subject');
      break;
    case 'new':
      if (c.opt_start_seq > 0) return bad('new', 'sequence');
      if (hasTime) return bad('new', 'time');
      break;
    case 'by_start_sequence':
      if (c.opt_start_seq === 0) return notSet('by start sequence', 'start sequence');
      if (hasTime) return bad('by start sequence', 'time');
      break;
    case 'by_start_time':
      if (!hasTime) return notSet('by start time', 'start time');
      // "start start sequence" is verbatim (quirk 11).
      if (c.opt_start_seq !== 0) return bad('by start time', 'start sequence');
      break;
  }
  if (c.sample_freq !== '') {
    const e = sampleError(c.sample_freq);
    if (e !== undefined) return jsErr('JSConsumerInvalidSamplingErrF', { err: e === null ? '<nil>' : e });
  }
  if (c.flow_control && c.idle_heartbeat === 0) return jsErr('JSConsumerWithFlowControlNeedsHeartbeats');
  if (c.durable_name !== '' && c.name !== '' && c.name !== c.durable_name) return jsErr('JSConsumerCreateDurableAndNameMismatch');
  return null;
}

/** reflect.DeepEqual of two configs. */
export function sameConfig(a: ConsumerConfig, b: ConsumerConfig): boolean {
  for (const k of Object.keys(a) as (keyof ConsumerConfig)[]) {
    const x = a[k];
    const y = b[k];
    if (k === 'opt_start_time') {
      const t1 = x as GoTime | null;
      const t2 = y as GoTime | null;
      if ((t1 === null) !== (t2 === null) || (t1 !== null && t2 !== null && t1.text !== t2.text)) return false;
      continue;
    }
    if (k === 'backoff') {
      const b1 = x as number[] | null;
      const b2 = y as number[] | null;
      if ((b1 === null) !== (b2 === null)) return false;
      if (b1 !== null && b2 !== null && (b1.length !== b2.length || b1.some((v, i) => v !== b2[i]))) return false;
      continue;
    }
    if (x !== y) return false;
  }
  return true;
}

/**
 * checkNewConsumerConfig: what an update (a create of an existing consumer) may change; the error
 * text (answered as 500/10012) or null. `deliverHasInterest` tells whether the current deliver
 * subject has subscribers (a bound push consumer keeps it).
 */
export function checkUpdate(cur: ConsumerConfig, next: ConsumerConfig, deliverHasInterest: () => boolean): ApiError | null {
  if (sameConfig(cur, next)) return null;
  const err = (m: string) => jsErr('JSConsumerCreateErrF', { err: m });
  if (cur.deliver_policy !== next.deliver_policy) return err('deliver policy can not be updated');
  if (cur.opt_start_seq !== next.opt_start_seq) return err('start sequence can not be updated');
  // The reference compares the *time.Time pointers: two requests never share one.
  if (cur.opt_start_time !== null || next.opt_start_time !== null) return err('start time can not be updated');
  if (cur.ack_policy !== next.ack_policy) return err('ack policy can not be updated');
  if (cur.replay_policy !== next.replay_policy) return err('replay policy can not be updated');
  if (cur.idle_heartbeat !== next.idle_heartbeat) return err('heart beats can not be updated');
  if (cur.flow_control !== next.flow_control) return err('flow control can not be updated');
  if (cur.max_waiting !== next.max_waiting) return err('max waiting can not be updated');
  if (cur.deliver_subject !== next.deliver_subject) {
    if (cur.deliver_subject === '') return err('can not update pull consumer to push based');
    if (next.deliver_subject === '') return err('can not update push consumer to pull based');
    if (deliverHasInterest()) return jsErr('JSConsumerNameExistErr');
  }
  const lbo = next.backoff?.length ?? 0;
  if (lbo > 0 && next.max_deliver <= lbo) return jsErr('JSConsumerMaxDeliverBackoffErr');
  return null;
}

/** isValidName for consumer names (also the durable rule: no '.', '*', '>', whitespace). */
export function isValidConsumerName(name: string): boolean {
  return isValidName(name);
}

/** time.Time as Go marshals it: UTC times in RFC 3339 with nanoseconds; others as given. */
function timeText(t: GoTime): string {
  return /[Zz]$/.test(t.text) ? goTimeNs(t.ns) : t.text;
}

/** The config as the API echoes it (ConsumerConfig's key order and omitempty). */
export function configJSON(c: ConsumerConfig): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (c.durable_name) o.durable_name = c.durable_name;
  if (c.name) o.name = c.name;
  if (c.description) o.description = c.description;
  o.deliver_policy = c.deliver_policy;
  if (c.opt_start_seq) o.opt_start_seq = c.opt_start_seq;
  if (c.opt_start_time !== null) o.opt_start_time = timeText(c.opt_start_time);
  o.ack_policy = c.ack_policy;
  if (c.ack_wait) o.ack_wait = c.ack_wait;
  if (c.max_deliver) o.max_deliver = c.max_deliver;
  if (c.backoff !== null && c.backoff.length > 0) o.backoff = [...c.backoff];
  if (c.filter_subject) o.filter_subject = c.filter_subject;
  o.replay_policy = c.replay_policy;
  if (c.rate_limit_bps) o.rate_limit_bps = c.rate_limit_bps;
  if (c.sample_freq) o.sample_freq = c.sample_freq;
  if (c.max_waiting) o.max_waiting = c.max_waiting;
  if (c.max_ack_pending) o.max_ack_pending = c.max_ack_pending;
  if (c.idle_heartbeat) o.idle_heartbeat = c.idle_heartbeat;
  if (c.flow_control) o.flow_control = true;
  if (c.headers_only) o.headers_only = true;
  if (c.max_batch) o.max_batch = c.max_batch;
  if (c.max_expires) o.max_expires = c.max_expires;
  if (c.max_bytes) o.max_bytes = c.max_bytes;
  if (c.deliver_subject) o.deliver_subject = c.deliver_subject;
  if (c.deliver_group) o.deliver_group = c.deliver_group;
  if (c.inactive_threshold) o.inactive_threshold = c.inactive_threshold;
  o.num_replicas = c.num_replicas;
  if (c.mem_storage) o.mem_storage = true;
  if (c.direct) o.direct = true;
  return o;
}

/** A config kept on disk (configJSON) read back; null when it is not one. */
export function configFromStored(v: unknown): ConsumerConfig | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');
  const num = (k: string) => (typeof o[k] === 'number' && Number.isFinite(o[k]) ? (o[k] as number) : 0);
  const bool = (k: string) => o[k] === true;
  const pick = <T extends string>(k: string, allowed: readonly T[], dflt: T): T => (allowed.includes(o[k] as T) ? (o[k] as T) : dflt);
  let start: GoTime | null = null;
  if (typeof o.opt_start_time === 'string') {
    const ms = Date.parse(o.opt_start_time);
    if (!Number.isNaN(ms)) start = { text: o.opt_start_time, ns: ms * 1e6 };
  }
  const bo = Array.isArray(o.backoff) && o.backoff.every((x) => typeof x === 'number') ? (o.backoff as number[]) : null;
  return {
    durable_name: str('durable_name'),
    name: str('name'),
    description: str('description'),
    deliver_policy: pick('deliver_policy', ['all', 'last', 'new', 'by_start_sequence', 'by_start_time', 'last_per_subject'] as const, 'all'),
    opt_start_seq: num('opt_start_seq'),
    opt_start_time: start,
    ack_policy: pick('ack_policy', ['none', 'all', 'explicit'] as const, 'none'),
    ack_wait: num('ack_wait'),
    max_deliver: num('max_deliver'),
    backoff: bo,
    filter_subject: str('filter_subject'),
    replay_policy: pick('replay_policy', ['instant', 'original'] as const, 'instant'),
    rate_limit_bps: num('rate_limit_bps'),
    sample_freq: str('sample_freq'),
    max_waiting: num('max_waiting'),
    max_ack_pending: num('max_ack_pending'),
    idle_heartbeat: num('idle_heartbeat'),
    flow_control: bool('flow_control'),
    headers_only: bool('headers_only'),
    max_batch: num('max_batch'),
    max_expires: num('max_expires'),
    max_bytes: num('max_bytes'),
    deliver_subject: str('deliver_subject'),
    deliver_group: str('deliver_group'),
    inactive_threshold: num('inactive_threshold'),
    num_replicas: num('num_replicas'),
    mem_storage: bool('mem_storage'),
    direct: bool('direct'),
  };
}
