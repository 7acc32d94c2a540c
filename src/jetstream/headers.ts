// NATS header blocks as the reference reads and writes them (client.go getHeader, genHeader,
// removeHeaderIfPresent): names are matched exactly (case-sensitive in 2.9.10), only the first
// occurrence of the name's bytes counts, and it must start a line.

const CRLF = '\r\n';
export const HDR_LINE = 'NATS/1.0\r\n';
const EMPTY_HDR = 'NATS/1.0\r\n\r\n';

/** The value of header `key`, or null (getHeader). `hdr` is the header block as latin1 text. */
export function getHeader(key: string, hdr: string): string | null {
  if (hdr.length === 0) return null;
  let i = hdr.indexOf(key);
  if (i < 2 || hdr.charCodeAt(i - 1) !== 0x0a || hdr.charCodeAt(i - 2) !== 0x0d) return null;
  i += key.length;
  if (i >= hdr.length || hdr.charCodeAt(i) !== 0x3a) return null;
  i++;
  while (i < hdr.length && hdr.charCodeAt(i) === 0x20) i++;
  const end = hdr.indexOf(CRLF, i);
  return end < 0 ? hdr.slice(i) : hdr.slice(i, end);
}

/** Appends `key: value` to a header block (or starts one) (genHeader). */
export function genHeader(hdr: string | null, key: string, value: string): string {
  const head = hdr !== null && hdr.length > 2 ? hdr.slice(0, -2) : HDR_LINE;
  // http.Header.Write replaces newlines in values with spaces.
  return `${head}${key}: ${value.replace(/[\r\n]+/g, ' ')}${CRLF}${CRLF}`;
}

/**
 * Removes header `key` (removeHeaderIfPresent); a block left with nothing but the status line
 * becomes no headers at all (null).
 */
export function removeHeader(hdr: string, key: string): string | null {
  const start = hdr.indexOf(key);
  if (start < 1 || hdr.charCodeAt(start - 1) !== 0x0a) return hdr;
  const idx = start + key.length;
  if (idx >= hdr.length || hdr.charCodeAt(idx) !== 0x3a) return hdr;
  const end = hdr.indexOf(CRLF, start);
  if (end < 0) return hdr;
  const out = hdr.slice(0, start) + hdr.slice(end + 2);
  return out.length <= EMPTY_HDR.length ? null : out;
}

/** Go's parseInt64 on a header value: digits only, else -1 (which a uint64 then wraps). */
export function parseHeaderInt(v: string): number {
  if (v.length === 0 || !/^\d+$/.test(v)) return -1;
  return Number(v);
}
