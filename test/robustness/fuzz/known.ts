// Differences from the reference that the fuzz accepts, each with its reason (and a line in
// docs/compatibility.md once the lead decides). Each one takes its own effect out of both outcomes;
// a case whose outcomes are equal once the applicable ones have done so is reported, not failed
// (several can combine in one case). Keep them narrow: they must not hide anything else. One more
// (ERR_READ_ON) is checked by running the reference on a shortened case.
import { streamBytes, type Case } from './case.js';

export interface KnownDifference {
  /** One line: what differs and why tsnats does not copy it. */
  reason: string;
  /** The outcomes [reference, candidate] with this difference taken out; null when it cannot apply. */
  normalise(c: Case, ref: string[], cand: string[]): [string[], string[]] | null;
}

const INVALID_PUB_SUBJECT = "-ERR 'Invalid Publish Subject'\\r\\n";
/** An op at the start of the stream or of a line. */
const hasOp = (c: Case, op: string) => new RegExp(`(^|\\n)${op}`, 'i').test(streamBytes(c).toString('latin1'));

export const KNOWN_DIFFERENCES: KnownDifference[] = [
  {
    reason: 'HMSG from a client: nats-server 2.9.10 parses no arguments for it (parser.go HMSG_ARG only handles routes and ' +
      'leafnodes) and reads a payload of the previous PUB\'s size, then publishes it with the previous PUB\'s subject and reply ' +
      '(or +OK and nothing when there was none); what follows depends on that. tsnats answers -ERR \'Unknown Protocol ' +
      'Operation\' and closes, as the reference does whenever the bytes after the line do not fit.',
    // Any case with an HMSG op: the rest of its session is this quirk.
    normalise: (c, ref) => (hasOp(c, 'hmsg[ \\t]') ? [ref, ref] : null),
  },
  {
    reason: "nats-server repeats -ERR 'Invalid Publish Subject' (pedantic) when the PUB's payload is not in the same read as " +
      'its control line: parser.go clonePubArg re-runs processPub, pedantic check included. A read-split artefact: tsnats sends it once.',
    // Runs of that -ERR collapse to one, on both sides.
    normalise: (_c, ref, cand) => [withoutRepeats(ref, INVALID_PUB_SUBJECT), withoutRepeats(cand, INVALID_PUB_SUBJECT)],
  },
];

/**
 * Checked by running the reference again (pair.ts explainKnown): the reference, stopped at the client's
 * first -ERR, answers as tsnats does.
 */
export const ERR_READ_ON =
  'A client\'s -ERR closes its connection (processErr, ParseError), but nats-server 2.9.10 goes on parsing the rest ' +
  'of that read: a PUB after the -ERR in the same read is still delivered to other clients. tsnats stops at the close.';

/** The case cut just after the line of its first -ERR op, or null when it has none. */
export function cutAfterClientErr(c: Case): Case | null {
  const s = streamBytes(c).toString('latin1');
  const m = /(^|\n)-err/i.exec(s);
  if (!m) return null;
  const nl = s.indexOf('\n', m.index + m[1]!.length);
  const end = nl < 0 ? s.length : nl + 1;
  // keep the writes as they were, up to `end`
  const ops: Case['ops'] = [];
  let at = 0;
  for (const op of c.ops) {
    if (at >= end) break;
    const take = Math.min(op.bytes.length, end - at);
    ops.push({ ...op, bytes: op.bytes.subarray(0, take), cuts: op.cuts.filter((x) => x < take) });
    at += op.bytes.length;
  }
  return { ...c, ops };
}

/** The reasons that together explain the difference between `ref` and `cand`, or null. */
export function explain(c: Case, ref: string[], cand: string[]): string[] | null {
  const reasons: string[] = [];
  let [r, d] = [ref, cand];
  for (const k of KNOWN_DIFFERENCES) {
    const n = k.normalise(c, r, d);
    if (n === null) continue;
    if (n[0].join('\n') !== r.join('\n') || n[1].join('\n') !== d.join('\n')) reasons.push(k.reason);
    [r, d] = n;
  }
  return reasons.length > 0 && r.join('\n') === d.join('\n') ? reasons : null;
}

/** The outcome with each run of consecutive `line` collapsed to one. */
function withoutRepeats(out: string[], line: string): string[] {
  return out.filter((l, i) => !(l === line && out[i - 1] === line));
}
