// Differential suite: every transcript in transcripts.ts is sent to nats-server (the reference) and to the
// candidate (tsnats; or nats-server again with TSNATS_DIFF_AGAINST=nats-server), and what the clients
// received, and when connections closed, must be identical after normalisation (frames.ts).
// Without nats-server installed (or with TSNATS_DIFF_REFERENCE=golden), the candidate is compared with the
// recorded golden files instead.
// A difference is a bug, unless the transcript carries `knownDifference` (and docs/compatibility.md a line).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { transcripts } from './transcripts.js';
import { runCorpus, type CorpusResult } from './harness.js';
import { readGolden, referenceVersion } from './golden.js';
import { lineDiff } from './textdiff.js';

const against = (process.env.TSNATS_DIFF_AGAINST ?? 'tsnats') as ServerKind;
if (against !== 'tsnats' && against !== 'nats-server') throw new Error(`TSNATS_DIFF_AGAINST must be tsnats or nats-server, not ${against}`);
/** TSNATS_DIFF_REFERENCE=golden compares with the golden files even when nats-server is installed. */
const haveReference = hasNatsServer() && process.env.TSNATS_DIFF_REFERENCE !== 'golden';
const version = referenceVersion();
const RECORD = 'npm run build && node dist/test/diff/record-golden.js';

/** The reference runs once; both suites below use its outcomes. */
let referenceRun: Promise<CorpusResult> | undefined;
const runReference = () => (referenceRun ??= runCorpus('nats-server', transcripts));

describe(`differential: nats-server vs ${against}`, () => {
  let reference: CorpusResult | null = null;
  let candidate: CorpusResult;

  before(async () => {
    [reference, candidate] = await Promise.all([
      haveReference ? runReference() : Promise.resolve(null),
      runCorpus(against, transcripts),
    ]);
  });

  it('has unique transcript names', () => {
    const names = transcripts.map((t) => t.name);
    assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), []);
  });

  for (const t of transcripts) {
    it(t.name, (ctx) => {
      const setup = JSON.stringify(t.setup ?? {});
      if (reference?.errors.has(t.name)) assert.fail(`${reference.errors.get(t.name)} (setup ${setup})`);
      if (candidate.errors.has(t.name)) assert.fail(`${candidate.errors.get(t.name)} (setup ${setup})`);
      let expected: string[];
      let label: string;
      if (reference) {
        expected = reference.outcomes.get(t.name)!;
        label = `nats-server (${t.about})`;
      } else {
        const g = readGolden(t.name);
        assert.ok(g, `not running nats-server and there is no golden file for ${t.name}; record one with: ${RECORD}`);
        expected = g.outcome;
        label = `golden, ${g.reference} (${t.about})`;
      }
      const diff = lineDiff(expected, candidate.outcomes.get(t.name)!, label, against);
      if (t.knownDifference) {
        assert.ok(diff, `${t.name} is marked knownDifference ("${t.knownDifference}") but ${against} now answers exactly like the reference: remove the mark and its line in docs/compatibility.md`);
        ctx.diagnostic(`known difference: ${t.knownDifference}\n${diff}`);
        return;
      }
      if (diff) assert.fail(`${against} differs from the reference on "${t.name}":\n${diff}`);
    });
  }
});

describe('differential: the reference still answers as recorded in test/diff/golden', { skip: !haveReference && 'not running nats-server' }, () => {
  let reference: CorpusResult;
  before(async () => {
    reference = await runReference();
  });

  for (const t of transcripts) {
    it(`golden: ${t.name}`, () => {
      if (reference.errors.has(t.name)) assert.fail(reference.errors.get(t.name));
      const g = readGolden(t.name);
      assert.ok(g, `no golden file for ${t.name}; record it with: ${RECORD}`);
      const diff = lineDiff(g.outcome, reference.outcomes.get(t.name)!, `golden (${g.reference})`, `nats-server now (${version})`);
      if (diff) {
        assert.fail(`the reference no longer answers "${t.name}" as recorded (a changed transcript, or a different nats-server).\n` +
          `Check the difference, then re-record with: ${RECORD} ${t.name}\n${diff}`);
      }
      assert.equal(g.reference, version, `golden files were recorded with ${g.reference}, the installed reference is ${version}`);
    });
  }
});
