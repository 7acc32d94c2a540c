// JetStream in the monitoring endpoints (monitor.go Jsz, accountDetail, JetStreamVarz): /jsz, the
// /varz `jetstream` block, $SYS.REQ.SERVER.PING.JSZ and $SYS.REQ.ACCOUNT.<acc>.JSZ. Data first:
// plain objects in the reference's key order; the transports are in monitor/ and system/.
import type { JetStream } from './service.js';
import type { JsAccount } from './jsaccount.js';
import { U64_MAX_TOKEN } from './json.js';
import { goTime, nowMs } from '../monitor/format.js';
import { streamInfo } from './api-stream.js';

/** JSzOptions (the HTTP parameters and the $SYS request body). */
export interface JszOptions {
  account?: string;
  accounts?: boolean;
  streams?: boolean;
  consumer?: boolean;
  config?: boolean;
  leader_only?: boolean;
  offset?: number;
  limit?: number;
}

/** What the consumer layer shows per stream in /jsz consumer_detail (issue 20 sets it). */
export type ConsumerDetailFn = (stream: import('./stream.js').Stream, withConfig: boolean) => Record<string, unknown>[];

/** JetStreamConfig as /jsz and /varz print it. */
export function configJSON(js: JetStream): Record<string, unknown> {
  const c = js.config;
  return { max_memory: c.maxMemory, max_storage: c.maxStore, store_dir: c.storeDir, domain: c.domain || undefined, compress_ok: true };
}

/** JetStreamStats of the server (usageStats). */
export function statsJSON(js: JetStream): Record<string, unknown> {
  return {
    memory: Math.max(0, js.memTotal),
    storage: Math.max(0, js.storeTotal),
    reserved_memory: js.memReserved,
    reserved_storage: js.storeReserved,
    accounts: js.accounts.size,
    ha_assets: 0,
    api: { total: js.apiTotal, errors: js.apiErrors },
  };
}

/** uint64 of an account limit as the reference prints its reservation: -1 is 2^64-1. */
function u64(v: number): number | string {
  return v < 0 ? U64_MAX_TOKEN : v;
}

/** AccountDetail (accountDetail). */
export function accountDetail(js: JetStream, jsa: JsAccount, streams: boolean, consumers: boolean, cfg: boolean): Record<string, unknown> {
  const acc = jsa.acc;
  const detail: Record<string, unknown> = {
    name: acc.nameTag || acc.name,
    id: acc.name,
    memory: Math.max(0, jsa.memUsed),
    storage: Math.max(0, jsa.storeUsed),
    reserved_memory: u64(jsa.limits.maxMemory),
    reserved_storage: u64(jsa.limits.maxStore),
    accounts: 0,
    ha_assets: 0,
    api: { total: jsa.apiTotal, errors: jsa.apiErrors },
  };
  if (streams && jsa.streams.size > 0) {
    detail.stream_detail = [...jsa.streams.values()].map((s) => {
      const info = streamInfo(s);
      const d: Record<string, unknown> = {
        name: s.name,
        created: info.created,
        cluster: { leader: js.srv.name },
        config: cfg ? info.config : undefined,
        state: info.state,
      };
      if (consumers && js.consumerDetail !== null) {
        const list = js.consumerDetail(s, cfg);
        if (list.length > 0) d.consumer_detail = list;
      }
      d.mirror = info.mirror;
      d.sources = info.sources;
      return d;
    });
  }
  return detail;
}

/** /jsz (Jsz). */
export function jsz(js: JetStream, opts: JszOptions = {}): Record<string, unknown> {
  const o = { ...opts };
  if (!o.limit) o.limit = 1024;
  if (o.consumer) o.streams = true;
  if (o.streams) o.accounts = true;
  let streams = 0;
  let consumers = 0;
  let messages = 0;
  let bytes = 0;
  let accounts = [...js.accounts.values()];
  let filtered: JsAccount | null = null;
  for (const jsa of accounts) {
    if (jsa.acc.name === o.account) filtered = jsa;
    streams += jsa.streams.size;
    for (const s of jsa.streams.values()) {
      const st = s.store.fastState();
      messages += st.msgs;
      bytes += st.bytes;
      consumers += s.numConsumers();
    }
  }
  if (filtered !== null) accounts = [filtered];
  else if (o.accounts) {
    if (o.offset) {
      accounts.sort((a, b) => (a.acc.name < b.acc.name ? -1 : a.acc.name > b.acc.name ? 1 : 0));
      accounts = o.offset > accounts.length || o.offset < 0 ? [] : accounts.slice(o.offset);
    }
    if (o.limit > 0 && o.limit < accounts.length) accounts = accounts.slice(0, o.limit);
  } else accounts = [];
  const out: Record<string, unknown> = {
    server_id: js.srv.id,
    now: goTime(nowMs()),
    config: configJSON(js),
    ...statsJSON(js),
    streams,
    consumers,
    messages,
    bytes,
  };
  if (accounts.length > 0) out.account_details = accounts.map((a) => accountDetail(js, a, !!o.streams, !!o.consumer, !!o.config));
  return out;
}

/** $SYS.REQ.ACCOUNT.<acc>.JSZ (JszAccount): the account's detail, or an error text. */
export function jszAccount(js: JetStream, name: string, opts: JszOptions): Record<string, unknown> | { error: string } {
  const acc = js.srv.accounts.get(name);
  if (acc === undefined) return { error: `account ${JSON.stringify(name)} not found` };
  const jsa = js.lookupAccount(acc);
  if (jsa === undefined) return { error: `account ${JSON.stringify(name)} not jetstream enabled` };
  return accountDetail(js, jsa, !!opts.streams, !!opts.consumer, !!opts.config);
}

/** /varz `jetstream` (JetStreamVarz): config and stats. */
export function varzJetStream(js: JetStream): Record<string, unknown> {
  return { config: configJSON(js), stats: statsJSON(js) };
}
