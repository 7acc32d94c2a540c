// Isolation under a flood (issue 13 item 7): a subscriber that never reads, a publisher flooding it
// with 1 KB messages (max_pending 8MB, write_deadline 2s), and, on the same server, an unrelated
// request/reply pair measuring round trips. One busy connection must not take the event loop from the
// others: the pair's p50/p99 during the flood, on both servers in the same run, rounds interleaved.
//   node dist/bench/isolation.js [--rounds N] [--ms FLOOD_MS] [--servers nats-server,tsnats]
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchServer, unavailable, type Kind } from './servers.js';
import { percentile, median, fixed } from './stats.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const rounds = Number(arg('--rounds', '3'));
const floodMs = Number(arg('--ms', '3000'));
const kinds = arg('--servers', 'nats-server,tsnats').split(',') as Kind[];

const dir = mkdtempSync(join(tmpdir(), 'tsnats-isolation-'));
const conf = join(dir, 'iso.conf');
writeFileSync(conf, 'max_pending: 8MB\nwrite_deadline: "2s"\n');

function open(port: number, name: string): Promise<{ s: Socket; lines: (fn: (b: Buffer) => void) => void }> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', noDelay: true }, () => {
      s.write(`CONNECT {"verbose":false,"name":"${name}"}\r\n`);
      resolve({ s, lines: (fn) => s.on('data', fn) });
    });
    s.once('error', reject);
  });
}

/** Round trips of an unrelated requester/responder pair, one at a time, for `ms`. */
async function pairRtts(port: number, ms: number): Promise<number[]> {
  const resp = await open(port, 'responder');
  resp.s.write('SUB req 1\r\nPING\r\n');
  resp.lines((b) => {
    // Every MSG is a request: answer each (the requester sends one at a time).
    const n = b.toString('latin1').split('MSG req').length - 1;
    for (let i = 0; i < n; i++) resp.s.write('PUB rep 2\r\nok\r\n');
  });
  const req = await open(port, 'requester');
  let waiting: (() => void) | null = null;
  req.lines((b) => {
    if (b.includes('MSG rep') && waiting) { const w = waiting; waiting = null; w(); }
  });
  req.s.write('SUB rep 1\r\nPING\r\n');
  await new Promise((r) => setTimeout(r, 50));
  const rtts: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      waiting = resolve;
      req.s.write('PUB req 2\r\nhi\r\n');
    });
    rtts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  req.s.destroy();
  resp.s.destroy();
  return rtts;
}

async function round(kind: Kind): Promise<{ p50: number; p99: number; n: number; idleP99: number }> {
  const srv = await startBenchServer(kind, { args: ['-c', conf] });
  try {
    const idle = await pairRtts(srv.port, 500);
    const sub = await open(srv.port, 'frozen');
    sub.s.write('SUB flood 1\r\nPING\r\n');
    await new Promise((r) => setTimeout(r, 50));
    sub.s.pause(); // never read again
    const pub = spawn(process.execPath, [fileURLToPath(new URL('./isolation-pub.js', import.meta.url)), String(srv.port), 'flood', '1024'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 200));
    const rtts = await pairRtts(srv.port, floodMs);
    pub.kill('SIGKILL');
    sub.s.destroy();
    return { p50: percentile(rtts, 50), p99: percentile(rtts, 99), n: rtts.length, idleP99: percentile(idle, 99) };
  } finally {
    await srv.stop();
  }
}

const results: Record<string, { p50: number[]; p99: number[]; n: number[]; idleP99: number[] }> = {};
for (const k of kinds) {
  const why = unavailable(k);
  if (why) { console.log(`${k} skipped: ${why}`); continue; }
  results[k] = { p50: [], p99: [], n: [], idleP99: [] };
}
for (let r = 0; r < rounds; r++) {
  for (const k of r % 2 ? [...kinds].reverse() : kinds) {
    if (!results[k]) continue;
    const x = await round(k);
    console.log(`  round ${r + 1}/${rounds} ${k}: request/reply during the flood p50 ${fixed(x.p50, 2)} ms p99 ${fixed(x.p99, 2)} ms (${x.n} requests; idle p99 ${fixed(x.idleP99, 2)} ms)`);
    for (const key of ['p50', 'p99', 'n', 'idleP99'] as const) results[k][key].push(x[key]);
  }
}
console.log(`\nisolation: unrelated request/reply while a publisher floods a frozen subscriber (1 KB, max_pending 8MB, write_deadline 2s), ${floodMs} ms, medians of ${rounds}`);
for (const [k, v] of Object.entries(results)) {
  console.log(`  ${k.padEnd(12)} p50 ${fixed(median(v.p50), 2)} ms  p99 ${fixed(median(v.p99), 2)} ms  requests ${median(v.n)}  (idle p99 ${fixed(median(v.idleP99), 2)} ms)`);
}
const a = results['tsnats'], b = results['nats-server'];
if (a && b) console.log(`  ratio p99 tsnats ÷ nats-server: ${fixed(median(a.p99) / median(b.p99), 2)}×`);
process.exit(0);
