// Typed server options: the TypeScript API uses camelCase of nats-server's config names
// (ping_interval → pingInterval). Durations are milliseconds, sizes are bytes.
import type { TlsOptions } from 'node:tls';
import * as C from './const.js';
import type { TlsConfig } from './tls/options.js';

export type { TlsConfig } from './tls/options.js';

/** Subject permissions: allow/deny lists (deny wins). */
export interface SubjectPermission {
  allow?: string[];
  deny?: string[];
}

/** allow_responses: a responder may publish to reply subjects it received, `max` times within `expires` ms. */
export interface ResponsePermission {
  max: number;
  expires: number;
}

export interface Permissions {
  publish?: SubjectPermission;
  subscribe?: SubjectPermission;
  allowResponses?: ResponsePermission;
}

/** A configured user (authorization.users / accounts.X.users). */
export interface UserConfig {
  user?: string;
  password?: string;
  nkey?: string;
  account?: string;
  permissions?: Permissions;
  allowedConnectionTypes?: string[];
}

/**
 * An account's JetStream limits (accounts.X.jetstream { … }, or a JWT's `limits`): -1 = no limit.
 * Sizes in bytes.
 */
export interface JetStreamAccountLimits {
  /** max_mem / max_memory / mem / memory: memory storage the account's streams may use. */
  maxMemory: number;
  /** max_file / max_store / max_disk / store / disk: file storage. */
  maxStore: number;
  /** max_streams / streams. */
  maxStreams: number;
  /** max_consumers / consumers: per stream, as the reference applies it. */
  maxConsumers: number;
  /** max_ack_pending: caps the consumers' max_ack_pending. */
  maxAckPending: number;
  /** memory_max_stream_bytes / mem_max_stream_bytes: the largest max_bytes of a memory stream. */
  memoryMaxStreamBytes: number;
  /** store_max_stream_bytes / disk_max_stream_bytes: the largest max_bytes of a file stream. */
  storeMaxStreamBytes: number;
  /** max_bytes_required: every stream must set max_bytes. */
  maxBytesRequired: boolean;
}

/**
 * JetStream for the whole server (`jetstream { … }`, `-js`, `-sd`). Sizes in bytes (0 or -1: derived
 * from the machine, as the reference: 75% of memory, the free disk space of the store directory).
 */
export interface JetStreamOptions {
  /** enabled (default true when the block is present). */
  enabled?: boolean;
  /** store_dir: the server keeps its data in `<store_dir>/jetstream` (default: the OS temp dir). */
  storeDir?: string;
  /** max_memory_store / max_mem_store / max_mem. */
  maxMemoryStore?: number;
  /** max_file_store / max_file. */
  maxFileStore?: number;
  /** domain. */
  domain?: string;
  /** limits { max_request_batch, max_ack_pending, duplicate_window, max_ha_assets } (duration in ms). */
  limits?: { maxRequestBatch?: number; maxAckPending?: number; duplicateWindow?: number; maxHaAssets?: number };
  /**
   * memory_only (tsnats extension, "the in-memory test mode"): every stream is kept in memory whatever
   * its `storage` says, nothing is written to disk (no store directory is created or read). Streams
   * keep reporting their configured storage type and the file store's byte accounting, so clients see
   * what they would see on disk; what is stored is lost when the server stops.
   */
  memoryOnly?: boolean;
  /** sync_always (tsnats extension): fsync every batch of a file stream before its acks go out. */
  syncAlways?: boolean;
}

export interface AccountLimits {
  /** max_connections / max_conn / conn: active connections in the account (-1 or 0 = unlimited). */
  maxConnections?: number;
  /** max_subscriptions / max_subs: per connection, as the reference. */
  maxSubscriptions?: number;
  /** max_payload / max_pay: per connection, announced by async INFO. */
  maxPayload?: number;
  maxLeafnodes?: number;
}

