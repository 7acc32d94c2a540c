// Reads client WebSocket frames from a byte stream, as nats-server's wsRead (websocket.go): any
// frame size, split across reads at any byte; payloads unmasked in place and handed on as views of
// the bytes read (no copy); binary, text and continuation payloads form one NATS byte stream;
// control frames answered in between; compressed messages inflated whole, with a hard limit.
import { isUtf8 } from 'node:buffer';
import { endianness } from 'node:os';
import * as W from './const.js';
import { DecompressedTooLarge, inflateMessage } from './deflate.js';

/** The word-at-a-time unmasking below assumes little-endian words. */
const LITTLE_ENDIAN = endianness() === 'LE';

/** What the decoder finds, in order. Every callback runs synchronously inside `feed`. */
export interface FrameSink {
  /** NATS bytes: a view of the chunk given to feed (unmasked in place), or an inflated message. */
  data(bytes: Buffer): void;
  /** A ping frame: answer with a pong carrying `payload` (a copy, safe to keep). */
  ping(payload: Buffer): void;
  /**
   * A close frame arrived; `reply` is the payload of the close frame to send back (the peer's status
   * and body, 1005 without a status, 1007 for a body that is not UTF-8), as wsHandleControlFrame.
   * Nothing after it is read.
   */
  close(reply: Buffer, status: number): void;
  /**
   * The stream is invalid. `status`/`text` are the close frame nats-server queues for it
   * (wsHandleProtocolError); `sendClose` false where it queues none (a decompression failure).
   * Nothing after it is read.
   */
  error(status: number, text: string, sendClose: boolean): void;
}

export interface DecoderOptions {
  /** Client frames must be masked (false after a `Nats-No-Masking: true` upgrade). */
  maskRequired: boolean;
  /** Largest decompressed message, in bytes (nats-server has no limit). */
  maxDecompressed: number;
}

const enum State {
  /** Reading the 2..14 header bytes. */
  Header,
  /** Reading a data frame's payload. */
  Data,
  /** Reading a control frame's payload (at most 125 bytes) into `ctl`. */
  Control,
  /** After a close frame or an error: input is ignored. */
  Done,
}

export class FrameDecoder {
  private state = State.Header;
  /** Header bytes gathered so far (a header may be split across reads). */
  private readonly hdr = Buffer.alloc(14);
  private hdrLen = 0;
  /** Bytes the current header needs in all (known once the first two bytes are in). */
  private hdrNeed = 2;

  private opcode = 0;
  private masked = false;
  private readonly key = Buffer.alloc(4);
  /** Position in the mask key of the next payload byte. */
  private keyPos = 0;
  /** Payload bytes of the current frame still to read. */
  private rem = 0;

  /** A data message is open (its last frame had no FIN): only continuations may follow. */
  private inMessage = false;
  /** The open message is compressed (RSV1 on its first frame). */
  private compressed = false;
  /** The open message's last frame is being read (FIN was set on it). */
  private finalFrame = false;
  private cparts: Buffer[] = [];
  private csize = 0;

  private ctl: Buffer = Buffer.alloc(0);
  private ctlLen = 0;

  constructor(
    private readonly sink: FrameSink,
    private readonly opts: DecoderOptions,
  ) {}

  /** True once a close frame or an error ended the stream. */
  get done(): boolean {
    return this.state === State.Done;
  }

