// Run the corpus against one kind of server. Transcripts with the same setup share a server and run one
// after another (so they cannot see each other's connections); distinct setups, and shards of a large
// setup, run in parallel. Every server started here is stopped before runCorpus returns.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerKind, type TestServer } from '../helpers/servers.js';
import type { Transcript } from './model.js';
import { runTranscript } from './runner.js';

/** Transcripts per server instance: more parallelism for the big default group. */
const PER_SERVER = 20;

export interface CorpusResult {
  outcomes: Map<string, string[]>;
  /** Transcripts that could not run because their server did not start, with the reason. */
  errors: Map<string, string>;
  wallMs: number;
}

export function setupKey(t: Transcript): string {
  const s = t.setup ?? {};
  return s.exclusive ? `exclusive:${t.name}` : JSON.stringify({ args: s.args ?? [], config: s.config ?? '' });
}

/** Batches of transcripts, each batch run sequentially on its own server. */
export function batches(list: Transcript[]): Transcript[][] {
  const groups = new Map<string, Transcript[]>();
  for (const t of list) {
    const k = setupKey(t);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(t);
  }
  const out: Transcript[][] = [];
  for (const g of groups.values()) {
    const n = Math.ceil(g.length / PER_SERVER);
    for (let i = 0; i < n; i++) out.push(g.filter((_, j) => j % n === i));
  }
  return out;
}

async function startFor(kind: ServerKind, t: Transcript, dir: string, idx: number): Promise<TestServer> {
  const setup = t.setup ?? {};
  let config: string | undefined;
  if (setup.config !== undefined) {
    config = join(dir, `setup-${idx}.conf`);
    await writeFile(config, setup.config);
  }
  return startServer(kind, { args: setup.args, config });
}

export async function runCorpus(kind: ServerKind, list: Transcript[]): Promise<CorpusResult> {
  const started = Date.now();
  const outcomes = new Map<string, string[]>();
  const errors = new Map<string, string>();
  const dir = await mkdtemp(join(tmpdir(), `tsnats-diff-${kind}-`));
  try {
    // allSettled, not all: whatever fails, every other batch still finishes and stops its server.
    const settled = await Promise.allSettled(batches(list).map(async (batch, idx) => {
      let srv: TestServer;
      try {
        srv = await startFor(kind, batch[0]!, dir, idx);
      } catch (e) {
        // Only this setup's transcripts fail (e.g. a flag the candidate does not support yet).
        for (const t of batch) errors.set(t.name, `${kind} did not start: ${(e as Error).message.trim()}`);
        return;
      }
      try {
        for (const t of batch) outcomes.set(t.name, await runTranscript(t, srv.port));
      } finally {
        await srv.stop();
      }
    }));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { outcomes, errors, wallMs: Date.now() - started };
}
