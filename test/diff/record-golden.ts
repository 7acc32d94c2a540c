// Record the reference's outcomes into test/diff/golden/*.json.
//   npm run build && node dist/test/diff/record-golden.js [--check] [name-substring ...]
// --check: run the reference twice first and refuse to record if the two runs differ (a flaky transcript).
import { mkdirSync } from 'node:fs';
import { transcripts } from './transcripts.js';
import { runCorpus } from './harness.js';
import { GOLDEN_DIR, referenceVersion, staleGoldens, writeGolden, writeReadable } from './golden.js';
import { lineDiff } from './textdiff.js';

const argv = process.argv.slice(2);
const check = argv.includes('--check');
const filters = argv.filter((a) => !a.startsWith('--'));
const chosen = filters.length ? transcripts.filter((t) => filters.some((f) => t.name.includes(f))) : transcripts;

const version = referenceVersion();
if (!version) {
  console.error('nats-server is not installed: nothing to record from');
  process.exit(1);
}
mkdirSync(GOLDEN_DIR, { recursive: true });

const first = await runCorpus('nats-server', chosen);
if (first.errors.size) {
  for (const [name, err] of first.errors) console.error(`${name}: ${err}`);
  process.exit(1);
}
console.log(`ran ${chosen.length} transcripts against ${version} in ${first.wallMs}ms`);
if (check) {
  const second = await runCorpus('nats-server', chosen);
  let unstable = 0;
  for (const t of chosen) {
    const d = lineDiff(first.outcomes.get(t.name)!, second.outcomes.get(t.name)!, 'run 1', 'run 2');
    if (d) { unstable++; console.error(`UNSTABLE ${t.name}\n${d}\n`); }
  }
  if (unstable) {
    console.error(`${unstable} transcript(s) differ between two reference runs: fix them before recording`);
    process.exit(1);
  }
}
for (const t of chosen) writeGolden(t, version, first.outcomes.get(t.name)!);
if (!filters.length) for (const f of staleGoldens(new Set(transcripts.map((t) => t.name)), true)) console.log(`removed stale ${f}`);
console.log(`wrote ${chosen.length} golden file(s) to ${GOLDEN_DIR}, and ${writeReadable(transcripts)}`);
