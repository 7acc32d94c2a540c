// Parsers from Go's standard library whose accept/refuse decisions a JWT claim depends on:
// net.ParseCIDR and IPNet.Contains (user `src`), time.Parse("15:04:05") (user `times`),
// time.LoadLocation (user `times_location`) and url.Parse (account `info_url`), as go1.19 (the
// toolchain of Debian's nats-server 2.9.10) implements them.
import { isIPv4, isIPv6 } from 'node:net';
import { readFileSync } from 'node:fs';

// ---------------------------------------------------------------- net

/** An IP as Go holds it: 4 bytes (IPv4, or IPv4-mapped IPv6 reduced by To4) or 16. */
function ipBytes(s: string): Uint8Array | null {
  // parseIP: the first '.' or ':' decides the family; zones are not allowed.
  if (s.includes('%')) return null;
  const dot = s.indexOf('.');
  const colon = s.indexOf(':');
  if (dot >= 0 && (colon < 0 || dot < colon)) {
    if (!isIPv4(s)) return null;
    return Uint8Array.from(s.split('.').map(Number));
  }
  if (colon < 0 || !isIPv6(s)) return null;
  // A trailing dotted quad becomes two hex groups; then "::" expands to the missing zero groups.
  let t = s;
  const q = t.lastIndexOf(':');
  if (t.slice(q + 1).includes('.')) {
    const v = t.slice(q + 1).split('.').map(Number);
    t = `${t.slice(0, q + 1)}${((v[0]! << 8) | v[1]!).toString(16)}:${((v[2]! << 8) | v[3]!).toString(16)}`;
  }
  let parts: string[];
  if (t.includes('::')) {
    const [l, r] = t.split('::');
    const left = l ? l.split(':') : [];
    const right = r ? r.split(':') : [];
    parts = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  } else parts = t.split(':');
  if (parts.length !== 8) return null;
  const groups = parts.map((h) => parseInt(h, 16));
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    b[2 * i] = g >> 8;
    b[2 * i + 1] = g & 0xff;
  });
  return b;
}

/** IP.To4: the 4-byte form of an IPv4 or IPv4-mapped address, else the address. */
function to4(ip: Uint8Array): Uint8Array {
  if (ip.length === 4) return ip;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return ip;
  return ip[10] === 0xff && ip[11] === 0xff ? ip.subarray(12) : ip;
}

export interface GoIPNet {
  ip: Uint8Array;
  bits: number;
  /** Address length the mask was made for: 4 or 16. */
  len: number;
}

/** net.ParseCIDR: "addr/bits" with a decimal mask no longer than the address; null when invalid. */
export function goParseCIDR(s: string): GoIPNet | null {
  const i = s.indexOf('/');
  if (i < 0) return null;
  const addr = s.slice(0, i);
  const mask = s.slice(i + 1);
  const ip = ipBytes(addr);
  if (ip === null || !/^[0-9]+$/.test(mask)) return null;
  const bits = mask.length > 7 ? Infinity : Number(mask);
  if (bits > ip.length * 8) return null;
  return { ip, bits, len: ip.length };
}

/** IPNet.Contains for a client address `host`. */
export function goCIDRContains(n: GoIPNet, host: string): boolean {
  const h = ipBytes(host);
  if (h === null) return false;
  // networkNumberAndMask: the network in its 4-byte form when it has one; the mask follows.
  let nn = to4(n.ip);
  let bits = n.bits;
  if (n.len === 4 && nn.length !== 4) return false;
  if (n.len === 16 && nn.length === 4) bits -= 96;
  if (nn.length === 16 && n.len !== 16) nn = n.ip;
  const ip = to4(h);
  if (ip.length !== nn.length) return false;
  for (let b = 0; b < ip.length; b++) {
    const m = bits >= (b + 1) * 8 ? 0xff : bits <= b * 8 ? 0 : (0xff << (8 - (bits - b * 8))) & 0xff;
    if ((nn[b]! & m) !== (ip[b]! & m)) return false;
  }
  return true;
}

// ---------------------------------------------------------------- time

/**
 * time.Parse("15:04:05", s): the hour in one or two digits (< 24), minutes and seconds in two
 * (< 60), and an optional fraction (".5" or ",5") after the seconds. Seconds of the day, or null.
 */
export function goParseClock(s: string): number | null {
  const m = /^(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d+))?$/.exec(s);
  if (m === null) return null;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const se = Number(m[3]);
  if (h >= 24 || mi >= 60 || se >= 60) return null;
  if (m[4] !== undefined && m[4].length > 9) return null;
  return h * 3600 + mi * 60 + se + (m[4] ? Number(`0.${m[4]}`) : 0);
}

const ZONE_DIRS = ['/usr/share/zoneinfo/', '/usr/share/lib/zoneinfo/', '/usr/lib/locale/TZ/'];
const zoneCache = new Map<string, boolean>();

