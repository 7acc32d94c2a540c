// Optional subsystems, loaded on first use (docs/performance.md, "Start-up"): a server without TLS,
// operator JWTs, WebSocket, leafnodes or a cluster never loads their code, nor the Node builtins only
// they use (node:tls, the crypto key and certificate code, worker_threads), and a $SYS request or a
// reload loads its handlers when it comes. Services that start asynchronously (the monitor, the
// cluster, leafnodes, JetStream) use import() in services.ts; this module is for the paths that are
// synchronous and must stay so — the Server constructor, srv.reload(), a $SYS request answered in
// the tick it arrives, option validation.
//
// need() loads a module with require(esm) (Node ≥ 20.19 and ≥ 22.12): the same module instance an
// import() of it gets. The bundles keep these paths: scripts/bundle.mjs makes each one an entry of
// dist/pkg at the same relative path, and the CLI's single-file bundle swaps this loader for one that
// requires them from inside the bundle. Where require(esm) is missing, the package's `default` export
// condition is index-eager.ts, which provides every module up front (and the CLI preloads them), so
// need() never has to load: the outcome is the same on every Node version, only slower there.
import type * as Tls from './transport/tls.js';
import type * as TlsNames from './tls/names.js';
import type * as TlsMap from './tls/map.js';
import type * as Jwt from './auth/jwt.js';
import type * as Reload from './server/reload.js';
import type * as SysRequests from './system/requests.js';
import type * as Statsz from './monitor/statsz.js';
import type * as WsOrigin from './transport/ws/origin.js';
import type * as LeafValidate from './leaf/validate.js';
import type * as ClusterUrl from './cluster/url.js';
import type * as ClusterTls from './cluster/tls.js';
import type * as TlsOptions from './tls/options.js';
import { createRequire } from 'node:module';

export interface OptionalModules {
  /** The client port's TLS (ClientTls, the handshake). */
  tls: typeof Tls;
  /** Go's TLS cipher suite and curve names (validation, --help_tls). */
  tlsNames: typeof TlsNames;
  /** TLS settings from the options (pinned_certs checks). */
  tlsOptions: typeof TlsOptions;
  /** verify_and_map: the user a client certificate names. */
  tlsMap: typeof TlsMap;
  /** Operator mode: trusted operators, account and user JWTs. */
  jwt: typeof Jwt;
  /** Live reload (srv.reload, SIGHUP, $SYS.REQ.SERVER.<id>.RELOAD). */
  reload: typeof Reload;
  /** The $SYS.REQ.* handlers and the monitor functions they answer with. */
  sysRequests: typeof SysRequests;
  /** STATSZ (the system account's heartbeat). */
  statsz: typeof Statsz;
  /** websocket.allowed_origins checks. */
  wsOrigin: typeof WsOrigin;
  /** The leafnodes block's checks. */
  leafValidate: typeof LeafValidate;
  /** Route and advertise URLs. */
  clusterUrl: typeof ClusterUrl;
  /** cluster.tls (a reload builds it again). */
  clusterTls: typeof ClusterTls;
}

export type OptionalName = keyof OptionalModules;

/** Where each module is, relative to this one (in dist/src and in dist/pkg alike). */
export const OPTIONAL_PATHS: { readonly [K in OptionalName]: string } = {
  tls: './transport/tls.js',
  tlsNames: './tls/names.js',
  tlsOptions: './tls/options.js',
  tlsMap: './tls/map.js',
  jwt: './auth/jwt.js',
  reload: './server/reload.js',
  sysRequests: './system/requests.js',
  statsz: './monitor/statsz.js',
  wsOrigin: './transport/ws/origin.js',
  leafValidate: './leaf/validate.js',
  clusterUrl: './cluster/url.js',
  clusterTls: './cluster/tls.js',
};

const loaded: Partial<OptionalModules> = {};
let req: ((id: string) => unknown) | null = null;

/** The module `name`, loaded now if it was not yet (synchronously). */
export function need<K extends OptionalName>(name: K): OptionalModules[K] {
  const m = loaded[name];
  if (m !== undefined) return m;
  req ??= createRequire(import.meta.url);
  return (loaded[name] = req(OPTIONAL_PATHS[name]) as OptionalModules[K]);
}

/** Whether `name` is loaded (for tests and the start-up figures: what a run did not load). */
export function isLoaded(name: OptionalName): boolean {
  return loaded[name] !== undefined;
}

/** Registers modules loaded some other way (index-eager.ts, preloadAll). */
export function provide(mods: Partial<OptionalModules>): void {
  Object.assign(loaded, mods);
}

/** Whether this Node can require() an ES module (else everything is provided up front). */
export function canRequireEsm(): boolean {
  return (process.features as { require_module?: boolean }).require_module === true;
}

/** Loads every optional module (the CLI, on a Node without require(esm)). */
export async function preloadAll(): Promise<void> {
  for (const name of Object.keys(OPTIONAL_PATHS) as OptionalName[]) {
    if (loaded[name] === undefined) provide({ [name]: await import(OPTIONAL_PATHS[name]) });
  }
}
