// The crash loop (used by crash.test.ts, and by bench/js-store.ts for many more rounds): run the
// crash child, SIGKILL it at a random moment (sometimes while it is still opening/recovering the
// store, usually while it writes), reopen the store and check that every acknowledged message is
// there with its payload, every reported removal stayed removed, and the store takes new writes.
// Each check ends with a clean stop, so every child starts from an index file and every kill is a
// crash after a clean restart: the reopen takes the blocks unchanged since from that index.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { FileStore } from '../../../src/jetstream/store/file.js';
import { crashPayload } from './crash-payload.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'crash-child.js');

export type CrashMode = 'plain' | 'limits';

export interface CrashReport {
  rounds: number;
  acked: number;
  killedBeforeOpen: number;
  recoveryWarnings: number;
  lastSeq: number;
  /** Over the reopens: blocks taken from the index file of the previous clean stop, blocks scanned. */
  indexedBlocks: number;
  scannedBlocks: number;
}

interface Round {
  acks: number;
  opened: boolean;
}

function runChild(
  dir: string,
  round: number,
  mode: CrashMode,
  acked: Map<number, number>,
  removed: Set<number>,
  undecided: Set<number>,
  compactedBelow: { v: number; maybe: number },
  rnd: () => number,
): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(round), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const r: Round = { acks: 0, opened: false };
    // Half the rounds die after a random number of acknowledged batches, some very early
    // (possibly while recovering), the rest after a random delay.
    const early = rnd() < 0.2;
    const killAfterAcks = early ? 0 : 1 + Math.floor(rnd() * 30);
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const timer = early ? setTimeout(kill, 40 + Math.floor(rnd() * 120)) : setTimeout(kill, 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      let i: number;
      while ((i = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, i);
        out = out.slice(i + 1);
        const [k, a, b] = line.split(' ');
        if (k === 'O') r.opened = true;
        else if (k === 'A') {
          for (let s = Number(a); s <= Number(b); s++) acked.set(s, round);
          if (++r.acks === killAfterAcks) {
            if (rnd() < 0.5) kill();
            else setTimeout(kill, Math.floor(rnd() * 5));
          }
        } else if (k === 'r') undecided.add(Number(a));
        else if (k === 'R') removed.add(Number(a));
        else if (k === 'c') compactedBelow.maybe = Math.max(compactedBelow.maybe, Number(a));
        else if (k === 'C') compactedBelow.v = Math.max(compactedBelow.v, Number(a));
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      if (sig !== 'SIGKILL') reject(new Error(`crash child exited by itself (${code} ${sig}): ${err}`));
      else resolve(r);
    });
  });
}

/** Run `rounds` crash rounds on dir; throws (with the details) at the first lost acknowledged message. */
export async function crashRounds(dir: string, rounds: number, mode: CrashMode, rnd: () => number = Math.random): Promise<CrashReport> {
  const acked = new Map<number, number>(); // seq -> round that stored it
  const removed = new Set<number>();
  const undecided = new Set<number>();
  const compactedBelow = { v: 0, maybe: 0 };
  const rep: CrashReport = { rounds: 0, acked: 0, killedBeforeOpen: 0, recoveryWarnings: 0, lastSeq: 0, indexedBlocks: 0, scannedBlocks: 0 };
  const limit = mode === 'limits' ? 500 : 0;
  for (let round = 1; round <= rounds; round++) {
    const r = await runChild(dir, round, mode, acked, removed, undecided, compactedBelow, rnd);
    if (!r.opened) rep.killedBeforeOpen++;
    const logs: string[] = [];
    const s = new FileStore({ dir, name: 'CRASH', blockSize: 8192, limits: limit ? { maxMsgs: limit } : {}, log: (_l, m) => logs.push(m) });
    try {
      rep.recoveryWarnings += logs.length;
      rep.indexedBlocks += s.recovered.indexed;
      rep.scannedBlocks += s.recovered.scanned;
      const st = s.state();
      let maxAcked = 0;
      for (const q of acked.keys()) if (q > maxAcked) maxAcked = q;
      if (st.last_seq < maxAcked) throw new Error(`round ${round}: last_seq ${st.last_seq} < acknowledged ${maxAcked}`);
      const lo = limit ? st.last_seq - limit : 0;
      if (limit && st.messages > limit) throw new Error(`round ${round}: ${st.messages} messages with max_msgs ${limit}`);
      for (const [q, rd] of acked) {
        if (q <= lo) {
          acked.delete(q);
          continue;
        }
        const m = s.loadMsg(q);
        if (q < compactedBelow.v) {
          if (m) throw new Error(`round ${round}: message ${q} is back after a compact to ${compactedBelow.v}`);
          acked.delete(q);
          continue;
        }
        if (removed.has(q)) {
          if (m) throw new Error(`round ${round}: message ${q} was removed (and the removal written) but is back`);
          continue;
        }
        // A removal or compaction the child started but was killed before confirming: either way.
        if (undecided.has(q) || q < compactedBelow.maybe) {
          if (!m) acked.delete(q);
          continue;
        }
        if (!m) throw new Error(`round ${round}: acknowledged message ${q} (round ${rd}) is missing; state ${JSON.stringify(st)}; logs ${logs.join(' | ')}`);
        if (!m.msg.equals(crashPayload(q, rd))) throw new Error(`round ${round}: message ${q} has the wrong payload: ${m.msg.toString('latin1', 0, 20)}`);
      }
      // The store takes new writes after recovery.
      let ok = 0;
      const { seq } = s.storeMsg('crash.parent', null, crashPayload(st.last_seq + 1, 100_000 + round), (e) => {
        if (!e) ok++;
      });
      s.flush();
      if (ok !== 1 || seq !== st.last_seq + 1) throw new Error(`round ${round}: the recovered store did not take a new message`);
      acked.set(seq, 100_000 + round);
      rep.lastSeq = seq;
    } finally {
      s.stop();
    }
    rep.rounds++;
  }
  rep.acked = acked.size;
  return rep;
}
