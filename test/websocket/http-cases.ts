// Upgrade requests and the answers nats-server 2.9.10 gives them, captured byte for byte
// (docs/reference/websocket-2.9.10.md §2): the table both handshake.test.ts (tsnats against the
// capture) and diff.test.ts (tsnats against a live nats-server) run.
import { RawConn } from '../helpers/raw.js';
import { KEY, noDate } from './wsraw.js';

export interface HttpCase {
  name: string;
  request: (port: number) => string | Buffer;
  /** The answer with the Date value as <date>; '' for none (the connection is closed without answer). */
  expect: string;
  /** After the answer: the server keeps the connection for another request, or closes it. */
  after: 'open' | 'close';
  /** A HEAD request: Content-Length without a body. */
  head?: boolean;
}

const std = `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n`;
const upgrade = (port: number, { method = 'GET', path = '/', ver = 'HTTP/1.1', host = true, headers = std, extra = '' } = {}) =>
  `${method} ${path} ${ver}\r\n${host ? `Host: 127.0.0.1:${port}\r\n` : ''}${headers}${extra}\r\n`;

export const R101 = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
const err = (proto: string, code: string, text: string, extra = '') =>
  `${proto} ${code} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nSec-Websocket-Version: 13\r\nX-Content-Type-Options: nosniff\r\nDate: <date>\r\nContent-Length: ${text.length + 1}\r\n${extra}\r\n${text}\n`;
const E400 = err('HTTP/1.1', '400', 'Bad Request');
const E405 = err('HTTP/1.1', '405', 'Method Not Allowed');
const plain = (status: string) => `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${status}`;

