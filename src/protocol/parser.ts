// A byte-level parser for the client protocol (reference §1.1/§1.2). It only parses: it finds
// operations and their arguments as index ranges of the incoming buffer, jumps over payloads, and
// calls the connection (the Handler) for each operation. Policy — auth, permissions, limits — lives
// in the connection. State numbers follow nats-server's parser.go so log lines read the same
// ("Client parser ERROR, state=0, i=0", "State 47, max_control_line …").
//
// Split frames: an argument line split across reads is kept in a small scratch buffer; a payload
// split across reads is copied into a buffer of exactly its size. No string is made here.

import { Op } from './ops.js';
import { splitArgs } from './args.js';

export const enum S {
  OP_START = 0,
  OP_PLUS, OP_PLUS_O, OP_PLUS_OK,
  OP_MINUS, OP_MINUS_E, OP_MINUS_ER, OP_MINUS_ERR, OP_MINUS_ERR_SPC, MINUS_ERR_ARG,
  OP_C, OP_CO, OP_CON, OP_CONN, OP_CONNE, OP_CONNEC, OP_CONNECT, CONNECT_ARG,
  OP_H, OP_HP, OP_HPU, OP_HPUB, OP_HPUB_SPC, HPUB_ARG,
  OP_HM, OP_HMS, OP_HMSG, OP_HMSG_SPC, HMSG_ARG,
  OP_P, OP_PU, OP_PUB, OP_PUB_SPC, PUB_ARG,
  OP_PI, OP_PIN, OP_PING,
  OP_PO, OP_PON, OP_PONG,
  MSG_PAYLOAD, MSG_END_R, MSG_END_N,
  OP_S, OP_SU, OP_SUB, OP_SUB_SPC, SUB_ARG,
  OP_A, OP_ASUB, OP_ASUB_SPC, ASUB_ARG, OP_AUSUB, OP_AUSUB_SPC, AUSUB_ARG,
  OP_L, OP_LS, OP_R, OP_RS,
  OP_U, OP_UN, OP_UNS, OP_UNSU, OP_UNSUB, OP_UNSUB_SPC, UNSUB_ARG,
  OP_M, OP_MS, OP_MSG, OP_MSG_SPC, MSG_ARG,
  OP_I, OP_IN, OP_INF, OP_INFO, INFO_ARG,
}

/** Which argument line is being collected (what to call at its '\n'). */
export const enum Arg {
  NONE = 0, CONNECT, PUB, HPUB, SUB, UNSUB, INFO, ERR, HMSG,
  /** Route and leafnode operations (reference parser.go: SUB_ARG/UNSUB_ARG/MSG_ARG by c.op). */
  RSUB, RUNSUB, LSUB, LUNSUB, RMSG, LMSG, ASUB, AUSUB,
}

/**
 * What the parser calls. Each process* that can fail closes the connection itself; the parser
 * stops as soon as `closed` is true after a call.
 */
