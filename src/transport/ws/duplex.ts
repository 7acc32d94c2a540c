// A WebSocket connection as a plain byte stream: a Duplex the connection engine reads and writes as
// if it were the TCP socket. Reading deframes and unmasks the client's frames (decoder.ts) and pushes
// the NATS bytes; writing frames each write (one frame per flush, encoder.ts). Pings are answered
// here; closing sends the close frame nats-server sends for the reason (close.ts).
//
// What the engine relies on, kept truthful:
// - writableLength: the NATS bytes written and not yet accepted by the kernel. A write's callback
//   runs only when the socket has taken its frame, so this Duplex holds (and counts) everything the
//   socket has not written, and the write deadline / max_pending logic sees the real backlog.
// - pause()/resume(): stop and restart reading the socket itself, so a stalled producer's bytes stay
//   in the kernel (TCP back-pressure), as with a plain socket.
// - end(): the close frame (status from setCloseReason, or the echo of the client's close), then FIN.
//   destroy(): no close frame, as nats-server for closes without flush (slow consumer, read error).
import { Duplex } from 'node:stream';
import * as W from './const.js';
import { closePayload, closeStatusFor } from './close.js';
import { FrameDecoder } from './decoder.js';
import { controlFrame, encodeData, type EncoderOptions } from './encoder.js';

export interface WsDuplexOptions {
  /** permessage-deflate negotiated in the upgrade. */
  compress: boolean;
  /** The client may send unmasked frames ("Nats-No-Masking: true"). */
  noMasking: boolean;
  /** Browser client: outbound frames of at most 4096 bytes. */
  browser: boolean;
  /** Do not fragment compressed messages (Safari). */
  noCompressedFragments: boolean;
  /** Largest decompressed client message in bytes; larger ones close the connection with 1009. */
  maxDecompressed: number;
  /** How long a socket may take to flush a close frame before it is destroyed (ms). */
  closeTimeoutMs?: number;
}

/** The error a WebSocket protocol violation by the client raises on the Duplex ('error' event). */
export class WsProtocolError extends Error {
  /** The read-side failure text nats-server logs ("read error: <message>"). */
  constructor(
    message: string,
    /** The close status sent (or that would have been sent). */
    readonly status: number,
    readonly code = 'WS_PROTOCOL_ERROR',
  ) {
    super(message);
  }
}

export class WsDuplex extends Duplex {
  private readonly decoder: FrameDecoder;
  private readonly enc: EncoderOptions;
  /** The close frame payload to send on end(): the client's echo, or from the close reason. */
  private closeReply: Buffer | null = null;
  private closeReason: string | null = null;
  /** A close frame went to the socket (at most one is ever sent). */
  private closeSent = false;
  /** The readable side has ended (push(null) done). */
  private readEnded = false;
  /** The engine paused reading (pause()); _read must not restart the socket then. */
  private userPaused = false;
  /** Set when the socket is being closed after a close frame: let it flush instead of destroying it. */
  private lingering = false;
  private readonly closeTimeoutMs: number;

  constructor(
    readonly socket: Duplex,
    opts: WsDuplexOptions,
    head?: Buffer,
  ) {
    super({ allowHalfOpen: true, decodeStrings: true });
    this.enc = { compress: opts.compress, browser: opts.browser, noCompressedFragments: opts.noCompressedFragments };
    this.closeTimeoutMs = opts.closeTimeoutMs ?? 2000;
    this.decoder = new FrameDecoder(
      {
        data: (b) => {
          if (this.readEnded || this.destroyed) return;
          // Past the high-water mark (the engine is not reading): stop reading the socket.
          if (!this.push(b)) this.socket.pause();
        },
        ping: (p) => this.pong(p),
        close: (reply) => {
          // Echo it when the engine closes (after what it still has to send), as closeSent in websocket.go.
          this.closeReply = reply;
          this.endReadable();
        },
        error: (status, text, sendClose) => this.protocolError(status, text, sendClose),
      },
      { maskRequired: !opts.noMasking, maxDecompressed: opts.maxDecompressed },
    );
    socket.on('data', (chunk: Buffer) => {
      if (!this.decoder.done) this.decoder.feed(chunk);
    });
    socket.on('end', () => this.endReadable());
    socket.on('error', (err: Error) => {
      if (!this.destroyed) this.destroy(err);
    });
    socket.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
    if (head !== undefined && head.length > 0) this.decoder.feed(head);
  }

  /** permessage-deflate was negotiated in the upgrade. */
  get compression(): boolean {
    return this.enc.compress;
  }

  /** A browser (User-Agent "Mozilla/…"): outbound frames of at most 4096 bytes. */
  get browser(): boolean {
    return this.enc.browser;
  }

