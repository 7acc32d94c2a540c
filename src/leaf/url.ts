// Leafnode remote URLs (opts.go parseURL(v, "leafnode"), leafnode.go pickNextURL, doUpdateLNURLs):
// `nats-leaf://[user:pass@]host:port` (nats:// and any other non-WebSocket scheme accepted alike),
// parsed once, rotated through on reconnect, and replaced by the hub's advertised `leafnode_urls`.
import { joinHostPort } from '../cluster/url.js';

export interface LeafURL {
  /** `tls://`: TLS to this URL even without a tls {} block. */
  readonly tls?: boolean;
  /** As configured (trimmed), or `nats-leaf://host:port` for one the hub advertised. */
  readonly text: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly pass: string;
  /** `host:port` (IPv6 in brackets): what the reference logs and compares. */
  readonly hostPort: string;
}

/** Parses a remote's URL; a string says what is wrong (the reference's message, or why tsnats refuses it). */
export function parseLeafURL(u: string): LeafURL | string {
  const text = u.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `error parsing leafnode url [${JSON.stringify(text)}]`;
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme === 'ws' || scheme === 'wss') return `leafnode url [${JSON.stringify(redact(text))}]: WebSocket leafnode connections (ws://, wss://) are not supported by tsnats yet`;
  let host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '') return `error parsing leafnode url [${JSON.stringify(redact(text))}]: missing host`;
  // The reference accepts a URL without a port and then fails every dial ("missing port in
  // address"); tsnats refuses it when the configuration is loaded.
  if (url.port === '') return `error parsing leafnode url [${JSON.stringify(redact(text))}]: missing port`;
  const port = Number(url.port);
  let user = '';
  let pass = '';
  try {
    user = decodeURIComponent(url.username);
    pass = decodeURIComponent(url.password);
  } catch {
    return `error parsing leafnode url [${JSON.stringify(redact(text))}]: invalid userinfo escape`;
  }
  return { text, host, port, user, pass, hostPort: joinHostPort(host, port), tls: scheme === 'tls' };
}

/** A URL the hub advertised (`host:port`, no credentials): `nats-leaf://host:port`. */
export function advertisedLeafURL(hostPort: string): LeafURL | null {
  const u = parseLeafURL(`nats-leaf://${hostPort}`);
  return typeof u === 'string' ? null : u;
}

/** url.Redacted: the password replaced by `xxxxx`. */
export function redactedLeafURL(u: LeafURL): string {
  return redact(u.text);
}

function redact(text: string): string {
  return text.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/, '$1xxxxx@');
}

/** urlsAreEqual for the rotation: the same host and port. */
export function sameLeafHost(a: LeafURL, b: LeafURL): boolean {
  return a.hostPort.toLowerCase() === b.hostPort.toLowerCase();
}
