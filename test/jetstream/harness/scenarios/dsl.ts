// Short constructors for scenario steps, so scenario files read like transcripts.
import type { Body, CollectStep, Headers, PubStep, ReqStep, Step, SubStep } from '../model.js';

type ReqOpts = Omit<ReqStep, 'op' | 'subject' | 'body'>;

/** A request to `$JS.API.<api>`. */
export function api(apiSubject: string, body?: Body, o: ReqOpts = {}): ReqStep {
  return { op: 'req', subject: `$JS.API.${apiSubject}`, ...(body !== undefined ? { body } : {}), ...o };
}

/** A request to any subject (a publish to a stream subject waits for the ack). */
export function req(subject: string, body?: Body, o: ReqOpts = {}): ReqStep {
  return { op: 'req', subject, ...(body !== undefined ? { body } : {}), ...o };
}

/** A publish with headers to a stream subject, waiting for the ack. */
export function hpub(subject: string, headers: Headers, body: Body = 'x', o: ReqOpts = {}): ReqStep {
  return { op: 'req', subject, headers, body, ...o };
}

export function pub(subject: string, body?: Body, o: Omit<PubStep, 'op' | 'subject' | 'body'> = {}): PubStep {
  return { op: 'pub', subject, ...(body !== undefined ? { body } : {}), ...o };
}

export function sub(id: string, subject: string, o: Omit<SubStep, 'op' | 'id' | 'subject'> = {}): SubStep {
  return { op: 'sub', id, subject, ...o };
}

export function collect(id: string, count = 1, o: Omit<CollectStep, 'op' | 'id' | 'count'> = {}): CollectStep {
  return { op: 'collect', id, count, ...o };
}

/** Creates stream `name` with `cfg` (name filled in). */
export function stream(name: string, cfg: Record<string, unknown> = {}, o: ReqOpts = {}): ReqStep {
  return api(`STREAM.CREATE.${name}`, { name, ...cfg } as Body, o);
}

/** Publishes `n` messages to `subject` (each waiting for its ack): body "m1".."mn". */
export function fill(subject: string, n: number, o: ReqOpts = {}): ReqStep[] {
  return Array.from({ length: n }, (_, i) => req(subject, `m${i + 1}`, o));
}

export function info(name: string, body?: Body): ReqStep {
  return api(`STREAM.INFO.${name}`, body);
}

export function cinfo(streamName: string, consumer: string): ReqStep {
  return api(`CONSUMER.INFO.${streamName}.${consumer}`);
}

export function sleep(ms: number, note?: string): Step {
  return { op: 'sleep', ms, ...(note ? { note } : {}) };
}

export function flush(conn?: string): Step {
  return { op: 'flush', ...(conn ? { conn } : {}) };
}

/** A pull request to `$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>` collecting `count` replies. */
export function next(streamName: string, consumer: string, body: Body | undefined, count: number, o: ReqOpts = {}): ReqStep {
  return api(`CONSUMER.MSG.NEXT.${streamName}.${consumer}`, body, { count, ...o });
}

/**
 * Waits until CONSUMER.INFO shows num_pending = n: the stream tells its consumers about new messages
 * asynchronously, so a pull right after a publish could see the old count in its ack reply.
 */
export function pendingIs(streamName: string, consumer: string, n: number): Step {
  return { op: 'wait', subject: `$JS.API.CONSUMER.INFO.${streamName}.${consumer}`, path: 'num_pending', equals: n, timeoutMs: 3000 };
}
