// Authentication of a CONNECT (nats-server auth.go processClientOrLeafAuthentication): who the user
// is, which account, what permissions and user limits — an AuthResult. The connection applies it
// (Client.bind, applyAccountLimits).
//
// The Authenticator is built from ServerOptions and holds no connection state, so a reload can build
// a new one and swap it in (reloadAuthorization in auth-reload.ts). Methods, in the reference's order:
// operator mode (user JWT signed by a trusted operator's account) · nkey users (nonce signature) ·
// users (user/password, bcrypt or plain, with no_auth_user for clients that send no credentials) ·
// token · single user/password. Secrets are compared in constant time and never logged.
import { timingSafeEqual, createHash, randomBytes } from 'node:crypto';
import { bcryptCompare } from './bcrypt-pool.js';
import { TsnatsError, goQuote } from '../errors.js';
import * as C from '../const.js';
import { normalizePermissions } from './permissions.js';
import { OperatorTrust } from './jwt.js';
import { verifyNonceSig } from './jwt-checks.js';
import { goToUpper } from '../protocol/gostrings.js';
import type { ServerOptions, UserConfig, Permissions } from '../options.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Account } from '../accounts/account.js';
import { tlsMapUser, usersFromMap } from '../tls/map.js';

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

/** The credentials a connection is checked against besides the users: top-level, or the websocket block's. */
interface SimpleCreds {
  token: string;
  username: string;
  password: string;
  noAuthUser: string;
}