export interface StreamExport { stream: string; accounts?: string[] }
export interface ServiceExport {
  service: string;
  accounts?: string[];
  responseType?: 'Singleton' | 'Stream' | 'Chunked';
}
export interface StreamImport { stream: { account: string; subject: string }; prefix?: string; to?: string }
export interface ServiceImport { service: { account: string; subject: string }; to?: string }

export interface AccountConfig {
  name: string;
  users?: UserConfig[];
  nkey?: string;
  limits?: AccountLimits;
  exports?: (StreamExport | ServiceExport)[];
  imports?: (StreamImport | ServiceImport)[];
  defaultPermissions?: Permissions;
  /** jetstream: true/'enabled' = no limits, false = off, an object = these limits (others -1). */
  jetstream?: boolean | Partial<JetStreamAccountLimits>;
}

/** cluster.permissions: what this server imports from (sends interest for) and exports to its routes. */
export interface RoutePermissions {
  import?: SubjectPermission;
  export?: SubjectPermission;
}

/**
 * cluster { … }: the route listener and how routes authenticate (nats-server ClusterOpts). Clustering
 * is on when `port` is set (not 0); -1 picks a free port.
 */
export interface ClusterOptions {
  /** cluster.name; unset: a random name (NUID) that adopts the first configured peer's name. */
  name?: string;
  /** cluster.host (listen's host); default 0.0.0.0. */
  host?: string;
  /** cluster.port; 0 or unset = no cluster, -1 = a free port. */
  port?: number;
  /** cluster.advertise: host[:port] announced to peers for gossip (implicit routes). */
  advertise?: string;
  /** cluster.no_advertise: do not add the cluster's client URLs to clients' connect_urls. */
  noAdvertise?: boolean;
  /** cluster.authorization user/password a peer's CONNECT must carry (and gossiped routes send). */
  username?: string;
  password?: string;
  /** cluster.authorization.timeout (ms); default 2s. */
  authTimeout?: number;
  /** cluster.connect_retries: dial attempts of an implicit (gossiped) route before giving up; default 0. */
  connectRetries?: number;
  permissions?: RoutePermissions;
  /**
   * cluster.tls: routes over TLS in both directions (route.go createRoute): the handshake comes
   * first, before CONNECT/INFO; a peer's certificate is always required and verified against
   * `caFile` (whatever `verify` says), and a dialled peer's against the route URL's host unless
   * `insecure`. `verifyAndMap` / `checkKnownUrls` authorize a peer by its certificate.
   */
  tls?: TlsConfig;
}

/** resolver: where account JWTs come from in operator mode (nats-server's MEMORY, URL(…) or a directory). */
export type ResolverConfig = { type: 'memory' } | { type: 'url'; url: string } | { type: 'full' | 'cache'; dir: string };

/** websocket.authorization: credentials that replace the top-level ones for WebSocket clients. */
export interface WebsocketAuthorization {
  user?: string;
  password?: string;
  token?: string;
  /** timeout (ms): the auth timeout of WebSocket clients; 0 or absent = authorization.timeout. */
  timeout?: number;
}

/**
 * websocket {}: nats-server's WebSocket listener for browsers and nats.js `wsconnect`
 * (docs/websocket.md). Absent = no listener.
 */
export interface WebsocketOptions {
  /** host / net. API default: the server's `host`; the config file's default is 0.0.0.0, as nats-server. */
  host?: string;
  /** port: 0 or -1 pick a free port (the config file maps -1 here; its 0 means no listener). */
  port: number;
  /** advertise: the URL given to the cluster (ws_connect_urls). */
  advertise?: string;
  /**
   * no_tls: plain ws://. The config file requires `no_tls: true` without `tls` (nats-server:
   * "websocket requires TLS configuration"); the API allows plain ws:// when neither is given.
   */
  noTls?: boolean;
  /** TLS for wss:// as node:tls options (API). */
  tls?: TlsOptions;
  /** TLS for wss:// as a `tls {}` block (the config file's `websocket { tls {} }`; the API may use it too). */
  tlsConfig?: TlsConfig;
  /** same_origin: the Origin header must match the request's Host. */
  sameOrigin?: boolean;
  /** allowed_origins: origins (scheme://host[:port]) a browser may connect from. */
  allowedOrigins?: string[];
  /** compression: accept permessage-deflate when the client offers it. */
  compression?: boolean;
  /**
   * handshake_timeout (ms): the HTTP upgrade request must be complete within it. Default 2 s
   * (tsnats; nats-server 2.9.10 has none); 0 = no limit.
   */
  handshakeTimeout?: number;
  /** no_auth_user for WebSocket clients that send no credentials (a user of `users`). */
  noAuthUser?: string;
  authorization?: WebsocketAuthorization;
  /** jwt_cookie: operator mode, the cookie a browser's user JWT is read from when CONNECT has none. */
  jwtCookie?: string;
}

