// File store specifics: restart (same state, same messages), space reclaimed (empty blocks removed,
// mostly-dead blocks compacted), erase on disk, recovery from corrupt and torn data with the
// reference-like warnings, consumer state persistence, and "acknowledged means written".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore, pagesCached } from '../../../src/jetstream/store/file.js';
import type { StreamStore } from '../../../src/jetstream/store/types.js';
import { make, cleanupDirs, putMany, payload, HDR, tempDir, put } from './helpers.js';

after(cleanupDirs);

const blkFiles = (dir: string) =>
  readdirSync(join(dir, 'msgs'))
    .filter((f) => f.endsWith('.blk'))
    .sort((a, b) => parseInt(a) - parseInt(b));

/** Everything observable: full state and every message. */
function snapshot(s: StreamStore) {
  const st = s.state({ deletedDetails: true, subjectsFilter: '>' });
  const msgs: unknown[] = [];
  for (let q = st.first_seq; q <= st.last_seq; q++) {
    const m = s.loadMsg(q);
    if (m) msgs.push([m.seq, m.subject, m.ts, m.hdr?.toString('hex') ?? null, m.msg.toString('hex')]);
  }
  return { st, msgs };
}

test('restart: the same state and the same messages', () => {
  const made = make('file', { maxMsgsPerSubject: 50 }, { blockSize: 2048 });
  let s = made.store;
  putMany(s, ['r.a', 'r.b', 'r.c.d'], 200, 30);
  s.storeMsg('r.h', HDR, payload(999), null);
  for (const q of [3, 50, 51, 52, 120, 199]) s.removeMsg(q);
  s.eraseMsg(77);
  s.purgeEx('r.b', 0, 20);
  s.skipMsgs(202, 5);
  put(s, 'r.a', 'after the skip');
  s.compact(10);
  const before = snapshot(s);
  assert.ok(blkFiles(made.dir!).length > 3, 'several blocks');
  s = made.reopen();
  assert.deepEqual(snapshot(s), before);
  // And again after writing more on the reopened store.
  putMany(s, ['r.a'], 10);
  const again = snapshot(s);
  s = made.reopen();
  assert.deepEqual(snapshot(s), again);
  assert.equal(made.logs.filter((l) => l.startsWith('[WRN]')).length, 0, made.logs.join('\n'));
  s.stop();
});

test('restart from the index file: no block scanned, the same state and messages', () => {
  const made = make('file', { maxMsgsPerSubject: 90 }, { blockSize: 4096 });
  let s = made.store;
  putMany(s, ['i.a', 'i.b', 'i.c.d'], 300, 60);
  s.storeMsg('i.h', HDR, payload(999), null);
  for (const q of [5, 60, 61, 100]) s.removeMsg(q);
  s.eraseMsg(80);
  s.purgeEx('i.b', 0, 10);
  s.skipMsgs(302, 3);
  const before = snapshot(s);
  s = made.reopen();
  const blocks = blkFiles(made.dir!).length;
  assert.ok(blocks > 3);
  assert.deepEqual((s as FileStore).recovered, { indexed: blocks, scanned: 0 });
  assert.deepEqual(snapshot(s), before);
  // It works on as if it had never stopped: stores, removals by the subject links, limits.
  putMany(s, ['i.a', 'i.c.d'], 120, 60);
  s.removeMsg(before.st.first_seq);
  s.purgeEx('i.a', 0, 5);
  const after = snapshot(s);
  s = made.reopen();
  assert.deepEqual(snapshot(s), after);
  s = made.reopen({ maxMsgsPerSubject: 90 }, { syncAlways: true });
  assert.deepEqual(snapshot(s), after);
  assert.equal(made.logs.filter((l) => l.startsWith('[WRN]')).length, 0, made.logs.join('\n'));
  s.stop();
});

