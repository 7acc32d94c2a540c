// A small DER reader: just enough ASN.1 to take an X.509 certificate apart the way Go's
// crypto/x509 does for the fields nats-server looks at (raw subject, SubjectPublicKeyInfo, SANs,
// validity). Every read is bounds-checked and throws DerError on malformed input; callers turn that
// into "no identity" (fail closed), never into a crash.

export class DerError extends Error {
  override name = 'DerError';
}

/** One tag-length-value: `start`..`end` is the value, `hdr`..`end` the whole element. */
export interface Tlv {
  /** The identifier octet (class, constructed bit and tag number < 31). */
  tag: number;
  hdr: number;
  start: number;
  end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8String: 0x0c,
  NumericString: 0x12,
  PrintableString: 0x13,
  T61String: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  UniversalString: 0x1c,
  BMPString: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** The element starting at `off`, which must end by `limit`. */
export function readTlv(buf: Uint8Array, off: number, limit = buf.length): Tlv {
  if (off + 2 > limit) throw new DerError('truncated element');
  const tag = buf[off]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let len = buf[off + 1]!;
  let p = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError('unsupported length encoding');
    if (p + n > limit) throw new DerError('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > limit) throw new DerError('element overruns its container');
  return { tag, hdr: off, start: p, end: p + len };
}

/** The elements inside a constructed element. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let off = parent.start;
  while (off < parent.end) {
    const t = readTlv(buf, off, parent.end);
    out.push(t);
    off = t.end;
  }
  return out;
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`expected ${what}`);
  return t;
}

/** Dotted form of an OBJECT IDENTIFIER's value. */
export function decodeOid(buf: Uint8Array, t: Tlv): string {
  if (t.end <= t.start) throw new DerError('empty OID');
  const arcs: number[] = [];
  let v = 0;
  for (let i = t.start; i < t.end; i++) {
    const b = buf[i]!;
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if (!(b & 0x80)) {
      if (arcs.length === 0) {
        const first = v < 80 ? Math.floor(v / 40) : 2;
        arcs.push(first, v - first * 40);
      } else arcs.push(v);
      v = 0;
    }
  }
  if (buf[t.end - 1]! & 0x80) throw new DerError('truncated OID');
  return arcs.join('.');
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?*&]*$/; // Go's isPrintable also allows '*' and '&'

/**
 * A directory string's value as Go's crypto/x509 (1.19, parseASN1String) reads it, or null for a
 * type Go refuses ("unsupported string type"); throws on a value Go rejects (invalid UTF-8, …).
 */
export function decodeString(buf: Uint8Array, t: Tlv): string | null {
  const v = buf.subarray(t.start, t.end);
  switch (t.tag) {
    case TAG.UTF8String: {
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(v);
      } catch {
        throw new DerError('invalid UTF-8 string');
      }
    }
    case TAG.PrintableString: {
      const s = latin1(v);
      if (!PRINTABLE.test(s)) throw new DerError('invalid PrintableString');
      return s;
    }
    case TAG.IA5String: {
      for (const b of v) if (b > 0x7f) throw new DerError('invalid IA5String');
      return latin1(v);
    }
    case TAG.NumericString: {
      const s = latin1(v);
      if (!/^[0-9 ]*$/.test(s)) throw new DerError('invalid NumericString');
      return s;
    }
    case TAG.T61String:
      // Go returns the bytes as a Go string unchanged; bytes ≥ 0x80 are then not valid UTF-8 there.
      return latin1(v);
    case TAG.BMPString: {
      if (v.length % 2) throw new DerError('invalid BMPString');
      // Go strips a trailing NUL terminator.
      const n = v.length >= 2 && v[v.length - 1] === 0 && v[v.length - 2] === 0 ? v.length - 2 : v.length;
      let s = '';
      for (let i = 0; i < n; i += 2) s += String.fromCharCode((v[i]! << 8) | v[i + 1]!);
      return s;
    }
    default:
      return null;
  }
}

function latin1(v: Uint8Array): string {
  let s = '';
  for (const b of v) s += String.fromCharCode(b);
  return s;
}

/** UTCTime / GeneralizedTime (the forms X.509 allows: ...Z with seconds). */
export function decodeTime(buf: Uint8Array, t: Tlv): Date {
  const s = latin1(buf.subarray(t.start, t.end));
  let m: RegExpMatchArray | null;
  let year: number;
  if (t.tag === TAG.UTCTime) {
    m = s.match(/^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/);
    if (!m) throw new DerError('bad UTCTime');
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (t.tag === TAG.GeneralizedTime) {
    m = s.match(/^(\d\d\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/);
    if (!m) throw new DerError('bad GeneralizedTime');
    year = Number(m[1]);
  } else throw new DerError('expected a time');
  const d = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  if (Number.isNaN(d.getTime())) throw new DerError('bad time');
  return d;
}
