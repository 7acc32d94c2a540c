// Child process of the crash test: opens a file store and stores messages as fast as it can, in
// batches; after each flush it reports the acknowledged sequences on stdout ("A first last"), and
// the removals it made ("R seq", reported after removeMsg returned, i.e. after it was written) and
// its compactions ("C seq": everything below seq removed); "r"/"c" announce them before they start
// (a kill in between leaves them undecided: the message may be there or not).
// The parent SIGKILLs it at a random moment. Usage: crash-child.js <dir> <round> <mode>
// (mode "plain": stores and random removals; "limits": max_msgs 500, stores only).
import { writeSync } from 'node:fs';
import { FileStore } from '../../../src/jetstream/store/file.js';
import { crashPayload } from './crash-payload.js';

const [dir, roundArg, mode] = process.argv.slice(2);
const round = Number(roundArg);

function say(line: string): void {
  writeSync(1, line + '\n');
}

if (dir) {
  const store = new FileStore({
    dir,
    name: 'CRASH',
    blockSize: 8192,
    maxPendingBytes: 4096,
    limits: mode === 'limits' ? { maxMsgs: 500 } : {},
  });
  say(`O ${store.state().last_seq}`);
  let acked: number[] = [];
  let n = 0;
  const loop = () => {
    const batch = 1 + (n++ % 97);
    for (let i = 0; i < batch; i++) {
      const want = store.state().last_seq + 1;
      const { seq } = store.storeMsg(`crash.${want % 5}`, null, crashPayload(want, round), (err, s) => {
        if (err) throw err;
        acked.push(s);
      });
      if (seq !== want) throw new Error(`got seq ${seq}, expected ${want}`);
    }
    store.flush();
    if (acked.length) say(`A ${acked[0]} ${acked[acked.length - 1]}`);
    acked = [];
    if (mode === 'plain' && n % 5 === 0) {
      const st = store.state();
      const victim = st.first_seq + Math.floor(Math.random() * (st.last_seq - st.first_seq + 1));
      say(`r ${victim}`); // intent first: a kill between the two leaves it undecided
      if (store.removeMsg(victim)) say(`R ${victim}`);
    }
    if (mode === 'plain' && n % 40 === 0) {
      // A purge by sequence keeping the newest ~300 (compact: written before it returns).
      const cut = store.state().last_seq - 300;
      if (cut > store.state().first_seq) {
        say(`c ${cut}`);
        store.compact(cut);
        say(`C ${cut}`);
      }
    }
    setImmediate(loop);
  };
  loop();
}
