// What both stores share, part 2 (part 1 is core.ts): the lookups (by sequence, last and next by
// subject filter, by time), the state views (STREAM.INFO state, filtered and per-subject state,
// num pending) and the filtered purge, all over the primitives of the store's message index.
import { hasWildcard, subjectMatches } from '../../subjects/subject.js';
import { StoreCore, EPOCH_TS, checkSeq, type SubjState } from './core.js';
import { ErrInvalidSequence, ErrPurgeArgMismatch } from './errors.js';
import { goTimeNs } from './time.js';
import { RawMsg, type FastState, type NumPending, type SimpleState, type StateOptions, type StoreMsg, type StreamStateJSON, type StreamStore } from './types.js';

export { SubjState, EPOCH_TS, normalizeLimits, type Limits } from './core.js';

const isAll = (f: string) => f === '' || f === '>';
const EMPTY = Buffer.alloc(0);

export abstract class StoreBase extends StoreCore implements StreamStore {
  private epoch = 0;
  private readonly scratch = new RawMsg();

  // ---- loading ----

  loadMsg(seq: number): StoreMsg | null {
    return this.loadRaw(seq, this.scratch) ? this.toStoreMsg() : null;
  }

  loadRaw(seq: number, into: RawMsg): boolean {
    this.checkOpen();
    checkSeq(seq);
    if (seq < this.firstSeq || seq > this.lastSeq || !this._has(seq)) return false;
    return this._readRaw(seq, into);
  }

  /** The message in `scratch` as a StoreMsg (views on its bytes). */
  private toStoreMsg(): StoreMsg {
    const r = this.scratch;
    const m = r.s + r.hdr;
    const sm = { subject: r.subject, hdr: r.hdr > 0 ? r.buf.subarray(r.s, m) : null, msg: r.buf.subarray(m, r.e), seq: r.seq, ts: r.ts };
    r.buf = EMPTY;
    return sm;
  }

  private _read(seq: number): StoreMsg | null {
    return this._readRaw(seq, this.scratch) ? this.toStoreMsg() : null;
  }

  loadLastMsg(subject: string): StoreMsg | null {
    this.checkOpen();
    if (this.msgs === 0) return null;
    let seq = 0;
    if (isAll(subject)) seq = this._prevLive(this.lastSeq + 1, this.firstSeq);
    else if (!hasWildcard(subject)) seq = this.subjects.get(subject)?.last ?? 0;
    else if (this.subjects.size <= 256 || this.subjects.size <= this.msgs) {
      for (const ss of this.subjects.values()) if (ss.last > seq && subjectMatches(ss.subj, subject)) seq = ss.last;
    } else {
      const m = this.matcher(subject);
      for (let s = this._prevLive(this.lastSeq + 1, this.firstSeq); s; s = this._prevLive(s, this.firstSeq)) {
        if (m(this._subj(s))) {
          seq = s;
          break;
        }
      }
    }
    return seq ? this._read(seq) : null;
  }

  loadNextMsg(filter: string, wildcard: boolean, start: number): StoreMsg | null {
    return this.loadNextRaw(filter, wildcard, start, this.scratch) ? this.toStoreMsg() : null;
  }

  loadNextRaw(filter: string, wildcard: boolean, start: number, into: RawMsg): boolean {
    this.checkOpen();
    checkSeq(start);
    const seq = this.nextMatch(filter, wildcard && hasWildcard(filter), start);
    return seq ? this._readRaw(seq, into) : false;
  }

  /** The first live sequence >= start whose subject matches filter, or 0. */
  protected nextMatch(filter: string, wc: boolean, start: number): number {
    if (start < this.firstSeq) start = this.firstSeq;
    if (start > this.lastSeq || this.msgs === 0) return 0;
    if (isAll(filter)) return this._has(start) ? start : this._nextLive(start - 1, this.lastSeq);
    if (!wc) {
      const ss = this.subjects.get(filter);
      if (!ss || start > ss.last) return 0;
      if (start <= ss.first) return ss.first;
      // A consumer asks for the one after what it delivered: follow that message's link.
      if (start > 1 && this._has(start - 1) && this._subj(start - 1) === ss) return this._next(start - 1);
      if (ss.msgs <= 256) {
        let s = ss.last;
        for (let p = this._prev(s); p >= start; p = this._prev(s)) s = p;
        return s;
      }
      let found = 0;
      this._forEachLive(start, ss.last, (seq, x) => {
        if (x === ss) {
          found = seq;
          return false;
        }
      });
      return found;
    }
    // Wildcard. A consumer walking the stream usually finds the next match within a few messages.
    const m = this.matcher(filter);
    let found = 0;
    let steps = 0;
    let seen = start - 1;
    this._forEachLive(start, this.lastSeq, (seq, ss) => {
      seen = seq;
      if (m(ss)) {
        found = seq;
        return false;
      }
      return ++steps < 32;
    });
    if (found || steps < 32) return found;
    start = seen + 1;
    // Otherwise bound the scan by the matching subjects' first/last when there are few subjects.
    let lo = start;
    let hi = this.lastSeq;
    if (this.subjects.size <= 256 || 2 * this.subjects.size < this.lastSeq - start) {
      let f = 0;
      let l = 0;
      for (const ss of this.subjects.values()) {
        if (ss.last < start || !subjectMatches(ss.subj, filter)) continue;
        const from = ss.first >= start ? ss.first : start;
        if (f === 0 || from < f) f = from;
        if (ss.last > l) l = ss.last;
      }
      if (l === 0) return 0;
      lo = Math.max(f, start);
      hi = l;
    }
    this._forEachLive(lo, hi, (seq, ss) => {
      if (m(ss)) {
        found = seq;
        return false;
      }
    });
    return found;
  }