export interface ParserHandler {
  closed: boolean;
  /**
   * Set by processConnect when it must wait (an asynchronous credential check): the parser keeps
   * the rest of the read and stops; the handler calls `resumeParsing()` on the parser later.
   */
  suspended: boolean;
  /** True while auth is required and CONNECT has not been accepted: any other op is a violation. */
  awaitingAuth(): boolean;
  /** The connection's max_control_line. */
  maxControlLine(): number;
  processConnect(buf: Buffer, s: number, e: number): void;
  /**
   * PUB/HPUB arguments `buf[s,e)`, already split at spaces and tabs: `ntok` tokens whose bounds are
   * `tok[2k], tok[2k+1]` (only the first 4 are recorded). `sameSubject`: the subject's bytes are
   * those of the previous PUB/HPUB of this parser, so its string may be reused. Returns the payload
   * size to read, or -1 if the connection closed.
   */
  processPubArgs(buf: Buffer, s: number, e: number, headers: boolean, ntok: number, tok: Int32Array, sameSubject: boolean): number;
  /** A complete payload (without its trailing CRLF) of the last PUB/HPUB. */
  processMsg(buf: Buffer, s: number, e: number): void;
  processSub(buf: Buffer, s: number, e: number): void;
  processUnsub(buf: Buffer, s: number, e: number): void;
  processPing(): void;
  processPong(): void;
  processInfo(buf: Buffer, s: number, e: number): void;
  processErr(buf: Buffer, s: number, e: number): void;
  /**
   * `RS+ <account> <subject>[ <queue> <weight>]`, or with `origin` the leafnode-origin form
   * `LS+ <origin> <account> <subject>[ <queue> <weight>]` (routes).
   */
  processRemoteSub(buf: Buffer, s: number, e: number, origin: boolean): void;
  /** `RS- <account> <subject>[ <queue>]` (also `LS-`, which carries no origin in 2.9.10). */
  processRemoteUnsub(buf: Buffer, s: number, e: number): void;
  /**
   * The arguments of `RMSG <account> <subject> [+ <reply> <queues…> | \| <queues…> | <reply>] <size>`
   * (`hdr`: `HMSG` with `<hdr> <total>`; `origin`: `LMSG <origin> …`, always with a header size).
   * Returns the payload size to read, or -1 if the connection closed.
   */
  processRoutedMsgArgs(buf: Buffer, s: number, e: number, hdr: boolean, origin: boolean): number;
  /** `A+ <account>` / `A- <account>` (account interest: acted on by gateways only). */
  processAccountSub(buf: Buffer, s: number, e: number, sub: boolean): void;
  /** Unknown or malformed operation at index i of buf: -ERR 'Unknown Protocol Operation' and close. */
  parseError(state: number, buf: Buffer, i: number): void;
  /** An op other than CONNECT before auth: -ERR 'Authorization Violation' and close. */
  authViolation(): void;
  /**
   * An op other than CONNECT came first while auth is awaited: true if the connection was bound
   * anyway (a no_auth_user takes it, as the reference lets telnet demos in), false to refuse it.
   */
  bindWithoutConnect?(): boolean;
  /** An argument line longer than max_control_line: -ERR and close. */
  maxControlLineViolation(state: number, bufLen: number, buf: Buffer, s: number, e: number): void;
}

const SCRATCH_INITIAL = 256;
/** PUB subjects up to this long are remembered byte for byte (see Parser.sameSubject). */
const SUBJECT_CACHE_BYTES = 64;

/** A client's row of server/kind.ts KIND_OPS (the default). */
const CLIENT_OPS = Op.CONNECT | Op.INFO | Op.PING | Op.PONG | Op.OK | Op.ERR | Op.PUB | Op.HPUB | Op.SUB | Op.UNSUB;

/** Parser.op: the operation family being read, as parser.go's c.op ('R' and 'L' ops reuse the SUB/UNSUB/MSG states). */
const OP_ROUTE = 1;
const OP_LEAF = 2;

export class Parser {
  state: number = S.OP_START;
  /** 0 for client ops, OP_ROUTE after 'R', OP_LEAF after 'L'. */
  private op = 0;
  /** Start of the current argument (or payload) in the current buffer. */
  private as = 0;
  /** 1 when a '\r' preceded the '\n' (not part of the argument). */
  private drop = 0;
  private arg: number = Arg.NONE;
  /** Split argument line (bytes of the line so far), or null. */
  private argBuf: Buffer | null = null;
  private argLen = 0;
  /** Split payload (+CRLF), or null. */
  private msgBuf: Buffer | null = null;
  private msgLen = 0;
  /** Payload size of the PUB being read. */
  private size = 0;

  /** Bytes that arrived after a CONNECT whose check is still running. */
  private held: Buffer | null = null;

  /**
   * `ops`: the operations the peer's kind may send (server/kind.ts KIND_OPS); any other is a parse
   * error, as parser.go's switch on the connection kind.
   */
  constructor(private readonly h: ParserHandler, private readonly ops: number = CLIENT_OPS) {}

  /** Continues with what arrived while suspended (after the handler cleared `suspended`). */
  resumeParsing(): void {
    const held = this.held;
    this.held = null;
    if (held !== null && !this.h.closed) this.parse(held);
  }

