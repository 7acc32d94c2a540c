// Distinguished names the two ways nats-server 2.9.10 compares them for `verify_and_map`
// (auth.go checkClientTLSCertSubject):
//  1. Go's crypto/x509/pkix strings: `cert.Subject.ToRDNSequence().String()` — attributes regrouped
//     by type in a fixed order (C, ST, L, STREET, POSTALCODE, O, OU, CN, SERIALNUMBER), printed
//     most-specific first, `,` between RDNs, `+` inside one, RFC 2253-like escaping; looked up
//     literally as a user name. Also `Subject.String()` (shown in /connz tls_peer_certs).
//  2. The vendored go-ldap DN (internal/ldap/dn.go): the raw subject in reverse order compared with
//     each user name parsed by ParseDN, first position by position (Equal), then in any order
//     (RDNsMatch); attribute types case-insensitively, values exactly.
// Values are compared as Go strings (bytes): here as one char per UTF-8 byte ("binary" strings).
import type { Atv, Rdn } from './x509.js';

const OID = {
  CN: '2.5.4.3', SERIALNUMBER: '2.5.4.5', C: '2.5.4.6', L: '2.5.4.7', ST: '2.5.4.8', STREET: '2.5.4.9',
  O: '2.5.4.10', OU: '2.5.4.11', POSTALCODE: '2.5.4.17', DC: '0.9.2342.19200300.100.1.25',
} as const;

/** crypto/x509/pkix attributeTypeNames (Go 1.19). */
const PKIX_NAMES: Record<string, string> = {
  [OID.C]: 'C', [OID.O]: 'O', [OID.OU]: 'OU', [OID.CN]: 'CN', [OID.SERIALNUMBER]: 'SERIALNUMBER',
  [OID.L]: 'L', [OID.ST]: 'ST', [OID.STREET]: 'STREET', [OID.POSTALCODE]: 'POSTALCODE',
};
/** internal/ldap attributeTypeNames: pkix's plus DC. */
const LDAP_NAMES: Record<string, string> = { ...PKIX_NAMES, [OID.DC]: 'DC' };

/** A pkix AttributeTypeAndValue after parsing: only string values survive (Go's Name fields). */
interface PkixAtv { oid: string; value: string; der?: Uint8Array }
type PkixRdn = PkixAtv[];

/** pkix.Name.FillFromRDNSequence + ToRDNSequence: the subject regrouped by type (Go 1.19). */
export function toRdnSequence(subject: readonly Rdn[]): PkixRdn[] {
  const multi: Record<string, string[]> = {};
  let cn = '';
  let serial = '';
  for (const rdn of subject) {
    for (const a of rdn) {
      if (a.value === null) continue;
      if (a.oid === OID.CN) cn = a.value; // the last CN wins
      else if (a.oid === OID.SERIALNUMBER) serial = a.value;
      else if (a.oid in PKIX_NAMES) (multi[a.oid] ??= []).push(a.value);
    }
  }
  const out: PkixRdn[] = [];
  for (const oid of [OID.C, OID.ST, OID.L, OID.STREET, OID.POSTALCODE, OID.O, OID.OU]) {
    const vs = multi[oid];
    if (vs?.length) out.push(vs.map((value) => ({ oid, value })));
  }
  if (cn) out.push([{ oid: OID.CN, value: cn }]);
  if (serial) out.push([{ oid: OID.SERIALNUMBER, value: serial }]);
  return out;
}

/** pkix.RDNSequence.String(): last RDN first, `+` inside an RDN, escaping as Go 1.19 does. */
export function rdnSequenceString(seq: readonly PkixRdn[]): string {
  const parts: string[] = [];
  for (let i = seq.length - 1; i >= 0; i--) {
    parts.push(seq[i]!.map((a) => {
      const name = PKIX_NAMES[a.oid];
      if (!name) {
        // Unknown type: the OID and `#` + hex of asn1.Marshal(value) (no escaping).
        return `${a.oid}=#${Buffer.from(a.der ?? goMarshalString(a.value)).toString('hex')}`;
      }
      return `${name}=${escapeValue(a.value)}`;
    }).join('+'));
  }
  return parts.join(',');
}

/** Go's escaping in RDNSequence.String (per rune; the string is otherwise unchanged). */
function escapeValue(v: string): string {
  const runes = [...v];
  let out = '';
  runes.forEach((c, k) => {
    let esc = false;
    switch (c) {
      case ',': case '+': case '"': case '\\': case '<': case '>': case ';':
        esc = true;
        break;
      case ' ':
        // Go compares the byte offset with len-1: for a one-byte space that is "the last rune".
        esc = k === 0 || k === runes.length - 1;
        break;
      case '#':
        esc = k === 0;
        break;
    }
    out += esc ? '\\' + c : c;
  });
  return out;
}

/**
 * asn1.Marshal of a Go string as pkix.Name.String uses it for a non-standard attribute:
 * PrintableString when every char is printable (without '*' and '&'), else UTF8String.
 */
export function goMarshalString(v: string): Uint8Array {
  const body = Buffer.from(v, 'utf8');
  const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(v);
  const tag = printable ? 0x13 : 0x0c;
  const len = body.length;
  const hdr = len < 0x80 ? [tag, len] : len < 0x100 ? [tag, 0x81, len] : [tag, 0x82, len >> 8, len & 0xff];
  return Buffer.concat([Buffer.from(hdr), body]);
}

