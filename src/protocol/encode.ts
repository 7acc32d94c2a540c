// Frames the server sends: INFO, -ERR, +OK, PING, PONG, MSG/HMSG (reference §1.1: INFO has a space
// before its CRLF; errors are single-quoted).
import { writeLatin1, writeInt } from './args.js';

export const OK = Buffer.from('+OK\r\n');
export const PING = Buffer.from('PING\r\n');
export const PONG = Buffer.from('PONG\r\n');
export const CRLF = Buffer.from('\r\n');

/** `-ERR '<text>'\r\n` */
export function errFrame(text: string): Buffer {
  return Buffer.from(`-ERR '${text}'\r\n`, 'utf8');
}

/** INFO fields in the order of nats-server's Info struct; optional ones only when set. */
export interface InfoFields {
  server_id: string;
  server_name: string;
  version: string;
  proto: number;
  git_commit?: string;
  go: string;
  host: string;
  port: number;
  headers: boolean;
  auth_required?: boolean;
  tls_required?: boolean;
  tls_verify?: boolean;
  tls_available?: boolean;
  max_payload: number;
  jetstream?: boolean;
  ip?: string;
  client_id?: number;
  client_ip?: string;
  nonce?: string;
  cluster?: string;
  cluster_dynamic?: boolean;
  domain?: string;
  connect_urls?: string[];
  ws_connect_urls?: string[];
  ldm?: boolean;
}

const ORDER: (keyof InfoFields)[] = [
  'server_id', 'server_name', 'version', 'proto', 'git_commit', 'go', 'host', 'port', 'headers',
  'auth_required', 'tls_required', 'tls_verify', 'tls_available', 'max_payload', 'jetstream', 'ip',
  'client_id', 'client_ip', 'nonce', 'cluster', 'cluster_dynamic', 'domain', 'connect_urls',
  'ws_connect_urls', 'ldm',
];
/** Fields Go omits when false/empty (`omitempty`); the others are always present. */
const ALWAYS = new Set<keyof InfoFields>(['server_id', 'server_name', 'version', 'proto', 'go', 'host', 'port', 'headers', 'max_payload']);

export function infoJSON(info: InfoFields): string {
  let out = '{';
  let first = true;
  for (const k of ORDER) {
    const v = info[k];
    if (!ALWAYS.has(k)) {
      if (v === undefined || v === false || v === '' || v === 0 || (Array.isArray(v) && v.length === 0)) continue;
    }
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(k) + ':' + JSON.stringify(v);
  }
  return out + '}';
}

/** `INFO {json} \r\n` */
export function infoFrame(info: InfoFields): Buffer {
  return Buffer.from(`INFO ${infoJSON(info)} \r\n`, 'utf8');
}

/**
 * A reply subject written as bytes straight into the output (a JetStream consumer's ack reply,
 * `$JS.ACK.<stream>.<consumer>.<numbers>`, is different for every message: no string is made).
 */
export interface ReplyWriter {
  /** Its length in bytes. */
  readonly length: number;
  write(out: Buffer, p: number): number;
  /** The same as a string (for whatever cannot take bytes: routes, leafs, internal subscribers, traces). */
  toString(): string;
}

/**
 * Writes the control line of a delivery into `out` at `p` — `MSG <subject> <sid> [reply] <size>\r\n`
 * or `HMSG <subject> <sid> [reply] <hdr> <size>\r\n` — and returns the position after it; the
 * caller copies the payload and its CRLF. `out` must have room (subject + sid + reply + 53 bytes).
 * `twoSpaces`: with no reply, a second space before the sizes (the reference's framing of messages
 * it originates). `hdrTok`/`sizeTok`: the sizes as the publisher wrote them (leading zeros kept), or
 * null to write the numbers. `rw`: the reply as bytes (then `reply` is not used).
 */
