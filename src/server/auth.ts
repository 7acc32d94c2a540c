// Authentication of a CONNECT (nats-server auth.go processClientOrLeafAuthentication) and the
// binding of an authenticated connection to its account, permissions and limits.
//
// The Authenticator is built from ServerOptions and holds no connection state, so a reload can build
// a new one and swap it in (reloadAuthorization in auth-reload.ts). Methods, in the reference's order:
// operator mode (user JWT signed by a trusted operator's account) · nkey users (nonce signature) ·
// users (user/password, bcrypt or plain, with no_auth_user for clients that send no credentials) ·
// token · single user/password. Secrets are compared in constant time and never logged.
import { timingSafeEqual, createHash, randomBytes } from 'node:crypto';
import { bcryptCompare } from './bcrypt-pool.js';
import { TsnatsError, ClosedState, E, goQuote } from '../errors.js';
import * as C from '../const.js';
import { normalizePermissions, clientPermissions } from './permissions.js';
import { OperatorTrust } from './jwt.js';
import { verifyNonceSig } from './jwt-checks.js';
import { decodeUserClaims } from './jwt-claims.js';
import { goToUpper } from '../protocol/gostrings.js';
import type { ServerOptions, UserConfig, Permissions } from '../options.js';
import type { Client } from './client.js';
import type { Server } from './server.js';
import type { Account } from './account.js';

/** What a successful authentication grants. */
export interface AuthResult {
  /** The authorized user as /connz shows it: user name, nkey, JWT user key; '' for token or no auth. */
  user: string;
  account: Account;
  permissions: Permissions | undefined;
  /** User-level limits (JWT), combined with the account's and the server's. */
  maxPayload?: number;
  maxSubscriptions?: number;
  /** When the credentials expire (ms since epoch); 0 = never. */
  expiresAt: number;
  /** Operator mode: the user's public key and issue time. */
  jwtUser?: { sub: string; iat: number };
}

/** A configured user (users list, accounts' users, nkey users), resolved to its account and permissions. */
interface ConfiguredUser {
  cfg: UserConfig;
  account: Account;
  permissions: Permissions | undefined;
}

/** A bcrypt hash, compared with bcrypt (isBcrypt: `$2a$`, `$2b$`, `$2x$`, `$2y$` and a 2-digit cost). */
const BCRYPT_RE = /^\$2[abxy]\$\d{2}\$.*/;
export function isBcrypt(s: string): boolean {
  return BCRYPT_RE.test(s);
}

/** Constant-time comparison: both sides are hashed first, so the length does not leak either. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** comparePasswords: bcrypt (in a worker thread, off the event loop) or constant-time plain comparison. */
export function comparePasswords(server: string, client: string): boolean | Promise<boolean> {
  if (isBcrypt(server)) {
    // bcryptjs knows $2a$/$2b$/$2y$; $2x$ hashes are read as $2a$.
    const h = server.startsWith('$2x$') ? '$2a$' + server.slice(4) : server;
    return bcryptCompare(client, h);
  }
  return safeEqual(server, client);
}

function then<T, R>(v: T | Promise<T>, f: (v: T) => R): R | Promise<R> {
  return v instanceof Promise ? v.then(f) : f(v);
}

export class Authenticator {
  private readonly users = new Map<string, ConfiguredUser>();
  private readonly nkeys = new Map<string, ConfiguredUser>();
  readonly operator: OperatorTrust | null;
  private readonly token: string;
  private readonly username: string;
  private readonly password: string;
  private readonly noAuthUser: string;

