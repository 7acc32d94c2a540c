// Operator (decentralised JWT) mode: trusted operator JWTs, a memory account resolver
// (resolver: MEMORY, resolver_preload), account claims (limits, exports, imports, revocations,
// signing keys, default permissions) and user claims (permissions, limits, src, times, bearer,
// expiry), as nats-server 2.9.10 reads them (auth.go processClientOrLeafAuthentication, accounts.go
// UpdateAccountClaims and checkActivation, server.go verifyAccountClaims, jwt.go). Every JWT is
// decoded into the jwt library's typed structs and validated by its rules (jwt-claims.ts,
// jwt-validate.ts): a claim of the wrong type or shape refuses the user, the account or the import,
// as it does for the reference; nothing here throws out of a CONNECT.
import { readFileSync } from 'node:fs';
import { parseDecoratedJWT } from '../config/jwt.js';
import { TsnatsError, ClosedState, E } from '../errors.js';
import * as C from '../const.js';
import { Account } from '../accounts/account.js';
import { applyExports, applyImports, type AccountSpec, type ImportSpec } from '../accounts/account-config.js';
import { normalizePermissions } from './permissions.js';
import { DEFAULT_RESPONSE_THRESHOLD_MS, type ResponseType, type StreamExport } from '../accounts/imports.js';
import type { JetStreamAccountLimits, Permissions } from '../options.js';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { verifyNonceSig, validateSrc, validateTimes } from './jwt-checks.js';
import {
  decodeUserClaims, decodeAccountClaims, decodeOperatorClaims, decodeActivationClaims, isValidPublicKey, SERVICE, STREAM,
  type AccountClaims, type OperatorClaims, type OperatorLimits, type UserClaims, type UserScope, type UserPermissionLimits, type Import,
  type Permission, type ResponsePermission,
} from './jwt-claims.js';
import {
  ValidationResults, validateUser, validateAccount, validateActivation, validateImport, hasEmptyPermissions,
  convertAllowedConnectionTypes, parseServerVersion, applyPermissionTemplate, nowUnix,
} from './jwt-validate.js';
import { isValidSubject } from '../subjects/subject.js';
import { monoMs } from '../clock.js';
import { Timer } from '../timers.js';

/** Unlimited in JWT limits (jwt.NoLimit). */
const NO_LIMIT = -1;

/**
 * An operator JWT given as the path of a file holding one (possibly armored as in .jwt/.creds
 * files), or inline (opts.go readOperatorJWT: a file first, then the text if it starts with "eyJ").
 */
export function readJWT(v: string): string {
  try {
    return parseDecoratedJWT(readFileSync(v, 'utf8'));
  } catch {
    if (v.startsWith('eyJ')) return parseDecoratedJWT(v);
  }
  throw new TsnatsError('BAD_OPERATOR', `operator: not a JWT or a file holding one: ${JSON.stringify(v.length > 60 ? v.slice(0, 60) + '…' : v)}`);
}

