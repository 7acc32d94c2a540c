// Reloading the authorization configuration (nats-server reload.go reloadAuthorization,
// client.go processSubsOnConfigReload): a new Authenticator is built from the new options and
// swapped in, accounts get their new limits, exports and imports, and every open connection is
// checked again with the CONNECT it sent: a connection whose credentials no longer pass gets
// -ERR 'Authorization Violation' and is closed (so its reconnect with the old credentials is refused
// too); the others get their new permissions, and subscriptions they may no longer hold are removed
// with -ERR 'Permissions Violation for Subscription to "x" (sid "1")'.
import { Account } from '../accounts/account.js';
import { Authenticator, authUserDesc, type AuthResult } from './auth.js';
import { configureAccounts } from '../accounts/account-config.js';
import { addShadowSubscriptions, removeShadowSubscriptions } from '../accounts/imports.js';
import { goQuote, goQuoteBytes } from '../errors.js';
import type { ServerOptions } from '../options.js';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';

/** The options a reload of authorization may change. */
const AUTH_FIELDS = [
  'username', 'password', 'authorization', 'users', 'authTimeout', 'defaultPermissions', 'noAuthUser', 'accounts',
  'trustedOperators', 'resolverPreload',
] as const satisfies readonly (keyof ServerOptions)[];

function merged(srv: Server, next: Partial<ServerOptions>): ServerOptions {
  const opts: ServerOptions = { ...srv.opts };
  for (const k of AUTH_FIELDS) if (k in next) (opts as unknown as Record<string, unknown>)[k] = next[k];
  return opts;
}

/**
 * Builds the authorization of `next` on scratch accounts without touching the server: throws
 * (TsnatsError) what the reload would fail with. A reload calls it before changing anything.
 */
export function checkAuthorization(srv: Server, next: Partial<ServerOptions>): void {
  const opts = merged(srv, next);
  const cache = !opts.disableSublistCache;
  const scratch = new Map<string, Account>();
  for (const name of srv.accounts.keys()) scratch.set(name, new Account(name, cache));
  configureAccounts(scratch, opts.accounts ?? [], (n) => new Account(n, cache));
  new Authenticator(opts, { gacc: scratch.get(srv.gacc.name)!, accounts: scratch, log: srv.log } as unknown as Server).operator?.close();
}

/**
 * Applies the authorization part of `next` (full or partial options) to a running server.
 * Everything is validated before anything changes: on error (TsnatsError) the server is untouched.
 * Resolves once every open connection was checked again (bcrypt checks are asynchronous).
 */
export async function reloadAuthorization(srv: Server, next: Partial<ServerOptions>): Promise<void> {
  checkAuthorization(srv, next);
  const opts = merged(srv, next);
  const cache = !opts.disableSublistCache;

  configureAccounts(srv.accounts, opts.accounts ?? [], (n) => new Account(n, cache));
  // services (the system account's exports, every account's imports of them) add theirs again
  srv.accountsChanged();
  const auth = new Authenticator(opts, srv);
  srv.auth.operator?.close();
  srv.auth = auth;
  auth.operator?.refreshAccounts(srv);
  for (const k of AUTH_FIELDS) (srv.opts as unknown as Record<string, unknown>)[k] = (opts as unknown as Record<string, unknown>)[k];

  const checks: Promise<void>[] = [];
  for (const c of [...srv.clients.values()]) {
    if (c.closed || !c.connectReceived) continue;
    const r = auth.authenticate(c);
    if (r instanceof Promise) checks.push(r.then((x) => recheck(srv, c, x), () => recheck(srv, c, null)));
    else recheck(srv, c, r);
  }
  await Promise.all(checks);
}

/** The outcome of checking an open connection again. */
function recheck(srv: Server, c: Client, r: AuthResult | null): void {
  if (c.closed) return;
  if (r === null) {
    // Why, then authViolation: [ERR] authentication error …, -ERR 'Authorization Violation', close.
    c.warn(`Credentials no longer valid after reload${c.user ? ` - User ${goQuote(c.user)}` : ''}`);
    c.authViolation();
    return;
  }
  c.grant(r);
  const perms = c.perms;
  if (c.subs === null) return;
  for (const sub of [...c.subs.values()]) {
    // Stream imports may have changed: the shadow subscriptions are made again.
    removeShadowSubscriptions(sub);
    if (perms === null || perms.canSubscribe(sub.subject, sub.queue)) {
      addShadowSubscriptions(c.account, sub);
      continue;
    }
    c.unsubscribe(sub);
    c.sendErr(`Permissions Violation for Subscription to ${goQuoteBytes(sub.subject)} (sid ${goQuoteBytes(sub.sid)})`);
    srv.log.notice(`Removed sub ${goQuote(sub.subject)} (sid ${goQuote(sub.sid)}) for ${authUserDesc(c)} - not authorized`);
  }
}
