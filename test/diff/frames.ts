// Cut what a server sent into protocol frames and render each as one readable, comparable line.
// Server → client ops: INFO, MSG, HMSG, +OK, -ERR, PING, PONG (reference §1.2). A frame is a control
// line up to and including '\n'; MSG/HMSG frames also carry their payload and the CRLF after it.

/** Values that differ between servers and runs; they are masked in INFO, their type is kept. */
export const MASKED_INFO_FIELDS = ['server_id', 'server_name', 'version', 'go', 'host', 'port', 'client_id', 'nonce', 'git_commit'];

/** Payloads longer than this are summarised (length + a checksum) instead of printed. */
const MAX_SHOWN_PAYLOAD = 64;

export interface CutResult {
  /** Complete frames, raw bytes. */
  frames: Buffer[];
  /** Bytes consumed by those frames. */
  used: number;
}

/** Complete frames at the start of `buf`, stopping at the first incomplete one. */
export function cutFrames(buf: Buffer, max = Infinity): CutResult {
  const frames: Buffer[] = [];
  let at = 0;
  while (frames.length < max) {
    const nl = buf.indexOf(10, at);
    if (nl < 0) break;
    let end = nl + 1;
    const size = payloadSize(buf.toString('latin1', at, nl));
    if (size !== null) {
      end = nl + 1 + size + 2;
      if (end > buf.length) break;
    }
    frames.push(buf.subarray(at, end));
    at = end;
  }
  return { frames, used: at };
}

/** Total payload size announced by a MSG/HMSG control line, or null for any other line. */
function payloadSize(line: string): number | null {
  const m = /^(H?MSG)[ \t]/.exec(line);
  if (!m) return null;
  const args = line.slice(m[0].length).replace(/\r$/, '').trim().split(/[ \t]+/);
  const n = Number(args[args.length - 1]);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/** Printable form: CR, LF, TAB and backslash escaped; other control and non-ASCII bytes as \xNN. */
export function escapeBytes(b: Buffer | string): string {
  const s = typeof b === 'string' ? b : b.toString('latin1');
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 13) out += '\\r';
    else if (c === 10) out += '\\n';
    else if (c === 9) out += '\\t';
    else if (c === 92) out += '\\\\';
    else if (c < 32 || c > 126) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += s[i];
  }
  return out;
}

/** Long byte strings shortened to their start, length and a checksum, so logs stay readable. */
export function summarise(b: Buffer | string, max = MAX_SHOWN_PAYLOAD): string {
  const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  if (buf.length <= max) return escapeBytes(buf);
  return `${escapeBytes(buf.subarray(0, 24))}…[${buf.length} bytes, fnv1a ${fnv1a(buf)}]…${escapeBytes(buf.subarray(buf.length - 8))}`;
}

function fnv1a(b: Buffer): string {
  let h = 0x811c9dc5;
  for (const x of b) { h ^= x; h = Math.imul(h, 0x01000193) >>> 0; }
  return h.toString(16).padStart(8, '0');
}

export interface RenderOptions {
  /** Sids that may legitimately be swapped (members of one queue group): each class prints as `1|2`. */
  sidClasses?: string[][];
}

/** One frame as a comparable line: INFO values masked, long payloads summarised, sids classed. */
export function renderFrame(frame: Buffer, opts: RenderOptions = {}): string {
  const s = frame.toString('latin1');
  if (s.startsWith('INFO ')) return escapeBytes(maskInfo(s));
  const nl = s.indexOf('\n');
  const size = payloadSize(s.slice(0, nl));
  if (size === null) return escapeBytes(s);
  let line = s.slice(0, nl + 1);
  if (opts.sidClasses?.length) line = classSid(line, opts.sidClasses);
  return escapeBytes(line) + summarise(frame.subarray(nl + 1, nl + 1 + size)) + escapeBytes(frame.subarray(nl + 1 + size));
}

/** MSG <subject> <sid> …: replace the sid by its class label. */
function classSid(line: string, classes: string[][]): string {
  return line.replace(/^(H?MSG[ \t]+\S+[ \t]+)(\S+)/, (all, head: string, sid: string) => {
    const cls = classes.find((c) => c.includes(sid));
    return cls ? head + cls.join('|') : all;
  });
}

/**
 * INFO with run-dependent values masked but everything else kept byte for byte: field names, their
 * order, the JSON spacing and the space before CRLF (reference §1.3). Strings become "*", numbers #.
 */
export function maskInfo(line: string): string {
  const fields = MASKED_INFO_FIELDS.join('|');
  const re = new RegExp(`("(?:${fields})":)("(?:[^"\\\\]|\\\\.)*"|-?[0-9][0-9.eE+-]*)`, 'g');
  return line.replace(re, (_all, key: string, val: string) => key + (val.startsWith('"') ? '"*"' : '#'));
}

/**
 * One published message fanned out to several subscriptions of a connection arrives as consecutive
 * MSG/HMSG frames that differ only in the sid, in an order nats-server does not fix (it walks Go maps).
 * Sort each such run by sid so equal fan-outs compare equal. Input and output are rendered frames.
 */
export function sortFanout(rendered: string[]): string[] {
  const keyOf = (line: string) => {
    const m = /^(H?MSG [^ ]+ )([^ ]+)( .*)$/.exec(line);
    return m ? { key: m[1]! + m[3]!, sid: m[2]! } : null;
  };
  const out: string[] = [];
  let i = 0;
  while (i < rendered.length) {
    const k = keyOf(rendered[i]!);
    let j = i + 1;
    if (k) while (j < rendered.length && keyOf(rendered[j]!)?.key === k.key) j++;
    const run = rendered.slice(i, j);
    if (run.length > 1) run.sort((a, b) => keyOf(a)!.sid.localeCompare(keyOf(b)!.sid, 'en', { numeric: true }));
    out.push(...run);
    i = j;
  }
  return out;
}