test('a corrupt, torn or missing index file: every block scanned, the same state', () => {
  const made = make('file', {}, { blockSize: 4096 });
  let s = made.store;
  putMany(s, ['x.a', 'x.b'], 200, 60);
  s.removeMsg(7);
  const before = snapshot(s);
  const ix = join(made.dir!, 'msgs', 'index.db');
  const blocks = blkFiles(made.dir!).length;
  const damage: [string, () => void][] = [
    ['a flipped byte', () => {
      const b = readFileSync(ix);
      b[b.length >> 1] ^= 0x40;
      writeFileSync(ix, b);
    }],
    ['a torn file', () => truncateSync(ix, statSync(ix).size >> 1)],
    ['garbage', () => writeFileSync(ix, Buffer.from('TSNX not an index at all'))],
  ];
  for (const [what, hurt] of damage) {
    s.stop();
    hurt();
    const warned = made.logs.length;
    s = made.reopen();
    assert.deepEqual((s as FileStore).recovered, { indexed: 0, scanned: blocks }, what);
    assert.deepEqual(snapshot(s), before, what);
    assert.ok(made.logs.slice(warned).some((l) => /^\[WRN\] Filestore \[T\] index file index\.db is corrupt, ignored: scanning every block$/.test(l)), `${what}: ${made.logs.join('\n')}`);
  }
  s.stop();
  rmSync(ix);
  const warned = made.logs.length;
  s = made.reopen();
  assert.deepEqual((s as FileStore).recovered, { indexed: 0, scanned: blocks });
  assert.deepEqual(snapshot(s), before);
  assert.equal(made.logs.length, warned, 'no index file is no warning');
  s.stop();
});

test('a crash after a clean restart: the index of that stop serves the blocks unchanged since, the rest is scanned', () => {
  const made = make('file', {}, { blockSize: 4096 });
  let s = made.store;
  putMany(s, ['k.a', 'k.b', 'k.c'], 400, 60);
  s = made.reopen();
  assert.ok(blkFiles(made.dir!).length >= 6);
  // Since the clean stop: deletes in old blocks (their delete logs grow), an erase (a block changed
  // in place), a compaction, new messages (the last block grows, new blocks), a limit's floor.
  s.removeMsg(3);
  s.removeMsg(170);
  s.eraseMsg(100);
  for (let q = 200; q < 280; q++) if (q % 5 !== 0) s.removeMsg(q);
  putMany(s, ['k.a', 'k.d'], 120, 60);
  s.compact(12);
  s.storeMsg('k.h', HDR, payload(7), null);
  const before = snapshot(s);
  s = made.crash();
  const rec = (s as FileStore).recovered;
  assert.ok(rec.indexed >= 2 && rec.scanned >= 2, JSON.stringify(rec));
  assert.deepEqual(snapshot(s), before);
  // And the recovered store is right going on: more of everything, then a clean stop and a crash.
  putMany(s, ['k.a', 'k.e'], 60, 60);
  s.removeMsg(before.st.first_seq + 1);
  const again = snapshot(s);
  s = made.reopen();
  assert.deepEqual(snapshot(s), again);
  s = made.crash();
  assert.deepEqual(snapshot(s), again);
  assert.equal(made.logs.filter((l) => l.startsWith('[WRN]')).length, 0, made.logs.join('\n'));
  s.stop();
});

