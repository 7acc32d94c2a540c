// Checks of a user's credentials shared by nkey users and JWT users (nats-server auth.go): the
// nonce signature (base64 RawURL or standard base64, verified with @nats-io/nkeys), and a user JWT's
// `src` CIDRs and daily `times` windows.
import { BlockList, isIPv6 } from 'node:net';
import { nkeysLib } from '../libs.js';
import type { Client } from '../server/client.js';

const RAW_URL_B64 = /^[A-Za-z0-9_-]*$/;
const STD_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes a signature as the reference: base64 RawURL, falling back to standard base64. */
export function decodeSig(sig: string): Uint8Array | null {
  if (RAW_URL_B64.test(sig) && sig.length % 4 !== 1) return Buffer.from(sig, 'base64url');
  if (STD_B64.test(sig)) return Buffer.from(sig, 'base64');
  return null;
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

/** src: the client's address must be in one of the CIDRs (validateSrc). */
export function validateSrc(src: string[] | string | undefined, host: string): boolean {
  const list = typeof src === 'string' ? src.split(',').map((s) => s.trim()).filter(Boolean) : (src ?? []);
  if (list.length === 0) return true;
  const bl = new BlockList();
  for (const cidr of list) {
    const [addr, bits] = cidr.split('/');
    const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
    try {
      if (bits === undefined) bl.addAddress(addr, type);
      else bl.addSubnet(addr, Number(bits), type);
    } catch {
      /* an invalid entry allows nothing */
    }
  }
  return bl.check(host, isIPv6(host) ? 'ipv6' : 'ipv4');
}

/**
 * times: connections are allowed only inside one of the daily windows ("HH:MM:SS" in the user's
 * locale time zone, or local time). Returns null outside them, 0 when unrestricted, else how many
 * ms the current window still lasts (validateTimes).
 */
export function validateTimes(times: { start?: string; end?: string }[] | undefined, locale: string | undefined): number | null {
  if (!times || times.length === 0) return 0;
  const now = secondsOfDay(locale);
  for (const t of times) {
    const s = parseHMS(t.start);
    const e = parseHMS(t.end);
    if (s === null || e === null) continue;
    if (s <= e ? now >= s && now < e : now >= s || now < e) {
      const left = e > now ? e - now : 86_400 - now + e;
      return left * 1000;
    }
  }
  return null;
}

function parseHMS(v: string | undefined): number | null {
  const m = v?.match(/^(\d{1,2}):(\d{2}):(\d{2})$/);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : null;
}

function secondsOfDay(locale: string | undefined): number {
  const d = new Date();
  if (!locale) return d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds();
  try {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: locale, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(d);
    const get = (k: string) => Number(parts.find((p) => p.type === k)?.value ?? 0);
    return get('hour') * 3600 + get('minute') * 60 + get('second');
  } catch {
    return d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 + d.getUTCSeconds();
  }
}
