// The protocol operations, as bits: which of them a peer may send is decided per connection kind
// (server/kind.ts KIND_OPS) and checked by the parser.

/** Protocol operations a peer may send, as bits (the parser checks a kind's row). */
export const enum Op {
  CONNECT = 1 << 0,
  INFO = 1 << 1,
  PING = 1 << 2,
  PONG = 1 << 3,
  OK = 1 << 4,
  ERR = 1 << 5,
  PUB = 1 << 6,
  HPUB = 1 << 7,
  SUB = 1 << 8,
  UNSUB = 1 << 9,
  /** MSG from a server peer (gateways). */
  MSG = 1 << 10,
  /** HMSG from a server peer (routes, leafnodes, gateways). */
  HMSG = 1 << 11,
  /** RS+ / RS- (routes). */
  RSUB = 1 << 12,
  /** RMSG (routes). */
  RMSG = 1 << 13,
  /** LS+ / LS- (leafnodes). */
  LSUB = 1 << 14,
  /** LMSG (leafnodes). */
  LMSG = 1 << 15,
  /** A+ / A- (account interest, routes and gateways). */
  ASUB = 1 << 16,
}