test('a purged or compacted-past-the-end store keeps its sequence across a restart', () => {
  const made = make('file');
  let s = made.store;
  putMany(s, ['p'], 30);
  s.purge();
  s = made.reopen();
  assert.deepEqual([s.state().first_seq, s.state().last_seq, s.state().messages], [31, 30, 0]);
  assert.equal(put(s, 'p'), 31);
  s.compact(500);
  s = made.reopen();
  assert.deepEqual([s.state().first_seq, s.state().last_seq], [500, 499]);
  assert.equal(put(s, 'p'), 500);
  // Purged to nothing, then "crashes" twice (reopened without a stop): the sequence holds.
  s.purge();
  for (let k = 0; k < 2; k++) {
    s = new FileStore({ dir: made.dir!, blockSize: 4096 });
    assert.deepEqual([s.state().first_seq, s.state().last_seq, s.state().messages], [501, 500, 0], `crash ${k}`);
  }
  assert.equal(put(s, 'p'), 501);
  // A delete log whose block file is gone still gives its FLOOR; it is written again elsewhere
  // before the orphan is removed, so the next restart still knows the sequence.
  s.purge();
  s.stop();
  const blks = blkFiles(made.dir!);
  const last = blks[blks.length - 1];
  rmSync(join(made.dir!, 'msgs', last));
  for (let k = 0; k < 2; k++) {
    s = new FileStore({ dir: made.dir!, blockSize: 4096 });
    assert.deepEqual([s.state().first_seq, s.state().last_seq], [502, 501], `after the orphan, open ${k}`);
    s.stop();
  }
  assert.ok(!existsSync(join(made.dir!, 'msgs', last.replace('.blk', '.dlt'))) || blkFiles(made.dir!).includes(last), 'the orphan log went');
});

test('limits reclaim space: old blocks are removed as the stream moves on', () => {
  const made = make('file', { maxMsgs: 50 }, { blockSize: 2048 });
  const s = made.store;
  for (let i = 0; i < 40; i++) {
    putMany(s, ['fifo'], 50, 40);
    s.flush();
  }
  const files = blkFiles(made.dir!);
  assert.ok(files.length <= 5, `blocks on disk: ${files}`);
  const total = files.reduce((n, f) => n + statSync(join(made.dir!, 'msgs', f)).size, 0);
  assert.ok(total < 4 * 2048, `bytes on disk ${total}`);
  assert.equal(s.state().messages, 50);
  s.stop();
});

test('a mostly deleted block is compacted, and everything still loads after a restart', () => {
  const made = make('file', {}, { blockSize: 8192 });
  let s = made.store;
  putMany(s, ['k.1', 'k.2', 'k.3', 'k.4'], 400, 40);
  s.flush();
  const first = join(made.dir!, 'msgs', blkFiles(made.dir!)[0]);
  const sizeBefore = statSync(first).size;
  for (let q = 1; q <= 400; q++) if (q % 4 !== 0 && q > 1) s.removeMsg(q);
  const sizeAfter = statSync(first).size;
  assert.ok(sizeAfter < sizeBefore / 2, `block 1: ${sizeBefore} -> ${sizeAfter} bytes`);
  const before = snapshot(s);
  assert.equal(before.st.messages, 101);
  s = made.reopen();
  assert.deepEqual(snapshot(s), before);
  s.stop();
});

test('erase overwrites the message bytes on disk', () => {
  const made = make('file', {}, { blockSize: 1 << 20 });
  const s = made.store;
  const secret = Buffer.from('TOP-SECRET-PAYLOAD-0123456789');
  put(s, 'e', 'first');
  put(s, 'e', secret);
  put(s, 'e', 'third');
  s.flush();
  const blk = join(made.dir!, 'msgs', blkFiles(made.dir!)[0]);
  assert.ok(readFileSync(blk).includes(secret));
  assert.equal(s.eraseMsg(2), true);
  assert.ok(!readFileSync(blk).includes(secret), 'the payload is gone from the block');
  // Erased before it was ever written: never reaches the disk.
  const other = Buffer.from('NEVER-ON-DISK-abcdefghij');
  put(s, 'e', other);
  s.eraseMsg(4);
  s.flush();
  assert.ok(!readFileSync(blk).includes(other));
  const s2 = made.reopen();
  assert.deepEqual(snapshot(s2).msgs.map((m) => (m as unknown[])[0]), [1, 3]);
  s2.stop();
});

