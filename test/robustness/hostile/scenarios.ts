// The hostile scenarios: what each client does, the server limits it runs under, and the reference's
// answer (captured from nats-server 2.9.10, and checked again against it whenever it is installed).
import type { Limits } from './target.js';
import * as A from './actions.js';
import type { HostileOutcome } from './actions.js';

const MB = 1024 * 1024;

export interface Expect {
  /** What the client receives after INFO; null when it is not compared (the client does not read). */
  got: string | null;
  /** Other outcomes that are the reference's too (see RST_EATS_ERR). */
  orGot?: string[];
  /** Closed by the server, with this /connz reason; null: the server keeps the connection open. */
  reason: string | null;
  /** A log line tsnats writes for it (regexp source; `PORT` stands for the client's port). */
  log?: string;
}

export interface Scenario {
  name: string;
  limits: Limits;
  run(port: number): Promise<HostileOutcome & { cleanup?: () => Promise<void> }>;
  expect: Expect;
  /** Upper bound on what the client could write before the server cut it off (the server stops reading). */
  maxWritten?: number;
}

export const FAST_PING: Limits = { pingInterval: 300, pingMax: 2 };
const AUTH: Limits = { auth: { user: 'a', pass: 'b', timeoutMs: 500 } };
const BIG_LINE: Limits = { maxControlLine: 16 * MB };

const UNKNOWN_OP = "-ERR 'Unknown Protocol Operation'\r\n";
const MCL = "-ERR 'maximum control line exceeded'\r\n";
const PARSER_ERROR = ':PORT - cid:\\d+ - Client parser ERROR';
/**
 * A server that closes while the client is still streaming at it has unread input in its socket, so
 * the kernel answers the close with an RST, which can destroy the -ERR in flight: nats-server's
 * client then sees nothing. Either outcome is the reference's.
 */
const RST_EATS_ERR = [''];

