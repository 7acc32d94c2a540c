// The HTTP/1.x request reading and the answers of Go's net/http server (go1.19, which nats-server
// 2.9.10 is built with) for the WebSocket listener: request line and header parsing, the errors the
// server itself answers before any handler runs, and the byte layout of a handler's response.
// Captured byte for byte in docs/reference/websocket-2.9.10.md §2.
import { parseURL, type GoURL } from './gourl.js';

export interface HttpRequest {
  method: string;
  /** The request-target as written. */
  requestURI: string;
  major: number;
  minor: number;
  url: GoURL;
  /** Request host: the target's authority, else the Host header ('' if none). */
  host: string;
  /** Headers by canonical key (Go's CanonicalMIMEHeaderKey), values in order; Host removed. */
  header: Map<string, string[]>;
  /** The connection closes after the answer (shouldClose: HTTP/1.0 without keep-alive, or "Connection: close"). */
  close: boolean;
  /** An HTTP/1.0 request that asked for keep-alive. */
  wants10KeepAlive: boolean;
}

export type ReadResult =
  /** A request. */
  | { kind: 'request'; req: HttpRequest }
  /** An invalid request: write `response`, then close (net/http answers these itself). */
  | { kind: 'error'; response: Buffer; log: string; closeWrite?: boolean };

const ERROR_HEADERS = '\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n';

/** The canned answers net/http's conn.serve writes for a request it cannot read. */
function plain400(log: string): ReadResult {
  return { kind: 'error', response: Buffer.from('HTTP/1.1 400 Bad Request' + ERROR_HEADERS + '400 Bad Request'), log };
}
function statusError(code: number, text: string): ReadResult {
  const s = `${code} ${STATUS_TEXT[code]}: ${text}`;
  return { kind: 'error', response: Buffer.from(`HTTP/1.1 ${s}${ERROR_HEADERS}${s}`), log: text };
}

export const STATUS_TEXT: Record<number, string> = {
  101: 'Switching Protocols',
  200: 'OK',
  301: 'Moved Permanently',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  505: 'HTTP Version Not Supported',
};

/** RFC 7230 token characters (Go's isTokenTable). */
function isTokenChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c));
}

/** textproto.CanonicalMIMEHeaderKey: "sec-websocket-key" → "Sec-Websocket-Key"; keys with non-token bytes stay as they are. */
export function canonicalKey(k: string): string {
  for (let i = 0; i < k.length; i++) if (!isTokenChar(k.charCodeAt(i))) return k;
  let out = '';
  let upper = true;
  for (const ch of k) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return out;
}

/** Header.Get: the first value of a header, '' when absent. */
export function headerGet(h: Map<string, string[]>, key: string): string {
  return h.get(key)?.[0] ?? '';
}

/** httpguts.HeaderValuesContainsToken / wsHeaderContains: a comma-separated token, case-insensitive. */
export function headerContainsToken(h: Map<string, string[]>, key: string, token: string): boolean {
  const t = token.toLowerCase();
  for (const v of h.get(key) ?? []) {
    for (const part of v.split(',')) if (part.replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase() === t) return true;
  }
  return false;
}