test('acknowledged means written: in the done callback the record is in the file', () => {
  const made = make('file', {}, { blockSize: 1 << 20 });
  const s = made.store;
  const blk = () => join(made.dir!, 'msgs', blkFiles(made.dir!)[0]);
  let checked = 0;
  for (let i = 0; i < 20; i++) {
    const data = payload(1000 + i, 64);
    s.storeMsg('w', null, data, (err) => {
      assert.equal(err, null);
      assert.ok(readFileSync(blk()).includes(data), `message ${i} acknowledged but not in the file`);
      checked++;
    });
  }
  assert.ok(!existsSync(join(made.dir!, 'msgs', '1.blk')) || statSync(join(made.dir!, 'msgs', '1.blk')).size === 0, 'nothing written before the flush');
  s.flush();
  assert.equal(checked, 20);
  s.stop();
});

test('corruption: a flipped byte loses that message only, reported and logged', () => {
  const made = make('file', {}, { blockSize: 1 << 20 });
  let s = made.store;
  putMany(s, ['c.a', 'c.b'], 30, 50);
  s.stop();
  const blk = join(made.dir!, 'msgs', blkFiles(made.dir!)[0]);
  const b = readFileSync(blk);
  const at = b.indexOf(payload(14, 50).subarray(0, 6)); // inside message 15's payload
  assert.ok(at > 0);
  b[at + 10] ^= 0xff;
  writeFileSync(blk, b);
  s = made.reopen();
  const st = s.state();
  assert.equal(st.messages, 29);
  assert.equal(s.loadMsg(15), null);
  assert.deepEqual(s.loadMsg(16)!.msg, payload(15, 50));
  assert.deepEqual(s.loadMsg(30)!.msg, payload(29, 50));
  assert.deepEqual(st.lost, { msgs: [15], bytes: 32 + 3 + 50 });
  assert.ok(made.logs.some((l) => /^\[WRN\] Filestore \[T\] malformed or corrupt message in 1\.blk: invalid checksum, skipped 85 bytes at offset \d+ \(message 15\)$/.test(l)), made.logs.join('\n'));
  assert.equal(put(s, 'c.a'), 31);
  s.stop();
});

test('corruption: a block cut mid-record recovers everything before it; garbage after the end is dropped', () => {
  const made = make('file', {}, { blockSize: 1 << 20 });
  let s = made.store;
  putMany(s, ['t'], 10, 40);
  s.stop();
  const blk = join(made.dir!, 'msgs', blkFiles(made.dir!)[0]);
  const size = statSync(blk).size;
  truncateSync(blk, size - 20); // the last record loses its tail
  s = made.reopen();
  assert.equal(s.state().messages, 9);
  assert.equal(s.state().last_seq, 9);
  for (let q = 1; q <= 9; q++) assert.deepEqual(s.loadMsg(q)!.msg, payload(q - 1, 40));
  assert.ok(made.logs.some((l) => /malformed or corrupt message in 1\.blk: message overrun, truncated \d+ bytes at offset \d+/.test(l)), made.logs.join('\n'));
  assert.equal(put(s, 't', 'new'), 10);
  s.stop();
  appendFileSync(blk, Buffer.from('garbage that is not a record at all'));
  s = made.reopen();
  assert.equal(s.state().messages, 10);
  assert.equal(s.loadMsg(10)!.msg.toString(), 'new');
  s.stop();
  assert.ok(!readFileSync(blk).includes(Buffer.from('garbage')), 'the torn tail was cut');
});

test('corruption: a damaged delete-log entry is skipped with a warning', () => {
  const made = make('file', {}, { blockSize: 1 << 20 });
  let s = made.store;
  putMany(s, ['d'], 10);
  s.removeMsg(4);
  s.removeMsg(6);
  s.stop();
  const dlt = join(made.dir!, 'msgs', '1.dlt');
  const b = readFileSync(dlt);
  assert.equal(b.length, 48);
  b[30] ^= 1; // the second entry (message 6)
  writeFileSync(dlt, Buffer.concat([b, Buffer.from([1, 2, 3])])); // and a torn tail
  s = made.reopen();
  assert.equal(s.loadMsg(4), null);
  assert.ok(s.loadMsg(6), 'its delete entry was lost, so the message is back');
  assert.ok(made.logs.some((l) => /corrupt delete entries in 1\.dlt: 1 skipped/.test(l)));
  assert.ok(made.logs.some((l) => /torn entry in 1\.dlt: truncated 3 bytes/.test(l)));
  s.stop();
});

