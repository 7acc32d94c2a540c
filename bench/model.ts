// What a benchmark case is and what one measurement of it returns.
import type { Kind } from './servers.js';

export interface Settings {
  quick: boolean;
  rounds: number;
  /** Length of each timed flood. */
  durationMs: number;
  /** Untimed flood on the same server before the timed one (JIT warm-up). */
  warmupMs: number;
  /** Length of the timed request/reply run. */
  reqMs: number;
  /** Idle connections for the RSS case. */
  conns: number;
  /** Idle TLS connections for the TLS RSS case (each costs a handshake to open). */
  tlsConns: number;
  /**
   * Hold the idle connections this long with the servers' keepalive at `pingIntervalMs` (clients
   * answer every PING), and count the connections the server closed meanwhile (none should be).
   */
  holdMs: number;
  pingIntervalMs: number;
  /** Re-measure a disturbed round up to this many times. */
  retryBusy: number;
}

export interface Metric {
  key: string;
  /** Printed before the figure (e.g. "p50"), may be empty. */
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  format: (x: number) => string;
}

export interface Sample {
  /** metric key → value. */
  values: Record<string, number>;
  /** Server CPU (utime+stime) per unit of work, ns. */
  serverCpu: number;
  /** Load-generator CPU per unit of work, ns. */
  clientCpu: number;
  /** Anything else worth keeping in the JSON. */
  extra?: Record<string, number | string>;
}

export interface Case {
  id: string;
  /** --only also accepts a group name (e.g. "pub" selects pub16, pub128, pub1k). */
  group: string;
  title: string;
  metrics: Metric[];
  /** What the CPU figures are per, e.g. "msg", "delivery", "request", "conn". */
  cpuPer: string;
  /** How many rounds to run (default: settings.rounds). */
  rounds?: (s: Settings) => number;
  /** One measurement against a fresh server of `kind`. */
  run(kind: Kind, s: Settings): Promise<Sample>;
  /** tsnats runs in-process here, so the tsnats CLI need not be built. */
  inProcess?: boolean;
  /** Extra figures of a kind's samples (their `extra`), printed after its summary. */
  note?(samples: Sample[]): string;
}

/** Thrown by a case that cannot run for a kind yet (printed as "skipped", not as a failure). */
export class Skip extends Error {}

/** Other processes' CPU (cores, averaged over a window) above which a measurement is called disturbed. */
export const BUSY_CORES = 0.3;
