// A NATS protocol frame parser for both directions (server → client: INFO, MSG, HMSG, PING, PONG, +OK,
// -ERR; client → server: CONNECT, PUB, HPUB, SUB, UNSUB, PING, PONG). Bytes in, whole frames out; a
// frame split across reads is kept until complete. Used by the raw harness client and the logging proxy.

export interface Frame {
  /** Upper-case op name: MSG, HMSG, PUB, HPUB, SUB, UNSUB, INFO, CONNECT, PING, PONG, +OK, -ERR. */
  op: string;
  /** The control line without CRLF. */
  line: string;
  /** Space-separated arguments after the op (INFO/CONNECT/-ERR: the rest of the line as one). */
  args: string[];
  subject?: string;
  sid?: string;
  reply?: string;
  /** Header block (HMSG/HPUB) including the NATS/1.0 line and the blank line. */
  hdr?: Buffer;
  /** Payload after the headers. */
  payload?: Buffer;
}

export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  /** Appends bytes and returns every frame completed by them. */
  feed(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    for (;;) {
      const nl = this.buf.indexOf('\r\n');
      if (nl < 0) break;
      const line = this.buf.toString('latin1', 0, nl);
      const sp = line.search(/[ \t]/);
      const op = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
      const rest = sp < 0 ? '' : line.slice(sp + 1).trim();
      if (op === 'MSG' || op === 'HMSG' || op === 'PUB' || op === 'HPUB') {
        const args = rest.split(/[ \t]+/);
        const hasHdr = op === 'HMSG' || op === 'HPUB';
        const total = Number(args[args.length - 1]);
        const hlen = hasHdr ? Number(args[args.length - 2]) : 0;
        const need = nl + 2 + total + 2;
        if (this.buf.length < need) break;
        const body = this.buf.subarray(nl + 2, nl + 2 + total);
        const isMsg = op === 'MSG' || op === 'HMSG';
        // MSG subj sid [reply] size | HMSG subj sid [reply] hsize size | PUB subj [reply] size | HPUB subj [reply] hsize size
        const fixed = (isMsg ? 2 : 1) + (hasHdr ? 2 : 1);
        const f: Frame = { op, line, args, subject: args[0] };
        if (isMsg) f.sid = args[1];
        if (args.length > fixed) f.reply = args[isMsg ? 2 : 1];
        if (hasHdr) {
          f.hdr = Buffer.from(body.subarray(0, hlen));
          f.payload = Buffer.from(body.subarray(hlen));
        } else {
          f.payload = Buffer.from(body);
        }
        out.push(f);
        this.buf = this.buf.subarray(need);
        continue;
      }
      const oneArg = op === 'INFO' || op === 'CONNECT' || op === '-ERR';
      const args = oneArg ? [rest] : rest ? rest.split(/[ \t]+/) : [];
      const f: Frame = { op, line, args };
      if (op === 'SUB') { f.subject = args[0]; f.sid = args[args.length - 1]; }
      if (op === 'UNSUB') f.sid = args[0];
      out.push(f);
      this.buf = this.buf.subarray(nl + 2);
    }
    if (this.buf.length === 0) this.buf = Buffer.alloc(0);
    else this.buf = Buffer.from(this.buf);
    return out;
  }
}

export interface ParsedHeaders {
  /** The status code of the NATS/1.0 line, e.g. "503", "" when absent. */
  status: string;
  /** The description after the code (e.g. "No Messages"), "" when absent. */
  description: string;
  /** Header fields in wire order, names as written. */
  fields: [string, string][];
}

/** Parses a NATS header block: `NATS/1.0[ code[ description]]\r\n(Key: value\r\n)*\r\n`. */
export function parseHeaders(hdr: Buffer): ParsedHeaders {
  const text = hdr.toString('utf8');
  const lines = text.split('\r\n');
  const first = lines.shift() ?? '';
  const m = /^NATS\/1\.0(?: (\d{3})(?: (.*))?)?\s*$/.exec(first);
  const fields: [string, string][] = [];
  for (const l of lines) {
    if (l === '') continue;
    const i = l.indexOf(':');
    if (i < 0) { fields.push([l, '']); continue; }
    fields.push([l.slice(0, i), l.slice(i + 1).trim()]);
  }
  return { status: m?.[1] ?? '', description: m?.[2] ?? (m ? '' : first), fields };
}

/** Encodes header fields (and an optional status line) into a NATS header block. */
export function encodeHeaders(fields: [string, string][], status = ''): Buffer {
  let s = status ? `NATS/1.0 ${status}\r\n` : 'NATS/1.0\r\n';
  for (const [k, v] of fields) s += `${k}: ${v}\r\n`;
  return Buffer.from(s + '\r\n', 'utf8');
}
