// StreamConfig as the API carries it (stream.go StreamConfig): the decode schema, the defaults and
// checks of checkStreamCfg, what an update may change (configUpdateCheck), and the echo in the
// reference's key order with its omitempty rules. Field names are the JSON names; durations are
// nanoseconds.
import { S, type GoTime, type Spec } from './json.js';
import { invalidConfig, jsError, JsApiError } from './errors.js';
import { RepublishTransform } from './transform.js';
import { formatGoDurationNs } from '../config/duration.js';
import { isValidSubject, subjectIsSubsetMatch, subjectsCollide, hasWildcard } from '../subjects/subject.js';

export type Retention = 'limits' | 'interest' | 'workqueue';
export type Storage = 'file' | 'memory';

export interface ExternalStream {
  api: string;
  deliver: string;
}

export interface StreamSource {
  name: string;
  opt_start_seq?: number;
  opt_start_time?: GoTime;
  filter_subject?: string;
  external?: ExternalStream;
}

export interface RePublish {
  src?: string;
  dest: string;
  headers_only?: boolean;
}

export interface Placement {
  cluster?: string;
  tags?: string[];
}

export interface StreamConfig {
  name: string;
  description?: string;
  subjects?: string[];
  retention: Retention;
  max_consumers: number;
  max_msgs: number;
  max_bytes: number;
  max_age: number;
  max_msgs_per_subject: number;
  max_msg_size: number;
  discard: 'old' | 'new';
  storage: Storage;
  num_replicas: number;
  no_ack?: boolean;
  template_owner?: string;
  duplicate_window?: number;
  placement?: Placement;
  mirror?: StreamSource;
  sources?: StreamSource[];
  republish?: RePublish;
  allow_direct: boolean;
  mirror_direct: boolean;
  discard_new_per_subject?: boolean;
  sealed: boolean;
  deny_delete: boolean;
  deny_purge: boolean;
  allow_rollup_hdrs: boolean;
}

/** A config as decoded from a request: every field may be missing. */
export type RawStreamConfig = Partial<StreamConfig>;

const externalSpec = S.struct('ExternalStream', { api: S.string, deliver: S.string });
const sourceSpec = S.struct('StreamSource', {
  name: S.string, opt_start_seq: S.uint64, opt_start_time: S.ptr(S.time), filter_subject: S.string, external: S.ptr(externalSpec),
});

/** The StreamConfig struct for decoding. */
export const streamConfigSpec = S.struct('StreamConfig', {
  name: S.string,
  description: S.string,
  subjects: S.strings,
  retention: S.enum('limits', 'interest', 'workqueue'),
  max_consumers: S.int,
  max_msgs: S.int64,
  max_bytes: S.int64,
  max_age: S.duration,
  max_msgs_per_subject: S.int64,
  max_msg_size: S.int32,
  discard: S.enum('old', 'new'),
  storage: S.enum('file', 'memory'),
  num_replicas: S.int,
  no_ack: S.bool,
  template_owner: S.string,
  duplicate_window: S.duration,
  placement: S.ptr(S.struct('Placement', { cluster: S.string, tags: S.strings })),
  mirror: S.ptr(sourceSpec),
  sources: S.array(S.ptr(sourceSpec), '[]*server.StreamSource'),
  republish: S.ptr(S.struct('RePublish', { src: S.string, dest: S.string, headers_only: S.bool })),
  allow_direct: S.bool,
  mirror_direct: S.bool,
  discard_new_per_subject: S.bool,
  sealed: S.bool,
  deny_delete: S.bool,
  deny_purge: S.bool,
  allow_rollup_hdrs: S.bool,
}) as Spec & { k: 'struct' };

/** JSMaxNameLen, JSMaxDescriptionLen. */
export const MAX_NAME_LEN = 255;
export const MAX_DESCRIPTION_LEN = 4096;
/** StreamDefaultDuplicatesWindow: 2 minutes. */
export const DEFAULT_DUPLICATES_NS = 120_000_000_000;
const MS100 = 100_000_000;
export const JS_API_PREFIX = '$JS.API';

