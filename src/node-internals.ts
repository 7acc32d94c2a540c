// Every use of Node's undocumented internals, in one place. Each is detected once, when this module
// loads, and has a fallback that uses only public API, so a Node release that changes them makes
// tsnats slower, never wrong.
//
//   latin1Slice(buf, s, e)    Buffer#latin1Slice (what toString('latin1') calls, minus argument
//                             normalisation): strings from protocol bytes. Fallback: toString.
//   timerDuration(t)          Timeout#_idleTimeout: the delay a timer was armed with, so keepalive
//                             can refresh() it instead of making a new one. Fallback: unknown (-1).
//   writableChunks(stream)    Writable#writableBuffer's length: chunks not yet written, for the
//                             write-deadline log line. Fallback: 1.
//   userBufferSlots(sock)     The handle's useUserBuffer() and the socket's kBuffer/kBufferCb slots
//                             that Node's Socket constructor fills for `onread`: accepted sockets
//                             read into one shared buffer (transport/read-buffer.ts). Fallback:
//                             'data' events.
//   tlsWrapped(tlsSocket)     TLSSocket#_parent: the net.Socket a tls.Server wrapped (fed with
//                             emit('connection', raw)), so a 'tlsClientError' or 'secureConnection'
//                             finds its connection. Fallback: null (the connection then learns of
//                             a failed handshake from its raw socket closing, with a generic text).
//
// TSNATS_SHARED_READ_BUFFER=0 (read once, here) turns the shared read buffer off, for A/B runs
// (docs/configuration.md, "Environment variables").
import type { Duplex } from 'node:stream';

type Latin1Slicer = (this: Buffer, start: number, end: number) => string;
const nativeLatin1 = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slicer }).latin1Slice;
const hasLatin1Slice = typeof nativeLatin1 === 'function' && (() => {
  try {
    return nativeLatin1.call(Buffer.from('ab\xff', 'latin1'), 0, 3) === 'ab\xff';
  } catch {
    return false;
  }
})();

/** `buf[s,e)` as a latin1 string (one char per byte). */
export const latin1Slice: (buf: Buffer, s: number, e: number) => string = hasLatin1Slice
  ? (buf, s, e) => nativeLatin1!.call(buf, s, e)
  : (buf, s, e) => buf.toString('latin1', s, e);

const probe = setTimeout(() => {}, 1234);
const hasIdleTimeout = (probe as unknown as { _idleTimeout?: unknown })._idleTimeout === 1234;
clearTimeout(probe);

/** The delay (ms) a Node timer was armed with, or -1 when Node does not tell. */
export function timerDuration(t: NodeJS.Timeout): number {
  return hasIdleTimeout ? (t as unknown as { _idleTimeout: number })._idleTimeout : -1;
}

/** Chunks a Writable holds that were not written yet (at least 1 when it holds bytes). */
export function writableChunks(w: Duplex): number {
  const b = (w as unknown as { writableBuffer?: unknown[] }).writableBuffer;
  return Array.isArray(b) ? Math.max(b.length, 1) : 1;
}

/** Whether accepted sockets may read into the shared buffer (TSNATS_SHARED_READ_BUFFER, default on). */
export const sharedReadEnabled = process.env.TSNATS_SHARED_READ_BUFFER !== '0';

interface HandleWithUserBuffer {
  useUserBuffer(buf: Uint8Array): void;
}

/** Node's private symbols for a socket's user buffer and its callback: looked up on the first socket. */
let kBuffer: symbol | null | undefined;
let kBufferCb: symbol | null | undefined;

/**
 * Switches a socket that has not started reading to read into `buf`, calling `onRead(n)` after
 * each read of n bytes — as Node's Socket constructor does for `onread`. Returns false, changing
 * nothing, when the socket's internals are not the expected ones.
 */
