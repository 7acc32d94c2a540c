// `verify_and_map`: which configured user a verified client certificate maps to, tried in
// nats-server 2.9.10's order (auth.go checkClientTLSCertSubject with the callback in
// processClientOrLeafAuthentication):
//   1. each email SAN, 2. each DNS SAN, 3. each URI SAN — a literal user-name lookup;
//   4. the raw subject as a go-ldap DN, against every user name that parses as a DN: equal by
//      position first, then the same RDNs in any order;
//   5. if the subject has DC attributes: `<Go RDN string>,DC=…,DC=…` looked up literally;
//   6. the Go RDN string (`CN=alice,OU=eng,O=acme`) looked up literally.
// Every step also checks that the user may use this connection type (allowed_connection_types).
// The debug lines are the reference's, word for word.
import { goQuote } from '../errors.js';
import { ldapDnEqual, ldapFromCertSubject, ldapParseDn, ldapRdnsMatch, nameString, rdnSequenceString, tlsAuthDCs, toRdnSequence, type LdapDn } from './dn.js';
import type { ParsedCert } from './x509.js';

/** What verify_and_map can try for one certificate, in the reference's order. */
export interface TlsMapIdentities {
  emails: string[];
  dnsNames: string[];
  uris: string[];
  /** The raw subject as a go-ldap DN, or null when go-ldap refuses it (a type outside CN, SERIALNUMBER, C, L, ST, STREET, O, OU, POSTALCODE, DC). */
  dn: LdapDn | null;
  /** `rdn,DC=…` when the subject has DC attributes, else null. */
  rdnWithDCs: string | null;
  /** cert.Subject.ToRDNSequence().String(), e.g. `CN=alice,OU=eng,O=acme`. */
  rdn: string;
  /** cert.Subject.String() is non-empty (the reference refuses a cert with no email SAN, no URI SAN and an empty subject). */
  hasSubject: boolean;
}

export function tlsMapIdentities(cert: ParsedCert): TlsMapIdentities {
  const dcs = tlsAuthDCs(cert.subject);
  const rdn = rdnSequenceString(toRdnSequence(cert.subject));
  return {
    emails: cert.emailAddresses,
    dnsNames: cert.dnsNames,
    uris: cert.uris,
    dn: ldapFromCertSubject(cert.subject),
    rdnWithDCs: dcs ? `${rdn},${dcs}` : null,
    rdn,
    hasSubject: nameString(cert.subject).length > 0,
  };
}

export type TlsMapVia = 'email' | 'dns' | 'uri' | 'dn' | 'rdn-dcs' | 'rdn';

export interface TlsMapResult<U> {
  /** The matched user, or null: the client fails authentication. */
  user: U | null;
  /** The configured user name it matched. */
  name: string | null;
  via: TlsMapVia | null;
  /** The reference's [DBG] lines for this lookup, in order (without the client prefix). */
  debug: string[];
}

export interface TlsMapUsers<U> {
  /** Literal lookup by user name (the reference's s.users map). */
  get(name: string): U | undefined;
  /** Every user, in configuration order (the reference iterates a Go map: its order is random). */
  entries(): Iterable<[string, U]>;
}

/**
 * The user a client certificate maps to. `peerCount` is the number of certificates the peer sent
 * (the reference logs "Multiple peer certificates found, selecting first" when > 1); `allowed`
 * is the user's allowed_connection_types check for this connection.
 */
export function tlsMapUser<U>(cert: ParsedCert | null, users: TlsMapUsers<U>, allowed: (u: U) => boolean = () => true, peerCount = cert ? 1 : 0): TlsMapResult<U> {
  const debug: string[] = [];
  const fail = (): TlsMapResult<U> => ({ user: null, name: null, via: null, debug });
  if (!cert) {
    debug.push('User required in cert, no peer certificates found');
    return fail();
  }
  if (peerCount > 1) debug.push('Multiple peer certificates found, selecting first');
  const ids = tlsMapIdentities(cert);
  if (ids.emails.length === 0 && !ids.hasSubject && ids.uris.length === 0) {
    debug.push('User required in cert, none found');
    return fail();
  }
  const literal = (u: string): U | null => {
    const usr = users.get(u);
    return usr !== undefined && allowed(usr) ? usr : null;
  };
  const found = (user: U, name: string, via: TlsMapVia, line: string): TlsMapResult<U> => {
    debug.push(`${line} [${goQuote(name)}]`);
    return { user, name, via, debug };
  };
  for (const e of ids.emails) {
    const u = literal(e);
    if (u !== null) return found(u, e, 'email', 'Using email found in cert for auth');
  }
  for (const d of ids.dnsNames) {
    const u = literal(d);
    if (u !== null) return found(u, d, 'dns', 'Using SAN found in cert for auth');
  }
  for (const uri of ids.uris) {
    const u = literal(uri);
    if (u !== null) return found(u, uri, 'uri', 'Using URI found in cert for auth');
  }
  if (ids.dn) {
    const parsed: [string, U, LdapDn][] = [];
    for (const [name, usr] of users.entries()) {
      if (!allowed(usr)) continue;
      const dn = ldapParseDn(name);
      if (typeof dn === 'string') continue;
      if (ldapDnEqual(dn, ids.dn)) return found(usr, name, 'dn', 'Using DistinguishedNameMatch for auth');
      parsed.push([name, usr, dn]);
    }
    for (const [name, usr, dn] of parsed) {
      if (ldapRdnsMatch(dn, ids.dn)) return found(usr, name, 'dn', 'Using DistinguishedNameMatch for auth');
    }
    debug.push(`DistinguishedNameMatch could not be used for auth [${goQuote(ids.rdn)}]`);
  }
  if (ids.rdnWithDCs !== null) {
    const u = literal(ids.rdnWithDCs);
    if (u !== null) return found(u, ids.rdnWithDCs, 'rdn-dcs', 'Using RDNSequence for auth');
    debug.push(`RDNSequence could not be used for auth [${goQuote(ids.rdnWithDCs)}]`);
  }
  const u = literal(ids.rdn);
  if (u !== null) return found(u, ids.rdn, 'rdn', 'Using certificate subject for auth');
  debug.push(`User in cert [${goQuote(ids.rdn)}], not found`);
  return fail();
}

/** A TlsMapUsers over a Map (configuration order = insertion order). */
export function usersFromMap<U>(m: ReadonlyMap<string, U>): TlsMapUsers<U> {
  return { get: (n) => m.get(n), entries: () => m.entries() };
}