/** isValidName: not empty, no whitespace, '.', '*' or '>'. */
export function isValidName(name: string): boolean {
  return name !== '' && !/[ \t\r\n\f.*>]/.test(name);
}

/** What checkStreamCfg needs to know about the world. */
export interface StreamCfgContext {
  /** jetstream.limits.duplicate_window in ns (0 = none). */
  serverDuplicates: number;
  /** The config of another stream of the account, if it exists. */
  lookup(name: string): StreamConfig | undefined;
  /** The account's max_bytes_required and the per-stream max bytes for this storage (<= 0: none). */
  maxBytesLimits(storage: Storage): { required: boolean; limit: number };
}

function goDurationString(ns: number): string {
  return formatGoDurationNs(BigInt(Math.trunc(ns)));
}

function copySource(s: StreamSource): StreamSource {
  const out: StreamSource = { name: s.name ?? '' };
  if (s.opt_start_seq !== undefined) out.opt_start_seq = s.opt_start_seq;
  if (s.opt_start_time !== undefined) out.opt_start_time = s.opt_start_time;
  if (s.filter_subject !== undefined) out.filter_subject = s.filter_subject;
  if (s.external !== undefined) out.external = { api: s.external.api ?? '', deliver: s.external.deliver ?? '' };
  return out;
}

/**
 * checkStreamCfg: validates a requested config and fills in the defaults, in the reference's order
 * and with its errors (thrown as JsApiError).
 */
