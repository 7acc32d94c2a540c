// Print fuzz cases and what a server answers, while developing:
//   node dist/test/robustness/fuzz/show.js [--kind tsnats|nats-server] [--stats] SEED [SEED…] | FIRST-LAST
// --stats prints a one-line summary per outcome kind instead of every case.
import { generate } from './gen.js';
import { describeCase } from './case.js';
import { Lane } from './pair.js';
import { runCase } from './exec.js';
import type { ServerKind } from '../../helpers/servers.js';

const args = process.argv.slice(2);
let kind: ServerKind = 'nats-server';
let stats = false;
const seeds: number[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--kind') kind = args[++i] as ServerKind;
  else if (a === '--stats') stats = true;
  else if (/^\d+-\d+$/.test(a)) { const [x, y] = a.split('-').map(Number); for (let s = x!; s <= y!; s++) seeds.push(s); }
  else seeds.push(Number(a));
}
const lane = new Lane(kind);
const tally = new Map<string, number>();
try {
  for (const seed of seeds) {
    const c = generate(seed);
    const p = await lane.pair(c.setup);
    const srv = kind === 'nats-server' ? p.ref : p.cand;
    const t0 = Date.now();
    const out = await runCase(srv.port, c);
    if (stats) {
      const key = `${out[out.length - 1]} after ${out.length - 2} frame(s)`.replace(/\d+ frame/, (m) => (Number(m.split(' ')[0]) > 3 ? '>3 frame' : m));
      tally.set(key, (tally.get(key) ?? 0) + 1);
      const lastErr = out.find((l) => l.startsWith('-ERR'));
      if (lastErr) tally.set(`  ${lastErr}`, (tally.get(`  ${lastErr}`) ?? 0) + 1);
      continue;
    }
    console.log(describeCase(c));
    for (const l of out) console.log(`  => ${l}`);
    console.log(`  (${Date.now() - t0}ms)\n`);
  }
  if (stats) for (const [k, n] of [...tally].sort((a, b) => b[1] - a[1])) console.log(`${String(n).padStart(6)}  ${k}`);
} finally {
  await lane.close();
}
