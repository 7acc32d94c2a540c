// Memory store specifics: messages live in chunk arenas (memory.ts). Space is given back as
// messages go (a chunk whose messages are all gone is dropped, a mostly dead one compacted), and a
// message loaded earlier keeps its bytes whatever happens to the store afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemStore } from '../../../src/jetstream/store/memory.js';
import { payload, HDR } from './helpers.js';

test('memory store: a rolling stream holds a bounded amount of memory (chunks dropped as they empty)', () => {
  const s = new MemStore({ limits: { maxMsgs: 200 }, chunkBytes: 8192 });
  for (let i = 0; i < 20_000; i++) s.storeMsg(`r.${i % 7}`, null, payload(i, 100), null);
  s.flush();
  const st = s.state();
  assert.equal(st.messages, 200);
  assert.equal(st.first_seq, 19_801);
  // 200 messages of ~100 bytes, a chunk of slack and the slot tables: nowhere near 20,000 messages.
  assert.ok(s.heldBytes() < 80_000, `held ${s.heldBytes()} bytes`);
  assert.deepEqual(s.loadMsg(19_801)!.msg, payload(19_800, 100));
  s.stop();
});

test('memory store: random removals compact mostly dead chunks; lookups stay right', () => {
  const s = new MemStore({ chunkBytes: 16384 });
  const N = 4000;
  for (let i = 0; i < N; i++) s.storeMsg(`k.${i % 50}`, i % 3 === 0 ? HDR : null, payload(i, 60), null);
  const full = s.heldBytes();
  // Keep every tenth message (a KV bucket whose keys were overwritten, a work queue acked out of order).
  for (let q = 1; q <= N; q++) if (q % 10 !== 0) assert.equal(s.removeMsg(q), true);
  assert.ok(s.heldBytes() < full / 3, `held ${s.heldBytes()} of ${full} bytes after removing 90%`);
  const st = s.state();
  assert.equal(st.messages, N / 10);
  assert.equal(st.num_subjects, 5);
  for (let q = 10; q <= N; q += 10) {
    const m = s.loadMsg(q)!;
    assert.equal(m.subject, `k.${(q - 1) % 50}`);
    assert.deepEqual(m.msg, payload(q - 1, 60));
    assert.deepEqual(m.hdr, (q - 1) % 3 === 0 ? HDR : null);
  }
  assert.equal(s.loadLastMsg('k.9')!.seq, 3960); // k.9 holds q ≡ 10 (mod 50)
  assert.equal(s.loadNextMsg('k.19', false, 1)!.seq, 20);
  s.stop();
});

test('memory store: a loaded message keeps its bytes through later stores, removals, compaction and purges', () => {
  const s = new MemStore({ chunkBytes: 2048 });
  for (let i = 0; i < 300; i++) s.storeMsg('v', null, payload(i, 50), null);
  const held = [3, 150, 299].map((q) => s.loadMsg(q)!);
  for (let q = 1; q <= 290; q++) s.removeMsg(q);
  for (let i = 300; i < 600; i++) s.storeMsg('v', HDR, payload(i, 50), null);
  s.compact(500);
  s.purge();
  for (let i = 0; i < 100; i++) s.storeMsg('w', null, payload(9999, 50), null);
  assert.deepEqual(held.map((m) => m.msg), [payload(2, 50), payload(149, 50), payload(298, 50)]);
  s.stop();
});
