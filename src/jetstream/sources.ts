// Mirrors and sources (stream.go setupMirrorConsumer, setSourceConsumer, processInboundMirrorMsg,
// processInboundSourceMsg) for origins in the same account. The reference reads an origin through a
// direct push consumer created with the API; here the stream listens to its origin in-process (the
// origin calls back once a message is durable) and reads what it missed from the origin's store, so
// the behaviour a client sees is the same: a mirror keeps the origin's sequences (gaps skipped),
// a source adds `Nats-Stream-Source: <name> <seq>` and stores with its own sequences, filters and
// start positions apply, `lag`/`active`/`error` show in STREAM.INFO. An origin that does not exist
// (or goes away) is retried every 2 s (sourceConsumerRetryThreshold) and at once when a stream of
// that name is created; on return the mirror/source continues after the last sequence it holds.
// Origins behind an `external` API prefix (other accounts, other domains) are not read yet: their
// info carries an error.
import type { Stream } from './stream.js';
import type { StreamConfig, StreamSource } from './stream-config.js';
import { jsErr, type ApiError } from './errors.js';
import { getHeader, genHeader, removeHeader } from './headers.js';
import { nowNs, type StoreMsg } from './store/index.js';
import { hasWildcard } from '../subjects/subject.js';
import { Timer } from '../timers.js';
import { subjectIsSubsetMatch } from '../subjects/subject.js';

/** The source info objects STREAM.INFO shows (StreamSourceInfo). */
export interface StreamSourceInfo {
  name: string;
  external?: { api: string; deliver: string };
  lag: number;
  active: number;
  error?: ApiError;
}

export interface SourceState {
  mirrorInfo(): StreamSourceInfo | undefined;
  sourcesInfo(): StreamSourceInfo[] | undefined;
  configChanged(old: StreamConfig, cfg: StreamConfig): void;
  /** A stream named `name` was created in the account: sources waiting for it start now. */
  originCreated(name: string): void;
  stop(): void;
}

/** Retry a missing origin after this long (sourceConsumerRetryThreshold). */
export const SOURCE_RETRY_MS = 2000;
/** The reference's consumers heartbeat every second (sourceHealthCheckInterval). */
const HEARTBEAT_NS = 1_000_000_000;
/** Messages copied per turn of the event loop while catching up. */
const CATCHUP_BATCH = 1024;
export const H_STREAM_SOURCE = 'Nats-Stream-Source';

/** What an origin stream calls on its mirrors and sources (not a public consumer). */
export interface OriginListener {
  readonly filterSubject: string;
  onStored(seq: number, subject: string): void;
  onOriginStop(): void;
}

class Link implements OriginListener {
  /** The last origin sequence taken (or skipped past). */
  sseq = 0;
  lag = 0;
  /** ns of the last message, or of the setup (a live local link counts as heartbeating). */
  last = 0;
  connected = false;
  err: ApiError | null = null;
  private origin: Stream | null = null;
  private retry: Timer | null = null;
  private pumping = false;
  private pumpQueued = false;
  private closed = false;
  /** The next sequence to read from (the start position, once decided). */
  private next = 0;

  constructor(readonly owner: Stream, readonly src: StreamSource, readonly mirror: boolean) {}

  get name(): string {
    return this.src.name;
  }

  get filterSubject(): string {
    return this.src.filter_subject ?? '';
  }

  /** Where to start reading the origin (its first when nothing else says). */
  start(): void {
    if (this.closed) return;
    this.clearRetry();
    if (this.src.external) {
      this.err = jsErr(this.mirror ? 'JSMirrorConsumerSetupFailedErrF' : 'JSSourceConsumerSetupFailedErrF', { err: 'external streams are not supported by tsnats yet' });
      return;
    }
    const origin = this.owner.jsa.streams.get(this.src.name);
    if (origin === undefined || origin.closed) {
      this.err = jsErr('JSStreamNotFoundErr');
      this.scheduleRetry();
      return;
    }
    this.err = null;
    this.origin = origin;
    origin.addOriginListener(this);
    this.connected = true;
    this.last = nowNs();
    this.next = this.startSeq(origin);
    if (this.mirror) {
      // Align the mirror with where the origin starts (skipMsgs up to the delivered position).
      const st = this.owner.store.fastState();
      if (this.next - 1 > st.lastSeq) this.owner.skipTo(this.next - 1);
    }
    this.pump();
  }

  private startSeq(origin: Stream): number {
    const ost = origin.store.fastState();
    const first = Math.max(ost.firstSeq, 1);
    if (this.mirror) {
      const st = this.owner.store.fastState();
      if (st.lastSeq > 0) return st.lastSeq + 1;
      if (this.src.opt_start_seq) return Math.max(this.src.opt_start_seq, first);
      if (this.src.opt_start_time) return Math.max(origin.store.getSeqFromTime(this.src.opt_start_time.ns), first);
      return first;
    }
    if (this.sseq > 0) return this.sseq + 1;
    if (this.src.opt_start_seq) return Math.max(this.src.opt_start_seq, first);
    if (this.src.opt_start_time) return Math.max(origin.store.getSeqFromTime(this.src.opt_start_time.ns), first);
    return first;
  }

  private scheduleRetry(): void {
    if (this.retry !== null || this.closed) return;
    this.retry = new Timer(() => {
      this.retry = null;
      this.start();
    }, SOURCE_RETRY_MS);
  }

  private clearRetry(): void {
    this.retry?.clear();
    this.retry = null;
  }

  onStored(seq: number): void {
    if (seq >= this.next) this.pump();
  }

  /** The origin stops (deleted, shutdown): wait for it to come back. */
  onOriginStop(): void {
    this.origin = null;
    this.connected = false;
    if (!this.closed) this.scheduleRetry();
  }

