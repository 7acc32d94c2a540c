// Every error a client or operator can meet, with the exact text nats-server sends.
// The -ERR texts come from captures of nats-server 2.9.10 (reference §1.6), not from the docs site:
// several of them are lowercase, and official Go and C clients give up for good on a text they do
// not recognise.

/** -ERR texts, without quotes. */
export const E = {
  UnknownOp: 'Unknown Protocol Operation',
  MaxPayload: 'Maximum Payload Violation',
  MaxControlLine: 'maximum control line exceeded',
  AuthViolation: 'Authorization Violation',
  AuthTimeout: 'Authentication Timeout',
  StaleConnection: 'Stale Connection',
  MaxConnections: 'maximum connections exceeded',
  MaxAccountConnections: 'maximum account active connections exceeded',
  MaxSubscriptions: 'maximum subscriptions exceeded',
  InvalidSubject: 'Invalid Subject',
  InvalidPublishSubject: 'Invalid Publish Subject',
  BadClientProtocol: 'invalid client protocol',
  NoRespondersRequiresHeaders: 'no responders requires headers support',
  UserAuthExpired: 'User Authentication Expired',
  AccountAuthExpired: 'Account Authentication Expired',
  UserAuthRevoked: 'User Authentication Revoked',
} as const;

// Subjects and queues come off the wire as byte strings (one char per byte): quoted with goQuoteBytes,
// so the -ERR carries what Go's %q makes of the bytes (fuzz seed 3490).
/** The reference's answer to a reload when the server has no config file to read again (Server.Reload). */
export const NO_CONFIG_FILE = 'can only reload config when a file is provided using -c or --config';

export function pubViolation(subject: string): string {
  return `Permissions Violation for Publish to ${goQuoteBytes(subject)}`;
}
export function replyViolation(reply: string): string {
  return `Permissions Violation for Publish with Reply of ${goQuoteBytes(reply)}`;
}
export function subViolation(subject: string, queue?: string): string {
  return queue
    ? `Permissions Violation for Subscription to ${goQuoteBytes(subject)} using queue ${goQuoteBytes(queue)}`
    : `Permissions Violation for Subscription to ${goQuoteBytes(subject)}`;
}

/**
 * Why a connection closed: the `reason` strings of /connz?state=closed and DISCONNECT events,
 * in nats-server's ClosedState order (monitor.go ClosedState.String).
 */
export const ClosedState = {
  ClientClosed: 'Client Closed',
  AuthenticationTimeout: 'Authentication Timeout',
  AuthenticationViolation: 'Authentication Failure',
  TLSHandshakeError: 'TLS Handshake Failure',
  SlowConsumerPendingBytes: 'Slow Consumer (Pending Bytes)',
  SlowConsumerWriteDeadline: 'Slow Consumer (Write Deadline)',
  WriteError: 'Write Error',
  ReadError: 'Read Error',
  ParseError: 'Parse Error',
  StaleConnection: 'Stale Connection',
  ProtocolViolation: 'Protocol Violation',
  BadClientProtocolVersion: 'Bad Client Protocol Version',
  WrongPort: 'Incorrect Port',
  MaxConnectionsExceeded: 'Maximum Connections Exceeded',
  MaxAccountConnectionsExceeded: 'Maximum Account Connections Exceeded',
  MaxPayloadExceeded: 'Maximum Message Payload Exceeded',
  MaxControlLineExceeded: 'Maximum Control Line Exceeded',
  MaxSubscriptionsExceeded: 'Maximum Subscriptions Exceeded',
  DuplicateRoute: 'Duplicate Route',
  RouteRemoved: 'Route Removed',
  ServerShutdown: 'Server Shutdown',
  AuthenticationExpired: 'Authentication Expired',
  WrongGateway: 'Wrong Gateway',
  MissingAccount: 'Missing Account',
  Revocation: 'Credentials Revoked',
  InternalClient: 'Internal Client',
  MsgHeaderViolation: 'Message Header Violation',
  NoRespondersRequiresHeaders: 'No Responders Requires Headers',
  ClusterNameConflict: 'Cluster Name Conflict',
  DuplicateRemoteLeafnodeConnection: 'Duplicate Remote LeafNode Connection',
  DuplicateClientID: 'Duplicate Client ID',
  DuplicateServerName: 'Duplicate Server Name',
  MinimumVersionRequired: 'Minimum Version Required',
  ClusterNamesIdentical: 'Cluster Names Identical',
  Kicked: 'Kicked',
} as const;
export type ClosedReason = (typeof ClosedState)[keyof typeof ClosedState];

