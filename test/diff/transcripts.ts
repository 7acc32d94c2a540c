// The differential corpus: raw-TCP transcripts sent byte for byte to nats-server and to tsnats.
// Nothing here states an expected answer: the reference's answer is whatever nats-server sends (recorded
// in golden/*.json for reviewers and for runs without nats-server). Section numbers refer to
// /work/shared/reference/nats-server-behaviour.md.
//
// Rules for authors:
// - Transcripts with the same setup share a server and run one after another, so a transcript must not
//   depend on interest left by another one: subjects that test "nobody listens" (no responders) are unique.
// - End every connection on a sync point (`ping`, `until`, `closed`), so the outcome does not depend on
//   timing. `quiet` records what arrives in a window (usually: nothing) and makes the next send a separate
//   read; never rely on it to wait for an answer.
// - Expect a close with `closed`; do not send after an answer that closes (an RST can eat the -ERR).
// - Keep each connection under ~1.5s: the server sends its first PING about 2s after CONNECT.
import type { Setup, Step, Transcript } from './model.js';

// ---- step builders ------------------------------------------------------------------------------
const connect = (c?: string): Step => ({ op: 'connect', c });
const send = (data: string, c?: string): Step => ({ op: 'send', data, c });
const sendSplit = (data: string, chunks: number | number[], c?: string, pauseMs?: number): Step =>
  ({ op: 'send', data, chunks, c, pauseMs });
const ping = (c?: string): Step => ({ op: 'ping', c });
const until = (frame: string, c?: string): Step => ({ op: 'until', frame, c });
const closed = (c?: string, timeoutMs?: number): Step => ({ op: 'closed', c, timeoutMs });
const quiet = (ms: number, c?: string): Step => ({ op: 'quiet', ms, c });
const hangup = (c?: string, rst = false): Step => ({ op: 'hangup', c, rst });

/** CONNECT line with a JSON object (or raw text). */
const CONNECT = (o: object | string) => `CONNECT ${typeof o === 'string' ? o : JSON.stringify(o)}\r\n`;
/** What real clients send: no +OK, no pedantic checks. */
const QUIET = CONNECT({ verbose: false, pedantic: false });
const HDRS = CONNECT({ verbose: false, pedantic: false, headers: true });
/** Connect, handshake quietly, sync. */
const open = (c?: string, connectLine = QUIET): Step[] => [connect(c), send(connectLine, c), ping(c)];

// ---- setups -------------------------------------------------------------------------------------
const USERPASS: Setup = { args: ['--user', 'a', '--pass', 'b'] };
const TOKEN: Setup = { args: ['--auth', 's3cret'] };
const AUTH_TIMEOUT: Setup = { config: 'authorization {\n  user: a\n  password: b\n  timeout: 0.5\n}\n' };
const MAX_PAYLOAD: Setup = { config: 'max_payload: 64\n' };
const MAX_CONTROL_LINE: Setup = { config: 'max_control_line: 64\n' };
const MAX_CONNECTIONS: Setup = { config: 'max_connections: 1\n', exclusive: true };
const MAX_SUBS: Setup = { config: 'max_subscriptions: 2\n' };
const PERMISSIONS: Setup = {
  config: 'authorization {\n  users = [\n    { user: a, password: b, permissions: { publish: { deny: ["secret.>"] }, subscribe: { deny: ["hidden", "q.>"] } } }\n  ]\n}\n',
};

