// The WebSocket listener: accepts TCP (or TLS) connections, runs the HTTP upgrade on each as
// nats-server's net/http server would (keep-alive between refused requests, handshake_timeout,
// header size limit), and hands each upgraded connection on as a WsDuplex carrying NATS bytes.
import { createServer as createTcpServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import * as W from './const.js';
import { WsDuplex } from './duplex.js';
import { handleRequest, type HandshakeOptions, type UpgradeParams } from './handshake.js';
import { HeaderEndScanner, tooLarge } from './http.js';
import { OriginChecker } from './origin.js';
import { Timer, MAX_TIMER_MS } from '../../timers.js';

export interface HandshakeServeOptions extends HandshakeOptions {
  /** websocket.handshake_timeout in ms: a request must be complete within it (0 = no limit, as nats-server). */
  handshakeTimeoutMs: number;
  /** Largest request header block (Go: 1 MiB + 4096). */
  maxHeaderBytes?: number;
  /** Largest decompressed client message. */
  maxDecompressed: number;
  /** Error log lines ("<ip:port> - websocket handshake error: <reason>"). */
  logError(line: string): void;
}

export interface Upgraded {
  ws: WsDuplex;
  params: UpgradeParams;
}

/**
 * Runs the upgrade on an accepted connection. `done` gets the WebSocket stream, or null when the
 * connection ended without an upgrade (refused, timed out, closed); the socket is then closed.
 * `remote` is "ip:port" for the log lines.
 */
export function serveHandshake(sock: Duplex, remote: string, o: HandshakeServeOptions, done: (u: Upgraded | null) => void): void {
  const max = o.maxHeaderBytes ?? W.DEFAULT_MAX_HEADER_BYTES;
  const scanner = new HeaderEndScanner();
  // The bytes of the request(s) so far, in a buffer that doubles as needed (no copy per read).
  let acc: Buffer = Buffer.allocUnsafe(0);
  let len = 0;
  let timer: Timer | null = null;
  let finished = false;

  const startTimer = () => {
    timer?.clear();
    timer = null;
    if (o.handshakeTimeoutMs > 0) {
      // Go's ReadTimeout: the whole request must arrive in time; on expiry the connection is closed
      // without an answer. A configured delay: Timer handles any length (timers.ts).
      timer = new Timer(() => finish(null, 'destroy'), o.handshakeTimeoutMs);
    }
  };
  const cleanup = () => {
    timer?.clear();
    timer = null;
    sock.off('data', onData);
    sock.off('end', onGone);
    sock.off('close', onGone);
    sock.off('error', onGone);
  };
  const finish = (u: Upgraded | null, how: 'destroy' | 'end' | 'end-linger') => {
    if (finished) return;
    finished = true;
    cleanup();
    if (how === 'destroy') sock.destroy();
    else if (how === 'end' || how === 'end-linger') {
      // After an answer: FIN, then release the socket (net/http closes; for 431 it waits 500 ms first).
      sock.end();
      const t = setTimeout(() => sock.destroy(), how === 'end-linger' ? 500 : 100);
      t.unref?.();
      sock.once('close', () => clearTimeout(t));
    }
    done(u);
  };
  const onGone = () => finish(null, 'destroy');
  const onData = (chunk: Buffer) => {
    if (len + chunk.length > acc.length) {
      const next = Buffer.allocUnsafe(Math.max(len + chunk.length, Math.min(acc.length * 2, max + 1), 1024));
      acc.copy(next, 0, 0, len);
      acc = next;
    }
    chunk.copy(acc, len);
    len += chunk.length;
    while (!finished) {
      const buf = acc.subarray(0, len);
      const end = scanner.scan(buf);
      if (end < 0) {
        if (buf.length > max) {
          const r = tooLarge();
          if (r.kind === 'error') sock.write(r.response);
          finish(null, 'end-linger');
        }
        return;
      }
      if (end > max) {
        const r = tooLarge();
        if (r.kind === 'error') sock.write(r.response);
        finish(null, 'end-linger');
        return;
      }
      const block = buf.subarray(0, end);
      const rest = buf.subarray(end);
      const res = handleRequest(block, o, remote);
      if (res.kind === 'respond') {
        if (res.log !== null) o.logError(res.log);
        sock.write(res.response);
        if (res.close) {
          finish(null, res.closeWrite ? 'end-linger' : 'end');
          return;
        }
        // Keep-alive: the next request on the same connection, with a fresh deadline.
        rest.copy(acc, 0);
        len = rest.length;
        scanner.reset();
        startTimer();
        continue;
      }
      if (rest.length > 0) {
        // Bytes after the upgrade request in the same read: refused without an answer (wsUpgrade).
        o.logError(`${remote} - websocket handshake error: client sent data before handshake is complete`);
        finish(null, 'destroy');
        return;
      }
      sock.write(res.response);
      const p = res.params;
      finished = true;
      cleanup();
      const ws = new WsDuplex(sock, {
        compress: p.compress,
        noMasking: p.noMasking,
        browser: p.browser,
        noCompressedFragments: p.noCompressedFragments,
        maxDecompressed: o.maxDecompressed,
      });
      done({ ws, params: p });
      return;
    }
  };
  sock.on('data', onData);
  sock.on('end', onGone);
  sock.on('close', onGone);
  sock.on('error', onGone);
  startTimer();
  sock.resume();
}

export interface WebSocketListenerOptions extends Omit<HandshakeServeOptions, 'origins' | 'tls'> {
  host: string;
  /** 0 (or -1) picks a free port. */
  port: number;
  sameOrigin: boolean;
  allowedOrigins: readonly string[];
  /** TLS for wss://; without it the listener is plain ws://. */
  tls?: TlsOptions | null;
  /** An upgraded connection: hand `ws` to the connection engine. */
  onConnection(u: Upgraded, host: string, port: number): void;
}

/** A listener for WebSocket clients (startWebsocketServer). */
export class WebSocketListener {
  readonly server: NetServer;
  private readonly hs: HandshakeServeOptions;
  private readonly pending = new Set<Socket>();

  constructor(private readonly o: WebSocketListenerOptions) {
    const origins = new OriginChecker(o.sameOrigin, o.allowedOrigins, (l) => o.logError(l));
    this.hs = { ...o, origins, tls: !!o.tls };
    const onSocket = (sock: Socket) => this.accept(sock);
    this.server = o.tls
      ? createTlsServer({ ...o.tls, handshakeTimeout: o.handshakeTimeoutMs > 0 ? Math.min(o.handshakeTimeoutMs, MAX_TIMER_MS) : 120_000 }, onSocket)
      : createTcpServer(onSocket);
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port > 0 ? this.o.port : 0, this.o.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    const a = this.server.address();
    return a !== null && typeof a === 'object' ? a.port : 0;
  }

  /** "ws" or "wss" (the ports file and the startup log line use it). */
  get scheme(): string {
    return this.o.tls ? 'wss' : 'ws';
  }

  /**
   * Stops accepting; connections still in their handshake are closed. Upgraded connections belong
   * to the engine, which closes them: this does not wait for them (net.Server.close's callback would).
   */
  close(): Promise<void> {
    for (const s of this.pending) s.destroy();
    this.pending.clear();
    if (this.server.listening) this.server.close();
    return Promise.resolve();
  }

  private accept(sock: Socket): void {
    const host = (sock.remoteAddress ?? '').replace(/^::ffff:/, '');
    const port = sock.remotePort ?? 0;
    const remote = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    sock.setNoDelay(true);
    this.pending.add(sock);
    serveHandshake(sock, remote, this.hs, (u) => {
      this.pending.delete(sock);
      if (u !== null) this.o.onConnection(u, host, port);
    });
  }
}