export function useUserBuffer(sock: Duplex, buf: Buffer, onRead: (n: number) => void): boolean {
  const s = sock as unknown as Record<string | symbol, unknown>;
  const handle = s._handle as Partial<HandleWithUserBuffer> | null | undefined;
  if (handle == null || typeof handle.useUserBuffer !== 'function') return false;
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
  handle.useUserBuffer(buf);
  s[kb] = buf;
  s[kcb] = onRead;
  return true;
}

/**
 * The socket a server-side TLSSocket wraps (TLSSocket#_parent, set since Node 0.11 when the socket
 * was created from a net.Socket), or null when Node does not say.
 */
export function tlsWrapped(tlsSocket: object): object | null {
  const p = (tlsSocket as { _parent?: unknown })._parent;
  return typeof p === 'object' && p !== null && typeof (p as { destroy?: unknown }).destroy === 'function' ? p : null;
}

// ---- forceFullGC: V8's gc() without starting Node with --expose-gc. The flag is set for the moment
// it takes a fresh context to bind `gc`, then cleared again. Fallback: no-op (returns false).
let gcFn: (() => void) | null | undefined;

/**
 * Runs two full garbage collections back to back (the second compacts the pages the first left
 * fragmented, so V8 can release them). Returns false where V8's gc() is not reachable.
 */
export function forceFullGC(): boolean {
  if (gcFn === undefined) {
    gcFn = null;
    try {
      const g = (globalThis as { gc?: () => void }).gc;
      if (typeof g === 'function') gcFn = g;
      else {
        const v8 = process.getBuiltinModule?.('node:v8') as typeof import('node:v8') | undefined;
        const vm = process.getBuiltinModule?.('node:vm') as typeof import('node:vm') | undefined;
        if (v8 && vm) {
          v8.setFlagsFromString('--expose-gc');
          const f = vm.runInNewContext('gc') as unknown;
          v8.setFlagsFromString('--no-expose-gc');
          if (typeof f === 'function') gcFn = f as () => void;
        }
      }
    } catch {
      gcFn = null;
    }
  }
  if (gcFn === null) return false;
  gcFn();
  gcFn();
  return true;
}

// ---- stopReads / startReads: a socket's reads stopped and started at the handle (what
// net.Socket#pause does for a socket reading into a user buffer), without the Readable stream's
// pause/resume machinery (state changes, nextTick scheduling): the fairness yield does this once per
// 64 KB read, on the hot path. Fallback: pause()/resume(). Never for a TLS socket: its handle (the
// TLSWrap) keeps cleartext it already decrypted, and readStart() does not deliver it until more
// ciphertext arrives, so a client whose last bytes sit there would wait for ever (a stalled TLS
// publisher never got its PONG).
interface ReadingHandle {
  reading: boolean;
  readStop(): number;
  readStart(): number;
}

function readingHandle(sock: Duplex): ReadingHandle | null {
  const h = (sock as unknown as { _handle?: Partial<ReadingHandle> | null })._handle;
  return h != null && typeof h.readStop === 'function' && typeof h.readStart === 'function' && typeof h.reading === 'boolean' ? (h as ReadingHandle) : null;
}

/** Stops reading `sock` until startReads(); returns how to undo it ('handle' or 'stream'), or null when it was not reading. */
export function stopReads(sock: Duplex): 'handle' | 'stream' | null {
  const h = readingHandle(sock);
  if (h !== null && (sock as { encrypted?: boolean }).encrypted !== true) {
    if (!h.reading) return null;
    h.reading = false;
    h.readStop();
    return 'handle';
  }
  sock.pause();
  return 'stream';
}

/** Undoes stopReads(). A handle someone else started or stopped since is left alone. */
export function startReads(sock: Duplex, how: 'handle' | 'stream'): void {
  if (how === 'stream') {
    sock.resume();
    return;
  }
  const h = readingHandle(sock);
  if (h !== null && !h.reading && !sock.destroyed && sock.readableFlowing !== false) {
    h.reading = true;
    h.readStart();
  }
}
