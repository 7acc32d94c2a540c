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
import { buildClientTls } from './server.js';
import type { ClientTls } from '../transport/tls.js';
import { checkPinned } from '../tls/options.js';
import type { ClusterService } from '../services.js';
import { RouteTls } from '../cluster/tls.js';

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
  // New TLS must build (the files read again: new contents under the same names count as a change).
  let newTls: ClientTls | null | undefined; // undefined: unchanged
  if (next.tls) {
    try {
      const t = buildClientTls(next.tls);
      // With a ca_file the reference always finds tls.Config changed (its CA pool never compares
      // equal) and logs `Reloaded: tls = enabled` on every reload: so do we (the CA was re-read).
      const contextChanged = t.contextDigest !== srv.tls?.contextDigest || !!next.tls.caFile;
      if (contextChanged || diff.changes.some((c) => c.field === 'tls')) newTls = t;
      if (contextChanged && !diff.changes.some((c) => c.configName === 'tls')) {
        // after `tls timeout`, before `pinned_certs` (TLSTimeout, TLSConfig, TLSPinnedCerts)
        const at = diff.changes.findIndex((c) => c.configName === 'pinned_certs');
        const change = { field: 'tls' as const, configName: 'tls', value: next.tls, message: 'Reloaded: tls = enabled' };
        if (at < 0) diff.changes.push(change);
        else diff.changes.splice(at, 0, change);
      }
    } catch (e) {
      const error = (e as Error).message;
      srv.log.error(`Failed to reload server configuration: ${error}`);
      return { ok: false, lines: [], error };
    }
  } else if (srv.tls !== null) newTls = null;
  // cluster.tls: built again (the files re-read) whenever it is set. The reference never finds a
  // cluster's tls.Config equal to the old one and logs `Reloaded: cluster` on every such reload.
  const cluster = srv.service<ClusterService>('cluster')?.cluster ?? null;
  let newRouteTls: RouteTls | null | undefined; // undefined: unchanged
  if (cluster !== null) {
    try {
      if (next.cluster?.tls) newRouteTls = new RouteTls(next.cluster.tls);
      else if (cluster.tls !== null) newRouteTls = null;
    } catch (e) {
      const error = (e as Error).message;
      srv.log.error(`Failed to reload server configuration: ${error}`);
      return { ok: false, lines: [], error };
    }
    if (newRouteTls !== undefined && !diff.changes.some((c) => c.field === 'cluster')) {
      diff.changes.push({ field: 'cluster', configName: 'cluster', value: next.cluster, message: 'Reloaded: cluster' });
    }
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
  const oldCluster = srv.opts.cluster;
  const oldRoutes = srv.opts.routes ?? [];
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
  let recheck = () => {};
  if (newTls !== undefined) {
    // New connections use the new certificates; open ones keep their session.
    const oldPinned = srv.tls?.pinned ?? null;
    srv.tls = newTls;
    srv.tlsChanged();
    const pinned = newTls?.pinned ?? null;
    if (newTls !== null && pinned !== null && !samePins(oldPinned, pinned)) recheck = () => recheckPinned(srv, pinned);
  }
  // The cluster (cluster/cluster.ts): name, advertise, authorization, permissions; routes added and removed live.
  const cl = cluster;
  if (cl) {
    if (fields.has('cluster')) cl.clusterChanged(oldCluster, newRouteTls);
    if (fields.has('routes')) cl.routesChanged(oldRoutes, srv.opts.routes ?? []);
  }
  if (fields.has('pidFile') && srv.opts.pidFile) writeFileSync(srv.opts.pidFile, String(process.pid));
  if (fields.has('portsFileDir') && srv.opts.portsFileDir) srv.writePortsFile();
  // Swap the authenticator, check every open connection again (bcrypt checks finish later)
  if (authChanged) reloadAuthorization(srv, next).catch((e) => log.error(`Failed to reload authorization: ${(e as Error).message}`));
  // The option lines, then the pinned_certs check of open connections, then the last line (as reload.go).
  for (const l of lines.slice(0, -1)) log.notice(l);
  recheck();
  log.notice(lines[lines.length - 1]!);
  srv.configLoadTime = new Date();
  srv.emit('reload', diff.changes);
  return { ok: true, lines };
}

function samePins(a: ReadonlySet<string> | null, b: ReadonlySet<string> | null): boolean {
  if (a === null || b === null) return a === b;
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** reload.go recheckPinnedCerts: TLS clients whose certificate is no longer pinned are closed. */
function recheckPinned(srv: Server, pinned: ReadonlySet<string>): void {
  const out = [...srv.clients.values()].filter((c) => c.tls !== null && !checkPinned(c.tls.peerCerts[0] ?? null, pinned).ok);
  if (out.length === 0) return;
  srv.log.notice(`Disconnect ${out.length} clients due to pinned certs reload`);
  for (const c of out) {
    c.tlsError = 'certificate not pinned after reload';
    c.closeConnection(ClosedState.TLSHandshakeError);
  }
}
