// One stream (stream.go): its config and store, the internal subscriptions that feed it, what
// happens to a published message (processJetStreamMsg: expected-* headers, dedupe, rollups,
// limits, the publish ack), purge/delete/info, direct gets, advisories.
//
// ─────────────────────────────────────────────────────────────────────────────────────────────
// THE STREAM/CONSUMER SEAM (for consumers, issue 20)
//
// A consumer is a `ConsumerHandle` registered with `stream.addConsumer(h)` (removed with
// `stream.removeConsumer(h)`); the stream counts them (consumer_count, max_consumers) and calls:
//   h.onStored(seq, subject)   a message was stored and is durable (its publish ack is being sent):
//                              called at the end of the read batch, in sequence order, after the
//                              store's flush. Load it with `stream.store.loadMsg(seq)`.
//   h.onRemoved(seq, subject)  one message went away (limits, max_age, MSG.DELETE, an ack on a
//                              workqueue/interest stream): drop it from pending/redelivery.
//   h.onPurged(first, filter)  a purge (STREAM.PURGE, a rollup) removed messages below `first`
//                              (matching `filter`; '' = all): move the ack floor (consumer.purge).
//   h.onStreamStop(deleted)    the stream is stopping (server shutdown) or being deleted: stop
//                              timers; `deleted`: delete the consumer's state too (its
//                              CONSUMER.DELETED advisory is the consumer's to send).
// Callbacks run synchronously from stream code: a consumer must not publish from inside
// onRemoved/onPurged (queue it; onStored runs where publishing is fine).
// Retention (interest, workqueue) is decided here from what consumers say:
//   h.filterSubject, h.ackNone   interest streams skip a message no consumer's filter matches
//                                (its sequence is still used and acked: stream.go noInterest);
//   h.needAck(seq, subject)      does this consumer still need the message (not yet acked)?
//   stream.ackMsg(h, seq)        a consumer acked seq: on a workqueue stream it is removed, on an
//                                interest stream it is removed when no other consumer needs it.
//   stream.checkInterestState()  after a consumer went away (interest: messages nobody needs go).
// Consumer state lives in `stream.store.consumerStore(name, cfg)` (store/types.ts ConsumerStore);
// on a file stream `stream.storedConsumers()` lists what a restart must recreate.
// ─────────────────────────────────────────────────────────────────────────────────────────────
import { join } from 'node:path';
import type { Account } from '../accounts/account.js';
import type { Client } from '../server/client.js';
import { Subscription } from '../server/subscription.js';
import { subjectIsSubsetMatch, subjectMatches, hasWildcard } from '../subjects/subject.js';
import { FileStore, MemStore, StoreError, goTimeNs, nowNs, storeLimits, type StreamStore, type StreamStateJSON, type ConsumerStoreConfig } from './store/index.js';
import { configFromStored, streamConfigJSON, type StreamConfig } from './stream-config.js';
import { getHeader, genHeader, removeHeader, parseHeaderInt } from './headers.js';
import { jsErr, type ApiError } from './errors.js';
import { decodeGo, goJson, S } from './json.js';
import { RepublishTransform } from './transform.js';
import { Dedupe } from './dedupe.js';
import type { JsAccount } from './jsaccount.js';
import type { JetStream } from './service.js';
import { Sources, listenerWants, type OriginListener, type SourceState } from './sources.js';

/** What a consumer tells its stream and hears from it (see THE STREAM/CONSUMER SEAM above). */
export interface ConsumerHandle {
  readonly name: string;
  /** The consumer's filter subject ('' = every subject). */
  readonly filterSubject: string;
  /** ack_policy none: holds nothing on an interest stream. */
  readonly ackNone: boolean;
  /** Is `seq` (on `subject`, '' when the stream did not load it) still needed by this consumer? */
  needAck(seq: number, subject: string): boolean;
  onStored(seq: number, subject: string): void;
  onRemoved(seq: number, subject: string): void;
  onPurged(firstSeq: number, filter: string): void;
  onStreamStop(deleted: boolean): void;
}

// Reference header names (stream.go).
export const H_MSG_ID = 'Nats-Msg-Id';
export const H_EXPECTED_STREAM = 'Nats-Expected-Stream';
export const H_EXPECTED_LAST_SEQ = 'Nats-Expected-Last-Sequence';
export const H_EXPECTED_LAST_SUBJ_SEQ = 'Nats-Expected-Last-Subject-Sequence';
export const H_EXPECTED_LAST_MSG_ID = 'Nats-Expected-Last-Msg-Id';
export const H_ROLLUP = 'Nats-Rollup';
export const H_STREAM = 'Nats-Stream';
export const H_SEQUENCE = 'Nats-Sequence';
export const H_TIMESTAMP = 'Nats-Time-Stamp';
export const H_SUBJECT = 'Nats-Subject';
export const H_LAST_SEQUENCE = 'Nats-Last-Sequence';
export const H_MSG_SIZE = 'Nats-Msg-Size';
const CLIENT_INFO_HDR = 'Nats-Request-Info';
/** Headers longer than this are refused (math.MaxUint16). */
const MAX_HDR = 65535;

