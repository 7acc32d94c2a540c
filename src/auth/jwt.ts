// Operator (decentralised JWT) mode: trusted operator JWTs, a memory account resolver
// (resolver: MEMORY, resolver_preload), account claims (limits, exports, imports, revocations,
// signing keys, default permissions) and user claims (permissions, limits, src, times, bearer,
// expiry). Every JWT is decoded and its signature verified by @nats-io/jwt, and nonce signatures
// by @nats-io/nkeys (nats-server auth.go processClientOrLeafAuthentication, accounts.go
// UpdateAccountClaims, jwt.go).
import { readFileSync, existsSync } from 'node:fs';
import type { ClaimsData, Operator, Account as AccountClaims, User as UserClaims, Permissions as JwtPermissions, Activation } from '@nats-io/jwt';
import { jwtLib } from '../libs.js';
import { TsnatsError, ClosedState, E } from '../errors.js';
import { Account } from '../accounts/account.js';
import { applyExports, applyImports, type AccountSpec, type ImportSpec } from '../accounts/account-config.js';
import { normalizePermissions } from './permissions.js';
import { DEFAULT_RESPONSE_THRESHOLD_MS, type ResponseType, type StreamExport } from '../accounts/imports.js';
import type { Permissions } from '../options.js';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { verifyNonceSig, validateSrc, validateTimes } from './jwt-checks.js';
import { monoMs } from '../clock.js';
import { Timer } from '../timers.js';

/** Unlimited in JWT limits (jwt.NoLimit). */
const NO_LIMIT = -1;

const JWT_RE = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;

/** A JWT given inline, or the path of a file holding one (possibly armored as in .jwt/.creds files). */
export function readJWT(v: string): string {
  const inline = v.match(JWT_RE);
  if (inline && inline[0] === v.trim()) return inline[0];
  if (existsSync(v)) {
    const m = readFileSync(v, 'utf8').match(JWT_RE);
    if (m) return m[0];
  }
  throw new TsnatsError('BAD_OPERATOR', `operator: not a JWT or a file holding one: ${JSON.stringify(v.length > 60 ? v.slice(0, 60) + '…' : v)}`);
}

/** Validity of a claim now (jwt ClaimsData.Validate): expired, or not yet valid. */
export function claimIssue(c: { exp?: number; nbf?: number }, now = Date.now() / 1000): string | null {
  if (c.exp && c.exp > 0 && now > c.exp) return 'claim is expired';
  if (c.nbf && c.nbf > 0 && now < c.nbf) return 'claim is not yet valid';
  return null;
}

/** Converts JWT pub/sub/resp permissions (ttl in ns) to the options shape, or undefined (buildInternalNkeyUser). */
export function jwtPermissions(p: Partial<JwtPermissions> | undefined): Permissions | undefined {
  if (!p) return undefined;
  const out: { publish?: { allow?: string[]; deny?: string[] }; subscribe?: { allow?: string[]; deny?: string[] }; allowResponses?: { max: number; expires: number } } = {};
  let any = false;
  if ((p.pub?.allow?.length ?? 0) > 0 || (p.pub?.deny?.length ?? 0) > 0) {
    out.publish = { allow: p.pub!.allow ?? undefined, deny: p.pub!.deny ?? undefined };
    any = true;
  }
  if ((p.sub?.allow?.length ?? 0) > 0 || (p.sub?.deny?.length ?? 0) > 0) {
    out.subscribe = { allow: p.sub!.allow ?? undefined, deny: p.sub!.deny ?? undefined };
    any = true;
  }
  if (p.resp) {
    out.allowResponses = { max: p.resp.max ?? 0, expires: Math.round((p.resp.ttl ?? 0) / 1e6) };
    any = true;
  }
  return any ? normalizePermissions(out) : undefined;
}

function limit(v: number | undefined): number | undefined {
  return v === undefined || v === NO_LIMIT ? undefined : v;
}

