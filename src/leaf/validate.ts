// leafnodes { … } as options (the embedding API's shape, then leafnode.go validateLeafNode and
// validateLeafNodeAuthOptions in their order and words): every key typed, every URL parsable,
// every account named either existing (local configuration) or an account public key (operator mode).
import type { ServerOptions, LeafNodeOptions } from '../options.js';
import { parseHostPort } from '../cluster/url.js';
import { parseLeafURL } from './url.js';
import * as C from '../const.js';

const ACCOUNT_KEY = /^A[A-Z2-7]{55}$/;

/** The problems of `o.leafnodes` (empty when it is absent or valid). */
export function leafnodeIssues(o: ServerOptions): string[] {
  const ln = o.leafnodes as unknown;
  if (ln === undefined) return [];
  if (typeof ln !== 'object' || ln === null || Array.isArray(ln)) return [`leafnodes must be an object, got ${JSON.stringify(ln)}`];
  const l = ln as LeafNodeOptions;
  const out: string[] = [];
  if (l.port !== undefined && (typeof l.port !== 'number' || !Number.isSafeInteger(l.port) || l.port < -1 || l.port > 65535)) out.push(`invalid leafnodes port ${JSON.stringify(l.port)}`);
  for (const k of ['host', 'advertise', 'minVersion'] as const) {
    if (l[k] !== undefined && typeof l[k] !== 'string') out.push(`leafnodes ${k} must be a string, got ${JSON.stringify(l[k])}`);
  }
  if (l.noAdvertise !== undefined && typeof l.noAdvertise !== 'boolean') out.push(`leafnodes noAdvertise must be a boolean, got ${JSON.stringify(l.noAdvertise)}`);
  if (l.reconnect !== undefined && (typeof l.reconnect !== 'number' || !(l.reconnect >= 0))) out.push(`leafnodes reconnect must be a non-negative duration in milliseconds, got ${JSON.stringify(l.reconnect)}`);
  if (l.loopDelay !== undefined && (typeof l.loopDelay !== 'number' || !(l.loopDelay >= 0))) out.push(`leafnodes loop_delay must be a non-negative duration in milliseconds, got ${JSON.stringify(l.loopDelay)}`);
  if (l.tls !== undefined && (typeof l.tls !== 'object' || l.tls === null)) out.push('leafnodes tls must be an object (a tls {} block)');
  if (typeof l.advertise === 'string' && l.advertise !== '') {
    const hp = parseHostPort(l.advertise, 0);
    if (typeof hp === 'string') out.push(`Error setting leafnode INFO with LeafNode.Advertise value of ${l.advertise}, err=${hp}`);
  }
  const a = l.authorization as unknown;
  if (a !== undefined) {
    if (typeof a !== 'object' || a === null || Array.isArray(a)) out.push(`leafnodes authorization must be an object, got ${JSON.stringify(a)}`);
    else {
      const au = l.authorization!;
      for (const k of ['user', 'password', 'account'] as const) {
        if (au[k] !== undefined && typeof au[k] !== 'string') out.push(`leafnodes authorization ${k} must be a string`);
      }
      if (au.timeout !== undefined && (typeof au.timeout !== 'number' || !(au.timeout >= 0))) out.push(`leafnodes authorization timeout must be a non-negative duration in milliseconds, got ${JSON.stringify(au.timeout)}`);
      if (au.users !== undefined) {
        if (!Array.isArray(au.users)) out.push('leafnodes authorization users must be an array');
        else {
          for (const u of au.users as unknown[]) {
            if (typeof u !== 'object' || u === null) {
              out.push(`leafnodes authorization users: a user must be an object, got ${JSON.stringify(u)}`);
              continue;
            }
            const lu = u as Record<string, unknown>;
            if (typeof lu.user !== 'string') out.push('leafnodes authorization users: user must be a string');
            for (const k of ['password', 'account']) if (lu[k] !== undefined && typeof lu[k] !== 'string') out.push(`leafnodes authorization users: ${k} must be a string`);
          }
        }
      }
    }
  }
  if (l.remotes !== undefined) {
    if (!Array.isArray(l.remotes)) out.push('leafnodes remotes must be an array');
    else {
      for (const r of l.remotes as unknown[]) {
        if (typeof r !== 'object' || r === null || Array.isArray(r)) {
          out.push(`leafnodes remote must be an object, got ${JSON.stringify(r)}`);
          continue;
        }
        const rr = r as Record<string, unknown>;
        if (rr.url !== undefined && typeof rr.url !== 'string') out.push(`leafnodes remote: url must be a string, got ${JSON.stringify(rr.url)}`);
        const urls = rr.urls !== undefined ? rr.urls : rr.url !== undefined ? [rr.url] : undefined;
        if (!Array.isArray(urls) || urls.length === 0) out.push('leafnodes remote: url or urls must give at least one URL');
        else for (const u of urls) {
          if (typeof u !== 'string') out.push(`leafnodes remote: URL must be a string, got ${JSON.stringify(u)}`);
          else {
            const p = parseLeafURL(u);
            if (typeof p === 'string') out.push(p);
          }
        }
        for (const k of ['account', 'credentials']) if (rr[k] !== undefined && typeof rr[k] !== 'string') out.push(`leafnodes remote ${k} must be a string`);
        for (const k of ['hub', 'noRandomize']) if (rr[k] !== undefined && typeof rr[k] !== 'boolean') out.push(`leafnodes remote ${k} must be a boolean`);
        for (const k of ['denyImports', 'denyExports']) {
          const v = rr[k];
          if (v !== undefined && (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))) out.push(`leafnodes remote ${k} must be an array of subjects`);
        }
        if (rr.tls !== undefined && (typeof rr.tls !== 'object' || rr.tls === null)) out.push('leafnodes remote tls must be an object (a tls {} block)');
      }
    }
  }
  if (out.length > 0) return out;

  // validateLeafNodeAuthOptions
  const au = l.authorization;
  if (au?.users !== undefined && au.users.length > 0) {
    if (au.user) return ['can not have a single user/pass and a users array'];
    const seen = new Set<string>();
    for (const u of au.users) {
      if (seen.has(u.user)) return [`duplicate user ${JSON.stringify(u.user)} detected in leafnode authorization`];
      seen.add(u.user);
    }
  }
  // validateLeafNode: accounts.
  if (!o.trustedOperators?.length) {
    const names = new Set<string>([C.GLOBAL_ACCOUNT, '', ...(o.accounts ?? []).map((x) => x.name)]);
    if (!o.noSystemAccount) names.add(o.systemAccount || C.DEFAULT_SYSTEM_ACCOUNT);
    const check = (name: string | undefined, where: string) => (name !== undefined && !names.has(name) ? `cannot find local account ${JSON.stringify(name)} specified in leafnode ${where}` : null);
    let e = check(au?.account, 'authorization');
    if (e !== null) return [e];
    for (const u of au?.users ?? []) {
      e = check(u.account, 'authorization');
      if (e !== null) return [e];
    }
    for (const r of l.remotes ?? []) {
      e = check(r.account, 'remote');
      if (e !== null) return [e];
    }
  } else {
    if ((au?.users ?? []).length > 0) return ['operator mode does not allow specifying user in leafnode config'];
    for (const r of l.remotes ?? []) {
      if (!ACCOUNT_KEY.test(r.account ?? '')) {
        return [
          'operator mode requires account nkeys in remotes. Please add an `account` key to each remote in your `leafnodes` section, to assign it to an account. Each account value should be a 56 character public key, starting with the letter \'A\'',
        ];
      }
    }
    if ((l.port ?? 0) !== 0 && au?.account && !ACCOUNT_KEY.test(au.account)) return ['operator mode and non account nkeys are incompatible'];
  }
  if ((l.port ?? 0) !== 0 && l.minVersion) {
    const e = checkLeafMinVersion(l.minVersion);
    if (e !== null) return [e];
  }
  return [];
}

/** checkLeafMinVersionConfig: a semantic version of at least 2.8.0. */
export function checkLeafMinVersion(v: string): string | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-.*)?$/.exec(v.trim());
  if (m === null) return `invalid leafnode's minimum version: invalid semver`;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  if (maj < 2 || (maj === 2 && min < 8)) return 'the minimum version should be at least 2.8.0';
  return null;
}