  /** Decodes `chunk`, which this decoder may modify (unmasking) and keep views of. */
  feed(chunk: Buffer): void {
    let pos = 0;
    const end = chunk.length;
    while (pos < end) {
      switch (this.state) {
        case State.Header: {
          const n = Math.min(this.hdrNeed - this.hdrLen, end - pos);
          chunk.copy(this.hdr, this.hdrLen, pos, pos + n);
          this.hdrLen += n;
          pos += n;
          if (this.hdrLen === 2 && this.hdrNeed === 2 && !this.checkStart()) return;
          if (this.hdrLen === this.hdrNeed) {
            if (!this.headerDone()) return;
            // A control frame with an empty payload completes here.
            if ((this.state as State) === State.Control && this.rem === 0 && !this.controlDone()) return;
            if ((this.state as State) === State.Data && this.rem === 0) this.dataFrameDone();
          }
          break;
        }
        case State.Data: {
          const n = Math.min(this.rem, end - pos);
          const view = chunk.subarray(pos, pos + n);
          pos += n;
          this.rem -= n;
          if (this.masked) this.keyPos = unmask(view, this.key, this.keyPos);
          if (this.compressed) {
            this.cparts.push(view);
            this.csize += n;
            // Compressed input larger than the output limit (plus deflate's worst-case growth)
            // cannot inflate within it: stop before buffering more.
            if (this.csize > this.opts.maxDecompressed + (this.opts.maxDecompressed >> 10) + 1024) {
              this.stop(W.CLOSE_MESSAGE_TOO_BIG, new DecompressedTooLarge(this.opts.maxDecompressed).message, true);
              return;
            }
          } else if (n > 0) {
            this.sink.data(view);
          }
          if (this.rem === 0) this.dataFrameDone();
          break;
        }
        case State.Control: {
          const n = Math.min(this.rem, end - pos);
          chunk.copy(this.ctl, this.ctlLen, pos, pos + n);
          this.ctlLen += n;
          pos += n;
          this.rem -= n;
          if (this.rem === 0 && !this.controlDone()) return;
          break;
        }
        case State.Done:
          return;
      }
    }
  }

  /** The first two header bytes are in: the checks websocket.go makes before reading further. */
  private checkStart(): boolean {
    const b0 = this.hdr[0]!;
    const b1 = this.hdr[1]!;
    const op = b0 & 0x0f;
    const fin = (b0 & W.FIN_BIT) !== 0;
    const rsv1 = (b0 & W.RSV1_BIT) !== 0;
    this.masked = (b1 & W.MASK_BIT) !== 0;
    // Clients must mask (wsRead "mask bit missing"). RSV2/RSV3 are not checked, as nats-server.
    if (this.opts.maskRequired && !this.masked) return this.fail('mask bit missing');
    const len7 = b1 & 0x7f;
    switch (op) {
      case W.OP_PING:
      case W.OP_PONG:
      case W.OP_CLOSE:
        if (len7 > W.MAX_CONTROL_PAYLOAD) return this.fail(`control frame length bigger than maximum allowed of ${W.MAX_CONTROL_PAYLOAD} bytes`);
        if (!fin) return this.fail('control frame does not have final bit set');
        break;
      case W.OP_TEXT:
      case W.OP_BINARY:
        if (this.inMessage) return this.fail('new message started before final frame for previous message was received');
        this.inMessage = !fin;
        this.finalFrame = fin;
        this.compressed = rsv1;
        break;
      case W.OP_CONTINUATION:
        // Only the first frame of a message may carry RSV1.
        if (!this.inMessage || rsv1) return this.fail('invalid continuation frame');
        this.inMessage = !fin;
        this.finalFrame = fin;
        break;
      default:
        return this.fail(`unknown opcode ${op}`);
    }
    this.opcode = op;
    this.hdrNeed = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (this.masked ? 4 : 0);
    return true;
  }

  /** The whole header is in: length and mask key. */
  private headerDone(): boolean {
    const h = this.hdr;
    const len7 = h[1]! & 0x7f;
    let off = 2;
    if (len7 === 126) {
      this.rem = h.readUInt16BE(2);
      off = 4;
    } else if (len7 === 127) {
      const hi = h.readUInt32BE(2);
      // RFC 6455 §5.2: the most significant bit must be 0 (nats-server 2.9.10 panics on it).
      if (hi >= 0x80000000) return this.fail('invalid payload length');
      // Past 2^53 the count is not exact; such a frame never ends in practice.
      this.rem = hi * 0x100000000 + h.readUInt32BE(6);
      off = 10;
    } else {
      this.rem = len7;
    }
    if (this.masked) {
      h.copy(this.key, 0, off, off + 4);
      this.keyPos = 0;
    }
    this.hdrLen = 0;
    this.hdrNeed = 2;
    if (this.opcode >= W.OP_CLOSE) {
      if (this.ctl.length < this.rem) this.ctl = Buffer.alloc(W.MAX_CONTROL_PAYLOAD);
      this.ctlLen = 0;
      this.state = State.Control;
    } else {
      this.state = State.Data;
    }
    return true;
  }

