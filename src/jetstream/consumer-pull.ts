// Pull requests (consumer.go nextReqFromMsg, waitingRequest, waitQueue): the body of a
// `$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>` request, and the queue of requests waiting for
// messages. Served in order; a request with more to receive moves to the back after each message
// (round-robin, as waitQueue.pop). Times are monotonic milliseconds.
import { decodeGo, S, type Spec } from './json.js';
import { goJsonSyntaxError } from './json-syntax.js';

/** JSApiConsumerGetNextRequest. */
const nextSpec = S.struct('JSApiConsumerGetNextRequest', {
  expires: S.duration,
  batch: S.int,
  max_bytes: S.int,
  no_wait: S.bool,
  idle_heartbeat: S.duration,
}) as Spec & { k: 'struct' };

export interface NextRequest {
  batch: number;
  /** Nanoseconds; 0 = waits until filled. */
  expiresNs: number;
  maxBytes: number;
  noWait: boolean;
  /** Nanoseconds; 0 = none. */
  heartbeatNs: number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** nextReqFromMsg: the request, or the text after `Bad Request - `. */
export function parseNextRequest(body: string): NextRequest | { error: string } {
  const req = body.trim();
  const dflt: NextRequest = { batch: 1, expiresNs: 0, maxBytes: 0, noWait: false, heartbeatNs: 0 };
  if (req === '') return dflt;
  if (req.charCodeAt(0) === 0x7b) {
    const syn = goJsonSyntaxError(req);
    if (syn !== null) return { error: syn };
    const d = decodeGo<{ expires?: number; batch?: number; max_bytes?: number; no_wait?: boolean; idle_heartbeat?: number }>(req, nextSpec);
    if (!d.ok) return { error: d.error };
    const v = d.value;
    const expires = v.expires ?? 0;
    const hb = v.idle_heartbeat ?? 0;
    if (hb > 0 && hb * 2 > expires) return { error: 'heartbeat value too large' };
    return { batch: v.batch ?? 0, expiresNs: expires, maxBytes: v.max_bytes ?? 0, noWait: v.no_wait === true, heartbeatNs: hb };
  }
  // strconv.Atoi: an int64 in decimal with an optional sign; anything else is a batch of 1.
  if (/^[+-]?\d+$/.test(req)) {
    const b = BigInt(req);
    if (b >= INT64_MIN && b <= INT64_MAX) return { ...dflt, batch: Number(b) };
  }
  return dflt;
}

/** A request waiting for messages (waitingRequest). */
export interface WaitingRequest {
  /** Where interest is checked (the reply, in the consumer's account). */
  interest: string;
  reply: string;
  /** Messages still to deliver. */
  n: number;
  /** Messages delivered. */
  d: number;
  /** max_bytes left (0 = no limit). */
  b: number;
  /** Monotonic ms, 0 = never. */
  expires: number;
  received: number;
  /** Heartbeat interval ms (0 = none) and the next heartbeat (monotonic ms). */
  hb: number;
  hbt: number;
  noWait: boolean;
}

/** The waiting queue (waitQueue), at most `max` requests. */
export class WaitQueue {
  reqs: WaitingRequest[] = [];
  /** When the last request arrived, or activity was noted (monotonic ms). */
  last: number;

  constructor(readonly max: number, now: number) {
    this.last = now;
  }

  get length(): number {
    return this.reqs.length;
  }

  isEmpty(): boolean {
    return this.reqs.length === 0;
  }

  isFull(): boolean {
    return this.reqs.length >= this.max;
  }

  add(wr: WaitingRequest): boolean {
    if (this.isFull()) return false;
    this.reqs.push(wr);
    this.last = wr.received;
    return true;
  }

  peek(): WaitingRequest | undefined {
    return this.reqs[0];
  }

  /** The head takes one message: it moves to the back if it wants more, or leaves when done. */
  pop(): WaitingRequest | undefined {
    const wr = this.reqs[0];
    if (wr === undefined) return undefined;
    wr.d++;
    wr.n--;
    if (wr.n > 0 && this.reqs.length > 1) {
      this.reqs.shift();
      this.reqs.push(wr);
    } else if (wr.n <= 0) {
      this.reqs.shift();
    }
    return wr;
  }

  removeCurrent(): void {
    this.reqs.shift();
  }
}
