// `npm run bench`: every case against tsnats and nats-server, each a separate process with the same
// flags; rounds interleave the servers, medians are quoted, one summary line per case.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from './args.js';
import { BUSY_CORES, Skip, type Case, type Sample } from './model.js';
import { busyCores, header, machine, summarize, summaryLine, ratios, type KindResult } from './report.js';
import { liveServers, unavailable, type Kind } from './servers.js';
import { throughputCases, tlsThroughputCases } from './cases/throughput.js';
import { reqrepCase } from './cases/reqrep.js';
import { connsCase, tlsConnsCase } from './cases/conns.js';
import { handshakeCases } from './cases/handshake.js';
import { startupCases } from './cases/startup.js';
import { jetstreamCases } from './cases/jetstream.js';
import { jetstreamConsumerCases } from './cases/jetstream-consumers.js';
import { clusterCases } from './cases/cluster.js';
import { leafCases } from './cases/leaf.js';

const BUSY = BUSY_CORES;
const otherLoad = (x: Sample) => Number(x.extra?.otherCores ?? 0);

const s = (() => {
  try { return parseArgs(process.argv.slice(2)); } catch (e) { console.error((e as Error).message); process.exit(2); }
})();

const all: Case[] = [...throughputCases, reqrepCase, ...clusterCases, ...leafCases, connsCase(s), ...startupCases, ...tlsThroughputCases, ...handshakeCases, tlsConnsCase(s), ...jetstreamCases, ...jetstreamConsumerCases];
const cases = s.only.length ? all.filter((c) => s.only.includes(c.id) || s.only.includes(c.group)) : all;
if (!cases.length) { console.error(`--only ${s.only.join(',')} matches no case (${all.map((c) => c.id).join(' ')})`); process.exit(2); }

// Interrupted: end the servers this run started (children holding connections exit on disconnect).
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const p of liveServers) p.kill('SIGKILL');
    process.exit(130);
  });
}

const kinds = s.servers;
const missing = new Map<Kind, string>();
for (const k of kinds) { const why = unavailable(k); if (why) missing.set(k, why); }

const m = machine(await busyCores());
console.log(header(m));
console.log(`rounds ${s.rounds} (servers interleaved, medians), flood ${s.durationMs} ms after a ${s.warmupMs} ms warm-up, ` +
  `request/reply ${s.reqMs} ms; ratio = tsnats ÷ nats-server; srv/cli = CPU (utime+stime) of the server / load generators per unit`);
for (const [k, why] of missing) console.log(`${k} skipped: ${why}`);
console.log('');

const results: Record<string, unknown> = {};
let failedCases = 0;
const t0 = Date.now();
for (const c of cases) {
  const res: Partial<Record<Kind, KindResult>> = {};
  for (const k of kinds) {
    res[k] = { samples: [], errors: [] };
    const why = missing.get(k);
    if (why && !(k === 'tsnats' && c.inProcess)) res[k]!.skipped = why;
  }
  const rounds = c.rounds ? c.rounds(s) : s.rounds;
  for (let r = 0; r < rounds; r++) {
    // Alternate the order each round so neither server always runs first (or on a warmer machine).
    const order = r % 2 ? [...kinds].reverse() : kinds;
    for (const k of order) {
      const kr = res[k]!;
      if (kr.skipped) continue;
      try {
        let sample = await c.run(k, s);
        // --retry-busy: measure again while other processes disturbed the window; keep the calmest.
        for (let i = 0; i < s.retryBusy && otherLoad(sample) > BUSY; i++) {
          process.stderr.write(`  ${c.id} round ${r + 1}/${rounds} ${k}: other load ${otherLoad(sample).toFixed(1)} cores, measuring again\n`);
          const again = await c.run(k, s);
          if (otherLoad(again) < otherLoad(sample)) sample = again;
        }
        kr.samples.push(sample);
        const figs = c.metrics.map((mt) => `${mt.label}${mt.label ? ' ' : ''}${mt.format(sample.values[mt.key])}${mt.unit ? ' ' + mt.unit : ''}`).join(' ');
        const other = otherLoad(sample);
        const note = other > BUSY ? `  (other load on the machine: ${other.toFixed(1)} cores)` : '';
        process.stderr.write(`  ${c.id} round ${r + 1}/${rounds} ${k}: ${figs}${note}\n`);
      } catch (e) {
        if (e instanceof Skip) { kr.skipped = e.message; continue; }
        kr.errors.push((e as Error).message);
        process.stderr.write(`  ${c.id} round ${r + 1}/${rounds} ${k}: FAILED ${(e as Error).message}\n`);
      }
    }
  }
  for (const k of kinds) summarize(res[k]!, c);
  if (kinds.some((k) => !res[k]!.skipped && !res[k]!.median)) failedCases++;
  console.log(summaryLine(c, res, kinds));
  results[c.id] = {
    title: c.title,
    metrics: c.metrics.map((mt) => ({ key: mt.key, unit: mt.unit, better: mt.better })),
    cpu: `ns of CPU per ${c.cpuPer} (serverCpu, clientCpu)`,
    ratio: ratios(c, res),
    servers: res,
  };
}
const secs = (Date.now() - t0) / 1000;
console.log(`\ndone in ${secs.toFixed(0)} s; results in ${s.json}${failedCases ? `; ${failedCases} case(s) without a result` : ''}`);
mkdirSync(dirname(s.json), { recursive: true });
writeFileSync(s.json, JSON.stringify({ machine: m, settings: s, seconds: secs, cases: results }, (_k, v) => (typeof v === 'bigint' ? Number(v) : v), 2) + '\n');
process.exit(failedCases ? 1 : 0);
