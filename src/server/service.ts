// What plugs into the engine: the HTTP monitor, the system account, and next the cluster,
// leafnodes, WebSocket and JetStream. The engine knows services only through this interface; the
// wiring (src/services.ts) decides which ones a server gets. A service is attached before start().
import type { Account } from '../accounts/account.js';

export interface Service {
  /** A short name ('monitor', 'system', 'cluster', …): Server.service(name) finds it. */
  readonly name: string;
  /**
   * Starts listening or publishing, before the client listener opens, in the order services were
   * attached (the monitor is first, as the reference logs it first). A rejection aborts the start.
   */
  start?(): Promise<void> | void;
  /**
   * Called once the client listener is bound (its port known), before `Server is ready`: the
   * cluster opens its listener and dials its routes here (the reference's StartRouting waits for
   * the client port). A rejection aborts the start.
   */
  listening?(): Promise<void> | void;
  /**
   * Stops, at shutdown, in reverse order of attachment. The synchronous part runs before clients
   * are closed (the system account's SHUTDOWN event is the last thing it publishes); the returned
   * promise is awaited after the sockets are gone.
   */
  stop?(): Promise<void> | void;
  /**
   * The configuration of `acc` (or, without it, of every account) was applied again — at start,
   * on reload, on new JWT claims — which drops service-added imports and exports: add them again.
   */
  accountsChanged?(acc?: Account): void;
  /** A reload replaced the TLS certificates (srv.tls): listeners that serve them pick them up. */
  tlsChanged?(): void;
  /**
   * Lame duck mode: stop accepting new connections on the service's own listener (nats-server
   * closes its WebSocket listener too); connections already accepted stay.
   */
  stopAccepting?(): Promise<void> | void;
  /** Entries for the ports file, e.g. { monitoring: ['http://127.0.0.1:8222'] }. */
  portsEntries?(): Record<string, string[]>;
}