export function writeMsgHeader(
  out: Buffer, p: number, hmsg: boolean, subject: string, sid: Uint8Array, reply: string, twoSpaces: boolean,
  hdr: number, hdrTok: string | null, size: number, sizeTok: string | null, rw: ReplyWriter | null = null,
): number {
  if (hmsg) out[p++] = 0x48; // H
  out[p++] = 0x4d; // M
  out[p++] = 0x53; // S
  out[p++] = 0x47; // G
  out[p++] = 0x20;
  p = writeLatin1(out, p, subject);
  out[p++] = 0x20;
  for (let i = 0; i < sid.length; i++) out[p++] = sid[i];
  out[p++] = 0x20;
  if (rw !== null) {
    p = rw.write(out, p);
    out[p++] = 0x20;
  } else if (reply.length > 0) {
    p = writeLatin1(out, p, reply);
    out[p++] = 0x20;
  } else if (twoSpaces) {
    out[p++] = 0x20;
  }
  if (hmsg) {
    p = hdrTok !== null ? writeLatin1(out, p, hdrTok) : writeInt(out, p, hdr);
    out[p++] = 0x20;
  }
  p = sizeTok !== null ? writeLatin1(out, p, sizeTok) : writeInt(out, p, size);
  out[p++] = 0x0d;
  out[p++] = 0x0a;
  return p;
}

/**
 * Writes the control line of a message to a route (client.go msgHeaderForRouteOrLeaf) into `out`
 * at `p` and returns the position after it: `RMSG <acc> <subject> [<reply>] <size>\r\n`, with queue
 * groups `RMSG <acc> <subject> + <reply> <q…> <size>` or `RMSG <acc> <subject> | <q…> <size>`, and
 * with headers `HMSG … <hdr> <total>`. `queues` is the space-separated group names ('' = none).
 * `out` must have room (account + subject + reply + queues + 40 bytes).
 */
export function writeRoutedMsgHeader(
  out: Buffer, p: number, hmsg: boolean, acc: string, subject: string, reply: string, queues: string,
  hdr: number, hdrTok: string | null, size: number, sizeTok: string | null,
): number {
  return writeServerMsgHeader(out, p, hmsg ? OP_H : OP_R, '', acc, subject, reply, queues, hmsg, hdr, hdrTok, size, sizeTok);
}

/** The first letter of a server-to-server message: RMSG, HMSG, LMSG. */
export const OP_R = 0x52;
export const OP_H = 0x48;
export const OP_L = 0x4c;

/**
 * The general form of msgHeaderForRouteOrLeaf: `<op>MSG [<origin> ][<acc> ]<subject> [+ <reply>
 * <q…> | \| <q…> | <reply>] [<hdr> ]<size>\r\n`. Routes: `RMSG`/`HMSG` with the account, and `LMSG
 * <origin> <acc> …` (always with a header size, 0 when none) for a message that came from a leafnode
 * of cluster `origin`. Leafnodes: `LMSG`/`HMSG` without an account.
 */
export function writeServerMsgHeader(
  out: Buffer, p: number, op: number, origin: string, acc: string, subject: string, reply: string, queues: string,
  hdrField: boolean, hdr: number, hdrTok: string | null, size: number, sizeTok: string | null,
): number {
  out[p++] = op;
  out[p++] = 0x4d; // M
  out[p++] = 0x53; // S
  out[p++] = 0x47; // G
  out[p++] = 0x20;
  if (origin.length > 0) {
    p = writeLatin1(out, p, origin);
    out[p++] = 0x20;
  }
  if (acc.length > 0) {
    p = writeLatin1(out, p, acc);
    out[p++] = 0x20;
  }
  p = writeLatin1(out, p, subject);
  out[p++] = 0x20;
  if (queues.length > 0) {
    if (reply.length > 0) {
      out[p++] = 0x2b; // +
      out[p++] = 0x20;
      p = writeLatin1(out, p, reply);
    } else {
      out[p++] = 0x7c; // |
    }
    out[p++] = 0x20;
    p = writeLatin1(out, p, queues);
    out[p++] = 0x20;
  } else if (reply.length > 0) {
    p = writeLatin1(out, p, reply);
    out[p++] = 0x20;
  }
  if (hdrField) {
    if (hdrTok !== null) p = writeLatin1(out, p, hdrTok);
    else p = writeInt(out, p, hdr > 0 ? hdr : 0);
    out[p++] = 0x20;
  }
  p = sizeTok !== null ? writeLatin1(out, p, sizeTok) : writeInt(out, p, size);
  out[p++] = 0x0d;
  out[p++] = 0x0a;
  return p;
}
