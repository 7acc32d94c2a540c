// A consumer's ack reply subject, `$JS.ACK.<stream>.<consumer>.<delivered count>.<stream seq>.
// <consumer seq>.<timestamp ns>.<pending>`, different for every delivered message. Written as bytes
// straight into the subscriber's output (ReplyWriter): no template string, no flattening, no
// per-character copy of a 60-byte string per message.
import type { ReplyWriter } from '../protocol/encode.js';
import { decLen, writeDec } from '../protocol/args.js';
import { NS_PARTS, nsSplit, nsString } from './store/time.js';

export class AckReply implements ReplyWriter {
  private readonly pre: Buffer;
  private dc = 0;
  private seq = 0;
  private dseq = 0;
  private ts = 0;
  private pending = 0;
  /** The timestamp's parts (nsSplit), or tsStr for a value nsSplit does not take. */
  private tsHi = 0;
  private tsLo = 0;
  private tsStr: string | null = null;
  /** Digits of dc, seq, dseq, the timestamp's high part, pending. */
  private readonly lens = new Uint8Array(5);
  length = 0;

  /** `prefix`: `$JS.ACK.<stream>.<consumer>.` */
  constructor(private readonly prefix: string) {
    this.pre = Buffer.from(prefix, 'latin1');
  }

  set(dc: number, seq: number, dseq: number, ts: number, pending: number): this {
    this.dc = dc;
    this.seq = seq;
    this.dseq = dseq;
    this.ts = ts;
    this.pending = pending;
    const lens = this.lens;
    let tsLen: number;
    if (nsSplit(ts)) {
      this.tsHi = NS_PARTS[0];
      this.tsLo = NS_PARTS[1];
      this.tsStr = null;
      tsLen = (lens[3] = decLen(this.tsHi)) + 8;
    } else {
      this.tsStr = nsString(ts);
      tsLen = this.tsStr.length;
    }
    this.length = this.pre.length + (lens[0] = decLen(dc)) + (lens[1] = decLen(seq)) + (lens[2] = decLen(dseq)) + tsLen + (lens[4] = decLen(pending)) + 4;
    return this;
  }

  write(out: Buffer, p: number): number {
    const pre = this.pre;
    for (let i = 0; i < pre.length; i++) out[p++] = pre[i];
    const lens = this.lens;
    p = writeDec(out, p, this.dc, lens[0]);
    out[p++] = 0x2e;
    p = writeDec(out, p, this.seq, lens[1]);
    out[p++] = 0x2e;
    p = writeDec(out, p, this.dseq, lens[2]);
    out[p++] = 0x2e;
    const ts = this.tsStr;
    if (ts === null) {
      p = writeDec(out, p, this.tsHi, lens[3]);
      p = writeDec(out, p, this.tsLo, 8);
    } else for (let i = 0; i < ts.length; i++) out[p++] = ts.charCodeAt(i);
    out[p++] = 0x2e;
    return writeDec(out, p, this.pending, lens[4]);
  }

  toString(): string {
    return `${this.prefix}${this.dc}.${this.seq}.${this.dseq}.${this.tsStr ?? nsString(this.ts)}.${this.pending}`;
  }
}