/** Go's %q (strconv.Quote) for the ASCII part of a string: the escapes it uses, or null to keep `c`. */
function quoteAscii(c: number): string | null {
  switch (c) {
    case 0x22: return '\\"';
    case 0x5c: return '\\\\';
    case 0x07: return '\\a';
    case 0x08: return '\\b';
    case 0x0c: return '\\f';
    case 0x0a: return '\\n';
    case 0x0d: return '\\r';
    case 0x09: return '\\t';
    case 0x0b: return '\\v';
  }
  return c < 0x20 || c === 0x7f ? '\\x' + c.toString(16).padStart(2, '0') : null;
}

/** Go's %q for strings we quote in error texts and log lines (escapes for ASCII controls, others kept). */
export function goQuote(s: string): string {
  // Runs of kept characters are copied as slices, found by a native regexp scan: a per-character
  // loop builds millions of string pieces for a client name of megabytes (a CONNECT may be up to
  // max_control_line long).
  let out = '"';
  let run = 0;
  NEEDS_ESCAPE.lastIndex = 0;
  for (let m = NEEDS_ESCAPE.exec(s); m !== null; m = NEEDS_ESCAPE.exec(s)) {
    out += s.slice(run, m.index) + quoteAscii(s.charCodeAt(m.index))!;
    run = m.index + 1;
  }
  return out + s.slice(run) + '"';
}
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\x00-\x1f"\\\x7f]/g;

/** Printable as Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols (and ASCII space). */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/**
 * Go's %q of a byte string (one char per byte, as subjects are read off the wire): the bytes are
 * decoded as UTF-8; printable runes are kept (returned as their Unicode characters, so a UTF-8
 * encoding of the result gives Go's bytes), invalid bytes become \xNN, other runes \uNNNN.
 */
export function goQuoteBytes(s: string): string {
  let out = '"';
  let run = 0; // start of the pending run of characters kept as they are
  const n = s.length;
  for (let i = 0; i < n; ) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x7f) {
        i++;
        continue;
      }
      out += s.slice(run, i) + quoteAscii(c)!;
      run = ++i;
      continue;
    }
    const [cp, len] = decodeRune(s, i);
    out += s.slice(run, i);
    if (cp < 0) out += '\\x' + c.toString(16).padStart(2, '0');
    else {
      const ch = String.fromCodePoint(cp);
      out += PRINTABLE.test(ch) ? ch : cp > 0xffff ? '\\U' + cp.toString(16).padStart(8, '0') : '\\u' + cp.toString(16).padStart(4, '0');
    }
    i += len;
    run = i;
  }
  return out + s.slice(run) + '"';
}

/** One UTF-8 sequence at s[i] (a byte string), as Go's utf8.DecodeRune: [rune, length] or [-1, 1]. */
function decodeRune(s: string, i: number): [number, number] {
  const b0 = s.charCodeAt(i);
  const at = (k: number) => (i + k < s.length ? s.charCodeAt(i + k) : -1);
  const cont = (b: number, lo = 0x80, hi = 0xbf) => b >= lo && b <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const b1 = at(1);
    return cont(b1) ? [((b0 & 0x1f) << 6) | (b1 & 0x3f), 2] : [-1, 1];
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const b1 = at(1);
    const b2 = at(2);
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf; // no surrogates
    return cont(b1, lo, hi) && cont(b2) ? [((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f), 3] : [-1, 1];
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const b1 = at(1);
    const b2 = at(2);
    const b3 = at(3);
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return cont(b1, lo, hi) && cont(b2) && cont(b3) ? [((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f), 4] : [-1, 1];
  }
  return [-1, 1];
}

/** Errors thrown by the public API (options, startServer): a stable code and a message. */
export class TsnatsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'TsnatsError';
  }
}
