// The store contract, run against both stores (as nats-server's store tests run on memstore and
// filestore): storing and loading, subject lookups, deletes, purges, compact, truncate, limits with
// discard old/new, max_age, skips, the ack (done) plumbing and the storage update callback.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { StoreError } from '../../../src/jetstream/store/errors.js';
import { KINDS, make, cleanupDirs, put, putMany, payload, buf, HDR, tick } from './helpers.js';

after(cleanupDirs);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StoreError, `not a StoreError: ${e}`);
    return e.code;
  }
  return 'no error';
}

for (const kind of KINDS) {
  describe(`${kind} store`, () => {
    test('store and load: sequences, headers, payloads, missing ones', () => {
      const { store: s } = make(kind);
      assert.equal(s.loadMsg(1), null);
      const a = s.storeMsg('foo', null, buf('hello'), null);
      const b = s.storeMsg('bar', HDR, buf('world'), null);
      const c = s.storeMsg('foo', null, Buffer.alloc(0), null);
      assert.deepEqual([a.seq, b.seq, c.seq], [1, 2, 3]);
      assert.ok(a.ts > 1.6e18 && b.ts >= a.ts, 'ns timestamps');
      const m = s.loadMsg(2)!;
      assert.equal(m.subject, 'bar');
      assert.deepEqual(m.hdr, HDR);
      assert.equal(m.msg.toString(), 'world');
      assert.equal(m.ts, b.ts);
      assert.equal(s.loadMsg(1)!.hdr, null);
      assert.equal(s.loadMsg(3)!.msg.length, 0);
      assert.equal(s.loadMsg(4), null);
      assert.equal(s.loadMsg(0), null);
      const st = s.state();
      assert.equal(st.messages, 3);
      assert.equal(st.first_seq, 1);
      assert.equal(st.last_seq, 3);
      assert.equal(st.num_subjects, 2);
      s.stop();
    });

    test('the caller may reuse its buffers after storeMsg', () => {
      const { store: s } = make(kind);
      const data = buf('abcdef');
      s.storeMsg('x', null, data, null);
      data.fill(0);
      assert.equal(s.loadMsg(1)!.msg.toString(), 'abcdef');
      s.stop();
    });

    test('done callbacks run from flush, never inside storeMsg, in order, once', async () => {
      const { store: s } = make(kind);
      const seen: number[] = [];
      let inside = true;
      for (let i = 0; i < 5; i++) {
        s.storeMsg('a', null, payload(i), (err, seq) => {
          assert.equal(err, null);
          assert.equal(inside, false, 'called synchronously from storeMsg');
          seen.push(seq);
        });
      }
      inside = false;
      assert.equal(seen.length, 0);
      s.flush();
      assert.deepEqual(seen, [1, 2, 3, 4, 5]);
      s.flush();
      assert.deepEqual(seen, [1, 2, 3, 4, 5]);
      // Without an explicit flush the store's own microtask acknowledges.
      s.storeMsg('a', null, payload(9), (_e, seq) => seen.push(seq));
      await tick();
      assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
      s.stop();
    });

    test('last by subject: literal, wildcards, all', () => {
      const { store: s } = make(kind);
      put(s, 'a.b.c', '1');
      put(s, 'a.x.c', '2');
      put(s, 'a.b.d', '3');
      put(s, 'z', '4');
      put(s, 'a.b.c', '5');
      assert.equal(s.loadLastMsg('a.b.c')!.seq, 5);
      assert.equal(s.loadLastMsg('a.*.c')!.seq, 5);
      assert.equal(s.loadLastMsg('a.x.*')!.seq, 2);
      assert.equal(s.loadLastMsg('a.>')!.seq, 5);
      assert.equal(s.loadLastMsg('*.b.d')!.seq, 3);
      assert.equal(s.loadLastMsg('>')!.seq, 5);
      assert.equal(s.loadLastMsg('')!.seq, 5);
      assert.equal(s.loadLastMsg('nope'), null);
      assert.equal(s.loadLastMsg('q.*'), null);
      s.removeMsg(5);
      assert.equal(s.loadLastMsg('a.b.c')!.seq, 1);
      assert.equal(s.loadLastMsg('>')!.seq, 4);
      s.stop();
    });

    test('next by filter: literal, wildcard, all, gaps, past the end', () => {
      const { store: s } = make(kind);
      for (let i = 1; i <= 30; i++) put(s, i % 3 === 0 ? 'three' : i % 2 ? `odd.${i}` : 'even', String(i));
      assert.equal(s.loadNextMsg('three', false, 1)!.seq, 3);
      assert.equal(s.loadNextMsg('three', false, 4)!.seq, 6);
      assert.equal(s.loadNextMsg('three', false, 6)!.seq, 6);
      assert.equal(s.loadNextMsg('odd.*', true, 8)!.seq, 11);
      assert.equal(s.loadNextMsg('odd.>', true, 26)!.seq, 29);
      assert.equal(s.loadNextMsg('>', true, 17)!.seq, 17);
      assert.equal(s.loadNextMsg('', false, 0)!.seq, 1);
      assert.equal(s.loadNextMsg('three', false, 31), null);
      assert.equal(s.loadNextMsg('none', false, 1), null);
      assert.equal(s.loadNextMsg('odd.*', true, 30), null);
      for (const q of [6, 9, 12]) s.removeMsg(q);
      assert.equal(s.loadNextMsg('three', false, 4)!.seq, 15);
      assert.equal(s.loadNextMsg('>', true, 12)!.seq, 13);
      // Walking a subject one message at a time (what a consumer does).
      const got: number[] = [];
      for (let m = s.loadNextMsg('even', false, 1); m; m = s.loadNextMsg('even', false, m.seq + 1)) got.push(m.seq);
      assert.deepEqual(got, [2, 4, 8, 10, 14, 16, 20, 22, 26, 28]);
      s.stop();
    });

    test('remove and erase: state, interior and first deletes, erase overwrites', () => {
      const { store: s } = make(kind);
      putMany(s, ['a', 'b'], 10);
      assert.equal(s.removeMsg(4), true);
      assert.equal(s.removeMsg(4), false);
      assert.equal(s.removeMsg(99), false);
      assert.equal(s.removeMsg(1), true);
      assert.equal(s.state().first_seq, 2);
      const before = s.loadMsg(7)!;
      assert.equal(s.eraseMsg(7), true);
      assert.equal(s.loadMsg(7), null);
      if (kind === 'memory') assert.notDeepEqual(before.msg, payload(6), 'erase overwrote the stored bytes');
      const st = s.state({ deletedDetails: true });
      assert.equal(st.messages, 7);
      assert.equal(st.num_deleted, 2);
      assert.deepEqual(st.deleted, [4, 7]);
      assert.deepEqual(s.subjectsState('>').get('a'), { msgs: 3, first: 3, last: 9 });
      s.stop();
    });

    test('purge, purgeEx (filter, keep, seq), compact, truncate', () => {
      const { store: s } = make(kind);
      putMany(s, ['p.a', 'p.b', 'q'], 30);
      assert.equal(codeOf(() => s.purgeEx('', 5, 2)), 'PURGE_ARG_MISMATCH');
      assert.equal(s.purgeEx('p.a', 0, 3), 7); // p.a had 10, keep 3
      assert.deepEqual(s.filteredState(1, 'p.a'), { msgs: 3, first: 22, last: 28 });
      assert.equal(s.purgeEx('p.*', 15, 0), 5); // p.b below 15: 2,5,8,11,14
      assert.equal(s.filteredState(1, 'p.b').first, 17);
      assert.equal(s.purgeEx('q', 0, 0), 10);
      assert.equal(s.state().messages, 8);
      assert.equal(s.compact(20), 1); // 17
      assert.equal(s.state().first_seq, 20);
      assert.equal(s.compact(5), 0);
      s.truncate(26);
      assert.equal(s.state().last_seq, 26);
      assert.equal(s.state().messages, 5); // 20 22 23 25 26
      assert.deepEqual([...s.subjectsState('>').keys()].sort(), ['p.a', 'p.b']);
      assert.equal(codeOf(() => s.truncate(27)), 'INVALID_SEQUENCE');
      assert.equal(put(s, 'p.a'), 27, 'stores continue after a truncate');
      assert.equal(s.purgeEx('', 0, 2), 4); // keep the newest 2 sequences: 26 27
      assert.equal(s.purge(), 2);
      const st = s.state();
      assert.deepEqual([st.messages, st.bytes, st.first_seq, st.last_seq, st.num_subjects ?? 0], [0, 0, 28, 27, 0]);
      assert.equal(put(s, 'x'), 28);
      assert.equal(s.compact(100), 1);
      assert.deepEqual([s.state().first_seq, s.state().last_seq], [100, 99]);
      assert.equal(put(s, 'x'), 100);
      s.stop();
    });

    test('limits, discard old: max_msgs, max_bytes, per subject', () => {
      const { store: s } = make(kind, { maxMsgs: 5 });
      putMany(s, ['a', 'b'], 12);
      let st = s.state();
      assert.deepEqual([st.messages, st.first_seq, st.last_seq], [5, 8, 12]);
      s.updateConfig({ maxMsgs: 3 });
      assert.equal(s.state().first_seq, 10);
      const one = s.state().bytes / 3;
      s.updateConfig({ maxBytes: Math.floor(one * 2) });
      assert.equal(s.state().messages, 2);
      s.updateConfig({ maxMsgsPerSubject: 2 });
      s.purge();
      putMany(s, ['k.1', 'k.2', 'k.3', 'k.1'], 12);
      st = s.state({ subjectsFilter: '>' });
      assert.deepEqual(st.subjects, { 'k.1': 2, 'k.2': 2, 'k.3': 2 });
      s.updateConfig({ maxMsgsPerSubject: 1 });
      assert.deepEqual(s.state({ subjectsFilter: 'k.*' }).subjects, { 'k.1': 1, 'k.2': 1, 'k.3': 1 });
      assert.equal(s.loadLastMsg('k.1')!.seq, s.subjectsState('k.1').get('k.1')!.first);
      s.stop();
    });

    test('limits, discard new: the reference errors', () => {
      const { store: s } = make(kind, { maxMsgs: 2, discard: 'new' });
      put(s, 'a');
      put(s, 'a');
      let err: StoreError | null = null;
      try {
        put(s, 'a');
      } catch (e) {
        err = e as StoreError;
      }
      assert.ok(err);
      assert.equal(err.message, 'maximum messages exceeded');
      assert.deepEqual(err.apiError, { code: 503, err_code: 10077, description: 'maximum messages exceeded' });
      assert.equal(s.state().last_seq, 2, 'a refused message takes no sequence');
      s.updateConfig({ maxBytes: s.state().bytes + 20, discard: 'new' });
      assert.equal(codeOf(() => put(s, 'a', 'x'.repeat(30))), 'MAX_BYTES');
      s.updateConfig({ maxMsgsPerSubject: 1, discard: 'new', discardNewPerSubject: true });
      s.purge();
      put(s, 'p');
      assert.equal(codeOf(() => put(s, 'p')), 'MAX_MSGS_PER_SUBJECT');
      put(s, 'q');
      // Without discard_new_per_subject a full subject replaces its oldest message.
      s.updateConfig({ maxMsgsPerSubject: 1, discard: 'new' });
      const seq = put(s, 'p');
      assert.deepEqual(s.subjectsState('p').get('p'), { msgs: 1, first: seq, last: seq });
      s.updateConfig({ maxMsgSize: 8 });
      assert.equal(codeOf(() => put(s, 'z', '123456789')), 'MAX_MSG_SIZE');
      assert.equal(codeOf(() => s.storeMsg('z', buf('1234'), buf('12345'), null)), 'MAX_MSG_SIZE');
      put(s, 'z', '12345678');
      s.stop();
    });

    test('max_age removes expired messages when their time comes (event, no polling)', async () => {
      const { store: s } = make(kind, { maxAgeMs: 150 });
      const removed: number[] = [];
      let resolve!: () => void;
      const allGone = new Promise<void>((r) => (resolve = r));
      s.registerStorageUpdates((msgs, _b, seq) => {
        if (msgs < 0) removed.push(seq);
        if (removed.length === 3) resolve();
      });
      const t0 = Date.now();
      putMany(s, ['a'], 3);
      assert.equal(s.state().messages, 3);
      // The store's timers do not hold the process open (unref'd); this test does while it waits.
      const hold = setTimeout(() => {}, 10_000);
      await allGone;
      clearTimeout(hold);
      const took = Date.now() - t0;
      assert.ok(took >= 140, `expired after ${took} ms`);
      assert.deepEqual(removed, [1, 2, 3]);
      assert.equal(s.state().messages, 0);
      assert.equal(s.state().first_seq, 4);
      s.stop();
    });

    test('max_age of years: nothing expires at once, and stop leaves no timer', async () => {
      const { store: s } = make(kind, { maxAgeMs: 10 * 365 * 24 * 3600 * 1000 });
      put(s, 'a');
      await new Promise((r) => setTimeout(r, 30));
      await tick();
      assert.equal(s.state().messages, 1);
      s.stop();
    });

    test('skip messages', () => {
      const { store: s } = make(kind);
      assert.equal(s.skipMsg(), 1);
      let st = s.state();
      assert.deepEqual([st.first_seq, st.last_seq, st.messages], [2, 1, 0]);
      put(s, 'a');
      assert.equal(s.skipMsg(), 3);
      s.skipMsgs(4, 10);
      assert.equal(codeOf(() => s.skipMsgs(5, 1)), 'SEQUENCE_MISMATCH');
      assert.equal(put(s, 'a'), 14);
      st = s.state({ deletedDetails: true });
      assert.deepEqual([st.first_seq, st.last_seq, st.messages, st.num_deleted], [2, 14, 2, 11]);
      assert.deepEqual(st.deleted, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
      s.stop();
    });

    test('storeRawMsg keeps the given sequence and time; a wrong sequence is refused', () => {
      const { store: s } = make(kind);
      const ts = 1_700_000_000_123_456_768;
      assert.deepEqual(s.storeRawMsg('m', null, buf('x'), 1, ts, null), { seq: 1, ts });
      assert.equal(codeOf(() => s.storeRawMsg('m', null, buf('x'), 5, ts, null)), 'SEQUENCE_MISMATCH');
      assert.equal(s.storeRawMsg('m', null, buf('y'), 0, ts + 1000, null).seq, 2);
      assert.equal(s.loadMsg(1)!.ts, ts);
      assert.equal(s.state().first_ts, '2023-11-14T22:13:20.123456768Z');
      assert.equal(s.getSeqFromTime(ts + 512), 2); // doubles hold ns to 256 ns today
      assert.equal(s.getSeqFromTime(ts), 1);
      assert.equal(s.getSeqFromTime(ts + 10_000), 3);
      s.stop();
    });

    test('seq from time over many messages and blocks', () => {
      const { store: s } = make(kind, {}, { blockSize: 2048 });
      const base = 1_700_000_000_000_000_000;
      for (let i = 1; i <= 600; i++) s.storeRawMsg(`t.${i % 7}`, null, payload(i), i, base + i * 1e6, null);
      for (let q = 100; q <= 300; q++) if (q % 3) s.removeMsg(q, true);
      s.flush();
      const brute = (ts: number) => {
        for (let q = 1; q <= 600; q++) if (s.loadMsg(q) && s.loadMsg(q)!.ts >= ts) return q;
        return 601;
      };
      for (const t of [0, base, base + 1e6, base + 150.5e6, base + 299e6, base + 300e6, base + 599.2e6, base + 600e6, base + 700e6]) {
        assert.equal(s.getSeqFromTime(t), brute(t), `ts ${t - base}`);
      }
      s.stop();
    });

    test('filtered state, subjects state and num pending', () => {
      const { store: s } = make(kind);
      for (let i = 1; i <= 40; i++) put(s, `f.${i % 4}.${i % 2 ? 'odd' : 'even'}`);
      s.removeMsg(8);
      s.removeMsg(12);
      assert.deepEqual(s.filteredState(1, 'f.0.even'), { msgs: 8, first: 4, last: 40 });
      assert.deepEqual(s.filteredState(13, 'f.0.even'), { msgs: 7, first: 16, last: 40 });
      assert.deepEqual(s.filteredState(38, 'f.*.odd'), { msgs: 1, first: 39, last: 39 });
      assert.deepEqual(s.filteredState(0, '>'), { msgs: 38, first: 1, last: 40 });
      assert.deepEqual(s.filteredState(8, ''), { msgs: 31, first: 9, last: 40 });
      assert.deepEqual(s.filteredState(41, '>'), { msgs: 0, first: 0, last: 0 });
      const ss = s.subjectsState('f.1.*');
      assert.deepEqual([...ss.keys()], ['f.1.odd']);
      assert.equal(s.subjectsState('>').size, 4);
      assert.deepEqual(s.numPending(10, 'f.*.even', false), { total: 15, validThrough: 40 });
      assert.deepEqual(s.numPending(38, '>', true), { total: 3, validThrough: 40 });
      assert.deepEqual(s.numPending(1, 'f.2.even', true), { total: 1, validThrough: 40 });
      s.stop();
    });

    test('storage updates add up to the stored bytes (the budget hook)', () => {
      const { store: s } = make(kind, { maxMsgs: 20, maxMsgsPerSubject: 3 });
      let msgs = 0;
      let bytes = 0;
      s.registerStorageUpdates((m, b) => {
        msgs += m;
        bytes += b;
      });
      putMany(s, ['u.1', 'u.2', 'u.3', 'u.4', 'u.5', 'u.6', 'u.7'], 60);
      s.storeMsg('u.h', HDR, buf('with headers'), null);
      s.removeMsg(50);
      s.purgeEx('u.1', 0, 1);
      s.compact(52);
      s.truncate(58);
      const check = () => {
        const st = s.state();
        assert.equal(msgs, st.messages);
        assert.equal(bytes, st.bytes);
        assert.equal(s.utilization().reported, st.bytes);
      };
      check();
      s.purge();
      check();
      assert.equal(bytes, 0);
      s.stop();
    });

    test('stop() leaves no timer or immediate armed', () => {
      // The store's timers are unref'd (they never hold a process open), so look at them directly.
      type Armed = { armed: boolean };
      const { store: s } = make(kind, { maxAgeMs: 60_000 }, { syncIntervalMs: 50_000 });
      putMany(s, ['a'], 10);
      const c = s.consumerStore('c', { ackPolicy: 'explicit' });
      c.updateDelivered(1, 1, 1, 1);
      const x = s as unknown as { ageTimer: Armed; syncTimer?: Armed };
      const cx = c as unknown as { timer?: unknown };
      assert.equal(x.ageTimer.armed, true);
      if (kind === 'file') {
        assert.equal(x.syncTimer!.armed, true);
        assert.ok(cx.timer, 'the consumer state write is scheduled');
      }
      s.stop();
      assert.equal(x.ageTimer.armed, false);
      if (kind === 'file') {
        assert.equal(x.syncTimer!.armed, false);
        assert.equal(cx.timer, null);
      }
    });

    test('sequence arguments that are not non-negative integers are refused', () => {
      const { store: s } = make(kind);
      putMany(s, ['a'], 5);
      for (const bad of [NaN, -1, 1.5, Infinity]) {
        assert.equal(codeOf(() => s.compact(bad)), 'INVALID_SEQUENCE', `compact(${bad})`);
        assert.equal(codeOf(() => s.removeMsg(bad)), 'INVALID_SEQUENCE');
        assert.equal(codeOf(() => s.purgeEx('a', bad, 0)), 'INVALID_SEQUENCE');
        assert.equal(codeOf(() => s.loadMsg(bad)), 'INVALID_SEQUENCE');
        assert.equal(codeOf(() => s.filteredState(bad, '>')), 'INVALID_SEQUENCE');
      }
      assert.equal(s.state().messages, 5);
      s.stop();
    });

    test('a stopped store refuses everything', () => {
      const { store: s } = make(kind);
      put(s, 'a');
      s.stop();
      assert.equal(codeOf(() => put(s, 'a')), 'STORE_CLOSED');
      assert.equal(codeOf(() => s.loadMsg(1)), 'STORE_CLOSED');
      s.stop();
    });

    test('consumer state: delivered, acks (explicit and all), redelivered, update checks', () => {
      const { store: s } = make(kind);
      putMany(s, ['c'], 10);
      const c = s.consumerStore('dur', { ackPolicy: 'explicit', config: { durable_name: 'dur' } });
      assert.equal(s.state().consumer_count, 1);
      const ts = 1_700_000_000_000_000_000;
      for (let i = 1; i <= 5; i++) c.updateDelivered(i, i, 1, ts);
      c.updateDelivered(6, 2, 2, ts + 5e9); // redelivery of stream seq 2
      c.updateAcks(1, 1);
      c.updateAcks(3, 3);
      let st = c.state();
      assert.deepEqual(st.delivered, { consumer_seq: 6, stream_seq: 5 });
      assert.deepEqual(st.ack_floor, { consumer_seq: 1, stream_seq: 1 });
      assert.deepEqual([...st.pending.keys()].sort(), [2, 4, 5]);
      assert.deepEqual(st.pending.get(2), { sequence: 6, timestamp: ts + 5e9 });
      assert.deepEqual([...st.redelivered], [[2, 1]]);
      assert.equal(codeOf(() => c.updateAcks(9, 9)), 'MSG_NOT_FOUND');
      for (const q of [2, 4, 5]) c.updateAcks(q === 2 ? 6 : q, q);
      st = c.state();
      assert.equal(st.pending.size, 0);
      assert.deepEqual(st.ack_floor, st.delivered);
      assert.equal(codeOf(() => c.update({ ...st, ack_floor: { consumer_seq: 99, stream_seq: 1 } })), 'BAD_CONSUMER_STATE');
      const all = s.consumerStore('all', { ackPolicy: 'all' });
      for (let i = 1; i <= 8; i++) all.updateDelivered(i, i, 1, ts);
      all.updateAcks(5, 5);
      assert.deepEqual([...all.state().pending.keys()].sort(), [6, 7, 8]);
      assert.deepEqual(all.state().ack_floor, { consumer_seq: 5, stream_seq: 5 });
      const none = s.consumerStore('none', { ackPolicy: 'none' });
      none.updateDelivered(3, 7, 1, ts);
      assert.deepEqual(none.state().ack_floor, { consumer_seq: 3, stream_seq: 7 });
      assert.equal(codeOf(() => none.updateAcks(3, 7)), 'NO_ACK_POLICY');
      assert.equal(s.state().consumer_count, 3);
      none.delete();
      assert.equal(s.state().consumer_count, 2);
      for (const bad of ['', '..', 'a/b', 'a\\b']) assert.equal(codeOf(() => s.consumerStore(bad, { ackPolicy: 'none' })), 'BAD_CONFIG', bad);
      s.stop();
    });
  });
}