  /**
   * Builds the authenticator for `opts`, with the accounts already configured on `srv`
   * (account-config.ts). Throws TsnatsError on a configuration the reference refuses.
   */
  constructor(readonly opts: ServerOptions, private readonly srv: Server) {
    const o = opts;
    this.token = o.authorization ?? '';
    this.username = o.username ?? '';
    this.password = o.password ?? '';
    this.noAuthUser = o.noAuthUser ?? '';
    const authUsers = o.users ?? [];
    const accountUsers = (o.accounts ?? []).flatMap((a) => (a.users ?? []).map((u) => ({ u, a: a.name })));
    if (authUsers.length > 0 && this.token) throw new TsnatsError('AUTH_CONFIG', 'Can not have a token and a users array');
    if (authUsers.length > 0 && this.username) throw new TsnatsError('AUTH_CONFIG', 'Can not have a single user/pass and a users array');
    const trusted = o.trustedOperators ?? [];
    if (trusted.length > 0 && (authUsers.length > 0 || accountUsers.length > 0)) {
      throw new TsnatsError('AUTH_CONFIG', 'operator mode: users are defined by JWTs, not in the configuration');
    }
    this.operator = trusted.length > 0 ? new OperatorTrust(trusted, o.resolverPreload ?? {}) : null;
    const defaults = normalizePermissions(o.defaultPermissions);
    const add = (u: UserConfig, accName: string | undefined, accDefaults: Permissions | undefined) => {
      const account = accName === undefined ? srv.gacc : srv.accounts.get(accName);
      const who = u.nkey ?? u.user ?? '';
      if (account === undefined) throw new TsnatsError('ACCOUNT_NOT_DEFINED', `user ${JSON.stringify(who)}: account ${JSON.stringify(accName)} not defined`);
      const cu: ConfiguredUser = { cfg: u, account, permissions: normalizePermissions(u.permissions) ?? accDefaults };
      if (u.nkey) {
        if (!/^U[A-Z2-7]{55}$/.test(u.nkey)) throw new TsnatsError('AUTH_CONFIG', `Not a valid public nkey for a user: ${JSON.stringify(u.nkey)}`);
        this.nkeys.set(u.nkey, cu);
      } else if (u.user !== undefined) {
        this.users.set(u.user, cu);
      }
    };
    // authorization.default_permissions apply to authorization users; account users get their account's.
    for (const u of authUsers) add(u, u.account, defaults);
    for (const { u, a } of accountUsers) add(u, a, srv.accounts.get(a)?.defaultPermissions);
    if (this.noAuthUser && !this.users.has(this.noAuthUser)) {
      throw new TsnatsError('AUTH_CONFIG', `no_auth_user: ${JSON.stringify(this.noAuthUser)} not present as user or nkey in authorization block or account configuration`);
    }
  }

  /**
   * Operator mode: the system account, an account JWT named by `systemAccount` (a public key) or by
   * the operator's system_account; null when not in operator mode or not resolvable.
   */
  systemAccount(): Account | null {
    const op = this.operator;
    if (op === null) return null;
    const key = this.opts.systemAccount !== C.DEFAULT_SYSTEM_ACCOUNT ? this.opts.systemAccount : op.systemAccount;
    if (key === undefined) return null;
    try {
      return op.lookupAccount(this.srv, key);
    } catch (e) {
      this.srv.log.error(`System account ${JSON.stringify(key)} not usable: ${(e as Error).message}`);
      return null;
    }
  }

  /** Some method is configured: CONNECT must authenticate, and the auth timer runs. */
  required(): boolean {
    return this.operator !== null || this.nkeys.size > 0 || this.users.size > 0 || this.username !== '' || this.token !== '';
  }

  /**
   * INFO announces auth_required and ops before CONNECT are refused. A no_auth_user lifts both
   * (clients without credentials are that user), though the auth timer still runs (captured).
   */
  expectConnect(): boolean {
    return this.required() && this.noAuthUser === '';
  }

  /** The grant of the no_auth_user, or null when none is configured. */
  noAuthUserResult(): AuthResult | null {
    const u = this.noAuthUser === '' ? undefined : this.users.get(this.noAuthUser);
    if (u === undefined) return null;
    return { user: this.noAuthUser, account: u.account, permissions: u.permissions, expiresAt: 0 };
  }

  /** INFO carries a nonce to sign when nkey users or trusted operators are configured. */
  nonceRequired(): boolean {
    return this.operator !== null || this.nkeys.size > 0;
  }

  /** 11 random bytes, base64 RawURL: 15 characters. */
  newNonce(): string {
    return randomBytes(C.NONCE_BYTES).toString('base64url');
  }

  /** The [ERR] line of an authentication failure (authViolation): what it names depends on the setup. */
  failureLog(c: Client): string {
    if (this.operator !== null) return 'authentication error';
    if (this.nkeys.size > 0) return `authentication error - Nkey ${goQuote(c.opts.nkey)}`;
    if (this.users.size > 0) return `authentication error - User ${goQuote(c.opts.user)}`;
    return 'authentication error';
  }

  /** Startup lines: trusted operators (INF), plaintext passwords (WRN, checkAuthforWarnings). */
  logStartup(): void {
    const log = this.srv.log;
    if (this.operator) {
      for (const l of this.operator.startupLines()) log.notice(l);
      for (const l of this.operator.preloadWarnings()) log.warn(l);
    }
    const plain = (p: string | undefined) => p !== undefined && !isBcrypt(p);
    if ((this.password !== '' && plain(this.password)) || [...this.users.values()].some((u) => plain(u.cfg.password ?? ''))) {
      log.warn('Plaintext passwords detected, use nkeys or bcrypt');
    }
  }

