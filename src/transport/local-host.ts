// Where a client on this machine reaches a listener: the URLs of the ports file, the server's own
// client URL. One rule for every listener (client port, monitor, WebSocket, cluster, leafnodes).

/** A listen address meaning every interface. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** `host:port` for a listener bound to `host`: a wildcard becomes 127.0.0.1, IPv6 is bracketed (net.JoinHostPort). */
export function localHostPort(host: string, port: number): string {
  const h = isWildcardHost(host) ? '127.0.0.1' : host;
  return h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
}