/** A reply waiting for the end of the read batch (acks go out only once the store flushed). */
interface PendingReply {
  reply: string;
  /** The ack text; null until the store says the message is durable. */
  text: string | null;
  seq: number;
  subject: string;
  /** Stored (not an early refusal): consumers hear of it once durable. */
  stored: boolean;
  /** The store said it is durable: the ack is `{"stream":..., "seq":seq}` (written at send time). */
  acked: boolean;
  republish: { subject: string; hdr: string; msg: Buffer | null } | null;
}

export interface StreamOptions {
  /** Recovering from disk: no create advisory, the created time from the stored meta. */
  recovering?: boolean;
  created?: number;
}

export class Stream {
  readonly acc: Account;
  cfg: StreamConfig;
  readonly store: StreamStore;
  /** Creation time, ns since the epoch. */
  readonly created: number;
  private subs: Subscription[] = [];
  private directSubs: Subscription[] = [];
  private mirrorDirectSubs: Subscription[] = [];
  private sid = 1;
  /** The last sequence handed out (lseq), including skipped ones. */
  lseq = 0;
  /** The last stored message's Nats-Msg-Id ('' for none). */
  private lmsgId = '';
  readonly dedupe: Dedupe;
  private ackPrefix = '';
  /** The same as bytes (acks are written into the scratch buffer without building a string). */
  private ackPrefixBuf = Buffer.alloc(0);
  private pending: PendingReply[] = [];
  private flushQueued = false;
  /** Entries handed to the store with onWritten, in store order (its callbacks come in that order). */
  private awaiting: PendingReply[] = [];
  private awaitHead = 0;
  /** One reusable buffer for the acks of a batch (every delivery copies out of it at once). */
  private scratch = Buffer.allocUnsafe(256);
  private readonly consumers = new Set<ConsumerHandle>();
  /** Mirrors and sources reading this stream (direct consumers in the reference: not counted). */
  private readonly originListeners = new Set<OriginListener>();
  private republish: RepublishTransform | null = null;
  closed = false;
  /** Mirror and sources (sources.ts), when configured. */
  sources: SourceState | null = null;
  private readonly storageType: 'file' | 'memory';

  constructor(readonly js: JetStream, readonly jsa: JsAccount, cfg: StreamConfig, opts: StreamOptions = {}) {
    this.acc = jsa.acc;
    this.cfg = cfg;
    this.storageType = cfg.storage;
    this.created = opts.created ?? nowNs();
    this.store = this.openStore();
    this.store.registerStorageUpdates((md, bd, seq, subject) => this.storageUpdated(md, bd, seq, subject));
    const st = this.store.fastState();
    this.lseq = st.lastSeq;
    // Usage of what a file store recovered.
    if (st.bytes > 0) this.jsa.updateUsage(this.storageType, this.store.utilization().reported);
    this.dedupe = new Dedupe(() => this.cfg.duplicate_window ?? 0);
    if (st.msgs > 0) this.dedupe.needsRebuild = true;
    this.setAckPrefix();
    this.setRepublish();
  }

  get name(): string {
    return this.cfg.name;
  }

  private log(level: 'INF' | 'WRN' | 'ERR', msg: string): void {
    const l = this.js.srv.log;
    if (level === 'ERR') l.error(msg);
    else if (level === 'WRN') l.warn(msg);
    else l.notice(msg);
  }

  private openStore(): StreamStore {
    const limits = storeLimits({ ...this.cfg, max_msg_size: -1 });
    const log = (level: 'INF' | 'WRN' | 'ERR', msg: string) => this.log(level, msg);
    const jc = this.js.config;
    if (this.cfg.storage === 'memory') return new MemStore({ limits, log });
    // The in-memory test mode: a "file" stream in memory, accounted as the file store counts.
    if (jc.memoryOnly) return new MemStore({ limits, log, fileAccounting: true, fileEmptyFirstTs: true });
    return new FileStore({
      dir: join(this.jsa.streamsDir, this.cfg.name),
      name: this.cfg.name,
      limits,
      syncAlways: jc.syncAlways,
      meta: { config: streamConfigJSON(this.cfg), created: this.created },
      log,
    });
  }

  /** The stream config and created time kept in a file stream's meta.json, or null. */
  static readStoredMeta(dir: string): { cfg: StreamConfig; created: number } | null {
    const m = FileStore.readMeta(dir) as { config?: unknown; created?: unknown } | undefined;
    if (!m || typeof m !== 'object') return null;
    const cfg = configFromStored(m.config);
    if (cfg === null) return null;
    return { cfg, created: typeof m.created === 'number' ? m.created : nowNs() };
  }

  private setAckPrefix(): void {
    const d = this.js.config.domain;
    this.ackPrefix = d
      ? `{${JSON.stringify('stream')}:${JSON.stringify(this.cfg.name)}, ${JSON.stringify('domain')}:${JSON.stringify(d)}, "seq":`
      : `{${JSON.stringify('stream')}:${JSON.stringify(this.cfg.name)}, "seq":`;
    this.ackPrefixBuf = Buffer.from(this.ackPrefix, 'utf8');
  }

  private setRepublish(): void {
    const rp = this.cfg.republish;
    this.republish = null;
    if (!rp) return;
    try {
      this.republish = new RepublishTransform(rp.src || '>', rp.dest);
    } catch {
      this.republish = null;
    }
  }

  // ---------------------------------------------------------------- subscriptions

