// A NATS client for TLS tests: plain TCP, read INFO, start TLS over the same socket (as nats.js,
// nats.go and nats.c do), send CONNECT+PING, report what happened.
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { request } from 'node:https';

export interface TlsRun {
  info: string;
  /** 'ok' or the client's error code for the handshake. */
  handshake: string;
  version?: string | null;
  cipher?: string;
  group?: string;
  /** After CONNECT+PING: 'PONG', the first -ERR line, 'closed', 'timeout' or an error code. */
  answer: string;
  ms: number;
}

export function tlsRun(port: number, opts: ConnectionOptions = {}, connect = 'CONNECT {"verbose":false}\r\nPING\r\n', waitMs = 3000): Promise<TlsRun> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const raw = netConnect(port, '127.0.0.1');
    let info = '';
    let tls: TLSSocket | null = null;
    let done = false;
    const finish = (r: Omit<TlsRun, 'info' | 'ms'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      tls?.destroy();
      raw.destroy();
      resolve({ info, ms: Math.round(performance.now() - t0), ...r });
    };
    const timer = setTimeout(() => finish({ handshake: tls ? 'pending' : 'no INFO', answer: 'timeout' }), waitMs);
    raw.on('error', (e: NodeJS.ErrnoException) => finish({ handshake: e.code ?? e.message, answer: 'closed' }));
    const onInfo = (d: Buffer) => {
      info += d.toString('latin1');
      if (!info.includes('\r\n')) return;
      raw.off('data', onInfo);
      info = info.slice(0, info.indexOf('\r\n'));
      const t = tlsConnect({ socket: raw, servername: 'localhost', ...opts });
      tls = t;
      let handshake = 'pending';
      let hs: Pick<TlsRun, 'handshake' | 'version' | 'cipher' | 'group'> = { handshake };
      let text = '';
      t.once('secureConnect', () => {
        handshake = 'ok';
        hs = details(t);
        t.write(connect);
      });
      t.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        const line = text.match(/^(PONG|-ERR [^\r]*)\r\n/m);
        if (line) finish({ ...hs, answer: line[1]! });
      });
      t.on('error', (e: NodeJS.ErrnoException) => {
        if (handshake === 'ok') finish({ ...hs, answer: e.code ?? e.message });
        else finish({ handshake: e.code ?? e.message, answer: 'closed' });
      });
      t.on('close', () => finish({ ...hs, answer: 'closed' }));
    };
    raw.on('data', onInfo);
  });
}

function details(t: TLSSocket): Pick<TlsRun, 'handshake' | 'version' | 'cipher' | 'group'> {
  const handshake = 'ok';
  const k = t.getEphemeralKeyInfo() as { name?: string } | null;
  return { handshake, version: t.getProtocol(), cipher: t.getCipher()?.standardName, group: k?.name };
}

/** A NATS client over TLS for scripted sessions: INFO in plaintext, then TLS; lines in, bytes out. */
export class TlsConn {
  private buf = '';
  closed = false;
  private waiters = new Set<() => void>();

  private constructor(readonly sock: TLSSocket, readonly info: Record<string, unknown>) {
    sock.on('data', (d: Buffer) => { this.buf += d.toString('latin1'); this.wake(); });
    sock.on('error', () => {});
    sock.on('close', () => { this.closed = true; this.wake(); });
  }

  /** INFO, then the TLS handshake over the same socket (`first`: the handshake before INFO, then INFO over TLS). */
  static open(port: number, opts: ConnectionOptions = {}, first = false): Promise<TlsConn> {
    return new Promise((resolve, reject) => {
      const raw = netConnect(port, '127.0.0.1');
      raw.on('error', reject);
      const upgrade = (after: (t: TLSSocket) => void) => {
        const t = tlsConnect({ socket: raw, servername: 'localhost', ...opts });
        t.once('error', reject);
        t.once('secureConnect', () => after(t));
      };
      if (first) {
        upgrade((t) => {
          let text = '';
          const onData = (d: Buffer) => {
            text += d.toString('latin1');
            const eol = text.indexOf('\r\n');
            if (eol < 0) return;
            t.off('data', onData);
            const c = new TlsConn(t, JSON.parse(text.slice(5, eol)));
            c.buf = text.slice(eol + 2);
            resolve(c);
          };
          t.on('data', onData);
        });
        return;
      }
      let info = '';
      const onInfo = (d: Buffer) => {
        info += d.toString('latin1');
        const eol = info.indexOf('\r\n');
        if (eol < 0) return;
        raw.off('data', onInfo);
        upgrade((t) => resolve(new TlsConn(t, JSON.parse(info.slice(5, eol)))));
      };
      raw.on('data', onInfo);
    });
  }

  private wake(): void { for (const w of [...this.waiters]) w(); }

  send(s: string | Buffer): void { this.sock.write(s); }

  /** Waits until the received text contains `what` (a string or a pattern); consumes up to its end. */
  expect(what: string | RegExp, ms = 5000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = typeof what === 'string' ? this.buf.indexOf(what) : this.buf.search(what);
        if (i >= 0) {
          const m = typeof what === 'string' ? what : this.buf.match(what)![0];
          const got = this.buf.slice(0, i + m.length);
          this.buf = this.buf.slice(i + m.length);
          done();
          resolve(got);
          return true;
        }
        if (this.closed) { done(); reject(new Error(`closed while waiting for ${what}; have ${JSON.stringify(this.buf)}`)); return true; }
        return false;
      };
      const timer = setTimeout(() => { done(); reject(new Error(`timeout waiting for ${what}; have ${JSON.stringify(this.buf)}`)); }, ms);
      const w = () => { check(); };
      const done = () => { clearTimeout(timer); this.waiters.delete(w); };
      if (!check()) this.waiters.add(w);
    });
  }

  /** Resolves when the server has closed the connection. */
  waitClosed(ms = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) return resolve();
      const t = setTimeout(() => reject(new Error(`still open after ${ms} ms; have ${JSON.stringify(this.buf)}`)), ms);
      this.sock.once('close', () => { clearTimeout(t); resolve(); });
    });
  }

  /** What was received and not consumed. */
  rest(): string { return this.buf; }

  close(): void { this.sock.destroy(); }
}

export interface HttpsResult {
  status: number;
  type: string;
  body: string;
}

/** GET over HTTPS, trusting `ca`. */
export function httpsGet(port: number, path: string, ca: Buffer): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, servername: 'localhost', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

