// Write errors for real: a child runs with `ulimit -f` so a block file cannot grow past 64 KiB and
// write(2) fails (a short write, then EFBIG). The failed batch must get error acks (never a
// positive one), the store must roll back to what is on disk and keep running, refuse stores for
// the back-off, and after the child ends every acknowledged message must be there.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { FileStore } from '../../../src/jetstream/store/file.js';
import { cleanupDirs, tempDir, payload } from './helpers.js';

after(cleanupDirs);

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'write-error-child.js');
const skip = existsSync('/bin/bash') ? false : 'needs bash for ulimit -f';

test('a failed write: error acks, rollback to the disk, back-off, nothing acknowledged lost', { skip }, () => {
  const dir = tempDir('js-werr-');
  const r = spawnSync('/bin/bash', ['-c', `ulimit -f 64 && exec "${process.execPath}" "${CHILD}" "${dir}"`], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.ok(rep.ok.length > 20, `acknowledged before the limit: ${rep.ok.length}`);
  assert.ok(rep.failed.length > 0);
  for (const f of rep.failed) {
    assert.equal(f.code, 'WRITE_FAILED');
    assert.match(f.message, /^write \S+\/msgs\/1\.blk: file too large$/);
    assert.deepEqual(f.api, { code: 503, err_code: 10077, description: f.message });
  }
  const maxOk = Math.max(...rep.ok);
  assert.ok(Math.min(...rep.failed.map((f: { seq: number }) => f.seq)) > maxOk, 'no failure before an ack');
  assert.equal(rep.lastSeqAfter, maxOk, 'rolled back to the last written message');
  assert.equal(rep.messagesAfter, rep.ok.length);
  assert.equal(rep.loadsOk, true);
  assert.equal(rep.failedGone, true);
  assert.equal(rep.backoff, 'WRITE_FAILED', 'refused during the back-off');
  assert.equal(rep.retry, 'failed again');
  assert.equal(rep.lastSeqEnd, maxOk);
  // Without the limit: everything acknowledged is there, nothing else, and writing works.
  const s = new FileStore({ dir });
  const st = s.state();
  assert.equal(st.last_seq, maxOk);
  for (const q of rep.ok) {
    if (q === rep.removed) assert.equal(s.loadMsg(q), null);
    else assert.deepEqual(s.loadMsg(q)?.msg, payload(q, 1000), `message ${q}`);
  }
  let acked = false;
  s.storeMsg('werr', null, payload(1, 10), (e) => (acked = e === null));
  s.flush();
  assert.equal(acked, true);
  s.stop();
});