/** A JWT limit as the reference reads it: -1 is no limit, and a missing one is 0 (Go's zero value). */
function cap(v: number | undefined): number {
  return v === undefined ? 0 : v < 0 ? NO_LIMIT : v;
}

/** Account claims → limits, default permissions, exports and imports. */
function specFromClaims(ac: ClaimsData<AccountClaims>): AccountSpec {
  const n = ac.nats;
  const l = n.limits ?? {};
  const spec: AccountSpec = {
    limits: { maxConnections: limit(l.conn), maxSubscriptions: limit(l.subs), maxPayload: limit(l.payload), maxLeafnodes: limit(l.leaf) },
    caps: { conns: cap(l.conn), subs: cap(l.subs), payload: cap(l.payload) },
    defaultPermissions: jwtPermissions(n.default_permissions),
    streamExports: [],
    serviceExports: [],
    imports: [],
  };
  for (const x of n.exports ?? []) {
    if (x.type === 'service') {
      spec.serviceExports.push({
        subject: x.subject, accounts: null, tokenRequired: !!x.token_req,
        responseType: (x.response_type ?? 'Singleton') as ResponseType,
        responseThreshold: x.response_threshold ? Math.round(x.response_threshold / 1e6) : DEFAULT_RESPONSE_THRESHOLD_MS,
      });
    } else {
      spec.streamExports.push({ subject: x.subject, accounts: null, tokenRequired: !!x.token_req });
    }
  }
  for (const i of n.imports ?? []) {
    // Streams: `to` is a prefix; services: `to` (or local_subject) is the local subject.
    const local = i.local_subject || (i.type === 'stream' ? (i.to ? `${i.to.replace(/\.$/, '')}.${i.subject}` : i.subject) : (i.to || i.subject));
    spec.imports.push({ type: i.type === 'service' ? 'service' : 'stream', account: i.account, subject: i.subject, local, token: i.token });
  }
  return spec;
}

/** The template of a scoped signing key, or null for a plain signing key. */
interface ScopedKey {
  template: Partial<UserClaims>;
}

export interface JwtAuthResult {
  account: Account;
  claims: ClaimsData<UserClaims>;
  permissions: Permissions | undefined;
  maxPayload?: number;
  maxSubscriptions?: number;
  /** ms since epoch when the user's credentials stop being valid; 0 = never. */
  expiresAt: number;
}

/** Trusted operators and the memory resolver; accounts are registered on first use, named by public key. */
export class OperatorTrust {
  readonly operators: ClaimsData<Operator>[] = [];
  /** Operator public keys and their signing keys. */
  readonly trustedKeys = new Set<string>();
  /** The resolver: account public key → account JWT. */
  readonly resolver = new Map<string, string>();
  /** system_account of the (first) operator that names one. */
  readonly systemAccount: string | undefined;
  private readonly expiryTimers = new Map<string, Timer>();

  constructor(operatorJWTs: string[], preload: Record<string, string>) {
    for (const v of operatorJWTs) {
      const token = readJWT(v);
      let oc: ClaimsData<Operator>;
      try {
        oc = jwtLib().decode<Operator>(token);
      } catch (e) {
        throw new TsnatsError('BAD_OPERATOR', `operator JWT not valid: ${(e as Error).message}`);
      }
      if (oc.nats.type !== 'operator') throw new TsnatsError('BAD_OPERATOR', `not an operator JWT (type ${JSON.stringify(oc.nats.type)})`);
      this.operators.push(oc);
      this.trustedKeys.add(oc.sub);
      for (const k of oc.nats.signing_keys ?? []) this.trustedKeys.add(typeof k === 'string' ? k : k.key);
    }
    this.systemAccount = this.operators.find((o) => o.nats.system_account)?.nats.system_account;
    for (const [key, token] of Object.entries(preload)) {
      try {
        const ac = jwtLib().decode<AccountClaims>(token);
        if (ac.nats.type !== 'account' || ac.sub !== key) throw new Error(`the JWT is for ${JSON.stringify(ac.sub)}`);
      } catch (e) {
        throw new TsnatsError('BAD_RESOLVER_PRELOAD', `preload account error for ${JSON.stringify(key)}: ${(e as Error).message}`);
      }
      this.resolver.set(key, token);
    }
  }

