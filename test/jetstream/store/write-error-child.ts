// Child of the write-error test, run under `ulimit -f` so the block file cannot grow past a limit
// and write(2) fails for real (EFBIG, after a short write). It stores until acknowledgements fail,
// checks the store from the inside, and prints a JSON report. Usage: write-error-child.js <dir>
import { FileStore } from '../../../src/jetstream/store/file.js';
import { StoreError } from '../../../src/jetstream/store/errors.js';
import { payload } from './helpers.js';

process.on('SIGXFSZ', () => {}); // the default action would kill us; we want the EFBIG error

const dir = process.argv[2];
// A back-off long enough that the checks above fit inside it on a loaded machine.
const store = new FileStore({ dir, name: 'WERR', blockSize: 1 << 20, writeErrorBackoffMs: 3000 });
const ok: number[] = [];
const failed: { seq: number; code: string; message: string; api: unknown }[] = [];
const cb = (err: StoreError | null, seq: number) => {
  if (err) failed.push({ seq, code: err.code, message: err.message, api: err.apiError });
  else ok.push(seq);
};

function batch(): void {
  for (let i = 0; i < 20; i++) {
    const next = store.state().last_seq + 1;
    store.storeMsg('werr', null, payload(next, 1000), cb);
  }
  store.flush();
}

const report: Record<string, unknown> = {};
while (failed.length === 0 && ok.length < 10_000) batch();
const st = store.state();
report.ok = [...ok];
report.failed = [...failed];
report.lastSeqAfter = st.last_seq;
report.messagesAfter = st.messages;
report.loadsOk = ok.every((q) => store.loadMsg(q)?.msg.equals(payload(q, 1000)));
report.failedGone = failed.every((f) => f.seq > st.last_seq && store.loadMsg(f.seq) === null);
try {
  store.storeMsg('werr', null, payload(0, 10), null);
  report.backoff = 'accepted';
} catch (e) {
  report.backoff = (e as StoreError).code;
}
report.removed = store.removeMsg(ok[0]) ? ok[0] : 0;
setTimeout(() => {
  // After the back-off the store tries again (and fails again: the file is still at its limit).
  const before = failed.length;
  try {
    batch();
    report.retry = failed.length > before ? 'failed again' : 'written';
  } catch (e) {
    report.retry = `refused ${(e as StoreError).code}`;
  }
  report.lastSeqEnd = store.state().last_seq;
  store.stop();
  process.stdout.write(JSON.stringify(report));
}, 3100);