  /** Subscribes the stream's subjects and direct gets, starts its mirror/sources (subscribeToStream). */
  start(): void {
    for (const subj of this.cfg.subjects ?? []) this.subscribeSubject(subj);
    if (this.cfg.allow_direct) this.subscribeDirect();
    if (this.cfg.mirror && this.cfg.mirror_direct) this.subscribeMirrorDirect(this.cfg.mirror.name);
    if (this.cfg.mirror || (this.cfg.sources && this.cfg.sources.length > 0)) this.sources = new Sources(this);
  }

  addOriginListener(l: OriginListener): void {
    this.originListeners.add(l);
  }

  removeOriginListener(l: OriginListener): void {
    this.originListeners.delete(l);
  }

  /** A mirror uses the sequences up to `seq` without messages (skipMsgs: the origin starts later). */
  skipTo(seq: number): void {
    const last = this.store.fastState().lastSeq;
    if (seq <= last) return;
    this.store.skipMsgs(last + 1, seq - last);
    this.lseq = seq;
  }

  /** A mirrored message keeps its origin sequence and time; gaps (filters, expiry) are skipped. */
  storeMirrored(sm: { subject: string; hdr: Buffer | null; msg: Buffer; seq: number; ts: number }): void {
    if (this.closed || sm.seq <= this.lseq) return;
    if (sm.seq > this.lseq + 1) this.skipTo(sm.seq - 1);
    let entry: PendingReply | null = null;
    try {
      entry = this.queueReply('', null, sm.seq, sm.subject, true);
      this.store.storeRawMsg(sm.subject, sm.hdr, sm.msg, sm.seq, sm.ts, this.onWritten);
      this.awaiting.push(entry);
      this.lseq = sm.seq;
    } catch (err) {
      if (entry !== null) entry.stored = false;
      this.lseq = this.store.fastState().lastSeq;
      this.log('WRN', `JetStream failed to store a mirrored msg on stream '${this.acc.name} > ${this.cfg.name}': ${(err as Error).message}`);
    }
  }

  private dropSub(sub: Subscription): void {
    sub.closed = true;
    this.acc.sl.remove(sub);
  }

  private subscribeSubject(subject: string): void {
    const sub = new Subscription(null, subject, null, String(this.sid++));
    sub.raw = this.onInbound;
    this.acc.sl.insert(sub);
    this.subs.push(sub);
  }

  /** The stream's subjects changed (update): subscribe the new ones, drop the old ones. */
  private resubscribe(next: string[]): void {
    const keep = new Set(next);
    for (const sub of [...this.subs]) {
      if (!keep.has(sub.subject)) {
        this.dropSub(sub);
        this.subs.splice(this.subs.indexOf(sub), 1);
      }
    }
    for (const s of next) if (!this.subs.some((x) => x.subject === s)) this.subscribeSubject(s);
  }

  /** DIRECT.GET.<stream> and DIRECT.GET.<stream>.> in queue group _sys_ (subscribeToDirect). */
  subscribeDirect(): void {
    if (this.directSubs.length > 0) return;
    this.directSubs = this.directSubscriptions(this.cfg.name);
  }

  /** Direct gets are answered during delivery (no copy, no microtask): the answer goes to another subject. */
  private directSubscriptions(name: string): Subscription[] {
    const mk = (subject: string, bySubject: boolean): Subscription => {
      const sub = new Subscription(null, subject, '_sys_', String(this.sid++));
      sub.answers = true;
      sub.raw = (_s, subj, reply, buf, s, e, hdr) => {
        try {
          this.directGet(subj, reply, buf.subarray(hdr > 0 ? s + hdr : s, e), bySubject);
        } catch (err) {
          this.log('ERR', `JetStream direct get on stream '${this.acc.name} > ${this.cfg.name}' failed: ${(err as Error).message}`);
        }
      };
      this.acc.sl.insert(sub);
      return sub;
    };
    return [mk(`$JS.API.DIRECT.GET.${name}`, false), mk(`$JS.API.DIRECT.GET.${name}.>`, true)];
  }

  /** A mirror with mirror_direct answers direct gets for its origin too (subscribeToMirrorDirect). */
  subscribeMirrorDirect(origin: string): void {
    if (this.mirrorDirectSubs.length > 0) return;
    this.mirrorDirectSubs = this.directSubscriptions(origin);
  }

  private unsubscribeDirect(): void {
    for (const s of this.directSubs) this.dropSub(s);
    this.directSubs = [];
  }

  private unsubscribeAll(): void {
    for (const s of this.subs) this.dropSub(s);
    this.subs = [];
    this.unsubscribeDirect();
    for (const s of this.mirrorDirectSubs) this.dropSub(s);
    this.mirrorDirectSubs = [];
  }

  // ---------------------------------------------------------------- publishing into the account

  /** A message from JetStream's internal client in this account (no reply: two spaces on the wire). */
  sendMsg(subject: string, payload: string | Buffer, hdr: string | null = null): void {
    if (subject === '') return;
    const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    if (hdr === null) {
      this.acc.deliverLocal(null, subject, '', body, 0, body.length, -1);
      return;
    }
    const h = Buffer.from(hdr, 'latin1');
    const buf = Buffer.allocUnsafe(h.length + body.length);
    h.copy(buf, 0);
    body.copy(buf, h.length);
    this.acc.deliverLocal(null, subject, '', buf, 0, buf.length, h.length);
  }