export function checkStreamCfg(raw: RawStreamConfig, ctx: StreamCfgContext): StreamConfig {
  const name = raw.name ?? '';
  if (!isValidName(name)) throw invalidConfig("stream name is required and can not contain '.', '*', '>'");
  if (name.length > MAX_NAME_LEN) throw invalidConfig(`stream name is too long, maximum allowed is ${MAX_NAME_LEN}`);
  if ((raw.description ?? '').length > MAX_DESCRIPTION_LEN) throw invalidConfig(`stream description is too long, maximum allowed is ${MAX_DESCRIPTION_LEN}`);

  const cfg: StreamConfig = {
    name,
    retention: raw.retention ?? 'limits',
    max_consumers: raw.max_consumers ?? 0,
    max_msgs: raw.max_msgs ?? 0,
    max_bytes: raw.max_bytes ?? 0,
    max_age: raw.max_age ?? 0,
    max_msgs_per_subject: raw.max_msgs_per_subject ?? 0,
    max_msg_size: raw.max_msg_size ?? 0,
    discard: raw.discard ?? 'old',
    storage: raw.storage ?? 'file',
    num_replicas: raw.num_replicas ?? 0,
    allow_direct: raw.allow_direct ?? false,
    mirror_direct: raw.mirror_direct ?? false,
    sealed: raw.sealed ?? false,
    deny_delete: raw.deny_delete ?? false,
    deny_purge: raw.deny_purge ?? false,
    allow_rollup_hdrs: raw.allow_rollup_hdrs ?? false,
  };
  if (raw.description) cfg.description = raw.description;
  if (raw.subjects && raw.subjects.length > 0) cfg.subjects = [...raw.subjects];
  if (raw.no_ack) cfg.no_ack = true;
  if (raw.template_owner) cfg.template_owner = raw.template_owner;
  if (raw.duplicate_window) cfg.duplicate_window = raw.duplicate_window;
  if (raw.placement) cfg.placement = { ...raw.placement };
  if (raw.mirror) cfg.mirror = copySource(raw.mirror);
  if (raw.sources && raw.sources.length > 0) cfg.sources = raw.sources.map((s) => copySource(s ?? ({} as StreamSource)));
  if (raw.republish) cfg.republish = { ...raw.republish, dest: raw.republish.dest ?? '' };
  if (raw.discard_new_per_subject) cfg.discard_new_per_subject = true;

  if (cfg.num_replicas === 0) cfg.num_replicas = 1;
  if (cfg.num_replicas > 5) throw invalidConfig('maximum replicas is 5');
  if (cfg.num_replicas < 0) throw jsError('JSReplicasCountCannotBeNegative');
  if (cfg.max_msgs === 0) cfg.max_msgs = -1;
  if (cfg.max_msgs_per_subject === 0) cfg.max_msgs_per_subject = -1;
  if (cfg.max_bytes === 0) cfg.max_bytes = -1;
  if (cfg.max_msg_size === 0) cfg.max_msg_size = -1;
  if (cfg.max_consumers === 0) cfg.max_consumers = -1;
  const limDup = ctx.serverDuplicates;
  if ((cfg.duplicate_window ?? 0) === 0 && cfg.mirror === undefined) {
    let maxWindow = DEFAULT_DUPLICATES_NS;
    if (limDup > 0 && maxWindow > limDup) maxWindow = limDup;
    cfg.duplicate_window = cfg.max_age !== 0 && cfg.max_age < maxWindow ? cfg.max_age : maxWindow;
  }
  const dup = cfg.duplicate_window ?? 0;
  if (cfg.max_age > 0 && cfg.max_age < MS100) throw invalidConfig('max age needs to be >= 100ms');
  if (dup < 0) throw invalidConfig('duplicates window can not be negative');
  if (cfg.max_age !== 0 && dup > cfg.max_age) throw invalidConfig('duplicates window can not be larger then max age');
  if (limDup > 0 && dup > limDup) throw invalidConfig(`duplicates window can not be larger then server limit of ${goDurationString(limDup)}`);
  if (dup > 0 && dup < MS100) throw invalidConfig('duplicates window needs to be >= 100ms');
  if (cfg.duplicate_window === 0) delete cfg.duplicate_window;

  if (cfg.deny_purge && cfg.allow_rollup_hdrs) throw invalidConfig('roll-ups require the purge permission');
  if (cfg.discard_new_per_subject) {
    if (cfg.discard !== 'new') throw invalidConfig('discard new per subject requires discard new policy to be set');
    if (cfg.max_msgs_per_subject <= 0) throw invalidConfig('discard new per subject requires max msgs per subject > 0');
  }

  const overlapsFilter = (filter: string | undefined, subs: string[] | undefined) => {
    if (!filter || !subs || subs.length === 0) return true;
    return subs.some((s) => subjectsCollide(s, filter));
  };
  const streamSubs: string[] = [];
  const deliveryPrefixes: string[] = [];
  const apiPrefixes: string[] = [];

  if (cfg.mirror !== undefined) {
    if (cfg.subjects) throw jsError('JSMirrorWithSubjectsErr');
    if (cfg.sources) throw jsError('JSMirrorWithSourcesErr');
    const origin = ctx.lookup(cfg.mirror.name);
    if (origin?.subjects) streamSubs.push(...origin.subjects);
    if (origin) {
      if (cfg.max_msg_size > 0 && origin.max_msg_size > 0 && cfg.max_msg_size < origin.max_msg_size) throw jsError('JSMirrorMaxMessageSizeTooBigErr');
      if (!overlapsFilter(cfg.mirror.filter_subject, origin.subjects)) {
        throw invalidConfig(`mirror '${cfg.mirror.name}' filter subject '${cfg.mirror.filter_subject}' does not overlap with any origin stream subject`);
      }
    }
    if (cfg.mirror.external) {
      if (cfg.mirror.external.deliver) deliveryPrefixes.push(cfg.mirror.external.deliver);
      if (cfg.mirror.external.api) apiPrefixes.push(cfg.mirror.external.api);
    }
    // A mirror inherits direct gets from its origin.
    if (origin) cfg.mirror_direct = origin.allow_direct;
  }
  for (const src of cfg.sources ?? []) {
    const origin = ctx.lookup(src.name);
    if (origin?.subjects) streamSubs.push(...origin.subjects);
    if (origin) {
      if (cfg.max_msg_size > 0 && origin.max_msg_size > 0 && cfg.max_msg_size < origin.max_msg_size) throw jsError('JSSourceMaxMessageSizeTooBigErr');
      if (!overlapsFilter(src.filter_subject, streamSubs)) {
        throw invalidConfig(`source '${src.name}' filter subject '${src.filter_subject}' does not overlap with any origin stream subject`);
      }
    }
    if (!src.external) continue;
    if (src.external.deliver) deliveryPrefixes.push(src.external.deliver);
    if (src.external.api) apiPrefixes.push(src.external.api);
  }
  for (const pfx of deliveryPrefixes) {
    if (!isValidSubject(pfx) || hasWildcard(pfx)) throw jsError('JSStreamInvalidExternalDeliverySubjErrF', { prefix: pfx });
    for (const sub of streamSubs) {
      if (subjectsCollide(sub, `${pfx}.${sub}`)) throw jsError('JSStreamExternalDelPrefixOverlapsErrF', { prefix: pfx, subject: sub });
    }
  }
  for (const pfx of apiPrefixes) {
    if (!isValidSubject(pfx) || hasWildcard(pfx)) throw invalidConfig(`stream external api prefix ${JSON.stringify(pfx)} must be a valid subject without wildcards`);
    if (subjectsCollide(pfx, JS_API_PREFIX)) throw jsError('JSStreamExternalApiOverlapErrF', { prefix: pfx, subject: JS_API_PREFIX });
  }

  // Cycles through sources and mirrors (of streams in this account).
  const toVisit: StreamConfig[] = [cfg];
  const visited = new Set<string>();
  while (toVisit.length > 0) {
    const c = toVisit.shift()!;
    visited.add(c.name);
    for (const src of c.sources ?? []) {
      if (src.external) continue;
      if (visited.has(src.name)) throw invalidConfig('detected cycle');
      const o = ctx.lookup(src.name);
      if (o) toVisit.push(o);
    }
    if (c.mirror && !c.mirror.external) {
      if (visited.has(c.mirror.name)) throw invalidConfig('detected cycle');
      const o = ctx.lookup(c.mirror.name);
      if (o) toVisit.push(o);
    }
  }

  if (!cfg.subjects) {
    if (cfg.mirror === undefined && !cfg.sources) cfg.subjects = [cfg.name];
  } else {
    if (cfg.mirror !== undefined) throw jsError('JSMirrorWithSubjectsErr');
    const seen = new Set<string>();
    for (const subj of cfg.subjects) {
      if (seen.has(subj)) throw invalidConfig('duplicate subjects detected');
      if (subjectIsSubsetMatch(subj, '$JS.API.>')) throw invalidConfig('subjects overlap with jetstream api');
      if (!isValidSubject(subj)) throw invalidConfig('invalid subject');
      seen.add(subj);
    }
  }
  if (!cfg.subjects && !cfg.sources && cfg.mirror === undefined) throw invalidConfig('stream needs at least one configured subject or be a source/mirror');

  const mb = ctx.maxBytesLimits(cfg.storage);
  if (mb.required && cfg.max_bytes <= 0) throw jsError('JSStreamMaxBytesRequired');
  if (mb.limit > 0 && cfg.max_bytes > mb.limit) throw jsError('JSStreamMaxStreamBytesExceeded');

  const subs = cfg.subjects ?? [];
  if (subs.length > 1) {
    for (const s of subs) for (const t of subs) if (t !== s && subjectsCollide(t, s)) throw invalidConfig(`subject ${JSON.stringify(s)} overlaps with ${JSON.stringify(t)}`);
  }

  if (cfg.republish) {
    if (!cfg.republish.src) cfg.republish.src = '>';
    const src = cfg.republish.src;
    if (!subs.some((s) => subjectsCollide(src, s))) throw invalidConfig('stream configuration for republish source is not valid subset of subjects');
    if (subs.some((s) => subjectsCollide(cfg.republish!.dest, s))) throw invalidConfig('stream configuration for republish destination forms a cycle');
    try {
      new RepublishTransform(src, cfg.republish.dest);
    } catch {
      throw invalidConfig('stream configuration for republish not valid');
    }
  }
  return cfg;
}

