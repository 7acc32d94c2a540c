// The crash test: a child process stores as fast as it can and reports what was acknowledged; it
// is SIGKILLed at random moments (sometimes while it is still recovering), and after each kill the
// store is reopened and checked: every acknowledged message is there with its payload, written
// removals stay removed, the store takes new writes. 30 rounds here (bench/js-store.ts runs more).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { crashRounds } from './crash-harness.js';
import { cleanupDirs, tempDir } from './helpers.js';

after(cleanupDirs);

test('SIGKILL at random moments loses no acknowledged message (stores and removals)', async () => {
  const rep = await crashRounds(tempDir('js-crash-'), 20, 'plain');
  assert.equal(rep.rounds, 20);
  assert.ok(rep.acked > 0);
  if (process.env.CRASH_VERBOSE) console.log(rep);
  assert.ok(rep.indexedBlocks > 0 && rep.scannedBlocks > 0, `reopens after a crash used the index file of the clean stop before it (${rep.indexedBlocks} blocks) and scanned what changed (${rep.scannedBlocks})`);
});

test('SIGKILL at random moments with max_msgs (floor entries, block removal)', async () => {
  const dir = tempDir('js-crash-');
  const rep = await crashRounds(dir, 10, 'limits');
  assert.equal(rep.rounds, 10);
  if (process.env.CRASH_VERBOSE) console.log(rep);
  // Ten rounds of unlucky kills (early, or after a few small batches) leave the stream short of its
  // limit in ~2 % of runs: more rounds on the same store until it is past it, so the floor entries
  // and block removals are always exercised.
  let last = rep.lastSeq;
  for (let more = 0; last <= 500 && more < 10; more++) last = (await crashRounds(dir, 2, 'limits')).lastSeq;
  assert.ok(last > 500, `the stream moved past its limit (last ${last})`);
});
