// Live reload (SIGHUP, --signal reload): all-or-nothing, the reference's reloadable set, one
// `Reloaded: <field> = <value>` line per change, then `Reloaded server configuration`.
import { writeFileSync } from 'node:fs';
import { diffOptions, reloadLogLines } from '../config/reload.js';
import type { ServerOptions } from '../options.js';
import { validateOptions } from '../options-validate.js';
import { FileSink, stderrSink } from '../log.js';
import { checkAuthorization, reloadAuthorization } from '../auth/auth-reload.js';
import type { Server } from './server.js';
import { E, ClosedState } from '../errors.js';

export interface ReloadResult {
  ok: boolean;
  /** The log lines written (success), or the reason the reload was refused. */
  lines: string[];
  error?: string;
}

/**
 * Where a reload gets its new options: the CLI reads the config file again and merges its flags
 * over it (as SIGHUP does); an Error says why there are none (a config file that does not parse).
 */
export type Reloader = () => ServerOptions | Error;

/** The reference's answer when the server has no config file to read again (Server.Reload). */
export const NO_CONFIG_FILE = 'can only reload config when a file is provided using -c or --config';

/**
 * A reload as SIGHUP and `$SYS.REQ.SERVER.<id>.RELOAD` ask for it: the reloader's options applied,
 * or the reason there are none, logged as `Failed to reload server configuration: <reason>`.
 */
export function reloadFromSource(srv: Server, reloader: Reloader | null): ReloadResult {
  const next = reloader === null ? new Error(NO_CONFIG_FILE) : reloader();
  if (next instanceof Error) {
    srv.log.error(`Failed to reload server configuration: ${next.message}`);
    return { ok: false, lines: [], error: next.message };
  }
  return reloadServer(srv, next);
}

/** Applies `next` to a running server, or changes nothing and says why. */
export function reloadServer(srv: Server, next: ServerOptions): ReloadResult {
  const invalid = validateOptions(next);
  if (invalid.length > 0) {
    const error = invalid.map((i) => i.message).join('\n');
    srv.log.error(`Failed to reload server configuration: ${error}`);
    return { ok: false, lines: [], error };
  }
  const diff = diffOptions(srv.opts, next);
  if (diff.refused.length > 0) {
    const error = diff.refused.map((r) => r.message).join('\n');
    srv.log.error(`Failed to reload server configuration: ${error}`);
    return { ok: false, lines: [], error };
  }
  // The new authorization must build (accounts, imports, users) before anything changes.
  const authFields = ['users', 'accounts', 'username', 'password', 'authorization', 'noAuthUser', 'authTimeout', 'resolver', 'resolverPreload', 'trustedOperators', 'defaultPermissions'];
  const authChanged = diff.changes.some((c) => authFields.includes(c.field)) || next.defaultPermissions !== undefined;
  if (authChanged) {
    try {
      checkAuthorization(srv, next);
    } catch (e) {
      const error = (e as Error).message;
      srv.log.error(`Failed to reload server configuration: ${error}`);
      return { ok: false, lines: [], error };
    }
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
  if (fields.has('maxPayload') && !authChanged) {
    // the user's, account's and server's limits combined again (applyAccountLimits)
    for (const c of srv.clients.values()) if (c.connectReceived) c.applyAccountLimits();
  }
  if (fields.has('pidFile') && srv.opts.pidFile) writeFileSync(srv.opts.pidFile, String(process.pid));
  if (fields.has('portsFileDir') && srv.opts.portsFileDir) srv.writePortsFile();
  // Swap the authenticator, check every open connection again (bcrypt checks finish later)
  if (authChanged) reloadAuthorization(srv, next).catch((e) => log.error(`Failed to reload authorization: ${(e as Error).message}`));
  for (const l of lines) log.notice(l);
  srv.configLoadTime = new Date();
  srv.emit('reload', diff.changes);
  return { ok: true, lines };
}
