// Go's base64 decoders as the reference uses them on credentials (nonce signatures, JWT chunks,
// CONNECT's sig): encoding/base64 RawURLEncoding and StdEncoding, which skip '\r' and '\n'.

/** Go's base64.RawURLEncoding.DecodeString: '\r' and '\n' are skipped; no padding; 4n+1 chars is an error. */
export function rawURLDecode(s: string): Buffer | null {
  const t = s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, '') : s;
  if (!/^[A-Za-z0-9_-]*$/.test(t) || t.length % 4 === 1) return null;
  return Buffer.from(t, 'base64url');
}

/** Go's base64.StdEncoding.DecodeString: '\r' and '\n' are skipped; padding required. */
export function stdDecode(s: string): Buffer | null {
  const t = s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, '') : s;
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(t)) return null;
  return Buffer.from(t, 'base64');
}