/** time.LoadLocation succeeds: "", "UTC", "Local", or a TZif file under the system zoneinfo directories. */
export function goLoadLocation(name: string): boolean {
  if (name === '' || name === 'UTC' || name === 'Local') return true;
  if (name.includes('..') || name[0] === '/' || name[0] === '\\' || name.includes('\0')) return false;
  const hit = zoneCache.get(name);
  if (hit !== undefined) return hit;
  let ok = false;
  for (const d of ZONE_DIRS) {
    try {
      const b = readFileSync(d + name);
      ok = b.length >= 44 && b.toString('latin1', 0, 4) === 'TZif';
      if (ok) break;
    } catch {
      /* try the next directory */
    }
  }
  if (zoneCache.size > 1000) zoneCache.clear();
  zoneCache.set(name, ok);
  return ok;
}

// ---------------------------------------------------------------- url

const HEX = /^[0-9a-fA-F]{2}$/;

/** url.unescape's validation for `mode`: '%' must start a valid escape; hosts allow a limited set. */
function unescapeOk(s: string, mode: 'host' | 'zone' | 'path' | 'fragment' | 'user'): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!HEX.test(h)) return false;
      if (mode === 'host' && parseInt(h[0]!, 16) < 8 && h !== '25') return false;
      if (mode === 'zone') {
        const v = parseInt(h, 16);
        if (h !== '25' && v !== 0x20 && shouldEscapeHost(String.fromCharCode(v))) return false;
      }
      i += 2;
    } else if ((mode === 'host' || mode === 'zone') && c.charCodeAt(0) < 0x80 && shouldEscapeHost(c)) {
      return false;
    }
  }
  return true;
}

function shouldEscapeHost(c: string): boolean {
  if (/[A-Za-z0-9]/.test(c)) return false;
  return !"-_.~!$&'()*+,;=:[]<>\"".includes(c);
}

function validOptionalPort(p: string): boolean {
  return p === '' || /^:[0-9]*$/.test(p);
}

/** url.Parse, reduced to what info_url validation needs: the scheme and host, or null on a parse error. */
export function goParseURL(raw: string): { scheme: string; hostname: string } | null {
  const hash = raw.indexOf('#');
  const u = hash < 0 ? raw : raw.slice(0, hash);
  if (hash >= 0 && !unescapeOk(raw.slice(hash + 1), 'fragment')) return null;
  if (/[\x00-\x1f\x7f]/.test(u)) return null;
  if (u === '*') return { scheme: '', hostname: '' };
  let scheme = '';
  let rest = u;
  for (let i = 0; i < u.length; i++) {
    const c = u[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) break;
      continue;
    }
    if (c === ':') {
      if (i === 0) return null; // missing protocol scheme
      scheme = u.slice(0, i).toLowerCase();
      rest = u.slice(i + 1);
    }
    break;
  }
  if (rest.endsWith('?') && rest.split('?').length === 2) rest = rest.slice(0, -1);
  else if (rest.includes('?')) rest = rest.slice(0, rest.indexOf('?'));
  if (!rest.startsWith('/')) {
    if (scheme !== '') return { scheme, hostname: '' }; // opaque
    const seg = rest.split('/')[0]!;
    if (seg.includes(':')) return null;
  }
  let hostname = '';
  if (rest.startsWith('//') && (scheme !== '' || !rest.startsWith('///'))) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    rest = slash >= 0 ? authority.slice(slash) : '';
    if (slash >= 0) authority = authority.slice(0, slash);
    const at = authority.lastIndexOf('@');
    let host = at < 0 ? authority : authority.slice(at + 1);
    if (at >= 0) {
      const user = authority.slice(0, at);
      if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(user) || !unescapeOk(user, 'user')) return null;
    }
    if (host.startsWith('[')) {
      const i = host.lastIndexOf(']');
      if (i < 0 || !validOptionalPort(host.slice(i + 1))) return null;
      const zone = host.slice(0, i).indexOf('%25');
      if (zone >= 0) {
        if (!unescapeOk(host.slice(0, zone), 'host') || !unescapeOk(host.slice(zone, i), 'zone') || !unescapeOk(host.slice(i), 'host')) return null;
      } else if (!unescapeOk(host, 'host')) return null;
    } else {
      const i = host.lastIndexOf(':');
      if (i >= 0 && !validOptionalPort(host.slice(i))) return null;
      if (!unescapeOk(host, 'host')) return null;
    }
    host = decodeURIComponentSafe(host);
    // Hostname(): without a valid ":port", and without brackets.
    const colon = host.lastIndexOf(':');
    hostname = colon >= 0 && validOptionalPort(host.slice(colon)) ? host.slice(0, colon) : host;
    if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1);
  }
  if (!unescapeOk(rest, 'path')) return null;
  return { scheme, hostname };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}
