import type { Client } from './client.js';
import type { StreamImport, ServiceImport } from '../accounts/imports.js';

/** Internal subscriptions ($SYS handlers) get messages through a callback instead of a socket. */
export type InternalHandler = (sub: Subscription, subject: string, reply: string, hdr: Buffer | null, msg: Buffer, client: Client | null) => void;

/**
 * A synchronous internal handler (JetStream's stream ingest): called during delivery with the
 * publisher's buffer, `buf[s,e)` holding `hdr` header bytes first (hdr <= 0: none). It must copy
 * what it keeps, and must not publish or subscribe before returning (queue that for later).
 */
export type RawHandler = (sub: Subscription, subject: string, reply: string, buf: Buffer, s: number, e: number, hdr: number, client: Client | null) => void;

/** One SUB of one connection (or an internal handler). */
export class Subscription {
  /** Messages delivered so far (for UNSUB max and /subsz msgs). */
  nm = 0;
  /** Auto-unsubscribe after this many messages; 0 = no limit. */
  max = 0;
  closed = false;
  /** Queue weight of a route's queue subscription (RS+ … <queue> <weight>); 1 for local ones. */
  qw = 1;
  /** The origin cluster of a route subscription that came from a leafnode (LS+); '' otherwise. */
  origin = '';
  /** The sid as bytes, ready for MSG frames. */
  readonly sidBytes: Buffer;
  // ---- cross-account routing (accounts/imports.ts)
  /** A shadow subscription: lives in an exporting account's sublist, delivers for this stream import. */
  im: StreamImport | null = null;
  /** An internal subscription that forwards matching messages through a service import. */
  si: ServiceImport | null = null;
  /** The shadow subscriptions made for this subscription in exporting accounts. */
  shadow: Subscription[] | null = null;
  /** Set for synchronous internal handlers (see RawHandler); `handler` is then unused. */
  raw: RawHandler | null = null;
  /**
   * A raw handler that answers each request while it is delivered (direct gets): one unit of work
   * for the early flush (server.noteWork). Stream ingest is not (its acks go out after the read
   * batch), nor are consumer acks (no answer).
   */
  answers = false;

  constructor(
    /** The receiving connection; null for internal handlers. */
    readonly client: Client | null,
    readonly subject: string,
    readonly queue: string | null,
    readonly sid: string,
    readonly handler: InternalHandler | null = null,
  ) {
    this.sidBytes = Buffer.from(sid, 'latin1');
  }
}
