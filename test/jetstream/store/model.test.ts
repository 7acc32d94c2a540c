// Randomized runs of both stores against a model that is obviously right (a Map of messages):
// stores, removals, filtered purges, compacts, truncates, skips, per-subject and max_msgs limits,
// and every lookup (last/next by filter, filtered state, num pending, subjects state) compared
// after each step. The file store is also closed and reopened now and then (tiny blocks, so
// rotation, block removal, compaction and the delete logs all take part), cleanly (from its index
// file) or from a crash image (the files as a SIGKILL leaves them, with a stale index file).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { subjectMatches } from '../../../src/subjects/subject.js';
import type { StreamStore } from '../../../src/jetstream/store/types.js';
import type { FileStore } from '../../../src/jetstream/store/file.js';
import { KINDS, make, cleanupDirs, payload } from './helpers.js';

after(cleanupDirs);

const SUBJECTS = ['a.b', 'a.c', 'a.b.c', 'b.x.y', 'b.z.y', 'c', 'd.e.f.g'];
const FILTERS = ['>', '', 'a.*', 'a.>', '*.x.*', 'b.*.y', 'c', 'a.b', '*', 'd.>', 'zz'];

/** A tiny deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Model {
  msgs = new Map<number, { subj: string; n: number }>();
  last = 0;
  first = 0;
  maxMsgs = 0;
  maxp = 0;
  sorted(): number[] {
    return [...this.msgs.keys()].sort((x, y) => x - y);
  }
  fixFirst(): void {
    const s = this.sorted();
    this.first = s.length ? s[0] : this.last + 1;
  }
  store(subj: string, n: number): number {
    const seq = ++this.last;
    if (this.msgs.size === 0) this.first = seq;
    this.msgs.set(seq, { subj, n });
    if (this.maxp > 0) {
      const same = this.sorted().filter((q) => this.msgs.get(q)!.subj === subj);
      while (same.length > this.maxp) this.msgs.delete(same.shift()!);
    }
    if (this.maxMsgs > 0) {
      const all = this.sorted();
      while (all.length > this.maxMsgs) this.msgs.delete(all.shift()!);
    }
    this.fixFirst();
    return seq;
  }
  matches(subj: string, f: string): boolean {
    return f === '' || f === '>' || subjectMatches(subj, f);
  }
  live(from: number, f: string): number[] {
    return this.sorted().filter((q) => q >= from && this.matches(this.msgs.get(q)!.subj, f));
  }
}

function compare(s: StreamStore, m: Model, r: () => number, where: string): void {
  const st = s.state();
  const subs = new Set([...m.msgs.values()].map((x) => x.subj));
  assert.equal(st.messages, m.msgs.size, `${where} messages`);
  assert.equal(st.last_seq, m.last, `${where} last_seq`);
  if (m.msgs.size) assert.equal(st.first_seq, m.first, `${where} first_seq`);
  assert.equal(st.num_subjects ?? 0, subs.size, `${where} num_subjects`);
  for (let k = 0; k < 4; k++) {
    const f = FILTERS[Math.floor(r() * FILTERS.length)];
    const from = Math.floor(r() * (m.last + 2));
    const live = m.live(from, f);
    const wc = f.includes('*') || f.includes('>');
    assert.equal(s.loadNextMsg(f, wc, from)?.seq ?? 0, live[0] ?? 0, `${where} next ${f} from ${from}`);
    const all = m.live(0, f);
    assert.equal(s.loadLastMsg(f)?.seq ?? 0, all[all.length - 1] ?? 0, `${where} last ${f}`);
    const fs = s.filteredState(from, f);
    assert.deepEqual(fs, { msgs: live.length, first: live[0] ?? 0, last: live[live.length - 1] ?? 0 }, `${where} filteredState ${from} ${f}`);
    assert.equal(s.numPending(from, f, false).total, live.length, `${where} numPending ${from} ${f}`);
    const lastPer = new Set(live.filter((q) => all.filter((x) => m.msgs.get(x)!.subj === m.msgs.get(q)!.subj).pop() === q).map((q) => m.msgs.get(q)!.subj));
    assert.equal(s.numPending(from, f, true).total, lastPer.size, `${where} numPending last-per-subject ${from} ${f}`);
    const ss = s.subjectsState(f);
    const want = new Map<string, number>();
    for (const q of all) want.set(m.msgs.get(q)!.subj, (want.get(m.msgs.get(q)!.subj) ?? 0) + 1);
    assert.deepEqual(new Map([...ss].map(([k2, v]) => [k2, v.msgs])), want, `${where} subjectsState ${f}`);
  }
  // Payloads of a few random live messages.
  const seqs = m.sorted();
  for (let k = 0; k < 3 && seqs.length; k++) {
    const q = seqs[Math.floor(r() * seqs.length)];
    const got = s.loadMsg(q);
    assert.ok(got, `${where} load ${q}`);
    assert.equal(got.subject, m.msgs.get(q)!.subj);
    assert.deepEqual(got.msg, payload(m.msgs.get(q)!.n, 8 + (m.msgs.get(q)!.n % 40)));
  }
}

for (const kind of KINDS) {
  test(`${kind} store agrees with the model over random operations`, () => {
    let indexed = 0;
    let scanned = 0;
    for (const seed of (process.env.MODEL_SEEDS ? Array.from({ length: Number(process.env.MODEL_SEEDS) }, (_, i) => i + 1) : [1, 2, 3])) {
      const r = rng(seed * 7919 + (kind === 'file' ? 1 : 0));
      const made = make(kind, {}, { blockSize: 1024 });
      let s = made.store;
      const m = new Model();
      let n = 0;
      for (let step = 0; step < 700; step++) {
        const where = `seed ${seed} step ${step}`;
        const x = r();
        if (x < 0.55) {
          const subj = SUBJECTS[Math.floor(r() * SUBJECTS.length)];
          const i = n++;
          const seq = s.storeMsg(subj, null, payload(i, 8 + (i % 40)), null).seq;
          assert.equal(seq, m.store(subj, i), where);
        } else if (x < 0.7) {
          const q = Math.floor(r() * (m.last + 2));
          assert.equal(s.removeMsg(q), m.msgs.delete(q), `${where} remove ${q}`);
          m.fixFirst();
        } else if (x < 0.74) {
          const f = FILTERS[Math.floor(r() * FILTERS.length)];
          if (f === '' || f === '>') continue;
          const keep = r() < 0.5 ? Math.floor(r() * 3) : 0;
          const live = m.live(0, f);
          const victims = keep >= live.length ? [] : live.slice(0, live.length - keep);
          assert.equal(s.purgeEx(f, 0, keep), keep > 0 && keep >= live.length ? 0 : victims.length, `${where} purgeEx ${f} keep ${keep}`);
          for (const q of victims) m.msgs.delete(q);
          m.fixFirst();
        } else if (x < 0.76) {
          const q = m.first + Math.floor(r() * 6);
          if (q > m.last) continue;
          const gone = m.sorted().filter((v) => v < q);
          assert.equal(s.compact(q), q <= m.first ? 0 : gone.length, `${where} compact ${q}`);
          for (const v of gone) m.msgs.delete(v);
          m.fixFirst();
        } else if (x < 0.775) {
          const seqs = m.sorted();
          if (seqs.length < 3) continue;
          const q = seqs[seqs.length - 1 - Math.floor(r() * 3)];
          s.truncate(q);
          for (const v of seqs) if (v > q) m.msgs.delete(v);
          m.last = q;
        } else if (x < 0.79) {
          const k = 1 + Math.floor(r() * 3);
          s.skipMsgs(m.last + 1, k);
          m.last += k;
          if (m.msgs.size === 0) m.first = m.last + 1;
        } else if (x < 0.8) {
          m.maxp = [0, 2, 3][Math.floor(r() * 3)];
          m.maxMsgs = [0, 25, 60][Math.floor(r() * 3)];
          // Only limits that are set from the start or raised/lowered from positive values apply to
          // existing messages the same way in both (see base.ts enforceLimits): keep it simple.
          s.updateConfig({ maxMsgsPerSubject: m.maxp, maxMsgs: m.maxMsgs });
          if (m.maxp > 0) {
            const per = new Map<string, number[]>();
            for (const q of m.sorted()) per.set(m.msgs.get(q)!.subj, [...(per.get(m.msgs.get(q)!.subj) ?? []), q]);
            // The store only enforces a lowered positive per-subject limit on existing subjects; rebuild the model from it.
            for (const [subj, qs] of per) {
              const have = s.subjectsState(subj).get(subj)?.msgs ?? 0;
              while (qs.length > have) m.msgs.delete(qs.shift()!);
            }
          }
          if (m.maxMsgs > 0) {
            const all = m.sorted();
            while (all.length > m.maxMsgs) m.msgs.delete(all.shift()!);
          }
          m.fixFirst();
        } else if (kind === 'file' && x < 0.83) {
          // A clean restart (the index file), or what a SIGKILL leaves (the index of the last clean
          // stop, stale: changed blocks scanned, later delete entries applied).
          const lim = { maxMsgsPerSubject: m.maxp, maxMsgs: m.maxMsgs };
          s = x < 0.815 ? made.reopen(lim) : made.crash(lim);
          const rec = (s as FileStore).recovered;
          indexed += rec.indexed;
          scanned += rec.scanned;
          // Recovery applies the per-subject limit to every subject.
          if (m.maxp > 0) {
            const per = new Map<string, number[]>();
            for (const q of m.sorted()) per.set(m.msgs.get(q)!.subj, [...(per.get(m.msgs.get(q)!.subj) ?? []), q]);
            for (const qs of per.values()) while (qs.length > m.maxp) m.msgs.delete(qs.shift()!);
            m.fixFirst();
          }
        }
        compare(s, m, r, where);
      }
      s.stop();
    }
    if (kind === 'file') assert.ok(indexed > 0 && scanned > 0, `reopens took ${indexed} blocks from the index file and scanned ${scanned}`);
  });
}
