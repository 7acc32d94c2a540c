// The WebSocket upgrade of nats-server 2.9.10 (websocket.go wsUpgrade, behind http.ServeMux with the
// single pattern "/"): which requests are refused with which answer, what the 101 carries, and
// what the request tells about the connection (compression, masking, browser, JWT cookie, client IP).
// Pure: bytes and options in, bytes and a decision out; the socket side is in upgrade.ts.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import * as W from './const.js';
import { cleanPath, escapePath } from './gourl.js';
import { handlerResponse, headerContainsToken, headerGet, parseRequest, wsHttpError, type HttpRequest } from './http.js';
import type { OriginChecker } from './origin.js';

export interface HandshakeOptions {
  /** websocket.compression: accept permessage-deflate when a client offers it. */
  compression: boolean;
  /** Origin checks (same_origin, allowed_origins). */
  origins: OriginChecker;
  /** websocket.jwt_cookie: the cookie a JWT is read from ('' = none). */
  jwtCookie: string;
  /** The listener is TLS (wss): a missing port in Host means 443 for same_origin. */
  tls: boolean;
}

/** Which connection a WebSocket request makes (by path prefix, as wsUpgrade). */
export type WsKind = 'client' | 'leaf' | 'mqtt';

/** What the accepted upgrade request decides about the connection. */
export interface UpgradeParams {
  kind: WsKind;
  /** permessage-deflate negotiated. */
  compress: boolean;
  /** "Nats-No-Masking: true": the client sends unmasked frames. */
  noMasking: boolean;
  /** User-Agent starts with "Mozilla/": frames of at most 4096 bytes. */
  browser: boolean;
  /** Safari (UA with "Version/" and "Safari/") with compression: compressed messages not fragmented. */
  noCompressedFragments: boolean;
  /** The JWT from the configured cookie ('' when none). Used when CONNECT carries no JWT. */
  cookieJwt: string;
  /** X-Forwarded-For when it is one IP address ('' otherwise); nats-server shows it in the log prefix only. */
  clientIP: string;
  req: HttpRequest;
}

export type HandshakeResult =
  /** Write `response`; then close (`close`) or read the next request on the connection. */
  | { kind: 'respond'; response: Buffer; close: boolean; closeWrite?: boolean; log: string | null }
  /** Write the 101 `response`; the connection now speaks WebSocket. */
  | { kind: 'upgrade'; response: Buffer; params: UpgradeParams };

/** Sec-WebSocket-Accept for a key (RFC 6455 §4.2.2). */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + W.WS_GUID).digest('base64');
}

/**
 * Answers one complete request header block (bytes up to and including the empty line). `remote`
 * is "ip:port" for the log lines ("<remote> - websocket handshake error: <reason>").
 */
