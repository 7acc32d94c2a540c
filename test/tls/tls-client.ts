// A NATS client for TLS tests: plain TCP, read INFO, start TLS over the same socket (as nats.js,
// nats.go and nats.c do), send CONNECT+PING, report what happened.
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';

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