/** pkix.Name.String() of a parsed certificate subject (the form /connz tls_peer_certs shows). */
export function nameString(subject: readonly Rdn[]): string {
  // Non-standard attributes (every Names entry outside the 2.5.4.x types pkix parses) first, each
  // in its own RDN (so they print last), then ToRDNSequence.
  const extra: PkixRdn[] = [];
  for (const rdn of subject) {
    for (const a of rdn) {
      if (a.oid in PKIX_NAMES) continue;
      extra.push([{ oid: a.oid, value: a.value ?? '', der: a.value === null ? a.der : undefined }]);
    }
  }
  return rdnSequenceString([...extra, ...toRdnSequence(subject)]);
}

/** auth.go getTLSAuthDCs: "DC=a,DC=b" in certificate order (no escaping), or ''. */
export function tlsAuthDCs(subject: readonly Rdn[]): string {
  const dcs: string[] = [];
  for (const rdn of subject) for (const a of rdn) if (a.oid === OID.DC && a.value !== null) dcs.push(`DC=${a.value}`);
  return dcs.join(',');
}

// ---- go-ldap DN (internal/ldap/dn.go) ----

export interface LdapAtv { type: string; value: string }
export interface LdapDn { rdns: LdapAtv[][] }

/** ldap.FromRawCertSubject: RDNs and their attributes in reverse order; null where it errors. */
export function ldapFromCertSubject(subject: readonly Rdn[]): LdapDn | null {
  const rdns: LdapAtv[][] = [];
  for (let i = subject.length - 1; i >= 0; i--) {
    const rdn = subject[i]!;
    if (rdn.length === 0) continue;
    const attrs: LdapAtv[] = [];
    for (let j = rdn.length - 1; j >= 0; j--) {
      const a: Atv = rdn[j]!;
      const type = LDAP_NAMES[a.oid];
      if (!type || a.value === null) return null; // "invalid type name" / "invalid type value"
      attrs.push({ type, value: toBytes(a.value) });
    }
    rdns.push(attrs);
  }
  return { rdns };
}

/** A Go string's bytes as a binary string (one char per byte). */
function toBytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/**
 * ldap.ParseDN of a user name, or an error text (go-ldap's). Works on the UTF-8 bytes: hex
 * escapes (`\c3\a9`) produce bytes; values come back as binary strings, comparable with
 * ldapFromCertSubject's.
 */
export function ldapParseDn(str: string): LdapDn | string {
  const s = toBytes(str);
  const rdns: LdapAtv[][] = [];
  let rdn: LdapAtv[] = [];
  let buf = '';
  let type = '';
  let escaping = false;
  let trailingSpaces = 0;
  const take = () => {
    const v = buf.slice(0, buf.length - trailingSpaces);
    buf = '';
    trailingSpaces = 0;
    return v;
  };
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (escaping) {
      trailingSpaces = 0;
      escaping = false;
      if (' "#+,;<=>\\'.includes(ch)) {
        buf += ch;
        continue;
      }
      if (i + 1 === s.length) return 'got corrupted escaped character';
      const hex = s.slice(i, i + 2);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return `failed to decode escaped character: encoding/hex: invalid byte: ${goByteRepr(hex, i)}`;
      buf += String.fromCharCode(parseInt(hex, 16));
      i++;
    } else if (ch === '\\') {
      trailingSpaces = 0;
      escaping = true;
    } else if (ch === '=') {
      type = take();
      if (i + 1 < s.length && s[i + 1] === '#') return 'unsupported BER encoding';
    } else if (ch === ',' || ch === '+') {
      if (type.length === 0) return 'incomplete type, value pair';
      rdn.push({ type, value: take() });
      type = '';
      if (ch === ',') {
        rdns.push(rdn);
        rdn = [];
      }
    } else if (ch === ' ' && buf.length === 0) {
      continue; // leading spaces
    } else {
      trailingSpaces = ch === ' ' ? trailingSpaces + 1 : 0;
      buf += ch;
    }
  }
  if (buf.length > 0) {
    if (type.length === 0) return 'DN ended with incomplete type, value pair';
    rdn.push({ type, value: take() });
    rdns.push(rdn);
  }
  return { rdns };
}

/** encoding/hex's InvalidByteError text for the first bad char of a pair. */
function goByteRepr(pair: string, _at: number): string {
  const bad = /^[0-9A-Fa-f]/.test(pair) ? pair[1]! : pair[0]!;
  const c = bad.charCodeAt(0);
  return c >= 0x20 && c < 0x7f ? `U+${c.toString(16).toUpperCase().padStart(4, '0')} '${bad}'` : `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

function atvEqual(a: LdapAtv, b: LdapAtv): boolean {
  return asciiFold(a.type) === asciiFold(b.type) && a.value === b.value;
}

function asciiFold(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function hasAll(r: LdapAtv[], attrs: LdapAtv[]): boolean {
  return attrs.every((a) => r.some((m) => atvEqual(m, a)));
}

function rdnEqual(a: LdapAtv[], b: LdapAtv[]): boolean {
  return a.length === b.length && hasAll(a, b) && hasAll(b, a);
}

/** DN.Equal: same number of RDNs, equal position by position. */
export function ldapDnEqual(a: LdapDn, b: LdapDn): boolean {
  return a.rdns.length === b.rdns.length && a.rdns.every((r, i) => rdnEqual(r, b.rdns[i]!));
}

/** DN.RDNsMatch: same number of RDNs, each of `a` found somewhere in `b`. */
export function ldapRdnsMatch(a: LdapDn, b: LdapDn): boolean {
  return a.rdns.length === b.rdns.length && a.rdns.every((r) => b.rdns.some((o) => rdnEqual(r, o)));
}
