// The stream APIs (jetstream_api.go jsStream*Request, jsMsg*Request): CREATE, UPDATE, NAMES, LIST,
// INFO, DELETE, PURGE, MSG.GET, MSG.DELETE — each check in the reference's order, each answer in
// its Go struct's key order (type, error, then the fields it always prints).
import type { JsApi, ApiRequest, ApiAnswer } from './api.js';
import { apiType, errorAnswer } from './api.js';
import { jsErr, JsApiError, toApiError } from './errors.js';
import { decodeGo, isEmptyRequest, S } from './json.js';
import { streamConfigSpec, type RawStreamConfig } from './stream-config.js';
import { decodeMsgGet, type Stream } from './stream.js';
import { subjectsCollide } from '../subjects/subject.js';
import { goTimeNs } from './store/index.js';
import { registerSnapshotApi } from './snapshot.js';

/** JSApiNamesLimit, JSApiListLimit, JSMaxSubjectDetails. */
export const NAMES_LIMIT = 1024;
export const LIST_LIMIT = 256;
export const SUBJECT_DETAILS_LIMIT = 100_000;

type Struct = ReturnType<typeof S.struct> & { k: 'struct' };
const namesSpec = S.struct('JSApiStreamNamesRequest', { offset: S.int, subject: S.string }) as Struct;
const infoSpec = S.struct('JSApiStreamInfoRequest', { offset: S.int, deleted_details: S.bool, subjects_filter: S.string }) as Struct;
const purgeSpec = S.struct('JSApiStreamPurgeRequest', { seq: S.uint64, filter: S.string, keep: S.uint64 }) as Struct;
const msgDeleteSpec = S.struct('JSApiMsgDeleteRequest', { seq: S.uint64, no_erase: S.bool }) as Struct;

/** StreamInfo: config, created, state, domain?, cluster?, mirror?, sources? (key order of the struct). */
export function streamInfo(s: Stream, opts: { details?: boolean; subjectsFilter?: string; cluster?: boolean } = {}): Record<string, unknown> {
  return {
    config: s.configJSON(),
    created: s.createdString(),
    state: s.state(opts.details === true, opts.subjectsFilter),
    domain: s.js.config.domain || undefined,
    cluster: opts.cluster ? { leader: s.js.srv.name } : undefined,
    mirror: s.sources?.mirrorInfo(),
    sources: s.sources?.sourcesInfo(),
  };
}

/** The stream name token of `$JS.API.<A>.<B>.<name>` (token 5, streamNameFromSubject). */
function nameAt(req: ApiRequest, i: number): string {
  return req.tokens[i - 1] ?? '';
}

