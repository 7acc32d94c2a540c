// Checks of a user's credentials shared by nkey users and JWT users (nats-server auth.go, jwt.go):
// the nonce signature (base64 RawURL, falling back to standard base64, as Go's decoders read them,
// verified with @nats-io/nkeys), and a user JWT's `src` CIDRs and daily `times` windows.
import { nkeysLib } from '../libs.js';
import type { Client } from '../server/client.js';
import { rawURLDecode, stdDecode } from './jwt-claims.js';
import { goParseCIDR, goCIDRContains, goParseClock } from '../protocol/gonet.js';

/**
 * Decodes a signature as the reference: base64.RawURLEncoding, falling back to StdEncoding. Go's
 * decoders skip '\r' and '\n' anywhere in the input, so a signature broken over lines is accepted.
 */
export function decodeSig(sig: string): Uint8Array | null {
  return rawURLDecode(sig) ?? stdDecode(sig);
}
/** Verifies CONNECT `sig` over the nonce of the INFO this client got, with public key `key`. */
export function verifyNonceSig(c: Client, key: string): boolean {
  const o = c.opts;
  if (o.sig === '') {
    c.debug('Signature missing');
    return false;
  }
  const sig = decodeSig(o.sig);
  if (sig === null) {
    c.debug('Signature not valid base64');
    return false;
  }
  let ok: boolean;
  try {
    ok = nkeysLib().fromPublic(key).verify(Buffer.from(c.nonce, 'latin1'), sig);
  } catch (e) {
    c.debug(`User nkey not valid: ${(e as Error).message}`);
    return false;
  }
  if (!ok) c.debug('Signature not verified');
  return ok;
}

/**
 * src (validateSrc): no list allows every address; otherwise the client's address must be in one of
 * the CIDRs, and an entry that does not parse refuses the client.
 */
export function validateSrc(src: string[] | null, host: string): boolean {
  if (src === null || src.length === 0) return true;
  if (host === '') return false;
  for (const cidr of src) {
    const n = goParseCIDR(cidr);
    if (n === null) return false;
    if (goCIDRContains(n, host)) return true;
  }
  return false;
}

/**
 * times (validateTimes): connections are allowed only inside one of the daily windows ("15:04:05"
 * in the times_location zone, or local time). As the reference computes it, a window that crosses
 * midnight runs from its start today to its end tomorrow (so it is closed after midnight). Returns
 * null outside every window, 0 when unrestricted, else how many ms the current window still lasts.
 */
export function validateTimes(times: { start: string; end: string }[] | null, location: string): number | null {
  if (times === null || times.length === 0) return 0;
  const now = secondsOfDay(location);
  if (now === null) return null;
  for (const t of times) {
    const s = goParseClock(t.start);
    const e = goParseClock(t.end);
    if (s === null || e === null) return null;
    const end = s > e ? e + 86_400 : e;
    if (s < now && end > now) return Math.max(Math.round((end - now) * 1000), 1);
  }
  return null;
}

/** Seconds (with the fraction) since midnight in `location` ("" or "Local": local time); null when unknown. */
function secondsOfDay(location: string): number | null {
  const d = new Date();
  const frac = d.getMilliseconds() / 1000;
  if (location === '' || location === 'Local') return d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds() + frac;
  try {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: location, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(d);
    const get = (k: string) => Number(parts.find((p) => p.type === k)?.value ?? 0);
    return get('hour') * 3600 + get('minute') * 60 + get('second') + frac;
  } catch {
    // A zone Go loads from the system zoneinfo but ICU does not know: read as UTC.
    return d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 + d.getUTCSeconds() + frac;
  }
}
