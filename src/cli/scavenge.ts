// V8's young-generation collector for the CLI's own process (docs/performance.md, "Garbage
// collection"). A scavenge with V8's parallel helpers has to wait for a helper thread to get a core;
// on a machine with few cores the event loop (busy polling between a reply and the next request)
// and the clients already hold them, so a helped scavenge took 0.13–0.20 ms where the main thread
// alone takes 0.07–0.10 ms, and the request it landed on paid for the wait. Measured: JetStream
// publish-and-ack p99 on 2 cores 191 → 167 µs, pub/sub and fan-out throughput unchanged or better.
//
// Only the CLI does this: the process is the server's. `startServer()` in somebody's process leaves
// V8's flags alone (an embedder passes `node --no-parallel-scavenge` if it wants the same).
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/** At most this many cores: the scavenger works alone (V8 sizes its helpers by cores, from 2). */
export const SMALL_MACHINE_CORES = 4;

/** What the CLI did with parallel scavenging, and why. */
export type ScavengeChoice = 'single' | 'parallel' | 'node-flag';

/**
 * The choice for a machine with `cores`, a Node started with `execArgv`, and the value of
 * TSNATS_PARALLEL_SCAVENGE (`1` keeps V8's parallel scavenges, `0` turns them off on any machine).
 * A parallel-scavenge flag given to node itself is never overridden.
 */
export function scavengeChoice(cores: number, execArgv: readonly string[], env: string | undefined): ScavengeChoice {
  if (execArgv.some((a) => /^--(no-)?parallel[-_]scavenge(=|$)/.test(a))) return 'node-flag';
  if (env === '1') return 'parallel';
  if (env === '0') return 'single';
  return cores <= SMALL_MACHINE_CORES ? 'single' : 'parallel';
}

/** Applies scavengeChoice() for this process; V8 reads the flag at each scavenge. */
export function tuneScavenger(): ScavengeChoice {
  const choice = scavengeChoice(availableParallelism(), process.execArgv, process.env.TSNATS_PARALLEL_SCAVENGE);
  if (choice === 'single') {
    try {
      setFlagsFromString('--no-parallel-scavenge');
    } catch {
      // A V8 without the flag: nothing to tune.
    }
  }
  return choice;
}
