// STREAM.SNAPSHOT and STREAM.RESTORE (jsStreamSnapshotRequest, streamSnapshot,
// jsStreamRestoreRequest, processStreamRestore, RestoreStream) with the reference's exchange: the
// snapshot arrives in chunks on the requested deliver subject, each with a reply
// `$JS.SNAPSHOT.ACK.<stream>.<id>.<chunk length>.<index>` acked to keep an 8 MiB window moving, then
// an empty message; a restore gets a `$JS.SNAPSHOT.RESTORE.<name>.<id>` subject where every chunk
// is answered with an empty message and the final empty chunk with the stream's create response.
//
// The snapshot itself is tsnats' own format (nats-server's is an s2-compressed tar of its file
// store, which tsnats does not use): gzip of
//   "TSNATS-SNAPSHOT 1\n" | u32 length | JSON {config, created, first_seq, last_seq, consumers}
//   then per live message: u8 1 | u32 subject length | u32 header length (0xffffffff: none) |
//   u32 payload length | f64 seq | f64 ts | subject | header | payload; and u8 0 at the end.
// A snapshot that does not decode is refused with the reference's text ("s2: corrupt input").
import { createGzip, gunzipSync } from 'node:zlib';
import { mkdirSync, openSync, writeSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { JsApi, ApiRequest } from './api.js';
import { apiType, errorAnswer } from './api.js';
import { jsErr, JsApiError, toApiError } from './errors.js';
import { decodeGo, isEmptyRequest, S, goJson } from './json.js';
import { streamConfigSpec, streamConfigJSON, configFromStored, type RawStreamConfig, type StreamConfig } from './stream-config.js';
import type { Stream } from './stream.js';
import type { JsAccount } from './jsaccount.js';
import type { JetStream } from './service.js';
import { Subscription } from '../server/subscription.js';
import { isValidSubject } from '../subjects/subject.js';
import { goTime, nowMs } from '../monitor/format.js';
import { friendlyBytes } from './service.js';

const MAGIC = 'TSNATS-SNAPSHOT 1\n';
/** defaultSnapshotChunkSize, defaultSnapshotWindowSize. */
const DEFAULT_CHUNK = 128 * 1024;
const WINDOW = 8 * 1024 * 1024;
/** A restore left without chunks this long is abandoned (activityInterval). */
export const RESTORE_IDLE_MS = 5000;
/** How long a snapshot waits for a subscriber on its deliver subject. */
const INTEREST_WAIT_MS = 2000;

/** A consumer in a snapshot (the consumer layer, issue 20, fills and restores these). */
export interface SnapshotConsumer {
  name: string;
  config: unknown;
  created: number;
  /** The consumer state in the reference's binary encoding, base64. */
  state: string;
}

type Struct = ReturnType<typeof S.struct> & { k: 'struct' };
const snapSpec = S.struct('JSApiStreamSnapshotRequest', { deliver_subject: S.string, no_consumers: S.bool, chunk_size: S.int, jsck: S.bool }) as Struct;
const restoreSpec = S.struct('JSApiStreamRestoreRequest', { config: streamConfigSpec, state: S.any }) as Struct;

function rand(): string {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const b = randomBytes(22);
  let s = '';
  for (let i = 0; i < 22; i++) s += digits[b[i]! % 62];
  return s;
}

/** The snapshot's raw bytes, in pieces (before compression). */
function* snapshotPieces(s: Stream, consumers: SnapshotConsumer[]): Generator<Buffer> {
  const st = s.store.fastState();
  const head = Buffer.from(JSON.stringify({ config: streamConfigJSON(s.cfg), created: s.created, first_seq: st.firstSeq, last_seq: st.lastSeq, consumers }), 'utf8');
  const h = Buffer.alloc(MAGIC.length + 4);
  h.write(MAGIC, 0, 'latin1');
  h.writeUInt32LE(head.length, MAGIC.length);
  yield h;
  yield head;
  let batch: Buffer[] = [];
  let size = 0;
  for (let seq = st.firstSeq; seq > 0 && seq <= st.lastSeq; seq++) {
    const m = s.store.loadMsg(seq);
    if (m === null) continue;
    const subj = Buffer.from(m.subject, 'latin1');
    const rec = Buffer.alloc(1 + 12 + 16);
    rec[0] = 1;
    rec.writeUInt32LE(subj.length, 1);
    rec.writeUInt32LE(m.hdr === null ? 0xffffffff : m.hdr.length, 5);
    rec.writeUInt32LE(m.msg.length, 9);
    rec.writeDoubleLE(m.seq, 13);
    rec.writeDoubleLE(m.ts, 21);
    batch.push(rec, subj);
    if (m.hdr !== null) batch.push(Buffer.from(m.hdr));
    batch.push(Buffer.from(m.msg));
    size += rec.length + subj.length + (m.hdr?.length ?? 0) + m.msg.length;
    if (size >= 1024 * 1024) {
      yield Buffer.concat(batch);
      batch = [];
      size = 0;
    }
  }
  batch.push(Buffer.from([0]));
  yield Buffer.concat(batch);
}

interface Decoded {
  cfg: StreamConfig;
  created: number;
  firstSeq: number;
  lastSeq: number;
  consumers: SnapshotConsumer[];
  msgs: { subject: string; hdr: Buffer | null; msg: Buffer; seq: number; ts: number }[];
}

function decodeSnapshot(data: Buffer): Decoded {
  let raw: Buffer;
  try {
    raw = gunzipSync(data);
  } catch {
    throw new Error('s2: corrupt input');
  }
  if (raw.length < MAGIC.length + 4 || raw.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error('s2: corrupt input');
  let p = MAGIC.length;
  const hl = raw.readUInt32LE(p);
  p += 4;
  const head = JSON.parse(raw.toString('utf8', p, p + hl)) as Record<string, unknown>;
  p += hl;
  const cfg = configFromStored(head.config);
  if (cfg === null) throw new Error('snapshot has no valid stream config');
  const msgs: Decoded['msgs'] = [];
  for (;;) {
    if (p >= raw.length) throw new Error('unexpected EOF');
    const type = raw[p]!;
    if (type === 0) break;
    if (type !== 1 || p + 29 > raw.length) throw new Error('s2: corrupt input');
    const sl = raw.readUInt32LE(p + 1);
    const hlen = raw.readUInt32LE(p + 5);
    const ml = raw.readUInt32LE(p + 9);
    const seq = raw.readDoubleLE(p + 13);
    const ts = raw.readDoubleLE(p + 21);
    p += 29;
    const hsz = hlen === 0xffffffff ? 0 : hlen;
    if (p + sl + hsz + ml > raw.length) throw new Error('unexpected EOF');
    const subject = raw.toString('latin1', p, p + sl);
    p += sl;
    const hdr = hlen === 0xffffffff ? null : raw.subarray(p, p + hsz);
    p += hsz;
    const msg = raw.subarray(p, p + ml);
    p += ml;
    msgs.push({ subject, hdr, msg, seq, ts });
  }
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    cfg, created: num(head.created), firstSeq: num(head.first_seq), lastSeq: num(head.last_seq),
    consumers: Array.isArray(head.consumers) ? (head.consumers as SnapshotConsumer[]) : [], msgs,
  };
}

/** The ClientInfo of a request for advisories (the audit's `client`). */
function clientOf(req: ApiRequest): Record<string, unknown> {
  return req.clientInfo ?? { acc: req.acc.name };
}

export function registerSnapshotApi(api: JsApi): void {
  const js = api.js;

  api.register('STREAM.SNAPSHOT.*', (req) => {
    const type = 'stream_snapshot_response';
    if (!req.jsa) return api.notEnabled(type);
    if (isEmptyRequest(req.msg)) return errorAnswer(type, jsErr('JSBadRequestErr'));
    const s = req.jsa.streams.get(req.tokens[4] ?? '');
    if (s === undefined) return errorAnswer(type, jsErr('JSStreamNotFoundErr'));
    const d = decodeGo<{ deliver_subject?: string; no_consumers?: boolean; chunk_size?: number; jsck?: boolean }>(req.msg, snapSpec);
    if (!d.ok) return errorAnswer(type, jsErr('JSInvalidJSONErr'));
    const deliver = d.value.deliver_subject ?? '';
    if (!isValidSubject(deliver)) return errorAnswer(type, jsErr('JSSnapshotDeliverSubjectInvalidErr'));
    js.log.notice(`Starting ${d.value.jsck ? 'health check and ' : ''}snapshot for stream '${req.acc.name} > ${s.name}'`);
    const start = nowMs();
    // What the snapshot holds is fixed now: the stream's state and its messages at this point.
    const state = s.state();
    const consumers = d.value.no_consumers || js.snapshotConsumers === null ? [] : js.snapshotConsumers(s);
    const pieces = snapshotPieces(s, consumers);
    api.respond(req, { body: { type: apiType(type), config: s.configJSON(), state } });
    js.publishAdvisory(req.acc, `$JS.EVENT.ADVISORY.STREAM.SNAPSHOT_CREATE.${s.name}`, () => ({
      ...js.typed('io.nats.jetstream.advisory.v1.snapshot_create'),
      stream: s.name, state, client: clientOf(req), domain: js.config.domain || undefined,
    }));
    const chunkSize = d.value.chunk_size && d.value.chunk_size > 0 ? d.value.chunk_size : DEFAULT_CHUNK;
    void streamSnapshot(js, s, deliver, chunkSize, pieces).then(() => {
      const end = nowMs();
      js.publishAdvisory(req.acc, `$JS.EVENT.ADVISORY.STREAM.SNAPSHOT_COMPLETE.${s.name}`, () => ({
        ...js.typed('io.nats.jetstream.advisory.v1.snapshot_complete'),
        stream: s.name, start: goTime(start), end: goTime(end), client: clientOf(req), domain: js.config.domain || undefined,
      }));
      js.log.notice(`Completed snapshot of ${friendlyBytes(state.bytes)} for stream '${req.acc.name} > ${s.name}' in ${Math.round(end - start)}ms`);
    }, (err: Error) => js.log.warn(`Snapshot of stream '${req.acc.name} > ${s.name}' failed: ${err.message}`));
    return null; // answered above (before the chunks)
  });

  api.register('STREAM.RESTORE.*', (req) => {
    const type = 'stream_restore_response';
    const extra = { deliver_subject: '' };
    const jsa = req.jsa;
    if (!jsa) return api.notEnabled(type, extra);
    if (isEmptyRequest(req.msg)) return errorAnswer(type, jsErr('JSBadRequestErr'), extra);
    const d = decodeGo<{ config?: RawStreamConfig }>(req.msg, restoreSpec);
    if (!d.ok) return errorAnswer(type, jsErr('JSInvalidJSONErr'), extra);
    const raw: RawStreamConfig = { ...(d.value.config ?? {}) };
    const stream = req.tokens[4] ?? '';
    // A missing config name is taken from the subject; a different one is not checked (quirk 10).
    if (stream !== raw.name && !raw.name) raw.name = stream;
    let cfg: StreamConfig;
    try {
      cfg = js.checkConfig(jsa, raw);
      const l = jsa.limits;
      if (l.maxStreams > 0 && jsa.streams.size >= l.maxStreams) throw new JsApiError(jsErr('JSMaximumStreamsLimitErr'));
      const e = jsa.checkAllLimits(cfg, jsa.reservation(cfg), cfg.max_bytes);
      if (e !== null) throw new JsApiError(e);
    } catch (err) {
      return errorAnswer(type, toApiError(err, 'JSStreamInvalidConfigF'), extra);
    }
    if (jsa.streams.has(stream)) return errorAnswer(type, jsErr('JSStreamNameExistRestoreFailedErr'), extra);
    const r = new Restore(js, jsa, req, cfg);
    return r.begin();
  });
}

/** Sends the snapshot in chunks with the reference's ack subjects and window, then the EOF. */
async function streamSnapshot(js: JetStream, s: Stream, deliver: string, chunkSize: number, pieces: Generator<Buffer>): Promise<void> {
  const acc = s.acc;
  const hasInterest = () => {
    const r = acc.sl.match(deliver);
    return r.psubs.length > 0 || r.qsubs.length > 0;
  };
  for (let waited = 0; !hasInterest() && waited < INTEREST_WAIT_MS; waited += 20) await sleep(20);
  let out = 0;
  let wake: (() => void) | null = null;
  const ackSubj = `$JS.SNAPSHOT.ACK.${s.name}.${rand()}`;
  const ackSub = new Subscription(null, `${ackSubj}.>`, null, 'snap-ack', (_sub, subject) => {
    const n = Number(subject.split('.')[5] ?? 0);
    out -= Number.isFinite(n) ? n : 0;
    if (out < WINDOW && wake !== null) {
      const w = wake;
      wake = null;
      w();
    }
  });
  acc.sl.insert(ackSub);
  const gz = createGzip();
  let index = 1;
  let pending: Buffer = Buffer.alloc(0);
  const sendChunk = async (chunk: Buffer): Promise<void> => {
    if (out > WINDOW) await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, 10).unref();
    });
    s.sendWithReply(deliver, `${ackSubj}.${chunk.length}.${index++}`, chunk);
    out += chunk.length;
  };
  try {
    const reader = (async () => {
      for await (const data of gz) {
        pending = pending.length === 0 ? (data as Buffer) : Buffer.concat([pending, data as Buffer]);
        while (pending.length >= chunkSize) {
          await sendChunk(pending.subarray(0, chunkSize));
          pending = pending.subarray(chunkSize);
        }
      }
    })();
    for (const piece of pieces) {
      if (!gz.write(piece)) await new Promise((r) => gz.once('drain', r));
    }
    gz.end();
    await reader;
    if (pending.length > 0) await sendChunk(pending);
  } finally {
    ackSub.closed = true;
    acc.sl.remove(ackSub);
    // The EOF: an empty message without a reply.
    s.sendMsg(deliver, Buffer.alloc(0));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** One restore in progress (processStreamRestore). */
class Restore {
  private readonly subject: string;
  private sub: Subscription | null = null;
  private readonly chunks: Buffer[] = [];
  private fd = -1;
  private file = '';
  private total = 0;
  private idle: NodeJS.Timeout | null = null;
  private readonly start = nowMs();
  private finished = false;

  constructor(private readonly js: JetStream, private readonly jsa: JsAccount, private readonly req: ApiRequest, private readonly cfg: StreamConfig) {
    this.subject = `$JS.SNAPSHOT.RESTORE.${cfg.name}.${rand()}`;
  }

  begin() {
    const js = this.js;
    const acc = this.req.acc;
    if (!js.config.memoryOnly) {
      try {
        const dir = join(js.config.storeDir, '__snapshots__');
        mkdirSync(dir, { recursive: true });
        this.file = join(dir, `js-restore-${rand()}`);
        this.fd = openSync(this.file, 'w+');
      } catch {
        return errorAnswer('stream_restore_response', jsErr('JSTempStorageFailedErr'), { deliver_subject: '' });
      }
    }
    js.log.notice(`Starting restore for stream '${acc.name} > ${this.cfg.name}'`);
    js.publishAdvisory(acc, `$JS.EVENT.ADVISORY.STREAM.RESTORE_CREATE.${this.cfg.name}`, () => ({
      ...js.typed('io.nats.jetstream.advisory.v1.restore_create'),
      stream: this.cfg.name, client: clientOf(this.req), domain: js.config.domain || undefined,
    }));
    this.sub = new Subscription(null, this.subject, null, 'restore', (_s, _subject, reply, _hdr, msg) => this.chunk(reply, msg));
    acc.sl.insert(this.sub);
    this.touch();
    return { body: { type: apiType('stream_restore_response'), deliver_subject: this.subject } };
  }

  private touch(): void {
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      this.js.log.warn(`restore for stream '${this.req.acc.name} > ${this.cfg.name}' is stalled`);
      this.cleanup();
    }, RESTORE_IDLE_MS);
    this.idle.unref();
  }

  private cleanup(): void {
    this.finished = true;
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
    if (this.sub !== null) {
      this.sub.closed = true;
      this.req.acc.sl.remove(this.sub);
      this.sub = null;
    }
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        /* closed */
      }
      this.fd = -1;
    }
    if (this.file) rmSync(this.file, { force: true });
  }

  private reply(reply: string, text: string): void {
    if (reply === '') return;
    const buf = Buffer.from(text, 'utf8');
    this.req.acc.deliverLocal(null, reply, '', buf, 0, buf.length, -1);
  }

  private chunk(reply: string, msg: Buffer): void {
    if (this.finished) return;
    const js = this.js;
    const acc = this.req.acc;
    if (reply === '') {
      js.log.warn(`restore for stream '${acc.name} > ${this.cfg.name}' requires reply subject for each chunk`);
      this.fail('', new Error(`restore for stream '${acc.name} > ${this.cfg.name}' requires reply subject for each chunk`));
      return;
    }
    if (msg.length === 0) return this.finish(reply);
    this.total += msg.length;
    if (js.storeTotal + this.total > js.config.maxStore) return this.fail(reply, new JsApiError(jsErr('JSInsufficientResourcesErr')));
    try {
      if (this.fd >= 0) writeSync(this.fd, msg);
      else this.chunks.push(Buffer.from(msg));
    } catch {
      this.reply(reply, "-ERR 'storage failure during restore'");
      this.fail(reply, new Error('storage failure during restore'));
      return;
    }
    this.touch();
    this.reply(reply, '');
  }

  private fail(reply: string, err: Error): void {
    this.complete(reply, err, null);
  }

  private finish(reply: string): void {
    let data: Buffer;
    try {
      data = this.fd >= 0 ? readFileSync(this.file) : Buffer.concat(this.chunks);
    } catch (e) {
      return this.fail(reply, e as Error);
    }
    if (data.length === 0) {
      // Nothing was sent: the reference finds no meta file in its staging directory.
      const dir = join(this.jsa.storeDir, '__snapshots__', `snap-${Math.floor(Math.random() * 1e9)}`);
      return this.fail(reply, new Error(`open ${join(dir, 'meta.inf')}: no such file or directory`));
    }
    let s: Stream;
    try {
      const d = decodeSnapshot(data);
      if (d.cfg.name !== this.cfg.name) throw new Error('stream names do not match');
      s = this.js.restoreStream(this.jsa, this.cfg, d);
    } catch (err) {
      return this.fail(reply, err as Error);
    }
    this.complete(reply, null, s);
  }

  private complete(reply: string, err: Error | null, s: Stream | null): void {
    const js = this.js;
    const acc = this.req.acc;
    const end = nowMs();
    js.publishAdvisory(acc, `$JS.EVENT.ADVISORY.STREAM.RESTORE_COMPLETE.${this.cfg.name}`, () => ({
      ...js.typed('io.nats.jetstream.advisory.v1.restore_complete'),
      stream: this.cfg.name, start: goTime(this.start), end: goTime(end), bytes: this.total, client: clientOf(this.req),
      domain: js.config.domain || undefined,
    }));
    const type = apiType('stream_create_response');
    if (err !== null || s === null) {
      js.log.warn(`Restore failed for ${friendlyBytes(this.total)} for stream '${this.cfg.name} > ${acc.name}' in ${Math.round(end - this.start)}ms`);
      this.reply(reply, goJson({ type, error: err instanceof JsApiError ? err.api : jsErr('JSStreamRestoreErrF', { err: err?.message ?? 'unknown' }) }));
    } else {
      js.log.notice(`Completed restore of ${friendlyBytes(this.total)} for stream '${this.cfg.name} > ${acc.name}' in ${Math.round(end - this.start)}ms`);
      this.reply(reply, goJson({ type, config: s.configJSON(), created: s.createdString(), state: s.state() }));
    }
    this.cleanup();
  }
}

export { decodeSnapshot, type Decoded as DecodedSnapshot };
