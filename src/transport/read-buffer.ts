// Reading accepted TCP sockets into one shared buffer. By default Node allocates a fresh 64 KB
// buffer for every read, wraps it in a Buffer and passes it through the Readable stream machinery:
// 8–9.5 µs of user CPU per read on this machine (and more system time, for the fresh pages), against
// ~3.3 µs when the socket reads into a buffer it was given (`node dist/bench/read-cost.js`). Node
// offers that (`onread`) only to sockets it creates for connect(); for accepted sockets it is
// switched on the same way Node's Socket constructor does it (node-internals.ts).
//
// THE RULE: the bytes handed to the reader are overwritten by the next read of ANY connection. Every
// read is consumed synchronously, and whatever must outlive the call is copied: the parser copies
// split lines and payloads (protocol/parser.ts), bytes held during an asynchronous CONNECT check are
// copied, and deliveries copy into each receiver's outbound buffer. Reads happen one at a time on the
// event loop, so one buffer serves every connection.
import type { Duplex } from 'node:stream';
import { connect, type Socket } from 'node:net';
import { sharedReadEnabled, useUserBuffer } from '../node-internals.js';

/** Bytes per read: the most libuv would suggest for one read of a stream. */
export const SHARED_READ_BYTES = 64 * 1024;

let shared: Buffer | null = null;
/** Sockets switched to the shared buffer since the process started (tests, diagnostics). */
export const sharedReadStats = { sockets: 0 };

/**
 * Makes `sock` read into the shared buffer and hand each read to `onBytes` (a view of the bytes
 * read, valid only during the call). Only for a socket that has not started reading: a net.Socket
 * accepted with `pauseOnConnect`, nothing buffered. Returns false, changing nothing, otherwise (the
 * caller then reads 'data' events). The caller resumes the socket either way.
 */
export function readIntoShared(sock: Duplex, onBytes: (bytes: Buffer) => void): boolean {
  if (!sharedReadEnabled) return false;
  if (sock.readableFlowing !== false || sock.readableLength !== 0) return false;
  const buf = (shared ??= Buffer.allocUnsafe(SHARED_READ_BYTES));
  if (!useUserBuffer(sock, buf, (n) => onBytes(buf.subarray(0, n)))) return false;
  sharedReadStats.sockets++;
  return true;
}

/** The reader of a socket dialled with the shared buffer: set `onBytes` once a connection owns it. */
export interface SharedReader {
  onBytes: ((bytes: Buffer) => void) | null;
}

/**
 * A TCP connection that reads into the shared buffer from the start (Node's `onread` option), for
 * the connections the server dials (routes). Bytes that arrive before `reader.onBytes` is set are
 * copied and handed over when it is (they cannot, in practice: reads come in a later turn).
 */
export function connectSharedRead(opts: { host: string; port: number; noDelay?: boolean }): { sock: Socket; reader: SharedReader } {
  const early: Buffer[] = [];
  let handler: ((bytes: Buffer) => void) | null = null;
  const reader: SharedReader = {
    get onBytes() {
      return handler;
    },
    set onBytes(fn) {
      handler = fn;
      if (fn !== null) for (const b of early.splice(0)) fn(b);
    },
  };
  if (!sharedReadEnabled) {
    const sock = connect(opts);
    sock.on('data', (b: Buffer) => (handler !== null ? handler(b) : early.push(b)));
    return { sock, reader };
  }
  const buf = (shared ??= Buffer.allocUnsafe(SHARED_READ_BYTES));
  const sock = connect({
    ...opts,
    onread: {
      buffer: buf,
      callback: (n: number): boolean => {
        if (handler !== null) handler(buf.subarray(0, n));
        else early.push(Buffer.from(buf.subarray(0, n)));
        return true;
      },
    },
  });
  return { sock, reader };
}
