// JetStream store benchmark: `node dist/bench/js-store.js [--msgs N] [--crash ROUNDS] [--quick]`.
// 128-byte messages into the memory and file stores (msgs/s, acknowledged = flushed per batch),
// loads by sequence and last-by-subject (ops/s), bytes on disk per message, reopen time of a file
// store with N messages (from its index file, and by a full scan), memory per message in the memory
// store, and optionally the crash loop
// (SIGKILL at random moments) for many rounds. One line per figure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemStore } from '../src/jetstream/store/memory.js';
import { FileStore } from '../src/jetstream/store/file.js';
import type { StreamStore } from '../src/jetstream/store/types.js';
import { crashRounds } from '../test/jetstream/store/crash-harness.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  // Memory figures need a forced GC: run again with --expose-gc.
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const quick = argv.includes('--quick');
const N = opt('--msgs', quick ? 200_000 : 1_000_000);
const CRASH = opt('--crash', 0);
const BATCH = 1000;
const SUBJECTS = 1000;

const payload = Buffer.alloc(128, 'x');
const subjects = Array.from({ length: SUBJECTS }, (_, i) => `bench.subj.${i}`);
const line = (what: string, v: string) => console.log(`${what.padEnd(52)} ${v}`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const root = mkdtempSync(join(tmpdir(), 'js-store-bench-'));

console.log(`node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${N.toLocaleString('en-US')} messages of 128 B, ${SUBJECTS} subjects, batches of ${BATCH}`);

/** Store n messages in batches, flushing (= acknowledging) each batch; msgs/s. */
function fill(s: StreamStore, n: number): number {
  let acked = 0;
  const done = () => {
    acked++;
  };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + BATCH);
    for (; i < end; i++) s.storeMsg(subjects[i % SUBJECTS], null, payload, done);
    s.flush();
  }
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  if (acked !== n) throw new Error(`acked ${acked} of ${n}`);
  return n / sec;
}

function opsPerSec(count: number, fn: (i: number) => unknown): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) if (!fn(i)) throw new Error('lookup failed');
  return count / (Number(process.hrtime.bigint() - t0) / 1e9);
}

function rnd(seed: number) {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    const st = statSync(join(dir, f));
    if (st.isFile()) n += st.size;
  }
  return n;
}

// Memory store.
{
  gc!();
  const before = process.memoryUsage();
  const s = new MemStore();
  line('memory store: store 128 B (acked per batch)', `${fmt(fill(s, N))} msgs/s`);
  gc!();
  const after = process.memoryUsage();
  const used = after.heapUsed - before.heapUsed + (after.external - before.external);
  line('memory store: memory per stored message', `${fmt(used / N)} B (payload 128 B, subject ~14 B)`);
  const r = rnd(1);
  line('memory store: load by sequence (random)', `${fmt(opsPerSec(1_000_000, () => s.loadMsg(1 + Math.floor(r() * N))))} ops/s`);
  line('memory store: last by subject', `${fmt(opsPerSec(1_000_000, (i) => s.loadLastMsg(subjects[i % SUBJECTS])))} ops/s`);
  s.stop();
}

// File store.
{
  const dir = join(root, 'file');
  const s = new FileStore({ dir });
  line('file store: store 128 B (acked per batch = 1 write)', `${fmt(fill(s, N))} msgs/s`);
  s.flush();
  const bytes = dirBytes(dir);
  line('file store: bytes on disk per 128 B message', `${(bytes / N).toFixed(1)} B (${fmt(bytes)} B total)`);
  const r = rnd(2);
  line('file store: load by sequence (random, page cache)', `${fmt(opsPerSec(300_000, () => s.loadMsg(1 + Math.floor(r() * N))))} ops/s`);
  line('file store: last by subject', `${fmt(opsPerSec(300_000, (i) => s.loadLastMsg(subjects[i % SUBJECTS])))} ops/s`);
  let t0 = process.hrtime.bigint();
  s.stop(); // a clean stop writes msgs/index.db
  line('file store: clean stop (writes the index file)', `${fmt(Number(process.hrtime.bigint() - t0) / 1e6)} ms, index ${(statSync(join(dir, 'msgs', 'index.db')).size / N).toFixed(1)} B per message`);
  gc!();
  const m0 = process.memoryUsage();
  t0 = process.hrtime.bigint();
  const s2 = new FileStore({ dir });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (s2.state().messages !== N || s2.recovered.scanned !== 0) throw new Error('reopen lost messages or scanned');
  line(`file store: reopen with ${N.toLocaleString('en-US')} messages (index file)`, `${fmt(ms)} ms`);
  gc!();
  const m1 = process.memoryUsage();
  line('file store: index memory per stored message', `${fmt((m1.heapUsed - m0.heapUsed + m1.arrayBuffers - m0.arrayBuffers) / N)} B`);
  s2.stop();
  rmSync(join(dir, 'msgs', 'index.db'));
  t0 = process.hrtime.bigint();
  const s3 = new FileStore({ dir });
  const ms3 = Number(process.hrtime.bigint() - t0) / 1e6;
  if (s3.state().messages !== N || s3.recovered.indexed !== 0) throw new Error('reopen lost messages');
  line(`file store: reopen with ${N.toLocaleString('en-US')} messages (no index: full scan)`, `${fmt(ms3)} ms`);
  s3.stop();
  rmSync(dir, { recursive: true, force: true });
}

// File store with syncAlways (fsync per batch).
{
  const dir = join(root, 'sync');
  const s = new FileStore({ dir, syncAlways: true });
  const n = Math.min(N, 100_000);
  line('file store sync_always: store 128 B (fsync per batch)', `${fmt(fill(s, n))} msgs/s`);
  s.stop();
  rmSync(dir, { recursive: true, force: true });
}

if (CRASH > 0) {
  const dir = join(root, 'crash');
  const t0 = Date.now();
  const a = await crashRounds(dir, Math.ceil(CRASH / 2), 'plain');
  const b = await crashRounds(join(root, 'crash2'), Math.floor(CRASH / 2), 'limits');
  line(`crash loop: ${a.rounds + b.rounds} SIGKILL rounds, no acked message lost`, `${((Date.now() - t0) / 1000).toFixed(1)} s; killed before open ${a.killedBeforeOpen + b.killedBeforeOpen}; recoveries that cut/skipped data ${a.recoveryWarnings + b.recoveryWarnings}`);
}

rmSync(root, { recursive: true, force: true });
