// One consumer (consumer.go): its delivery state (next stream sequence, delivery sequence, ack
// floor, pending acks, redelivery queue and counts), the loop that hands messages to a push
// consumer's deliver subject or to waiting pull requests, acks on `$JS.ACK.<stream>.<consumer>.…`,
// redelivery after ack_wait/backoff, max_deliver, flow control, idle heartbeats, rate limit,
// replay original, the inactivity timer, and CONSUMER.INFO. It plugs into its stream through the
// seam in stream.ts (ConsumerHandle).
//
// The reference runs a goroutine per consumer; here the loop (run) is event-driven: new messages,
// pull requests, acks, interest and timers kick it, and it delivers at most LOOP_BUDGET messages per
// turn before yielding to I/O. Every configurable delay goes through Timer (any length).
import type { Account } from '../accounts/account.js';
import { Subscription } from '../server/subscription.js';
import { subjectMatches, hasWildcard } from '../subjects/subject.js';
import { Timer } from '../timers.js';
import { monoMs } from '../clock.js';
import { formatGoDurationNs, parseGoDurationNs } from '../config/duration.js';
import type { Stream, ConsumerHandle } from './stream.js';
import type { JetStream } from './service.js';
import { RawMsg, type ConsumerStore, type ConsumerState, type ConsumerStoreConfig } from './store/index.js';
import { goTimeNs, nowNs } from './store/index.js';
import { AckReply } from './ack-reply.js';
import { decodeGo, S, type Spec } from './json.js';
import { configJSON, copyConfig, isDurable, sampleFreq, type ConsumerConfig } from './consumer-config.js';
import { parseNextRequest, WaitQueue, type WaitingRequest } from './consumer-pull.js';

const EMPTY = Buffer.alloc(0);
/** Messages one turn of the delivery loop hands out before yielding to I/O. */
const LOOP_BUDGET = 512;
/** JsFlowControlMaxPending: 32 MB; the window starts at a 16th of it. */
const FC_MAX_PENDING = 32 * 1024 * 1024;
const ACK_WAIT_DELAY_MS = 1;
const HDR_LINE = 'NATS/1.0\r\n';
const FC_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const nakSpec = S.struct('ConsumerNakOptions', { delay: S.duration }) as Spec & { k: 'struct' };

export interface PendingAck {
  /** The consumer sequence of the (first) delivery. */
  sequence: number;
  /** Delivery time, ns since the epoch. */
  timestamp: number;
}

/** A delivery held back by replay_policy original or rate_limit_bps (its message copied). */
interface Held {
  dsubj: string;
  ackReply: string;
  rm: RawMsg;
  dc: number;
}

/** A token bucket (golang.org/x/time/rate with ReserveN): bytes per second, burst bytes. */
class RateLimiter {
  private tokens: number;
  private last = monoMs();
  constructor(private readonly rate: number, private readonly burst: number) {
    this.tokens = burst;
  }

  /** Takes n bytes; the delay (ms) before they may be sent. */
  reserve(n: number): number {
    const now = monoMs();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    this.tokens -= Math.min(n, this.burst);
    return this.tokens >= 0 ? 0 : (-this.tokens / this.rate) * 1000;
  }
}

