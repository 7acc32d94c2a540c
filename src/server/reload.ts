// Live reload (SIGHUP, --signal reload): all-or-nothing, the reference's reloadable set, one
// `Reloaded: <field> = <value>` line per change, then `Reloaded server configuration`.
import { writeFileSync } from 'node:fs';
import { diffOptions, reloadLogLines } from '../config/reload.js';
import type { ServerOptions } from '../options.js';
import { FileSink, stderrSink } from '../log.js';
import { Authenticator } from './auth.js';
import { Account } from './account.js';
import type { Server } from './server.js';
import { E, ClosedState } from '../errors.js';

export interface ReloadResult {
  ok: boolean;
  /** The log lines written (success), or the reason the reload was refused. */
  lines: string[];
  error?: string;
}

/** Applies `next` to a running server, or changes nothing and says why. */
export function reloadServer(srv: Server, next: ServerOptions): ReloadResult {
  const diff = diffOptions(srv.opts, next);
  if (diff.refused.length > 0) {
    const error = diff.refused.map((r) => r.message).join('\n');
    srv.log.error(`Failed to reload server configuration: ${error}`);
    return { ok: false, lines: [], error };
  }
  const o = srv.opts as unknown as Record<string, unknown>;
  for (const c of diff.changes) o[c.field] = (next as unknown as Record<string, unknown>)[c.field];
  // Fields that change together with the ones diffed (defaults copied into users, etc.).
  srv.opts.defaultPermissions = next.defaultPermissions;
  srv.opts.resolverPreload = next.resolverPreload;
  const fields = new Set(diff.changes.map((c) => c.field));

  // Logging first, so the lines below go where the new settings say.
  const log = srv.log;
  if (fields.has('debug')) log.debug = srv.opts.debug;
  if (fields.has('trace')) log.trace = srv.opts.trace;
  if (fields.has('logtime')) log.time = srv.opts.logtime;
  if (fields.has('logFile') && srv.opts.log !== false && typeof srv.opts.log !== 'function') {
    log.setSink(srv.opts.logFile ? new FileSink(srv.opts.logFile, srv.opts.logSizeLimit) : stderrSink);
  }
  const lines = reloadLogLines(diff);
  // max_connections: close connections until within the new limit (maxConnOption.Apply).
  if (fields.has('maxConnections')) {
    const max = srv.opts.maxConnections;
    const clients = [...srv.clients.values()];
    if (max > 0 && clients.length > max) {
      let closed = 0;
      for (const c of clients) {
        if (closed >= clients.length - max) break;
        c.sendErr(E.MaxConnections);
        c.error(E.MaxConnections);
        c.closeConnection(ClosedState.MaxConnectionsExceeded);
        closed++;
      }
      log.notice(`Closed ${closed} connections to fall within max_connections`);
    }
  }
  if (fields.has('maxPayload')) {
    for (const c of srv.clients.values()) {
      const accMax = c.account?.limits.maxPayload ?? 0;
      c.mpay = accMax > 0 ? accMax : srv.opts.maxPayload;
    }
  }
  if (fields.has('pidFile') && srv.opts.pidFile) writeFileSync(srv.opts.pidFile, String(process.pid));
  if (fields.has('portsFileDir') && srv.opts.portsFileDir) srv.writePortsFile();
  const authFields = ['users', 'accounts', 'username', 'password', 'authorization', 'noAuthUser', 'authTimeout', 'resolver'];
  if (authFields.some((f) => fields.has(f as keyof ServerOptions)) || next.defaultPermissions !== undefined) reloadAuthorization(srv);
  for (const l of lines) log.notice(l);
  srv.configLoadTime = new Date();
  srv.emit('reload', diff.changes);
  return { ok: true, lines };
}

/**
 * New credentials and accounts apply to connections already open: each is checked again, and one
 * whose credentials are no longer valid is disconnected (reloadAuthorization).
 */
export function reloadAuthorization(srv: Server): void {
  for (const a of srv.opts.accounts ?? []) {
    let acc = srv.accounts.get(a.name);
    if (!acc) {
      acc = new Account(a.name, !srv.opts.disableSublistCache);
      srv.accounts.set(a.name, acc);
    }
    acc.limits = { ...a.limits };
  }
  srv.auth = new Authenticator(srv.opts);
  for (const c of [...srv.clients.values()]) {
    if (!c.connectReceived || c.closed) continue;
    const r = srv.auth.check(c);
    const account = r?.account ?? '$G';
    if (r === null || account !== c.account.name) {
      c.warn(`Credentials no longer valid after reload${c.user ? ` - User "${c.user}"` : ''}`);
      c.authViolation();
    }
  }
}
