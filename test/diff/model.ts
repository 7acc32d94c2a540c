// The shape of a differential transcript: plain data, no expectations. The suite runs each one against
// the reference (nats-server) and against the candidate and compares what the clients saw.

/** How the server is started. Transcripts with equal setups share one server (run one after another). */
export interface Setup {
  /** nats-server flags, e.g. ['--user', 'a', '--pass', 'b']. */
  args?: string[];
  /** Config file contents, passed with -c (listen address and port still come from flags). */
  config?: string;
  /** Give this transcript its own server (for limits that count connections across transcripts). */
  exclusive?: boolean;
}

/** Connection name; 'c1' when omitted. */
type Conn = { c?: string };

export type Step =
  /** Open a TCP connection and wait for the first frame (INFO), a close or a timeout. */
  | ({ op: 'connect' } & Conn)
  /**
   * Send bytes (a latin1 string, so any byte can be written as \xNN). `chunks` splits the send:
   * a number is a chunk size (1 = byte at a time), an array lists cut offsets. Chunks are written
   * `pauseMs` apart (default 5) with Nagle off, so the server reads them separately.
   */
  | ({ op: 'send'; data: string; chunks?: number | number[]; pauseMs?: number } & Conn)
  /** Wait until a received frame starts with `frame` (or the connection closes, or timeout). */
  | ({ op: 'until'; frame: string; timeoutMs?: number } & Conn)
  /** Send PING and wait for a PONG (or a close): the usual sync point, and proof the connection is open. */
  | ({ op: 'ping' } & Conn)
  /** Wait for the server to close the connection (or timeout; then it is recorded as still open). */
  | ({ op: 'closed'; timeoutMs?: number } & Conn)
  /** Let `ms` pass, then record what arrived (used where the reference answers nothing). */
  | ({ op: 'quiet'; ms: number } & Conn)
  /** The client closes: FIN, or RST when `rst`. */
  | ({ op: 'hangup'; rst?: boolean } & Conn);

export interface Transcript {
  /** Unique, kebab-case: also the golden file name. */
  name: string;
  /** What it exercises, for the reader (and the reference section it comes from). */
  about: string;
  setup?: Setup;
  steps: Step[];
  /** Sids that may swap between runs (queue group members on one connection). */
  sidClasses?: string[][];
  /**
   * Set by the lead when tsnats deliberately differs; one line, matching a line in docs/compatibility.md.
   * The test then reports the diff and passes.
   */
  knownDifference?: string;
}