  /** Feeds one read's worth of bytes. */
  parse(buf: Buffer): void {
    const h = this.h;
    const n = buf.length;
    let authSet = h.awaitingAuth();
    let i = 0;
    let b = 0;
    for (; i < n; i++) {
      b = buf[i];
      switch (this.state) {
        case S.OP_START:
          if (b !== 0x43 && b !== 0x63 && authSet) { // only CONNECT is allowed before auth
            if (h.bindWithoutConnect?.() !== true) {
              h.authViolation();
              return;
            }
            authSet = false;
          }
          switch (b) {
            case 0x50: case 0x70: // P
              // Fast path: a whole `PUB subject [reply] size` line in this read.
              if ((this.ops & Op.PUB) !== 0 && i + 4 < n && (buf[i + 1] | 0x20) === 0x75 && (buf[i + 2] | 0x20) === 0x62 && (buf[i + 3] === 0x20 || buf[i + 3] === 0x09)) {
                const next = this.fastPub(buf, i, n);
                if (next === -2) return;
                if (next >= 0) {
                  i = next;
                  break;
                }
              }
              this.state = S.OP_P;
              break;
            case 0x48: case 0x68: this.state = S.OP_H; break; // H
            case 0x53: case 0x73: // S
              if ((this.ops & Op.SUB) === 0) return this.err(buf, i);
              this.op = 0;
              this.state = S.OP_S;
              break;
            case 0x55: case 0x75: // U
              if ((this.ops & Op.UNSUB) === 0) return this.err(buf, i);
              this.op = 0;
              this.state = S.OP_U;
              break;
            case 0x52: case 0x72: // R: RS+, RS-, RMSG (routes)
              if ((this.ops & (Op.RSUB | Op.RMSG)) === 0) return this.err(buf, i);
              this.op = OP_ROUTE;
              this.state = S.OP_R;
              break;
            case 0x4c: case 0x6c: // L: LS+, LS-, LMSG (leafnodes, and routes from leafnode-origin peers)
              if ((this.ops & (Op.LSUB | Op.LMSG)) === 0) return this.err(buf, i);
              this.op = OP_LEAF;
              this.state = S.OP_L;
              break;
            case 0x41: case 0x61: // A: A+, A- (routes, gateways)
              if ((this.ops & Op.ASUB) === 0) return this.err(buf, i);
              this.state = S.OP_A;
              break;
            case 0x43: case 0x63: this.state = S.OP_C; break; // C
            case 0x49: case 0x69: this.state = S.OP_I; break; // I
            case 0x2b: this.state = S.OP_PLUS; break; // +
            case 0x2d: this.state = S.OP_MINUS; break; // -
            default: // M and anything else
              h.parseError(this.state, buf, i);
              return;
          }
          break;

        // ---- P: PUB, PING, PONG
        case S.OP_P:
          if ((b === 0x55 || b === 0x75) && (this.ops & Op.PUB) !== 0) this.state = S.OP_PU;
          else if (b === 0x49 || b === 0x69) this.state = S.OP_PI;
          else if (b === 0x4f || b === 0x6f) this.state = S.OP_PO;
          else return this.err(buf, i);
          break;
        case S.OP_PU:
          if (b === 0x42 || b === 0x62) this.state = S.OP_PUB;
          else return this.err(buf, i);
          break;
        case S.OP_PUB:
          if (b === 0x20 || b === 0x09) this.state = S.OP_PUB_SPC;
          else return this.err(buf, i);
          break;
        case S.OP_PUB_SPC:
          if (b !== 0x20 && b !== 0x09) this.startArg(S.PUB_ARG, Arg.PUB, i);
          break;
        case S.OP_PI:
          if (b === 0x4e || b === 0x6e) this.state = S.OP_PIN;
          else return this.err(buf, i);
          break;
        case S.OP_PIN:
          if (b === 0x47 || b === 0x67) this.state = S.OP_PING;
          else return this.err(buf, i);
          break;
        case S.OP_PING: // anything up to '\n' is ignored, as the reference
          if (b === 0x0a) {
            this.state = S.OP_START;
            this.drop = 0;
            h.processPing();
            if (h.closed) return;
          }
          break;
        case S.OP_PO:
          if (b === 0x4e || b === 0x6e) this.state = S.OP_PON;
          else return this.err(buf, i);
          break;
        case S.OP_PON:
          if (b === 0x47 || b === 0x67) this.state = S.OP_PONG;
          else return this.err(buf, i);
          break;
        case S.OP_PONG:
          if (b === 0x0a) {
            this.state = S.OP_START;
            this.drop = 0;
            h.processPong();
            if (h.closed) return;
          }
          break;

        // ---- H: HPUB, HMSG
        case S.OP_H:
          if ((b === 0x50 || b === 0x70) && (this.ops & Op.HPUB) !== 0) this.state = S.OP_HP;
          else if (b === 0x4d || b === 0x6d) this.state = S.OP_HM;
          else return this.err(buf, i);
          break;
        case S.OP_HP:
          if (b === 0x55 || b === 0x75) this.state = S.OP_HPU;
          else return this.err(buf, i);
          break;
        case S.OP_HPU:
          if (b === 0x42 || b === 0x62) this.state = S.OP_HPUB;
          else return this.err(buf, i);
          break;
        case S.OP_HPUB:
          if (b === 0x20 || b === 0x09) this.state = S.OP_HPUB_SPC;
          else return this.err(buf, i);
          break;
        case S.OP_HPUB_SPC:
          if (b !== 0x20 && b !== 0x09) this.startArg(S.HPUB_ARG, Arg.HPUB, i);
          break;
        case S.OP_HM:
          if (b === 0x53 || b === 0x73) this.state = S.OP_HMS;
          else return this.err(buf, i);
          break;
        case S.OP_HMS:
          if (b === 0x47 || b === 0x67) this.state = S.OP_HMSG;
          else return this.err(buf, i);
          break;
        case S.OP_HMSG:
          if (b === 0x20 || b === 0x09) this.state = S.OP_HMSG_SPC;
          else return this.err(buf, i);
          break;
        case S.OP_HMSG_SPC:
          if (b !== 0x20 && b !== 0x09) this.startArg(S.HMSG_ARG, Arg.HMSG, i);
          break;

        // ---- S: SUB
        case S.OP_S:
          if (b === 0x55 || b === 0x75) this.state = S.OP_SU;
          else return this.err(buf, i);
          break;
        case S.OP_SU:
          if (b === 0x42 || b === 0x62) this.state = S.OP_SUB;
          else return this.err(buf, i);
          break;
        case S.OP_SUB:
          if (b === 0x20 || b === 0x09) this.state = S.OP_SUB_SPC;
          else return this.err(buf, i);
          break;
        case S.OP_SUB_SPC:
          if (b !== 0x20 && b !== 0x09) this.startArg(S.SUB_ARG, this.op === OP_ROUTE ? Arg.RSUB : this.op === OP_LEAF ? Arg.LSUB : Arg.SUB, i);
          break;

        // ---- R, L: RS+/RS-/RMSG, LS+/LS-/LMSG (then the SUB, UNSUB and MSG states, as parser.go)
        case S.OP_R:
        case S.OP_L: {
          const sub = this.state === S.OP_R ? Op.RSUB : Op.LSUB;
          const msg = this.state === S.OP_R ? Op.RMSG : Op.LMSG;
          if ((b === 0x53 || b === 0x73) && (this.ops & sub) !== 0) this.state = this.state === S.OP_R ? S.OP_RS : S.OP_LS;
          else if ((b === 0x4d || b === 0x6d) && (this.ops & msg) !== 0) this.state = S.OP_M;
          else return this.err(buf, i);
          break;
        }
        case S.OP_RS:
        case S.OP_LS:
          if (b === 0x2b) this.state = S.OP_SUB; // +
          else if (b === 0x2d) this.state = S.OP_UNSUB; // -
          else return this.err(buf, i);
          break;
        case S.OP_M:
          if (b === 0x53 || b === 0x73) this.state = S.OP_MS;
          else return this.err(buf, i);
          break;
        case S.OP_MS:
          if (b === 0x47 || b === 0x67) this.state = S.OP_MSG;
          else return this.err(buf, i);
          break;
        case S.OP_MSG:
          if (b === 0x20 || b === 0x09) this.state = S.OP_MSG_SPC;
          else return this.err(buf, i);
          break;
        case S.OP_MSG_SPC:
          if (b !== 0x20 && b !== 0x09) this.startArg(S.MSG_ARG, this.op === OP_LEAF ? Arg.LMSG : Arg.RMSG, i);
          break;

        // ---- A+ / A-
        case S.OP_A:
          if (b === 0x2b) this.state = S.OP_ASUB;
          else if (b === 0x2d || b === 0x75) this.state = S.OP_AUSUB; // '-' or 'u', as parser.go
          else return this.err(buf, i);
          break;
        case S.OP_ASUB:
          if (b === 0x20 || b === 0x09) this.state = S.OP_ASUB_SPC;
          else return this.err(buf, i);
          break;
        case S.OP_ASUB_SPC:
          if (b !== 0x20 && b !== 0x09) this.startArg(S.ASUB_ARG, Arg.ASUB, i);
          break;
        case S.OP_AUSUB:
          if (b === 0x20 || b === 0x09) this.state = S.OP_AUSUB_SPC;
          else return this.err(buf, i);
          break;
        case S.OP_AUSUB_SPC:
          if (b !== 0x20 && b !== 0x09) this.startArg(S.AUSUB_ARG, Arg.AUSUB, i);
          break;

        // ---- U: UNSUB
        case S.OP_U:
          if (b === 0x4e || b === 0x6e) this.state = S.OP_UN;
          else return this.err(buf, i);
          break;
        case S.OP_UN:
          if (b === 0x53 || b === 0x73) this.state = S.OP_UNS;
          else return this.err(buf, i);
          break;
        case S.OP_UNS:
          if (b === 0x55 || b === 0x75) this.state = S.OP_UNSU;
          else return this.err(buf, i);
          break;
        case S.OP_UNSU:
          if (b === 0x42 || b === 0x62) this.state = S.OP_UNSUB;
          else return this.err(buf, i);
          break;
        case S.OP_UNSUB:
          if (b === 0x20 || b === 0x09) this.state = S.OP_UNSUB_SPC;
          else return this.err(buf, i);
          break;
        case S.OP_UNSUB_SPC:
          if (b !== 0x20 && b !== 0x09) this.startArg(S.UNSUB_ARG, this.op === 0 ? Arg.UNSUB : this.op === OP_ROUTE ? Arg.RUNSUB : Arg.LUNSUB, i);
          break;

        // ---- C: CONNECT (no space needed before its argument, as the reference)
        case S.OP_C:
          if (b === 0x4f || b === 0x6f) this.state = S.OP_CO;
          else return this.err(buf, i);
          break;
        case S.OP_CO:
          if (b === 0x4e || b === 0x6e) this.state = S.OP_CON;
          else return this.err(buf, i);
          break;
        case S.OP_CON:
          if (b === 0x4e || b === 0x6e) this.state = S.OP_CONN;
          else return this.err(buf, i);
          break;
        case S.OP_CONN:
          if (b === 0x45 || b === 0x65) this.state = S.OP_CONNE;
          else return this.err(buf, i);
          break;
        case S.OP_CONNE:
          if (b === 0x43 || b === 0x63) this.state = S.OP_CONNEC;
          else return this.err(buf, i);
          break;
        case S.OP_CONNEC:
          if (b === 0x54 || b === 0x74) this.state = S.OP_CONNECT;
          else return this.err(buf, i);
          break;
        case S.OP_CONNECT:
          if (b !== 0x20 && b !== 0x09) this.startArg(S.CONNECT_ARG, Arg.CONNECT, i);
          break;

        // ---- I: INFO
        case S.OP_I:
          if (b === 0x4e || b === 0x6e) this.state = S.OP_IN;
          else return this.err(buf, i);
          break;
        case S.OP_IN:
          if (b === 0x46 || b === 0x66) this.state = S.OP_INF;
          else return this.err(buf, i);
          break;
        case S.OP_INF:
          if (b === 0x4f || b === 0x6f) this.state = S.OP_INFO;
          else return this.err(buf, i);
          break;
        case S.OP_INFO:
          if (b !== 0x20 && b !== 0x09) this.startArg(S.INFO_ARG, Arg.INFO, i);
          break;

        // ---- +OK and -ERR from a client
        case S.OP_PLUS:
          if (b === 0x4f || b === 0x6f) this.state = S.OP_PLUS_O;
          else return this.err(buf, i);
          break;
        case S.OP_PLUS_O:
          if (b === 0x4b || b === 0x6b) this.state = S.OP_PLUS_OK;
          else return this.err(buf, i);
          break;
        case S.OP_PLUS_OK:
          if (b === 0x0a) {
            this.state = S.OP_START;
            this.drop = 0;
          }
          break;
        case S.OP_MINUS:
          if (b === 0x45 || b === 0x65) this.state = S.OP_MINUS_E;
          else return this.err(buf, i);
          break;
        case S.OP_MINUS_E:
          if (b === 0x52 || b === 0x72) this.state = S.OP_MINUS_ER;
          else return this.err(buf, i);
          break;
        case S.OP_MINUS_ER:
          if (b === 0x52 || b === 0x72) this.state = S.OP_MINUS_ERR;
          else return this.err(buf, i);
          break;
        case S.OP_MINUS_ERR:
          if (b === 0x20 || b === 0x09) this.state = S.OP_MINUS_ERR_SPC;
          else return this.err(buf, i);
          break;
        case S.OP_MINUS_ERR_SPC:
          if (b !== 0x20 && b !== 0x09) this.startArg(S.MINUS_ERR_ARG, Arg.ERR, i);
          break;

        // ---- argument lines: collect up to '\n'
        case S.PUB_ARG:
        case S.HPUB_ARG:
        case S.SUB_ARG:
        case S.UNSUB_ARG:
        case S.CONNECT_ARG:
        case S.INFO_ARG:
        case S.MINUS_ERR_ARG:
        case S.HMSG_ARG:
        case S.MSG_ARG:
        case S.ASUB_ARG:
        case S.AUSUB_ARG: {
          // Fast scan to the end of the line when the whole line is in this buffer.
          if (this.argBuf === null) {
            let j = i;
            while (j < n && buf[j] !== 0x0a) {
              if (buf[j] === 0x0d) this.drop = 1;
              j++;
            }
            if (j === n) {
              i = n; // split line: saved after the loop
              break;
            }
            i = j;
            b = 0x0a;
          } else if (b !== 0x0a) {
            if (b === 0x0d) {
              this.drop = 1;
              continue;
            }
            // A line continued from an earlier read: copy the run up to the next '\r' or '\n' at once
            // (a byte at a time, a CONNECT of megabytes cost ~100 ms). '\r' is never kept, as the
            // reference's split-buffer path.
            let j = i + 1;
            while (j < n) {
              const c = buf[j];
              if (c === 0x0a || c === 0x0d) break;
              j++;
            }
            this.appendRun(buf, i, j);
            i = j - 1;
            continue;
          }
          // b is '\n'
          let abuf: Buffer;
          let s: number;
          let e: number;
          if (this.argBuf !== null) {
            abuf = this.argBuf;
            s = 0;
            e = this.argLen;
            this.argBuf = null;
          } else {
            abuf = buf;
            s = this.as;
            e = i - this.drop;
          }
          const mcl = h.maxControlLine();
          if (e - s > mcl) {
            h.maxControlLineViolation(this.state, abuf === buf ? 0 : e - s, abuf, s, e);
            return;
          }
          const arg = this.arg;
          this.drop = 0;
          this.as = i + 1;
          switch (arg) {
            case Arg.PUB:
            case Arg.HPUB: {
              const tok = this.tok;
              const nt = splitArgs(abuf, s, e, tok, true);
              const size = h.processPubArgs(abuf, s, e, arg === Arg.HPUB, nt, tok, nt > 0 && this.sameSubject(abuf, tok[0], tok[1]));
              if (size < 0 || h.closed) return;
              const next = this.payload(buf, i, n, size);
              if (next < 0) return;
              i = next;
              break;
            }
            case Arg.HMSG:
            case Arg.RMSG:
            case Arg.LMSG: {
              if ((this.ops & Op.HMSG) === 0) {
                // HMSG from a client: the reference has nothing to route and fails in its
                // end-of-message state (captured: state=41, -ERR 'Unknown Protocol Operation').
                h.parseError(S.MSG_END_R, buf, i);
                return;
              }
              const size = h.processRoutedMsgArgs(abuf, s, e, arg !== Arg.RMSG, arg === Arg.LMSG);
              if (size < 0 || h.closed) return;
              const next = this.payload(buf, i, n, size);
              if (next < 0) return;
              i = next;
              break;
            }
            case Arg.RSUB:
            case Arg.LSUB:
              this.state = S.OP_START;
              h.processRemoteSub(abuf, s, e, arg === Arg.LSUB);
              if (h.closed) return;
              break;
            case Arg.RUNSUB:
            case Arg.LUNSUB:
              this.state = S.OP_START;
              h.processRemoteUnsub(abuf, s, e);
              if (h.closed) return;
              break;
            case Arg.ASUB:
            case Arg.AUSUB:
              this.state = S.OP_START;
              h.processAccountSub(abuf, s, e, arg === Arg.ASUB);
              if (h.closed) return;
              break;
            case Arg.SUB:
              this.state = S.OP_START;
              h.processSub(abuf, s, e);
              if (h.closed) return;
              break;
            case Arg.UNSUB:
              this.state = S.OP_START;
              h.processUnsub(abuf, s, e);
              if (h.closed) return;
              break;
            case Arg.CONNECT:
              this.state = S.OP_START;
              h.processConnect(abuf, s, e);
              if (h.closed) return;
              if (h.suspended) {
                if (i + 1 < n) this.held = Buffer.from(buf.subarray(i + 1));
                return;
              }
              authSet = h.awaitingAuth();
              break;
            case Arg.INFO:
              this.state = S.OP_START;
              h.processInfo(abuf, s, e);
              if (h.closed) return;
              break;
            case Arg.ERR:
              this.state = S.OP_START;
              h.processErr(abuf, s, e);
              if (h.closed) return;
              break;
          }
          break;
        }

        // ---- payload split across reads (or a stray MSG's CRLF)
        case S.MSG_PAYLOAD: {
          // Only reached with a split payload: copy what this read holds.
          const need = this.size + 2 - this.msgLen;
          const avail = n - i;
          const take = avail < need ? avail : need;
          buf.copy(this.msgBuf!, this.msgLen, i, i + take);
          this.msgLen += take;
          i += take - 1;
          // The byte after the payload must be '\r': fail as soon as it is here, as the reference
          // (MSG_END_R), not only once the LF has arrived too.
          if (this.msgLen === this.size + 1 && this.msgBuf![this.size] !== 0x0d) {
            this.msgBuf = null;
            this.msgLen = 0;
            this.state = S.MSG_END_R;
            return this.err(buf, i);
          }
          if (this.msgLen === this.size + 2) {
            const mb = this.msgBuf!;
            this.msgBuf = null;
            this.msgLen = 0;
            if (mb[this.size] !== 0x0d) {
              this.state = S.MSG_END_R;
              return this.err(buf, i - 1);
            }
            if (mb[this.size + 1] !== 0x0a) {
              this.state = S.MSG_END_N;
              return this.err(buf, i);
            }
            this.state = S.OP_START;
            this.as = i + 1;
            h.processMsg(mb, 0, this.size);
            if (h.closed) return;
          }
          break;
        }
        case S.MSG_END_R:
          if (b !== 0x0d) return this.err(buf, i);
          this.state = S.MSG_END_N;
          break;
        case S.MSG_END_N:
          if (b !== 0x0a) return this.err(buf, i);
          this.state = S.OP_START;
          this.as = i + 1;
          break;
        default:
          return this.err(buf, i);
      }
    }

    // Split argument line: keep it, and enforce max_control_line while buffering.
    if (this.arg !== Arg.NONE && this.isArgState()) {
      if (this.argBuf === null) this.saveArg(buf, this.as, n - this.drop);
      const mcl = h.maxControlLine();
      if (this.argLen > mcl) {
        h.maxControlLineViolation(this.state, this.argLen, this.argBuf!, 0, Math.min(this.argLen, this.argBuf!.length));
        return;
      }
    } else if (this.state === S.MSG_PAYLOAD && this.msgBuf === null) {
      // Split payload: a buffer of exactly payload + CRLF, filled as reads arrive.
      const have = n - this.as;
      if (have === this.size + 1 && buf[n - 1] !== 0x0d) { // the byte after the payload is here and wrong
        this.state = S.MSG_END_R;
        return this.err(buf, n - 1);
      }
      const mb = Buffer.allocUnsafe(this.size + 2);
      buf.copy(mb, 0, this.as, n);
      this.msgBuf = mb;
      this.msgLen = have;
    }
  }