export const httpCases: HttpCase[] = [
  { name: 'a valid upgrade', request: (p) => upgrade(p), expect: R101, after: 'open' },
  { name: 'Sec-WebSocket-Protocol and Origin are not answered', request: (p) => upgrade(p, { extra: 'Sec-WebSocket-Protocol: nats\r\nOrigin: http://example.com\r\n' }), expect: R101, after: 'open' },
  { name: 'lower-case header names and values', request: (p) => `GET / HTTP/1.1\r\nhost: 127.0.0.1:${p}\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\nsec-websocket-key: ${KEY}\r\nsec-websocket-version: 13\r\n\r\n`, expect: R101, after: 'open' },
  { name: 'bare LF line ends', request: (p) => upgrade(p).replace(/\r\n/g, '\n'), expect: R101, after: 'open' },
  { name: 'Upgrade: foo, websocket', request: (p) => upgrade(p, { headers: std.replace('Upgrade: websocket', 'Upgrade: foo, websocket') }), expect: R101, after: 'open' },
  { name: 'Sec-WebSocket-Version: 8, 13', request: (p) => upgrade(p, { headers: std.replace('Version: 13', 'Version: 8, 13') }), expect: R101, after: 'open' },
  { name: 'any path', request: (p) => upgrade(p, { path: '/foo/bar?x=1' }), expect: R101, after: 'open' },
  { name: 'an absolute URI', request: (p) => upgrade(p, { path: `http://127.0.0.1:${p}/` }), expect: R101, after: 'open' },
  { name: 'HTTP/1.0', request: (p) => upgrade(p, { ver: 'HTTP/1.0' }), expect: R101, after: 'open' },
  { name: 'HTTP/1.2', request: (p) => upgrade(p, { ver: 'HTTP/1.2' }), expect: R101, after: 'open' },
  { name: 'a folded header line', request: (p) => upgrade(p, { headers: std.replace('Connection: Upgrade', 'Connection:\r\n Upgrade') }), expect: R101, after: 'open' },
  { name: 'Nats-No-Masking: true', request: (p) => upgrade(p, { extra: 'Nats-No-Masking: true\r\n' }), expect: R101.replace('\r\n\r\n', '\r\nNats-No-Masking: true\r\n\r\n'), after: 'open' },
  { name: 'permessage-deflate offered, compression off', request: (p) => upgrade(p, { extra: 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' }), expect: R101, after: 'open' },

  { name: 'POST', request: (p) => upgrade(p, { method: 'POST' }), expect: E405, after: 'open' },
  { name: 'get (lower case)', request: (p) => upgrade(p, { method: 'get' }), expect: E405, after: 'open' },
  { name: 'HEAD', request: (p) => upgrade(p, { method: 'HEAD' }), expect: E405.replace('Method Not Allowed\n', ''), after: 'open', head: true },
  { name: 'HTTP/1.0 POST', request: (p) => upgrade(p, { method: 'POST', ver: 'HTTP/1.0' }), expect: err('HTTP/1.0', '405', 'Method Not Allowed'), after: 'close' },
  { name: 'no Upgrade header', request: (p) => upgrade(p, { headers: std.replace('Upgrade: websocket\r\n', '') }), expect: E400, after: 'open' },
  { name: 'Upgrade: h2c', request: (p) => upgrade(p, { headers: std.replace('Upgrade: websocket', 'Upgrade: h2c') }), expect: E400, after: 'open' },
  { name: 'no Connection header', request: (p) => upgrade(p, { headers: std.replace('Connection: Upgrade\r\n', '') }), expect: E400, after: 'open' },
  { name: 'Connection: keep-alive', request: (p) => upgrade(p, { headers: std.replace('Connection: Upgrade', 'Connection: keep-alive') }), expect: E400, after: 'open' },
  { name: 'no Sec-WebSocket-Key', request: (p) => upgrade(p, { headers: std.replace(`Sec-WebSocket-Key: ${KEY}\r\n`, '') }), expect: E400, after: 'open' },
  { name: 'empty Sec-WebSocket-Key', request: (p) => upgrade(p, { headers: std.replace(KEY, '') }), expect: E400, after: 'open' },
  { name: 'Sec-WebSocket-Version: 8', request: (p) => upgrade(p, { headers: std.replace('Version: 13', 'Version: 8') }), expect: E400, after: 'open' },
  { name: 'no Sec-WebSocket-Version', request: (p) => upgrade(p, { headers: std.replace('Sec-WebSocket-Version: 13\r\n', '') }), expect: E400, after: 'open' },
  { name: 'Connection: close and an error', request: (p) => upgrade(p, { headers: 'Connection: close\r\n' }), expect: err('HTTP/1.1', '400', 'Bad Request', 'Connection: close\r\n'), after: 'close' },
  { name: 'HTTP/1.0 without Host', request: (p) => upgrade(p, { ver: 'HTTP/1.0', host: false }), expect: err('HTTP/1.0', '400', 'Bad Request'), after: 'close' },
  { name: 'HTTP/1.1 without Host', request: (p) => upgrade(p, { host: false }), expect: plain('400 Bad Request: missing required Host header'), after: 'close' },
  { name: 'two Host headers', request: (p) => upgrade(p, { extra: 'Host: other\r\n' }), expect: plain('400 Bad Request'), after: 'close' },
  { name: 'a header line without colon', request: (p) => upgrade(p, { extra: 'BadHeader\r\n' }), expect: plain('400 Bad Request'), after: 'close' },
  { name: 'a request line that is not HTTP', request: () => 'HELLO\r\n\r\n', expect: plain('400 Bad Request'), after: 'close' },
  { name: 'HTTP/2.0', request: (p) => upgrade(p, { ver: 'HTTP/2.0' }), expect: plain('505 HTTP Version Not Supported: unsupported protocol version'), after: 'close' },
  { name: 'request target *', request: (p) => upgrade(p, { path: '*' }), expect: 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nDate: <date>\r\nContent-Length: 0\r\n\r\n', after: 'close' },
  { name: 'path //foo (cleaned: redirect)', request: (p) => upgrade(p, { path: '//foo' }), expect: 'HTTP/1.1 301 Moved Permanently\r\nContent-Type: text/html; charset=utf-8\r\nLocation: /foo\r\nDate: <date>\r\nContent-Length: 39\r\n\r\n<a href="/foo">Moved Permanently</a>.\n\n', after: 'open' },
  { name: 'path /a/../b (cleaned: redirect)', request: (p) => upgrade(p, { path: '/a/../b' }), expect: 'HTTP/1.1 301 Moved Permanently\r\nContent-Type: text/html; charset=utf-8\r\nLocation: /b\r\nDate: <date>\r\nContent-Length: 37\r\n\r\n<a href="/b">Moved Permanently</a>.\n\n', after: 'open' },
  { name: 'path //foo?x=1 (redirect keeps the query)', request: (p) => upgrade(p, { path: '//foo?x=1' }), expect: 'HTTP/1.1 301 Moved Permanently\r\nContent-Type: text/html; charset=utf-8\r\nLocation: /foo?x=1\r\nDate: <date>\r\nContent-Length: 43\r\n\r\n<a href="/foo?x=1">Moved Permanently</a>.\n\n', after: 'open' },
  { name: 'path /a/%2e%2e/b (unescaped, then cleaned)', request: (p) => upgrade(p, { path: '/a/%2e%2e/b' }), expect: 'HTTP/1.1 301 Moved Permanently\r\nContent-Type: text/html; charset=utf-8\r\nLocation: /b\r\nDate: <date>\r\nContent-Length: 37\r\n\r\n<a href="/b">Moved Permanently</a>.\n\n', after: 'open' },
  { name: 'HEAD //foo', request: (p) => upgrade(p, { method: 'HEAD', path: '//foo', headers: '' }), expect: 'HTTP/1.1 301 Moved Permanently\r\nContent-Type: text/html; charset=utf-8\r\nLocation: /foo\r\nDate: <date>\r\n\r\n', after: 'open', head: true },
  { name: 'POST //foo', request: (p) => upgrade(p, { method: 'POST', path: '//foo', headers: '' }), expect: 'HTTP/1.1 301 Moved Permanently\r\nLocation: /foo\r\nDate: <date>\r\nContent-Length: 0\r\n\r\n', after: 'open' },
  { name: 'HTTP/1.0 POST with keep-alive', request: (p) => upgrade(p, { method: 'POST', ver: 'HTTP/1.0', headers: 'Connection: keep-alive\r\n' }), expect: err('HTTP/1.0', '405', 'Method Not Allowed', 'Connection: keep-alive\r\n'), after: 'open' },
  { name: 'an empty Host', request: () => `GET / HTTP/1.1\r\nHost:\r\n${std}\r\n`, expect: E400, after: 'open' },
  { name: 'Content-Length: 0', request: (p) => upgrade(p, { extra: 'Content-Length: 0\r\n' }), expect: R101, after: 'open' },
  { name: 'X-Forwarded-For with two addresses', request: (p) => upgrade(p, { extra: 'X-Forwarded-For: 1.2.3.4, 5.6.7.8\r\n' }), expect: R101, after: 'open' },
  { name: 'OPTIONS *', request: (p) => upgrade(p, { method: 'OPTIONS', path: '*', headers: '' }), expect: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nDate: <date>\r\n\r\n', after: 'open' },
  { name: 'CONNECT to an authority', request: (p) => upgrade(p, { method: 'CONNECT', path: 'h:80' }), expect: 'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nDate: <date>\r\nContent-Length: 19\r\n\r\n404 page not found\n', after: 'open' },
  { name: 'Transfer-Encoding: gzip', request: (p) => upgrade(p, { extra: 'Transfer-Encoding: gzip\r\n' }), expect: 'HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nUnsupported transfer encoding', after: 'close' },
  { name: 'Content-Length: abc', request: (p) => upgrade(p, { extra: 'Content-Length: abc\r\n' }), expect: plain('400 Bad Request'), after: 'close' },
  { name: 'a Host with a space', request: () => `GET / HTTP/1.1\r\nHost: a b\r\n${std}\r\n`, expect: plain('400 Bad Request: malformed Host header'), after: 'close' },
  { name: 'a header name with a space', request: (p) => upgrade(p, { extra: 'Bad Name: x\r\n' }), expect: plain('400 Bad Request: invalid header name'), after: 'close' },
  { name: 'a control byte in a header value', request: (p) => upgrade(p, { extra: 'X: a\x01b\r\n' }), expect: plain('400 Bad Request: invalid header value'), after: 'close' },
  { name: 'a first header line starting with a space', request: (p) => `GET / HTTP/1.1\r\n Host: 127.0.0.1:${p}\r\n${std}\r\n`, expect: plain('400 Bad Request'), after: 'close' },
  { name: 'a relative request target', request: (p) => upgrade(p, { path: 'foo' }), expect: plain('400 Bad Request'), after: 'close' },
  { name: 'a bad escape in the path', request: (p) => upgrade(p, { path: '/%zz' }), expect: plain('400 Bad Request'), after: 'close' },
  { name: 'a method with a non-token byte', request: (p) => upgrade(p, { method: 'G(T' }), expect: plain('400 Bad Request'), after: 'close' },
  { name: 'HTTP/1 as version', request: (p) => upgrade(p, { ver: 'HTTP/1' }), expect: plain('400 Bad Request'), after: 'close' },
  { name: 'two spaces after the method', request: (p) => upgrade(p, { path: ' /' }), expect: plain('400 Bad Request'), after: 'close' },
  { name: 'bytes after the request (client sent data before handshake is complete)', request: (p) => upgrade(p) + 'xyz', expect: '', after: 'close' },
  { name: 'a GET with a body', request: (p) => upgrade(p, { extra: 'Content-Length: 3\r\n' }) + 'abc', expect: '', after: 'close' },
  { name: 'headers over 1 MiB + 4 KiB', request: (p) => upgrade(p, { extra: 'X-Big: ' + 'a'.repeat((1 << 20) + 4096) + '\r\n' }), expect: plain('431 Request Header Fields Too Large'), after: 'close' },
];

/** Cases for a listener with `same_origin: true` (port in Host is the listener's). */
export const sameOriginCases: HttpCase[] = [
  { name: 'same origin', request: (p) => upgrade(p, { extra: `Origin: http://127.0.0.1:${p}\r\n` }), expect: R101, after: 'open' },
  { name: 'no Origin', request: (p) => upgrade(p), expect: R101, after: 'open' },
  { name: 'Origin on another port', request: (p) => upgrade(p, { extra: 'Origin: http://127.0.0.1:9\r\n' }), expect: err('HTTP/1.1', '403', 'Forbidden'), after: 'open' },
  { name: 'Origin without port against Host without port', request: () => `GET / HTTP/1.1\r\nHost: localhost\r\n${std}Origin: http://localhost\r\n\r\n`, expect: R101, after: 'open' },
  { name: 'https Origin without port against Host :443', request: () => `GET / HTTP/1.1\r\nHost: localhost:443\r\n${std}Origin: https://localhost\r\n\r\n`, expect: R101, after: 'open' },
  { name: 'Origin host in upper case', request: (p) => `GET / HTTP/1.1\r\nHost: localhost:${p}\r\n${std}Origin: http://LOCALHOST:${p}\r\n\r\n`, expect: R101, after: 'open' },
  { name: 'Origin: null', request: (p) => upgrade(p, { extra: 'Origin: null\r\n' }), expect: err('HTTP/1.1', '403', 'Forbidden'), after: 'open' },
  { name: 'Sec-WebSocket-Origin is read too', request: (p) => upgrade(p, { extra: 'Sec-WebSocket-Origin: http://evil\r\n' }), expect: err('HTTP/1.1', '403', 'Forbidden'), after: 'open' },
];

/** Cases for `allowed_origins: ["http://example.com", "https://x.org:8443", "http://Mixed.Case.org"]`. */
export const ALLOWED = ['http://example.com', 'https://x.org:8443', 'http://Mixed.Case.org'];
export const allowedOriginCases: HttpCase[] = [
  { name: 'listed', request: (p) => upgrade(p, { extra: 'Origin: http://example.com\r\n' }), expect: R101, after: 'open' },
  { name: 'listed with the default port written', request: (p) => upgrade(p, { extra: 'Origin: http://example.com:80\r\n' }), expect: R101, after: 'open' },
  { name: 'listed host, other scheme', request: (p) => upgrade(p, { extra: 'Origin: https://example.com\r\n' }), expect: err('HTTP/1.1', '403', 'Forbidden'), after: 'open' },
  { name: 'listed with its port', request: (p) => upgrade(p, { extra: 'Origin: https://x.org:8443\r\n' }), expect: R101, after: 'open' },
  { name: 'listed host, default port instead of the listed one', request: (p) => upgrade(p, { extra: 'Origin: https://x.org\r\n' }), expect: err('HTTP/1.1', '403', 'Forbidden'), after: 'open' },
  { name: 'listed in mixed case, sent in lower case', request: (p) => upgrade(p, { extra: 'Origin: http://mixed.case.org\r\n' }), expect: R101, after: 'open' },
  { name: 'not listed', request: (p) => upgrade(p, { extra: 'Origin: http://evil.com\r\n' }), expect: err('HTTP/1.1', '403', 'Forbidden'), after: 'open' },
  { name: 'listed, with a path', request: (p) => upgrade(p, { extra: 'Origin: http://example.com/path\r\n' }), expect: R101, after: 'open' },
];

/** Cases for `compression: true`. */
const PMD = 'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n';
export const compressionCases: HttpCase[] = [
  { name: 'offered with client_max_window_bits', request: (p) => upgrade(p, { extra: 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' }), expect: R101.replace('\r\n\r\n', '\r\n' + PMD + '\r\n'), after: 'open' },
  { name: 'not offered', request: (p) => upgrade(p), expect: R101, after: 'open' },
  { name: 'offered after another extension, with parameters', request: (p) => upgrade(p, { extra: 'Sec-WebSocket-Extensions: x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=10; client_no_context_takeover\r\n' }), expect: R101.replace('\r\n\r\n', '\r\n' + PMD + '\r\n'), after: 'open' },
  { name: 'upper case, second header line', request: (p) => upgrade(p, { extra: 'Sec-WebSocket-Extensions: foo\r\nSec-WebSocket-Extensions: PERMESSAGE-DEFLATE\r\n' }), expect: R101.replace('\r\n\r\n', '\r\n' + PMD + '\r\n'), after: 'open' },
  { name: 'with Nats-No-Masking', request: (p) => upgrade(p, { extra: 'Sec-WebSocket-Extensions: permessage-deflate\r\nNats-No-Masking: true\r\n' }), expect: R101.replace('\r\n\r\n', '\r\n' + PMD + 'Nats-No-Masking: true\r\n\r\n'), after: 'open' },
];

/**
 * Sends the request and reads the answer: the HTTP head and its body (Content-Length, or until
 * close). Then tells whether the server keeps the connection: after an upgrade nothing is sent;
 * after another answer a second, valid upgrade request must get a 101 ('open') or the connection
 * closes ('close').
 */
export async function exchange(port: number, c: HttpCase): Promise<{ answer: string; after: 'open' | 'close' }> {
  const conn = await RawConn.open(port);
  try {
    conn.send(c.request(port));
    let done = false;
    await conn.until((b, closed) => {
      const i = b.indexOf('\r\n\r\n');
      if (i < 0) return closed;
      const head = b.toString('latin1', 0, i + 4);
      if (head.startsWith('HTTP/1.1 101 ') || c.head) return (done = true);
      const cl = /\r\nContent-Length: (\d+)\r\n/.exec(head);
      if (cl && (c.head || b.length >= i + 4 + Number(cl[1]))) return (done = true);
      return closed;
    }, 5000);
    const raw = conn.pending().toString('latin1');
    const head = raw.indexOf('\r\n\r\n');
    let answer = raw;
    if (done && head >= 0) {
      const cl = /\r\nContent-Length: (\d+)\r\n/.exec(raw.slice(0, head + 4));
      answer = raw.startsWith('HTTP/1.1 101 ') ? raw.slice(0, head + 4) : raw.slice(0, head + 4 + (cl && !c.head ? Number(cl[1]) : 0));
    }
    conn.take(Buffer.byteLength(answer, 'latin1'));
    answer = noDate(answer);
    if (answer.startsWith('HTTP/1.1 101 ')) return { answer, after: conn.closed ? 'close' : 'open' };
    // Keep-alive probe: a second request on the same connection.
    if (!conn.closed) conn.send(upgrade(port));
    await conn.until((b, closed) => closed || b.includes('\r\n\r\n'), 3000);
    const again = conn.pending().toString('latin1');
    return { answer, after: again.startsWith('HTTP/1.1 101 ') ? 'open' : 'close' };
  } finally {
    conn.close();
  }
}