  /**
   * Checks the CONNECT credentials of `c`. Synchronous, except for bcrypt hashes (a promise). null =
   * rejected; the caller sends the Authorization Violation.
   */
  authenticate(c: Client): AuthResult | null | Promise<AuthResult | null> {
    const srv = this.srv;
    if (!this.required()) return { user: '', account: srv.gacc, permissions: undefined, expiresAt: 0 };
    const co = c.opts;
    if (this.operator !== null) {
      const r = this.operator.authenticate(srv, c);
      if (r === null) return null;
      return {
        user: r.claims.sub, account: r.account, permissions: r.permissions, maxPayload: r.maxPayload,
        maxSubscriptions: r.maxSubscriptions, expiresAt: r.expiresAt, jwtUser: { sub: r.claims.sub, iat: Number(r.claims.iat) },
      };
    }
    if (this.nkeys.size > 0 && co.nkey !== '') {
      const u = this.nkeys.get(co.nkey);
      if (u === undefined || !connectionTypeAllowed(u.cfg)) return null;
      if (!verifyNonceSig(c, co.nkey)) return null;
      return { user: co.nkey, account: u.account, permissions: u.permissions, expiresAt: 0 };
    }
    if (this.users.size > 0) {
      // no_auth_user: a client that sends no credentials at all is that user.
      // (The client's CONNECT options are left as sent, so a reload can check them again.)
      const noAuth = this.noAuthUser !== '' && co.user === '' && co.pass === '' && co.auth_token === '';
      const name = noAuth ? this.noAuthUser : co.user;
      if (name !== '') {
        const u = this.users.get(name);
        if (u === undefined || !connectionTypeAllowed(u.cfg)) return null;
        const ok = noAuth ? true : comparePasswords(u.cfg.password ?? '', co.pass);
        return then(ok, (v) => (v ? { user: name, account: u.account, permissions: u.permissions, expiresAt: 0 } : null));
      }
    }
    const grant = (): AuthResult => ({ user: co.user, account: srv.gacc, permissions: undefined, expiresAt: 0 });
    if (this.token !== '') return then(comparePasswords(this.token, co.auth_token), (v) => (v ? { ...grant(), user: '' } : null));
    if (this.username !== '') {
      if (!safeEqual(this.username, co.user)) return null;
      return then(comparePasswords(this.password, co.pass), (v) => (v ? grant() : null));
    }
    return null;
  }
}

/** allowed_connection_types: this server takes STANDARD (TCP) connections only, so far. */
function connectionTypeAllowed(u: UserConfig): boolean {
  const t = u.allowedConnectionTypes;
  return t === undefined || t.length === 0 || t.some((x) => goToUpper(x) === 'STANDARD');
}

/**
 * Binds an authenticated connection (RegisterUser/RegisterNkeyUser, registerWithAccount,
 * applyAccountLimits): account (with its max_connections), permissions, payload and subscription
 * limits, and the expiry of JWT credentials. Returns false when the connection was closed here.
 */
export function bindClient(srv: Server, c: Client, r: AuthResult | null): boolean {
  if (r === null || c.closed) return false;
  c.user = r.user;
  const acc = r.account;
  if (acc !== c.account) {
    if (acc.maxConnectionsReached()) {
      // maxAccountConnExceeded: -ERR, [ERR], close. A JWT user's registration is attempted twice
      // by the reference, which logs the line twice, and then applies the account's limits, which
      // log an exceeded subscription limit of 0 (captured with an account JWT without limits).
      c.sendErr(E.MaxAccountConnections);
      c.error(E.MaxAccountConnections);
      if (r.jwtUser) {
        c.error(E.MaxAccountConnections);
        if (minLimit(r.maxSubscriptions ?? -1, acc.msubs)[0] === 0) c.error(E.MaxSubscriptions);
      }
      c.closeConnection(ClosedState.MaxAccountConnectionsExceeded);
      return false;
    }
    c.account.removeClient(c);
    c.account = acc;
    acc.addClient(c);
  }
  applyLimits(srv, c, r);
  c.perms = clientPermissions(r.permissions, (m) => c.error(m));
  c.jwtUser = r.jwtUser ?? null;
  if (r.expiresAt > 0) setExpiry(c, r.expiresAt);
  return true;
}

/** The lower of two limits where -1 is none (minLimit); and whether it changed. */
function minLimit(v: number, limit: number): [number, boolean] {
  if (v !== -1) return limit !== -1 && limit < v ? [limit, true] : [v, false];
  return limit !== -1 ? [limit, true] : [v, false];
}

/**
 * Payload and subscription limits of a connection (applyAccountLimits): the user's (JWT) and the
 * account's, then the server's when lower (with the reference's [ERR] line). A connection that is
 * already at its subscription limit (a limit of 0) is told and closed 20ms later.
 */