test('consumer state survives a restart; a torn state slot falls back to the previous one', async () => {
  const made = make('file');
  let s = made.store;
  putMany(s, ['c'], 20);
  const cfg = { ackPolicy: 'explicit' as const, config: { durable_name: 'D', ack_wait: 30e9 } };
  let c = s.consumerStore('D', cfg);
  assert.equal(c.hasState(), false);
  const ts = 1_700_000_123_000_000_000;
  for (let i = 1; i <= 10; i++) c.updateDelivered(i, i, 1, ts);
  c.updateDelivered(11, 3, 2, ts);
  c.updateAcks(1, 1);
  c.updateAcks(2, 2);
  c.updateAcks(5, 5);
  const want = c.state();
  s = made.reopen(); // stop() writes the consumer state
  assert.deepEqual((s as FileStore).listConsumers(), [{ name: 'D', config: cfg }]);
  c = s.consumerStore('D', cfg);
  assert.equal(c.hasState(), true);
  assert.deepEqual(c.state(), want);
  // Coalesced writes: after the turn in which it changed, the state is on disk.
  c.updateDelivered(12, 11, 1, ts);
  await new Promise((r) => setImmediate(r));
  const latest = c.state();
  const dir = join(made.dir!, 'obs', 'D');
  const slots = readdirSync(dir).filter((f) => f.startsWith('o.dat'));
  assert.deepEqual(slots.sort(), ['o.dat.0', 'o.dat.1']);
  // Tear the newest slot: recovery uses the other one (one update older).
  const newest = slots.map((f) => join(dir, f)).sort((x, y) => statSync(y).mtimeMs - statSync(x).mtimeMs)[0];
  s.stop();
  const nb = readFileSync(newest);
  writeFileSync(newest, nb.subarray(0, nb.length - 3));
  s = made.reopen();
  c = s.consumerStore('D', cfg);
  assert.deepEqual(c.state(), want, 'the previous state');
  assert.notDeepEqual(latest, want);
  c.delete();
  assert.equal(existsSync(dir), false);
  s.stop();
});

test('meta.json, and delete() removes the directory', () => {
  const dir = tempDir();
  const s = new FileStore({ dir, meta: { name: 'S', subjects: ['a'] } });
  put(s, 'a');
  assert.deepEqual(FileStore.readMeta(dir), { name: 'S', subjects: ['a'] });
  s.delete();
  assert.equal(existsSync(dir), false);
});

test('a message bigger than a block gets a block of its own', () => {
  const made = make('file', {}, { blockSize: 4096 });
  let s = made.store;
  put(s, 'small');
  const big = Buffer.alloc(10_000, 7);
  put(s, 'big', big);
  put(s, 'small');
  s = made.reopen();
  assert.deepEqual(s.loadMsg(2)!.msg, big);
  assert.equal(blkFiles(made.dir!).length, 3);
  s.stop();
});

test('sync_always acknowledges after fsync; the periodic sync runs on its interval', async () => {
  const made = make('file', {}, { syncAlways: true });
  let s = made.store;
  let acks = 0;
  for (let i = 0; i < 50; i++) s.storeMsg('s', null, payload(i), (e) => (acks += e ? 0 : 1));
  s.flush();
  assert.equal(acks, 50);
  s = made.reopen({}, { syncAlways: false, syncIntervalMs: 30 });
  assert.equal(s.state().messages, 50);
  const fs = s as FileStore;
  const synced = new Promise<number>((resolve) => {
    const orig = fs.syncNow.bind(fs);
    fs.syncNow = () => {
      const dirty = (fs as unknown as { dirtySync: Set<unknown> }).dirtySync.size;
      orig();
      resolve(dirty);
    };
  });
  put(s, 's', 'one more');
  s.flush();
  const hold = setTimeout(() => {}, 5000);
  assert.equal(await synced, 1, 'the written block was fsynced by the interval sync');
  clearTimeout(hold);
  assert.equal((fs as unknown as { dirtySync: Set<unknown> }).dirtySync.size, 0);
  s.stop();
});

