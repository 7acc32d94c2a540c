// The consumer APIs (jetstream_api.go jsConsumerCreateRequest, jsConsumerNamesRequest,
// jsConsumerListRequest, jsConsumerInfoRequest, jsConsumerDeleteRequest): each check in the
// reference's order, each answer in its Go struct's key order. CONSUMER.MSG.NEXT is not an API
// call: each pull consumer subscribes its own subject (consumer.ts).
import type { JsApi, ApiRequest, ApiAnswer } from './api.js';
import { apiType, errorAnswer } from './api.js';
import { jsErr, JsApiError, toApiError } from './errors.js';
import { decodeGo, isEmptyRequest, S, type Spec } from './json.js';
import { configJSON, createConsumerRequestSpec, fromRaw, type RawConsumerConfig } from './consumer-config.js';
import { addConsumer, consumersOf, lookupConsumer, recoverConsumers, restoreConsumers, sortedConsumers } from './consumer-create.js';
import type { Consumer } from './consumer.js';
import { LIST_LIMIT, NAMES_LIMIT } from './api-stream.js';

const consumersSpec = S.struct('JSApiConsumersRequest', { offset: S.int }) as Spec & { k: 'struct' };

export function registerConsumerApi(api: JsApi): void {
  const js = api.js;
  js.recoverConsumers = (s) => recoverConsumers(js, s);
  // /jsz consumer_detail: the stream's consumers in creation order, the config only when asked for.
  js.consumerDetail = (s, withConfig) => [...consumersOf(s).values()].map((o) => {
    const info = o.info();
    if (!withConfig) delete info.config;
    return info;
  });
  // Snapshots carry each consumer's config and state (the reference's binary encoding).
  js.snapshotConsumers = (s) => [...consumersOf(s).values()].map((o) => ({ name: o.name, config: configJSON(o.cfg), created: o.created, state: o.encodedState().toString('base64') }));
  js.restoreConsumers = (s, list) => restoreConsumers(js, s, list);

  /** CONSUMER.CREATE.<s>, CONSUMER.CREATE.<s>.<name>[.<filter>], CONSUMER.DURABLE.CREATE.<s>.<name>. */
  const create = (req: ApiRequest): ApiAnswer | null => {
    const type = 'consumer_create_response';
    const d = decodeGo<{ stream_name?: string; config?: RawConsumerConfig }>(req.msg, createConsumerRequestSpec);
    if (!d.ok) return errorAnswer(type, jsErr('JSInvalidJSONErr'));
    const t = req.tokens;
    const n = t.length;
    if (n < 5) return null;
    let streamName: string;
    let consumerName = '';
    let filtered = '';
    let rt: 'legacyEphemeral' | 'legacyDurable' | 'new';
    if (n === 5) {
      rt = 'legacyEphemeral';
      streamName = t[4]!;
    } else {
      if (t[3] === 'DURABLE') {
        rt = 'legacyDurable';
        if (n !== 7) return errorAnswer(type, jsErr('JSConsumerDurableNameNotInSubjectErr'));
        streamName = t[5]!;
        consumerName = t[6]!;
      } else {
        rt = 'new';
        streamName = t[4]!;
        consumerName = t[5]!;
      }
      // Only a filter of two or more tokens is taken from the subject (numTokens > 7).
      if (n > 7) filtered = t.slice(6).join('.');
    }
    if (!req.jsa) return api.notEnabled(type);
    const body = d.value;
    if (streamName !== (body.stream_name ?? '')) return errorAnswer(type, jsErr('JSStreamMismatchErr'));
    if (consumerName !== '' && /[\\/]/.test(consumerName)) return errorAnswer(type, jsErr('JSConsumerNameContainsPathSeparatorsErr'));
    const cfg = fromRaw(body.config ?? {});
    if (rt === 'legacyDurable') {
      if (cfg.durable_name === '') return errorAnswer(type, jsErr('JSConsumerDurableNameNotSetErr'));
      if (consumerName !== cfg.durable_name) return errorAnswer(type, jsErr('JSConsumerDurableNameNotMatchSubjectErr'));
    }
    if (rt === 'new') {
      if (cfg.durable_name !== '' && consumerName !== cfg.durable_name) return errorAnswer(type, jsErr('JSConsumerDurableNameNotMatchSubjectErr'));
      // The subject's name wins over config.name (quirk 8).
      cfg.name = consumerName;
    }
    if (rt === 'legacyEphemeral' && cfg.durable_name !== '') return errorAnswer(type, jsErr('JSConsumerEphemeralWithDurableNameErr'));
    if (filtered !== '' && cfg.filter_subject !== filtered) return errorAnswer(type, jsErr('JSConsumerCreateFilterSubjectMismatchErr'));
    if (cfg.num_replicas > 1) return errorAnswer(type, jsErr('JSStreamReplicasNotSupportedErr'));
    const s = req.jsa.streams.get(body.stream_name ?? '');
    if (s === undefined) return errorAnswer(type, jsErr('JSStreamNotFoundErr'));
    try {
      const o = addConsumer(js, s, cfg);
      return { body: { type: apiType(type), ...o.info() } };
    } catch (err) {
      return errorAnswer(type, err instanceof JsApiError ? err.api : toApiError(err, 'JSConsumerCreateErrF'));
    }
  };
  api.register('CONSUMER.CREATE.*', create);
  api.register('CONSUMER.CREATE.*.>', create);
  api.register('CONSUMER.DURABLE.CREATE.*.*', create);

  /** NAMES and LIST: the offset, clamped (a negative one panics nats-server 2.9.10: here it is 0). */
  const offsetOf = (req: ApiRequest, type: string, extra: Record<string, unknown>): number | ApiAnswer => {
    if (isEmptyRequest(req.msg)) return 0;
    const d = decodeGo<{ offset?: number }>(req.msg, consumersSpec);
    if (!d.ok) return errorAnswer(type, jsErr('JSInvalidJSONErr'), extra);
    return Math.max(0, d.value.offset ?? 0);
  };

  /** CONSUMER.NAMES and CONSUMER.LIST: one page of a stream's consumers, by name, `limit` at a time. */
  const consumerPage = (type: string, limit: number, item: (c: Consumer) => unknown) => (req: ApiRequest): ApiAnswer => {
    const extra = { total: 0, offset: 0, limit: 0, consumers: [] };
    if (!req.jsa) return api.notEnabled(type, extra);
    const off = offsetOf(req, type, extra);
    if (typeof off !== 'number') return off;
    const s = req.jsa.streams.get(req.tokens[4] ?? '');
    if (s === undefined) return errorAnswer(type, jsErr('JSStreamNotFoundErr'), extra);
    const list = sortedConsumers(s);
    const offset = Math.min(off, list.length);
    return { body: { type: apiType(type), total: list.length, offset, limit, consumers: list.slice(offset, offset + limit).map(item) } };
  };
  api.register('CONSUMER.NAMES.*', consumerPage('consumer_names_response', NAMES_LIMIT, (c) => c.name));
  api.register('CONSUMER.LIST.*', consumerPage('consumer_list_response', LIST_LIMIT, (c) => c.info()));

  api.register('CONSUMER.INFO.*.*', (req) => {
    const type = 'consumer_info_response';
    if (!isEmptyRequest(req.msg)) return errorAnswer(type, jsErr('JSNotEmptyRequestErr'));
    if (!req.jsa) return api.notEnabled(type);
    const s = req.jsa.streams.get(req.tokens[4] ?? '');
    if (s === undefined) return errorAnswer(type, jsErr('JSStreamNotFoundErr'));
    const o = lookupConsumer(s, req.tokens[5] ?? '');
    if (o === undefined) return errorAnswer(type, jsErr('JSConsumerNotFoundErr'));
    return { body: { type: apiType(type), ...o.info() } };
  });

  api.register('CONSUMER.DELETE.*.*', (req) => {
    const type = 'consumer_delete_response';
    if (!req.jsa) return api.notEnabled(type);
    if (!isEmptyRequest(req.msg)) return errorAnswer(type, jsErr('JSNotEmptyRequestErr'));
    const s = req.jsa.streams.get(req.tokens[4] ?? '');
    if (s === undefined) return errorAnswer(type, jsErr('JSStreamNotFoundErr'));
    const o = lookupConsumer(s, req.tokens[5] ?? '');
    if (o === undefined) return errorAnswer(type, jsErr('JSConsumerNotFoundErr'));
    o.delete();
    return { body: { type: apiType(type), success: true } };
  });
}