  getSeqFromTime(ts: number): number {
    this.checkOpen();
    if (!Number.isFinite(ts)) throw ErrInvalidSequence();
    if (this.msgs === 0) return this.lastSeq + 1;
    if (ts <= this.firstTs) return this.firstSeq;
    let found = 0;
    this._forEachLive(this.firstSeq, this.lastSeq, (seq) => {
      if (this._ts(seq) >= ts) {
        found = seq;
        return false;
      }
    });
    return found || this.lastSeq + 1;
  }

  purgeEx(subject: string, seq: number, keep: number): number {
    this.checkOpen();
    checkSeq(seq, keep);
    if (seq > 1 && keep > 0) throw ErrPurgeArgMismatch();
    if (isAll(subject)) {
      if (keep === 0 && (seq === 0 || seq === 1)) return this.purge();
      if (seq > 1) return this.compact(seq);
      if (keep > 0) {
        if (keep >= this.msgs) return 0;
        // As the reference: the newest `keep` sequences, not the newest `keep` messages.
        return this.compact(this.lastSeq - keep + 1);
      }
      return 0;
    }
    this.writeNow();
    const fs = this.filteredState(1, subject);
    if (fs.msgs === 0) return 0;
    let max = 0;
    if (keep > 0) {
      if (keep >= fs.msgs) return 0;
      max = fs.msgs - keep;
    }
    const last = seq > 1 ? Math.min(seq - 1, fs.last) : fs.last;
    const victims: number[] = [];
    if (!hasWildcard(subject)) {
      for (let s = fs.first; s && s <= last; s = this._next(s)) {
        victims.push(s);
        if (max && victims.length >= max) break;
      }
    } else {
      const m = this.matcher(subject);
      this._forEachLive(fs.first, last, (s, ss) => {
        if (m(ss)) victims.push(s);
        return !(max && victims.length >= max);
      });
    }
    let bytes = 0;
    for (const s of victims) {
      bytes += this._size(s);
      this.removeOne(s, false, false);
    }
    this.writeNow();
    if (victims.length) this.notify(-victims.length, -bytes, 0, '');
    return victims.length;
  }

  // ---- state ----

  fastState(): FastState {
    return {
      msgs: this.msgs,
      bytes: this.bytes,
      firstSeq: this.firstSeq,
      firstTs: Math.max(0, this.firstTs),
      lastSeq: this.lastSeq,
      lastTs: this.lastTs,
      numSubjects: this.subjects.size,
      numDeleted: this.lastSeq > this.firstSeq ? this.lastSeq - this.firstSeq + 1 - this.msgs : 0,
      consumers: this.consumers.size,
    };
  }

  state(opts: StateOptions = {}): StreamStateJSON {
    const f = this.fastState();
    // Key order and omitempty as the reference's StreamState JSON.
    const st = {
      messages: f.msgs,
      bytes: f.bytes,
      first_seq: f.firstSeq,
      first_ts: this.firstTsJSON(),
      last_seq: f.lastSeq,
      last_ts: goTimeNs(f.lastTs),
    } as StreamStateJSON;
    if (f.numSubjects > 0) st.num_subjects = f.numSubjects;
    if (opts.subjectsFilter) {
      const m = this.subjectsState(opts.subjectsFilter);
      if (m.size) {
        const subjects: Record<string, number> = {};
        for (const k of [...m.keys()].sort()) subjects[k] = m.get(k)!.msgs;
        st.subjects = subjects;
      }
    }
    if (f.numDeleted > 0) {
      st.num_deleted = f.numDeleted;
      if (opts.deletedDetails) st.deleted = this.deletedList();
    }
    if (this.lost) st.lost = { msgs: this.lost.msgs ? [...this.lost.msgs] : null, bytes: this.lost.bytes };
    st.consumer_count = f.consumers;
    return st;
  }

  protected firstTsJSON(): string {
    return this.firstTs === EPOCH_TS ? '1970-01-01T00:00:00Z' : goTimeNs(this.firstTs);
  }

