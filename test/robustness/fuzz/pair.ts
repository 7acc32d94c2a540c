// A reference server and a candidate server with the same setup, and the verdict on one case: the two
// must answer alike. A first difference is re-run patiently (longer waits, longer pauses between
// writes) before it counts, and the reference is run again to tell its own nondeterminism (which queue
// member gets a message, how a read is split) from a real difference.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerKind, type TestServer } from '../../helpers/servers.js';
import { lineDiff } from '../../diff/textdiff.js';
import { SETUPS, chunks, type Case, type SetupName } from './case.js';
import { FAST, PATIENT, runCase, type ExecOptions } from './exec.js';
import { explain, cutAfterClientErr, ERR_READ_ON } from './known.js';

export interface Pair {
  setup: SetupName;
  ref: TestServer;
  cand: TestServer;
}

export type Verdict =
  | { ok: true; note?: 'timing' | 'nondeterministic-reference' | 'reference-read-size' }
  | { ok: true; note: 'known'; reasons: string[] }
  | { ok: false; crashed: boolean; ref: string[]; cand: string[]; diff: string };

/** Servers for each setup, started on first use and stopped by close(). */
export class Lane {
  private pairs = new Map<SetupName, Promise<Pair>>();
  private dir: Promise<string> | null = null;

  constructor(readonly candidate: ServerKind) {}

  pair(setup: SetupName): Promise<Pair> {
    let p = this.pairs.get(setup);
    if (!p) {
      p = this.start(setup);
      this.pairs.set(setup, p);
    }
    return p;
  }

  private async configFile(setup: SetupName): Promise<string | undefined> {
    if (!SETUPS[setup]) return undefined;
    const dir = await (this.dir ??= mkdtemp(join(tmpdir(), 'tsnats-fuzz-')));
    const f = join(dir, `${setup}.conf`);
    await writeFile(f, SETUPS[setup]);
    return f;
  }

  private async start(setup: SetupName): Promise<Pair> {
    const config = await this.configFile(setup);
    const [ref, cand] = await Promise.allSettled([startServer('nats-server', { config }), startServer(this.candidate, { config })]);
    if (ref.status === 'rejected' || cand.status === 'rejected') {
      if (ref.status === 'fulfilled') await ref.value.stop();
      if (cand.status === 'fulfilled') await cand.value.stop();
      throw (ref.status === 'rejected' ? ref.reason : (cand as PromiseRejectedResult).reason) as Error;
    }
    return { setup, ref: ref.value, cand: cand.value };
  }

  /** Replace a candidate that died (after a crash), so shrinking can go on. */
  async revive(p: Pair): Promise<void> {
    if (alive(p.cand)) return;
    p.cand = await p.cand.restart();
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.pairs.values());
    await Promise.all(all.flatMap((r) => (r.status === 'fulfilled' ? [r.value.ref.stop(), r.value.cand.stop()] : [])));
    this.pairs.clear();
    if (this.dir) await rm(await this.dir, { recursive: true, force: true });
  }
}

export function alive(s: TestServer): boolean {
  return s.proc.exitCode === null && s.proc.signalCode === null;
}

export async function compare(p: Pair, c: Case, o: ExecOptions): Promise<{ ref: string[]; cand: string[]; diff: string | null }> {
  const [ref, cand] = await Promise.all([runCase(p.ref.port, c, o), runCase(p.cand.port, c, o)]);
  return { ref, cand, diff: lineDiff(ref, cand, 'nats-server', p.cand.kind) };
}

/** The candidate must answer as the reference does, and must still be running afterwards. */
export async function judge(p: Pair, c: Case): Promise<Verdict> {
  const first = await compare(p, c, FAST);
  if (!alive(p.cand)) return crashed(p, first);
  if (!first.diff) return { ok: true };
  const again = await compare(p, c, PATIENT);
  if (!alive(p.cand)) return crashed(p, again);
  if (!again.diff) return { ok: true, note: 'timing' };
  // Does the reference itself answer differently from run to run (queue groups, read splits)?
  const refRuns = [first.ref, again.ref, await runCase(p.ref.port, c, PATIENT)];
  const refVaries = refRuns.some((r) => lineDiff(r, refRuns[0]!, '', '') !== null);
  if (refVaries && refRuns.some((r) => !lineDiff(r, again.cand, '', ''))) return { ok: true, note: 'nondeterministic-reference' };
  // Given the reads the reference had (its read buffer), does the candidate answer alike? Then the
  // difference is only in how bytes fell into reads: the reference's parser keeps a CR inside a control
  // line or not depending on it (parser.go appends to argBuf without the CRs of a split line).
  const resplit = await runCase(p.cand.port, goReadSplits(c), PATIENT);
  if (!lineDiff(again.ref, resplit, '', '')) return { ok: true, note: 'reference-read-size' };
  const reasons = await explainKnown(p, c, again.ref, again.cand);
  if (reasons) return { ok: true, note: 'known', reasons };
  return { ok: false, crashed: false, ref: again.ref, cand: again.cand, diff: again.diff };
}

function crashed(p: Pair, r: { ref: string[]; cand: string[] }): Verdict {
  const tail = p.cand.output().split('\n').slice(-30).join('\n');
  return {
    ok: false, crashed: true, ref: r.ref, cand: r.cand,
    diff: `${p.cand.kind} exited (code ${p.cand.proc.exitCode}, signal ${p.cand.proc.signalCode}); the end of its output:\n${tail}`,
  };
}

/** The known differences (known.ts) that explain this one, or null; may run the reference again. */
export async function explainKnown(p: Pair, c: Case, ref: string[], cand: string[]): Promise<string[] | null> {
  const k = explain(c, ref, cand);
  if (k) return k;
  const cut = cutAfterClientErr(c);
  if (!cut) return null;
  const stopped = await runCase(p.ref.port, cut, PATIENT);
  if (!lineDiff(stopped, cand, '', '')) return [ERR_READ_ON];
  const more = explain(c, stopped, cand);
  return more ? [ERR_READ_ON, ...more] : null;
}

/**
 * Failure check for the shrinker: the same kind of failure (a crash, or a difference that is not a
 * known one: otherwise the shrinking would wander off to a known difference).
 */
export async function stillFails(lane: Lane, p: Pair, c: Case, crash: boolean): Promise<boolean> {
  await lane.revive(p);
  const r = await compare(p, c, FAST);
  if (crash) return !alive(p.cand);
  if (!r.diff) return false;
  // Confirm patiently so a timing blip does not steer the shrinking.
  const again = await compare(p, c, PATIENT);
  if (again.diff === null || (await explainKnown(p, c, again.ref, again.cand))) return false;
  return lineDiff(again.ref, await runCase(p.cand.port, goReadSplits(c), PATIENT), '', '') !== null;
}

/**
 * The case cut into the reads nats-server makes of it: its read buffer starts at 512 bytes and doubles
 * (up to 64 KiB) after each read that fills it (client.go readLoop, startBufSize/maxBufSize).
 */
export function goReadSplits(c: Case): Case {
  const ops: Case['ops'] = [];
  let size = 512;
  for (const w of chunks(c)) {
    for (let at = 0; at < w.length; ) {
      const take = Math.min(size, w.length - at);
      ops.push({ bytes: w.subarray(at, at + take), cuts: [], split: true });
      at += take;
      if (take === size && size < 65536) size *= 2;
    }
  }
  return { ...c, ops };
}
