// What a scenario run returns: every step with what was sent and everything that came back.
import type { Json } from './json.js';

export interface RecordedMsg {
  subject: string;
  reply?: string;
  /** The control line with the sid as <sid>, only when it is not single-spaced (a wire quirk to keep). */
  line?: string;
  /** Status code of the header line (e.g. "404"), when there was a header block with one. */
  status?: string;
  /** Description after the status code (e.g. "No Messages"). */
  description?: string;
  /** Header fields in wire order. Present (possibly empty) whenever the message had a header block. */
  headers?: [string, string][];
  /** The payload: parsed JSON, or text, or base64 (binary), per the step's `record` mode. */
  body?: Json;
  text?: string;
  base64?: string;
  /** Payload length when recorded by size only, or alongside base64. */
  size?: number;
}

export interface TranscriptStep {
  i: number;
  op: string;
  note?: string;
  conn?: string;
  subject?: string;
  reply?: string;
  id?: string;
  /** The request headers as sent. */
  headers?: [string, string][];
  /** The request body as sent (JSON value, or the raw string when not JSON). */
  request?: Json;
  /** Replies (req), collected messages (collect). */
  messages?: RecordedMsg[];
  /** Fewer messages than expected arrived within the step's timeout. */
  timedOut?: boolean;
  /** HTTP status and JSON for `http` steps. */
  httpStatus?: number;
  json?: Json;
  ms?: number;
}

export interface Transcript {
  scenario: string;
  description: string;
  issue?: number;
  /** "nats-server 2.9.10" or "tsnats x.y.z" (from INFO): informational, not compared. */
  server: string;
  steps: TranscriptStep[];
  /** -ERR lines received on any connection. */
  errors: string[];
}
