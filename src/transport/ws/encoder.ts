// Server frames, as nats-server writes them (websocket.go wsCollapsePtoNB, wsFillFrameHeader):
// binary, FIN set, never masked; everything queued by one flush goes out as one frame (cut into
// 4096-byte frames for browsers); compressed when negotiated and the flush is over 64 bytes.
import * as W from './const.js';
import { deflateMessage } from './deflate.js';

export interface EncoderOptions {
  /** permessage-deflate was negotiated. */
  compress: boolean;
  /** The client looks like a browser (User-Agent "Mozilla/…"): frames of at most 4096 bytes. */
  browser: boolean;
  /** Do not fragment compressed messages (Safari, which mishandles them). */
  noCompressedFragments: boolean;
}

/** A frame header: `first` gives the opcode (else continuation), `fin` and `rsv1` the flag bits. */
export function frameHeader(opcode: number, len: number, fin = true, rsv1 = false, first = true): Buffer {
  const b0 = (first ? opcode : W.OP_CONTINUATION) | (fin ? W.FIN_BIT : 0) | (rsv1 ? W.RSV1_BIT : 0);
  let h: Buffer;
  if (len <= 125) {
    h = Buffer.allocUnsafe(2);
    h[1] = len;
  } else if (len < 65536) {
    h = Buffer.allocUnsafe(4);
    h[1] = 126;
    h.writeUInt16BE(len, 2);
  } else {
    h = Buffer.allocUnsafe(10);
    h[1] = 127;
    h.writeUInt32BE(Math.floor(len / 0x100000000), 2);
    h.writeUInt32BE(len >>> 0, 6);
  }
  h[0] = b0;
  return h;
}

/** A control frame (close, ping, pong): never compressed, payload at most 125 bytes. */
export function controlFrame(opcode: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + payload.length);
  out[0] = W.FIN_BIT | opcode;
  out[1] = payload.length;
  payload.copy(out, 2);
  return out;
}

/**
 * The buffers to write for one flush of `chunks` (`total` bytes): frame headers and the payload
 * chunks themselves (views, never copies) when uncompressed.
 */
export function encodeData(chunks: readonly Buffer[], total: number, o: EncoderOptions): Buffer[] {
  if (total === 0) return [];
  if (o.compress && total > W.COMPRESS_THRESHOLD) {
    const p = deflateMessage(chunks, total);
    const max = o.browser && !o.noCompressedFragments ? W.FRAME_SIZE_FOR_BROWSERS : 0;
    if (max === 0 || p.length <= max) return [frameHeader(W.OP_BINARY, p.length, true, true), p];
    // One compressed message in several frames: RSV1 on the first only, continuations after.
    const out: Buffer[] = [];
    for (let off = 0; off < p.length; off += max) {
      const n = Math.min(max, p.length - off);
      const first = off === 0;
      out.push(frameHeader(W.OP_BINARY, n, off + n === p.length, first, first), p.subarray(off, off + n));
    }
    return out;
  }
  if (!o.browser || total <= W.FRAME_SIZE_FOR_BROWSERS) {
    return [frameHeader(W.OP_BINARY, total), ...chunks];
  }
  // Browsers: complete binary frames of at most 4096 bytes each, cut anywhere in the stream.
  const out: Buffer[] = [];
  let left = total;
  let frameLeft = 0;
  for (const c of chunks) {
    let off = 0;
    while (off < c.length) {
      if (frameLeft === 0) {
        frameLeft = Math.min(W.FRAME_SIZE_FOR_BROWSERS, left);
        out.push(frameHeader(W.OP_BINARY, frameLeft));
      }
      const n = Math.min(frameLeft, c.length - off);
      out.push(off === 0 && n === c.length ? c : c.subarray(off, off + n));
      off += n;
      frameLeft -= n;
      left -= n;
    }
  }
  return out;
}