/** A user of leafnodes.authorization.users: the hub account a leaf connecting as it is bound to. */
export interface LeafUser {
  user: string;
  password?: string;
  /** The hub account; absent = $G. */
  account?: string;
}

/** leafnodes.authorization: one user (user/password/account) or a users list, and the CONNECT timeout. */
export interface LeafAuthorization {
  user?: string;
  password?: string;
  /** The account the single user binds to; absent = $G. */
  account?: string;
  /** The CONNECT must arrive within this (ms); default 2 s. */
  timeout?: number;
  users?: LeafUser[];
}

/**
 * leafnodes.remotes[]: a hub this server joins as a leaf (nats-server RemoteLeafOpts). Each remote is
 * one connection, bound to one local account.
 */
export interface RemoteLeafOptions {
  /**
   * urls: nats-leaf://[user:pass@]host:port (nats:// accepted alike), tried in turn, then the hub's
   * advertised URLs. `url` is one URL (the config file's `url`), for `remotes: [{ url }]`.
   */
  urls?: string[];
  url?: string;
  /** account / local: the local account whose interest and messages travel on this connection; default $G. */
  account?: string;
  /** credentials / creds: a .creds file (user JWT + nkey seed) for a hub in operator mode. */
  credentials?: string;
  /** deny_imports: subjects the hub may not send here (no interest asked for, told to the hub as deny_pub). */
  denyImports?: string[];
  /** deny_exports: subjects not sent to the hub (its interest in them is ignored). */
  denyExports?: string[];
  /** hub: this side asks to be the hub (the accepting server becomes the spoke). */
  hub?: boolean;
  /** no_randomize: try the URLs in the order given (otherwise shuffled, as the reference). */
  noRandomize?: boolean;
  /**
   * tls {}: TLS to this hub (ca_file to verify it, cert_file/key_file when it verifies leafs,
   * insecure, timeout). A `tls://` URL or a hub that requires TLS uses TLS without it (system CAs).
   */
  tls?: TlsConfig;
}

/**
 * leafnodes { … } (nats-server LeafNodeOpts): a listener that accepts leaf connections (this server
 * is their hub) when `port` is set, and `remotes` this server connects to as a leaf. Either or both.
 */
export interface LeafNodeOptions {
  /** host / net; default 0.0.0.0. */
  host?: string;
  /** port: the leafnode listener; 0 or unset = none, -1 = a free port. */
  port?: number;
  /** advertise: host[:port] given to leafs in leafnode_urls instead of the listener's address. */
  advertise?: string;
  /** no_advertise: this server's leafnode URL is not gossiped to the cluster (leafs do not learn it). */
  noAdvertise?: boolean;
  authorization?: LeafAuthorization;
  remotes?: RemoteLeafOptions[];
  /** reconnect / reconnect_delay (ms): delay before re-dialling a remote; default 1 s. */
  reconnect?: number;
  /**
   * loop_delay (ms), tsnats extension: how long a remote waits before redialling after a loop, a
   * hub with the same cluster name or a permission violation; default 30 s (nats-server's fixed value).
   */
  loopDelay?: number;
  /** min_version: the lowest leaf version accepted (e.g. "2.8.0"). */
  minVersion?: string;
  /** tls {}: leafs must connect with TLS (after the hub's INFO, as nats-server); `verify` asks for their certificates. */
  tls?: TlsConfig;
}