export function registerStreamApi(api: JsApi): void {
  const js = api.js;

  api.register('STREAM.CREATE.*', (req) => {
    const type = 'stream_create_response';
    const jsa = req.jsa;
    if (!jsa) return api.notEnabled(type);
    const d = decodeGo<RawStreamConfig>(req.msg, streamConfigSpec);
    if (!d.ok) return errorAnswer(type, jsErr('JSInvalidJSONErr'));
    const raw = d.value;
    const name = nameAt(req, 5);
    if (name !== (raw.name ?? '')) return errorAnswer(type, jsErr('JSStreamMismatchErr'));
    if (/[\\/]/.test(name)) return errorAnswer(type, jsErr('JSStreamNameContainsPathSeparatorsErr'));
    if (raw.sealed) return errorAnswer(type, jsErr('JSStreamInvalidConfigF', { err: 'stream configuration for create can not be sealed' }));
    if (raw.mirror_direct && raw.mirror === undefined) return errorAnswer(type, jsErr('JSStreamInvalidConfigF', { err: 'stream has no mirror but does have mirror direct' }));
    try {
      const s = js.createStream(jsa, raw);
      return { body: { type: apiType(type), config: s.configJSON(), created: s.createdString(), state: s.state(), did_create: true } };
    } catch (err) {
      return errorAnswer(type, err instanceof JsApiError ? err.api : toApiError(err, 'JSStreamCreateErrF'));
    }
  });

  api.register('STREAM.UPDATE.*', (req) => {
    const type = 'stream_update_response';
    const jsa = req.jsa;
    if (!jsa) return api.notEnabled(type);
    const d = decodeGo<RawStreamConfig>(req.msg, streamConfigSpec);
    if (!d.ok) return errorAnswer(type, jsErr('JSInvalidJSONErr'));
    try {
      const cfg = js.checkConfig(jsa, d.value);
      if (nameAt(req, 5) !== cfg.name) return errorAnswer(type, jsErr('JSStreamMismatchErr'));
      const s = jsa.streams.get(cfg.name);
      if (s === undefined) return errorAnswer(type, jsErr('JSStreamNotFoundErr'));
      js.updateStream(s, d.value);
      const info = streamInfo(s);
      return { body: { type: apiType(type), ...info } };
    } catch (err) {
      return errorAnswer(type, toApiError(err, 'JSStreamUpdateErrF'));
    }
  });

  /** NAMES and LIST: offset, subject filter (streams whose subjects collide with it). */
  const paged = (req: ApiRequest, type: string, extra: Record<string, unknown>): { offset: number; filter: string } | ApiAnswer => {
    let offset = 0;
    let filter = '';
    if (!isEmptyRequest(req.msg)) {
      const d = decodeGo<{ offset?: number; subject?: string }>(req.msg, namesSpec);
      if (!d.ok) return errorAnswer(type, jsErr('JSInvalidJSONErr'), extra);
      // A negative offset makes nats-server 2.9.10 panic; here it counts as 0 (docs/compatibility.md).
      offset = Math.max(0, d.value.offset ?? 0);
      filter = d.value.subject ?? '';
    }
    return { offset, filter };
  };
  const filtered = (req: ApiRequest, filter: string): Stream[] =>
    req.jsa!.sortedStreams(filter === '' ? undefined : (s) => (s.cfg.subjects ?? []).some((subj) => subjectsCollide(filter, subj)));

  api.register('STREAM.NAMES', (req) => {
    const type = 'stream_names_response';
    const extra = { total: 0, offset: 0, limit: 0, streams: null };
    if (!req.jsa) return api.notEnabled(type, extra);
    const p = paged(req, type, extra);
    if ('body' in p) return p;
    const list = filtered(req, p.filter);
    const offset = Math.min(p.offset, list.length);
    const names = list.slice(offset, offset + NAMES_LIMIT).map((s) => s.name);
    // An empty result is Go's nil slice: null.
    return { body: { type: apiType(type), total: list.length, offset, limit: NAMES_LIMIT, streams: names.length > 0 ? names : null } };
  });

  api.register('STREAM.LIST', (req) => {
    const type = 'stream_list_response';
    const extra = { total: 0, offset: 0, limit: 0, streams: [] };
    if (!req.jsa) return api.notEnabled(type, extra);
    const p = paged(req, type, extra);
    if ('body' in p) return p;
    const list = filtered(req, p.filter);
    const offset = Math.min(p.offset, list.length);
    const infos = list.slice(offset, offset + LIST_LIMIT).map((s) => streamInfo(s));
    return { body: { type: apiType(type), total: list.length, offset, limit: LIST_LIMIT, streams: infos } };
  });

  api.register('STREAM.INFO.*', (req) => {
    const type = 'stream_info_response';
    const extra = { total: 0, offset: 0, limit: 0 };
    if (!req.jsa) return api.notEnabled(type, extra);
    let details = false;
    let subjects = '';
    let offset = 0;
    if (!isEmptyRequest(req.msg)) {
      const d = decodeGo<{ offset?: number; deleted_details?: boolean; subjects_filter?: string }>(req.msg, infoSpec);
      if (!d.ok) return errorAnswer(type, jsErr('JSInvalidJSONErr'), extra);
      details = d.value.deleted_details === true;
      subjects = d.value.subjects_filter ?? '';
      offset = Math.max(0, d.value.offset ?? 0);
    }
    const s = req.jsa.streams.get(nameAt(req, 5));
    if (s === undefined) return errorAnswer(type, jsErr('JSStreamNotFoundErr'), extra);
    const info = streamInfo(s, { details });
    let total = 0;
    let limit = 0;
    let off = 0;
    if (subjects !== '') {
      const mss = s.store.subjectsState(subjects);
      if (mss.size > 0) {
        const keys = [...mss.keys()].sort();
        off = Math.min(offset, keys.length);
        const end = Math.min(off + SUBJECT_DETAILS_LIMIT, keys.length);
        const sd: Record<string, number> = {};
        for (const k of keys.slice(off, end)) sd[k] = mss.get(k)!.msgs;
        total = mss.size;
        limit = SUBJECT_DETAILS_LIMIT;
        const st = info.state as Record<string, unknown>;
        // Keep the state's key order: subjects right after num_subjects.
        const ordered: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(st)) {
          if (k === 'subjects') continue;
          if (k === 'num_deleted' || k === 'deleted' || k === 'lost' || k === 'consumer_count') {
            if (!('subjects' in ordered) && end > off) ordered.subjects = sd;
          }
          ordered[k] = v;
        }
        info.state = ordered;
      }
    }
    return { body: { type: apiType(type), total, offset: off, limit, ...info } };
  });

  api.register('STREAM.DELETE.*', (req) => {
    const type = 'stream_delete_response';
    if (!req.jsa) return api.notEnabled(type);
    if (!isEmptyRequest(req.msg)) return errorAnswer(type, jsErr('JSNotEmptyRequestErr'));
    const s = req.jsa.streams.get(nameAt(req, 5));
    if (s === undefined) return errorAnswer(type, jsErr('JSStreamNotFoundErr'));
    js.deleteStream(s);
    return { body: { type: apiType(type), success: true } };
  });

  api.register('STREAM.PURGE.*', (req) => {
    const type = 'stream_purge_response';
    const extra = { purged: 0 };
    if (!req.jsa) return api.notEnabled(type, extra);
    let filter = '';
    let seq = 0;
    let keep = 0;
    if (!isEmptyRequest(req.msg)) {
      const d = decodeGo<{ seq?: number; filter?: string; keep?: number }>(req.msg, purgeSpec);
      if (!d.ok) return errorAnswer(type, jsErr('JSInvalidJSONErr'), extra);
      seq = d.value.seq ?? 0;
      keep = d.value.keep ?? 0;
      filter = d.value.filter ?? '';
      if (seq > 0 && keep > 0) return errorAnswer(type, jsErr('JSBadRequestErr'), extra);
    }
    const s = req.jsa.streams.get(nameAt(req, 5));
    if (s === undefined) return errorAnswer(type, jsErr('JSStreamNotFoundErr'), extra);
    if (s.cfg.sealed) return errorAnswer(type, jsErr('JSStreamSealedErr'), extra);
    if (s.cfg.deny_purge) return errorAnswer(type, jsErr('JSStreamPurgeFailedF', { err: 'stream purge not permitted' }), extra);
    try {
      const purged = s.purge(filter, seq, keep);
      return { body: { type: apiType(type), success: true, purged } };
    } catch (err) {
      return errorAnswer(type, toApiError(err, 'JSStreamGeneralErrorF'), extra);
    }
  });

  api.register('STREAM.MSG.GET.*', (req) => {
    const type = 'stream_msg_get_response';
    if (!req.jsa) return api.notEnabled(type);
    if (isEmptyRequest(req.msg)) return errorAnswer(type, jsErr('JSBadRequestErr'));
    const d = decodeMsgGet(req.msg);
    if (!d.ok) return errorAnswer(type, jsErr('JSInvalidJSONErr'));
    const r = d.value;
    if ((r.seq > 0 && r.last_by_subj !== '') || (r.seq === 0 && r.last_by_subj === '' && r.next_by_subj === '')) return errorAnswer(type, jsErr('JSBadRequestErr'));
    if (r.last_by_subj !== '' && r.next_by_subj !== '') return errorAnswer(type, jsErr('JSBadRequestErr'));
    const s = req.jsa.streams.get(nameAt(req, 6));
    if (s === undefined) return errorAnswer(type, jsErr('JSStreamNotFoundErr'));
    const sm = s.loadForGet(r);
    if (sm === null) return errorAnswer(type, jsErr('JSNoMessageFoundErr'));
    const message = {
      subject: sm.subject,
      seq: sm.seq,
      hdrs: sm.hdr !== null && sm.hdr.length > 0 ? sm.hdr.toString('base64') : undefined,
      data: sm.msg.length > 0 ? sm.msg.toString('base64') : undefined,
      time: goTimeNs(sm.ts),
    };
    // A found message is sent outside the API layer: not counted, not audited.
    return { body: { type: apiType(type), message }, noAudit: true };
  });

  api.register('STREAM.MSG.DELETE.*', (req) => {
    const type = 'stream_msg_delete_response';
    if (!req.jsa) return api.notEnabled(type);
    if (isEmptyRequest(req.msg)) return errorAnswer(type, jsErr('JSBadRequestErr'));
    const d = decodeGo<{ seq?: number; no_erase?: boolean }>(req.msg, msgDeleteSpec);
    if (!d.ok) return errorAnswer(type, jsErr('JSInvalidJSONErr'));
    const s = req.jsa.streams.get(nameAt(req, 6));
    if (s === undefined) return errorAnswer(type, jsErr('JSStreamNotFoundErr'));
    if (s.cfg.sealed) return errorAnswer(type, jsErr('JSStreamSealedErr'));
    if (s.cfg.deny_delete) return errorAnswer(type, jsErr('JSStreamMsgDeleteFailedF', { err: 'message delete not permitted' }));
    const seq = d.value.seq ?? 0;
    const r = s.deleteMsg(seq, d.value.no_erase !== true);
    if (r === true) return { body: { type: apiType(type), success: true } };
    if (r === false) return { ...errorAnswer(type, jsErr('JSSequenceNotFoundErrF', { seq })), countAsSuccess: true };
    return errorAnswer(type, jsErr('JSStreamMsgDeleteFailedF', { err: r }));
  });

  registerSnapshotApi(api);
}
