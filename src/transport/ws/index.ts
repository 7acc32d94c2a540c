// WebSocket transport (nats-server's websocket {} listener): upgrade, framing, and a Duplex that
// carries the NATS byte stream for the connection engine. See docs/reference/websocket-2.9.10.md.
export { WebSocketListener, serveHandshake, type WebSocketListenerOptions, type HandshakeServeOptions, type Upgraded } from './listener.js';
export { WsDuplex, WsProtocolError, type WsDuplexOptions } from './duplex.js';
export { handleRequest, acceptKey, offersPermessageDeflate, readCookie, type HandshakeOptions, type HandshakeResult, type UpgradeParams, type WsKind } from './handshake.js';
export { OriginChecker, allowedOriginError } from './origin.js';
export { FrameDecoder, unmask, type FrameSink, type DecoderOptions } from './decoder.js';
export { encodeData, frameHeader, controlFrame, type EncoderOptions } from './encoder.js';
export { closeStatusFor, closePayload } from './close.js';
export { inflateMessage, deflateMessage, DecompressedTooLarge } from './deflate.js';
