// Runs a list of scenarios, each on its own fresh server, a few at a time.
import type { Scenario } from './model.js';
import { runScenario } from './runner.js';
import { startJsServer, type ServerKind } from './servers.js';
import type { Transcript } from './transcript.js';

export interface SuiteResult {
  transcripts: Map<string, Transcript>;
  /** Scenarios that failed to run (server did not start, a step threw), with the reason. */
  errors: Map<string, string>;
  wallMs: number;
}

/** Runs one scenario on a fresh server of `kind` and stops the server. */
export async function runOnFreshServer(kind: ServerKind, sc: Scenario): Promise<Transcript> {
  const srv = await startJsServer(kind, sc.setup ?? {});
  try {
    return await runScenario(srv.url, sc, { monitorUrl: srv.monitorUrl, storeDir: srv.storeDir });
  } catch (e) {
    const out = srv.server.output().split('\n').slice(-30).join('\n');
    throw new Error(`${(e as Error).message}\n--- ${kind} output (last lines):\n${out}`);
  } finally {
    await srv.stop();
  }
}

export async function runSuite(kind: ServerKind, list: Scenario[], concurrency = 6): Promise<SuiteResult> {
  const t0 = Date.now();
  const transcripts = new Map<string, Transcript>();
  const errors = new Map<string, string>();
  const queue = [...list];
  const worker = async () => {
    for (let sc = queue.shift(); sc; sc = queue.shift()) {
      try {
        transcripts.set(sc.name, await runOnFreshServer(kind, sc));
      } catch (e) {
        errors.set(sc.name, (e as Error).stack ?? String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, list.length)) }, worker));
  return { transcripts, errors, wallMs: Date.now() - t0 };
}
