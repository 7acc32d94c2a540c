// Differences from the reference that the fuzz accepts, each with its reason (and a line in
// docs/compatibility.md once the lead decides). A difference that matches one of these is reported,
// not failed. Keep the matchers narrow: they must not hide anything else.
import { streamBytes, type Case } from './case.js';

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
  {
    reason: 'HMSG from a client: nats-server 2.9.10 parses no arguments for it (parser.go HMSG_ARG only handles routes and ' +
      'leafnodes) and reads a payload of the previous PUB\'s size, then publishes it with the previous PUB\'s subject and reply ' +
      '(or +OK and nothing when there was none); what follows depends on that. tsnats answers -ERR \'Unknown Protocol ' +
      'Operation\' and closes, as the reference does whenever the bytes after the line do not fit.',
    // Any case with an HMSG op (at the start of the stream or of a line): the rest of its session is this quirk.
    matches: (c) => /(^|\n)hmsg[ \t]/i.test(streamBytes(c).toString('latin1')),
  },
  {
    reason: 'A client\'s -ERR closes its connection (processErr, ParseError), but nats-server 2.9.10 goes on parsing the rest ' +
      'of that read: a PUB after the -ERR in the same read is still delivered to other clients. tsnats stops at the close.',
    // Only what the observer saw differs, and only by messages the reference delivered more.
    matches: (c, ref, cand) => {
      if (!/(^|\n)-err/i.test(streamBytes(c).toString('latin1'))) return false;
      const own = (o: string[]) => o.filter((l) => !l.startsWith('obs '));
      const obs = (o: string[]) => o.filter((l) => l.startsWith('obs '));
      return own(ref).join('\n') === own(cand).join('\n') && obs(cand).every((l) => obs(ref).includes(l)) && obs(ref).length > obs(cand).length;
    },
  },
];

/** The outcome with each run of consecutive `line` collapsed to one. */
function withoutRepeats(out: string[], line: string): string[] {
  return out.filter((l, i) => !(l === line && out[i - 1] === line));
}
