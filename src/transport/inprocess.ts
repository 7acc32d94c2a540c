// An in-process connection: two linked Duplex streams, no TCP. The server takes one end like a
// socket; the caller (a test, an embedder) uses the other.
import { Duplex } from 'node:stream';

class End extends Duplex {
  peer!: End;
  override _read(): void {
    /* data is pushed by the peer's writes */
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.peer.destroyed) return cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    this.peer.push(chunk);
    cb();
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.peer.push(null);
    cb();
  }
  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.push(null);
    cb(err);
  }
}

/** Two connected ends: what one writes, the other reads. */
export function duplexPair(): [Duplex, Duplex] {
  const a = new End();
  const b = new End();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