  /** The startup lines of the reference for trusted operators. */
  startupLines(): string[] {
    const out: string[] = ['Trusted Operators'];
    for (const o of this.operators) {
      out.push(`  System  : ${JSON.stringify(o.aud ?? '')}`, `  Operator: ${JSON.stringify(o.name)}`,
        `  Issued  : ${goTime(o.iat)}`, `  Expires : ${o.exp ? goTime(o.exp) : 'Never'}`);
    }
    return out;
  }

  /**
   * The account with this public key: registered in `srv.accounts`, or fetched from the resolver,
   * verified and registered (LookupAccount). Throws with the reason when it cannot be used.
   */
  lookupAccount(srv: Server, key: string): Account {
    const have = srv.accounts.get(key);
    if (have !== undefined && have.jwt !== '') return have;
    const token = this.resolver.get(key);
    if (token === undefined) throw new Error('account not found');
    const t0 = monoMs();
    const ac = this.verifyAccount(token, key);
    srv.log.debugf(`Account [${key}] fetch took ${fmtMicros(monoMs() - t0)}`);
    const acc = have ?? new Account(key, !srv.opts.disableSublistCache);
    if (have === undefined) srv.accounts.set(key, acc);
    this.applyClaims(srv, acc, ac, token);
    return acc;
  }

  private verifyAccount(token: string, key?: string): ClaimsData<AccountClaims> {
    const ac = jwtLib().decode<AccountClaims>(token);
    if (ac.nats.type !== 'account') throw new Error(`not an account JWT (type ${JSON.stringify(ac.nats.type)})`);
    if (key !== undefined && ac.sub !== key) throw new Error(`account JWT is for ${JSON.stringify(ac.sub)}`);
    if (!this.trustedKeys.has(ac.iss)) throw new Error('Account JWT not signed by trusted operator');
    return ac;
  }

  /** Applies (new) account claims to a registered account (UpdateAccountClaims). */
  private applyClaims(srv: Server, acc: Account, ac: ClaimsData<AccountClaims>, token: string): void {
    srv.log.debugf(`Updating account claims: ${ac.sub}/${ac.name}`);
    const spec = specFromClaims(ac);
    applyExports(acc, spec);
    acc.nameTag = ac.name;
    acc.issuer = ac.iss;
    acc.jwt = token;
    acc.expires = ac.exp ? ac.exp * 1000 : 0;
    acc.revocations = { ...(ac.nats.revocations ?? {}) };
    acc.signingKeys = new Map();
    for (const k of ac.nats.signing_keys ?? []) {
      if (typeof k === 'string') acc.signingKeys.set(k, null);
      else acc.signingKeys.set(k.key, { template: k.template } satisfies ScopedKey);
    }
    // Imports name their exporters by key: look them up (and register them) as the reference does.
    applyImports(acc, spec, (name) => {
      try {
        return this.lookupAccount(srv, name);
      } catch {
        return undefined;
      }
    }, (imp, x) => this.activated(acc, imp, x));
    // services add their imports again (applyImports replaced them)
    srv.accountsChanged(acc);
    this.setAccountExpiry(acc);
  }

  /** An activation token for a token_req export: signed by the exporter (or a signing key), for the importer. */
  private activated(importer: Account, imp: ImportSpec, x: StreamExport): boolean {
    if (!imp.token) return false;
    try {
      const act = jwtLib().decode<Activation>(readJWT(imp.token));
      if (act.nats.type !== 'activation' || claimIssue(act) !== null) return false;
      if (act.sub !== importer.name) return false;
      const signer = act.nats.issuer_account || act.iss;
      if (signer !== imp.account) return false;
      return act.nats.subject !== undefined && subjectCovered(imp.subject, act.nats.subject) && subjectCovered(act.nats.subject, x.subject);
    } catch {
      return false;
    }
  }