test('checksums on read: verified once per record, never trusted across a restart or a compaction', () => {
  const CHECKED = 4; // slots.ts
  const made = make('file', {}, { blockSize: 4096 });
  let s = made.store;
  putMany(s, ['v.a', 'v.b'], 120, 40);
  type Blk = { n: number; fl: Uint8Array; seq: Float64Array };
  const blocks = (st: StreamStore) => (st as unknown as { blks: Blk[] }).blks;
  const flagOf = (st: StreamStore, seq: number) => {
    for (const b of blocks(st)) for (let i = 0; i < b.n; i++) if (b.seq[i] === seq) return b.fl[i];
    return -1;
  };
  // Written by this process: its checksum was computed from these bytes.
  assert.ok(flagOf(s, 7) & CHECKED);
  s = made.reopen(); // a clean stop: from the index file
  assert.ok(blocks(s).length > 1, 'several blocks');
  assert.equal((s as FileStore).recovered.scanned, 0, 'every block from the index file');
  for (const b of blocks(s)) for (let i = 0; i < b.n; i++) assert.equal(b.fl[i] & CHECKED, 0, `seq ${b.seq[i]} trusted after a restart`);
  assert.deepEqual(s.loadMsg(7)!.msg, payload(6, 40));
  assert.ok(flagOf(s, 7) & CHECKED, 'verified by its first read');
  assert.equal(flagOf(s, 8) & CHECKED, 0, 'its neighbour not yet');
  // A compaction copies records without verifying them: their next read verifies again.
  for (let q = 1; q <= 30; q++) if (q !== 7 && q % 3 !== 0) s.removeMsg(q);
  (s as unknown as { compactBlock(b: Blk): void }).compactBlock(blocks(s)[0]!);
  assert.equal(flagOf(s, 7) & CHECKED, 0, 'not trusted after a compaction');
  assert.deepEqual(s.loadMsg(7)!.msg, payload(6, 40));
  assert.ok(flagOf(s, 7) & CHECKED);
  s.stop();
});

test('random reads through the page cache: the right bytes after appends, deletes, compaction, truncation, and at most MAX_PAGES kept', () => {
  const made = make('file', {}, { blockSize: 64 * 1024 });
  const s = made.store;
  type Paged = { pageCount: number };
  const pages = () => (s as unknown as Paged).pageCount;
  // 1 KB payloads: ~4 records a page, some across page boundaries, 16 blocks.
  const N = 1000;
  putMany(s, ['p.a', 'p.b', 'p.c'], N, 1000);
  s.flush();
  let live = new Set(Array.from({ length: N }, (_, i) => i + 1));
  // A fixed pseudo-random order (a full cycle of a multiplicative step modulo a prime > N).
  const order = (): number[] => {
    const out: number[] = [];
    for (let x = 1, i = 0; i < 1009 - 1; i++, x = (x * 11) % 1009) if (x <= N) out.push(x);
    return out;
  };
  const check = (what: string): void => {
    for (const q of order()) {
      const m = s.loadMsg(q);
      if (!live.has(q)) assert.equal(m, null, `${what}: seq ${q} is gone`);
      else assert.deepEqual(m?.msg, payload(q - 1, 1000), `${what}: seq ${q}`);
    }
  };
  check('first reads');
  check('second reads');
  assert.ok(pages() > 100, `pages kept: ${pages()}`);
  check('from the kept pages');
  // Deletes and compaction: records move within their block; kept pages of it must go.
  for (let q = 1; q <= 300; q++) if (q % 5 !== 0) {
    s.removeMsg(q);
    live.delete(q);
  }
  type Blk = object;
  const compact = s as unknown as { blks: Blk[]; compactBlock(b: Blk): void };
  for (const b of compact.blks.slice(0, 4)) compact.compactBlock(b);
  check('after compaction');
  // Appends go after the kept pages; the last page still being written is read directly.
  putMany(s, ['p.d'], 50, 1000);
  for (let q = N + 1; q <= N + 50; q++) live.add(q);
  for (let q = N + 1; q <= N + 50; q++) assert.equal(s.loadMsg(q)?.subject, 'p.d');
  check('after appends');
  // Truncation cuts blocks: nothing past the cut, and what stays reads right.
  s.truncate(900);
  live = new Set([...live].filter((q) => q <= 900));
  check('after truncate');
  s.stop();
});