/** Deep equality of two configs as the reference compares them (reflect.DeepEqual). */
export function sameConfig(a: StreamConfig, b: StreamConfig): boolean {
  return JSON.stringify(streamConfigJSON(a)) === JSON.stringify(streamConfigJSON(b));
}

function sameSource(a: StreamSource | undefined, b: StreamSource | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return JSON.stringify(sourceJSON(a)) === JSON.stringify(sourceJSON(b));
}

/**
 * configUpdateCheck: what STREAM.UPDATE may change. `check` is checkStreamCfg bound to the account;
 * returns the new config (sealing forces its settings) or throws the reference's error.
 */
export function configUpdateCheck(old: StreamConfig, raw: RawStreamConfig, check: (raw: RawStreamConfig) => StreamConfig): StreamConfig {
  const cfg = check(raw);
  if (cfg.name !== old.name) throw invalidConfig('stream configuration name must match original');
  if (cfg.max_consumers !== old.max_consumers) throw invalidConfig('stream configuration update can not change MaxConsumers');
  if (cfg.storage !== old.storage) throw invalidConfig('stream configuration update can not change storage type');
  if (cfg.retention !== old.retention) throw invalidConfig('stream configuration update can not change retention policy');
  if (old.template_owner) throw invalidConfig('stream configuration update not allowed on template owned stream');
  if (cfg.template_owner) throw invalidConfig('stream configuration update can not be owned by a template');
  if (!cfg.sealed && old.sealed) throw invalidConfig('stream configuration update can not unseal a sealed stream');
  if (!cfg.deny_delete && old.deny_delete) throw invalidConfig('stream configuration update can not cancel deny message deletes');
  if (!cfg.deny_purge && old.deny_purge) throw invalidConfig('stream configuration update can not cancel deny purge');
  if (!sameSource(cfg.mirror, old.mirror)) throw jsError('JSStreamMirrorNotUpdatableErr');
  if (JSON.stringify(cfg.republish ?? null) !== JSON.stringify(old.republish ?? null)) throw invalidConfig('stream configuration update can not change RePublish');
  if (cfg.discard_new_per_subject) {
    if (cfg.discard !== 'new') throw invalidConfig('discard new per subject requires discard new policy to be set');
    if (cfg.max_msgs_per_subject <= 0) throw invalidConfig('discard new per subject requires max msgs per subject > 0');
  }
  if (cfg.sealed) {
    cfg.max_age = 0;
    cfg.discard = 'new';
    cfg.deny_delete = true;
    cfg.deny_purge = true;
    cfg.allow_rollup_hdrs = false;
  }
  return cfg;
}