/** The ack token in subject[a, b): a decimal number, or -1 (parseAckReplyNum; past 2^53 too). */
function ackNum(subject: string, a: number, b: number): number {
  if (a >= b) return -1;
  let n = 0;
  for (let i = a; i < b; i++) {
    const c = subject.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return Number.isSafeInteger(n) ? n : -1;
}

/** Whether buf[s, e) is `+ACK`. */
function isPlusAck(buf: Buffer, s: number, e: number): boolean {
  return e - s === 4 && buf[s] === 0x2b && buf[s + 1] === 0x41 && buf[s + 2] === 0x43 && buf[s + 3] === 0x4b;
}

/** convertToHeadersOnly: the message's headers (or a bare NATS/1.0 line) plus Nats-Msg-Size. */
function headersOnly(rm: RawMsg): Buffer {
  const base = rm.hdr >= 4 ? rm.buf.toString('latin1', rm.s, rm.s + rm.hdr - 2) : HDR_LINE;
  return Buffer.from(`${base}Nats-Msg-Size: ${rm.e - rm.s - rm.hdr}\r\n\r\n`, 'latin1');
}

export interface ConsumerOptions {
  name: string;
  /** Created time, ns since the epoch. */
  created: number;
  store: ConsumerStore;
  /** Called once when the consumer is gone (stopped or deleted). */
  onClosed: (c: Consumer) => void;
}

export class Consumer implements ConsumerHandle {
  readonly name: string;
  cfg: ConsumerConfig;
  readonly stream: Stream;
  readonly js: JetStream;
  readonly acc: Account;
  readonly created: number;
  private store: ConsumerStore;
  private readonly onClosed: (c: Consumer) => void;
  closed = false;

  // ---- delivery state (consumer.go: sseq, dseq, adflr, asflr, pending, rdq, rdc)
  /** The next stream sequence to look at. */
  sseq = 1;
  /** The next delivery (consumer) sequence. */
  dseq = 1;
  adflr = 0;
  asflr = 0;
  pending = new Map<number, PendingAck>();
  private rdq: number[] = [];
  private rdqi = new Set<number>();
  rdc = new Map<number, number>();
  /** Deliver-last-per-subject skip list. */
  private lss: { resume: number; seqs: number[] } | null = null;
  /** Cached num_pending and the stream sequence it was counted through. */
  private npc = 0;
  private npcm = 0;
  private maxdc = 0;
  private maxp = 0;
  private filterWC = false;
  private sfreq = 0;
  /** Last delivery and last ack, ns since the epoch (0 = never). */
  ldt = 0;
  lat = 0;

  // ---- push
  active = true;
  private dsubj = '';
  private watching: { subject: string; group: string } | null = null;
  private pbytes = 0;
  private maxpb = 0;
  private pblimit = 0;
  private fcsz = 0;
  private fcid = '';
  private hbTimer: Timer | null = null;

  // ---- pull
  waiting: WaitQueue | null = null;
  private wtmr: Timer | null = null;

  // ---- timers and pacing
  private ptmr: Timer | null = null;
  private dtmr: Timer | null = null;
  /** The inactivity threshold actually used (ms, with the reference's jitter). */
  private dthresh = 0;
  private replay = false;
  private replayLseq = 0;
  private lts = 0;
  private rlimit: RateLimiter | null = null;
  private held: Held | null = null;
  private holdTimer: Timer | null = null;
  private scheduled = false;
  private immediate: NodeJS.Immediate | null = null;
  /** Stream sequences to ack on the stream after the loop (ack none on interest streams). */
  private ackq: number[] = [];

  // ---- internal subscriptions
  private subs: Subscription[] = [];
  private sid = 1;
  private ackSubject = '';
  private ackPrefixLen = 0;
  /** The ack reply of the message being delivered (its prefix `$JS.ACK.<stream>.<consumer>.`). */
  private ack = new AckReply('');
  /** The message being delivered, as the store has it (no copy). */
  private readonly rm = new RawMsg();
  /** Monotonic ms of the last delivery (idle heartbeats count from it). */
  private lastDelivery = 0;
  /** The time of the current delivery batch, ns (pending timestamps, last_active). */
  private batchNs = 0;

  constructor(stream: Stream, cfg: ConsumerConfig, opts: ConsumerOptions) {
    this.stream = stream;
    this.js = stream.js;
    this.acc = stream.acc;
    this.cfg = cfg;
    this.name = opts.name;
    this.created = opts.created;
    this.store = opts.store;
    this.onClosed = opts.onClosed;
    this.dsubj = cfg.deliver_subject;
    this.maxdc = cfg.max_deliver > 0 ? cfg.max_deliver : 0;
    this.maxp = cfg.max_ack_pending;
    this.sfreq = sampleFreq(cfg.sample_freq);
    this.filterWC = cfg.filter_subject !== '' && hasWildcard(cfg.filter_subject);
    if (this.isPullMode()) this.waiting = new WaitQueue(cfg.max_waiting, monoMs());
  }

  // ---------------------------------------------------------------- the seam (ConsumerHandle)

  get filterSubject(): string {
    return this.cfg.filter_subject;
  }

  get ackNone(): boolean {
    return this.cfg.ack_policy === 'none';
  }

  isPushMode(): boolean {
    return this.cfg.deliver_subject !== '';
  }

  isPullMode(): boolean {
    return this.cfg.deliver_subject === '';
  }

  isDurable(): boolean {
    return this.cfg.durable_name !== '';
  }

  /** A message was stored (processStreamSignal). */
  onStored(seq: number, subject: string): void {
    if (this.closed || !this.isFilteredMatch(subject)) return;
    if (seq > this.npcm) this.npc++;
    if (seq < this.sseq) return;
    if ((this.isPushMode() && this.active) || (this.isPullMode() && !this.waiting!.isEmpty())) this.kick();
  }

  /** A message went away (decStreamPending): a pending one is processed as terminated. */
  onRemoved(seq: number, subject: string): void {
    if (this.closed) return;
    if (seq > this.npcm && seq >= this.sseq && this.isFilteredMatch(subject)) this.npc--;
    const p = this.pending.get(seq);
    if (p === undefined) return;
    const rdc = this.rdc.get(seq) ?? 0;
    queueMicrotask(() => {
      if (!this.closed) this.processTerm(seq, p.sequence, rdc);
    });
  }

  /** A purge (consumer.go purge): the floors move to the stream's new first sequence. */
  onPurged(firstSeq: number, filter: string): void {
    if (this.closed) return;
    if (filter !== '' && !this.isFilteredMatch(filter)) return;
    const lseq = this.stream.store.fastState().lastSeq;
    let sseq = firstSeq;
    if (sseq === 0) sseq = lseq + 1;
    if (this.sseq < sseq) this.sseq = sseq;
    if (this.asflr < sseq) {
      this.asflr = sseq - 1;
      if (this.dseq > 0) this.adflr = this.dseq - 1;
    }
    this.pending = new Map();
    if (this.rdq.length > 0) {
      const rdq = this.rdq;
      this.rdq = [];
      this.rdqi = new Set();
      for (const s of rdq) if (s >= this.sseq) this.addToRedeliverQueue(s);
    }
    this.writeStoreState();
  }

  onStreamStop(deleted: boolean): void {
    this.stopWithFlags(deleted, deleted, true);
  }

  /** Does this consumer still need `sseq` (interest retention)? (needAck) */
  needAck(sseq: number, subject: string): boolean {
    if (this.closed) return false;
    if (this.isFiltered()) {
      let subj = subject;
      if (subj === '') {
        const m = this.stream.store.loadMsg(sseq);
        if (m === null) return false;
        subj = m.subject;
      }
      if (!this.isFilteredMatch(subj)) return false;
    }
    switch (this.cfg.ack_policy) {
      case 'none':
      case 'all':
        return sseq > this.asflr;
      default:
        if (sseq <= this.asflr) return false;
        if (sseq >= this.sseq) return true;
        return this.pending.has(sseq);
    }
  }

  /** A filter that narrows the stream (not its only subject). */
  private isFiltered(): boolean {
    const f = this.cfg.filter_subject;
    if (f === '') return false;
    const subs = this.stream.cfg.subjects ?? [];
    if (subs.length === 1) return f !== subs[0];
    return true;
  }

  isFilteredMatch(subject: string): boolean {
    const f = this.cfg.filter_subject;
    if (f === '') return true;
    if (!this.filterWC) return subject === f;
    return subjectMatches(subject, f);
  }

  // ---------------------------------------------------------------- start (selectStartingSeqNo, setLeader)

  /** Where a new consumer starts (selectStartingSeqNo). */
  selectStartingSeqNo(): void {
    const st = this.stream.store.fastState();
    const c = this.cfg;
    const store = this.stream.store;
    if (c.opt_start_seq === 0) {
      if (c.deliver_policy === 'all') this.sseq = st.firstSeq;
      else if (c.deliver_policy === 'last') {
        this.sseq = st.lastSeq;
        if (c.filter_subject !== '') this.sseq = store.filteredState(1, c.filter_subject).last;
      } else if (c.deliver_policy === 'last_per_subject') {
        const mss = store.subjectsState(c.filter_subject);
        if (mss.size > 0) {
          const seqs = [...mss.values()].map((s) => s.last).sort((a, b) => a - b);
          this.lss = { resume: st.lastSeq, seqs };
          this.sseq = seqs[0]!;
        } else this.sseq = st.lastSeq;
      } else if (c.opt_start_time !== null) {
        this.sseq = store.getSeqFromTime(c.opt_start_time.ns);
      } else {
        this.sseq = st.lastSeq + 1;
      }
    } else {
      this.sseq = c.opt_start_seq;
    }
    if (st.firstSeq === 0) this.sseq = 1;
    else if (this.sseq < st.firstSeq) this.sseq = st.firstSeq;
    else if (this.sseq > st.lastSeq) this.sseq = st.lastSeq + 1;
    this.dseq = 1;
    this.adflr = this.dseq - 1;
    this.asflr = this.sseq - 1;
    if (this.sseq > 0) {
      try {
        this.store.setStarting(this.sseq - 1);
      } catch {
        /* closed */
      }
    }
  }

  /** Applies the stored state (readStoredState / applyState). */
  readStoredState(slseq: number): void {
    let state: ConsumerState;
    try {
      state = this.store.state();
    } catch {
      return;
    }
    if (this.sseq <= state.delivered.stream_seq) this.sseq = state.delivered.stream_seq + 1;
    this.dseq = state.delivered.consumer_seq + 1;
    this.adflr = state.ack_floor.consumer_seq;
    this.asflr = state.ack_floor.stream_seq;
    this.pending = new Map();
    for (const [k, p] of state.pending) this.pending.set(k, { sequence: p.sequence, timestamp: p.timestamp });
    this.rdc = new Map(state.redelivered);
    if (this.rdc.size > 0) {
      let changed = false;
      for (const s of [...this.rdc.keys()]) {
        if (s < this.asflr || (slseq > 0 && s > slseq)) {
          this.rdc.delete(s);
          this.removeFromRedeliverQueue(s);
          changed = true;
        }
      }
      if (changed) this.writeStoreState();
    }
    if (this.pending.size > 0 && this.ptmr === null) {
      // On start-up check pending sooner (500 ms – 1.5 s), or at ack_wait when that is shorter.
      let delay = 500 + Math.floor(Math.random() * 1000);
      if (this.cfg.ack_wait / 1e6 < delay) delay = this.ackWaitMs(0);
      this.ptmr = new Timer(this.checkPending, delay);
    }
  }

  /** Starts the consumer (setLeader(true)): subscriptions, interest, timers, the first delivery. */
  start(): void {
    const mset = this.stream;
    this.rdq = [];
    this.rdqi = new Set();
    this.readStoredState(mset.store.fastState().lastSeq);
    this.streamNumPending();
    const pre = `$JS.ACK.${mset.name}.${this.name}`;
    this.ackSubject = `${pre}.*.*.*.*.*`;
    this.ackPrefixLen = pre.length + 1;
    this.ack = new AckReply(`${pre}.`);
    this.lastDelivery = monoMs();
    // Acks and pull requests are handled during delivery (no copy, no microtask), as direct gets.
    this.subscribeRaw(this.ackSubject, (subject, reply, buf, s, e) => this.processAck(subject, reply, buf, s, e));
    this.subscribeRaw(`$JS.API.CONSUMER.MSG.NEXT.${mset.name}.${this.name}`, (_subject, reply, buf, s, e) => {
      if (reply !== '') this.processNextMsgRequest(reply, buf.toString('utf8', s, e));
    });
    if (this.cfg.flow_control) {
      this.setMaxPendingBytes(FC_MAX_PENDING);
      this.subscribe(`$JS.FC.${mset.name}.${this.name}.*`, (_s, subject) => this.processFlowControl(subject));
    }
    if (this.isPushMode()) {
      this.watchInterest();
      this.active = this.acc.sl.hasExactInterest(this.cfg.deliver_subject, this.cfg.deliver_group || null);
    }
    if (this.dthresh > 0 && (this.isPullMode() || !this.active)) {
      this.dtmr?.clear();
      this.dtmr = new Timer(this.deleteNotActive, this.dthresh);
    }
    if (this.cfg.replay_policy !== 'instant') {
      this.replay = true;
      this.replayLseq = mset.store.fastState().lastSeq;
    }
    if (this.cfg.idle_heartbeat > 0 && this.isPushMode()) {
      const hb = this.cfg.idle_heartbeat / 1e6;
      this.hbTimer = new Timer(() => {
        if (this.closed) return;
        // Idle for a whole interval since the last delivery: a heartbeat; else wait the rest.
        const idle = monoMs() - this.lastDelivery;
        if (idle < hb - 1) {
          this.hbTimer?.reset(hb - idle);
          return;
        }
        if (this.active) this.sendIdleHeartbeat(this.cfg.deliver_subject);
        this.hbTimer?.reset(hb);
      }, hb);
    }
    if (this.cfg.rate_limit_bps > 0) this.setRateLimit(this.cfg.rate_limit_bps);
    this.kick();
  }

  private subscribe(subject: string, handler: NonNullable<Subscription['handler']>): void {
    const sub = new Subscription(null, subject, null, String(this.sid++), handler);
    if (this.acc.sl.insert(sub)) this.subs.push(sub);
  }

  /** A synchronous internal subscription: `fn` gets the payload (headers skipped) as buf[s,e). */
  private subscribeRaw(subject: string, fn: (subject: string, reply: string, buf: Buffer, s: number, e: number) => void): void {
    const sub = new Subscription(null, subject, null, String(this.sid++));
    sub.raw = (_sub, subj, reply, buf, s, e, hdr) => {
      try {
        fn(subj, reply, buf, hdr > 0 ? s + hdr : s, e);
      } catch (err) {
        this.js.log.error(`JetStream consumer ${this.describe()} failed on ${subj}: ${(err as Error).stack ?? err}`);
      }
    };
    if (this.acc.sl.insert(sub)) this.subs.push(sub);
  }

  private readonly onInterest = (): void => {
    queueMicrotask(() => {
      if (this.closed || !this.isPushMode()) return;
      this.updateDeliveryInterest(this.acc.sl.hasExactInterest(this.cfg.deliver_subject, this.cfg.deliver_group || null));
    });
  };

  private watchInterest(): void {
    this.unwatchInterest();
    const subject = this.cfg.deliver_subject;
    const group = this.cfg.deliver_group;
    this.acc.sl.watch(subject, group || null, this.onInterest);
    this.watching = { subject, group };
  }

  private unwatchInterest(): void {
    if (this.watching === null) return;
    this.acc.sl.unwatch(this.watching.subject, this.watching.group || null, this.onInterest);
    this.watching = null;
  }

  /** Sets dthresh from inactive_threshold (updateInactiveThreshold); stamps the ephemeral default. */
  updateInactiveThreshold(cfg: ConsumerConfig): void {
    const jitter = () => 100 + Math.floor(Math.random() * 900);
    if (!isDurable(this.cfg) && cfg.inactive_threshold <= 0) {
      this.dthresh = 5000 + jitter();
      cfg.inactive_threshold = 5_000_000_000;
    } else if (cfg.inactive_threshold > 0) {
      this.dthresh = cfg.inactive_threshold / 1e6 + (this.isPullMode() ? jitter() : 0);
    } else {
      this.dthresh = 0;
    }
  }

  /** An ephemeral push consumer without any interest starts its delete timer at once. */
  checkInitialInterest(): void {
    if (!this.isPushMode() || this.isDurable()) return;
    const r = this.acc.sl.match(this.cfg.deliver_subject);
    if (r.psubs.length + r.qsubs.length === 0) this.updateDeliveryInterest(false);
  }

  /** rate.NewLimiter(bps/8, burst = max msg size, account or server max payload). */
  setRateLimit(bps: number): void {
    if (bps === 0) {
      this.rlimit = null;
      return;
    }
    let burst = this.stream.cfg.max_msg_size;
    if (!(burst > 0)) burst = this.acc.mpay > 0 ? this.acc.mpay : this.js.srv.opts.maxPayload;
    this.rlimit = new RateLimiter(bps / 8, burst);
  }

  private setMaxPendingBytes(limit: number): void {
    this.pblimit = limit;
    this.maxpb = Math.max(1, Math.floor(limit / 16));
  }

  // ---------------------------------------------------------------- the delivery loop

  /** Something may be deliverable: run the loop soon (signalNewMessages). */
  kick(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    queueMicrotask(this.run);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    if (this.closed || this.held !== null) return;
    let maxAckPendingStall = false;
    let delivered = false;
    this.batchNs = nowNs();
    for (let budget = LOOP_BUDGET; ; budget--) {
      if (this.isPushMode()) {
        if (!this.active || (this.maxpb > 0 && this.pbytes > this.maxpb)) break;
      } else if (this.waiting!.isEmpty()) break;
      if (budget <= 0) {
        // Yield to I/O; the loop goes on in the next turn.
        if (delivered) this.lastDelivery = monoMs();
        this.flushAckq();
        if (this.immediate === null) {
          this.immediate = setImmediate(() => {
            this.immediate = null;
            this.run();
          });
        }
        return;
      }
      // What a pull must restore when no request takes the message (push never does).
      const savedSseq = this.sseq;
      const savedLss = this.lss === null || this.isPushMode() ? this.lss : { resume: this.lss.resume, seqs: [...this.lss.seqs] };
      const dc = this.getNextMsg();
      if (dc === -1) {
        maxAckPendingStall = true;
        break;
      }
      if (dc === 0) break;
      const rm = this.rm;
      if (dc === 1 && this.npcm > 0) this.npc--;
      const ack = this.ack.set(dc, rm.seq, this.dseq, rm.ts, this.numPending());
      if (this.cfg.headers_only) {
        const h = headersOnly(rm);
        rm.buf = h;
        rm.s = 0;
        rm.e = rm.hdr = h.length;
      }
      const sz = rm.subject.length + ack.length + rm.e - rm.s;
      let dsubj: string;
      if (this.isPushMode()) dsubj = this.dsubj;
      else {
        const wr = this.nextWaiting(sz);
        if (wr === null) {
          // Nobody to take it: put it back.
          rm.buf = EMPTY;
          if (dc > 1) {
            this.rdq.unshift(rm.seq);
            this.rdqi.add(rm.seq);
            const n = (this.rdc.get(rm.seq) ?? 1) - 1;
            if (n > 0) this.rdc.set(rm.seq, n);
            else this.rdc.delete(rm.seq);
          } else {
            this.sseq = savedSseq;
            this.lss = savedLss;
            if (this.npcm > 0) this.npc++;
          }
          break;
        }
        dsubj = wr.reply;
        if (wr.n > 0 && wr.hb > 0) wr.hbt = monoMs() + wr.hb;
      }
      if (this.replay && this.lts > 0) {
        const delay = (rm.ts - this.lts) / 1e6;
        if (delay > 1) {
          this.lts = rm.ts;
          this.hold(dsubj, dc, delay);
          return;
        }
      }
      this.lts = rm.ts;
      if (this.rlimit !== null) {
        const delay = this.rlimit.reserve(sz);
        if (delay > 0) {
          this.hold(dsubj, dc, delay);
          return;
        }
      }
      this.deliverMsg(dsubj, null, rm, dc);
      delivered = true;
    }
    // The idle heartbeat counts from the last delivery (checked when its timer fires).
    if (delivered) this.lastDelivery = monoMs();
    this.waitForMsgs(!maxAckPendingStall);
  };

  /** The loop is idle: replay catch-up, expired and partial pull requests, their timer. */
  private waitForMsgs(eos: boolean): void {
    if (this.replay && this.sseq > this.replayLseq) this.replay = false;
    if (this.isPullMode()) this.armWaitingTimer(this.processWaiting(eos).fexp);
    this.flushAckq();
  }

  private armWaitingTimer(fexp: number): void {
    if (fexp === 0) {
      this.wtmr?.clear();
      return;
    }
    const d = Math.max(1, fexp - monoMs());
    if (this.wtmr === null) {
      this.wtmr = new Timer(() => {
        if (this.closed) return;
        this.processWaiting(true);
        this.run();
      }, d);
    } else this.wtmr.reset(d);
  }

  /** Delivers the message in rm later (replay original, rate limit); nothing else goes meanwhile. */
  private hold(dsubj: string, dc: number, delayMs: number): void {
    const rm = this.rm;
    const copy = new RawMsg();
    copy.subject = rm.subject;
    copy.buf = Buffer.from(rm.buf.subarray(rm.s, rm.e));
    copy.e = copy.buf.length;
    copy.hdr = rm.hdr;
    copy.seq = rm.seq;
    copy.ts = rm.ts;
    rm.buf = EMPTY;
    this.held = { dsubj, ackReply: this.ack.toString(), rm: copy, dc };
    this.holdTimer = new Timer(() => {
      this.holdTimer = null;
      const x = this.held;
      this.held = null;
      if (this.closed || x === null) return;
      this.batchNs = nowNs();
      this.deliverMsg(x.dsubj, x.ackReply, x.rm, x.dc);
      this.lastDelivery = monoMs();
      this.run();
    }, delayMs);
  }

  private flushAckq(): void {
    if (this.ackq.length === 0) return;
    const q = this.ackq;
    this.ackq = [];
    for (const seq of q) this.stream.ackMsg(this, seq);
  }

  /**
   * Loads the next message to deliver into rm and returns its delivery count; -1 when stalled by
   * max_ack_pending, 0 when there is none (getNextMsg).
   */
  private getNextMsg(): number {
    const store = this.stream.store;
    const rm = this.rm;
    while (this.rdq.length > 0) {
      const seq = this.rdq.shift()!;
      this.rdqi.delete(seq);
      const dc = (this.rdc.get(seq) ?? 0) + 2;
      this.rdc.set(seq, dc - 1);
      if (this.maxdc > 0 && dc > this.maxdc) {
        // Only once, when a further delivery would have happened (quirk 12).
        if (dc === this.maxdc + 1) this.notifyDeliveryExceeded(seq, dc - 1);
        this.pending.delete(seq);
        continue;
      }
      if (store.loadRaw(seq, rm)) return dc;
      // Gone from the stream meanwhile: nothing to redeliver.
      this.pending.delete(seq);
      this.rdc.delete(seq);
    }
    if (this.maxp > 0 && this.pending.size >= this.maxp) return -1;
    let seq = this.sseq;
    if (this.lss !== null && this.lss.seqs.length > 0) {
      seq = this.lss.seqs[0]!;
      if (this.lss.seqs.length === 1) {
        this.sseq = this.lss.resume;
        this.lss = null;
      } else this.lss.seqs.shift();
    }
    if (!store.loadNextRaw(this.cfg.filter_subject, this.filterWC, seq, rm)) {
      const last = store.fastState().lastSeq;
      if (last >= this.sseq) this.sseq = last + 1;
      return 0;
    }
    if (rm.seq >= this.sseq) this.sseq = rm.seq + 1;
    return 1;
  }

  /**
   * deliverMsg: send, track pending (or move the floor for ack none), flow control, state. The
   * reply is `ackReply`, or `ack` as set for this message when null.
   */
  private deliverMsg(dsubj: string, ackReply: string | null, rm: RawMsg, dc: number): void {
    const dseq = this.dseq++;
    const psz = dsubj.length + (ackReply ?? this.ack).length + rm.e - rm.s;
    if (this.maxpb > 0) this.pbytes += psz;
    const seq = rm.seq;
    const ts = rm.ts;
    // Matched on the deliver subject, carrying the stream subject; headers and payload in place.
    const ok = this.acc.deliverLocal(null, dsubj, ackReply ?? '', rm.buf, rm.s, rm.e, rm.hdr > 0 ? rm.hdr : -1, null, null, false, rm.subject, ackReply === null ? this.ack : null);
    // Copied out: the consumer keeps no hold on the store's memory (a read-ahead window, an arena).
    rm.buf = EMPTY;
    const ap = this.cfg.ack_policy;
    if (ap === 'none') {
      this.adflr = dseq;
      this.asflr = seq;
    } else this.trackPending(seq, dseq);
    if (this.maxpb > 0 && this.needFlowControl(psz)) this.sendFlowControl();
    if (this.isPullMode() && this.dthresh > 0) this.waiting!.last = monoMs();
    this.updateDelivered(dseq, seq, dc, ts, this.batchNs);
    if (ap === 'none' && this.stream.cfg.retention !== 'limits') this.ackq.push(seq);
    if (!ok) this.didNotDeliver(seq);
  }

  /** A status (or flow control) message: headers only, from the server (no reply unless given). */
  private sendStatus(subject: string, hdr: string, reply = ''): void {
    const h = Buffer.from(hdr, 'latin1');
    this.acc.deliverLocal(null, subject, reply, h, 0, h.length, h.length, null, null, subject !== this.cfg.deliver_subject);
  }

  private sendIdleHeartbeat(subject: string): void {
    let h = `NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: ${this.dseq - 1}\r\nNats-Last-Stream: ${this.sseq - 1}\r\n`;
    if (this.fcid !== '') h += `Nats-Consumer-Stalled: ${this.fcid}\r\n`;
    this.sendStatus(subject, h + '\r\n');
  }

  private trackPending(sseq: number, dseq: number): void {
    if (this.ptmr === null) this.ptmr = new Timer(this.checkPending, this.ackWaitMs(0));
    const now = this.batchNs;
    const p = this.pending.get(sseq);
    if (p !== undefined) p.timestamp = now;
    else this.pending.set(sseq, { sequence: dseq, timestamp: now });
  }

  /** A delivery reached nobody (didNotDeliver). */
  private didNotDeliver(seq: number): void {
    if (this.isPushMode()) {
      this.active = false;
      const r = this.acc.sl.match(this.cfg.deliver_subject);
      if (r.psubs.length + r.qsubs.length === 0) this.updateDeliveryInterest(false);
    } else if (this.pending.has(seq) && !this.rdqi.has(seq)) {
      this.addToRedeliverQueue(seq);
      this.kick();
    }
  }

  private needFlowControl(sz: number): boolean {
    if (this.maxpb === 0) return false;
    if (this.fcid === '' && this.pbytes > this.maxpb / 2) return true;
    if (this.fcid !== '' && this.pbytes - this.fcsz >= this.maxpb) this.fcsz += sz;
    return false;
  }

  private sendFlowControl(): void {
    if (!this.isPushMode()) return;
    let rnd = '';
    for (let i = 0; i < 4; i++) rnd += FC_DIGITS[Math.floor(Math.random() * 62)];
    const reply = `$JS.FC.${this.stream.name}.${this.name}.${rnd}`;
    this.fcsz = this.pbytes;
    this.fcid = reply;
    this.sendStatus(this.cfg.deliver_subject, 'NATS/1.0 100 FlowControl Request\r\n\r\n', reply);
  }

  private processFlowControl(subject: string): void {
    if (this.closed || subject !== this.fcid) return;
    if (this.maxpb < this.pblimit) this.maxpb = Math.min(this.maxpb * 2, this.pblimit);
    this.pbytes = Math.max(0, this.pbytes - this.fcsz);
    this.fcid = '';
    this.fcsz = 0;
    this.kick();
  }

  // ---------------------------------------------------------------- num_pending

  /** The cached count of messages still to deliver (numPending). */
  numPending(): number {
    if (this.npcm === 0) this.streamNumPending();
    return this.npc < 0 ? 0 : this.npc;
  }

  /** Counts num_pending from the store (streamNumPending). */
  streamNumPending(): number {
    const store = this.stream.store;
    if (this.stream.closed) {
      this.npc = 0;
      this.npcm = 0;
    } else if (this.cfg.deliver_policy === 'last_per_subject') {
      this.npc = 0;
      this.npcm = 0;
      for (const ss of store.subjectsState(this.cfg.filter_subject).values()) {
        if (this.sseq <= ss.last) {
          this.npc++;
          if (ss.last > this.npcm) this.npcm = ss.last;
        }
      }
    } else {
      const ss = store.filteredState(this.sseq, this.cfg.filter_subject);
      this.npc = ss.msgs;
      this.npcm = ss.last;
    }
    return this.npc;
  }

  // ---------------------------------------------------------------- pull requests

  /** processNextMsgRequest: checks, statuses, then the request waits for messages. */
  processNextMsgRequest(reply: string, body: string): void {
    if (this.closed || reply === '') return;
    const sendErr = (status: number, description: string) => this.sendStatus(reply, `NATS/1.0 ${status} ${description}\r\n\r\n`);
    if (this.isPushMode() || this.waiting === null) return sendErr(409, 'Consumer is push based');
    const r = parseNextRequest(body);
    if ('error' in r) return sendErr(400, `Bad Request - ${r.error}`);
    const now = monoMs();
    const c = this.cfg;
    if (c.max_batch > 0 && r.batch > c.max_batch) return sendErr(409, `Exceeded MaxRequestBatch of ${c.max_batch}`);
    const expires = r.expiresNs !== 0 ? now + r.expiresNs / 1e6 : 0;
    if (r.expiresNs !== 0 && c.max_expires > 0 && r.expiresNs > c.max_expires) {
      return sendErr(409, `Exceeded MaxRequestExpires of ${formatGoDurationNs(BigInt(c.max_expires))}`);
    }
    if (r.maxBytes > 0 && c.max_bytes > 0 && r.maxBytes > c.max_bytes) return sendErr(409, `Exceeded MaxRequestMaxBytes of ${c.max_bytes}`);
    const wq = this.waiting;
    if (wq.isFull()) this.processWaiting(false);
    if (r.noWait) {
      const msgsPending = this.numPending() + this.rdq.length;
      if (msgsPending === 0 && expires === 0) {
        wq.last = now;
        return sendErr(404, 'No Messages');
      }
      if (msgsPending > 0) {
        const { brp } = this.processWaiting(false);
        if (msgsPending < brp) {
          wq.last = now;
          return sendErr(408, 'Requests Pending');
        }
      }
    }
    const hb = r.heartbeatNs / 1e6;
    const wr: WaitingRequest = {
      interest: reply, reply, n: r.batch, d: 0, b: r.maxBytes, expires, received: now,
      hb, hbt: hb > 0 ? now + hb : 0, noWait: r.noWait,
    };
    // A negative expires is already past: the next check answers 408.
    if (r.expiresNs < 0) wr.expires = now - 1;
    if (!wq.add(wr)) return sendErr(409, 'Exceeded MaxWaiting');
    this.kick();
  }

  private hasInterest(subject: string): boolean {
    const r = this.acc.sl.match(subject);
    return r.psubs.length + r.qsubs.length > 0;
  }

  /** The waiting request that takes a message of `sz` bytes (nextWaiting). */
  private nextWaiting(sz: number): WaitingRequest | null {
    const wq = this.waiting;
    if (wq === null) return null;
    while (!wq.isEmpty()) {
      const wr = wq.peek()!;
      if (wr.b > 0) {
        if (sz <= wr.b) {
          wr.b -= sz;
          // Exactly used up: deliver this one and stop after it.
          if (wr.b === 0) wr.n = 1;
        } else {
          this.sendStatus(wr.reply, `NATS/1.0 409 Message Size Exceeds MaxBytes\r\nNats-Pending-Messages: ${wr.n}\r\nNats-Pending-Bytes: ${wr.b}\r\n\r\n`);
          wq.removeCurrent();
          continue;
        }
      }
      if ((wr.expires === 0 || monoMs() < wr.expires) && this.hasInterest(wr.interest)) return wq.pop()!;
      wq.removeCurrent();
    }
    return null;
  }

  /**
   * Expires requests (408), drops those nobody listens for, sends their heartbeats (processWaiting).
   * `eos`: the loop ran out of messages, so a no_wait request that got some is done.
   */
  processWaiting(eos: boolean): { brp: number; fexp: number } {
    const wq = this.waiting;
    if (wq === null || wq.isEmpty() || this.closed) return { brp: 0, fexp: 0 };
    const now = monoMs();
    let brp = 0;
    let fexp = 0;
    const keep: WaitingRequest[] = [];
    for (const wr of wq.reqs) {
      if ((eos && wr.noWait && wr.d > 0) || (wr.expires > 0 && now > wr.expires)) {
        this.sendStatus(wr.reply, `NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: ${wr.n}\r\nNats-Pending-Bytes: ${wr.b}\r\n\r\n`);
        continue;
      }
      if (!this.hasInterest(wr.interest)) continue;
      brp += wr.n;
      if (wr.hbt > 0) {
        if (now > wr.hbt) {
          this.sendIdleHeartbeat(wr.reply);
          wr.hbt = now + wr.hb;
        }
        if (fexp === 0 || wr.hbt < fexp) fexp = wr.hbt;
      }
      if (wr.expires > 0 && (fexp === 0 || wr.expires < fexp)) fexp = wr.expires;
      keep.push(wr);
    }
    wq.reqs = keep;
    return { brp, fexp };
  }

  /** 409 Consumer Deleted to every waiting request (releaseAnyPendingRequests). */
  private releaseAnyPendingRequests(): void {
    const wq = this.waiting;
    if (wq === null) return;
    for (const wr of wq.reqs) this.sendStatus(wr.reply, 'NATS/1.0 409 Consumer Deleted\r\n\r\n');
    wq.reqs = [];
  }

  // ---------------------------------------------------------------- acks

  /** A message on the ack subject (processAck). */
  private processAck(subject: string, reply: string, buf: Buffer, s: number, e: number): void {
    if (this.closed) return;
    // `$JS.ACK.<stream>.<consumer>.` is this consumer's prefix; then dc, sseq, dseq (ackReplyInfo).
    const n = subject.length;
    let i = this.ackPrefixLen;
    let j = i < n ? subject.indexOf('.', i) : -1;
    if (j < 0) j = n;
    const dc = ackNum(subject, i, j);
    i = j + 1;
    j = i < n ? subject.indexOf('.', i) : -1;
    if (j < 0) j = n;
    const sseq = ackNum(subject, i, j);
    i = j + 1;
    j = i < n ? subject.indexOf('.', i) : -1;
    if (j < 0) j = n;
    const dseq = ackNum(subject, i, j);
    let skipAckReply = sseq === 0;
    // Garbage tokens (Go reads them as 2^64-1): nothing to act on, the ack is still answered.
    const valid = sseq >= 0 && dseq >= 0 && dc >= 0;
    const plain = e === s || isPlusAck(buf, s, e);
    const text = plain ? '' : buf.toString('latin1', s, e);
    if (valid) {
      if (plain || text === '+OK') this.processAckMsg(sseq, dseq, dc, true);
      else if (text.startsWith('+NXT')) {
        this.processAckMsg(sseq, dseq, dc, true);
        this.processNextMsgRequest(reply, text.slice(4));
        skipAckReply = true;
      } else if (text.startsWith('-NAK')) this.processNak(sseq, dseq, dc, text);
      else if (text === '+WPI') this.progressUpdate(sseq);
      else if (text === '+TERM') this.processTerm(sseq, dseq, dc);
    } else if (text.startsWith('+NXT')) skipAckReply = true;
    if (reply !== '' && !skipAckReply) this.sendStatusless(reply);
    if (this.cfg.inactive_threshold > 0) this.suppressDeletion();
  }

  /** An empty message (the answer to an ack sent as a request). */
  private sendStatusless(reply: string): void {
    this.acc.deliverLocal(null, reply, '', EMPTY, 0, 0, -1, null, null, true);
  }

  /** Ack activity postpones the inactivity delete (suppressDeletion). */
  private suppressDeletion(): void {
    if (this.closed) return;
    if (this.isPushMode() && this.dtmr !== null && this.dthresh > 0) this.dtmr.reset(this.dthresh);
    else if (this.isPullMode() && this.waiting !== null) this.waiting.last = monoMs();
  }

  /** processAckMsg. */
  processAckMsg(sseq: number, dseq: number, dc: number, doSample: boolean): void {
    let sagap = 0;
    let needSignal = false;
    const floorBefore = this.asflr;
    switch (this.cfg.ack_policy) {
      case 'explicit': {
        const p = this.pending.get(sseq);
        let known = false;
        if (p !== undefined) {
          known = true;
          if (doSample) this.sampleAck(sseq, dseq, dc);
          if (this.maxp > 0 && this.pending.size >= this.maxp) needSignal = true;
          this.pending.delete(sseq);
          dseq = p.sequence;
        }
        if (this.pending.size === 0) {
          this.adflr = this.dseq - 1;
          this.asflr = this.sseq - 1;
        } else if (dseq === this.adflr + 1 && (known || (sseq < this.sseq && dseq < this.dseq))) {
          this.adflr = dseq;
          this.asflr = sseq;
          for (let ss = sseq + 1; ss < this.sseq; ss++) {
            const q = this.pending.get(ss);
            if (q !== undefined) {
              if (q.sequence > 0) {
                this.adflr = q.sequence - 1;
                this.asflr = ss - 1;
              }
              break;
            }
          }
        }
        this.rdc.delete(sseq);
        this.removeFromRedeliverQueue(sseq);
        break;
      }
      case 'all': {
        if (dseq <= this.adflr || sseq <= this.asflr) return;
        // Beyond what was delivered: nothing to ack (the reference would move its floor past it).
        if (sseq >= this.sseq || dseq >= this.dseq) return;
        if (this.maxp > 0 && this.pending.size >= this.maxp) needSignal = true;
        sagap = sseq - this.asflr;
        this.adflr = dseq;
        this.asflr = sseq;
        if (sagap > this.pending.size) {
          for (const k of [...this.pending.keys()]) if (k <= sseq && k > sseq - sagap) this.dropPending(k);
          for (const k of [...this.rdc.keys()]) if (k <= sseq && k > sseq - sagap) this.rdc.delete(k);
        } else for (let s = sseq; s > sseq - sagap; s--) this.dropPending(s);
        break;
      }
      default:
        return;
    }
    this.updateAcks(dseq, sseq);
    if (this.stream.cfg.retention !== 'limits') {
      if (sagap > 1) {
        const st = this.stream.store.fastState();
        const from = Math.max(floorBefore + 1, st.firstSeq);
        const to = Math.min(sseq, st.lastSeq);
        for (let s = to; s >= from; s--) this.stream.ackMsg(this, s);
      } else this.stream.ackMsg(this, sseq);
    }
    if (needSignal) this.kick();
  }

  private dropPending(seq: number): void {
    this.pending.delete(seq);
    this.rdc.delete(seq);
    this.removeFromRedeliverQueue(seq);
  }

  private sampleAck(sseq: number, dseq: number, dc: number): void {
    const f = this.sfreq;
    if (f <= 0) return;
    if (f < 100 && Math.floor(Math.random() * 100) > f) return;
    const p = this.pending.get(sseq);
    const delay = p !== undefined ? nowNs() - p.timestamp : 0;
    this.advise('METRIC.CONSUMER.ACK', 'metric.v1.consumer_ack', () => ({ consumer_seq: dseq, stream_seq: sseq, ack_time: Math.round(delay), deliveries: dc }));
  }

  /** -NAK, -NAK <duration>, -NAK {"delay": ns} (processNak). */
  private processNak(sseq: number, dseq: number, dc: number, nak: string): void {
    if (dseq <= this.adflr || dseq > this.dseq) return;
    if (this.pending.size > 0 && !this.pending.has(sseq)) return;
    this.advise('ADVISORY.CONSUMER.MSG_NAKED', 'advisory.v1.nak', () => ({ consumer_seq: dseq, stream_seq: sseq, deliveries: dc }));
    const arg = nak.slice(4).trim();
    if (arg !== '') {
      let d: number | null = null;
      if (arg.charCodeAt(0) === 0x7b) {
        const r = decodeGo<{ delay?: number }>(arg, nakSpec);
        if (r.ok) d = r.value.delay ?? 0;
      } else {
        try {
          d = Number(parseGoDurationNs(arg));
        } catch {
          d = null;
        }
      }
      if (d === null) {
        this.js.log.warn(`JetStream consumer '${this.acc.name} > ${this.stream.name} > ${this.name}' bad NAK delay value: ${JSON.stringify(arg)}`);
      } else {
        this.removeFromRedeliverQueue(sseq);
        const p = this.pending.get(sseq);
        if (p !== undefined) {
          // ack_wait ago is due now: the delay counts from there.
          p.timestamp = nowNs() - this.cfg.ack_wait + d;
          this.updateDelivered(p.sequence, sseq, dc, p.timestamp);
          this.ptmr?.reset(10);
        }
        return;
      }
    }
    if (!this.rdqi.has(sseq)) this.addToRedeliverQueue(sseq);
    this.kick();
  }

  /** +TERM: acked, no redelivery, an advisory (processTerm). */
  private processTerm(sseq: number, dseq: number, dc: number): void {
    this.processAckMsg(sseq, dseq, dc, false);
    this.advise('ADVISORY.CONSUMER.MSG_TERMINATED', 'advisory.v1.terminated', () => ({ consumer_seq: dseq, stream_seq: sseq, deliveries: dc }));
  }

  /** +WPI: the ack timer starts again (progressUpdate). */
  private progressUpdate(seq: number): void {
    const p = this.pending.get(seq);
    if (p === undefined) return;
    p.timestamp = nowNs();
    this.updateDelivered(p.sequence, seq, 1, p.timestamp);
  }

  private notifyDeliveryExceeded(sseq: number, dc: number): void {
    this.advise('ADVISORY.CONSUMER.MAX_DELIVERIES', 'advisory.v1.max_deliver', () => ({ stream_seq: sseq, deliveries: dc }));
  }

  // ---------------------------------------------------------------- redelivery

  private addToRedeliverQueue(seq: number): void {
    this.rdq.push(seq);
    this.rdqi.add(seq);
  }

  private removeFromRedeliverQueue(seq: number): void {
    if (!this.rdqi.delete(seq)) return;
    const i = this.rdq.indexOf(seq);
    if (i >= 0) this.rdq.splice(i, 1);
  }

  /** The pending timer's next delay (ackWait): `next` ns, or ack_wait, plus a millisecond. */
  private ackWaitMs(nextNs: number): number {
    return (nextNs > 0 ? nextNs : this.cfg.ack_wait) / 1e6 + ACK_WAIT_DELAY_MS;
  }

  /** Redeliveries due after ack_wait or backoff (checkPending). */
  private readonly checkPending = (): void => {
    if (this.closed || this.ptmr === null) return;
    const now = nowNs();
    const ttl = this.cfg.ack_wait;
    const bo = this.cfg.backoff ?? [];
    let next = bo.length > 0 ? bo[bo.length - 1]! : this.cfg.ack_wait + ACK_WAIT_DELAY_MS * 1e6;
    const fseq = this.stream.store.fastState().firstSeq;
    let changed = false;
    const expired: number[] = [];
    for (const [seq, p] of this.pending) {
      if (seq < fseq) {
        this.pending.delete(seq);
        this.rdc.delete(seq);
        this.removeFromRedeliverQueue(seq);
        changed = true;
        continue;
      }
      const elapsed = now - p.timestamp;
      let deadline = ttl;
      if (bo.length > 0) {
        let dc = this.rdc.get(seq) ?? 0;
        let nbi = dc + 1;
        if (dc + 1 >= bo.length) {
          dc = bo.length - 1;
          nbi = dc;
        }
        deadline = bo[dc]!;
        if (bo[nbi]! < next) next = bo[nbi]!;
      }
      if (elapsed >= deadline) {
        if (!this.rdqi.has(seq)) expired.push(seq);
      } else if (deadline - elapsed < next) next = deadline - elapsed;
    }
    if (expired.length > 0) {
      expired.sort((a, b) => a - b);
      for (const s of expired) this.addToRedeliverQueue(s);
      // Increasing timestamps keep the order for later redeliveries.
      const off = now - this.pending.get(expired[0]!)!.timestamp;
      for (const s of expired) {
        const p = this.pending.get(s);
        if (p !== undefined) p.timestamp += off;
      }
      this.kick();
    }
    if (this.pending.size > 0) this.ptmr.reset(this.ackWaitMs(next));
    else {
      this.ptmr.clear();
      this.ptmr = null;
    }
    if (changed) this.writeStoreState();
  };

  /** All pending redelivered now (a new deliver subject: forceExpirePending). */
  private forceExpirePending(): void {
    const expired: number[] = [];
    for (const seq of this.pending.keys()) if (!this.rdqi.has(seq)) expired.push(seq);
    if (expired.length > 0) {
      expired.sort((a, b) => a - b);
      for (const s of expired) this.addToRedeliverQueue(s);
      const now = nowNs();
      const off = now - this.pending.get(expired[0]!)!.timestamp;
      for (const s of expired) {
        const p = this.pending.get(s);
        if (p !== undefined) p.timestamp += off;
      }
      this.ptmr?.reset(this.ackWaitMs(0));
    }
    this.kick();
  }

  // ---------------------------------------------------------------- the consumer store

  private updateDelivered(dseq: number, sseq: number, dc: number, ts: number, now = nowNs()): void {
    try {
      this.store.updateDelivered(dseq, sseq, dc, ts);
    } catch {
      /* ack none redelivery or a closed store: nothing to record */
    }
    this.ldt = now;
  }

  private updateAcks(dseq: number, sseq: number): void {
    try {
      this.store.updateAcks(dseq, sseq);
    } catch {
      /* not pending in the store (a replayed or made-up ack) */
    }
    this.lat = nowNs();
  }

  private writeStoreState(): void {
    const pending = new Map<number, PendingAck>();
    for (const [k, p] of this.pending) pending.set(k, { sequence: p.sequence, timestamp: p.timestamp });
    try {
      this.store.update({
        delivered: { consumer_seq: this.dseq - 1, stream_seq: this.sseq - 1 },
        ack_floor: { consumer_seq: this.adflr, stream_seq: this.asflr },
        pending,
        redelivered: new Map(this.rdc),
      });
    } catch {
      /* an inconsistent state is not written (the store keeps its own) */
    }
  }

  /** The state in the reference's binary encoding (snapshots). */
  encodedState(): Buffer {
    try {
      return this.store.encodedState();
    } catch {
      return Buffer.alloc(0);
    }
  }

  /** Replaces the state with one from a snapshot (setStoreState). */
  restoreState(state: ConsumerState): void {
    try {
      this.store.update(state);
    } catch (err) {
      this.js.log.warn(`JetStream consumer ${this.describe()} restore: ${(err as Error).message}`);
      return;
    }
    this.readStoredState(this.stream.store.fastState().lastSeq);
    this.streamNumPending();
    this.kick();
  }

  private describe(): string {
    return `'${this.acc.name} > ${this.stream.name} > ${this.name}'`;
  }

  /** What the store keeps for a restart: the ack policy, memory storage, the config and created time. */
  storeConfig(): ConsumerStoreConfig {
    return storeConfigFor(this.cfg, this.created);
  }

  // ---------------------------------------------------------------- push interest, inactivity

  /** Interest in the deliver subject changed (updateDeliveryInterest). */
  updateDeliveryInterest(interest: boolean): void {
    if (this.closed || this.isPullMode()) return;
    const was = this.active;
    this.active = interest;
    if (interest && !was) this.kick();
    if (this.dtmr !== null && this.dthresh > 0 && !interest) return;
    this.dtmr?.clear();
    this.dtmr = null;
    if (!interest && this.dthresh > 0) this.dtmr = new Timer(this.deleteNotActive, this.dthresh);
  }

  /** The inactivity timer fired (deleteNotActive). */
  private readonly deleteNotActive = (): void => {
    if (this.closed) return;
    if (this.isPushMode()) {
      if (this.active) return;
    } else {
      const elapsed = monoMs() - this.waiting!.last;
      if (elapsed <= this.cfg.inactive_threshold / 1e6) {
        this.dtmr?.reset(Math.max(1, this.dthresh - elapsed));
        return;
      }
      this.processWaiting(true);
      if (this.waiting!.length > 0) {
        this.dtmr?.reset(this.dthresh);
        return;
      }
    }
    this.delete();
  };

  // ---------------------------------------------------------------- update

  /** Applies an allowed update (updateConfig; the checks are done). */
  applyUpdate(cfg: ConsumerConfig): void {
    try {
      this.store.updateConfig(storeConfigFor(cfg, this.created));
    } catch {
      /* closed */
    }
    const old = this.cfg;
    if (cfg.deliver_subject !== old.deliver_subject && this.isPushMode()) {
      if (this.pending.size > 0) this.forceExpirePending();
      this.dsubj = cfg.deliver_subject;
    }
    if (cfg.max_ack_pending !== old.max_ack_pending) {
      this.maxp = cfg.max_ack_pending;
      this.kick();
    }
    if (cfg.ack_wait !== old.ack_wait) this.ptmr?.reset(100);
    if (cfg.rate_limit_bps !== old.rate_limit_bps) this.setRateLimit(cfg.rate_limit_bps);
    if (cfg.sample_freq !== old.sample_freq) this.sfreq = sampleFreq(cfg.sample_freq);
    if (cfg.max_deliver !== old.max_deliver) this.maxdc = cfg.max_deliver > 0 ? cfg.max_deliver : 0;
    if (cfg.inactive_threshold !== old.inactive_threshold) {
      this.updateInactiveThreshold(cfg);
      this.dtmr?.clear();
      this.dtmr = null;
      if (this.dthresh > 0) this.dtmr = new Timer(this.deleteNotActive, this.dthresh);
    }
    this.cfg = copyConfig(cfg);
    this.filterWC = cfg.filter_subject !== '' && hasWildcard(cfg.filter_subject);
    if (this.isPushMode() && (old.deliver_subject !== cfg.deliver_subject || old.deliver_group !== cfg.deliver_group)) {
      this.watchInterest();
      this.updateDeliveryInterest(this.acc.sl.hasExactInterest(cfg.deliver_subject, cfg.deliver_group || null));
    }
  }

  /** Does the current deliver subject have subscribers? (update check) */
  deliverHasInterest(): boolean {
    const r = this.acc.sl.match(this.cfg.deliver_subject);
    return r.psubs.length + r.qsubs.length > 0;
  }

  /** An ephemeral recovered from disk (switchToEphemeral). */
  switchToEphemeral(): void {
    this.cfg.durable_name = '';
    this.updateInactiveThreshold(this.cfg);
    if (this.isPushMode()) this.updateDeliveryInterest(this.deliverHasInterest());
    try {
      this.store.updateConfig(this.storeConfig());
    } catch {
      /* closed */
    }
  }

  // ---------------------------------------------------------------- info

  /** ConsumerInfo as CONSUMER.INFO / LIST / CREATE answer it. */
  info(): Record<string, unknown> {
    let numWaiting = 0;
    if (this.isPullMode()) {
      this.processWaiting(false);
      numWaiting = this.waiting!.length;
    }
    const numPending = this.streamNumPending();
    return {
      stream_name: this.stream.name,
      name: this.name,
      created: goTimeNs(this.created),
      config: configJSON(this.cfg),
      delivered: { consumer_seq: this.dseq - 1, stream_seq: this.sseq - 1, last_active: this.ldt ? goTimeNs(this.ldt) : undefined },
      ack_floor: { consumer_seq: this.adflr, stream_seq: this.asflr, last_active: this.lat ? goTimeNs(this.lat) : undefined },
      num_ack_pending: this.pending.size,
      num_redelivered: this.rdc.size,
      num_waiting: numWaiting,
      num_pending: numPending,
      push_bound: this.isPushMode() && this.active ? true : undefined,
    };
  }

  /** Messages still to deliver (for monitoring; a fresh count). */
  get redeliveryQueueLength(): number {
    return this.rdq.length;
  }

  // ---------------------------------------------------------------- advisories

  sendCreateAdvisory(): void {
    this.action('create');
  }

  private action(action: 'create' | 'delete'): void {
    this.advise(`ADVISORY.CONSUMER.${action === 'create' ? 'CREATED' : 'DELETED'}`, 'advisory.v1.consumer_action', () => ({ action }));
  }

  /**
   * An advisory or metric about this consumer on `$JS.EVENT.<kind>.<stream>.<consumer>`, of type
   * `io.nats.jetstream.<type>`: the type, id and timestamp, the stream and consumer, `fields`, the
   * domain (in the reference's field order). `fields` runs only when somebody listens.
   */
  private advise(kind: string, type: string, fields: () => Record<string, unknown>): void {
    this.js.publishAdvisory(this.acc, `$JS.EVENT.${kind}.${this.stream.name}.${this.name}`, () => ({
      ...this.js.typed(`io.nats.jetstream.${type}`),
      stream: this.stream.name,
      consumer: this.name,
      ...fields(),
      domain: this.js.config.domain || undefined,
    }));
  }

  // ---------------------------------------------------------------- stop and delete

  /** Deletes the consumer: advisory, waiting requests released, state removed (delete()). */
  delete(): void {
    this.stopWithFlags(true, true, false);
  }

  /** Stops without deleting its state (server shutdown). */
  stop(): void {
    this.stopWithFlags(false, false, false);
  }

  /** stopWithFlags: `fromStream` when the stream is stopping (it drops its consumers itself). */
  private stopWithFlags(dflag: boolean, advisory: boolean, fromStream: boolean): void {
    if (this.closed) return;
    if (dflag) {
      if (advisory) this.action('delete');
      if (this.isPullMode()) this.releaseAnyPendingRequests();
    }
    this.closed = true;
    this.active = false;
    for (const s of this.subs) {
      s.closed = true;
      this.acc.sl.remove(s);
    }
    this.subs = [];
    this.unwatchInterest();
    for (const t of [this.ptmr, this.dtmr, this.hbTimer, this.wtmr, this.holdTimer]) t?.clear();
    this.ptmr = this.dtmr = this.hbTimer = this.wtmr = this.holdTimer = null;
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.immediate = null;
    this.held = null;
    this.waiting = this.isPullMode() ? new WaitQueue(0, 0) : null;
    // Acks of ack-none deliveries still owed to an interest stream.
    if (!fromStream) this.flushAckq();
    this.ackq = [];
    if (!fromStream) this.stream.removeConsumer(this);
    try {
      if (dflag) this.store.delete();
      else this.store.stop();
    } catch {
      /* already gone */
    }
    this.pending = new Map();
    this.rdc = new Map();
    this.rdq = [];
    this.rdqi = new Set();
    this.onClosed(this);
  }
}

/** The store config of a consumer (its config JSON and created time travel in `config`). */
export function storeConfigFor(cfg: ConsumerConfig, created: number): ConsumerStoreConfig {
  return { ackPolicy: cfg.ack_policy, memoryStorage: cfg.mem_storage, config: { config: configJSON(cfg), created } };
}