  /** The reason the engine closes with (a ClosedState string): picks the close frame end() sends. */
  setCloseReason(reason: string): void {
    this.closeReason = reason;
  }

  get remoteAddress(): string | undefined {
    return (this.socket as { remoteAddress?: string }).remoteAddress;
  }

  get remotePort(): number | undefined {
    return (this.socket as { remotePort?: number }).remotePort;
  }

  // ---------------------------------------------------------------- reading

  override _read(): void {
    if (!this.userPaused && !this.readEnded) this.socket.resume();
  }

  override pause(): this {
    this.userPaused = true;
    this.socket.pause();
    return super.pause();
  }

  override resume(): this {
    this.userPaused = false;
    super.resume();
    if (!this.readEnded) this.socket.resume();
    return this;
  }

  private endReadable(): void {
    if (this.readEnded || this.destroyed) return;
    this.readEnded = true;
    this.push(null);
  }

  /**
   * The client broke the protocol: send the close frame nats-server queues for it (when it queues
   * one), stop reading, and fail the stream with a WsProtocolError (the engine closes it as a read error).
   */
  private protocolError(status: number, text: string, sendClose: boolean): void {
    this.readEnded = true;
    if (sendClose) this.sendClose(closePayload(status, text), true);
    if (!this.destroyed) this.destroy(new WsProtocolError(text, status));
  }

  // ---------------------------------------------------------------- writing

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writeFrames([chunk], chunk.length, cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    const bufs = new Array<Buffer>(chunks.length);
    let total = 0;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!.chunk;
      bufs[i] = c;
      total += c.length;
    }
    this.writeFrames(bufs, total, cb);
  }

  /** One flush: frames handed to the socket; `cb` runs when the socket has written them. */
  private writeFrames(chunks: Buffer[], total: number, cb: (err?: Error | null) => void): void {
    const sock = this.socket;
    if (sock.destroyed || this.closeSent) {
      cb();
      return;
    }
    let frames: Buffer[];
    try {
      frames = encodeData(chunks, total, this.enc);
    } catch (e) {
      cb(e as Error);
      return;
    }
    if (frames.length === 0) {
      cb();
      return;
    }
    sock.cork();
    const last = frames.length - 1;
    for (let i = 0; i < last; i++) sock.write(frames[i]);
    sock.write(frames[last], (err?: Error | null) => cb(err));
    sock.uncork();
  }

  /** A pong not yet taken by the kernel: later pings only replace its successor. */
  private pongInFlight = false;
  private nextPong: Buffer | null = null;

  /**
   * Answers a ping. While a pong is still unwritten (a client that pings and does not read), only
   * the latest ping is answered next, as RFC 6455 §5.5.3 allows: a ping flood cannot grow the
   * socket's buffer (nats-server counts pongs in the pending bytes instead).
   */
  private pong(payload: Buffer): void {
    if (this.pongInFlight) {
      this.nextPong = payload;
      return;
    }
    const sock = this.socket;
    if (sock.destroyed || sock.writableEnded || this.closeSent) return;
    this.pongInFlight = true;
    sock.write(controlFrame(W.OP_PONG, payload), () => {
      this.pongInFlight = false;
      const next = this.nextPong;
      this.nextPong = null;
      if (next !== null) this.pong(next);
    });
  }

  /** Writes the close frame (once) and, with `end`, ends the socket after it. */
  private sendClose(payload: Buffer, end: boolean, cb?: () => void): void {
    const sock = this.socket;
    if (this.closeSent || sock.destroyed || sock.writableEnded) {
      cb?.();
      return;
    }
    this.closeSent = true;
    const frame = controlFrame(W.OP_CLOSE, payload);
    if (!end) {
      sock.write(frame, () => cb?.());
      return;
    }
    this.lingering = true;
    const t = setTimeout(() => sock.destroy(), this.closeTimeoutMs);
    t.unref?.();
    sock.once('close', () => clearTimeout(t));
    sock.end(frame, () => cb?.());
  }

  /** end(): everything written is in the socket; now the close frame, then FIN. */
  override _final(cb: (err?: Error | null) => void): void {
    let payload = this.closeReply;
    if (payload === null) {
      const reason = this.closeReason;
      payload = reason === null ? closePayload(W.CLOSE_NORMAL) : closePayload(closeStatusFor(reason), reason);
    }
    let called = false;
    const done = () => {
      if (!called) {
        called = true;
        cb();
      }
    };
    // The socket may fail or vanish instead of finishing: the Duplex ends either way.
    this.socket.once('close', done);
    this.sendClose(payload, true, done);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const sock = this.socket;
    // After a close frame, let the socket flush it (sendClose bounds the wait); otherwise no close frame.
    if (!this.lingering || sock.writableFinished) sock.destroy();
    cb(err);
  }
}
