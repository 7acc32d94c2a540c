// Hostile clients of a TLS client port: plaintext and garbage where the handshake should be, a
// handshake that stops half-way, a certificate chain far past any limit, a renegotiation, and a
// storm of half-done handshakes. Each reports what it saw, so a test can compare servers.
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface TlsHostileOutcome {
  /** The client's local port (the server's /connz port of it). */
  clientPort: number;
  /** What came back after INFO, hex. */
  got: string;
  /** The server closed the connection (within the wait). */
  closedByServer: boolean;
}

/** A real ClientHello, as Node's TLS client would send it (from a client writing into a Duplex). */
export function clientHello(): Promise<Buffer> {
  return new Promise((resolve) => {
    const d = new Duplex({
      read() {},
      write(chunk: Buffer, _e, cb) {
        resolve(Buffer.from(chunk));
        cb();
        setImmediate(() => t.destroy());
      },
    });
    const t = tlsConnect({ socket: d as never, servername: 'localhost' });
    t.on('error', () => {});
  });
}

/** Connect, read INFO, send `bytes`, report what follows until the server closes or `waitMs` passes. */
export function afterInfo(port: number, bytes: Buffer | (() => Buffer), waitMs = 3000): Promise<TlsHostileOutcome> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1');
    let clientPort = 0;
    s.once('connect', () => { clientPort = s.localPort ?? 0; });
    let got = Buffer.alloc(0);
    let info = false;
    s.on('data', (d: Buffer) => {
      if (!info) {
        const eol = d.indexOf(10);
        if (eol < 0) return;
        info = true;
        d = d.subarray(eol + 1);
        s.write(typeof bytes === 'function' ? bytes() : bytes);
      }
      got = Buffer.concat([got, d]);
    });
    s.on('error', () => {});
    const t = setTimeout(() => { s.destroy(); resolve({ clientPort, got: got.toString('hex'), closedByServer: false }); }, waitMs);
    s.on('close', () => { clearTimeout(t); resolve({ clientPort, got: got.toString('hex'), closedByServer: true }); });
  });
}

/** TLS records of random bytes after a plausible record header (type handshake, version 3.1). */
export function garbageRecords(n = 4, size = 300): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) parts.push(Buffer.from([0x16, 0x03, 0x01, size >> 8, size & 0xff]), randomBytes(size));
  return Buffer.concat(parts);
}

/** A PEM chain of the leaf and `copies` more certificates: far past OpenSSL's 100 KiB and Go's 64 KiB. */
export function hugeChain(leafPem: string, extraPem: string, copies = 300): string {
  return readFileSync(leafPem, 'utf8') + readFileSync(extraPem, 'utf8').repeat(copies);
}

/** A TLS client over the NATS handshake with `opts`: 'PONG', or how it ended. */
export function tlsSession(port: number, opts: ConnectionOptions, then?: (t: import('node:tls').TLSSocket) => void, waitMs = 5000): Promise<TlsHostileOutcome & { answer: string }> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1');
    let clientPort = 0;
    let answer = '';
    let closedByServer = false;
    s.once('connect', () => { clientPort = s.localPort ?? 0; });
    s.on('error', () => {});
    const finish = () => { clearTimeout(timer); resolve({ clientPort, got: '', closedByServer, answer }); };
    const timer = setTimeout(() => { s.destroy(); finish(); }, waitMs);
    s.once('data', () => {
      const t = tlsConnect({ socket: s, servername: 'localhost', ...opts });
      let text = '';
      t.on('error', (e: NodeJS.ErrnoException) => { answer ||= e.code ?? e.message; });
      t.once('secureConnect', () => t.write('CONNECT {"verbose":false}\r\nPING\r\n'));
      t.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.includes('PONG\r\n') && !answer) {
          answer = 'PONG';
          if (then) then(t);
          else t.destroy();
        }
      });
      t.on('close', () => { closedByServer = answer !== 'PONG' || !!then; finish(); });
    });
  });
}

/** `n` connections that send part of a ClientHello and then vanish (RST or FIN), `lanes` at a time. */
export async function dropManyHandshakes(port: number, n: number, lanes = 20): Promise<void> {
  const hello = await clientHello();
  let next = 0;
  const one = (i: number) => new Promise<void>((resolve) => {
    const s = netConnect(port, '127.0.0.1');
    s.on('error', () => {});
    s.on('close', () => resolve());
    s.once('data', () => {
      s.write(hello.subarray(0, 1 + (i % (hello.length - 1))));
      if (i % 2) s.destroy();
      else s.end();
    });
  });
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (next < n) await one(next++);
  }));
}