/** Go's int32(v): what nats-server keeps of an int64 limit (Account.mconns/msubs/mpay, client.mpay/msubs). */
export function int32(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

/**
 * JWT pub/sub/resp permissions in the options' shape, or undefined when there are none
 * (buildPermissionsFromJwt): empty lists count as none; resp.ttl is in nanoseconds.
 */
export function jwtPermissions(p: { pub: Permission; sub: Permission; resp: ResponsePermission | null }): Permissions | undefined {
  const out: { publish?: { allow?: string[]; deny?: string[] }; subscribe?: { allow?: string[]; deny?: string[] }; allowResponses?: { max: number; expires: number } } = {};
  let any = false;
  const has = (l: string[] | null) => l !== null && l.length > 0;
  if (has(p.pub.allow) || has(p.pub.deny)) {
    out.publish = { allow: p.pub.allow ?? undefined, deny: p.pub.deny ?? undefined };
    any = true;
  }
  if (has(p.sub.allow) || has(p.sub.deny)) {
    out.subscribe = { allow: p.sub.allow ?? undefined, deny: p.sub.deny ?? undefined };
    any = true;
  }
  if (p.resp !== null) {
    // Fractional milliseconds: a ttl of a few nanoseconds must not round to 0 (the 2 minute default).
    out.allowResponses = { max: Number(p.resp.max), expires: Number(p.resp.ttl) / 1e6 };
    any = true;
  }
  return any ? normalizePermissions(out) : undefined;
}

/** What an account JWT carries beyond the spec, kept for the users of the account. */
interface AccountState {
  claims: AccountClaims;
  /** Export activation revocations (per export). */
  exportRevocations: WeakMap<StreamExport, Map<string, bigint>>;
  disallowBearer: boolean;
  tags: string[];
}

export interface JwtAuthResult {
  account: Account;
  claims: UserClaims;
  permissions: Permissions | undefined;
  maxPayload?: number;
  maxSubscriptions?: number;
  /** ms since epoch when the user's credentials stop being valid; 0 = never. */
  expiresAt: number;
}

/** Trusted operators and the memory resolver; accounts are registered on first use, named by public key. */
export class OperatorTrust {
  readonly operators: OperatorClaims[] = [];
  /** Operator public keys (unless strict) and their signing keys (validateTrustedOperators). */
  readonly trustedKeys = new Set<string>();
  /** Signing keys of operators with strict_signing_key_usage: their accounts' own keys do not sign users. */
  private readonly strictKeys = new Set<string>();
  /** The resolver: account public key → account JWT. */
  readonly resolver = new Map<string, string>();
  /** system_account of the (first) operator that names one. */
  readonly systemAccount: string | undefined;
  private readonly expiryTimers = new Map<string, Timer>();
  private readonly state = new WeakMap<Account, AccountState>();

  /** Throws TsnatsError with the reference's wording when an operator JWT or a preload cannot be used. */
  constructor(operatorJWTs: string[], preload: Record<string, string>) {
    for (const v of operatorJWTs) {
      const token = readJWT(v);
      let oc: OperatorClaims;
      try {
        oc = decodeOperatorClaims(token);
      } catch (e) {
        throw new TsnatsError('BAD_OPERATOR', `error parsing operator JWT: ${(e as Error).message}`);
      }
      this.operators.push(oc);
    }
    // validateTrustedOperators: asserted server versions, then the trusted keys.
    const [srvMajor, srvMinor, srvUpdate] = C.VERSION.split('.').map(Number) as [number, number, number];
    for (const oc of this.operators) {
      const v = parseServerVersion(oc.nats.assert_server_version);
      if (typeof v === 'string') throw new TsnatsError('BAD_OPERATOR', `operator ${oc.sub} expects version ${oc.nats.assert_server_version} got error instead: ${v}`);
      const [major, minor, update] = v;
      if (major > srvMajor) throw new TsnatsError('BAD_OPERATOR', `operator ${oc.sub} expected major version ${major} > server major version ${srvMajor}`);
      if (major === srvMajor && minor > srvMinor) throw new TsnatsError('BAD_OPERATOR', `operator ${oc.sub} expected minor version ${minor} > server minor version ${srvMinor}`);
      if (major === srvMajor && minor === srvMinor && update > srvUpdate) throw new TsnatsError('BAD_OPERATOR', `operator ${oc.sub} expected update version ${update} > server update version ${srvUpdate}`);
    }
    for (const oc of this.operators) {
      if (!oc.nats.strict_signing_key_usage) this.trustedKeys.add(oc.sub);
      for (const k of oc.nats.signing_keys ?? []) {
        this.trustedKeys.add(k);
        if (oc.nats.strict_signing_key_usage) this.strictKeys.add(k);
      }
    }
    for (const k of this.trustedKeys) {
      if (!isValidPublicKey(k, 'O')) throw new TsnatsError('BAD_OPERATOR', `trusted Keys ${JSON.stringify(k)} are required to be a valid public operator nkey`);
    }
    this.systemAccount = this.operators.find((o) => o.nats.system_account)?.nats.system_account;
    for (const [key, token] of Object.entries(preload)) {
      try {
        decodeAccountClaims(token);
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
      out.push(`  System  : ${JSON.stringify(o.aud)}`, `  Operator: ${JSON.stringify(o.name)}`,
        `  Issued  : ${goTime(Number(o.iat))}`, `  Expires : ${o.exp !== 0n ? goTime(Number(o.exp)) : 'Never'}`);
    }
    return out;
  }

  /** checkResolvePreloads: the [WRN] lines for preloaded accounts with validation issues. */
  preloadWarnings(): string[] {
    const out: string[] = [];
    for (const [k, token] of this.resolver) {
      let ac: AccountClaims;
      try {
        ac = decodeAccountClaims(token);
      } catch {
        continue;
      }
      const vr = new ValidationResults();
      validateAccount(ac, vr);
      if (vr.isBlocking(true)) {
        out.push(`Account [${k}] has validation issues:`);
        for (const i of vr.issues) out.push(`  - ${i.description}`);
      }
    }
    return out;
  }

  /**
   * The account with this public key: registered in `srv.accounts`, or fetched from the resolver,
   * verified and registered (lookupAccount/fetchAccount). Throws with the reference's reason.
   */
  lookupAccount(srv: Server, key: string): Account {
    const have = srv.accounts.get(key);
    if (have !== undefined && have.jwt !== '') return have;
    const t0 = monoMs();
    if (!isValidPublicKey(key, 'A')) return this.fetchFailed(srv, 'will only fetch valid account keys');
    const token = this.resolver.get(key);
    if (token === undefined) return this.fetchFailed(srv, 'account missing');
    srv.log.debugf(`Account [${key}] fetch took ${fmtMicros(monoMs() - t0)}`);
    const ac = this.verifyAccountClaims(token);
    if (ac.sub !== key) throw new Error('account validation failed');
    const acc = have ?? new Account(key, !srv.opts.disableSublistCache);
    if (have === undefined) srv.accounts.set(key, acc);
    acc.issuer = ac.iss;
    this.applyClaims(srv, acc, ac, token);
    return acc;
  }

  private fetchFailed(srv: Server, msg: string): never {
    srv.log.warn(`Account fetch failed: ${msg}`);
    throw new Error(msg);
  }

  /** verifyAccountClaims: decodes, a trusted issuer, and no blocking validation issue (time included). */
  private verifyAccountClaims(token: string): AccountClaims {
    const ac = decodeAccountClaims(token);
    if (!this.trustedKeys.has(ac.iss)) throw new Error('account validation failed');
    const vr = new ValidationResults();
    validateAccount(ac, vr);
    if (vr.isBlocking(true)) throw new Error('account validation failed');
    return ac;
  }

  /** Applies (new) account claims to a registered account (UpdateAccountClaims). */
  private applyClaims(srv: Server, acc: Account, ac: AccountClaims, token: string): void {
    srv.log.debugf(`Updating account claims: ${ac.sub}/${ac.name}`);
    const n = ac.nats;
    const l = n.limits;
    const st: AccountState = { claims: ac, exportRevocations: new WeakMap(), disallowBearer: l.disallow_bearer, tags: n.tags ?? [] };
    const conns = int32(l.conn);
    const subs = int32(l.subs);
    const payload = int32(l.payload);
    const leaf = int32(l.leaf);
    const opt = (v: number) => (v === NO_LIMIT ? undefined : v);
    const spec: AccountSpec = {
      limits: { maxConnections: opt(conns), maxSubscriptions: opt(subs), maxPayload: opt(payload), maxLeafnodes: opt(leaf) },
      caps: { conns, subs, payload },
      defaultPermissions: jwtPermissions(n.default_permissions),
      streamExports: [],
      serviceExports: [],
      imports: [],
      jetstream: jsLimitsFromClaims(l),
    };
    for (const x of n.exports ?? []) {
      // An export whose subject is not a valid subject can never match an import: dropped.
      if (x === null || !isValidSubject(x.subject)) continue;
      const pos = x.account_token_position > 0n ? Number(x.account_token_position) : undefined;
      const base = { subject: x.subject, accounts: null, tokenRequired: x.token_req, ...(pos !== undefined ? { accountPos: pos } : {}) };
      if (x.type === SERVICE) {
        const rt = x.response_type === 'Stream' || x.response_type === 'Chunked' ? x.response_type : 'Singleton';
        const se = { ...base, responseType: rt as ResponseType, responseThreshold: x.response_threshold > 0n ? Number(x.response_threshold) / 1e6 : DEFAULT_RESPONSE_THRESHOLD_MS };
        spec.serviceExports.push(se);
        if (x.revocations !== null) st.exportRevocations.set(se, x.revocations);
      } else if (x.type === STREAM) {
        spec.streamExports.push(base);
        if (x.revocations !== null) st.exportRevocations.set(base, x.revocations);
      }
    }
    const claimsOf = new Map<ImportSpec, Import>();
    for (const i of n.imports ?? []) {
      if (i === null) continue;
      // Streams (AddStreamImportWithClaim): `to` is a literal prefix, local_subject a mapping.
      // Services (AddServiceImportWithClaim): the importer publishes to `subject` and the request
      // goes to `to` in the exporter; with local_subject, that is the local side and `subject` the
      // exporter's.
      let local: string;
      let subject = i.subject;
      if (i.type === STREAM) {
        if (i.to !== '' && (i.to.includes('*') || i.to.includes('>'))) {
          srv.log.debugf(`Error adding stream import to account [${ac.sub}]: stream import prefix can not contain wildcard tokens`);
          continue;
        }
        local = i.local_subject !== '' ? i.local_subject : i.to !== '' ? `${i.to.replace(/\.$/, '')}.${i.subject}` : i.subject;
      } else if (i.local_subject !== '') {
        local = i.local_subject;
      } else {
        local = i.subject;
        subject = i.to !== '' ? i.to : i.subject;
      }
      const spec1: ImportSpec = { type: i.type === SERVICE ? 'service' : 'stream', account: i.account, subject, local, token: i.token || undefined };
      claimsOf.set(spec1, i);
      spec.imports.push(spec1);
    }
    applyExports(acc, spec);
    this.state.set(acc, st);
    acc.nameTag = ac.name;
    acc.issuer = ac.iss;
    acc.jwt = token;
    // An account JWT with an expiry in the past (or a negative one) is expired at once (checkExpiration).
    acc.expires = ac.exp !== 0n ? Math.max(Number(ac.exp) * 1000, 1) : 0;
    const revocations: Record<string, number> = Object.create(null) as Record<string, number>;
    for (const [k, t] of n.revocations ?? []) revocations[k] = Number(t);
    acc.revocations = revocations;
    acc.signingKeys = new Map();
    for (const [k, scope] of n.signing_keys ?? []) acc.signingKeys.set(k, scope);
    if (!this.strictKeys.has(ac.iss)) acc.signingKeys.set(acc.name, null);
    // Imports name their exporters by key: looked up (and registered) as the reference does; an
    // import that cannot be set up is left out, the rest of the account works (incomplete imports).
    applyImports(acc, spec, (name) => {
      try {
        return this.lookupAccount(srv, name);
      } catch (e) {
        const imp = spec.imports.find((x) => x.account === name);
        srv.log.error(`Can't locate account [${name}] for import of [${imp?.subject ?? ''}] ${imp?.type ?? ''} (err=${(e as Error).message})`);
        return undefined;
      }
    }, (imp: ImportSpec, x: StreamExport, exporter: Account) => this.checkActivation(exporter, acc, claimsOf.get(imp), x),
    (imp: ImportSpec, msg: string) => srv.log.debugf(`Error adding ${imp.type} import to account [${acc.name}]: ${msg}`));
    // services add their imports again (applyImports replaced them)
    srv.accountsChanged(acc);
    this.setAccountExpiry(acc);
  }

  /**
   * An activation token for a token_req export (checkActivation): the import and its token valid
   * (Import.Validate: issuer, importer, kind, subject), the token trusted by the exporter, not
   * expired, not revoked by the export.
   */
  private checkActivation(exporter: Account, importer: Account, claim: Import | undefined, x: StreamExport): boolean {
    if (claim === undefined || claim.token === '') return false;
    try {
      let vr = new ValidationResults();
      validateImport(claim, importer.name, vr);
      if (vr.isBlocking(true)) return false;
      const act = decodeActivationClaims(claim.token);
      // isIssuerClaimTrusted: signed by the exporter, or by one of its signing keys on its behalf.
      if (act.nats.issuer_account !== '') {
        if (act.nats.issuer_account !== exporter.name) return false;
        if (!exporter.signingKeys.has(act.iss)) return false;
      }
      vr = new ValidationResults();
      validateActivation(act, vr, true);
      if (vr.isBlocking(true)) return false;
      if (act.exp !== 0n && act.exp <= BigInt(nowUnix())) return false;
      const revoked = this.state.get(exporter)?.exportRevocations.get(x);
      if (revoked !== undefined && revoked.size > 0) {
        const iat = act.iat;
        const t = revoked.get(act.sub);
        const all = revoked.get('*');
        if ((t !== undefined && t >= iat) || (all !== undefined && all >= iat)) return false;
      }
      return true;
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
    const ac = this.verifyAccountClaims(token);
    const prev = this.resolver.get(ac.sub);
    if (prev !== undefined) {
      try {
        if (decodeAccountClaims(prev).iat > ac.iat) throw new Error('account JWT is older than the one in use');
      } catch (e) {
        if ((e as Error).message.startsWith('account JWT is older')) throw e;
      }
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

  /** The user's payload and subscription limits (applyAccountLimits): its own, or its scope's. */
  userLimits(acc: Account, juc: UserClaims): { payload: number; subs: number } {
    let payload = int32(juc.nats.payload);
    let subs = int32(juc.nats.subs);
    if (juc.nats.issuer_account !== '' && juc.nats.issuer_account !== juc.iss) {
      const scope = acc.signingKeys.get(juc.iss) as UserScope | null | undefined;
      if (scope) {
        payload = int32(scope.template.payload);
        subs = int32(scope.template.subs);
      }
    }
    return { payload, subs };
  }

  /**
   * Checks a CONNECT in operator mode. Returns null (after a debug line saying why, as the
   * reference) when the client is rejected. Never throws.
   */
  authenticate(srv: Server, c: Client): JwtAuthResult | null {
    try {
      return this.authenticateJWT(srv, c);
    } catch (e) {
      c.debug(`User JWT not valid: ${(e as Error).message}`);
      return null;
    }
  }

  private authenticateJWT(srv: Server, c: Client): JwtAuthResult | null {
    const o = c.opts;
    if (o.jwt === '') {
      c.debug('Authentication requires a user JWT');
      return null;
    }
    let juc: UserClaims;
    try {
      juc = decodeUserClaims(o.jwt);
    } catch (e) {
      c.debug(`User JWT not valid: ${(e as Error).message}`);
      return null;
    }
    const vr = new ValidationResults();
    validateUser(juc, vr);
    if (vr.isBlocking(true)) {
      c.debug(`User JWT no longer valid: ${vr.toString()}`);
      return null;
    }
    const types = convertAllowedConnectionTypes(juc.nats.allowed_connection_types);
    if (types.unknown.length > 0) {
      c.debug(`invalid connection types [${types.unknown.map((t) => JSON.stringify(t.toUpperCase())).join(' ')}]`);
      if (types.known.size === 0) return null;
    }
    // The connection's own type must be listed (connectionTypeAllowed).
    const want = c.type === 'websocket' ? 'WEBSOCKET' : c.type === 'leafnode' ? 'LEAFNODE' : 'STANDARD';
    if (types.known.size > 0 && !types.known.has(want)) {
      c.debug('Connection type not allowed');
      return null;
    }
    const issuer = juc.nats.issuer_account !== '' ? juc.nats.issuer_account : juc.iss;
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
    const st = this.state.get(acc);
    let user: UserPermissionLimits = juc.nats;
    if (!acc.signingKeys.has(juc.iss)) {
      c.debug('User JWT issuer is not known');
      return null;
    }
    const scope = acc.signingKeys.get(juc.iss) as UserScope | null;
    if (scope !== null) {
      // A scoped signing key: the user carries no permissions or limits of its own; the scope's
      // template (with its {{…}} references filled in) is what applies.
      if (!hasEmptyPermissions(juc.nats)) {
        c.debug('User JWT is not valid: scoped users require no permissions or limits set');
        return null;
      }
      const applied = applyPermissionTemplate(scope.template, {
        name: juc.name, subject: juc.sub, accountName: acc.nameTag, issuerAccount: juc.nats.issuer_account,
        userTags: juc.nats.tags ?? [], accountTags: st?.tags ?? [],
      }, isValidSubject);
      if (applied === null) {
        c.debug('User JWT generated invalid permissions');
        return null;
      }
      user = applied;
    }
    if (acc.expires !== 0 && Date.now() >= acc.expires) {
      c.debug('Account JWT has expired');
      return null;
    }
    if (user.bearer_token && (st?.disallowBearer ?? false)) {
      c.debug('Account does not allow bearer token');
      return null;
    }
    if (!user.bearer_token && !verifyNonceSig(c, juc.sub)) return null;
    if (acc.isUserRevoked(juc.sub, Number(juc.iat))) {
      c.debug('User authentication revoked');
      return null;
    }
    if (!validateSrc(user.src, c.host)) {
      c.error(`Bad src Ip ${c.host}`);
      return null;
    }
    const validFor = validateTimes(user.times, user.times_location);
    if (validFor === null) {
      c.error('Outside connect times');
      return null;
    }
    let permissions = jwtPermissions(user);
    if (permissions === undefined && acc.defaultPermissions) permissions = acc.defaultPermissions;
    // setExpiration: the user expires (exp − now) whole seconds from now, now being the current
    // Unix second; an exp in the past (a negative one passes validation) expires it at once. A
    // `times` window that ends sooner ends it sooner.
    let expiresAt = 0;
    if (juc.exp !== 0n) {
      const tn = BigInt(nowUnix());
      const inMs = juc.exp > tn ? Number(juc.exp - tn) * 1000 : 0;
      expiresAt = Date.now() + (validFor !== 0 && validFor < inMs ? validFor : inMs);
    } else if (validFor !== 0) {
      expiresAt = Date.now() + validFor;
    }
    const limits = this.userLimits(acc, juc);
    c.debug(`Authenticated JWT: Client ${JSON.stringify(juc.sub)} (claim-name: ${JSON.stringify(juc.name)}, claim-tags: [${(juc.nats.tags ?? []).join(' ')}]) ` +
      `signed with ${JSON.stringify(juc.iss)} by Account ${JSON.stringify(issuer)} (claim-name: ${JSON.stringify(acc.nameTag)}, claim-tags: []) signed with ${JSON.stringify(acc.issuer)}`);
    return { account: acc, claims: juc, permissions, maxPayload: limits.payload, maxSubscriptions: limits.subs, expiresAt };
  }
}

/** Go's time.Time String() in UTC: 2026-11-21 06:26:05 +0000 UTC. */
function goTime(unix: number): string {
  const d = new Date(unix * 1000);
  if (Number.isNaN(d.getTime())) return String(unix);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC');
}

function fmtMicros(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(3)}µs` : `${ms.toFixed(3)}ms`;
}

/**
 * The account's JetStream limits from its JWT limits (UpdateAccountClaims): enabled when its
 * storage limits are not both 0 (IsJSEnabled); without them, the tier "R1" of `tiered_limits`
 * stands for a single server's streams. Limits of 0 or less on the per-stream sizes and
 * max_ack_pending are "no limit" (toUnlimited).
 */
function jsLimitsFromClaims(l: OperatorLimits): JetStreamAccountLimits | null {
  const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);
  const unl = (v: unknown): number => (num(v) > 0 ? num(v) : -1);
  const tier = (t: Record<string, unknown>): JetStreamAccountLimits => ({
    maxMemory: num(t.mem_storage), maxStore: num(t.disk_storage), maxStreams: num(t.streams), maxConsumers: num(t.consumer),
    maxAckPending: unl(t.max_ack_pending), memoryMaxStreamBytes: unl(t.mem_max_stream_bytes), storeMaxStreamBytes: unl(t.disk_max_stream_bytes),
    maxBytesRequired: t.max_bytes_required === true,
  });
  if (num(l.mem_storage) !== 0 || num(l.disk_storage) !== 0) return tier(l as unknown as Record<string, unknown>);
  const r1 = l.tiered_limits?.get('R1');
  if (r1 !== undefined && (num(r1.mem_storage) !== 0 || num(r1.disk_storage) !== 0)) return tier(r1);
  return null;
}