/** allowed_connection_types' name for a connection type (client.go connectionTypeAllowed). */
export function connectionTypeName(type: string): string {
  return type === 'websocket' ? 'WEBSOCKET' : type === 'leafnode' ? 'LEAFNODE' : 'STANDARD';
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
   * The websocket block's user/password, token or no_auth_user, which replace the top-level ones
   * for WebSocket clients (wsConfigAuth authOverride); null when it sets none of them.
   */
  private readonly wsOverride: SimpleCreds | null;

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
    const wa = o.websocket?.authorization;
    const wsNoAuth = o.websocket?.noAuthUser ?? '';
    this.wsOverride =
      wa?.user || wa?.token || wsNoAuth
        ? { token: wa?.token ?? '', username: wa?.user ?? '', password: wa?.password ?? '', noAuthUser: wsNoAuth }
        : null;
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
    for (const n of [this.noAuthUser, this.wsOverride?.noAuthUser ?? '']) {
      if (n && !this.users.has(n)) {
        throw new TsnatsError('AUTH_CONFIG', `no_auth_user: ${JSON.stringify(n)} not present as user or nkey in authorization block or account configuration`);
      }
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

  /**
   * Some method is configured: CONNECT must authenticate, and the auth timer runs. For a WebSocket
   * client (`type`), also when the websocket block sets its own credentials (authOverride).
   */
  required(type = 'nats'): boolean {
    if (this.operator !== null || this.nkeys.size > 0 || this.users.size > 0 || this.username !== '' || this.token !== '') return true;
    return type === 'websocket' && this.wsOverride !== null;
  }

  /**
   * INFO announces auth_required and ops before CONNECT are refused. A no_auth_user lifts both
   * (clients without credentials are that user), though the auth timer still runs (captured).
   * WebSocket clients: also true when the websocket block sets credentials (createWSClient).
   */
  expectConnect(type = 'nats'): boolean {
    const top = this.required() && this.noAuthUser === '';
    return top || (type === 'websocket' && this.wsOverride !== null);
  }

  /** The websocket block sets its own credentials for WebSocket clients. */
  get websocketOverride(): boolean {
    return this.wsOverride !== null;
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

  /**
   * verify_and_map (auth.go checkClientTLSCertSubject): the user is the one the client's verified
   * certificate names (email, DNS or URI SAN, or the subject DN; tls/map.ts). A user in CONNECT is
   * ignored with the reference's warning; a password in CONNECT is still compared with the mapped
   * user's (usually none), as the reference does.
   */
  private mapFromCertificate(c: Client): AuthResult | null | Promise<AuthResult | null> {
    const srv = this.srv;
    const co = c.opts;
    if (c.tls === null) {
      c.debug('User required in cert, no TLS connection state');
      c.tlsError = 'verify_and_map: the connection is not TLS';
      srv.emit('client:tls_error', c, 'unmapped');
      return null;
    }
    const r = tlsMapUser(c.tls.peer, usersFromMap(this.users), (u) => connectionTypeAllowed(u.cfg, connectionTypeName(c.type)), c.tls.peerCerts.length);
    for (const d of r.debug) c.debug(d);
    if (r.user === null) {
      c.tlsError = `certificate not mapped to a user: ${r.debug[r.debug.length - 1] ?? 'no identity'}`;
      srv.emit('client:tls_error', c, 'unmapped');
      return null;
    }
    const u = r.user;
    if (co.user !== '') srv.log.warn(`User ${goQuote(co.user)} found in connect proto, but user required from cert`);
    // The reference writes the mapped user into the CONNECT options (logs then name it).
    const name = u.cfg.user ?? r.name!;
    co.user = name;
    return then(comparePasswords(u.cfg.password ?? '', co.pass), (v) => (v ? { user: name, account: u.account, permissions: u.permissions, expiresAt: 0 } : null));
  }

  /** Startup lines: trusted operators (INF), plaintext passwords (WRN, checkAuthforWarnings). */
  logStartup(): void {
    const log = this.srv.log;
    if (this.operator) {
      for (const l of this.operator.startupLines()) log.notice(l);
      for (const l of this.operator.preloadWarnings()) log.warn(l);
    }
    const plain = (p: string | undefined) => p !== undefined && !isBcrypt(p);
    // Users mapped from certificates need no password (unless one was left in the config).
    const tlsMap = this.opts.tls?.verifyAndMap === true;
    const users = [...this.users.values()].filter((u) => !(tlsMap && !u.cfg.password));
    if ((this.password !== '' && plain(this.password)) || users.some((u) => plain(u.cfg.password ?? ''))) {
      log.warn('Plaintext passwords detected, use nkeys or bcrypt');
    }
  }

  /**
   * Checks the CONNECT credentials of `c`. Synchronous, except for bcrypt hashes (a promise). null =
   * rejected; the caller sends the Authorization Violation.
   */
  authenticate(c: Client): AuthResult | null | Promise<AuthResult | null> {
    const srv = this.srv;
    if (!this.required(c.type)) return { user: '', account: srv.gacc, permissions: undefined, expiresAt: 0 };
    const co = c.opts;
    // WebSocket clients with an override are checked against the block's credentials instead of
    // the top-level ones; users, nkeys and operators are shared (processClientOrLeafAuthentication).
    const cr: SimpleCreds =
      c.type === 'websocket' && this.wsOverride !== null
        ? this.wsOverride
        : { token: this.token, username: this.username, password: this.password, noAuthUser: this.noAuthUser };
    const ctype = connectionTypeName(c.type);
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
      if (u === undefined || !connectionTypeAllowed(u.cfg, ctype)) return null;
      if (!verifyNonceSig(c, co.nkey)) return null;
      return { user: co.nkey, account: u.account, permissions: u.permissions, expiresAt: 0 };
    }
    // The client port's verify_and_map (a WebSocket listener has its own TLS settings).
    if (this.users.size > 0 && this.opts.tls?.verifyAndMap && c.type === 'nats') return this.mapFromCertificate(c);
    if (this.users.size > 0) {
      // no_auth_user: a client that sends no credentials at all is that user.
      // (The client's CONNECT options are left as sent, so a reload can check them again.)
      const noAuth = cr.noAuthUser !== '' && co.user === '' && co.pass === '' && co.auth_token === '';
      const name = noAuth ? cr.noAuthUser : co.user;
      if (name !== '') {
        const u = this.users.get(name);
        if (u === undefined || !connectionTypeAllowed(u.cfg, ctype)) return null;
        const ok = noAuth ? true : comparePasswords(u.cfg.password ?? '', co.pass);
        return then(ok, (v) => (v ? { user: name, account: u.account, permissions: u.permissions, expiresAt: 0 } : null));
      }
    }
    const grant = (): AuthResult => ({ user: co.user, account: srv.gacc, permissions: undefined, expiresAt: 0 });
    if (cr.token !== '') return then(comparePasswords(cr.token, co.auth_token), (v) => (v ? { ...grant(), user: '' } : null));
    if (cr.username !== '') {
      if (!safeEqual(cr.username, co.user)) return null;
      return then(comparePasswords(cr.password, co.pass), (v) => (v ? grant() : null));
    }
    return null;
  }
}

/** allowed_connection_types: empty allows every type; else the connection's (STANDARD, WEBSOCKET, LEAFNODE) must be listed. */
function connectionTypeAllowed(u: UserConfig, want: string): boolean {
  const t = u.allowedConnectionTypes;
  return t === undefined || t.length === 0 || t.some((x) => goToUpper(x) === want);
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
  const acc = op.updateAccountClaims(srv, jwt);
  // The account's new limits apply to its open connections (UpdateAccountClaims → applyAccountLimits).
  for (const c of [...acc.clients]) if (!c.closed) c.applyAccountLimits();
  return acc;
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
  if (!c.bind(r)) return false;
  c.connectReceived = true;
  srv.clientConnected(c);
  return true;
}
