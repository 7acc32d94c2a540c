// Child process for the idle-connection case: opens `count` connections to the server, each
// completing INFO → CONNECT + PING → PONG, holds them open, and closes them when told.
// A child process (not a thread) so that its file descriptors do not count against the bench's limit.
import { connect, type Socket } from 'node:net';
import { connectLine } from '../frames.js';

interface OpenMsg { op: 'open'; port: number; count: number; concurrency: number }

const socks: Socket[] = [];

function openOne(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' });
    let text = '';
    let sent = false;
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      if (!sent && text.includes('\n')) { sent = true; s.write(connectLine('bench-idle') + 'PING\r\n'); }
      if (sent && text.includes('PONG\r\n')) {
        s.off('data', onData);
        s.on('data', () => {}); // an idle client still reads (e.g. server PINGs) and stays connected
        socks.push(s);
        resolve();
      }
    };
    s.on('data', onData);
    s.once('error', reject);
    s.once('close', () => reject(new Error('closed during handshake')));
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
      try { await openOne(m.port); } catch (e) { failed++; firstError ||= (e as Error).message; }
    }
  };
  await Promise.all(Array.from({ length: m.concurrency }, lane));
  process.send!({ type: 'ready', opened: socks.length, failed, firstError, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
}

process.on('message', (m: OpenMsg | { op: 'close' }) => {
  if (m.op === 'open') void openAll(m);
  else { for (const s of socks) s.destroy(); process.exit(0); }
});
process.send!({ type: 'started' });
// The bench went away (finished or interrupted): do not outlive it.
process.on('disconnect', () => process.exit(0));