function sourceJSON(s: StreamSource): Record<string, unknown> {
  return {
    name: s.name,
    opt_start_seq: s.opt_start_seq || undefined,
    opt_start_time: s.opt_start_time?.text,
    filter_subject: s.filter_subject || undefined,
    external: s.external ? { api: s.external.api, deliver: s.external.deliver } : undefined,
  };
}

/** The config as the reference marshals it: its key order, omitempty fields left out. */
export function streamConfigJSON(c: StreamConfig): Record<string, unknown> {
  return {
    name: c.name,
    description: c.description || undefined,
    subjects: c.subjects && c.subjects.length > 0 ? c.subjects : undefined,
    retention: c.retention,
    max_consumers: c.max_consumers,
    max_msgs: c.max_msgs,
    max_bytes: c.max_bytes,
    max_age: c.max_age,
    max_msgs_per_subject: c.max_msgs_per_subject,
    max_msg_size: c.max_msg_size || undefined,
    discard: c.discard,
    storage: c.storage,
    num_replicas: c.num_replicas,
    no_ack: c.no_ack || undefined,
    template_owner: c.template_owner || undefined,
    duplicate_window: c.duplicate_window || undefined,
    placement: c.placement ? { cluster: c.placement.cluster || undefined, tags: c.placement.tags && c.placement.tags.length > 0 ? c.placement.tags : undefined } : undefined,
    mirror: c.mirror ? sourceJSON(c.mirror) : undefined,
    sources: c.sources && c.sources.length > 0 ? c.sources.map(sourceJSON) : undefined,
    republish: c.republish ? { src: c.republish.src || undefined, dest: c.republish.dest, headers_only: c.republish.headers_only || undefined } : undefined,
    allow_direct: c.allow_direct,
    mirror_direct: c.mirror_direct,
    discard_new_per_subject: c.discard_new_per_subject || undefined,
    sealed: c.sealed,
    deny_delete: c.deny_delete,
    deny_purge: c.deny_purge,
    allow_rollup_hdrs: c.allow_rollup_hdrs,
  };
}