  /** Token bounds of the PUB/HPUB line being processed (see ParserHandler.processPubArgs). */
  private readonly tok = new Int32Array(8);

  /**
   * A whole PUB line at `buf[i]` ("PUB " already checked): split its arguments in the same pass
   * that finds its end — the subject compared with the previous PUB's as it is read — then the
   * payload. Returns the index of the last byte consumed, -1 to let the state machine take it
   * (split line, a control byte, over max_control_line), -2 to stop.
   */
  private fastPub(buf: Buffer, i: number, n: number): number {
    let j = i + 4;
    while (j < n && (buf[j] === 0x20 || buf[j] === 0x09)) j++;
    const as = j;
    // The subject: every byte above 0x20; anything else ends it.
    const last = this.lastSubj;
    const llen = last === null ? -1 : this.lastSubjLen;
    let same = llen > 0;
    for (; j < n; j++) {
      const c = buf[j];
      if (c <= 0x20) break;
      if (same && (j - as >= llen || last![j - as] !== c)) same = false;
    }
    if (j >= n || j === as || (buf[j] !== 0x20 && buf[j] !== 0x09)) return -1;
    if (j - as !== llen) same = false;
    const tok = this.tok;
    tok[0] = as;
    tok[1] = j;
    let nt = 1;
    let ts = -1;
    let e = -1;
    for (; j < n; j++) {
      const c = buf[j];
      if (c > 0x20) {
        if (ts < 0) ts = j;
      } else if (c === 0x0a) {
        e = j;
        break;
      } else if (c === 0x20 || c === 0x09 || c === 0x0d) {
        if (c === 0x0d && (j + 1 >= n || buf[j + 1] !== 0x0a)) return -1; // a CR inside the line
        if (ts >= 0) {
          if (nt < 4) {
            tok[2 * nt] = ts;
            tok[2 * nt + 1] = j;
          }
          nt++;
          ts = -1;
        }
      } else if (ts < 0) ts = j; // other control bytes belong to a token, as in the state machine
    }
    if (e < 0) return -1;
    if (ts >= 0) {
      if (nt < 4) {
        tok[2 * nt] = ts;
        tok[2 * nt + 1] = e;
      }
      nt++;
    }
    const ae = buf[e - 1] === 0x0d ? e - 1 : e;
    const h = this.h;
    if (ae - as > h.maxControlLine()) return -1;
    if (!same) this.rememberSubject(buf, as, tok[1]);
    this.state = S.PUB_ARG;
    const size = h.processPubArgs(buf, as, ae, false, nt, tok, same);
    if (size < 0 || h.closed) return -2;
    const next = this.payload(buf, e, n, size);
    return next < 0 ? -2 : next;
  }

