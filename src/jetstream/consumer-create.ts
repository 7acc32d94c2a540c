// Creating consumers on a stream (stream.addConsumerWithAssignment): defaults, checks, updates of an
// existing one, the stream's limits and workqueue rules, names, the consumer store, the start, the
// CREATED advisory. Also the per-stream registry of consumers by name, and their recovery from a
// file stream's directory at start-up (jetstream.go: the consumers of each recovered stream).
import { randomInt } from 'node:crypto';
import type { Stream } from './stream.js';
import type { JetStream } from './service.js';
import { jsError, JsApiError, jsErr } from './errors.js';
import { nowNs } from './store/index.js';
import { MAX_NAME_LEN } from './stream-config.js';
import {
  checkConsumerCfg, checkUpdate, configFromStored, copyConfig, isDurable, isValidConsumerName, setDefaults,
  type ConsumerConfig, type ConsumerLimits,
} from './consumer-config.js';
import { Consumer, storeConfigFor } from './consumer.js';
import { subjectIsSubsetMatch } from '../subjects/subject.js';
import { decodeConsumerState } from './store/consumer-codec.js';
import type { SnapshotConsumer } from './snapshot.js';

const NAME_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The consumers of each stream, by name. */
const registry = new WeakMap<Stream, Map<string, Consumer>>();

export function consumersOf(s: Stream): Map<string, Consumer> {
  let m = registry.get(s);
  if (m === undefined) registry.set(s, (m = new Map()));
  return m;
}

export function lookupConsumer(s: Stream, name: string): Consumer | undefined {
  return registry.get(s)?.get(name);
}

/** Consumers of a stream sorted by name. */
export function sortedConsumers(s: Stream): Consumer[] {
  const list = [...consumersOf(s).values()];
  list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return list;
}

/** createConsumerName: 8 characters of [0-9A-Za-z]. */
function createConsumerName(): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += NAME_DIGITS[randomInt(0, 62)];
  return s;
}

export function consumerLimits(js: JetStream, s: Stream): ConsumerLimits {
  const l = js.config.limits;
  return { srvMaxAckPending: l.maxAckPending, srvMaxRequestBatch: l.maxRequestBatch, accMaxAckPending: s.jsa.limits.maxAckPending };
}

/** The stream's subjects plus those of its local mirror or sources (gatherSourceMirrorSubjects). */
function sourceSubjects(s: Stream): { subjects: string[]; hasExt: boolean } {
  const subjects = [...(s.cfg.subjects ?? [])];
  let hasExt = false;
  const seen = new Set<string>();
  const visit = (name: string, external: boolean): void => {
    if (external) {
      hasExt = true;
      return;
    }
    if (seen.has(name)) return;
    seen.add(name);
    const o = s.jsa.streams.get(name);
    if (o === undefined) return;
    subjects.push(...(o.cfg.subjects ?? []));
    if (o.cfg.mirror) visit(o.cfg.mirror.name, o.cfg.mirror.external !== undefined);
    for (const src of o.cfg.sources ?? []) visit(src.name, src.external !== undefined);
  };
  if (s.cfg.mirror) visit(s.cfg.mirror.name, s.cfg.mirror.external !== undefined);
  else for (const src of s.cfg.sources ?? []) visit(src.name, src.external !== undefined);
  return { subjects, hasExt };
}

export interface AddConsumerOptions {
  /** Recovering from disk: filter checks skipped, overlapping workqueue filters only warned about. */
  recovering?: boolean;
  /** The name to use (recovery). */
  oname?: string;
  created?: number;
}

/** Is a filter unique among the stream's consumers (partitionUnique)? */
function partitionUnique(s: Stream, partition: string): boolean {
  for (const o of consumersOf(s).values()) {
    const f = o.cfg.filter_subject;
    if (f === '') return false;
    if (subjectIsSubsetMatch(partition, f) || subjectIsSubsetMatch(f, partition)) return false;
  }
  return true;
}

/**
 * addConsumerWithAssignment: the consumer (new, or the existing one updated); errors are thrown as
 * JsApiError with the reference's answer.
 */