  /** Copy what the origin has from `next` on, a batch per turn. */
  private pump(): void {
    if (this.pumping) {
      this.pumpQueued = true;
      return;
    }
    const origin = this.origin;
    if (origin === null || this.closed || this.owner.closed) return;
    this.pumping = true;
    try {
      const filter = this.filterSubject;
      const wc = filter !== '' && hasWildcard(filter);
      let n = 0;
      for (;;) {
        const ost = origin.store.fastState();
        if (this.next < ost.firstSeq) this.next = ost.firstSeq;
        if (this.next > ost.lastSeq) break;
        const sm = origin.store.loadNextMsg(filter, wc, this.next);
        if (sm === null) {
          // Nothing more that matches: remember the position (a mirror skips it later).
          this.sseq = ost.lastSeq;
          this.next = ost.lastSeq + 1;
          break;
        }
        this.take(sm);
        this.next = sm.seq + 1;
        if (++n >= CATCHUP_BATCH) {
          setImmediate(() => this.pump());
          break;
        }
      }
      this.lag = origin.store.numPending(this.next, filter, false).total;
    } finally {
      this.pumping = false;
    }
    if (this.pumpQueued) {
      this.pumpQueued = false;
      this.pump();
    }
  }

  /** One message from the origin (processInboundMirrorMsg / processInboundSourceMsg). */
  private take(sm: StoreMsg): void {
    this.last = nowNs();
    this.sseq = sm.seq;
    const owner = this.owner;
    if (this.mirror) {
      owner.storeMirrored(sm);
      return;
    }
    let hdr = sm.hdr !== null && sm.hdr.length > 0 ? sm.hdr.toString('latin1') : null;
    // A daisy chain: the previous source header goes.
    if (hdr !== null && hdr.includes(H_STREAM_SOURCE)) hdr = removeHeader(hdr, H_STREAM_SOURCE);
    hdr = genHeader(hdr, H_STREAM_SOURCE, `${this.src.name} ${sm.seq}`);
    owner.ingest(sm.subject, '', hdr, null, Buffer.from(sm.msg), 0);
  }

  info(): StreamSourceInfo {
    let active = -1;
    if (this.connected) active = Math.max(0, nowNs() - this.last) % HEARTBEAT_NS;
    else if (this.last > 0) active = Math.max(0, nowNs() - this.last);
    const out: StreamSourceInfo = { name: this.src.name, lag: this.lag, active };
    if (this.src.external) out.external = { api: this.src.external.api, deliver: this.src.external.deliver };
    if (this.err !== null) out.error = this.err;
    return out;
  }

  stop(): void {
    this.closed = true;
    this.clearRetry();
    this.origin?.removeOriginListener(this);
    this.origin = null;
    this.connected = false;
  }
}

/**
 * The last origin sequence a sourcing stream holds for `name`, from its newest message carrying a
 * Nats-Stream-Source of that source (setStartingSequenceForSource), or 0.
 */
function lastSourced(owner: Stream, name: string): number {
  const st = owner.store.fastState();
  for (let seq = st.lastSeq; seq >= st.firstSeq && seq > 0; seq--) {
    const m = owner.store.loadMsg(seq);
    if (m === null || m.hdr === null) continue;
    const v = getHeader(H_STREAM_SOURCE, m.hdr.toString('latin1'));
    if (v === null) continue;
    const f = v.trim().split(/\s+/);
    if (f.length === 2 && f[0] === name && /^\d+$/.test(f[1]!)) return Number(f[1]);
  }
  return 0;
}

export class Sources implements SourceState {
  private mirror: Link | null = null;
  private readonly links = new Map<string, Link>();

  constructor(private readonly owner: Stream) {
    const cfg = owner.cfg;
    if (cfg.mirror) {
      this.mirror = new Link(owner, cfg.mirror, true);
      this.mirror.start();
    }
    for (const s of cfg.sources ?? []) this.addSource(s);
  }

  private addSource(s: StreamSource): void {
    const l = new Link(this.owner, s, false);
    l.sseq = lastSourced(this.owner, s.name);
    this.links.set(s.name, l);
    l.start();
  }

  mirrorInfo(): StreamSourceInfo | undefined {
    return this.mirror?.info();
  }

  sourcesInfo(): StreamSourceInfo[] | undefined {
    if (this.links.size === 0) return undefined;
    return [...this.links.values()].map((l) => l.info());
  }

  configChanged(_old: StreamConfig, cfg: StreamConfig): void {
    const want = new Map((cfg.sources ?? []).map((s) => [s.name, s]));
    for (const [name, l] of [...this.links]) {
      const s = want.get(name);
      if (s === undefined) {
        l.stop();
        this.links.delete(name);
      } else if ((s.filter_subject ?? '') !== l.filterSubject) {
        // A new filter: continue after what was taken (setSourceConsumer at sseq+1).
        const sseq = l.sseq;
        l.stop();
        const n = new Link(this.owner, s, false);
        n.sseq = sseq;
        this.links.set(name, n);
        n.start();
      }
    }
    for (const [name, s] of want) if (!this.links.has(name)) this.addSource(s);
  }

  originCreated(name: string): void {
    if (this.mirror !== null && this.mirror.name === name && !this.mirror.connected) this.mirror.start();
    const l = this.links.get(name);
    if (l !== undefined && !l.connected) l.start();
  }

  stop(): void {
    this.mirror?.stop();
    for (const l of this.links.values()) l.stop();
    this.links.clear();
  }
}

/** Does a source/mirror listener want a message on `subject`? */
export function listenerWants(l: OriginListener, subject: string): boolean {
  return l.filterSubject === '' || subjectIsSubsetMatch(subject, l.filterSubject);
}
