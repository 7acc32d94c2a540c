// Reading accepted TCP sockets into one shared buffer. By default Node allocates a fresh 64 KB
// buffer for every read, wraps it in a Buffer and passes it through the Readable stream machinery:
// 8–9.5 µs of user CPU per read on this machine (and more system time, for the fresh pages), against
// ~3.3 µs when the socket reads into a buffer it was given (`node dist/bench/read-cost.js`). Node offers that (`onread`) only to
// sockets it creates for connect(); for accepted sockets it is switched on here the same way Node's
// Socket constructor does it. Every read is consumed synchronously — the parser copies what it keeps
// (split lines and payloads, bytes held during an asynchronous CONNECT check) and deliveries copy
// into each receiver's outbound buffer — and reads happen one at a time on the event loop, so one
// buffer serves every connection. Where Node's internals do not look as expected, nothing is changed
// and the socket is read the usual way ('data' events).
import type { Duplex } from 'node:stream';

/** Bytes per read: the most libuv would suggest for one read of a stream. */
export const SHARED_READ_BYTES = 64 * 1024;

let shared: Buffer | null = null;
/** Sockets switched to the shared buffer since the process started (tests, diagnostics). */
export const sharedReadStats = { sockets: 0 };
/** Node's private symbols for a socket's user buffer and its callback (null: looked up, absent). */
let kBuffer: symbol | null | undefined;
let kBufferCb: symbol | null | undefined;

interface HandleWithUserBuffer {
  useUserBuffer(buf: Uint8Array): void;
}

/**
 * Makes `sock` read into the shared buffer and hand each read to `onBytes` (a view of the bytes
 * read, valid only during the call). Only for a socket that has not started reading: a net.Socket
 * accepted with `pauseOnConnect`, nothing buffered. Returns false, changing nothing, otherwise. The
 * caller resumes the socket either way.
 */
export function readIntoShared(sock: Duplex, onBytes: (bytes: Buffer) => void): boolean {
  if (process.env.TSNATS_SHARED_READ_BUFFER === '0') return false;
  const s = sock as unknown as Record<string | symbol, unknown>;
  const handle = s._handle as Partial<HandleWithUserBuffer> | null | undefined;
  if (handle == null || typeof handle.useUserBuffer !== 'function') return false;
  if (sock.readableFlowing !== false || sock.readableLength !== 0) return false;
  if (kBuffer === undefined) {
    kBuffer = kBufferCb = null;
    for (const sym of Object.getOwnPropertySymbols(sock)) {
      if (sym.description === 'kBuffer') kBuffer = sym;
      else if (sym.description === 'kBufferCb') kBufferCb = sym;
    }
  }
  const kb = kBuffer as symbol | null;
  const kcb = kBufferCb as symbol | null;
  if (kb === null || kcb === null || s[kb] !== null || s[kcb] !== null) return false;
  const buf = (shared ??= Buffer.allocUnsafe(SHARED_READ_BYTES));
  handle.useUserBuffer(buf);
  s[kb] = buf;
  s[kcb] = (n: number) => {
    onBytes(buf.subarray(0, n));
  };
  sharedReadStats.sockets++;
  return true;
}