export function addConsumer(js: JetStream, s: Stream, config: ConsumerConfig, opts: AddConsumerOptions = {}): Consumer {
  const lim = consumerLimits(js, s);
  setDefaults(config, lim);
  const e = checkConsumerCfg(config, lim, { stream: s.cfg, sourceSubjects: () => sourceSubjects(s), recovering: opts.recovering === true });
  if (e !== null) throw new JsApiError(e);
  if (s.closed) throw jsError('JSStreamInvalidErr');
  const registry = consumersOf(s);
  const cName = isDurable(config) ? config.durable_name : config.name;
  if (cName !== '') {
    const eo = registry.get(cName);
    if (eo !== undefined) {
      const err = checkUpdate(eo.cfg, config, () => eo.deliverHasInterest());
      if (err !== null) throw new JsApiError(err);
      eo.applyUpdate(config);
      return eo;
    }
  }
  let maxc = s.cfg.max_consumers;
  const accMax = s.jsa.limits.maxConsumers;
  if (maxc <= 0 || (accMax > 0 && accMax < maxc)) maxc = accMax;
  if (maxc > 0 && registry.size >= maxc) throw jsError('JSMaximumConsumersLimitErr');
  if (s.cfg.retention === 'workqueue' && !config.direct) {
    if (config.ack_policy !== 'explicit') throw jsError('JSConsumerWQRequiresExplicitAckErr');
    if (registry.size > 0) {
      if (config.filter_subject === '') throw jsError('JSConsumerWQMultipleUnfilteredErr');
      if (!partitionUnique(s, config.filter_subject)) {
        if (opts.recovering) {
          js.log.warn(`Consumer ${JSON.stringify(s.name)} > ${JSON.stringify(cName)} has a filter subject that overlaps with other consumers, which is not allowed for a stream with WorkQueue policy, it should be administratively deleted`);
        } else throw jsError('JSConsumerWQConsumerNotUniqueErr');
      }
    }
    if (config.deliver_policy !== 'all') throw jsError('JSConsumerWQConsumerNotDeliverAllErr');
  }
  // The consumer keeps the config as given; a legacy ephemeral's generated name is not echoed in it.
  const cfg = copyConfig(config);
  let name: string;
  if (isDurable(config)) {
    if (config.durable_name.length > MAX_NAME_LEN) throw jsError('JSConsumerNameTooLongErrF', { max: MAX_NAME_LEN });
    name = config.durable_name;
  } else if (opts.oname) name = opts.oname;
  else if (config.name !== '') name = config.name;
  else {
    do name = createConsumerName();
    while (registry.has(name));
  }
  if (!isValidConsumerName(name)) throw jsError('JSConsumerBadDurableNameErr');
  const created = opts.created ?? nowNs();
  let store;
  try {
    store = s.store.consumerStore(name, storeConfigFor(cfg, created));
  } catch (err) {
    js.log.warn(`Consumer create failed for '${s.acc.name} > ${s.name} > ${config.durable_name}': ${(err as Error).message}`);
    throw new JsApiError(jsErr('JSConsumerCreateErrF', { err: 'error creating store for consumer' }));
  }
  const o = new Consumer(s, cfg, {
    name,
    created,
    store,
    onClosed: (c) => {
      if (registry.get(c.name) === c) registry.delete(c.name);
    },
  });
  if (store.hasState()) o.readStoredState(0);
  else o.selectStartingSeqNo();
  o.updateInactiveThreshold(o.cfg);
  o.checkInitialInterest();
  registry.set(name, o);
  s.addConsumer(o);
  o.start();
  o.sendCreateAdvisory();
  return o;
}

/** The consumers of a restored snapshot, with their state (RestoreStream). */
export function restoreConsumers(js: JetStream, s: Stream, list: SnapshotConsumer[]): void {
  for (const c of list) {
    if (typeof c !== 'object' || c === null || typeof c.name !== 'string') continue;
    const cfg = configFromStored(c.config);
    if (cfg === null) continue;
    const ephemeral = !isDurable(cfg);
    if (ephemeral) cfg.durable_name = c.name;
    try {
      const o = addConsumer(js, s, cfg, { recovering: true, oname: c.name, created: typeof c.created === 'number' ? c.created : undefined });
      if (typeof c.state === 'string' && c.state !== '') o.restoreState(decodeConsumerState(Buffer.from(c.state, 'base64')));
      if (ephemeral) o.switchToEphemeral();
    } catch (err) {
      const msg = err instanceof JsApiError ? err.api.description : (err as Error).message;
      js.log.warn(`JetStream restore of consumer ${JSON.stringify(c.name)} on stream '${s.acc.name} > ${s.name}' failed: ${msg}`);
    }
  }
}

/** Recreates the consumers recorded in a recovered file stream (jetstream.go recovery). */
export function recoverConsumers(js: JetStream, s: Stream): void {
  for (const { name, config } of s.storedConsumers()) {
    const stored = config.config as { config?: unknown; created?: unknown } | undefined;
    const cfg = configFromStored(stored?.config);
    if (cfg === null) {
      js.log.warn(`  Error unmarshalling consumer metafile for ${JSON.stringify(name)} on stream '${s.acc.name} > ${s.name}'`);
      continue;
    }
    const ephemeral = !isDurable(cfg);
    // An ephemeral comes back as a durable first, then switches (it may not have interest yet).
    if (ephemeral) cfg.durable_name = name;
    try {
      const created = typeof stored?.created === 'number' ? stored.created : undefined;
      const o = addConsumer(js, s, cfg, { recovering: true, oname: name, created });
      if (ephemeral) o.switchToEphemeral();
    } catch (err) {
      const msg = err instanceof JsApiError ? err.api.description : (err as Error).message;
      js.log.warn(`    Error adding consumer ${JSON.stringify(name)}: ${msg}`);
    }
  }
}
