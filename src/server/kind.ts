// Connection kinds (nats-server's CLIENT, ROUTER, GATEWAY, SYSTEM, LEAF, JETSTREAM, ACCOUNT) and
// which protocol operations each kind may send — the one place that decides it, as parser.go
// switches on c.kind. A new kind of connection is a row here; a new operation is a bit here plus
// its states in protocol/parser.ts.
import { Op } from '../protocol/ops.js';

/** Connection kinds, numbered as nats-server's (client.go), named as /connz `kind`. */
export const enum Kind {
  CLIENT = 0,
  ROUTER = 1,
  GATEWAY = 2,
  SYSTEM = 3,
  LEAF = 4,
  JETSTREAM = 5,
  ACCOUNT = 6,
}

/** /connz and event `kind` names, by Kind. */
export const KIND_NAMES: readonly string[] = ['Client', 'Router', 'Gateway', 'System', 'Leafnode', 'JetStream', 'Account'];

const COMMON = Op.CONNECT | Op.INFO | Op.PING | Op.PONG | Op.OK | Op.ERR;

/**
 * What each kind may send (parser.go): a client publishes and subscribes; a route speaks RS+/RS-/
 * RMSG (and HMSG… as RMSG with headers), A+/A-, and LS+/LS-/LMSG for interest and messages that
 * came from a leafnode of another cluster; a leafnode LS+/LS-/LMSG/HMSG and PUB/HPUB (read as LMSG
 * without queues), and, as parser.go dispatches on the kind, SUB/UNSUB and RS+/RS-/RMSG read as
 * LS+/LS-/LMSG; internal kinds send nothing on a wire. The reference's parser also reads PUB, SUB and
 * UNSUB from a route: a SUB is ignored, an UNSUB read as RS-, a PUB finds no account.
 */
export const KIND_OPS: readonly number[] = [
  /* CLIENT    */ COMMON | Op.PUB | Op.HPUB | Op.SUB | Op.UNSUB,
  /* ROUTER    */ COMMON | Op.RSUB | Op.RMSG | Op.HMSG | Op.ASUB | Op.LSUB | Op.LMSG | Op.PUB | Op.HPUB | Op.SUB | Op.UNSUB,
  /* GATEWAY   */ COMMON | Op.RSUB | Op.RMSG | Op.HMSG | Op.ASUB | Op.MSG,
  /* SYSTEM    */ 0,
  /* LEAF      */ COMMON | Op.LSUB | Op.LMSG | Op.HMSG | Op.PUB | Op.HPUB | Op.SUB | Op.UNSUB | Op.RSUB | Op.RMSG,
  /* JETSTREAM */ 0,
  /* ACCOUNT   */ 0,
];