export function applyLimits(srv: Server, c: Client, r: AuthResult): void {
  const o = srv.opts;
  const acc = r.account;
  let [mpay] = minLimit(r.maxPayload ?? -1, acc.mpay);
  let [msubs] = minLimit(r.maxSubscriptions ?? -1, acc.msubs);
  let was = mpay === -1;
  let changed: boolean;
  [mpay, changed] = minLimit(mpay, o.maxPayload > 0 ? o.maxPayload : -1);
  if (changed && !was) c.error(`Max Payload set to ${o.maxPayload} from server overrides account or user config`);
  was = msubs === -1;
  [msubs, changed] = minLimit(msubs, o.maxSubscriptions > 0 ? o.maxSubscriptions : -1);
  if (changed && !was) c.error(`Max Subscriptions set to ${o.maxSubscriptions} from server overrides account or user config`);
  c.mpay = mpay;
  c.msubs = msubs;
  if (msubs !== -1 && (c.subs?.size ?? 0) >= msubs) {
    c.sendErr(E.MaxSubscriptions);
    c.error(E.MaxSubscriptions);
    const t = setTimeout(() => c.closeConnection(ClosedState.MaxSubscriptionsExceeded), 20);
    t.unref?.();
  }
}

/** Limits of an open connection combined again, after a reload of max_payload or max_subscriptions. */
export function refreshLimits(srv: Server, c: Client): void {
  let user = { payload: -1, subs: -1 };
  const op = srv.auth.operator;
  if (c.jwtUser !== null && op !== null) {
    try {
      user = op.userLimits(c.account, decodeUserClaims(c.opts.jwt));
    } catch {
      /* verified at CONNECT */
    }
  }
  applyLimits(srv, c, { user: c.user, account: c.account, permissions: undefined, expiresAt: 0, maxPayload: user.payload, maxSubscriptions: user.subs });
}

/** JWT expiry (setExpirationTimer): -ERR 'User Authentication Expired', close as Authentication Expired. */
function setExpiry(c: Client, at: number): void {
  const t = setTimeout(() => {
    if (c.closed) return;
    c.sendErr(E.UserAuthExpired);
    c.debug(E.UserAuthExpired);
    c.closeConnection(ClosedState.AuthenticationExpired);
  }, Math.max(at - Date.now(), 0));
  t.unref?.();
  c.sock.once('close', () => clearTimeout(t));
}

/** Authenticates and binds (Server.checkAuthentication); a promise only for bcrypt. */
export function checkAuthentication(srv: Server, auth: Authenticator, c: Client): boolean | Promise<boolean> {
  return then(auth.authenticate(c), (r) => bindClient(srv, c, r));
}

/** Who a connection is in violation log lines (getAuthUser): Nkey, User, JWT User, or User "N/A". */
export function authUserDesc(c: Client): string {
  const o = c.opts;
  if (o.nkey !== '') return `Nkey ${goQuote(o.nkey)}`;
  if (o.user !== '') return `User ${goQuote(o.user)}`;
  // no_auth_user: the reference writes the user into the CONNECT options; we keep it in c.user.
  if (o.jwt === '' && c.user !== '') return `User ${goQuote(c.user)}`;
  if (o.jwt !== '' && c.jwtUser !== null) return `JWT User ${goQuote(c.jwtUser.sub)}`;
  return 'User "N/A"';
}

/**
 * A CONNECT line for the trace log with its secrets replaced (removePassFromTrace): the reference
 * hides `pass`; tsnats also hides `auth_token` and `sig` (docs/auth.md).
 */
export function redactConnect(s: string): string {
  return s.replace(/("(?:pass|auth_token|sig)"\s*:\s*")((?:[^"\\]|\\.)*)(")/gi, '$1[REDACTED]$3');
}

/**
 * Operator mode: installs new claims for an account (as a `$SYS.REQ.ACCOUNT.<key>.CLAIMS.UPDATE`
 * would): limits, exports, imports and revocations apply at once, and connections of users the new
 * claims revoke are closed with -ERR 'User Authentication Revoked'.
 */
export function updateAccountClaims(srv: Server, jwt: string): Account {
  const op = srv.auth.operator;
  if (op === null) throw new TsnatsError('NOT_OPERATOR_MODE', 'account claims can only be updated in operator mode (trustedOperators)');
  return op.updateAccountClaims(srv, jwt);
}

/**
 * An op other than CONNECT came first on a server with a no_auth_user: the reference binds the
 * connection to that user there and then (and records the user in its CONNECT options, so a later
 * CONNECT without credentials fails unless the user has no password). Returns false when there is
 * no no_auth_user, and the op is an Authorization Violation.
 */
export function bindNoAuthUser(srv: Server, c: Client): boolean {
  const auth = srv.auth;
  const r = auth.noAuthUserResult();
  if (r === null) return false;
  c.opts.user = r.user;
  if (!bindClient(srv, c, r)) return false;
  c.connectReceived = true;
  srv.clientConnected(c);
  return true;
}
