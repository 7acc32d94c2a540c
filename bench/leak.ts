// `node dist/bench/leak.js`: 100k connect/close cycles against an in-process tsnats (startServer), so
// the server's own handles and heap can be read: process._getActiveHandles().length, heapUsed and RSS
// before, between batches and after, each after a forced GC. Exits 1 when handles or heap grew.
//   --cycles N (default 100000)  --batch N (default 20000)  --concurrency N (default 32)
//   --warmup N (default 12000: more than the closed-connection ring holds, so the ring is full and
//   steady before the baseline, and its bounded growth is not mistaken for a leak)
import { DEFAULT_MAX_CLOSED_CLIENTS } from '../src/const.js';
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHook } from 'node:async_hooks';

type Srv = { port: number; shutdown(): Promise<void> };
type Start = (o: object) => Promise<Srv>;

const self = fileURLToPath(import.meta.url);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  // Re-run with --expose-gc: heap figures mean little without a forced collection.
  const r = spawnSync(process.execPath, ['--expose-gc', self, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const CYCLES = arg('--cycles', 100_000);
const BATCH = arg('--batch', 20_000);
const CONCURRENCY = arg('--concurrency', 32);
const WARMUP = arg('--warmup', DEFAULT_MAX_CLOSED_CLIENTS + 2000);
/** Allowed heap growth after all cycles (GC noise, JIT code, lazily built caches). */
const HEAP_SLACK = 2 * 2 ** 20;

const mod = (await import('../src/index.js')) as unknown as { startServer?: Start };
if (typeof mod.startServer !== 'function') {
  console.log('leak: skipped: dist/src/index.js does not export startServer yet');
  process.exit(0);
}

const handles = () => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
// Timers are not handles, and unref'd ones (all of a connection's) do not show in
// getActiveResourcesInfo(): count the live Timeout resources with an async hook instead.
const liveTimers = new Set<number>();
createHook({
  init(id, type) { if (type === 'Timeout') liveTimers.add(id); },
  destroy(id) { liveTimers.delete(id); },
}).enable();
async function sample() {
  for (let i = 0; i < 3; i++) { gc!(); await sleep(20); }
  const m = process.memoryUsage();
  return { handles: handles(), timers: liveTimers.size, types: handleTypes(), heapUsed: m.heapUsed, rss: m.rss };
}
const mb = (b: number) => (b / 2 ** 20).toFixed(2);

const srv = await mod.startServer({ host: '127.0.0.1', port: 0 });
const child: ChildProcess = fork(fileURLToPath(new URL('./leak-child.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

function batch(cycles: number): Promise<{ done: number; errors: number; firstError: string; ms: number }> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as { done: number; errors: number; firstError: string; ms: number }));
    child.send({ port: srv.port, cycles, concurrency: CONCURRENCY });
  });
}

/** Wait until the server has let go of the closed connections: handles back to the baseline, or
 *  no longer changing for half a second (10 s at most). */
async function settle(target: number) {
  const until = Date.now() + 10_000;
  let last = handles();
  let stableSince = Date.now();
  while (last > target && Date.now() < until && Date.now() - stableSince < 500) {
    await sleep(50);
    const h = handles();
    if (h !== last) { last = h; stableSince = Date.now(); }
  }
}

/** Active handles by type, e.g. "Server:1 Socket:2 Timeout:1". */
function handleTypes(): string {
  const n = new Map<string, number>();
  for (const h of (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles()) {
    const k = h.constructor?.name ?? typeof h;
    n.set(k, (n.get(k) ?? 0) + 1);
  }
  return [...n].map(([k, v]) => `${k}:${v}`).join(' ');
}

let failed = false;
try {
  // Print first: process.stdout becomes an active handle when first used, which must not count as growth.
  console.log(`leak: ${CYCLES} connect/close cycles (FIN after PONG, close after INFO, RST after PONG), ${CONCURRENCY} at a time, ` +
    `tsnats in-process, after ${WARMUP} warm-up cycles`);
  const idle = handles();
  const w = await batch(WARMUP); // warm-up: JIT, pools, caches and the closed-connection ring reach their steady size
  if (w.errors) {
    console.log(`  warm-up: ${w.errors} cycles failed (first: ${w.firstError})`);
    failed = true;
  }
  await settle(idle);
  await sleep(200);
  const before = await sample();
  console.log(`${'cycles'.padStart(8)} ${'handles'.padStart(8)} ${'timers'.padStart(7)} ${'heapUsed MB'.padStart(12)} ${'RSS MB'.padStart(8)} ${'cycles/s'.padStart(9)}  handles by type`);
  const row = (n: number, s: typeof before, rate: string) =>
    console.log(`${String(n).padStart(8)} ${String(s.handles).padStart(8)} ${String(s.timers).padStart(7)} ${mb(s.heapUsed).padStart(12)} ${mb(s.rss).padStart(8)} ${rate.padStart(9)}  ${s.types}`);
  row(0, before, '');
  let done = 0;
  let last = before;
  let first: typeof before | null = null;
  while (done < CYCLES) {
    const n = Math.min(BATCH, CYCLES - done);
    const r = await batch(n);
    if (r.errors) { console.log(`  ${r.errors} cycles failed (first: ${r.firstError})`); failed = true; }
    done += r.done;
    await settle(before.handles);
    last = await sample();
    first ??= last;
    row(done, last, (r.done / (r.ms / 1000)).toFixed(0));
    if (r.done < n) { console.log('  stopped: too many failed cycles'); break; }
  }
  const dh = last.handles - before.handles;
  const dheap = last.heapUsed - before.heapUsed;
  const dt = last.timers - before.timers;
  console.log(`after ${done} cycles: handles ${dh >= 0 ? '+' : ''}${dh}, timers ${dt >= 0 ? '+' : ''}${dt}, heapUsed ${dheap >= 0 ? '+' : ''}${mb(dheap)} MB, RSS ${last.rss >= before.rss ? '+' : ''}${mb(last.rss - before.rss)} MB`);
  // A leak grows with the cycles: judge the handles after the last batch against those after the first
  // (a constant offset, e.g. a timer armed after the baseline, is not a leak) and against the baseline
  // with a small allowance.
  if (first && last.handles > first.handles) { console.log(`LEAK: active handles grew from ${first.handles} to ${last.handles} between batches`); failed = true; }
  else if (dh > 2) { console.log('LEAK: active handles grew'); failed = true; }
  if (first && last.timers > first.timers + 2) { console.log(`LEAK: live timers grew from ${first.timers} to ${last.timers} between batches`); failed = true; }
  if (dheap > HEAP_SLACK) { console.log(`LEAK: heapUsed grew by more than ${mb(HEAP_SLACK)} MB`); failed = true; }
  if (!failed) console.log('no growth');
} finally {
  child.send({ exit: true });
  await srv.shutdown();
}
process.exit(failed ? 1 : 0);
