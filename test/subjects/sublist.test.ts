import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sublist } from '../../src/subjects/sublist.js';
import { isValidSubject, isValidLiteralSubject, subjectMatches, subjectIsSubsetMatch } from '../../src/subjects/subject.js';

interface S { subject: string; queue: string | null; id: string }
const sub = (subject: string, id: string, queue: string | null = null): S => ({ subject, queue, id });
const ids = (r: { psubs: S[]; qsubs: S[][] }) => ({
  p: r.psubs.map((s) => s.id).sort(),
  q: r.qsubs.map((g) => g.map((s) => s.id).sort()).sort(),
});

test('subject validity follows the reference rules', () => {
  for (const s of ['foo', 'foo.bar', 'foo.*', '*', '>', 'foo.>', 'foo.*.bar', 'foo*', 'f>o', '$SYS.REQ']) assert.ok(isValidSubject(s), s);
  for (const s of ['', 'foo.', '.foo', 'foo..bar', 'foo.>.bar', 'foo bar', 'foo\tbar', '>.foo']) assert.ok(!isValidSubject(s), s);
  assert.ok(isValidLiteralSubject('foo.bar'));
  assert.ok(isValidLiteralSubject('foo*.bar'));
  assert.ok(!isValidLiteralSubject('foo.*'));
  assert.ok(!isValidLiteralSubject('foo.>'));
});

test('matchLiteral and subset matching', () => {
  assert.ok(subjectMatches('foo.bar', 'foo.*'));
  assert.ok(subjectMatches('foo.bar.baz', 'foo.>'));
  assert.ok(!subjectMatches('foo', 'foo.>'));
  assert.ok(!subjectMatches('foo.bar.baz', 'foo.*'));
  assert.ok(subjectMatches('a.b.c', '*.*.*'));
  assert.ok(!subjectMatches('a.b', '*.*.*'));
  assert.ok(subjectMatches('foo.*', 'foo.*')); // a wildcard token published literally
  assert.ok(subjectIsSubsetMatch('foo.bar', 'foo.*'));
  assert.ok(subjectIsSubsetMatch('foo.*', 'foo.>'));
  assert.ok(!subjectIsSubsetMatch('foo.>', 'foo.*'));
});

test('match: literals, * and >, queue groups merged by name', () => {
  const sl = new Sublist<S>();
  for (const s of [sub('foo.bar', 'a'), sub('foo.*', 'b'), sub('foo.>', 'c'), sub('>', 'd'), sub('*.bar', 'e'), sub('foo.bar.baz', 'f'),
    sub('foo.bar', 'q1', 'workers'), sub('foo.*', 'q2', 'workers'), sub('foo.bar', 'q3', 'other')]) assert.ok(sl.insert(s));
  assert.deepEqual(ids(sl.match('foo.bar')), { p: ['a', 'b', 'c', 'd', 'e'], q: [['q1', 'q2'], ['q3']] });
  assert.deepEqual(ids(sl.match('foo.bar.baz')), { p: ['c', 'd', 'f'], q: [] });
  assert.deepEqual(ids(sl.match('foo')), { p: ['d'], q: [] });
  assert.deepEqual(ids(sl.match('foo..bar')), { p: [], q: [] });
  for (const bad of ['', '.', '.foo', 'foo.', '.foo.bar', 'foo.bar.', 'foo.bar..']) assert.deepEqual(ids(sl.match(bad)), { p: [], q: [] }, bad);
  // publishing to a wildcard subject matches the token literally
  assert.deepEqual(ids(sl.match('foo.*')), { p: ['b', 'c', 'd'], q: [['q2']] });
  assert.equal(sl.size, 9);
});

test('invalid subjects are refused', () => {
  const sl = new Sublist<S>();
  assert.ok(!sl.insert(sub('foo.>.bar', 'x')));
  assert.ok(!sl.insert(sub('a..b', 'x')));
  assert.equal(sl.size, 0);
});