  /** A data frame's payload is all read. */
  private dataFrameDone(): void {
    this.state = State.Header;
    if (!this.compressed || !this.finalFrame) return;
    // The compressed message is complete: inflate it whole.
    const parts = this.cparts;
    this.cparts = [];
    this.csize = 0;
    this.compressed = false;
    let out: Buffer;
    try {
      out = inflateMessage(parts, this.opts.maxDecompressed);
    } catch (e) {
      if (e instanceof DecompressedTooLarge) this.stop(W.CLOSE_MESSAGE_TOO_BIG, e.message, true);
      // nats-server queues no close frame for a flate error: the read error closes the connection.
      else this.stop(W.CLOSE_INVALID_PAYLOAD, `flate: ${(e as Error).message}`, false);
      return;
    }
    if (out.length > 0) this.sink.data(out);
  }

  /** A control frame's payload is all read. */
  private controlDone(): boolean {
    const payload = this.ctl.subarray(0, this.ctlLen);
    if (this.masked) unmask(payload, this.key, 0);
    this.state = State.Header;
    switch (this.opcode) {
      case W.OP_PING:
        this.sink.ping(Buffer.from(payload));
        return true;
      case W.OP_PONG:
        return true;
      default: {
        // Close: echo the status and body; no status reads as 1005; a body must be UTF-8.
        let reply: Buffer;
        let status = W.CLOSE_NO_STATUS;
        if (payload.length >= 2) {
          status = payload.readUInt16BE(0);
          reply = Buffer.from(payload);
          if (payload.length > 2 && !isUtf8(payload.subarray(2))) {
            status = W.CLOSE_INVALID_PAYLOAD;
            reply = Buffer.concat([u16(status), Buffer.from('invalid utf8 body in close frame')]);
          }
        } else {
          reply = u16(status);
        }
        this.state = State.Done;
        this.sink.close(reply, status);
        return false;
      }
    }
  }

  private fail(text: string): false {
    this.stop(W.CLOSE_PROTOCOL_ERROR, text, true);
    return false;
  }

  private stop(status: number, text: string, sendClose: boolean): void {
    this.state = State.Done;
    this.cparts = [];
    this.sink.error(status, text, sendClose);
  }
}

function u16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(n, 0);
  return b;
}

/**
 * XORs `buf` in place with the 4-byte mask `key`, starting at key position `pos`; returns the key
 * position after the last byte. Long runs go 4 bytes at a time through a Uint32Array over the
 * aligned middle of the buffer.
 */
export function unmask(buf: Buffer, key: Buffer, pos: number): number {
  const n = buf.length;
  let i = 0;
  if (n >= 32 && LITTLE_ENDIAN) {
    // Bytes up to the next 4-byte boundary of the underlying memory.
    const lead = (4 - (buf.byteOffset & 3)) & 3;
    for (; i < lead; i++) buf[i]! ^= key[(pos + i) & 3]!;
    const words = (n - i) >>> 2;
    if (words > 0) {
      const p = pos + i;
      // The mask as it lines up with memory from offset i (little-endian words).
      const k = (key[p & 3]! | (key[(p + 1) & 3]! << 8) | (key[(p + 2) & 3]! << 16) | (key[(p + 3) & 3]! << 24)) >>> 0;
      const w = new Uint32Array(buf.buffer, buf.byteOffset + i, words);
      for (let j = 0; j < words; j++) w[j]! ^= k;
      i += words << 2;
    }
  }
  for (; i < n; i++) buf[i]! ^= key[(pos + i) & 3]!;
  return (pos + n) & 3;
}
