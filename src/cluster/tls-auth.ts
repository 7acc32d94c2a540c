// A route authorized by its TLS certificate (auth.go isRouterAuthorized with
// checkClientTLSCertSubject): with `verify_and_map` the certificate must name the cluster's
// authorization user; with `verify_cert_and_check_known_urls` a DNS SAN matching the host of a
// configured route is enough. The identities are tried in the order of tls/map.ts (emails, DNS
// SANs, URIs, the subject), but the route's callback never matches the go-ldap DN form and always
// reports an empty match: the reference's debug lines say `[""]`, word for word.
import { goQuote } from '../errors.js';
import { tlsMapIdentities } from '../tls/map.js';
import { parseRouteURL } from './url.js';
import type { Client } from '../server/client.js';
import { safeParse } from '../transport/tls.js';

export function routeCertAuthorized(c: Client, map: boolean, checkKnownUrls: boolean, username: string, routes: readonly string[]): boolean {
  const peer = c.tls?.peer ?? null;
  if (c.tls === null) {
    c.debug('User required in cert, no TLS connection state');
    return false;
  }
  if (peer === null) {
    c.debug('User required in cert, no peer certificates found');
    return false;
  }
  if (sentCount(c.tls.peerCerts) > 1) c.debug('Multiple peer certificates found, selecting first');
  const ids = tlsMapIdentities(peer);
  if (ids.emails.length === 0 && !ids.hasSubject && ids.uris.length === 0) {
    c.debug('User required in cert, none found');
    return false;
  }
  const hosts = routes.map(parseRouteURL).flatMap((u) => (typeof u === 'string' ? [] : [u.host.toLowerCase().split('.')]));
  const matches = (user: string, dnsAltName: boolean): boolean => {
    if (user === '') return false;
    if (checkKnownUrls && dnsAltName && dnsAltNameMatches(user.toLowerCase().split('.'), hosts)) return true;
    return map && username === user;
  };
  const found = (line: string) => {
    c.debug(`${line} [${goQuote('')}]`);
    return true;
  };
  for (const e of ids.emails) if (matches(e, false)) return found('Using email found in cert for auth');
  for (const d of ids.dnsNames) if (matches(d, true)) return found('Using SAN found in cert for auth');
  for (const u of ids.uris) if (matches(u, false)) return found('Using URI found in cert for auth');
  if (ids.dn !== null) c.debug(`DistinguishedNameMatch could not be used for auth [${goQuote(ids.rdn)}]`);
  if (ids.rdnWithDCs !== null) {
    if (matches(ids.rdnWithDCs, false)) return found('Using RDNSequence for auth');
    c.debug(`RDNSequence could not be used for auth [${goQuote(ids.rdnWithDCs)}]`);
  }
  if (matches(ids.rdn, false)) return found('Using certificate subject for auth');
  c.debug(`User in cert [${goQuote(ids.rdn)}], not found`);
  return false;
}

/**
 * How many certificates the peer sent (Go's PeerCertificates). Node's chain ends with the root it
 * found in our CA store, which a peer rarely sends: a self-signed last entry is not counted.
 */
function sentCount(chain: Uint8Array[]): number {
  if (chain.length < 2) return chain.length;
  const last = safeParse(chain[chain.length - 1]!);
  return last !== null && Buffer.compare(Buffer.from(last.rawSubject), Buffer.from(last.rawIssuer)) === 0 ? chain.length - 1 : chain.length;
}

/** dnsAltNameMatches (RFC 6125 6.4.1): label by label, a `*` only as the whole leftmost label. */
function dnsAltNameMatches(labels: string[], hosts: string[][]): boolean {
  for (const h of hosts) {
    if (h.length !== labels.length) continue;
    let i = labels[0] === '*' ? 1 : 0;
    for (; i < labels.length; i++) if (labels[i] !== h[i]) break;
    if (i === labels.length) return true;
  }
  return false;
}