  /** When the account JWT expires, its clients are closed with 'Account Authentication Expired'. */
  private setAccountExpiry(acc: Account): void {
    this.expiryTimers.get(acc.name)?.clear();
    this.expiryTimers.delete(acc.name);
    if (acc.expires === 0) return;
    const t = new Timer(() => {
      this.expiryTimers.delete(acc.name);
      for (const c of [...acc.clients]) {
        c.sendErr(E.AccountAuthExpired);
        c.debug(E.AccountAuthExpired);
        c.closeConnection(ClosedState.AuthenticationExpired);
      }
    }, acc.expires - Date.now());
    this.expiryTimers.set(acc.name, t);
  }

  /**
   * New claims for an account (what `$SYS.REQ.ACCOUNT.<key>.CLAIMS.UPDATE` delivers): stored in the
   * resolver, applied to the registered account, and connections of users revoked by the new claims
   * are closed with 'User Authentication Revoked'.
   */
  updateAccountClaims(srv: Server, token: string): Account {
    const ac = this.verifyAccount(token);
    const prev = this.resolver.get(ac.sub);
    if (prev !== undefined) {
      const old = jwtLib().decode<AccountClaims>(prev);
      if (old.iat > ac.iat) throw new Error('account JWT is older than the one in use');
    }
    this.resolver.set(ac.sub, token);
    const acc = srv.accounts.get(ac.sub);
    if (acc === undefined) return this.lookupAccount(srv, ac.sub);
    this.applyClaims(srv, acc, ac, token);
    for (const c of [...acc.clients]) {
      if (c.jwtUser === null) continue;
      if (acc.isUserRevoked(c.jwtUser.sub, c.jwtUser.iat)) {
        c.sendErr(E.UserAuthRevoked);
        c.debug(E.UserAuthRevoked);
        c.closeConnection(ClosedState.Revocation);
      }
    }
    return acc;
  }

  /**
   * After a reload: registered accounts whose JWT in the resolver changed get the new claims (and
   * their revoked users are closed); every registered account gets its expiry timer back.
   */
  refreshAccounts(srv: Server): void {
    for (const acc of [...srv.accounts.values()]) {
      if (acc.jwt === '') continue;
      const token = this.resolver.get(acc.name);
      try {
        if (token !== undefined && token !== acc.jwt) this.updateAccountClaims(srv, token);
        else this.setAccountExpiry(acc);
      } catch (e) {
        srv.log.error(`Account ${acc.name} not updated: ${(e as Error).message}`);
      }
    }
  }

  /** Stops the account expiry timers. */
  close(): void {
    for (const t of this.expiryTimers.values()) t.clear();
    this.expiryTimers.clear();
  }