export interface ServerOptions {
  /** server_name; defaults to the generated server id. */
  serverName?: string;
  /** host / net / addr. */
  host: string;
  /** port; -1 and 0 pick a free port. */
  port: number;
  clientAdvertise?: string;
  /** ping_interval (ms). */
  pingInterval: number;
  /** ping_max: PINGs that may stay unanswered. */
  pingMax: number;
  /** ping_timeout (ms): tsnats extension; 0 = off. */
  pingTimeout: number;
  /**
   * busy_poll (ms, fractional): tsnats extension. After a flush the event loop keeps polling the
   * sockets without sleeping for this long, so the next message is read without a wake-up (as Go's
   * scheduler spins before parking); 0 = off. At most MAX_BUSY_POLL_MS.
   */
  busyPoll: number;
  maxPayload: number;
  maxPending: number;
  maxControlLine: number;
  maxConnections: number;
  /** max_subscriptions, per connection; 0 = unlimited. */
  maxSubscriptions: number;
  /** write_deadline (ms). */
  writeDeadline: number;
  /** max_closed_clients: size of the closed-connection ring. */
  maxClosedClients: number;
  /** tcp_keepalive (ms): SO_KEEPALIVE delay on accepted sockets; 0 = off. tsnats extension. */
  tcpKeepAlive: number;
  noHeaderSupport: boolean;
  /**
   * tsnats extension: when the heap grew in a burst and is mostly free, and the servers of this
   * process are quiet, collect and compact it so the memory goes back to the system (reclaim.ts).
   */
  reclaimMemory: boolean;
  disableSublistCache: boolean;
  /** First PING at ping_interval instead of min(ping_interval, 2s) after CONNECT (DisableShortFirstPing). */
  disableShortFirstPing: boolean;

  // monitoring
  httpHost?: string;
  /** http_port; 0 = off; -1 = random. */
  httpPort: number;
  /** https_port (or `https: host:port`, `-ms`): the monitor over HTTPS with the tls {} certificates; 0 = off; -1 = random. */
  httpsPort: number;
  httpBasePath: string;

  // TLS on the client port (docs/tls.md)
  /** tls {}: certificates, client verification, handshake timeout, ciphers… (src/tls/options.ts). */
  tls?: TlsConfig;
  /** allow_non_tls: with tls {}, plaintext clients are accepted too (INFO says tls_available). */
  allowNonTls: boolean;

  // logging
  debug: boolean;
  trace: boolean;
  traceVerbose: boolean;
  logtime: boolean;
  logFile?: string;
  logSizeLimit: number;
  maxTracedMsgLen: number;
  /** false silences all log output (embedding default). */
  log?: boolean | ((line: string) => void);

  pidFile?: string;
  portsFileDir?: string;

  lameDuckDuration: number;
  lameDuckGracePeriod: number;

  // auth (authorization { ... } and flags)
  username?: string;
  password?: string;
  authorization?: string;
  users?: UserConfig[];
  /** authorization.timeout (ms). */
  authTimeout: number;
  defaultPermissions?: Permissions;
  noAuthUser?: string;
  accounts?: AccountConfig[];
  systemAccount: string;
  noSystemAccount: boolean;

  // JWT operator mode
  trustedOperators?: string[];
  resolver?: ResolverConfig;
  resolverPreload?: Record<string, string>;

  /**
   * JetStream: true (`-js`, `jetstream: enabled`) or its options (`jetstream { … }`,
   * startServer({ jetstream: { memoryOnly: true } })); false/absent = off.
   */
  jetstream?: boolean | JetStreamOptions;
  /** store_dir at the top level and `-sd` (jetstream.storeDir wins when both are set). */
  storeDir?: string;

  connectErrorReports: number;
  reconnectErrorReports: number;

  // clustering
  cluster?: ClusterOptions;
  /** cluster.routes / --routes: route URLs to solicit (nats-route://[user:pass@]host:port). */
  routes?: string[];
  /** websocket {}: the WebSocket listener; absent = none. */
  websocket?: WebsocketOptions;

