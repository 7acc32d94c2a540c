// The wiring: which services a server gets (server/service.ts). startServer() and the CLI build
// servers through createServer(); a bare `new Server()` is the engine alone (no monitor, no $SYS
// services). A new subsystem (cluster, leafnodes, WebSocket, JetStream) is attached here.
import { Server } from './server/server.js';
import type { Service } from './server/service.js';
import type { ServerOptions } from './options.js';
import type { MonitorServer } from './monitor/http.js';
import { SystemService } from './system/service.js';
import { registerSystemServices } from './system/imports.js';
import { Account } from './accounts/account.js';
import { jetStreamOptions } from './jetstream/options.js';
import type { JetStream } from './jetstream/service.js';
import type { JetStreamOptions } from './options.js';
import { websocketService, websocketConfig } from './transport/ws/service.js';
export type { WebsocketService } from './transport/ws/service.js';
import type { Cluster } from './cluster/cluster.js';
import type { LeafNodes } from './leaf/leafnodes.js';
import { localHostPort } from './transport/local-host.js';

/** A server with the services its options ask for (not started). */
export function createServer(options: Partial<ServerOptions> = {}): Server {
  const srv = new Server(options);
  const js = jetStreamOptions(srv.opts);
  // JetStream is a service of the system account: a server with JetStream always has one
  // (SetDefaultSystemAccount), even with no_system_account.
  if (js !== null && srv.sysAcc === null) {
    const sys = new Account(srv.opts.systemAccount, !srv.opts.disableSublistCache);
    srv.accounts.set(sys.name, sys);
    srv.sysAcc = sys;
  }
  if (srv.opts.httpPort !== 0 || srv.opts.httpsPort !== 0) srv.use(monitorService(srv));
  // After the monitor: the reference logs the websocket listener after `Starting http monitor`.
  if (srv.opts.websocket !== undefined) srv.use(websocketService(srv, websocketConfig(srv.opts)));
  // The cluster before the system account: services stop in reverse order, so the system
  // account's SHUTDOWN event is queued on the routes before they close.
  if ((srv.opts.cluster?.port ?? 0) !== 0) srv.use(clusterService(srv));
  // Leafnodes after the cluster (the route INFO carries our leafnode URL), before the system account.
  const ln = srv.opts.leafnodes;
  if (ln !== undefined && ((ln.port ?? 0) !== 0 || (ln.remotes?.length ?? 0) > 0)) srv.use(leafnodeService(srv));
  if (srv.sysAcc !== null) srv.use(systemService(srv, srv.sysAcc));
  if (js !== null) srv.use(jetStreamService(srv, js));
  return srv;
}

/** JetStream: `srv.service<JetStreamService>('jetstream')?.js` once started. */
export interface JetStreamService extends Service {
  readonly js: JetStream | null;
}

/** JetStream, loaded on demand (a server without it never loads the stores). */
function jetStreamService(srv: Server, opts: JetStreamOptions): JetStreamService {
  let js: JetStream | null = null;
  return {
    name: 'jetstream',
    get js() {
      return js;
    },
    async start() {
      const { JetStream } = await import('./jetstream/service.js');
      js = new JetStream(srv, opts);
      js.start();
    },
    stop: () => js?.stop(),
    accountsChanged: (acc) => js?.accountsChanged(acc),
  };
}

/** The HTTP monitor service: `srv.service<MonitorService>('monitor').port` is the bound port. */
export interface MonitorService extends Service {
  readonly host: string;
  /** The bound port (0 until started). */
  readonly port: number;
}

/** The HTTP monitor, loaded on demand: a server without one never loads node:http or the dashboard. */
function monitorService(srv: Server): MonitorService {
  let m: MonitorServer | null = null;
  return {
    name: 'monitor',
    get host() {
      return m?.host ?? '';
    },
    get port() {
      return m?.port ?? 0;
    },
    async start() {
      const { MonitorServer } = await import('./monitor/http.js');
      m = new MonitorServer(srv);
      await m.start();
    },
    stop: () => m?.stop(),
    tlsChanged: () => m?.updateTls(),
    portsEntries(): Record<string, string[]> {
      if (m === null) return {};
      return { monitoring: [`${srv.opts.httpsPort !== 0 ? 'https' : 'http'}://${localHostPort(m.host, m.port)}`] };
    },
  };
}

/** The cluster (routes): `srv.service<ClusterService>('cluster')?.cluster` once started. */
export interface ClusterService extends Service {
  readonly cluster: Cluster | null;
}

/** Routes, loaded on demand as the monitor is: a server without a cluster never loads them. */
function clusterService(srv: Server): ClusterService {
  let cl: Cluster | null = null;
  return {
    name: 'cluster',
    get cluster() {
      return cl;
    },
    async start() {
      const { Cluster } = await import('./cluster/cluster.js');
      cl = new Cluster(srv);
      cl.start();
    },
    listening: () => cl?.listening(),
    stop: () => cl?.stop(),
    accountsChanged: (acc) => cl?.accountsChanged(acc),
    portsEntries: () => cl?.portsEntries() ?? {},
  };
}

/** Leafnodes: `srv.service<LeafNodeService>('leafnodes')?.leafnodes` once started. */
export interface LeafNodeService extends Service {
  readonly leafnodes: LeafNodes | null;
  /** Our leafnode URL as routes announce it ('' without a listener or with no_advertise). */
  advertisedURL(): string;
}

/** Leafnodes, loaded on demand: a server without them never loads the leaf code. */
function leafnodeService(srv: Server): LeafNodeService {
  let ln: LeafNodes | null = null;
  return {
    name: 'leafnodes',
    get leafnodes() {
      return ln;
    },
    async start() {
      const { LeafNodes } = await import('./leaf/leafnodes.js');
      ln = new LeafNodes(srv);
      await ln.start();
    },
    listening: () => ln?.listening(),
    stop: () => ln?.stop(),
    accountsChanged: (acc) => ln?.accountsChanged(acc),
    portsEntries: () => ln?.portsEntries() ?? {},
    advertisedURL: () => ln?.advertisedURL() ?? '',
  };
}

/** The system account service: `srv.service<SystemAccountService>('system').service`. */
export interface SystemAccountService extends Service {
  readonly service: SystemService;
}

/** The system account: $SYS requests and events, and every account's imports of its services. */
function systemService(srv: Server, sysAcc: Account): SystemAccountService {
  const sys = new SystemService(srv, sysAcc);
  registerSystemServices(srv);
  return {
    name: 'system',
    service: sys,
    start: () => sys.start(),
    stop: () => sys.stop(),
    accountsChanged: (acc) => registerSystemServices(srv, acc),
  };
}
