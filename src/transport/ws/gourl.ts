// The parts of Go's net/url and net that the WebSocket listener of nats-server relies on to read
// request targets and Origin headers: url.ParseRequestURI / url.Parse, net.SplitHostPort and the
// path cleaning of http.ServeMux. Only what changes a visible answer is reproduced.

export interface GoURL {
  /** Lower-cased scheme, '' for a path-only target. */
  scheme: string;
  /** host[:port] of the authority, '' when there is none. */
  host: string;
  /** The unescaped path. */
  path: string;
  /** The path as written (still escaped). */
  rawPath: string;
  rawQuery: string;
}

export type ParsedURL = { url: GoURL; error?: undefined } | { url?: undefined; error: string };

/** Go's %q of a string (close enough for log lines: JSON escaping). */
function q(s: string): string {
  return JSON.stringify(s);
}

function fail(raw: string, msg: string): ParsedURL {
  return { error: `parse ${q(raw)}: ${msg}` };
}

/**
 * url.ParseRequestURI (`viaRequest`: an absolute URI or an absolute path, no fragment) or url.Parse
 * (`viaRequest` false: also relative references, as the config check of allowed_origins uses).
 */
export function parseURL(raw: string, viaRequest = true): ParsedURL {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return fail(raw, 'net/url: invalid control character in URL');
  }
  if (viaRequest && raw === '') return fail(raw, 'empty url');
  if (raw === '*') return { url: { scheme: '', host: '', path: '*', rawPath: '*', rawQuery: '' } };
  let rest = raw;
  if (!viaRequest) {
    const h = rest.indexOf('#');
    if (h >= 0) rest = rest.slice(0, h);
  }
  // getScheme
  let scheme = '';
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if ((c >= '0' && c <= '9') || c === '+' || c === '-' || c === '.') {
      if (i === 0) break;
      continue;
    }
    if (c === ':') {
      if (i === 0) return fail(raw, 'missing protocol scheme');
      scheme = rest.slice(0, i).toLowerCase();
      rest = rest.slice(i + 1);
    }
    break;
  }
  let rawQuery = '';
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) rest = rest.slice(0, -1);
  else {
    const i = rest.indexOf('?');
    if (i >= 0) {
      rawQuery = rest.slice(i + 1);
      rest = rest.slice(0, i);
    }
  }
  if (!rest.startsWith('/')) {
    if (scheme !== '') {
      // An opaque URL (mailto:x) is no request target.
      if (viaRequest) return fail(raw, 'invalid URI for request');
      return { url: { scheme, host: '', path: '', rawPath: '', rawQuery } };
    }
    if (viaRequest) return fail(raw, 'invalid URI for request');
    // A relative path: its first segment may not contain a colon.
    const colon = rest.indexOf(':');
    const slash = rest.indexOf('/');
    if (colon >= 0 && (slash < 0 || colon < slash)) return fail(raw, 'first path segment in URL cannot contain colon');
  }
  let host = '';
  if ((scheme !== '' || (!viaRequest && !rest.startsWith('///'))) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    } else {
      rest = '';
    }
    const at = authority.lastIndexOf('@');
    const hostPart = at >= 0 ? authority.slice(at + 1) : authority;
    const err = checkHost(hostPart);
    if (err !== null) return fail(raw, err);
    host = hostPart;
  }
  const path = unescape(rest);
  if (path === null) return fail(raw, `invalid URL escape ${q(badEscape(rest))}`);
  return { url: { scheme, host, path, rawPath: rest, rawQuery } };
}

/** url.parseHost: a bracketed IPv6 literal, or a name, with an optional all-digit port. */
function checkHost(host: string): string | null {
  let port = '';
  if (host.startsWith('[')) {
    const end = host.lastIndexOf(']');
    if (end < 0) return "missing ']' in host";
    port = host.slice(end + 1);
    if (port !== '' && !/^:\d*$/.test(port)) return `invalid port ${q(port)} after host`;
    return null;
  }
  const i = host.lastIndexOf(':');
  if (i >= 0) {
    port = host.slice(i);
    if (!/^:\d*$/.test(port)) return `invalid port ${q(port)} after host`;
  }
  for (const c of host.slice(0, i >= 0 ? i : host.length)) {
    if (!/[A-Za-z0-9\-._~!$&'()*+,;=:%\[\]]/.test(c) && c.charCodeAt(0) < 0x80) return `invalid character ${q(c)} in host name`;
  }
  return null;
}

function badEscape(s: string): string {
  const i = s.search(/%(?![0-9A-Fa-f]{2})/);
  return s.slice(i, i + 3);
}

/** Percent-decoding of a path (a latin1 string: one char per byte); null on a malformed escape. */
function unescape(s: string): string | null {
  if (!s.includes('%')) return s;
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) return null;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(s.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes).toString('latin1');
}

/** url.URL{Path: p}.String() for an absolute path: escapes what a path may not carry. */
export function escapePath(p: string): string {
  let out = '';
  for (const b of Buffer.from(p, 'latin1')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-._~$&+,/:;=@!'()*]/.test(c)) out += c;
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** http.ServeMux cleanPath: path.Clean, keeping a trailing slash. */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  if (p[0] !== '/') p = '/' + p;
  let np = goPathClean(p);
  if (p.endsWith('/') && np !== '/') np += '/';
  return np;
}

/** Go's path.Clean for a rooted path. */
function goPathClean(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

/**
 * net.SplitHostPort with the default port of wsGetHostAndPort: a missing port becomes 443 (TLS) or
 * 80, the host is lower-cased. Returns the error text of Go for other malformed addresses.
 */
export function hostAndPort(tls: boolean, hostport: string): { host: string; port: string } | { error: string } {
  const missing = () => ({ host: hostport.toLowerCase(), port: tls ? '443' : '80' });
  const err = (why: string) => ({ error: `address ${hostport}: ${why}` });
  const i = hostport.lastIndexOf(':');
  if (i < 0) return missing();
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end < 0) return err("missing ']' in address");
    if (end + 1 === hostport.length) return missing();
    if (end + 1 !== i) return hostport[end + 1] === ':' ? err('too many colons in address') : missing();
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return err('too many colons in address');
  }
  if (hostport.slice(j).includes('[')) return err("unexpected '[' in address");
  if (hostport.slice(k).includes(']')) return err("unexpected ']' in address");
  return { host: host.toLowerCase(), port: hostport.slice(i + 1) };
}