const VALID_HOST = /^[0-9A-Za-z!$%&()*+,\-.:;=\[\]_~']*$/;

/**
 * Finds the end of a request's header block (the first empty line; CRLF or bare LF line ends, as
 * textproto reads them) in a growing buffer without rescanning: each byte is looked at once.
 */
export class HeaderEndScanner {
  private pos = 0;
  private lineStart = 0;

  /** Index just past the empty line ending the block, or -1 while it has not arrived. */
  scan(buf: Buffer): number {
    for (let i = buf.indexOf(10, this.pos); i >= 0; i = buf.indexOf(10, i + 1)) {
      const len = i - this.lineStart - (i > this.lineStart && buf[i - 1] === 13 ? 1 : 0);
      // An empty first line ends the block too: the request line is then empty (malformed).
      if (len === 0) {
        this.reset();
        return i + 1;
      }
      this.lineStart = i + 1;
    }
    this.pos = buf.length;
    return -1;
  }

  /** Bytes looked at without finding the end (for the header size limit). */
  get scanned(): number {
    return this.pos;
  }

  reset(): void {
    this.pos = 0;
    this.lineStart = 0;
  }
}

/** The answer to a header block larger than the limit (net/http's errTooLarge). */
export function tooLarge(): ReadResult {
  const s = '431 Request Header Fields Too Large';
  return { kind: 'error', response: Buffer.from('HTTP/1.1 ' + s + ERROR_HEADERS + s), log: 'request header too large', closeWrite: true };
}

/**
 * Parses one request's header block (as found by HeaderEndScanner, the empty line included), as
 * net/http's readRequest and conn.readRequest do.
 */
export function parseRequest(block: Buffer): ReadResult {
  const end = block.length;
  const lines = block.toString('latin1', 0, end).split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  lines.length = Math.max(1, lines.length - 2); // the empty line and what follows the final LF
  const requestLine = lines[0]!;
  const sp1 = requestLine.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : requestLine.indexOf(' ', sp1 + 1);
  if (sp1 < 0 || sp2 < 0) return plain400(`malformed HTTP request ${JSON.stringify(requestLine)}`);
  const method = requestLine.slice(0, sp1);
  const requestURI = requestLine.slice(sp1 + 1, sp2);
  const proto = requestLine.slice(sp2 + 1);
  if (method.length === 0 || ![...method].every((c) => isTokenChar(c.charCodeAt(0)))) return plain400(`invalid method ${JSON.stringify(method)}`);
  let major: number;
  let minor: number;
  if (proto === 'HTTP/1.1') [major, minor] = [1, 1];
  else if (proto === 'HTTP/1.0') [major, minor] = [1, 0];
  else {
    const m = /^HTTP\/(\d)\.(\d)$/.exec(proto);
    if (!m) return plain400(`malformed HTTP version ${JSON.stringify(proto)}`);
    [major, minor] = [Number(m[1]), Number(m[2])];
  }
  const target = method === 'CONNECT' && !requestURI.startsWith('/') ? 'http://' + requestURI : requestURI;
  const parsed = parseURL(target, true);
  if (parsed.error !== undefined) return plain400(parsed.error);
  const url = parsed.url;
  if (method === 'CONNECT' && target !== requestURI) url.scheme = '';

  // Header lines (textproto.ReadMIMEHeader): "Key: value", folded continuation lines joined.
  const header = new Map<string, string[]>();
  if (lines.length > 1 && (lines[1]!.startsWith(' ') || lines[1]!.startsWith('\t'))) return plain400('malformed MIME header initial line');
  for (let i = 1; i < lines.length; i++) {
    let line = trimSpace(lines[i]!);
    if (!lines[i]!.includes(':')) return plain400(`malformed MIME header: missing colon: ${JSON.stringify(lines[i])}`);
    while (i + 1 < lines.length && (lines[i + 1]!.startsWith(' ') || lines[i + 1]!.startsWith('\t'))) line += ' ' + trimSpace(lines[++i]!);
    const colon = line.indexOf(':');
    const key = canonicalKey(line.slice(0, colon));
    if (key === '') continue;
    const value = line.slice(colon + 1).replace(/^[ \t]+/, '');
    const vv = header.get(key);
    if (vv) vv.push(value);
    else header.set(key, [value]);
  }
  const hosts = header.get('Host');
  if (hosts !== undefined && hosts.length > 1) return plain400('too many Host headers');
  const host = url.host !== '' ? url.host : headerGet(header, 'Host');
  const close = shouldClose(major, minor, header);
  const wants10KeepAlive = major === 1 && minor === 0 && headerContainsToken(header, 'Connection', 'keep-alive');

  // readTransfer: only what a GET can carry.
  const te = major === 1 && minor === 0 ? undefined : header.get('Transfer-Encoding');
  if (te !== undefined && !(te.length === 1 && trimSpace(te[0]!).toLowerCase() === 'chunked')) {
    return { kind: 'error', response: Buffer.from('HTTP/1.1 501 Not Implemented' + ERROR_HEADERS + 'Unsupported transfer encoding'), log: 'unsupported transfer encoding' };
  }
  const cl = header.get('Content-Length');
  if (cl !== undefined && te === undefined) {
    const first = trimSpace(cl[0]!);
    if (cl.some((v) => trimSpace(v) !== first)) return plain400('http: message cannot contain multiple Content-Length headers');
    if (first !== '' && !/^\d+$/.test(first)) return plain400(`bad Content-Length ${JSON.stringify(cl[0])}`);
  }

  // conn.readRequest
  if (major !== 1 && !(major === 2 && minor === 0 && method === 'PRI' && requestURI === '*')) return statusError(505, 'unsupported protocol version');
  if ((major > 1 || minor >= 1) && hosts === undefined && method !== 'CONNECT') return statusError(400, 'missing required Host header');
  if (hosts !== undefined && !VALID_HOST.test(hosts[0]!)) return statusError(400, 'malformed Host header');
  for (const [k, vv] of header) {
    if (![...k].every((c) => isTokenChar(c.charCodeAt(0)))) return statusError(400, 'invalid header name');
    for (const v of vv) if (!validHeaderValue(v)) return statusError(400, 'invalid header value');
  }
  header.delete('Host');
  return { kind: 'request', req: { method, requestURI, major, minor, url, host, header, close, wants10KeepAlive } };
}

function trimSpace(s: string): string {
  return s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

/** httpguts.ValidHeaderFieldValue: no control bytes but tab. */
function validHeaderValue(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

/** net/http shouldClose. */
function shouldClose(major: number, minor: number, h: Map<string, string[]>): boolean {
  const hasClose = headerContainsToken(h, 'Connection', 'close');
  if (major === 1 && minor === 0) return hasClose || !headerContainsToken(h, 'Connection', 'keep-alive');
  return hasClose;
}

/** Go's http.TimeFormat of `d`: "Fri, 04 Dec 2026 22:22:23 GMT". */
export function httpDate(d: Date): string {
  return d.toUTCString();
}

/**
 * The bytes net/http writes for a handler's answer (response.finishRequest, chunkWriter.writeHeader):
 * the status line, the handler's headers sorted by key, then Date, Content-Length and Connection as
 * the server adds them. `close` tells whether the server closes the connection after it.
 */
export function handlerResponse(
  req: HttpRequest,
  status: number,
  headers: Array<[string, string]>,
  body: string | null,
  now: Date,
  /** The handler set Content-Length itself (it is then among its sorted headers). */
  ownLength = false,
): { bytes: Buffer; close: boolean } {
  const isHead = req.method === 'HEAD';
  const proto = req.major > 1 || (req.major === 1 && req.minor >= 1) ? 'HTTP/1.1' : 'HTTP/1.0';
  const hs = [...headers].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const handlerConnClose = hs.some(([k, v]) => k === 'Connection' && /(^|,)\s*close\s*(,|$)/i.test(v));
  const close = req.close || handlerConnClose;
  let s = `${proto} ${status} ${STATUS_TEXT[status] ?? ''}\r\n`;
  for (const [k, v] of hs) s += `${k}: ${v}\r\n`;
  s += `Date: ${httpDate(now)}\r\n`;
  const bodyLen = body === null ? 0 : Buffer.byteLength(body, 'latin1');
  if (!ownLength && (bodyLen > 0 || !isHead)) s += `Content-Length: ${bodyLen}\r\n`;
  if (close && !handlerConnClose && proto === 'HTTP/1.1') s += 'Connection: close\r\n';
  else if (!close && req.wants10KeepAlive) s += 'Connection: keep-alive\r\n';
  s += '\r\n';
  if (!isHead && body !== null) s += body;
  return { bytes: Buffer.from(s, 'latin1'), close };
}

/**
 * http.Error as wsReturnHTTPError uses it: the status text and a newline as a plain-text body, with
 * the "Sec-Websocket-Version: 13" header nats-server sets first.
 */
export function wsHttpError(req: HttpRequest, status: number, now: Date): { bytes: Buffer; close: boolean } {
  return handlerResponse(
    req,
    status,
    [
      ['Sec-Websocket-Version', '13'],
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['X-Content-Type-Options', 'nosniff'],
    ],
    `${STATUS_TEXT[status]}\n`,
    now,
  );
}
