// The data `tsnats doctor` works on and what it reports. A Sample is one reading of a server's
// monitoring (any NATS server: tsnats, nats-server 2.9+), taken over HTTP or through `$SYS`;
// checks are pure functions of one or two samples.

/** A field bag as the server sent it: fields differ between server versions, so nothing is assumed. */
export type Json = Record<string, any>;

import type { TlsProbe } from './tls.js';

/** One connection of /connz (open or closed), as sent. */
export interface Conn {
  cid: number;
  /** `Leafnode` for a closed leaf connection (nats-server 2.9 keeps them in the closed ring). */
  kind?: string;
  /** `nats` (TCP) or `websocket` (nats-server 2.9+). */
  type?: string;
  ip?: string;
  port?: number;
  name?: string;
  lang?: string;
  version?: string;
  start?: string;
  last_activity?: string;
  stop?: string;
  reason?: string;
  rtt?: string;
  idle?: string;
  uptime?: string;
  pending_bytes?: number;
  in_msgs?: number;
  out_msgs?: number;
  in_bytes?: number;
  out_bytes?: number;
  subscriptions?: number;
  stalls?: number;
  authorized_user?: string;
  account?: string;
}

/** An account's connections on this server and its connection limit. */
export interface AccountUse {
  name: string;
  conns: number;
  /** max_connections; -1 or 0 = unlimited; null = the server does not publish it. */
  limit: number | null;
}

export interface Sample {
  /** Local clock when the reading finished (ms). */
  takenAt: number;
  /** The server's `now` (ms since the epoch), from /varz. */
  now: number;
  varz: Json;
  /** Every open connection (all /connz pages), with auth fields. */
  conns: Conn[];
  /** The most recent closed connections, newest first; null when the server did not answer. */
  closed: Conn[] | null;
  /** /routez (the server's routes); null when it could not be read. */
  routez: Json | null;
  /** /leafz (the server's leaf connections); null when it could not be read. */
  leafz?: Json | null;
  /** Closed leaf connections (kept apart from `closed`, which holds clients), newest first. */
  closedLeafs?: Conn[] | null;
  /** Per-account use; null when it could not be read. */
  accounts: AccountUse[] | null;
  /**
   * /jsz with accounts, streams, consumers and configs (JetStream checks): null when it could not
   * be read, absent when not asked for.
   */
  jsz?: Json | null;
  /** Why `accounts`/`closed` are missing, when they are. */
  notes: string[];
  /** The doctor's own connection (through $SYS), left out of the checks. */
  selfCid?: number;
  /** The listeners' TLS as a client sees it (client port, HTTPS monitor); absent when not probed. */
  tls?: TlsProbe[];
}

export type Severity = 'info' | 'warning' | 'critical';

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export interface Finding {
  code: string;
  severity: Severity;
  title: string;
  /** What it is about: the server, an account, or a list of connections. */
  subject: string;
  /** The figures that triggered it. */
  evidence: string;
  /** What to do, in a sentence or two. */
  fix: string;
}

export interface Skipped {
  code: string;
  title: string;
  reason: string;
}

export interface ServerReport {
  /** Where it was read (monitoring URL or nats URL). */
  url: string;
  server?: { id: string; name: string; version: string };
  /** Open connections in the last sample, and how many of them came over WebSocket. */
  connections?: { open: number; websocket: number };
  samples: number;
  /** Time between the two samples (ms); 0 with one sample. */
  intervalMs: number;
  findings: Finding[];
  skipped: Skipped[];
  /** Codes of checks that ran and found nothing. */
  passed: string[];
  /** The server could not be read at all. */
  error?: string;
}

export type Status = 'ok' | 'warning' | 'critical' | 'unknown';

export interface DoctorReport {
  status: Status;
  /** 0 ok (or info only), 1 warning, 2 critical, 3 unknown (a server could not be read). */
  exitCode: 0 | 1 | 2 | 3;
  servers: ServerReport[];
}