export function handleRequest(block: Buffer, o: HandshakeOptions, remote: string, now: Date = new Date()): HandshakeResult {
  const r = parseRequest(block);
  if (r.kind === 'error') return { kind: 'respond', response: r.response, close: true, closeWrite: r.closeWrite, log: null };
  const req = r.req;

  // net/http answers "OPTIONS *" itself (globalOptionsHandler).
  if (req.requestURI === '*' && req.method === 'OPTIONS') {
    const a = handlerResponse(req, 200, [['Content-Length', '0']], null, now, true);
    return { kind: 'respond', response: a.bytes, close: a.close, log: null };
  }
  // http.ServeMux: "*" is refused, other paths are cleaned (a redirect when cleaning changes them);
  // a CONNECT to an authority has no path, which no pattern matches (404).
  if (req.method === 'CONNECT' && !req.url.path.startsWith('/')) {
    const a = handlerResponse(req, 404, [['Content-Type', 'text/plain; charset=utf-8'], ['X-Content-Type-Options', 'nosniff']], '404 page not found\n', now);
    return { kind: 'respond', response: a.bytes, close: a.close, log: null };
  }
  if (req.requestURI === '*') {
    const a = handlerResponse(req, 400, [['Connection', 'close']], null, now);
    return { kind: 'respond', response: a.bytes, close: true, log: null };
  }
  if (req.method !== 'CONNECT') {
    const clean = cleanPath(req.url.path);
    if (clean !== req.url.path) {
      let loc = escapePath(clean);
      if (req.url.rawQuery !== '') loc += '?' + req.url.rawQuery;
      const getOrHead = req.method === 'GET' || req.method === 'HEAD';
      const headers: Array<[string, string]> = [['Location', loc]];
      if (getOrHead) headers.push(['Content-Type', 'text/html; charset=utf-8']);
      const body = req.method === 'GET' ? `<a href="${htmlEscape(loc)}">Moved Permanently</a>.\n\n` : null;
      const a = handlerResponse(req, 301, headers, body, now);
      return { kind: 'respond', response: a.bytes, close: a.close, log: null };
    }
  }

  const refuse = (status: number, reason: string): HandshakeResult => {
    const a = wsHttpError(req, status, now);
    return { kind: 'respond', response: a.bytes, close: a.close, log: `${remote} - websocket handshake error: ${reason}` };
  };
  // RFC 6455 §4.2.1, in wsUpgrade's order.
  if (req.method !== 'GET') return refuse(405, 'request method must be GET');
  if (req.host === '') return refuse(400, "'Host' missing in request");
  if (!headerContainsToken(req.header, 'Upgrade', 'websocket')) return refuse(400, "invalid value for header 'Upgrade'");
  if (!headerContainsToken(req.header, 'Connection', 'Upgrade')) return refuse(400, "invalid value for header 'Connection'");
  const key = headerGet(req.header, 'Sec-Websocket-Key');
  if (key === '') return refuse(400, 'key missing');
  if (!headerContainsToken(req.header, 'Sec-Websocket-Version', '13')) return refuse(400, 'invalid version');
  const originErr = o.origins.check(req, o.tls);
  if (originErr !== null) return refuse(403, `origin not allowed: ${originErr}`);
  // Sec-WebSocket-Protocol is neither checked nor answered (nats-server has no subprotocol).
  const compress = o.compression && offersPermessageDeflate(req.header);
  const noMasking = headerGet(req.header, 'Nats-No-Masking') === 'true';

  const path = req.url.rawPath;
  const kind: WsKind = path.startsWith('/leafnode') ? 'leaf' : path.startsWith('/mqtt') ? 'mqtt' : 'client';
  let response = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n`;
  if (compress) response += W.PMC_RESPONSE;
  if (noMasking) response += W.NO_MASKING_RESPONSE;
  if (kind === 'mqtt') response += 'Sec-Websocket-Protocol: mqtt\r\n';
  response += '\r\n';

  let clientIP = '';
  const xff = req.header.get('X-Forwarded-For');
  if (xff !== undefined && isIP(xff[0]!) !== 0 && !xff[0]!.includes('%')) clientIP = xff[0]!;
  let browser = false;
  let noCompressedFragments = false;
  let cookieJwt = '';
  if (kind !== 'leaf') {
    const ua = headerGet(req.header, 'User-Agent');
    if (ua.startsWith('Mozilla/')) {
      browser = true;
      // Safari mishandles fragmented compressed messages (Chrome on macOS has "Safari/" but not "Version/").
      noCompressedFragments = compress && ua.includes('Version/') && ua.includes('Safari/');
    }
    if (o.jwtCookie !== '') cookieJwt = readCookie(req.header, o.jwtCookie) ?? '';
  }
  return {
    kind: 'upgrade',
    response: Buffer.from(response, 'latin1'),
    params: { kind, compress, noMasking, browser, noCompressedFragments, cookieJwt, clientIP, req },
  };
}

/**
 * wsPMCExtensionSupport(checkPMCOnly): "permessage-deflate" anywhere among the offered extensions and
 * their parameters (case-insensitive); the client's parameters are not looked at.
 */
export function offersPermessageDeflate(h: Map<string, string[]>): boolean {
  for (const list of h.get('Sec-Websocket-Extensions') ?? []) {
    for (const ext of list.split(',')) {
      for (const p of ext.split(';')) if (p.replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase() === 'permessage-deflate') return true;
    }
  }
  return false;
}

/** Go's Request.Cookie(name): the first valid cookie of that name among the Cookie headers. */
export function readCookie(h: Map<string, string[]>, name: string): string | null {
  for (const line of h.get('Cookie') ?? []) {
    for (let part of line.split(';')) {
      part = part.trim();
      if (part === '') continue;
      const eq = part.indexOf('=');
      const n = eq >= 0 ? part.slice(0, eq) : part;
      if (n !== name || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(n)) continue;
      let v = eq >= 0 ? part.slice(eq + 1) : '';
      if (v.length > 1 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      if (!/^[\x20-\x7e]*$/.test(v) || /[";\\]/.test(v)) continue;
      return v;
    }
  }
  return null;
}

/** html.EscapeString as http.Redirect uses it. */
function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;');
}
