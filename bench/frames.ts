// Pre-built protocol bytes for the load generators. Frame sizes are fixed, so delivered messages
// can be counted from byte totals instead of parsing.

/** CONNECT for a raw client: no +OK acks (verbose:false), no echo checks needed. */
export function connectLine(name: string): string {
  return `CONNECT ${JSON.stringify({ verbose: false, pedantic: false, name, lang: 'raw', version: '0', protocol: 1 })}\r\n`;
}

export function payload(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = 97 + (i % 26);
  return b;
}

/** `PUB <subject> [reply] <n>\r\n<payload>\r\n`. */
export function pubFrame(subject: string, size: number, reply?: string): Buffer {
  const head = reply ? `PUB ${subject} ${reply} ${size}\r\n` : `PUB ${subject} ${size}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload(size), Buffer.from('\r\n')]);
}

/** Length of the `MSG <subject> <sid> [reply] <n>\r\n<payload>\r\n` frame the server sends. */
export function msgFrameLen(subject: string, sid: string, size: number, reply?: string): number {
  const head = reply ? `MSG ${subject} ${sid} ${reply} ${size}\r\n` : `MSG ${subject} ${sid} ${size}\r\n`;
  return Buffer.byteLength(head) + size + 2;
}

/** As many copies of `frame` as fit in about `bytes` (at least one): one socket write. */
export function chunkOf(frame: Buffer, bytes: number): { chunk: Buffer; frames: number } {
  const frames = Math.max(1, Math.floor(bytes / frame.length));
  const chunk = Buffer.allocUnsafe(frames * frame.length);
  for (let i = 0; i < frames; i++) frame.copy(chunk, i * frame.length);
  return { chunk, frames };
}
