// Differences from the reference that the fuzz accepts, each with its reason (and a line in
// docs/compatibility.md once the lead decides). A difference that matches one of these is reported,
// not failed. Keep the matchers narrow: they must not hide anything else.
import type { Case } from './case.js';

export interface KnownDifference {
  /** One line: what differs and why tsnats does not copy it. */
  reason: string;
  matches(c: Case, ref: string[], cand: string[]): boolean;
}

const INVALID_PUB_SUBJECT = "-ERR 'Invalid Publish Subject'\\r\\n";

export const KNOWN_DIFFERENCES: KnownDifference[] = [
  {
    reason: "nats-server repeats -ERR 'Invalid Publish Subject' (pedantic) when the PUB's payload is not in the same read as " +
      'its control line: parser.go clonePubArg re-runs processPub, pedantic check included. A read-split artefact: tsnats sends it once.',
    // The reference's outcome is the candidate's with one of those -ERR lines doubled.
    matches: (_c, ref, cand) => ref.length > cand.length && withoutRepeats(ref, INVALID_PUB_SUBJECT).join('\n') === withoutRepeats(cand, INVALID_PUB_SUBJECT).join('\n'),
  },
];

/** The outcome with each run of consecutive `line` collapsed to one. */
function withoutRepeats(out: string[], line: string): string[] {
  return out.filter((l, i) => !(l === line && out[i - 1] === line));
}
