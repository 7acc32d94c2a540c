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

export function pubViolation(subject: string): string {
  return `Permissions Violation for Publish to ${goQuote(subject)}`;
}
export function replyViolation(reply: string): string {
  return `Permissions Violation for Publish with Reply of ${goQuote(reply)}`;
}
export function subViolation(subject: string, queue?: string): string {
  return queue
    ? `Permissions Violation for Subscription to ${goQuote(subject)} using queue ${goQuote(queue)}`
    : `Permissions Violation for Subscription to ${goQuote(subject)}`;
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

/** Go's %q for the ASCII subjects we quote in error texts and log lines. */
export function goQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += s[i];
  }
  return out + '"';
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