  /** A text payload (acks) through the reusable scratch buffer: no allocation per message. */
  private sendText(subject: string, text: string): void {
    const n = text.length * 3;
    if (n > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(n, this.scratch.length * 2));
    const len = this.scratch.write(text, 0, 'utf8');
    this.acc.deliverLocal(null, subject, '', this.scratch, 0, len, -1, null, null, true);
  }

  /** A publish ack, `{"stream":"NAME", "seq":N}`, written straight into the scratch buffer. */
  private sendAck(subject: string, seq: number): void {
    const pre = this.ackPrefixBuf;
    if (pre.length + 18 > this.scratch.length) this.scratch = Buffer.allocUnsafe(pre.length + 64);
    const b = this.scratch;
    pre.copy(b, 0);
    let p = pre.length;
    // The decimal digits of seq (a safe integer), without a string.
    let digits = 1;
    for (let x = seq; x >= 10; x = Math.floor(x / 10)) digits++;
    p += digits;
    for (let x = seq, q = p - 1; q >= pre.length; q--, x = Math.floor(x / 10)) b[q] = 48 + (x % 10);
    b[p++] = 0x7d; // }
    this.acc.deliverLocal(null, subject, '', b, 0, p, -1, null, null, true);
  }

  /** A message with a reply subject from JetStream's internal client (snapshot chunks). */
  sendWithReply(subject: string, reply: string, payload: Buffer): void {
    this.acc.deliverLocal(null, subject, reply, payload, 0, payload.length, -1);
  }

  /**
   * Fills a new stream from a snapshot (RestoreStream): messages keep their sequences and times,
   * the sequences around them are used as in the snapshot.
   */
  restoreMessages(firstSeq: number, lastSeq: number, msgs: { subject: string; hdr: Buffer | null; msg: Buffer; seq: number; ts: number }[]): void {
    for (const m of msgs) {
      if (m.seq <= this.lseq) continue;
      if (m.seq > this.lseq + 1) this.skipTo(m.seq - 1);
      this.store.storeRawMsg(m.subject, m.hdr, m.msg, m.seq, m.ts, null);
      this.lseq = m.seq;
    }
    if (lastSeq > this.lseq) this.skipTo(lastSeq);
    void firstSeq;
    this.store.flush();
    if (msgs.length > 0) this.dedupe.needsRebuild = true;
  }

  /** An error pub ack (JSPubAckResponse with only the stream name in its PubAck). */
  private errorAck(err: ApiError): string {
    return goJson({ error: err, stream: this.cfg.name, seq: 0 });
  }

  // ---------------------------------------------------------------- ingest (processJetStreamMsg)

  private readonly onInbound = (_sub: Subscription, subject: string, reply: string, buf: Buffer, s: number, e: number, hdr: number, _c: Client | null): void => {
    try {
      this.processInbound(subject, reply, buf, s, e, hdr);
    } catch (err) {
      this.log('ERR', `JetStream failed to process a msg on stream '${this.acc.name} > ${this.cfg.name}': ${(err as Error).message}`);
    }
  };

  /** An error ack for a refused message (nothing stored); returns 0 (no sequence). */
  private refuse(canRespond: boolean, reply: string, err: ApiError): number {
    if (canRespond) this.queueReply(reply, this.errorAck(err));
    return 0;
  }