test('the page cache keeps a page on its second miss only, and at most MAX_PAGES (8 MiB) per store', () => {
  const made = make('file', {}, { blockSize: 1 << 20 });
  const s = made.store;
  const N = 12_000; // ~12 MB of 1 KB records: ~3000 pages
  putMany(s, ['m'], N, 1000);
  s.flush();
  const pages = () => (s as unknown as { pageCount: number }).pageCount;
  // Records of distinct pages read once each (a scan over a big stream): nothing kept.
  for (let q = N; q >= 1; q -= 9) assert.deepEqual(s.loadMsg(q)?.msg, payload(q - 1, 1000), `seq ${q}`);
  assert.equal(pages(), 0, 'pages kept after reading each once');
  for (let x = 1, i = 0; i < 12_007 - 1; i++, x = (x * 7) % 12_007) {
    if (x > N) continue;
    // And its predecessor (most often in the same page, and not the next record, which a read-ahead
    // would serve): a page is kept on its second miss (the first notes it among the recent misses).
    assert.deepEqual(s.loadMsg(x)?.msg, payload(x - 1, 1000), `seq ${x}`);
    if (x > 1) assert.deepEqual(s.loadMsg(x - 1)?.msg, payload(x - 2, 1000), `seq ${x - 1}`);
    assert.ok(pages() <= 2048, `pages kept: ${pages()}`);
  }
  assert.ok(pages() > 2000, `pages kept at the end: ${pages()}`);
  s.stop();
});

test('the page cache: at most 8192 pages (32 MiB) for all the stores of the process, given back when a store stops', () => {
  const base = pagesCached();
  const stores = Array.from({ length: 5 }, () => make('file', {}, { blockSize: 1 << 20 }).store);
  const N = 8_600; // 1 KB records: ~2,150 pages each
  const fill = (s: StreamStore): void => {
    // Each record (a permutation: 4999 is prime to N), then its predecessor (the page's second miss
    // keeps it).
    for (let i = 0; i < N; i++) {
      const x = ((i * 4999) % N) + 1;
      assert.deepEqual(s.loadMsg(x)?.msg, payload(x - 1, 1000), `seq ${x}`);
      if (x > 1) s.loadMsg(x - 1);
    }
  };
  const kept = (s: StreamStore) => (s as unknown as { pageCount: number }).pageCount;
  for (const s of stores) {
    putMany(s, ['b'], N, 1000);
    s.flush();
  }
  for (const s of stores.slice(0, 4)) fill(s);
  assert.deepEqual(stores.slice(0, 4).map(kept), [2048, 2048, 2048, 2048]);
  assert.equal(pagesCached() - base, 8192);
  // The fifth keeps nothing while the others hold the process's budget, and reads right all the same.
  fill(stores[4]!);
  assert.equal(kept(stores[4]!), 0);
  assert.equal(pagesCached() - base, 8192);
  stores[0]!.stop();
  assert.equal(pagesCached() - base, 6144, 'a stopped store gives its pages back');
  fill(stores[4]!);
  assert.equal(kept(stores[4]!), 2048);
  for (const s of stores.slice(1)) s.stop();
  assert.equal(pagesCached() - base, 0);
});