/** A stored config (meta.json) back into a StreamConfig; null when it is not one. */
export function configFromStored(v: unknown): StreamConfig | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.name !== 'string' || !isValidName(o.name)) return null;
  const src = (x: unknown): StreamSource | undefined => {
    if (typeof x !== 'object' || x === null) return undefined;
    const s = x as Record<string, unknown>;
    const out: StreamSource = { name: String(s.name ?? '') };
    if (typeof s.opt_start_seq === 'number') out.opt_start_seq = s.opt_start_seq;
    if (typeof s.opt_start_time === 'string') out.opt_start_time = { text: s.opt_start_time, ns: Date.parse(s.opt_start_time) * 1e6 };
    if (typeof s.filter_subject === 'string') out.filter_subject = s.filter_subject;
    if (typeof s.external === 'object' && s.external !== null) {
      const e = s.external as Record<string, unknown>;
      out.external = { api: String(e.api ?? ''), deliver: String(e.deliver ?? '') };
    }
    return out;
  };
  const num = (k: string, d: number) => (typeof o[k] === 'number' ? (o[k] as number) : d);
  const bool = (k: string) => o[k] === true;
  const cfg: StreamConfig = {
    name: o.name,
    retention: o.retention === 'interest' || o.retention === 'workqueue' ? o.retention : 'limits',
    max_consumers: num('max_consumers', -1),
    max_msgs: num('max_msgs', -1),
    max_bytes: num('max_bytes', -1),
    max_age: num('max_age', 0),
    max_msgs_per_subject: num('max_msgs_per_subject', -1),
    max_msg_size: num('max_msg_size', -1),
    discard: o.discard === 'new' ? 'new' : 'old',
    storage: o.storage === 'memory' ? 'memory' : 'file',
    num_replicas: num('num_replicas', 1),
    allow_direct: bool('allow_direct'),
    mirror_direct: bool('mirror_direct'),
    sealed: bool('sealed'),
    deny_delete: bool('deny_delete'),
    deny_purge: bool('deny_purge'),
    allow_rollup_hdrs: bool('allow_rollup_hdrs'),
  };
  if (typeof o.description === 'string' && o.description) cfg.description = o.description;
  if (Array.isArray(o.subjects) && o.subjects.every((s) => typeof s === 'string') && o.subjects.length > 0) cfg.subjects = o.subjects as string[];
  if (bool('no_ack')) cfg.no_ack = true;
  if (typeof o.template_owner === 'string' && o.template_owner) cfg.template_owner = o.template_owner;
  if (typeof o.duplicate_window === 'number' && o.duplicate_window > 0) cfg.duplicate_window = o.duplicate_window;
  if (typeof o.placement === 'object' && o.placement !== null) cfg.placement = o.placement as Placement;
  const m = src(o.mirror);
  if (m) cfg.mirror = m;
  if (Array.isArray(o.sources) && o.sources.length > 0) cfg.sources = o.sources.map(src).filter((x): x is StreamSource => x !== undefined);
  if (typeof o.republish === 'object' && o.republish !== null) cfg.republish = o.republish as RePublish;
  if (bool('discard_new_per_subject')) cfg.discard_new_per_subject = true;
  return cfg;
}

export { JsApiError };
