// Route URLs (`nats-route://[user:pass@]host:port`, any scheme): parsed once, compared as the
// reference compares them (urlsAreEqual: the whole URL), and redacted for logs (url.Redacted).

export interface RouteURL {
  /** As configured (trimmed). */
  readonly text: string;
  readonly host: string;
  readonly port: number;
  /** From the URL's userinfo; '' when absent. */
  readonly user: string;
  readonly pass: string;
  /** `host:port` (IPv6 in brackets), what the reference logs and compares with `cluster.advertise`. */
  readonly hostPort: string;
}

/** Parses a route URL; a string says what is wrong (opts.go parseURL's message). */
export function parseRouteURL(u: string): RouteURL | string {
  const text = u.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `error parsing route url [${JSON.stringify(text)}]`;
  }
  let host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '') return `error parsing route url [${JSON.stringify(text)}]: missing host`;
  if (url.port === '') return `error parsing route url [${JSON.stringify(text)}]: missing port`;
  const port = Number(url.port);
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return { text, host, port, user, pass, hostPort: joinHostPort(host, port) };
}

/** net.JoinHostPort. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** url.Redacted: the password replaced by `xxxxx`. */
export function redactedURL(u: RouteURL): string {
  if (u.pass === '') return u.text;
  try {
    const url = new URL(u.text);
    url.password = 'xxxxx';
    return url.toString().replace(/\/$/, u.text.endsWith('/') ? '/' : '');
  } catch {
    return u.text;
  }
}

/** urlsAreEqual: the same URL (scheme, userinfo, host, port). */
export function sameRouteURL(a: RouteURL, b: RouteURL): boolean {
  return a.text === b.text || (a.hostPort.toLowerCase() === b.hostPort.toLowerCase() && a.user === b.user && a.pass === b.pass && scheme(a.text) === scheme(b.text));
}

function scheme(t: string): string {
  const i = t.indexOf('://');
  return i < 0 ? '' : t.slice(0, i).toLowerCase();
}

/** parseHostPort(advertise, defaultPort): `host[:port]`. */
export function parseHostPort(hp: string, defaultPort: number): { host: string; port: number } | string {
  const s = hp.trim();
  if (s === '') return 'no hostport specified';
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*))(?::(.*))?$/.exec(s);
  if (m === null) {
    // a bare IPv6 address without brackets
    if (s.includes(':')) return { host: s, port: defaultPort };
    return `could not parse address string ${JSON.stringify(s)}`;
  }
  const host = m[1] ?? m[2] ?? '';
  if (m[3] === undefined || m[3] === '') return { host, port: defaultPort };
  if (!/^\d+$/.test(m[3])) return `invalid port ${JSON.stringify(m[3])}`;
  const port = Number(m[3]);
  return { host, port: port === 0 || port === -1 ? defaultPort : port };
}