  /** Queue a reply for the end of the read batch (in order with the acks of stored messages). */
  private queueReply(reply: string, text: string | null, seq = 0, subject = '', stored = false): PendingReply {
    const p: PendingReply = { reply, text, seq, subject, stored, acked: false, republish: null };
    this.pending.push(p);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushPending);
    }
    return p;
  }

  private processInbound(subject: string, reply: string, buf: Buffer, s: number, e: number, hdrLen: number): void {
    if (this.closed) return;
    const cfg = this.cfg;
    if (cfg.sealed) {
      if (reply) this.queueReply(reply, this.errorAck(jsErr('JSStreamSealedErr')));
      return;
    }
    const hdr = hdrLen > 0 ? buf.toString('latin1', s, s + hdrLen) : null;
    this.ingest(subject, reply, hdr, hdrLen > 0 ? buf.subarray(s, s + hdrLen) : null, buf.subarray(hdrLen > 0 ? s + hdrLen : s, e), 0);
  }

  /**
   * processJetStreamMsg: checks, store, ack. `hdr` is the header block as latin1 text (null: none)
   * and `hdrBuf` the same bytes when the caller has them (views are fine: the store copies).
   * `ts` is set for mirrored/sourced messages (0 = now). Returns the sequence stored, or 0.
   */
  ingest(subject: string, reply: string, hdr: string | null, hdrBuf: Buffer | null, payload: Buffer, ts: number): number {
    const cfg = this.cfg;
    const canRespond = !cfg.no_ack && reply.length > 0;
    let hdrChanged = false;
    if (hdr !== null && hdr.includes(CLIENT_INFO_HDR)) {
      const h = removeHeader(hdr, CLIENT_INFO_HDR);
      if (h !== hdr) {
        hdr = h;
        hdrChanged = true;
      }
    }
    let msgId = '';
    let rollup: 'sub' | 'all' | '' = '';
    if (hdr !== null) {
      const es = getHeader(H_EXPECTED_STREAM, hdr);
      if (es !== null && es !== '' && es !== cfg.name) return this.refuse(canRespond, reply, jsErr('JSStreamNotMatchErr'));
      msgId = getHeader(H_MSG_ID, hdr) ?? '';
      if (msgId !== '') {
        this.rebuildDedupe();
        const dde = this.dedupe.get(msgId);
        if (dde !== undefined) {
          if (canRespond) this.queueReply(reply, `${this.ackPrefix}${dde.seq},"duplicate": true}`);
          return 0;
        }
      }
      const elss = getHeader(H_EXPECTED_LAST_SUBJ_SEQ, hdr);
      if (elss !== null && elss !== '') {
        const want = parseHeaderInt(elss);
        const last = this.store.loadLastMsg(subject);
        const fseq = last ? last.seq : 0;
        if (fseq !== want) return this.refuse(canRespond, reply, jsErr('JSStreamWrongLastSequenceErrF', { seq: fseq }));
      }
      const els = getHeader(H_EXPECTED_LAST_SEQ, hdr);
      if (els !== null && els !== '' && parseHeaderInt(els) !== this.lseq) return this.refuse(canRespond, reply, jsErr('JSStreamWrongLastSequenceErrF', { seq: this.lseq }));
      const elid = getHeader(H_EXPECTED_LAST_MSG_ID, hdr);
      if (elid !== null && elid !== '') {
        this.rebuildDedupe();
        if (elid !== this.lmsgId) return this.refuse(canRespond, reply, jsErr('JSStreamWrongLastMsgIDErrF', { id: this.lmsgId }));
      }
      const r = getHeader(H_ROLLUP, hdr);
      if (r !== null && r !== '') {
        if (!cfg.allow_rollup_hdrs || cfg.deny_purge) return this.refuse(canRespond, reply, jsErr('JSStreamRollupFailedF', { err: 'rollup not permitted' }));
        const v = r.toLowerCase();
        // An unknown value: no ack at all (stream.go returns before responding).
        if (v !== 'sub' && v !== 'all') return 0;
        rollup = v;
      }
    }
    const hl = hdr !== null ? hdr.length : 0;
    const ml = payload.length;
    if (cfg.max_msg_size >= 0 && hl + ml > cfg.max_msg_size) return this.refuse(canRespond, reply, jsErr('JSStreamMessageExceedsMaximumErr'));
    if (hl > MAX_HDR) return this.refuse(canRespond, reply, jsErr('JSStreamHeaderExceedsMaximumErr'));
    if (this.js.limitsExceeded(this.storageType)) return this.refuse(canRespond, reply, jsErr('JSInsufficientResourcesErr'));

    // Interest retention with nobody interested: the sequence is used, nothing is stored.
    if (cfg.retention === 'interest' && !this.hasInterest(subject)) {
      this.lseq = this.store.skipMsg();
      this.lmsgId = msgId;
      if (msgId !== '') this.dedupe.add(msgId, this.lseq, nowNs());
      if (canRespond) this.queueReply(reply, `${this.ackPrefix}${this.lseq}}`);
      return this.lseq;
    }

    const hbuf = hdr === null ? null : hdrChanged || hdrBuf === null ? Buffer.from(hdr, 'latin1') : hdrBuf;
    // Republish: the subject's previous last sequence, before this one is stored.
    let rpSubject: string | null = null;
    let rpLast = 0;
    if (this.republish !== null) {
      rpSubject = this.republish.match(subject);
      if (rpSubject !== null) rpLast = this.store.loadLastMsg(subject)?.seq ?? 0;
    }
    const olmsgId = this.lmsgId;
    let entry: PendingReply | null = null;
    let seq: number;
    try {
      entry = this.queueReply(canRespond ? reply : '', null, 0, subject, true);
      const r = ts > 0 ? this.store.storeRawMsg(subject, hbuf, payload, 0, ts, this.onWritten) : this.store.storeMsg(subject, hbuf, payload, this.onWritten);
      this.awaiting.push(entry);
      seq = r.seq;
      entry.seq = seq;
      ts = r.ts;
    } catch (err) {
      // Refused at once (discard new limits, a write back-off): nothing stored.
      this.lseq = this.store.fastState().lastSeq;
      this.lmsgId = olmsgId;
      const api = err instanceof StoreError ? err.apiError : jsErr('JSStreamStoreFailedF', { err: (err as Error).message });
      if (err instanceof StoreError && err.code !== 'MAX_MSGS' && err.code !== 'MAX_BYTES' && err.code !== 'MAX_MSGS_PER_SUBJECT' && err.code !== 'STORE_CLOSED') {
        this.log('ERR', `JetStream failed to store a msg on stream '${this.acc.name} > ${cfg.name}': ${err.message}`);
      }
      if (entry !== null) {
        entry.stored = false;
        entry.text = canRespond ? this.errorAck(api) : '';
        entry.reply = canRespond ? reply : '';
      } else if (canRespond) this.queueReply(reply, this.errorAck(api));
      return 0;
    }
    this.lseq = seq;
    this.lmsgId = msgId;
    // Over the account's storage: the message goes again, its sequence stays used (quirk 7).
    if (this.jsa.limitsExceeded(this.storageType)) {
      entry.stored = false;
      entry.text = canRespond ? this.errorAck(jsErr('JSAccountResourcesExceededErr')) : '';
      this.lmsgId = olmsgId;
      this.store.removeMsg(seq, true);
      return 0;
    }
    if (msgId !== '') this.dedupe.add(msgId, seq, ts);
    if (rollup === 'sub') this.purge(subject, 0, 1);
    else if (rollup === 'all') this.purge('', 0, 1);
    if (rpSubject !== null) {
      let rh: string;
      let rmsg: Buffer | null = Buffer.from(payload);
      const ho = cfg.republish?.headers_only === true;
      if (hdr === null) {
        rh = `NATS/1.0\r\n${H_STREAM}: ${cfg.name}\r\n${H_SUBJECT}: ${subject}\r\n${H_SEQUENCE}: ${seq}\r\n${H_LAST_SEQUENCE}: ${rpLast}\r\n`;
        if (ho) rh += `${H_MSG_SIZE}: ${ml}\r\n`;
        rh += '\r\n';
      } else {
        rh = genHeader(hdr, H_STREAM, cfg.name);
        rh = genHeader(rh, H_SUBJECT, subject);
        rh = genHeader(rh, H_SEQUENCE, String(seq));
        rh = genHeader(rh, H_LAST_SEQUENCE, String(rpLast));
        if (ho) rh = genHeader(rh, H_MSG_SIZE, String(ml));
      }
      if (ho) rmsg = null;
      entry.republish = { subject: rpSubject, hdr: rh, msg: rmsg };
    }
    return seq;
  }

  /** The store's done callback, shared: verdicts come in the order the messages were stored. */
  private readonly onWritten = (err: StoreError | null, seq: number): void => {
    const e = this.awaiting[this.awaitHead++];
    if (this.awaitHead >= this.awaiting.length) {
      this.awaiting = [];
      this.awaitHead = 0;
    }
    if (e !== undefined) this.written(e, err, seq);
  };

  /** The store's verdict on a stored message (from its flush). */
  private written(entry: PendingReply, err: StoreError | null, seq: number): void {
    if (!entry.stored) return; // already answered (account limits)
    if (err !== null) {
      entry.stored = false;
      entry.text = entry.reply ? this.errorAck(err.apiError) : '';
      this.log('ERR', `JetStream failed to store a msg on stream '${this.acc.name} > ${this.cfg.name}': ${err.message}`);
      // The store rebuilt itself from disk: sequences handed out since are gone.
      this.lseq = this.store.fastState().lastSeq;
      if (err.outOfSpace) this.js.outOfSpace(this, err);
      return;
    }
    entry.acked = true;
    entry.seq = seq;
  }

  /** End of the read batch: flush the store (acks only from its callbacks), then send in order. */
  private readonly flushPending = (): void => {
    this.flushQueued = false;
    try {
      this.store.flush();
    } catch (err) {
      this.log('ERR', `JetStream store flush failed on stream '${this.acc.name} > ${this.cfg.name}': ${(err as Error).message}`);
    }
    const list = this.pending;
    this.pending = [];
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      if (p.stored && p.republish !== null) this.sendMsg(p.republish.subject, p.republish.msg ?? Buffer.alloc(0), p.republish.hdr);
      if (p.reply) {
        if (p.acked) this.sendAck(p.reply, p.seq);
        else if (p.text) this.sendText(p.reply, p.text);
      }
      if (p.stored && this.consumers.size > 0) for (const c of this.consumers) c.onStored(p.seq, p.subject);
      if (p.stored && this.originListeners.size > 0) for (const l of this.originListeners) l.onStored(p.seq, p.subject);
    }
  };

  /** Would any consumer want a message on `subject`? (interest retention) */
  private hasInterest(subject: string): boolean {
    for (const c of this.consumers) {
      if (c.filterSubject === '' || subjectIsSubsetMatch(subject, c.filterSubject)) return true;
    }
    for (const l of this.originListeners) if (listenerWants(l, subject)) return true;
    return false;
  }

  /** Dedupe ids of what a restarted stream holds, read lazily (rebuildDedupe). */
  private rebuildDedupe(): void {
    if (!this.dedupe.needsRebuild) return;
    this.dedupe.needsRebuild = false;
    const window = this.cfg.duplicate_window ?? 0;
    const st = this.store.fastState();
    const from = window > 0 ? this.store.getSeqFromTime(nowNs() - window) : st.lastSeq;
    for (let seq = from; seq > 0 && seq <= st.lastSeq; seq++) {
      const m = this.store.loadMsg(seq);
      if (m === null) continue;
      const id = m.hdr !== null ? getHeader(H_MSG_ID, m.hdr.toString('latin1')) ?? '' : '';
      if (id !== '') this.dedupe.add(id, m.seq, m.ts);
      if (seq === st.lastSeq) this.lmsgId = id;
    }
  }

  // ---------------------------------------------------------------- storage accounting

  private storageUpdated(md: number, bd: number, seq: number, subject: string): void {
    this.jsa.updateUsage(this.storageType, bd);
    if (md < 0 && seq > 0 && this.consumers.size > 0) for (const c of this.consumers) c.onRemoved(seq, subject);
  }

  // ---------------------------------------------------------------- consumers (the seam)

  addConsumer(h: ConsumerHandle): void {
    this.consumers.add(h);
  }

  removeConsumer(h: ConsumerHandle): void {
    if (!this.consumers.delete(h)) return;
    if (this.cfg.retention !== 'limits') this.checkInterestState();
  }

  numConsumers(): number {
    return this.consumers.size;
  }

  consumerList(): ConsumerHandle[] {
    return [...this.consumers];
  }

  /** Consumers recorded on disk (file streams) for a restart to recreate. */
  storedConsumers(): { name: string; config: ConsumerStoreConfig }[] {
    return this.store instanceof FileStore ? this.store.listConsumers() : [];
  }

  /** A consumer acked `seq` on a workqueue or interest stream (stream.go ackMsg). */
  ackMsg(h: ConsumerHandle, seq: number): void {
    if (this.cfg.retention === 'limits') return;
    if (seq < this.store.fastState().firstSeq) return;
    const remove = this.cfg.retention === 'workqueue' || !this.othersNeed(seq, h);
    if (remove) this.store.removeMsg(seq, true);
  }

  private othersNeed(seq: number, except: ConsumerHandle | null): boolean {
    let subject = '';
    const subs = this.cfg.subjects ?? [];
    if (subs.length > 1 || (subs.length === 1 && hasWildcard(subs[0]!))) subject = this.store.loadMsg(seq)?.subject ?? '';
    for (const c of this.consumers) if (c !== except && c.needAck(seq, subject)) return true;
    return false;
  }

  /** Interest retention: remove what no consumer needs any more (after a consumer went away). */
  checkInterestState(): void {
    if (this.cfg.retention !== 'interest' && this.cfg.retention !== 'workqueue') return;
    const st = this.store.fastState();
    if (st.msgs === 0) return;
    for (let seq = st.firstSeq; seq <= st.lastSeq; seq++) {
      const m = this.store.loadMsg(seq);
      if (m === null) continue;
      let needed = false;
      for (const c of this.consumers) if (c.needAck(seq, m.subject)) needed = true;
      if (!needed && this.cfg.retention === 'interest') this.store.removeMsg(seq, true);
    }
  }

  // ---------------------------------------------------------------- admin operations

  /** STREAM.PURGE (and rollups): returns the number purged. Consumers move their floors. */
  purge(filter: string, seq: number, keep: number): number {
    const n = filter === '' && seq === 0 && keep === 0 ? this.store.purge() : this.store.purgeEx(filter, seq, keep);
    const st = this.store.fastState();
    let first = st.firstSeq;
    if (filter !== '') first = this.store.filteredState(st.firstSeq, filter).first || st.lastSeq + 1;
    for (const c of this.consumers) {
      if (filter !== '' && c.filterSubject !== '' && !subjectMatchesEither(filter, c.filterSubject)) continue;
      c.onPurged(first, filter);
    }
    return n;
  }

  /** STREAM.INFO's state (state, or stateWithDetail). */
  state(deletedDetails = false, subjectsFilter?: string): StreamStateJSON {
    const s = this.store.state({ deletedDetails, subjectsFilter });
    s.consumer_count = this.consumers.size;
    return s;
  }

  /** The config as the API echoes it. */
  configJSON(): Record<string, unknown> {
    return streamConfigJSON(this.cfg);
  }

  /**
   * STREAM.MSG.DELETE: true when removed, false when the sequence is not there (10043), or the
   * store's error text (10057): the file store tells a sequence past the end ("stream store EOF")
   * and one below its first ("no message found") apart, the memory store does not.
   */
  deleteMsg(seq: number, erase: boolean): boolean | string {
    const fileLike = this.cfg.storage === 'file';
    const st = this.store.fastState();
    if (fileLike) {
      if (seq > st.lastSeq) return 'stream store EOF';
      if (seq === 0 || (seq < st.firstSeq && st.msgs > 0)) return 'no message found';
    }
    if (seq <= 0) return false;
    return erase ? this.store.eraseMsg(seq) : this.store.removeMsg(seq);
  }

  /** The created time as Go prints a time.Time. */
  createdString(): string {
    return goTimeNs(this.created);
  }

  /** Applies an updated config (the checks are done: stream.go updateWithAdvisory). */
  update(cfg: StreamConfig): void {
    const old = this.cfg;
    this.resubscribe(cfg.subjects ?? []);
    if ((cfg.duplicate_window ?? 0) !== (old.duplicate_window ?? 0)) this.dedupe.windowChanged();
    if (cfg.allow_direct) {
      this.cfg = cfg;
      this.subscribeDirect();
    } else this.unsubscribeDirect();
    this.cfg = cfg;
    this.setRepublish();
    this.store.updateConfig(storeLimits({ ...cfg, max_msg_size: -1 }));
    if (this.store instanceof FileStore) this.store.writeMeta({ config: streamConfigJSON(cfg), created: this.created });
    if (this.sources === null && cfg.sources && cfg.sources.length > 0) this.sources = new Sources(this);
    else this.sources?.configChanged(old, cfg);
  }

  /**
   * Stops the stream: `deleted` removes its data (STREAM.DELETE, account purge), otherwise it is
   * kept (shutdown). Consumers stop first (their advisories go before the stream's).
   */
  stop(deleted: boolean): void {
    if (this.closed) return;
    // Whatever is buffered gets its answer before the stream goes.
    if (this.pending.length > 0) this.flushPending();
    this.closed = true;
    for (const c of [...this.consumers]) c.onStreamStop(deleted);
    this.consumers.clear();
    for (const l of [...this.originListeners]) l.onOriginStop();
    this.originListeners.clear();
    this.sources?.stop();
    this.unsubscribeAll();
    this.dedupe.stop();
    const used = this.store.utilization().reported;
    if (deleted) {
      this.store.delete();
      this.jsa.updateUsage(this.storageType, -used);
    } else {
      this.store.stop();
      this.jsa.updateUsage(this.storageType, -used);
    }
  }

  // ---------------------------------------------------------------- direct get

  /** DIRECT.GET.<stream> (JSON body) and DIRECT.GET.<stream>.<subject> (processDirectGet*Request). */
  private directGet(subject: string, reply: string, msg: Buffer, bySubject: boolean): void {
    if (reply === '' || this.closed) return;
    const status = (line: string) => this.sendMsg(reply, Buffer.alloc(0), `NATS/1.0 ${line}\r\n\r\n`);
    let req: { seq: number; last_by_subj: string; next_by_subj: string };
    if (bySubject) {
      if (msg.length !== 0) return status('408 Bad Request');
      // Everything after the stream token is the subject ($JS.API.DIRECT.GET.<stream>.<subject>).
      let i = 0;
      for (let n = 0; n < 5 && i >= 0; n++) i = subject.indexOf('.', i + 1);
      const key = i < 0 ? '' : subject.slice(i + 1);
      if (key === '') return status('408 Bad Request');
      req = { seq: 0, last_by_subj: key, next_by_subj: '' };
    } else {
      if (msg.length === 0) return status('408 Empty Request');
      const text = msg.toString('latin1');
      // The common body, {"seq":N}, without the general decoder.
      const fast = /^\{"seq":([1-9]\d{0,15})\}$/.exec(text);
      const d = fast !== null ? { seq: Number(fast[1]), last_by_subj: '', next_by_subj: '' } : decodeMsgGetRequest(msg.toString('utf8'));
      if (d === null) return status('408 Malformed Request');
      req = d;
      if (req.seq === 0 && req.last_by_subj === '' && req.next_by_subj === '') return status('408 Empty Request');
      if (req.seq > 0 && req.last_by_subj !== '') return status('408 Bad Request');
      if (req.last_by_subj !== '' && req.next_by_subj !== '') return status('408 Bad Request');
    }
    const sm = this.loadForGet(req);
    if (sm === null) return status('404 Message Not Found');
    const ts = goTimeNs(sm.ts);
    const tail = `${H_STREAM}: ${this.cfg.name}\r\n${H_SUBJECT}: ${sm.subject}\r\n${H_SEQUENCE}: ${sm.seq}\r\n${H_TIMESTAMP}: ${ts}\r\n\r\n`;
    // The stored headers (without their final CRLF), then ours (genHeader, four times).
    const stored = sm.hdr !== null && sm.hdr.length > 2 ? sm.hdr.length - 2 : 0;
    const tl = Buffer.byteLength(tail, 'latin1');
    const hl = (stored > 0 ? stored : 10) + tl;
    const out = Buffer.allocUnsafe(hl + sm.msg.length);
    if (stored > 0) sm.hdr!.copy(out, 0, 0, stored);
    else out.write('NATS/1.0\r\n', 0, 'latin1');
    out.write(tail, hl - tl, 'latin1');
    sm.msg.copy(out, hl);
    this.acc.deliverLocal(null, reply, '', out, 0, out.length, hl, null, null, true);
  }

  /** The message a MSG.GET / DIRECT.GET request names, or null. */
  loadForGet(req: { seq: number; last_by_subj: string; next_by_subj: string }): ReturnType<StreamStore['loadMsg']> {
    if (req.seq > 0 && req.next_by_subj === '') return this.store.loadMsg(req.seq);
    if (req.next_by_subj !== '') return this.store.loadNextMsg(req.next_by_subj, hasWildcard(req.next_by_subj), req.seq);
    return this.store.loadLastMsg(req.last_by_subj);
  }
}