  /** The previous PUB/HPUB subject's bytes (up to SUBJECT_CACHE_BYTES), or null before the first. */
  private lastSubj: Buffer | null = null;
  /** Its length; -1 when it was too long to keep. */
  private lastSubjLen = -1;

  /** Whether `buf[s,e)` is the previous PUB/HPUB subject; remembers it when not. */
  private sameSubject(buf: Buffer, s: number, e: number): boolean {
    const last = this.lastSubj;
    const len = e - s;
    if (last !== null && len === this.lastSubjLen) {
      let k = 0;
      while (k < len && last[k] === buf[s + k]) k++;
      if (k === len) return true;
    }
    this.rememberSubject(buf, s, e);
    return false;
  }

  private rememberSubject(buf: Buffer, s: number, e: number): void {
    const len = e - s;
    if (len > SUBJECT_CACHE_BYTES) {
      this.lastSubjLen = -1;
      return;
    }
    const last = (this.lastSubj ??= Buffer.allocUnsafe(SUBJECT_CACHE_BYTES));
    for (let k = 0; k < len; k++) last[k] = buf[s + k];
    this.lastSubjLen = len;
  }

  /**
   * After a PUB/HPUB line ending at `buf[lf]`: jump over the payload when it is all here (and
   * deliver it), else keep what there is for the next read. Returns the index of the last byte
   * consumed, or -1 to stop.
   */
  private payload(buf: Buffer, lf: number, n: number, size: number): number {
    const h = this.h;
    this.size = size;
    this.as = lf + 1;
    this.state = S.MSG_PAYLOAD;
    const end = this.as + size;
    if (end + 2 > n) return n - 1; // split payload: saved after the loop
    if (buf[end] !== 0x0d) {
      this.state = S.MSG_END_R;
      this.err(buf, end);
      return -1;
    }
    if (buf[end + 1] !== 0x0a) {
      this.state = S.MSG_END_N;
      this.err(buf, end + 1);
      return -1;
    }
    this.state = S.OP_START;
    h.processMsg(buf, this.as, end);
    if (h.closed) return -1;
    this.as = end + 2;
    return end + 1;
  }