  /** The interior sequences with no message, in order. */
  private deletedList(): number[] {
    const out: number[] = [];
    let expect = this.firstSeq;
    this._forEachLive(this.firstSeq, this.lastSeq, (seq) => {
      for (let s = expect; s < seq; s++) out.push(s);
      expect = seq + 1;
    });
    for (let s = expect; s <= this.lastSeq; s++) out.push(s);
    return out;
  }

  filteredState(sseq: number, subject: string): SimpleState {
    this.checkOpen();
    checkSeq(sseq);
    if (sseq < this.firstSeq) sseq = this.firstSeq;
    const none = { msgs: 0, first: 0, last: 0 };
    if (sseq > this.lastSeq || this.msgs === 0) return none;
    if (isAll(subject)) {
      const first = this._has(sseq) ? sseq : this._nextLive(sseq - 1, this.lastSeq);
      if (!first) return none;
      const last = this._prevLive(this.lastSeq + 1, first);
      return { msgs: this.msgs - this.liveBelow(first), first, last };
    }
    if (!hasWildcard(subject)) {
      const ss = this.subjects.get(subject);
      return ss ? this.subjFrom(ss, sseq) : none;
    }
    const r = { msgs: 0, first: 0, last: 0 };
    if (this.subjects.size <= 256 || this.subjects.size < this.lastSeq - sseq) {
      for (const ss of this.subjects.values()) {
        if (ss.last < sseq || !subjectMatches(ss.subj, subject)) continue;
        const x = this.subjFrom(ss, sseq);
        r.msgs += x.msgs;
        if (x.first && (r.first === 0 || x.first < r.first)) r.first = x.first;
        if (x.last > r.last) r.last = x.last;
      }
      return r;
    }
    const m = this.matcher(subject);
    this._forEachLive(sseq, this.lastSeq, (seq, ss) => {
      if (!m(ss)) return;
      if (!r.first) r.first = seq;
      r.last = seq;
      r.msgs++;
    });
    return r;
  }

  /** Live messages below seq (seq itself live or past the end). */
  protected liveBelow(seq: number): number {
    if (seq <= this.firstSeq) return 0;
    let n = 0;
    if (seq - this.firstSeq <= this.lastSeq - seq) {
      this._forEachLive(this.firstSeq, seq - 1, () => {
        n++;
      });
      return n;
    }
    this._forEachLive(seq, this.lastSeq, () => {
      n++;
    });
    return this.msgs - n;
  }

  /** One subject's messages at or after sseq, walking its links from the nearer end. */
  private subjFrom(ss: SubjState, sseq: number): SimpleState {
    if (sseq <= ss.first) return { msgs: ss.msgs, first: ss.first, last: ss.last };
    if (sseq > ss.last) return { msgs: 0, first: 0, last: 0 };
    if (sseq - ss.first < ss.last - sseq) {
      let skipped = 0;
      let s = ss.first;
      while (s && s < sseq) {
        skipped++;
        s = this._next(s);
      }
      return { msgs: ss.msgs - skipped, first: s, last: ss.last };
    }
    let n = 0;
    let s = ss.last;
    let first = s;
    while (s && s >= sseq) {
      n++;
      first = s;
      s = this._prev(s);
    }
    return { msgs: n, first, last: ss.last };
  }

  subjectsState(filter: string): Map<string, SimpleState> {
    this.checkOpen();
    const out = new Map<string, SimpleState>();
    if (!isAll(filter) && !hasWildcard(filter)) {
      const ss = this.subjects.get(filter);
      if (ss) out.set(ss.subj, { msgs: ss.msgs, first: ss.first, last: ss.last });
      return out;
    }
    const all = isAll(filter);
    for (const ss of this.subjects.values()) {
      if (all || subjectMatches(ss.subj, filter)) out.set(ss.subj, { msgs: ss.msgs, first: ss.first, last: ss.last });
    }
    return out;
  }

  numPending(sseq: number, filter: string, lastPerSubject: boolean): NumPending {
    this.checkOpen();
    checkSeq(sseq);
    if (!lastPerSubject) return { total: this.filteredState(sseq, filter).msgs, validThrough: this.lastSeq };
    let total = 0;
    if (!isAll(filter) && !hasWildcard(filter)) {
      const ss = this.subjects.get(filter);
      if (ss && ss.last >= sseq) total = 1;
    } else {
      const all = isAll(filter);
      for (const ss of this.subjects.values()) if (ss.last >= sseq && (all || subjectMatches(ss.subj, filter))) total++;
    }
    return { total, validThrough: this.lastSeq };
  }

  /** A subject test for one query, memoized on the SubjState (no allocation per message). */
  protected matcher(filter: string): (ss: SubjState | null) => boolean {
    const epoch = ++this.epoch;
    return (ss) => {
      if (!ss) return false;
      if (ss.mEpoch !== epoch) {
        ss.mEpoch = epoch;
        ss.mVal = subjectMatches(ss.subj, filter);
      }
      return ss.mVal;
    };
  }
}
