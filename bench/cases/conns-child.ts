// Child process for the idle-connection case: opens `count` connections to the server, each
// completing INFO → CONNECT + PING → PONG, holds them open, and closes them when told.
// A child process (not a thread) so that its file descriptors do not count against the bench's limit.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { connectLine } from '../frames.js';

interface OpenMsg { op: 'open'; port: number; count: number; concurrency: number; /** TLS, trusting this PEM. */ tls?: string }

const socks: Socket[] = [];
/** Connections the server closed after the handshake, and the last thing it said before. */
let closedByServer = 0;
let lastError = '';
let pings = 0;

function openOne(port: number, ca?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const raw = connect({ port, host: '127.0.0.1' });
    let s: Socket = raw;
    let text = '';
    let sent = false;
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      if (!sent && text.includes('\n')) {
        sent = true;
        if (ca) {
          // INFO in plaintext, then TLS on the same socket; CONNECT goes over TLS.
          raw.off('data', onData);
          text = '';
          const t = tlsConnect({ socket: raw, ca });
          s = t;
          t.once('error', reject);
          t.once('secureConnect', () => t.write(connectLine('bench-idle') + 'PING\r\n'));
          t.on('data', onData);
          return;
        }
        s.write(connectLine('bench-idle') + 'PING\r\n');
      }
      if (sent && text.includes('PONG\r\n')) {
        s.off('data', onData);
        // An idle client still reads, and answers the server's keepalive PINGs.
        s.on('data', (d: Buffer) => {
          const t = d.toString('latin1');
          if (t.includes('PING\r\n')) {
            pings++;
            s.write('PONG\r\n');
          }
          if (t.startsWith('-ERR')) lastError = t.trim();
        });
        s.removeAllListeners('close');
        s.removeAllListeners('error');
        s.on('error', () => {});
        s.on('close', () => { if (!closing) closedByServer++; });
        socks.push(s);
        resolve();
      }
    };
    raw.on('data', onData);
    raw.once('error', reject);
    raw.once('close', () => reject(new Error('closed during handshake')));
  });
}

async function openAll(m: OpenMsg) {
  const t0 = process.hrtime.bigint();
  let next = 0;
  let failed = 0;
  let firstError = '';
  const lane = async () => {
    while (next < m.count) {
      next++;
      try { await openOne(m.port, m.tls); } catch (e) { failed++; firstError ||= (e as Error).message; }
    }
  };
  await Promise.all(Array.from({ length: m.concurrency }, lane));
  process.send!({ type: 'ready', opened: socks.length, failed, firstError, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
}

let closing = false;
process.on('message', (m: OpenMsg | { op: 'close' } | { op: 'status' }) => {
  if (m.op === 'open') void openAll(m);
  else if (m.op === 'status') process.send!({ type: 'status', open: socks.length - closedByServer, closedByServer, pings, lastError });
  else { closing = true; for (const s of socks) s.destroy(); process.exit(0); }
});
process.send!({ type: 'started' });
// The bench went away (finished or interrupted): do not outlive it.
process.on('disconnect', () => process.exit(0));