  /**
   * Checks a CONNECT in operator mode. Returns null (after a debug line saying why, as the
   * reference) when the client is rejected.
   */
  authenticate(srv: Server, c: Client): JwtAuthResult | null {
    const o = c.opts;
    if (o.jwt === '') {
      c.debug('Authentication requires a user JWT');
      return null;
    }
    let juc: ClaimsData<UserClaims>;
    try {
      juc = jwtLib().decode<UserClaims>(o.jwt);
      if (juc.nats.type !== 'user') throw new Error(`not a user JWT (type ${JSON.stringify(juc.nats.type)})`);
    } catch (e) {
      c.debug(`User JWT not valid: ${(e as Error).message}`);
      return null;
    }
    const issue = claimIssue(juc);
    if (issue !== null) {
      c.debug(`User JWT no longer valid: &{Issues:[${issue}]}`);
      return null;
    }
    // convertAllowedConnectionTypes upper-cases; the connection's own type must be listed.
    const types = juc.nats.allowed_connection_types ?? [];
    const want = c.type === 'websocket' ? 'WEBSOCKET' : c.type === 'leafnode' ? 'LEAFNODE' : 'STANDARD';
    if (types.length > 0 && !types.some((t) => String(t).toUpperCase() === want)) {
      c.debug('Connection type not allowed');
      return null;
    }
    const issuer = juc.nats.issuer_account || juc.iss;
    let acc: Account;
    try {
      acc = this.lookupAccount(srv, issuer);
    } catch (e) {
      c.debug(`Account JWT lookup error: ${(e as Error).message}`);
      return null;
    }
    if (!this.trustedKeys.has(acc.issuer)) {
      c.debug('Account JWT not signed by trusted operator');
      return null;
    }
    let user: Partial<UserClaims> = juc.nats;
    if (juc.iss !== acc.name) {
      if (!acc.signingKeys.has(juc.iss)) {
        c.debug('User JWT issuer is not known');
        return null;
      }
      const scope = acc.signingKeys.get(juc.iss) as ScopedKey | null;
      // A scoped signing key imposes its template's permissions and limits.
      if (scope !== null) user = { ...juc.nats, ...scope.template };
    }
    if (acc.expires !== 0 && Date.now() > acc.expires) {
      c.debug('Account JWT has expired');
      return null;
    }
    if (user.bearer_token) {
      if (acc.jwt && (decodeQuiet(acc.jwt)?.nats.disallow_bearer ?? false)) {
        c.debug('Account does not allow bearer tokens');
        return null;
      }
    } else if (!verifyNonceSig(c, juc.sub)) {
      return null;
    }
    if (acc.isUserRevoked(juc.sub, juc.iat)) {
      c.debug('User authentication revoked');
      return null;
    }
    if (!validateSrc(user.src, c.host)) {
      c.error(`Bad src Ip ${c.host}`);
      return null;
    }
    const validFor = validateTimes(user.times, user.locale);
    if (validFor === null) {
      c.error('Outside connect times');
      return null;
    }
    let permissions = jwtPermissions(user);
    if (permissions === undefined && acc.defaultPermissions) permissions = acc.defaultPermissions;
    let expiresAt = juc.exp ? juc.exp * 1000 : 0;
    if (validFor > 0) {
      const until = Date.now() + validFor;
      if (expiresAt === 0 || until < expiresAt) expiresAt = until;
    }
    c.debug(`Authenticated JWT: Client ${JSON.stringify(juc.sub)} (claim-name: ${JSON.stringify(juc.name)}, claim-tags: [${(juc.nats.tags ?? []).join(' ')}]) ` +
      `signed with ${JSON.stringify(juc.iss)} by Account ${JSON.stringify(issuer)} (claim-name: ${JSON.stringify(acc.nameTag)}, claim-tags: []) signed with ${JSON.stringify(acc.issuer)}`);
    return { account: acc, claims: juc, permissions, maxPayload: cap(user.payload), maxSubscriptions: cap(user.subs), expiresAt };
  }
}

function decodeQuiet(token: string): ClaimsData<AccountClaims> | null {
  try {
    return jwtLib().decode<AccountClaims>(token);
  } catch {
    return null;
  }
}

/** Is every subject matching `a` matched by `b`? */
function subjectCovered(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < y.length; i++) {
    if (y[i] === '>') return i < x.length;
    if (i >= x.length) return false;
    if (y[i] === '*') { if (x[i] === '>') return false; continue; }
    if (x[i] !== y[i]) return false;
  }
  return x.length === y.length;
}

/** Go's time.Time String() in UTC: 2026-11-21 06:26:05 +0000 UTC. */
function goTime(unix: number): string {
  return new Date(unix * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC');
}

function fmtMicros(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(3)}µs` : `${ms.toFixed(3)}ms`;
}