/** Does a purge filter concern a consumer filter (either contains the other)? */
function subjectMatchesEither(a: string, b: string): boolean {
  return subjectIsSubsetMatch(a, b) || subjectIsSubsetMatch(b, a) || subjectMatches(a, b);
}

/** JSApiMsgGetRequest {seq, last_by_subj, next_by_subj} decoded as Go would; null when it does not decode. */
export function decodeMsgGetRequest(text: string): { seq: number; last_by_subj: string; next_by_subj: string } | null {
  const d = decodeMsgGet(text);
  return d.ok ? d.value : null;
}

const msgGetSpec = S.struct('JSApiMsgGetRequest', { seq: S.uint64, last_by_subj: S.string, next_by_subj: S.string }) as ReturnType<typeof S.struct> & { k: 'struct' };

export function decodeMsgGet(text: string): { ok: true; value: { seq: number; last_by_subj: string; next_by_subj: string } } | { ok: false; error: string } {
  const d = decodeGo<{ seq?: number; last_by_subj?: string; next_by_subj?: string }>(text, msgGetSpec);
  if (!d.ok) return d;
  return { ok: true, value: { seq: d.value.seq ?? 0, last_by_subj: d.value.last_by_subj ?? '', next_by_subj: d.value.next_by_subj ?? '' } };
}
