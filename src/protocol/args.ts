// Small byte-level helpers for protocol arguments and frames: sizes, argument splitting, writing
// ASCII into an outbound buffer, reserved subjects, and log snippets.
import { goQuote } from '../errors.js';

/**
 * Reserved reply prefixes (isReservedReply, captured from 2.9.10): service-import replies `_R_.`,
 * gateway-routed replies `_GR_.` and JetStream acks `$JS.ACK.`. (`$GR.`/`$GNR.` are not reserved.)
 */
export function isReservedReply(reply: string): boolean {
  const c = reply.charCodeAt(0);
  if (c === 0x5f) return reply.startsWith('_R_.') || (reply.length > 5 && reply.startsWith('_GR_.'));
  if (c === 0x24) return reply.length > 8 && reply.startsWith('$JS.ACK.');
  return false;
}

/** A client may not publish on gateway-routed reply subjects `_GR_.…` (hasGWRoutedReplyPrefix). */
export function isGWRoutedSubject(subject: string): boolean {
  return subject.charCodeAt(0) === 0x5f && subject.length > 5 && subject.startsWith('_GR_.');
}

/** A size: 1 to 9 digits, else -1 (parseSize: more than 9 digits is "Bad or Missing Size"). */
export function parseSize(buf: Buffer, s: number, e: number): number {
  const n = e - s;
  if (n === 0 || n > 9) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The one tokenizer of protocol arguments: splits `buf[s,e)` at runs of separators, records the
 * bounds of the first `tok.length / 2` tokens in `tok` (start, end pairs) and returns how many tokens
 * there are. The reference has two separator sets and so does this: PUB and HPUB arguments split at
 * spaces and tabs only (processPub's unrolled loop), every other op's at spaces, tabs, CRs and LFs
 * (splitArg). (The parser's fastPub fuses the PUB split with its scan for the end of the line.)
 */
export function splitArgs(buf: Buffer, s: number, e: number, tok: Int32Array, pubArgs = false): number {
  const max = tok.length >> 1;
  let n = 0;
  let start = -1;
  for (let i = s; i < e; i++) {
    const b = buf[i];
    if (b === 0x20 || b === 0x09 || (!pubArgs && (b === 0x0d || b === 0x0a))) {
      if (start >= 0) {
        if (n < max) {
          tok[2 * n] = start;
          tok[2 * n + 1] = i;
        }
        n++;
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) {
    if (n < max) {
      tok[2 * n] = start;
      tok[2 * n + 1] = e;
    }
    n++;
  }
  return n;
}

export function writeLatin1(out: Buffer, p: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) out[p++] = s.charCodeAt(i);
  return p;
}

/** Decimal digits of a non-negative integer below 2^53. */
export function decLen(v: number): number {
  let n = 1;
  for (let t = 10; v >= t && n < 16; t *= 10) n++;
  return n;
}

/** "00".."99" as byte pairs. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 0x30 + ((i / 10) | 0);
  PAIRS[2 * i + 1] = 0x30 + (i % 10);
}

/** Writes the last `len` decimal digits of a non-negative integer below 2^53 (leading zeros pad), two at a time. */
export function writeDec(out: Buffer, p: number, v: number, len: number): number {
  let q = p + len;
  while (v >= 0x80000000) {
    const d = Math.floor(v / 100);
    const r = 2 * (v - d * 100);
    out[--q] = PAIRS[r + 1];
    out[--q] = PAIRS[r];
    v = d;
  }
  while (q - p >= 2) {
    const d = (v / 100) | 0;
    const r = 2 * (v - d * 100);
    out[--q] = PAIRS[r + 1];
    out[--q] = PAIRS[r];
    v = d;
  }
  if (q > p) out[--q] = 0x30 + v;
  return p + len;
}

/** Writes a non-negative integer below 2^53 in decimal. */
export function writeInt(out: Buffer, p: number, v: number): number {
  if (v < 10) {
    out[p] = 0x30 + v;
    return p + 1;
  }
  return writeDec(out, p, v, decLen(v));
}

/** Go's %q of up to `max` bytes from `start` (protoSnippet). */
export function protoSnippet(buf: Buffer, start: number, max: number): string {
  if (start >= buf.length) return '""';
  let stop = start + max;
  if (stop > buf.length) stop = buf.length - 1;
  return goQuote(buf.toString('latin1', start, Math.max(stop, start)));
}

