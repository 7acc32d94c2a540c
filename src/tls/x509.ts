// An X.509 certificate taken apart for what nats-server reads from a peer certificate (Go 1.19
// crypto/x509 field names in comments): RawSubject, RawSubjectPublicKeyInfo, Subject RDNs,
// EmailAddresses / DNSNames / URIs / IPAddresses from the SAN extension, NotBefore / NotAfter.
// node:crypto's X509Certificate gives the subject only as text (escaped its own way, multi-valued
// RDNs ambiguous), so the DER is read here.
import { DerError, TAG, children, decodeOid, decodeString, decodeTime, expectTag, readTlv, type Tlv } from './der.js';

/** One attribute of a relative distinguished name. */
export interface Atv {
  /** Dotted OID, e.g. 2.5.4.3 for CN. */
  oid: string;
  /** The value as Go reads it, or null when Go's crypto/x509 would refuse its string type. */
  value: string | null;
  /** The DER element of the value (tag and content), for Go's `#hex` form of unknown types. */
  der: Uint8Array;
}

/** A relative distinguished name: one or more attributes (a SET). */
export type Rdn = Atv[];

export interface ParsedCert {
  /** The whole certificate (Go: Raw). */
  raw: Uint8Array;
  /** DER of the subject Name (Go: RawSubject). */
  rawSubject: Uint8Array;
  /** DER of the issuer Name (Go: RawIssuer). */
  rawIssuer: Uint8Array;
  /** DER of SubjectPublicKeyInfo (Go: RawSubjectPublicKeyInfo), what `pinned_certs` hashes. */
  rawSpki: Uint8Array;
  /** Subject RDNs in certificate order (the issuer-most first). */
  subject: Rdn[];
  issuer: Rdn[];
  notBefore: Date;
  notAfter: Date;
  emailAddresses: string[];
  dnsNames: string[];
  /** URI SANs as written (Go parses them with net/url and compares url.String()). */
  uris: string[];
  /** IP SANs in text form (IPv4 dotted, IPv6 as Node prints it). */
  ipAddresses: string[];
  /** basicConstraints cA. */
  isCA: boolean;
}

export class CertParseError extends Error {
  override name = 'CertParseError';
}

const OID_SAN = '2.5.29.17';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';

/** Parse a DER certificate; throws CertParseError when it is not one. */
export function parseCertificate(der: Uint8Array): ParsedCert {
  try {
    return parse(der);
  } catch (e) {
    if (e instanceof DerError) throw new CertParseError(`malformed certificate: ${e.message}`);
    throw e;
  }
}

function parse(der: Uint8Array): ParsedCert {
  const certSeq = expectTag(readTlv(der, 0), TAG.SEQUENCE, 'Certificate');
  const tbs = expectTag(children(der, certSeq)[0], TAG.SEQUENCE, 'TBSCertificate');
  const f = children(der, tbs);
  let i = 0;
  if (f[i]?.tag === 0xa0) i++; // [0] version
  expectTag(f[i++], TAG.INTEGER, 'serialNumber');
  expectTag(f[i++], TAG.SEQUENCE, 'signature');
  const issuerT = expectTag(f[i++], TAG.SEQUENCE, 'issuer');
  const validity = expectTag(f[i++], TAG.SEQUENCE, 'validity');
  const subjectT = expectTag(f[i++], TAG.SEQUENCE, 'subject');
  const spkiT = expectTag(f[i++], TAG.SEQUENCE, 'subjectPublicKeyInfo');
  const [nb, na] = children(der, validity);
  if (!nb || !na) throw new DerError('validity needs two times');
  const out: ParsedCert = {
    raw: der.subarray(certSeq.hdr, certSeq.end),
    rawSubject: der.subarray(subjectT.hdr, subjectT.end),
    rawIssuer: der.subarray(issuerT.hdr, issuerT.end),
    rawSpki: der.subarray(spkiT.hdr, spkiT.end),
    subject: parseName(der, subjectT),
    issuer: parseName(der, issuerT),
    notBefore: decodeTime(der, nb),
    notAfter: decodeTime(der, na),
    emailAddresses: [],
    dnsNames: [],
    uris: [],
    ipAddresses: [],
    isCA: false,
  };
  for (; i < f.length; i++) {
    if (f[i]!.tag !== 0xa3) continue; // [1], [2] unique ids
    const exts = expectTag(children(der, f[i]!)[0], TAG.SEQUENCE, 'Extensions');
    for (const ext of children(der, exts)) {
      const parts = children(der, expectTag(ext, TAG.SEQUENCE, 'Extension'));
      const oid = decodeOid(der, expectTag(parts[0], TAG.OID, 'extnID'));
      const value = expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'extnValue');
      if (oid === OID_SAN) parseSan(der, value, out);
      else if (oid === OID_BASIC_CONSTRAINTS) {
        const bc = children(der, expectTag(readTlv(der, value.start, value.end), TAG.SEQUENCE, 'BasicConstraints'));
        out.isCA = bc[0]?.tag === TAG.BOOLEAN && der[bc[0].start] !== 0;
      }
    }
  }
  return out;
}

/** Name ::= SEQUENCE OF SET OF AttributeTypeAndValue, in encoded order. */
export function parseName(der: Uint8Array, name: Tlv): Rdn[] {
  return children(der, name).map((set) =>
    children(der, expectTag(set, TAG.SET, 'RelativeDistinguishedName')).map((atvT) => {
      const [typeT, valueT] = children(der, expectTag(atvT, TAG.SEQUENCE, 'AttributeTypeAndValue'));
      const oid = decodeOid(der, expectTag(typeT, TAG.OID, 'attribute type'));
      if (!valueT) throw new DerError('attribute without a value');
      return { oid, value: decodeString(der, valueT), der: der.subarray(valueT.hdr, valueT.end) };
    }),
  );
}

/** GeneralNames, as Go's parseSANExtension: [1] rfc822Name, [2] dNSName, [6] URI, [7] iPAddress. */
function parseSan(der: Uint8Array, value: Tlv, out: ParsedCert): void {
  const seq = expectTag(readTlv(der, value.start, value.end), TAG.SEQUENCE, 'GeneralNames');
  for (const gn of children(der, seq)) {
    const v = der.subarray(gn.start, gn.end);
    switch (gn.tag) {
      case 0x81:
        out.emailAddresses.push(ia5(v, 'rfc822Name'));
        break;
      case 0x82:
        out.dnsNames.push(ia5(v, 'dNSName'));
        break;
      case 0x86:
        out.uris.push(ia5(v, 'uniformResourceIdentifier'));
        break;
      case 0x87:
        if (v.length === 4) out.ipAddresses.push([...v].join('.'));
        else if (v.length === 16) out.ipAddresses.push(ipv6(v));
        else throw new DerError(`cannot parse IP address of length ${v.length}`);
        break;
    }
  }
}

function ia5(v: Uint8Array, what: string): string {
  let s = '';
  for (const b of v) {
    if (b > 0x7f) throw new DerError(`SAN ${what} is malformed`);
    s += String.fromCharCode(b);
  }
  return s;
}

function ipv6(v: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((v[i]! << 8) | v[i + 1]!).toString(16));
  // Longest run of zero groups → '::' (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** The DER of every certificate in a PEM text (CERTIFICATE blocks only), in order. */
export function pemCertificates(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (let m = re.exec(pem); m; m = re.exec(pem)) out.push(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  return out;
}
