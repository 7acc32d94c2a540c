// WebSocket constants, as nats-server 2.9.10 names and uses them (server/websocket.go).

/** Frame opcodes (RFC 6455 §5.2). */
export const OP_CONTINUATION = 0;
export const OP_TEXT = 1;
export const OP_BINARY = 2;
export const OP_CLOSE = 8;
export const OP_PING = 9;
export const OP_PONG = 10;

export const FIN_BIT = 0x80;
/** Set on the first frame of a compressed message (RFC 7692 §6). */
export const RSV1_BIT = 0x40;
export const MASK_BIT = 0x80;

/** Longest control frame payload (wsMaxControlPayloadSize). */
export const MAX_CONTROL_PAYLOAD = 125;
/** Frame size limit for clients whose User-Agent starts with "Mozilla/" (wsFrameSizeForBrowsers). */
export const FRAME_SIZE_FOR_BROWSERS = 4096;
/** Flushes of at most this many bytes are sent uncompressed (wsCompressThreshold). */
export const COMPRESS_THRESHOLD = 64;

/** Close status codes (RFC 6455 §7.4.1), the ones websocket.go uses. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_NO_STATUS = 1005;
export const CLOSE_ABNORMAL = 1006;
export const CLOSE_INVALID_PAYLOAD = 1007;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_MESSAGE_TOO_BIG = 1009;
export const CLOSE_INTERNAL_ERROR = 1011;
export const CLOSE_TLS_HANDSHAKE = 1015;

/** RFC 6455 §1.3: appended to Sec-WebSocket-Key before hashing. */
export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Go's http.DefaultMaxHeaderBytes (1 MiB) plus the 4096 bytes of slack net/http allows on top. */
export const DEFAULT_MAX_HEADER_BYTES = (1 << 20) + 4096;

/** The 101 extension header nats-server answers whenever it accepts permessage-deflate (wsPMCFullResponse). */
export const PMC_RESPONSE = 'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n';
/** Answered when a client asks not to mask its frames (wsNoMaskingFullResponse). */
export const NO_MASKING_RESPONSE = 'Nats-No-Masking: true\r\n';