export const SCENARIOS: Scenario[] = [
  // ---- huge input
  {
    name: 'a 100 MB stream of garbage', limits: {}, run: (p) => A.garbageStream(p),
    expect: { got: UNKNOWN_OP, orGot: RST_EATS_ERR, reason: 'Protocol Violation', log: PARSER_ERROR }, maxWritten: 50 * MB,
  },
  {
    name: 'a 100 MB stream of garbage after CONNECT', limits: {}, run: (p) => A.garbageStream(p, true),
    expect: { got: UNKNOWN_OP, orGot: RST_EATS_ERR, reason: 'Protocol Violation', log: PARSER_ERROR }, maxWritten: 50 * MB,
  },
  {
    name: '100 MB of well-formed 64 KiB PUBs nobody listens to', limits: {}, run: (p) => A.validFlood(p),
    expect: { got: 'PONG\r\n', reason: null },
  },
  {
    name: 'a PUB declaring 2 GB (10 digits: a bad size)', limits: {}, run: (p) => A.hugeDeclared(p, 'PUB big 2147483648'),
    expect: { got: '', reason: 'Protocol Violation', log: ':PORT - cid:\\d+ - processPub Bad or Missing Size' }, maxWritten: 50 * MB,
  },
  {
    name: 'a PUB declaring 999,999,999 bytes', limits: {}, run: (p) => A.hugeDeclared(p, 'PUB big 999999999'),
    expect: { got: "-ERR 'Maximum Payload Violation'\r\n", orGot: RST_EATS_ERR, reason: 'Maximum Message Payload Exceeded', log: ':PORT - cid:\\d+ - maximum payload exceeded: 999999999 vs 1048576' }, maxWritten: 50 * MB,
  },
  {
    name: 'an HPUB declaring 2 GB', limits: {}, run: (p) => A.hugeDeclared(p, 'HPUB big 10 2147483648', true),
    expect: { got: '', reason: 'Protocol Violation', log: ':PORT - cid:\\d+ - processHeaderPub Bad or Missing Total Size' }, maxWritten: 50 * MB,
  },
  {
    name: 'a PUB control line of megabytes without a newline', limits: {}, run: (p) => A.endlessLine(p, 'PUB '),
    expect: { got: MCL, orGot: RST_EATS_ERR, reason: 'Maximum Control Line Exceeded', log: ':PORT - cid:\\d+ - maximum control line exceeded' }, maxWritten: 50 * MB,
  },
  {
    name: 'a CONNECT of megabytes without a newline', limits: {}, run: (p) => A.endlessLine(p, 'CONNECT {"name":"'),
    expect: { got: MCL, orGot: RST_EATS_ERR, reason: 'Maximum Control Line Exceeded', log: ':PORT - cid:\\d+ - maximum control line exceeded' }, maxWritten: 50 * MB,
  },
  {
    // The reference skips whatever follows PING up to the newline, without a limit: nothing to answer yet.
    name: 'PING followed by megabytes without a newline (kept open)', limits: {}, run: (p) => A.endlessLine(p, 'PING', 8 * MB, 300),
    expect: { got: '', reason: null },
  },
  {
    name: 'PING followed by megabytes, then silence: closed by keepalive', limits: FAST_PING, run: (p) => A.endlessLine(p, 'PING', 8 * MB),
    expect: { got: "PING\r\nPING\r\n-ERR 'Stale Connection'\r\n", reason: 'Stale Connection', log: ':PORT - cid:\\d+ - Stale Client Connection - Closing' },
  },
  // ---- slowloris
  {
    name: 'slowloris: a SUB line one byte per 100 ms is closed by keepalive', limits: FAST_PING,
    run: (p) => A.slowloris(p, 'CONNECT {"verbose":false}\r\nSUB ', 'abcdefghij'),
    expect: { got: "PING\r\nPING\r\n-ERR 'Stale Connection'\r\n", reason: 'Stale Connection', log: ':PORT - cid:\\d+ - Stale Client Connection - Closing' },
  },
  {
    // (most of the line at once, so it takes a second, not 25: the healthy client needs 256 bytes for its CONNECT)
    name: 'slowloris: a SUB line one byte per 100 ms is closed at max_control_line', limits: { maxControlLine: 256 },
    run: (p) => A.slowloris(p, `SUB ${'s'.repeat(248)}`, 'abcdefghij'),
    expect: { got: MCL, reason: 'Maximum Control Line Exceeded', log: ':PORT - cid:\\d+ - maximum control line exceeded' },
  },
  {
    name: 'slowloris: a CONNECT one byte per 100 ms is closed by the auth timeout', limits: AUTH,
    run: (p) => A.slowloris(p, '', 'CONNECT {"user":"a","pass":"b"}'),
    expect: { got: "-ERR 'Authentication Timeout'\r\n", reason: 'Authentication Timeout' },
  },
  // ---- a client that vanishes without FIN
  {
    name: 'a client that vanishes without FIN (blackholed) is closed as stale', limits: FAST_PING,
    run: async (p) => {
      const v = await A.vanish(p);
      return { ...v, got: '', cleanup: () => v.proxy.close() };
    },
    expect: { got: null, reason: 'Stale Connection', log: ':PORT - cid:\\d+ - Stale Client Connection - Closing' },
  },
  {
    name: 'a client whose process is killed (SIGKILL) is closed at once', limits: {},
    run: (p) => A.killedProcess(p),
    expect: { got: null, reason: 'Client Closed' },
  },
  // ---- a client that never reads
  {
    name: 'a client flooding PINGs and never reading its PONGs is a slow consumer', limits: { maxPending: MB },
    run: (p) => A.pingFloodNoRead(p),
    expect: { got: null, reason: 'Slow Consumer (Pending Bytes)', log: ':PORT - cid:\\d+ - Slow Consumer Detected: MaxPending of 1048576 Exceeded' },
  },
  // ---- CONNECT JSON bombs
  {
    name: 'CONNECT: arrays nested as deep as max_control_line allows', limits: {}, run: (p) => A.connectBomb(p, A.bombs.nested(2040)),
    expect: { got: '', reason: 'Protocol Violation', log: ':PORT - cid:\\d+ - json: cannot unmarshal array into Go value of type server.ClientOpts' },
  },
  {
    name: 'CONNECT: 4 MB of nested arrays (max_control_line 16 MB)', limits: BIG_LINE, run: (p) => A.connectBomb(p, A.bombs.nested(2 * MB)),
    expect: { got: '', reason: 'Protocol Violation' },
  },
  {
    name: 'CONNECT: objects nested 1M deep in a known field (max_control_line 16 MB)', limits: BIG_LINE, run: (p) => A.connectBomb(p, A.bombs.nestedField(MB)),
    expect: { got: '', reason: 'Protocol Violation' },
  },
  {
    name: 'CONNECT: an 8 MB string (max_control_line 16 MB)', limits: BIG_LINE, run: (p) => A.connectBomb(p, A.bombs.hugeString(8 * MB)),
    expect: { got: 'PONG\r\n', reason: null },
  },
  {
    name: 'CONNECT: 200,000 keys (max_control_line 16 MB)', limits: BIG_LINE, run: (p) => A.connectBomb(p, A.bombs.manyKeys(200_000)),
    expect: { got: 'PONG\r\n', reason: null },
  },
  {
    name: 'CONNECT: escapes, NULs and lone surrogates', limits: {}, run: (p) => A.connectBomb(p, A.bombs.escapes(200)),
    expect: { got: 'PONG\r\n', reason: null },
  },
  // ---- subscription floods
  {
    name: 'a subscription flood past max_subscriptions: -ERR for each, kept open', limits: { maxSubscriptions: 1000 },
    run: (p) => A.subFlood(p, 1100),
    expect: { got: "-ERR 'maximum subscriptions exceeded'\r\n".repeat(100) + 'PONG\r\n', reason: null, log: ':PORT - cid:\\d+ - maximum subscriptions exceeded' },
  },
  {
    name: 'a flood of 100,000 subscriptions (no limit)', limits: {}, run: (p) => A.subFlood(p, 100_000),
    expect: { got: 'PONG\r\n', reason: null },
  },
];