test('the cache follows inserts and removes', () => {
  const sl = new Sublist<S>();
  const a = sub('foo.bar', 'a');
  sl.insert(a);
  assert.deepEqual(ids(sl.match('foo.bar')).p, ['a']);
  assert.deepEqual(ids(sl.match('foo.bar')).p, ['a']);
  assert.equal(sl.stats.cacheHits, 1);
  const w = sub('foo.*', 'w');
  sl.insert(w);
  assert.deepEqual(ids(sl.match('foo.bar')).p, ['a', 'w']);
  sl.remove(a);
  assert.deepEqual(ids(sl.match('foo.bar')).p, ['w']);
  sl.remove(w);
  assert.deepEqual(ids(sl.match('foo.bar')).p, []);
  assert.equal(sl.size, 0);
  assert.ok(!sl.remove(w));
});

test('interest changes: first subscriber in, last subscriber out, per queue', () => {
  const sl = new Sublist<S>();
  const events: string[] = [];
  sl.onInterest = (s, q, d) => events.push(`${d > 0 ? '+' : '-'}${s}${q ? ' ' + q : ''}`);
  const a = sub('foo', 'a'), b = sub('foo', 'b'), q1 = sub('foo', 'q1', 'g'), q2 = sub('foo', 'q2', 'g');
  sl.insert(a); sl.insert(b); sl.insert(q1); sl.insert(q2);
  sl.remove(a); sl.remove(q1); sl.remove(b); sl.remove(q2);
  assert.deepEqual(events, ['+foo', '+foo g', '-foo', '-foo g']);
});

test('the cache is bounded', () => {
  const sl = new Sublist<S>();
  sl.insert(sub('>', 'all'));
  for (let i = 0; i < 5000; i++) sl.match(`s.${i}`);
  assert.ok(sl.cacheSize <= 1025, `cache size ${sl.cacheSize}`);
});

test('match agrees with a brute-force matcher on random subjects', () => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const toks = ['a', 'b', 'c'];
  const subs: S[] = [];
  const sl = new Sublist<S>();
  for (let i = 0; i < 300; i++) {
    const len = 1 + rnd(4);
    const parts: string[] = [];
    for (let j = 0; j < len; j++) {
      const r = rnd(10);
      parts.push(r === 0 ? '*' : r === 1 && j === len - 1 ? '>' : toks[rnd(3)]);
    }
    const s = sub(parts.join('.'), `s${i}`, rnd(4) === 0 ? 'q' : null);
    if (sl.insert(s)) subs.push(s);
  }
  for (let i = 0; i < 300; i++) {
    const len = 1 + rnd(4);
    const subject = Array.from({ length: len }, () => toks[rnd(3)]).join('.');
    const want = subs.filter((s) => subjectMatches(subject, s.subject)).map((s) => s.id).sort();
    // Cached, from the cache, and `once` (neither looked up nor cached): the same subscriptions.
    for (const once of [false, false, true]) {
      const r = sl.match(subject, once);
      const got = [...r.psubs, ...r.qsubs.flat()].map((s) => s.id).sort();
      assert.deepEqual(got, want, subject);
    }
  }
});

test('the cache stays right through random inserts and removes of literal and wildcard subscriptions', () => {
  let seed = 99;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  // Tokens that share prefixes ("ab", "abc") so a prefix test that stops short or runs long would show.
  const toks = ['a', 'ab', 'abc', 'b'];
  const subject = () => Array.from({ length: 1 + rnd(4) }, () => toks[rnd(4)]).join('.');
  const pattern = () => {
    const len = 1 + rnd(4);
    return Array.from({ length: len }, (_, j) => { const r = rnd(6); return r === 0 ? '*' : r === 1 && j === len - 1 ? '>' : toks[rnd(4)]; }).join('.');
  };
  const sl = new Sublist<S>();
  const live: S[] = [];
  for (let step = 0; step < 4000; step++) {
    const op = rnd(10);
    if (op < 3) {
      const s = sub(pattern(), `s${step}`);
      if (sl.insert(s)) live.push(s);
    } else if (op < 5 && live.length > 0) {
      const [s] = live.splice(rnd(live.length), 1);
      assert.ok(sl.remove(s));
    } else {
      const subj = subject();
      const got = sl.match(subj).psubs.map((s) => s.id).sort();
      const want = live.filter((s) => subjectMatches(subj, s.subject)).map((s) => s.id).sort();
      assert.deepEqual(got, want, `step ${step}: ${subj}`);
    }
  }
});
