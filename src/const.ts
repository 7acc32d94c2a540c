// Every default of the server, one line of comment each. Values mirror nats-server 2.9
// (server/const.go, opts.go setBaselineOptions) unless the comment says otherwise.

/** The version we announce in INFO and /varz. We follow the 2.9 wire protocol. */
export const VERSION = '2.9.10';
/** tsnats' own version (package.json), shown in the startup log. */
export const TSNATS_VERSION = '0.1.0';
/** Protocol level announced in INFO (`proto`): 1 = supports async INFO. */
export const PROTO_VERSION = 1;
/** Default client port. */
export const DEFAULT_PORT = 4222;
/** Default bind address. */
export const DEFAULT_HOST = '0.0.0.0';
/** Keepalive: the server PINGs a client every 2 minutes (DEFAULT_PING_INTERVAL). */
export const DEFAULT_PING_INTERVAL_MS = 2 * 60 * 1000;
/** Keepalive: a client may leave 2 PINGs unanswered (DEFAULT_PING_MAX_OUT); the 3rd tick closes it. */
export const DEFAULT_PING_MAX = 2;
/** The first PING after CONNECT comes at most 2s later (firstClientPingInterval), plus up to 20% jitter. */
export const FIRST_CLIENT_PING_INTERVAL_MS = 2000;
/** A route's first PING comes at most 1s after the connection (firstPingInterval), plus up to 20% jitter. */
export const FIRST_PING_INTERVAL_MS = 1000;
/** An RTT sample is forced when the last one is older than this (1h, as the reference). */
export const RTT_REFRESH_MS = 60 * 60 * 1000;
/** tsnats extension: a PING unanswered this long closes the connection; 0 = off (reference behaviour). */
export const DEFAULT_PING_TIMEOUT_MS = 0;
/** Largest PUB/HPUB payload (MAX_PAYLOAD_SIZE, 1 MiB). */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** Above this max_payload the reference warns (8 MB). */
export const MAX_PAYLOAD_WARN = 8 * 1024 * 1024;
/** Outbound bytes a client may have pending before it is a slow consumer (MAX_PENDING_SIZE, 64 MiB). */
export const DEFAULT_MAX_PENDING = 64 * 1024 * 1024;
/** Longest control line accepted from a client (MAX_CONTROL_LINE_SIZE). */
export const DEFAULT_MAX_CONTROL_LINE = 4096;
/** Server-wide connection limit (DEFAULT_MAX_CONNECTIONS). */
export const DEFAULT_MAX_CONNECTIONS = 64 * 1024;
/** Per-connection subscription limit; 0 = unlimited. */
export const DEFAULT_MAX_SUBSCRIPTIONS = 0;
/** A flush that cannot complete within this is a slow consumer (DEFAULT_FLUSH_DEADLINE, 10s since 2.2). */
export const DEFAULT_WRITE_DEADLINE_MS = 10_000;
/** Time a client has to send CONNECT when auth is required (AUTH_TIMEOUT, 2s). */
export const DEFAULT_AUTH_TIMEOUT_MS = 2000;
/** TLS handshake timeout (TLS_TIMEOUT, 2s); reported in /varz as tls_timeout. */
export const DEFAULT_TLS_TIMEOUT_MS = 2000;
/**
 * websocket.handshake_timeout default: the HTTP upgrade request must be complete within 2 s (the TLS
 * handshake's limit). tsnats: nats-server 2.9.10 (and its main branch) has no default, so a request
 * that never finishes holds its connection forever.
 */
export const DEFAULT_WS_HANDSHAKE_TIMEOUT_MS = 2000;
/** Closed connections remembered for /connz?state=closed (DEFAULT_MAX_CLOSED_CLIENTS). */
export const DEFAULT_MAX_CLOSED_CLIENTS = 10_000;
/** Lame duck: spread closes over 2 minutes (DEFAULT_LAME_DUCK_DURATION); minimum 30s. */
export const DEFAULT_LAME_DUCK_DURATION_MS = 2 * 60 * 1000;
/** Lame duck: wait this long before the first close (DEFAULT_LAME_DUCK_GRACE_PERIOD). */
export const DEFAULT_LAME_DUCK_GRACE_PERIOD_MS = 10_000;
/** TCP keepalive probe delay on accepted sockets (the Go default of 15s); 0 disables. tsnats: configurable. */
export const DEFAULT_TCP_KEEPALIVE_MS = 15_000;
/** busy_poll (tsnats): how long the event loop keeps polling without sleeping after a flush. */
export const DEFAULT_BUSY_POLL_MS = 0.1;
/** The largest busy_poll accepted: past this the CPU spent buys no latency. */
export const MAX_BUSY_POLL_MS = 10;
/** Producer stall: a publisher waits at most this long for a slow subscriber (stallClientMaxDuration). */
export const STALL_MAX_MS = 1000;
/** Producer stall: and at least this long (stallClientMinDuration). */
export const STALL_MIN_MS = 100;
/**
 * Bytes a connection may read in one turn of the event loop before it yields to the others: a
 * flooding publisher cannot starve unrelated connections (libuv reads a busy socket up to 32 × 64 KB
 * per turn). Smaller is fairer and costs throughput (each yield is a turn, and so a flush, more); it
 * applies only under contention (READ_CONTENTION_MS), so a lone flooder pays nothing
 * (docs/performance.md, isolation). tsnats: nats-server gets this from Go's scheduler.
 */
export const READ_BUDGET_BYTES = 256 * 1024;
/**
 * The yield happens only while there is contention: another connection was read within this
 * window. A lone flooder (pub/sub 1:1) has nobody to yield to, and yielding cost it ~20 % of its
 * throughput; a client that reads every ~100 ms or more often keeps the yield on for it.
 */
export const READ_CONTENTION_MS = 100;
/**
 * Units of internal work (server.noteWork: direct gets, API requests) after which the pending output
 * is written in the middle of a read batch rather than at its end (~100–200 µs of work).
 */
export const FLUSH_EARLY_WORK = 32;
/** A read batch that takes this long logs `Readloop processing time` (readLoopReportThreshold). */
export const READ_LOOP_REPORT_MS = 2000;
/** Number of subject → match results cached per account (slCacheMax). */
export const SUBLIST_CACHE_MAX = 1024;
/** Connect-error reports are logged every N attempts (DEFAULT_CONNECT_ERROR_REPORTS). */
export const DEFAULT_CONNECT_ERROR_REPORTS = 3600;
/** Reconnect-error reports are logged every N attempts (DEFAULT_RECONNECT_ERROR_REPORTS). */
export const DEFAULT_RECONNECT_ERROR_REPORTS = 1;
/** Name of the global account. */
export const GLOBAL_ACCOUNT = '$G';
/** Name of the default system account. */
export const DEFAULT_SYSTEM_ACCOUNT = '$SYS';
/** Length of the nonce announced in INFO when nkeys/JWT are configured (11 bytes, base64 RawURL). */
export const NONCE_BYTES = 11;
/** How much of an offending line is quoted in a parser-error log line (PROTO_SNIPPET_SIZE). */
export const PROTO_SNIPPET_SIZE = 32;
/** And in a max-control-line log line (MAX_CONTROL_LINE_SNIPPET_SIZE). */
export const MAX_CONTROL_LINE_SNIPPET_SIZE = 128;