  private isArgState(): boolean {
    const st = this.state;
    return st === S.PUB_ARG || st === S.HPUB_ARG || st === S.SUB_ARG || st === S.UNSUB_ARG ||
      st === S.CONNECT_ARG || st === S.INFO_ARG || st === S.MINUS_ERR_ARG || st === S.HMSG_ARG ||
      st === S.MSG_ARG || st === S.ASUB_ARG || st === S.AUSUB_ARG;
  }

  private startArg(state: number, arg: number, i: number): void {
    this.state = state;
    this.arg = arg;
    this.as = i;
    this.drop = 0;
  }

  private saveArg(buf: Buffer, s: number, e: number): void {
    const len = e > s ? e - s : 0;
    let cap = SCRATCH_INITIAL;
    while (cap < len) cap *= 2;
    this.argBuf = Buffer.allocUnsafe(cap);
    if (len > 0) buf.copy(this.argBuf, 0, s, e);
    this.argLen = len;
  }

  /** Appends buf[s,e) to the saved argument, doubling its buffer as needed. */
  private appendRun(buf: Buffer, s: number, e: number): void {
    let ab = this.argBuf!;
    const need = this.argLen + (e - s);
    if (need > ab.length) {
      let cap = ab.length * 2;
      while (cap < need) cap *= 2;
      const nb = Buffer.allocUnsafe(cap);
      ab.copy(nb, 0, 0, this.argLen);
      this.argBuf = ab = nb;
    }
    buf.copy(ab, this.argLen, s, e);
    this.argLen = need;
  }

  private err(buf: Buffer, i: number): void {
    this.h.parseError(this.state, buf, i);
  }
}