const HUGE = 600_000;
const hugePayload = Array.from({ length: HUGE }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
const garbage = Array.from({ length: 64 }, (_, i) => String.fromCharCode((i * 157 + 11) & 0xff)).join('');
const longSubject = (n: number) => 'x'.repeat(n);

export const transcripts: Transcript[] = [
  // ---- INFO and CONNECT (§1.1–§1.4) ----
  { name: 'info-on-accept', about: 'INFO is sent on accept, before the client says anything (§1.3)', steps: [connect()] },
  {
    name: 'connect-empty-object-defaults-verbose', about: 'CONNECT {} means verbose true: +OK, and no +OK after PING (§1.1)',
    steps: [connect(), send('CONNECT {}\r\nPING\r\n'), until('PONG')],
  },
  {
    name: 'connect-defaults-pedantic-true', about: 'pedantic defaults to true when absent: publish to a wildcard subject is flagged (§1.1, §1.5)',
    steps: [connect(), send(CONNECT({ verbose: false })), send('SUB dp.* 1\r\nPUB dp.* 1\r\nx\r\n'), ping()],
  },
  {
    name: 'connect-defaults-echo-true', about: 'echo defaults to true: a client receives its own publish',
    steps: [connect(), send(CONNECT({ verbose: false })), send('SUB de 1\r\nPUB de 2\r\nhi\r\n'), ping()],
  },
  {
    name: 'connect-every-field', about: 'CONNECT carrying every client field (server.ClientOpts) is accepted (§1.4)',
    steps: [
      connect(),
      send(CONNECT({
        verbose: true, pedantic: true, tls_required: false, name: 'diff', lang: 'node', version: '1.2.3', protocol: 1,
        echo: true, headers: true, no_responders: true, user: 'u', pass: 'p', auth_token: 't',
      })),
      until('+OK'), ping(),
    ],
  },
  {
    name: 'connect-credentials-without-auth', about: 'credentials sent to a server without auth are ignored',
    steps: [connect(), send(CONNECT({ verbose: true, user: 'x', pass: 'y', auth_token: 'z', nkey: 'UABC', sig: 'c2ln', jwt: 'e30' })), until('+OK'), ping()],
  },
  {
    name: 'connect-account-field', about: 'the legacy account field naming an account that does not exist',
    steps: [connect(), send(CONNECT({ verbose: false, account: 'A', new_account: false })), closed()],
  },
  {
    name: 'connect-account-global', about: 'the legacy account field naming the global account $G',
    steps: [connect(), send(CONNECT({ verbose: true, account: '$G' })), until('+OK'), ping()],
  },
  {
    name: 'connect-unknown-fields', about: 'unknown CONNECT fields are ignored',
    steps: [connect(), send(CONNECT({ verbose: true, foo: 1, bar: { baz: [1, 2] } })), until('+OK'), ping()],
  },
  {
    name: 'connect-twice', about: 'a second CONNECT on the same connection',
    steps: [connect(), send(CONNECT({ verbose: false })), ping(), send(CONNECT({ verbose: true })), until('+OK'), send('SUB twice 1\r\n'), until('+OK'), ping()],
  },
  {
    name: 'connect-no-space', about: 'CONNECT directly followed by the JSON, no space',
    steps: [connect(), send('CONNECT{"verbose":true}\r\n'), until('+OK'), ping()],
  },
  {
    name: 'connect-bad-json', about: 'invalid CONNECT JSON closes the connection without -ERR (§1.2)',
    steps: [connect(), send('CONNECT {bad}\r\n'), closed()],
  },
  {
    name: 'connect-json-array', about: 'CONNECT with valid JSON that is not an object',
    steps: [connect(), send('CONNECT [1,2]\r\n'), closed()],
  },
  {
    name: 'connect-no-argument', about: 'CONNECT with no argument at all',
    steps: [connect(), send('CONNECT\r\n'), closed()],
  },
  {
    name: 'connect-wrong-field-type', about: 'a CONNECT field of the wrong JSON type',
    steps: [connect(), send(CONNECT('{"verbose":"yes"}')), closed()],
  },
  {
    name: 'connect-protocol-2', about: 'protocol other than 0/1 → invalid client protocol, close (§1.4)',
    steps: [connect(), send(CONNECT({ verbose: false, protocol: 2 })), closed()],
  },
  {
    name: 'connect-protocol-negative', about: 'protocol -1 is out of range too (§1.4)',
    steps: [connect(), send(CONNECT({ verbose: false, protocol: -1 })), closed()],
  },
  {
    name: 'connect-no-responders-without-headers', about: 'no_responders requires headers (§1.4)',
    steps: [connect(), send(CONNECT({ verbose: false, no_responders: true })), closed()],
  },
  {
    name: 'ops-before-connect', about: 'without auth, ops before CONNECT are accepted with verbose defaults (§1.1)',
    steps: [connect(), send('SUB pre 1\r\n'), until('+OK'), send('PUB pre 2\r\nhi\r\n'), until('MSG'), ping()],
  },

  // ---- PUB / SUB / UNSUB / MSG (§1.2) ----
  {
    name: 'pub-sub', about: 'plain publish and delivery, with and without reply, empty payload, CRLF inside payload',
    steps: [
      ...open(),
      send('SUB ps 7\r\nPUB ps 5\r\nhello\r\nPUB ps inbox.1 3\r\nabc\r\nPUB ps 0\r\n\r\nPUB ps 4\r\n\r\n\r\n\r\n'), ping(),
    ],
  },
  {
    name: 'pub-sub-two-connections', about: 'publisher and subscriber on separate connections',
    steps: [...open('sub'), send('SUB two.> 42\r\n', 'sub'), ping('sub'), ...open('pub'), send('PUB two.a.b r 2\r\nhi\r\n', 'pub'), ping('pub'), ping('sub')],
  },
  {
    name: 'sub-queue', about: 'queue subscriber and plain subscriber both get the message (§1.5)',
    steps: [...open(), send('SUB qq grp 1\r\nSUB qq 2\r\nPUB qq 1\r\nx\r\n'), ping()],
  },
  {
    name: 'sub-queue-one-member-each-time', about: 'each message reaches one member of a queue group (which one is random)',
    sidClasses: [['1', '2']],
    steps: [...open(), send('SUB qm grp 1\r\nSUB qm grp 2\r\nPUB qm 1\r\na\r\nPUB qm 1\r\nb\r\nPUB qm 1\r\nc\r\n'), ping()],
  },
  {
    name: 'sub-same-subject-twice', about: 'two subscriptions on one subject: one MSG per sid',
    steps: [...open(), send('SUB tw 1\r\nSUB tw 2\r\nPUB tw 1\r\nx\r\n'), ping()],
  },
  {
    name: 'sub-duplicate-sid', about: 'a SUB reusing a live sid',
    steps: [...open(), send('SUB dupa 1\r\nSUB dupb 1\r\nPUB dupa 1\r\na\r\nPUB dupb 1\r\nb\r\n'), ping()],
  },
  {
    name: 'unsub', about: 'UNSUB stops delivery; unknown sid is ignored (§1.2)',
    steps: [...open(), send('SUB us 1\r\nUNSUB 1\r\nPUB us 1\r\nx\r\nUNSUB 99\r\n'), ping()],
  },
  {
    name: 'unsub-max', about: 'UNSUB <sid> <max> auto-unsubscribes after max messages in total (§1.2)',
    steps: [...open(), send('SUB um 1\r\nUNSUB 1 2\r\nPUB um 1\r\na\r\nPUB um 1\r\nb\r\nPUB um 1\r\nc\r\n'), ping()],
  },
  {
    name: 'unsub-max-already-reached', about: 'UNSUB with a max already reached removes the subscription',
    steps: [...open(), send('SUB ur 1\r\nPUB ur 1\r\na\r\nPUB ur 1\r\nb\r\nUNSUB 1 1\r\nPUB ur 1\r\nc\r\n'), ping()],
  },
  {
    name: 'unsub-max-zero', about: 'UNSUB <sid> 0',
    steps: [...open(), send('SUB uz 1\r\nUNSUB 1 0\r\nPUB uz 1\r\na\r\n'), ping()],
  },
  {
    name: 'verbose-session', about: '+OK after CONNECT, SUB, PUB, UNSUB (also unknown sid) but not after PING/PONG (§1.2)',
    steps: [
      connect(), send(CONNECT({ verbose: true, pedantic: false })), until('+OK'),
      send('SUB vs 1\r\n'), until('+OK'), send('PUB vs 1\r\nx\r\n'), until('MSG'),
      send('UNSUB 1\r\n'), until('+OK'), send('UNSUB 55\r\n'), until('+OK'), send('PONG\r\n'), ping(),
    ],
  },
  {
    name: 'verbose-pedantic-session', about: 'the §1.7 verbose+pedantic session',
    steps: [
      connect(), send(CONNECT({ verbose: true, pedantic: true })), until('+OK'),
      send('SUB vp 1\r\n'), until('+OK'), send('PUB vp 5\r\nhello\r\n'), until('MSG'),
      send('SUB vp.* 2\r\nPUB vp.* 1\r\nx\r\n'), ping(),
      send('SUB vp.>.bar 3\r\n'), ping(),
    ],
  },
  {
    name: 'sub-non-numeric-sid', about: 'sids are opaque strings',
    steps: [...open(), send('SUB nn abc\r\nSUB nn q x-y_z\r\nPUB nn 1\r\na\r\nUNSUB abc\r\nPUB nn 1\r\nb\r\n'), ping()],
  },
  {
    name: 'pub-size-leading-zeros', about: 'a size written with leading zeros',
    steps: [...open(), send('SUB lz 1\r\nPUB lz 002\r\nhi\r\n'), ping()],
  },
  {
    name: 'pub-size-plus-sign', about: 'a size written with a + sign',
    steps: [...open(), send('PUB lp +2\r\nhi\r\n'), closed()],
  },
  {
    name: 'pub-reply-with-wildcard', about: 'a reply subject containing wildcards',
    steps: [...open(), send('SUB rw 1\r\nPUB rw in.* 1\r\na\r\nPUB rw in.> 1\r\nb\r\n'), ping()],
  },
  {
    name: 'utf8-subject', about: 'subjects with non-ASCII bytes (UTF-8)',
    steps: [...open(), send('SUB gr\xc3\xbc\xc3\x9fe.* 1\r\nPUB gr\xc3\xbc\xc3\x9fe.x 1\r\na\r\n'), ping()],
  },
  {
    name: 'pong-from-client', about: 'an unsolicited PONG is accepted silently',
    steps: [...open(), send('PONG\r\n'), ping()],
  },

  // ---- framing (§1.1) ----
  {
    name: 'case-insensitive-ops', about: 'operation names are case-insensitive',
    steps: [connect(), send('connect {"verbose":false}\r\nsub ci 1\r\nPuB ci 2\r\nhi\r\npIng\r\n'), until('PONG'), send('unsub 1\r\npub ci 1\r\nx\r\nping\r\n'), until('PONG')],
  },
  {
    name: 'tabs-and-runs-of-spaces', about: 'fields separated by tabs and runs of spaces',
    steps: [...open(), send('SUB\tts   1\r\nPUB  \tts\t\t 2\r\nhi\r\nSUB ts  grp\t 2\r\nPUB ts   r  1\r\nx\r\n'), ping()],
  },
  {
    name: 'trailing-space-before-crlf', about: 'trailing whitespace after the last argument',
    steps: [...open(), send('SUB tr 1 \r\nPUB tr 1 \r\nx\r\n'), ping()],
  },
  {
    name: 'bare-newline', about: 'lines may end in a bare \\n (§1.1)',
    steps: [connect(), send('CONNECT {"verbose":false}\nSUB bn 1\nPUB bn 2\nhi\r\nPING\n'), until('PONG')],
  },
  {
    name: 'payload-ended-by-bare-newline', about: 'the payload must be followed by \\r\\n exactly',
    steps: [...open(), send('SUB pn 1\r\nPUB pn 2\r\nhi\nPING\r\n'), closed()],
  },
  {
    name: 'bare-cr-inside-ping', about: 'PING followed by junk and a lone \\r before the \\n',
    steps: [...open(), send('PING\rPING\r\n'), until('PONG'), send('PINGxyz\r\n'), until('PONG'), send('PING foo bar\r\n'), until('PONG'), ping()],
  },
  {
    name: 'empty-line', about: 'an empty line (\\r\\n) where an op is expected',
    steps: [...open(), send('\r\n'), closed()],
  },
  {
    name: 'leading-space', about: 'whitespace before the op name',
    steps: [...open(), send(' PING\r\n'), closed()],
  },
  {
    name: 'split-byte-at-a-time', about: 'a whole session sent one byte per TCP segment',
    steps: [connect(), sendSplit('CONNECT {"verbose":false,"headers":true}\r\nSUB bb 1\r\nPUB bb reply 5\r\nhello\r\nHPUB bb 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPING\r\n', 1, undefined, 2), until('PONG')],
  },
  {
    name: 'split-at-awkward-offsets', about: 'cuts inside op names, arguments, payload, and between \\r and \\n',
    steps: [
      connect(),
      // cut points: inside CONNECT, between \r and \n, inside "SUB", inside the size, inside payload, before the final \n
      sendSplit('CONNECT {"verbose":false}\r\nSUB sa 1\r\nPUB sa 11\r\nhello world\r\nPING\r\n', [3, 26, 29, 45, 47, 53, 58, 59, 64]),
      until('PONG'),
    ],
  },

  // ---- subjects and wildcards (§1.5) ----
  {
    name: 'sub-invalid-subjects', about: 'malformed SUB subjects get -ERR Invalid Subject and the connection stays open (§1.5)',
    steps: [...open(), send('SUB foo.>.bar 1\r\nSUB a..b 2\r\nSUB .a 3\r\nSUB a. 4\r\nSUB . 5\r\n'), ping(), send('SUB ok.one 6\r\nPUB ok.one 1\r\nx\r\n'), ping()],
  },
  {
    name: 'sub-valid-wildcards', about: '* and > as whole tokens; foo* is a literal',
    steps: [
      ...open(),
      send('SUB wc.* 1\r\nSUB wc.> 2\r\nSUB > 3\r\nSUB wc* 4\r\nSUB *.x 5\r\nSUB wc.*.> 6\r\nSUB * 7\r\n'), ping(),
      send('PUB wc 1\r\na\r\nPUB wc.x 1\r\nb\r\nPUB wc.x.y 1\r\nc\r\nPUB wc* 1\r\nd\r\n'), ping(),
    ],
  },
  {
    name: 'pub-wildcard-subject-not-pedantic', about: 'publish to a wildcard subject without pedantic is delivered literally (§1.5)',
    steps: [...open(), send('SUB pw.* 1\r\nSUB pw.> 2\r\nSUB pw.x 3\r\nPUB pw.* 1\r\na\r\nPUB pw.> 1\r\nb\r\n'), ping()],
  },
  {
    name: 'pub-wildcard-subject-pedantic', about: 'pedantic: -ERR Invalid Publish Subject, still delivered, then +OK (§1.5)',
    steps: [connect(), send(CONNECT({ verbose: true, pedantic: true })), until('+OK'), send('SUB pp.* 1\r\n'), until('+OK'), send('PUB pp.* 1\r\nx\r\n'), ping()],
  },
  {
    name: 'pub-malformed-subject', about: 'publish to a malformed subject (empty tokens)',
    steps: [...open(), send('SUB > 1\r\nPUB pm..x 1\r\na\r\nPUB .pm 1\r\nb\r\nPUB pm. 1\r\nc\r\n'), ping()],
  },
  {
    name: 'pub-malformed-subject-pedantic', about: 'publish to a malformed subject with pedantic',
    steps: [connect(), send(CONNECT({ verbose: false, pedantic: true })), send('SUB > 1\r\nPUB pq..x 1\r\na\r\n'), ping()],
  },
  {
    name: 'echo-false', about: 'echo:false: no copy of its own publish, other connections still get it (§1.5)',
    steps: [...open('c1', CONNECT({ verbose: false, echo: false })), ...open('c2'), send('SUB ef 2\r\n', 'c2'), ping('c2'), send('SUB ef 1\r\nPUB ef 2\r\nhi\r\n'), ping(), ping('c2')],
  },

  // ---- headers (§1.2, ADR-4) ----
  {
    name: 'hpub-with-headers', about: 'HPUB/HMSG for a client that sent headers:true',
    steps: [...open('c1', HDRS), send('SUB hh 1\r\nHPUB hh 24 26\r\nNATS/1.0\r\nA: b\r\nC: d\r\n\r\nhi\r\nHPUB hh r 12 12\r\nNATS/1.0\r\n\r\n\r\n'), ping()],
  },
  {
    name: 'hpub-without-headers', about: 'HPUB from a client without headers:true closes, no -ERR (§1.2)',
    steps: [...open(), send('HPUB hn 12 14\r\nNATS/1.0\r\n\r\nhi\r\n'), closed()],
  },
  {
    name: 'hpub-before-connect', about: 'HPUB before any CONNECT (headers not negotiated)',
    steps: [connect(), send('HPUB hb 12 14\r\nNATS/1.0\r\n\r\nhi\r\n'), closed()],
  },
  {
    name: 'hmsg-stripped-for-no-header-client', about: 'a subscriber without headers gets a plain MSG with the headers stripped (§1.2)',
    steps: [
      ...open('sub'), send('SUB hs 1\r\n', 'sub'), ping('sub'),
      ...open('pub', HDRS), send('HPUB hs r 24 26\r\nNATS/1.0\r\nA: b\r\nC: d\r\n\r\nhi\r\nHPUB hs 12 12\r\nNATS/1.0\r\n\r\n\r\n', 'pub'), ping('pub'), ping('sub'),
    ],
  },
  {
    name: 'hpub-header-larger-than-total', about: 'HPUB with header size > total size closes (§1.2)',
    steps: [...open('c1', HDRS), send('HPUB hl 14 12\r\n'), closed()],
  },
  {
    name: 'hpub-zero-header-size', about: 'HPUB with a 0-byte header block',
    steps: [...open('c1', HDRS), send('SUB hz 1\r\nHPUB hz 0 2\r\nhi\r\n'), ping()],
  },
  {
    name: 'hpub-bad-arg-count', about: 'HPUB with only a subject and one size',
    steps: [...open('c1', HDRS), send('HPUB hc 12\r\n'), closed()],
  },
  {
    name: 'pub-to-header-subscriber', about: 'a plain PUB reaching a headers:true subscriber arrives as MSG',
    steps: [...open('c1', HDRS), send('SUB ph 1\r\nPUB ph 2\r\nhi\r\n'), ping()],
  },

  // ---- no responders and reserved replies (§1.5) ----
  {
    name: 'no-responders-503', about: 'no_responders: a request with no subscriber gets a 503 HMSG on its reply subject (§1.5)',
    steps: [
      ...open('c1', CONNECT({ verbose: false, pedantic: false, headers: true, no_responders: true })),
      send('SUB _INBOX.nr503 1\r\nPUB nr503.nobody _INBOX.nr503 0\r\n\r\n'), ping(),
    ],
  },
  {
    name: 'no-responders-503-unsubscribed-reply', about: 'no_responders when the requester has no subscription on the reply subject',
    steps: [
      ...open('c1', CONNECT({ verbose: false, pedantic: false, headers: true, no_responders: true })),
      send('PUB nrun.nobody _INBOX.nrun 2\r\nhi\r\n'), ping(),
    ],
  },
  {
    name: 'no-responders-with-responder', about: 'no_responders with a subscriber: normal delivery, no 503',
    steps: [
      ...open('c1', CONNECT({ verbose: false, pedantic: false, headers: true, no_responders: true })),
      send('SUB nrok 5\r\nSUB _INBOX.nrok 1\r\nPUB nrok _INBOX.nrok 2\r\nhi\r\n'), ping(),
    ],
  },
  {
    name: 'no-responders-without-reply', about: 'no_responders: a PUB without reply and no subscriber gets nothing',
    steps: [...open('c1', CONNECT({ verbose: false, pedantic: false, headers: true, no_responders: true })), send('PUB nrnr.nobody 2\r\nhi\r\n'), ping()],
  },
  {
    name: 'reserved-reply-prefixes', about: '_R_., $GR., $GNR. reply subjects → Permissions Violation for Publish with Reply of (§1.5)',
    steps: [...open(), send('SUB rr 1\r\nPUB rr _R_.x 1\r\na\r\nPUB rr $GR.x 1\r\nb\r\nPUB rr $GNR.x 1\r\nc\r\nPUB rr _R_ 1\r\nd\r\n'), ping()],
  },

  {
    name: 'reserved-reply-verbose', about: 'a reserved reply prefix in verbose mode: -ERR, and +OK or not?',
    steps: [connect(), send(CONNECT({ verbose: true, pedantic: false })), until('+OK'), send('PUB rv _R_.x 1\r\na\r\n'), ping()],
  },
  {
    name: 'pub-line-and-payload-in-separate-reads', about: 'verbose+pedantic PUBs whose payload arrives in a later read: when do +OK and -ERR come?',
    knownDifference: 'nats-server sends the pedantic "Invalid Publish Subject" -ERR twice when the payload comes in a later read (it re-parses the PUB arguments); tsnats sends it once',
    steps: [connect(), send(CONNECT({ verbose: true, pedantic: true })), until('+OK'), send('SUB vb.> 1\r\n'), until('+OK'),
      send('PUB vb.x 5\r\n'), quiet(200), send('hello\r\n'), until('MSG'),
      send('PUB vb.* 1\r\n'), quiet(200), send('x\r\n'), until('MSG'),
      send('PUB vb.y _R_.r 1\r\n'), quiet(200), send('y\r\n'), ping()],
  },
  {
    name: 'invalid-subject-verbose', about: 'an invalid SUB subject in verbose mode',
    steps: [connect(), send(CONNECT({ verbose: true, pedantic: false })), until('+OK'), send('SUB iv..x 1\r\n'), ping()],
  },

  // ---- errors that close (§1.6) ----
  {
    name: 'unknown-op', about: 'an unknown op → -ERR Unknown Protocol Operation, close (§1.7)',
    steps: [...open(), send('FOO bar\r\n'), closed()],
  },
  {
    name: 'server-ops-from-client', about: 'a client sending server-side ops: +OK, INFO, then MSG',
    steps: [...open(), send('+OK\r\n'), ping(), send('INFO {}\r\n'), ping(), send('MSG so 1 2\r\nhi\r\n'), closed()],
  },
  {
    name: 'err-from-client', about: 'a client sending -ERR',
    steps: [...open(), send("-ERR 'boom'\r\n"), closed()],
  },
  {
    name: 'payload-shorter-than-declared', about: 'PUB foo 3 with 5 bytes: framing error (§1.1)',
    steps: [...open(), send('SUB pf 1\r\nPUB pf 3\r\nhello\r\n'), closed()],
  },
  {
    name: 'payload-longer-than-declared', about: 'PUB with fewer bytes than declared, then the next op eaten as payload',
    steps: [...open(), send('SUB pl 1\r\nPUB pl 7\r\nhello\r\nPING\r\n'), closed()],
  },
  {
    name: 'pub-bad-arg-count', about: 'PUB foo (no size) closes without -ERR (§1.2)',
    steps: [...open(), send('PUB foo\r\n'), closed()],
  },
  {
    name: 'pub-too-many-args', about: 'PUB with four arguments',
    steps: [...open(), send('PUB a b c 1\r\nx\r\n'), closed()],
  },
  {
    name: 'pub-size-not-a-number', about: 'PUB with a non-numeric size',
    steps: [...open(), send('PUB foo x\r\n'), closed()],
  },
  {
    name: 'pub-size-negative', about: 'PUB with a negative size',
    steps: [...open(), send('PUB foo -1\r\n'), closed()],
  },
  {
    name: 'pub-no-args', about: 'PUB followed directly by CRLF',
    steps: [...open(), send('PUB\r\n'), closed()],
  },
  {
    name: 'sub-missing-sid', about: 'SUB with a subject only closes without -ERR (§1.2)',
    steps: [...open(), send('SUB foo\r\n'), closed()],
  },
  {
    name: 'sub-too-many-args', about: 'SUB with four arguments',
    steps: [...open(), send('SUB a b c d\r\n'), closed()],
  },
  {
    name: 'unsub-no-args', about: 'UNSUB with no sid',
    steps: [...open(), send('UNSUB \r\n'), closed()],
  },
  {
    name: 'unsub-max-not-a-number', about: 'UNSUB with a non-numeric max',
    steps: [...open(), send('SUB un 1\r\nUNSUB 1 x\r\nPUB un 1\r\na\r\n'), ping()],
  },
  {
    name: 'unsub-too-many-args', about: 'UNSUB with three arguments',
    steps: [...open(), send('SUB ut 1\r\nUNSUB 1 2 3\r\n'), closed()],
  },
  {
    name: 'binary-garbage', about: 'random bytes instead of protocol',
    steps: [...open(), send(garbage), closed()],
  },
  {
    name: 'binary-garbage-first', about: 'random bytes as the very first thing sent',
    steps: [connect(), send('\x00\x01\x02\xff\xfe\r\n'), closed()],
  },
  {
    name: 'max-payload-default', about: 'PUB over the default 1MB max_payload: -ERR right after the control line, payload never sent (§1.7)',
    steps: [...open(), send('PUB big 2000000\r\n'), until('-ERR'), closed()],
  },

  // ---- slow and broken clients ----
  {
    name: 'half-frame-then-silence', about: 'half a PUB then silence: no answer, the connection stays; the rest completes it',
    steps: [...open(), send('SUB hf 1\r\nPUB hf 5\r\nhel'), quiet(300), send('lo\r\n'), ping()],
  },
  {
    name: 'half-control-line-then-silence', about: 'half a control line then silence',
    steps: [...open(), send('SUB hc'), quiet(300), send('l 1\r\nPUB hcl 1\r\nx\r\n'), ping()],
  },
  {
    name: 'huge-payload-sent-slowly', about: `a ${HUGE}-byte payload declared and sent in 50000-byte chunks`,
    steps: [...open('sub'), send('SUB huge 1\r\n', 'sub'), ping('sub'), ...open('pub'), sendSplit(`PUB huge ${HUGE}\r\n${hugePayload}\r\n`, 50_000, 'pub', 10), ping('pub'), until('MSG', 'sub'), ping('sub')],
  },
  {
    name: 'client-closes-mid-frame', about: 'a publisher that closes (FIN) mid-payload: nothing is delivered, the server lives on',
    steps: [...open('sub'), send('SUB mid 1\r\n', 'sub'), ping('sub'), ...open('pub'), send('PUB mid 5\r\nhe', 'pub'), hangup('pub'), ping('sub'), connect('c3'), send(QUIET, 'c3'), ping('c3')],
  },
  {
    name: 'client-closes-after-pub', about: 'a publisher that closes right after a complete PUB: the message is still delivered',
    steps: [...open('sub'), send('SUB cap 1\r\n', 'sub'), ping('sub'), ...open('pub'), send('PUB cap 2\r\nhi\r\n', 'pub'), hangup('pub'), until('MSG', 'sub'), ping('sub')],
  },
  {
    name: 'client-resets-mid-frame', about: 'a publisher that resets (RST) mid-control-line',
    steps: [...open('sub'), send('SUB rst 1\r\n', 'sub'), ping('sub'), ...open('pub'), send('PUB rst 5', 'pub'), hangup('pub', true), ping('sub')],
  },

  // ---- configured limits (§1.6) ----
  {
    name: 'max-payload-info', about: 'INFO advertises the configured max_payload', setup: MAX_PAYLOAD,
    steps: [...open(), send(`SUB mp 1\r\nPUB mp 64\r\n${'p'.repeat(64)}\r\n`), ping()],
  },
  {
    name: 'max-payload-exceeded', about: 'PUB over max_payload: -ERR before the payload is read, close (§1.6)', setup: MAX_PAYLOAD,
    steps: [...open(), send('PUB mp 65\r\n'), until('-ERR'), closed()],
  },
  {
    name: 'max-payload-exceeded-hpub', about: 'HPUB whose total size exceeds max_payload', setup: MAX_PAYLOAD,
    steps: [...open('c1', HDRS), send('HPUB mp 12 65\r\n'), until('-ERR'), closed()],
  },
  {
    name: 'max-control-line-unsplit', about: 'a control line over max_control_line arriving in one read', setup: MAX_CONTROL_LINE,
    steps: [...open(), send(`SUB ${longSubject(100)} 1\r\n`), closed()],
  },
  {
    name: 'max-control-line-unsplit-args-at-limit', about: 'one read: SUB arguments of exactly max_control_line bytes (line is longer)', setup: MAX_CONTROL_LINE,
    steps: [...open(), send(`SUB ${longSubject(62)} 1\r\n`), ping()],
  },
  {
    name: 'max-control-line-unsplit-args-over-limit', about: 'one read: SUB arguments one byte over max_control_line', setup: MAX_CONTROL_LINE,
    steps: [...open(), send(`SUB ${longSubject(63)} 1\r\n`), closed()],
  },
  {
    name: 'max-control-line-unsplit-pub-at-limit', about: 'one read: PUB arguments of exactly max_control_line bytes', setup: MAX_CONTROL_LINE,
    steps: [...open(), send(`SUB > 1\r\nPUB ${longSubject(62)} 1\r\nx\r\n`), ping()],
  },
  {
    name: 'max-control-line-ping-with-long-junk', about: 'PING followed by junk longer than max_control_line before the newline', setup: MAX_CONTROL_LINE,
    steps: [...open(), send(`PING ${longSubject(200)}\r\n`), until('PONG'), ping()],
  },
  {
    name: 'max-control-line-connect-at-limit', about: 'a CONNECT whose JSON is exactly max_control_line bytes', setup: MAX_CONTROL_LINE,
    steps: [connect(), send(CONNECT({ verbose: false, name: longSubject(37) })), ping()],
  },
  {
    name: 'max-control-line-connect-over-limit', about: 'a CONNECT whose JSON is one byte over max_control_line', setup: MAX_CONTROL_LINE,
    steps: [connect(), send(CONNECT({ verbose: false, name: longSubject(38) })), closed()],
  },
  {
    name: 'max-control-line-split', about: 'a control line over max_control_line split across reads (the check is on buffered arguments)', setup: MAX_CONTROL_LINE,
    steps: [...open(), send(`SUB ${longSubject(100)}`), until('-ERR'), closed()],
  },
  {
    name: 'max-control-line-split-args-at-limit', about: 'a split SUB whose arguments are exactly max_control_line bytes at the read boundary', setup: MAX_CONTROL_LINE,
    // "SUB " + 62 x's + " 1" = 64 argument bytes buffered before the CRLF arrives
    steps: [...open(), send(`SUB ${longSubject(62)} 1`), quiet(200), send('\r\n'), ping()],
  },
  {
    name: 'max-control-line-split-args-over-limit', about: 'a split SUB whose buffered arguments are 65 bytes (one over)', setup: MAX_CONTROL_LINE,
    steps: [...open(), send(`SUB ${longSubject(63)} 1`), until('-ERR'), closed()],
  },
  {
    name: 'max-control-line-split-grows', about: 'a line that grows past the limit over several small reads', setup: MAX_CONTROL_LINE,
    steps: [...open(), sendSplit(`PUB ${longSubject(40)}`, 20), quiet(200), sendSplit(`${longSubject(40)} 1\r\nx\r\n`, 20), closed()],
  },
  {
    name: 'max-control-line-connect', about: 'a CONNECT longer than max_control_line', setup: MAX_CONTROL_LINE,
    steps: [connect(), send(CONNECT({ verbose: false, name: longSubject(100) })), closed()],
  },
  {
    name: 'max-control-line-connect-split', about: 'a long CONNECT split across reads', setup: MAX_CONTROL_LINE,
    steps: [connect(), send(`CONNECT {"verbose":false,"name":"${longSubject(100)}`), until('-ERR'), closed()],
  },
  {
    name: 'max-connections', about: 'over max_connections: INFO, then -ERR, then close; the first client is unaffected (§1.6)', setup: MAX_CONNECTIONS,
    steps: [...open('c1'), connect('c2'), closed('c2'), ping('c1')],
  },
  {
    name: 'max-subscriptions', about: 'over max_subscriptions: -ERR, connection stays open, the extra SUB has no effect (§1.7)', setup: MAX_SUBS,
    steps: [...open(), send('SUB ms.a 1\r\nSUB ms.b 2\r\nSUB ms.c 3\r\n'), ping(), send('PUB ms.c 1\r\nx\r\nPUB ms.a 1\r\ny\r\n'), ping()],
  },
  {
    name: 'max-subscriptions-verbose', about: 'a SUB over max_subscriptions in verbose mode: -ERR instead of +OK?', setup: MAX_SUBS,
    steps: [connect(), send(CONNECT({ verbose: true })), until('+OK'), send('SUB mv.a 1\r\nSUB mv.b 2\r\nSUB mv.c 3\r\n'), ping()],
  },
  {
    name: 'max-subscriptions-after-unsub', about: 'UNSUB frees a slot under max_subscriptions', setup: MAX_SUBS,
    steps: [...open(), send('SUB mu.a 1\r\nSUB mu.b 2\r\nUNSUB 1\r\nSUB mu.c 3\r\nPUB mu.c 1\r\nx\r\n'), ping()],
  },

  // ---- authentication (§1.1, §1.6, §6) ----
  {
    name: 'auth-info-and-good-credentials', about: 'INFO has auth_required; correct user/pass is accepted', setup: USERPASS,
    steps: [connect(), send(CONNECT({ verbose: true, user: 'a', pass: 'b' })), until('+OK'), ping()],
  },
  {
    name: 'auth-bad-password', about: 'wrong password → Authorization Violation, close', setup: USERPASS,
    steps: [connect(), send(CONNECT({ verbose: false, user: 'a', pass: 'x' })), closed()],
  },
  {
    name: 'auth-missing-credentials', about: 'CONNECT without credentials on an auth server', setup: USERPASS,
    steps: [connect(), send(CONNECT({ verbose: false })), closed()],
  },
  {
    name: 'auth-ping-before-connect', about: 'any op before CONNECT when auth is required → Authorization Violation, close (§1.1)', setup: USERPASS,
    steps: [connect(), send('PING\r\n'), closed()],
  },
  {
    name: 'auth-sub-before-connect', about: 'SUB before CONNECT when auth is required', setup: USERPASS,
    steps: [connect(), send('SUB x 1\r\n'), closed()],
  },
  {
    name: 'auth-garbage-before-connect', about: 'an unknown op before CONNECT when auth is required', setup: USERPASS,
    steps: [connect(), send('FOO\r\n'), closed()],
  },
  {
    name: 'auth-token-good', about: 'token auth accepted', setup: TOKEN,
    steps: [connect(), send(CONNECT({ verbose: false, auth_token: 's3cret' })), ping()],
  },
  {
    name: 'auth-token-bad', about: 'wrong token', setup: TOKEN,
    steps: [connect(), send(CONNECT({ verbose: false, auth_token: 'nope' })), closed()],
  },
  {
    name: 'auth-timeout', about: 'no CONNECT within authorization.timeout → Authentication Timeout, close (§1.7)', setup: AUTH_TIMEOUT,
    // nothing may come before the timeout (0.5s): the quiet 250ms shows a server that gives up early
    steps: [connect(), quiet(250), closed()],
  },
  {
    name: 'auth-timeout-partial-connect', about: 'half a CONNECT line does not stop the auth timer', setup: AUTH_TIMEOUT,
    steps: [connect(), send('CONNECT {"user":"a",'), closed()],
  },
  {
    name: 'auth-timeout-met', about: 'a CONNECT in time cancels the auth timer', setup: AUTH_TIMEOUT,
    steps: [connect(), send(CONNECT({ verbose: false, user: 'a', pass: 'b' })), ping(), quiet(800), ping()],
  },

  // ---- permissions (§6.2): the -ERR texts clients parse ----
  {
    name: 'permissions-violations', about: 'denied publish and subscribe (plain and queue): -ERR with the subject, connection stays open', setup: PERMISSIONS,
    steps: [
      connect(), send(CONNECT({ verbose: false, user: 'a', pass: 'b' })), ping(),
      send('SUB ok 1\r\nPUB secret.x 1\r\na\r\nSUB hidden 2\r\nSUB q.a grp 3\r\nPUB ok 1\r\nb\r\n'), ping(),
    ],
  },
  {
    name: 'permissions-violation-verbose', about: 'a denied publish in verbose mode', setup: PERMISSIONS,
    steps: [connect(), send(CONNECT({ verbose: true, user: 'a', pass: 'b' })), until('+OK'), send('PUB secret.y 1\r\na\r\n'), ping()],
  },
  {
    name: 'permissions-violation-before-payload', about: 'is a denied publish answered after its control line or after its payload?', setup: PERMISSIONS,
    steps: [connect(), send(CONNECT({ verbose: true, user: 'a', pass: 'b' })), until('+OK'), send('PUB secret.z 1\r\n'), quiet(200), send('z\r\n'), ping()],
  },
  {
    name: 'permissions-users-bad-password', about: 'a wrong password against a users list', setup: PERMISSIONS,
    steps: [connect(), send(CONNECT({ verbose: false, user: 'a', pass: 'nope' })), closed()],
  },
];
