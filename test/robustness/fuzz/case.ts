// A fuzz case: the server setup and the bytes one client sends, as a list of ops (each the bytes of one
// protocol operation, possibly mutated) with the points where the stream is cut into separate writes.
// Plain data, so a case can be shrunk, printed, and turned into a differential transcript.
import { escapeBytes } from '../../diff/frames.js';

/** Server configurations the cases run against (the same config file for both servers). */
export const SETUPS = {
  /** Defaults: max_control_line 4096, max_payload 1 MiB, no auth. */
  default: '',
  /** Small limits, so the fuzz reaches them often. */
  limits: 'max_control_line: 128\nmax_payload: 256\nmax_subscriptions: 4\n',
  /** Auth required: any op before CONNECT is a violation; CONNECT must carry user/password. */
  auth: 'authorization {\n  user: fuzz\n  password: secret\n}\n',
} as const;
export type SetupName = keyof typeof SETUPS;

export interface FuzzOp {
  bytes: Buffer;
  /** Offsets inside `bytes` where a new write starts. */
  cuts: number[];
  /** A new write starts at this op. */
  split: boolean;
}

export interface Case {
  /** The seed it was generated from (a shrunk case keeps its seed). */
  seed: number;
  setup: SetupName;
  ops: FuzzOp[];
}

/** The stream cut into the writes the client makes. */
export function chunks(c: Case): Buffer[] {
  const out: Buffer[] = [];
  let cur: Buffer[] = [];
  const push = () => {
    const b = Buffer.concat(cur);
    if (b.length > 0) out.push(b);
    cur = [];
  };
  for (const op of c.ops) {
    if (op.split) push();
    let at = 0;
    for (const cut of [...new Set(op.cuts)].filter((x) => x > 0 && x < op.bytes.length).sort((a, b) => a - b)) {
      cur.push(op.bytes.subarray(at, cut));
      push();
      at = cut;
    }
    cur.push(op.bytes.subarray(at));
  }
  push();
  return out;
}

/** Cut offsets in the whole stream (for a transcript's `chunks`). */
export function streamCuts(c: Case): number[] {
  const cuts: number[] = [];
  let at = 0;
  for (const b of chunks(c)) {
    if (at > 0) cuts.push(at);
    at += b.length;
  }
  return cuts;
}

export function streamBytes(c: Case): Buffer {
  return Buffer.concat(chunks(c));
}

/** A latin1 string as a TypeScript literal (so it pastes into transcripts.ts). */
export function tsString(b: Buffer | string): string {
  const s = escapeBytes(b).replace(/'/g, "\\'");
  return `'${s}'`;
}

/** Readable, reproducible description of a case. */
export function describeCase(c: Case): string {
  const lines = [`seed ${c.seed}, setup ${c.setup}${SETUPS[c.setup] ? ` (${JSON.stringify(SETUPS[c.setup])})` : ''}, ${chunks(c).length} write(s):`];
  for (const [i, b] of chunks(c).entries()) lines.push(`  write ${i + 1}: ${tsString(b.length > 2000 ? Buffer.concat([b.subarray(0, 2000), Buffer.from(`...[${b.length} bytes]`)]) : b)}`);
  return lines.join('\n');
}

/** The case as a transcript for test/diff/transcripts.ts (paste, name it, record its golden file). */
export function toTranscript(c: Case, name: string): string {
  const data = streamBytes(c);
  const cuts = streamCuts(c);
  const setup = SETUPS[c.setup] ? `setup: { config: ${JSON.stringify(SETUPS[c.setup])} }, ` : '';
  const send = cuts.length
    ? `sendSplit(${tsString(data)}, [${cuts.join(', ')}])`
    : `send(${tsString(data)})`;
  return `{ name: '${name}', about: 'found by test/robustness fuzz (seed ${c.seed})', ${setup}steps: [connect(), ${send}, ping()] },`;
}

/** For tests that build a case by hand. */
export function caseOf(setup: SetupName, ...writes: (string | Buffer)[]): Case {
  return { seed: 0, setup, ops: writes.map((w, i) => ({ bytes: Buffer.isBuffer(w) ? w : Buffer.from(w, 'latin1'), cuts: [], split: i > 0 })) };
}
