// The scenario language of the JetStream differential harness. A scenario is data: a server setup and
// a list of steps over raw NATS connections. The runner executes it against any server URL and returns
// a transcript of everything that came back; the reference's transcript is the expectation.
import type { Json } from './json.js';

/** A message body: a string is sent as is (so malformed JSON can be sent), an object as JSON. */
export type Body = string | Json | { $var: string } | Record<string, unknown>;

/** `${name}` in subjects, strings and header values is replaced by a saved variable. */
export type Headers = [string, string][] | Record<string, string>;

export interface Setup {
  /** JetStream on (default). false: a server without JetStream at all. */
  jetstream?: boolean;
  /** Extra text inside the server's `jetstream { }` block (store_dir is always set by the factory). */
  jetstreamBlock?: string;
  /** Extra top-level config text (accounts, users, ...). */
  config?: string;
  /** Start the HTTP monitor (needed by `http` steps). */
  monitor?: boolean;
}

export interface ConnSpec {
  user?: string;
  pass?: string;
  token?: string;
}

interface Base {
  /** Short note printed in the transcript next to the step. */
  note?: string;
  /**
   * nats-server 2.9.10 does not always answer this step as recorded (a race of its own, named here):
   * its runs are not compared on it; tsnats still must answer as the golden file says.
   */
  refRacy?: string;
  /** Connection name (declared in Scenario.connections, or "c" = no credentials). */
  conn?: string;
}

/**
 * Publish with a reply inbox `_INBOX.<conn>.<n>` and record replies.
 * Waits for `count` replies (default 1) or `timeoutMs` (default 2000), then `quietMs` more for extras.
 */
export interface ReqStep extends Base {
  op: 'req';
  subject: string;
  body?: Body;
  headers?: Headers;
  count?: number;
  timeoutMs?: number;
  quietMs?: number;
  /** Sort the recorded replies (by subject, then payload) when their order is not defined. */
  sort?: boolean;
  /** Dotted paths of the reply body whose value races with the server's own work: recorded as "<varies>". */
  vary?: string[];
  /** Stop waiting as soon as a reply with a status line in this list arrives (e.g. ['404','408']). */
  untilStatus?: string[];
  /** Save values of the first reply's JSON body: variable → dotted path ("name", "config.name"). */
  save?: Record<string, string>;
  /** Save reply subjects of replies: variable → index of the reply. */
  saveReply?: Record<string, number>;
  /** Save raw payloads of replies: variable → index (-1: all payloads concatenated). */
  savePayload?: Record<string, number>;
  /** How reply payloads are recorded: 'auto' (JSON, text or base64), 'size' (only the length), 'omit'. */
  record?: RecordMode;
}

/**
 * How payloads are recorded: 'auto' parses JSON (else text, else base64); 'text' keeps the exact text
 * (byte shape of publish acks); 'size' only the length; 'presence' 1/0 for non-empty/empty; 'omit' nothing.
 */
export type RecordMode = 'auto' | 'text' | 'size' | 'omit' | 'presence';

/**
 * Repeat a request (every 20 ms, up to timeoutMs, default 3000) until the first reply's JSON value at
 * `path` equals `equals`; records only the last reply. For state that changes asynchronously (mirrors,
 * sources, max_age expiry, redelivery counters): an event to wait for instead of a sleep.
 */
export interface WaitStep extends Base {
  op: 'wait';
  subject: string;
  body?: Body;
  path: string;
  equals: Json;
  timeoutMs?: number;
}

/** Publish without waiting (optionally with an explicit reply subject). */
export interface PubStep extends Base {
  op: 'pub';
  subject: string;
  body?: Body;
  headers?: Headers;
  reply?: string;
}

/** Subscribe; messages are buffered until a `collect` step with the same id. */
export interface SubStep extends Base {
  op: 'sub';
  id: string;
  subject: string;
  queue?: string;
}

/** Record buffered messages of a subscription: wait for `count` (or `timeoutMs`), then `quietMs`. */
export interface CollectStep extends Base {
  op: 'collect';
  id: string;
  count?: number;
  timeoutMs?: number;
  quietMs?: number;
  /** Stop when a message with an empty payload and no headers arrives (snapshot EOF). */
  untilEmpty?: boolean;
  /** Sort the collected messages by subject then payload (for sources whose order is not defined). */
  sort?: boolean;
  /** Record only the first and the last of the collected messages (when their number varies). */
  collapse?: boolean;
  /** Keep only messages whose subject matches this prefix (others stay buffered). */
  subjectPrefix?: string;
  saveReply?: Record<string, number>;
  savePayload?: Record<string, number>;
  /** Save values of a message's JSON body: variable → [index, dotted path]. */
  save?: Record<string, [number, string]>;
  record?: RecordMode;
}

export interface UnsubStep extends Base { op: 'unsub'; id: string }
/** Wait a fixed time (only where no event tells when: max_age expiry, inactive thresholds). */
export interface SleepStep extends Base { op: 'sleep'; ms: number }
/** PING/PONG on a connection: everything sent before was processed. */
export interface FlushStep extends Base { op: 'flush' }
/** Close a connection (ephemeral consumers lose interest). */
export interface CloseStep extends Base { op: 'close' }
/** GET a monitoring endpoint; `pick` keeps only these top-level keys. */
export interface HttpStep extends Base { op: 'http'; path: string; pick?: string[] }
/** Set a variable to a literal value (e.g. a long name). */
export interface SetStep extends Base { op: 'set'; vars: Record<string, string> }

export type Step = ReqStep | PubStep | SubStep | CollectStep | UnsubStep | SleepStep | FlushStep | CloseStep | HttpStep | SetStep | WaitStep;

export interface Scenario {
  /** File-name-safe unique name: the golden file is golden/<name>.json. */
  name: string;
  /** What it captures (one or two sentences). */
  description: string;
  /** Issue it belongs to (19 streams, 20 consumers). */
  issue?: number;
  setup?: Setup;
  connections?: Record<string, ConnSpec>;
  /** Variables whose values are server-chosen (ephemeral names): printed as <name> in transcripts. */
  randomVars?: string[];
  steps: Step[];
}
