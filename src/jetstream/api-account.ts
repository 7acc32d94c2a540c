// $JS.API.INFO (jsAccountInfoRequest), the APIs that need clustering on a single server, the
// deprecated stream templates, and ACCOUNT.PURGE — answered for the system account only: the
// reference lets any client delete another account's streams (quirk 16, docs/compatibility.md).
import { rmSync } from 'node:fs';
import type { JsApi, ApiRequest, ApiAnswer } from './api.js';
import { apiType, errorAnswer } from './api.js';
import { jsErr } from './errors.js';
import { decodeGo, isEmptyRequest, S } from './json.js';
import type { JsAccount } from './jsaccount.js';

/** JetStreamAccountLimits as the API prints it. */
export function limitsJSON(jsa: JsAccount): Record<string, unknown> {
  const l = jsa.limits;
  return {
    max_memory: l.maxMemory,
    max_storage: l.maxStore,
    max_streams: l.maxStreams,
    max_consumers: l.maxConsumers,
    max_ack_pending: l.maxAckPending,
    memory_max_stream_bytes: l.memoryMaxStreamBytes,
    storage_max_stream_bytes: l.storeMaxStreamBytes,
    max_bytes_required: l.maxBytesRequired,
  };
}

/** JetStreamAccountStats (JetStreamUsage): memory, storage, streams, consumers, limits, domain?, api. */
export function accountStats(jsa: JsAccount): Record<string, unknown> {
  return {
    memory: Math.max(0, jsa.memUsed),
    storage: Math.max(0, jsa.storeUsed),
    streams: jsa.streams.size,
    consumers: jsa.numConsumers(),
    limits: limitsJSON(jsa),
    domain: jsa.js.config.domain || undefined,
    api: { total: jsa.apiTotal, errors: jsa.apiErrors },
  };
}

const pagedSpec = S.struct('JSApiStreamTemplatesRequest', { offset: S.int }) as ReturnType<typeof S.struct> & { k: 'struct' };

export function registerAccountApi(api: JsApi): void {
  const js = api.js;

  api.register('INFO', (req) => {
    const type = 'account_info_response';
    if (!req.jsa) return api.notEnabled(type);
    // The usage is read before this call is counted (jsAccountInfoRequest, then sendAPIResponse).
    return { body: { type: apiType(type), ...accountStats(req.jsa) } };
  });

  // Clustering APIs on one server.
  const clusterRequired = (type: string) => (req: ApiRequest): ApiAnswer => {
    void req;
    return errorAnswer(type, jsErr('JSClusterRequiredErr'));
  };
  api.register('STREAM.LEADER.STEPDOWN.*', clusterRequired('stream_leader_stepdown_response'));
  api.register('CONSUMER.LEADER.STEPDOWN.*.*', clusterRequired('consumer_leader_stepdown_response'));
  api.register('STREAM.PEER.REMOVE.*', clusterRequired('stream_remove_peer_response'));
  // META.LEADER.STEPDOWN, SERVER.REMOVE, ACCOUNT.STREAM.MOVE/CANCEL_MOVE: only subscribed when
  // clustered, so no handler (no answer) here.

  // ACCOUNT.PURGE.<account>: the system account may purge any account and an account itself;
  // another account's request gets no answer (the reference deletes the named account's streams).
  api.register('ACCOUNT.PURGE.*', (req) => {
    const sys = js.srv.sysAcc;
    if (req.acc !== sys && req.acc.name !== req.tokens[4]) {
      js.log.warn(`Refused JetStream account purge of ${JSON.stringify(req.tokens[4])} requested by account ${JSON.stringify(req.acc.name)}: only the system account may purge accounts`);
      return null;
    }
    const name = req.tokens[4]!;
    const target = js.srv.accounts.get(name);
    const jsa = target !== undefined ? js.lookupAccount(target) : undefined;
    const streams = jsa ? [...jsa.streams.values()] : [];
    js.log.notice(`Purge request for account ${name} (streams: ${streams.length}, hasAccount: ${target !== undefined})`);
    for (const s of streams) js.deleteStream(s);
    if (!js.config.memoryOnly && jsa) {
      try {
        rmSync(jsa.storeDir, { recursive: true, force: true });
      } catch (e) {
        return errorAnswer('account_purge_response', jsErr('JSStreamGeneralErrorF', { err: (e as Error).message }));
      }
    }
    return { body: { type: apiType('account_purge_response'), initiated: true } };
  });

  // Deprecated stream templates: none can be created here (their streams are plain streams).
  api.register('STREAM.TEMPLATE.CREATE.*', (req) => {
    const type = 'stream_template_create_response';
    if (!req.jsa) return api.notEnabled(type);
    const d = decodeGo<{ name?: string; config?: { name?: string } }>(req.msg, S.struct('StreamTemplateConfig', {
      name: S.string, config: S.ptr(S.struct('StreamConfig', { name: S.string })), max_streams: S.uint64,
    }) as ReturnType<typeof S.struct> & { k: 'struct' });
    if (!d.ok) return errorAnswer(type, jsErr('JSInvalidJSONErr'));
    if ((d.value.name ?? '') !== req.tokens[5]) return errorAnswer(type, jsErr('JSTemplateNameNotMatchSubjectErr'));
    if (d.value.config?.name) return errorAnswer(type, jsErr('JSStreamTemplateCreateErrF', { err: 'template config name should be empty' }));
    return errorAnswer(type, jsErr('JSStreamTemplateCreateErrF', { err: 'stream templates are not supported by tsnats' }));
  });
  api.register('STREAM.TEMPLATE.NAMES', (req) => {
    const type = 'stream_template_names_response';
    if (!req.jsa) return api.notEnabled(type);
    let offset = 0;
    if (!isEmptyRequest(req.msg)) {
      const d = decodeGo<{ offset?: number }>(req.msg, pagedSpec);
      if (!d.ok) return errorAnswer(type, jsErr('JSInvalidJSONErr'), { total: 0, offset: 0, limit: 0, streams: null });
      offset = Math.max(0, d.value.offset ?? 0);
    }
    void offset;
    return { body: { type: apiType(type), total: 0, offset: 0, limit: 1024, streams: [] } };
  });
  api.register('STREAM.TEMPLATE.INFO.*', (req) => {
    const type = 'stream_template_info_response';
    if (!req.jsa) return api.notEnabled(type);
    if (!isEmptyRequest(req.msg)) return errorAnswer(type, jsErr('JSNotEmptyRequestErr'));
    return errorAnswer(type, jsErr('JSStreamTemplateNotFoundErr'));
  });
  api.register('STREAM.TEMPLATE.DELETE.*', (req) => {
    const type = 'stream_template_delete_response';
    if (!req.jsa) return api.notEnabled(type);
    if (!isEmptyRequest(req.msg)) return errorAnswer(type, jsErr('JSNotEmptyRequestErr'));
    return errorAnswer(type, jsErr('JSStreamTemplateNotFoundErr'));
  });
}
