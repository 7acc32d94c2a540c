// Differential fuzzing: seeded random client sessions — valid ops, mutated ops, garbage, random read
// splits (fuzz/gen.ts) — are sent byte for byte to nats-server and to tsnats over raw TCP, and what the
// client receives (frames normalised as in test/diff) and whether the server closes must be the same.
// A difference is shrunk to a minimal reproducer and printed with its seed and as a transcript for
// test/diff/transcripts.ts. The tsnats process must also survive every case.
//
//   node scripts/test.mjs robustness/fuzz                                   # the fixed cases of npm test
//   TSNATS_FUZZ_CASES=100000 TSNATS_FUZZ_SEED=7 node scripts/test.mjs robustness/fuzz   # a long run
//   TSNATS_FUZZ_SEED=1234 TSNATS_FUZZ_CASES=1 node scripts/test.mjs robustness/fuzz    # one seed
//   TSNATS_FUZZ_AGAINST=nats-server …                                        # harness check: reference vs itself
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { generate } from './fuzz/gen.js';
import { Lane, judge, stillFails } from './fuzz/pair.js';
import { shrink } from './fuzz/shrink.js';
import { describeCase, toTranscript, chunks, type Case } from './fuzz/case.js';

const intEnv = (name: string, def: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not ${v}`);
  return n;
};

const DEFAULT_CASES = 300;
const CASES = intEnv('TSNATS_FUZZ_CASES', DEFAULT_CASES);
const SEED = intEnv('TSNATS_FUZZ_SEED', 1);
const LANES = Math.max(1, intEnv('TSNATS_FUZZ_LANES', 3));
/** Stop after this many distinct failures (each is shrunk, which takes a while). */
const MAX_FAILURES = Math.max(1, intEnv('TSNATS_FUZZ_MAX_FAILURES', 3));
const SHRINK_ATTEMPTS = intEnv('TSNATS_FUZZ_SHRINK_ATTEMPTS', 150);
const AGAINST = (process.env.TSNATS_FUZZ_AGAINST ?? 'tsnats') as ServerKind;
if (AGAINST !== 'tsnats' && AGAINST !== 'nats-server') throw new Error(`TSNATS_FUZZ_AGAINST must be tsnats or nats-server, not ${AGAINST}`);

interface Finding {
  seed: number;
  signature: string;
  report: string;
}

/** What kind of difference this is (the first lines that differ), to report each kind once. */
function signature(diff: string): string {
  const changed = diff.split('\n').slice(2).filter((l) => l.startsWith('-') || l.startsWith('+'));
  return changed.slice(0, 2).map((l) => l.replace(/\d+/g, '#')).join(' / ');
}

const skip = hasNatsServer() ? false : 'nats-server is not installed (/usr/sbin/nats-server): the differential fuzz needs the reference (apt-get install -y nats-server)';

describe(`differential fuzz: nats-server vs ${AGAINST}`, { skip }, () => {
  it(`${CASES} seeded cases (seeds ${SEED}…${SEED + CASES - 1}) get the reference's answers`, { timeout: CASES > DEFAULT_CASES ? Infinity : 150_000 }, async (t) => {
    const started = Date.now();
    const lanes = Array.from({ length: LANES }, () => new Lane(AGAINST));
    const findings: Finding[] = [];
    const known = new Map<string, number[]>();
    const counts = { agree: 0, timing: 0, 'nondeterministic-reference': 0, 'reference-read-size': 0, repeated: 0 };
    let next = 0;
    let done = 0;
    const signatures = new Set<string>();
    try {
      await Promise.all(lanes.map(async (lane) => {
        while (next < CASES && findings.length < MAX_FAILURES) {
          const seed = SEED + next++;
          const c = generate(seed);
          const p = await lane.pair(c.setup);
          const v = await judge(p, c);
          done++;
          if (CASES > 1000 && done % 1000 === 0) process.stderr.write(`fuzz: ${done}/${CASES} cases, ${findings.length} finding(s), ${((Date.now() - started) / 1000).toFixed(0)}s\n`);
          if (v.ok && v.note === 'known') { for (const reason of v.reasons) known.set(reason, [...(known.get(reason) ?? []), seed]); continue; }
          if (v.ok) { counts[v.note ?? 'agree']++; continue; }
          const sig = v.crashed ? 'crash' : signature(v.diff);
          if (signatures.has(sig)) { counts.repeated++; continue; }
          signatures.add(sig);
          const s = await shrink(c, (x) => stillFails(lane, p, x, v.crashed), SHRINK_ATTEMPTS);
          await lane.revive(p);
          const final = s.c === c ? v : await judge(p, s.c);
          const shown = final.ok ? { c, v } : { c: s.c, v: final };
          findings.push({ seed, signature: sig, report: report(seed, c, shown.c, shown.v as Extract<typeof v, { ok: false }>, s.attempts) });
        }
      }));
    } finally {
      await Promise.all(lanes.map((l) => l.close()));
    }
    const secs = (Date.now() - started) / 1000;
    t.diagnostic(`${done} cases in ${secs.toFixed(1)}s on ${LANES} lane(s): ${counts.agree} agreed at once, ${counts.timing} after a patient re-run, ` +
      `${counts['nondeterministic-reference']} where the reference itself varies, ${counts['reference-read-size']} alike once cut into the reference's reads, ` +
      `${counts.repeated} more of an already reported kind`);
    for (const [reason, seeds] of known) t.diagnostic(`known difference (${seeds.length} case(s), e.g. seed ${seeds[0]}): ${reason}`);
    if (findings.length) {
      assert.fail(`${findings.length} difference(s) from the reference (stopped after ${MAX_FAILURES}; ${done} cases run):\n\n` +
        findings.map((f) => f.report).join('\n\n' + '='.repeat(100) + '\n\n'));
    }
  });
});

function report(seed: number, original: Case, minimal: Case, v: { crashed: boolean; diff: string }, attempts: number): string {
  const size = (c: Case) => `${c.ops.length} op(s), ${chunks(c).reduce((n, b) => n + b.length, 0)} bytes`;
  return [
    `seed ${seed}: ${v.crashed ? `${AGAINST} CRASHED` : `${AGAINST} answers differently`} (rerun: TSNATS_FUZZ_SEED=${seed} TSNATS_FUZZ_CASES=1 node scripts/test.mjs robustness/fuzz)`,
    `minimal reproducer (shrunk from ${size(original)} to ${size(minimal)} in ${attempts} attempts):`,
    describeCase(minimal),
    'as a differential transcript (test/diff/transcripts.ts):',
    '  ' + toTranscript(minimal, `fuzz-${seed}`),
    v.diff,
  ].join('\n');
}