  /** leafnodes {}: a leafnode listener (hub) and/or remotes (leaf). */
  leafnodes?: LeafNodeOptions;

  /** The config file the options came from, if any. */
  configFile?: string;
}

export function defaultOptions(): ServerOptions {
  return {
    host: C.DEFAULT_HOST,
    port: C.DEFAULT_PORT,
    pingInterval: C.DEFAULT_PING_INTERVAL_MS,
    pingMax: C.DEFAULT_PING_MAX,
    pingTimeout: C.DEFAULT_PING_TIMEOUT_MS,
    busyPoll: C.DEFAULT_BUSY_POLL_MS,
    maxPayload: C.DEFAULT_MAX_PAYLOAD,
    maxPending: C.DEFAULT_MAX_PENDING,
    maxControlLine: C.DEFAULT_MAX_CONTROL_LINE,
    maxConnections: C.DEFAULT_MAX_CONNECTIONS,
    maxSubscriptions: C.DEFAULT_MAX_SUBSCRIPTIONS,
    writeDeadline: C.DEFAULT_WRITE_DEADLINE_MS,
    maxClosedClients: C.DEFAULT_MAX_CLOSED_CLIENTS,
    tcpKeepAlive: C.DEFAULT_TCP_KEEPALIVE_MS,
    noHeaderSupport: false,
    reclaimMemory: true,
    disableSublistCache: false,
    disableShortFirstPing: false,
    httpPort: 0,
    httpsPort: 0,
    httpBasePath: '',
    allowNonTls: false,
    debug: false,
    trace: false,
    traceVerbose: false,
    logtime: true,
    logSizeLimit: 0,
    maxTracedMsgLen: 0,
    lameDuckDuration: C.DEFAULT_LAME_DUCK_DURATION_MS,
    lameDuckGracePeriod: C.DEFAULT_LAME_DUCK_GRACE_PERIOD_MS,
    authTimeout: C.DEFAULT_AUTH_TIMEOUT_MS,
    systemAccount: C.DEFAULT_SYSTEM_ACCOUNT,
    noSystemAccount: false,
    connectErrorReports: C.DEFAULT_CONNECT_ERROR_REPORTS,
    reconnectErrorReports: C.DEFAULT_RECONNECT_ERROR_REPORTS,
  };
}

/**
 * Options with the defaults applied, as nats-server's setBaselineOptions does: an unset
 * authorization timeout is the TLS timeout + 1 s when TLS is configured (getDefaultAuthTimeout),
 * else 2 s.
 */
export function withDefaults(o: Partial<ServerOptions>): ServerOptions {
  const set: Partial<ServerOptions> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (set as Record<string, unknown>)[k] = v;
  const out: ServerOptions = { ...defaultOptions(), ...set };
  if (set.authTimeout === undefined && set.tls) out.authTimeout = tlsTimeoutMs(set.tls) + 1000;
  return out;
}

/** The route TLS handshake timeout (cluster.tls.timeout; 2 s by default, with or without TLS, as /varz shows it). */
export function clusterTlsTimeoutMs(c: ClusterOptions | undefined): number {
  return tlsTimeoutMs(c?.tls);
}

/** The route auth timeout: cluster.authorization.timeout, else 2 s, or the TLS timeout + 1 s with TLS (getDefaultAuthTimeout). */
export function clusterAuthTimeoutMs(c: ClusterOptions | undefined): number {
  if (c?.authTimeout) return c.authTimeout;
  return c?.tls ? clusterTlsTimeoutMs(c) + 1000 : C.DEFAULT_AUTH_TIMEOUT_MS;
}

/** The TLS handshake timeout in force (tls.timeout; 0 or unset = 2 s). */
export function tlsTimeoutMs(tls: TlsConfig | undefined): number {
  const t = tls?.timeoutMs ?? 0;
  return t > 0 ? t : C.DEFAULT_TLS_TIMEOUT_MS;
}
