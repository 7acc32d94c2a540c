// Load for bench/leak.ts: connect/close cycles against a server, `concurrency` at a time, three ways
// of leaving in turn: FIN after PONG, close right after INFO (no CONNECT), RST after PONG.
import { connect } from 'node:net';
import { connectLine } from './frames.js';

interface Job { port: number; cycles: number; concurrency: number }

/** A cycle the server does not finish within this (e.g. it never closes its side after our FIN) fails. */
const CYCLE_TIMEOUT_MS = 2000;
/** Stop a batch after this many failures: the server is broken, the report should say so quickly. */
const MAX_ERRORS = 50;

function cycle(port: number, how: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`cycle not finished within ${CYCLE_TIMEOUT_MS} ms (close mode ${how})`)); }, CYCLE_TIMEOUT_MS);
    let text = '';
    let sent = false;
    s.on('data', (d) => {
      text += d.toString('latin1');
      if (!sent && text.includes('\n')) {
        if (how === 1) { s.destroy(); return; }
        sent = true;
        s.write(connectLine('bench-leak') + 'PING\r\n');
      }
      if (sent && text.includes('PONG\r\n')) {
        if (how === 2) s.resetAndDestroy();
        else s.end();
      }
    });
    s.on('error', (e) => { if (!(how === 2 && sent)) reject(e); });
    s.on('close', () => { clearTimeout(timer); resolve(); });
  });
}

async function run(j: Job) {
  const t0 = performance.now();
  let next = 0;
  let errors = 0;
  let firstError = '';
  const lane = async () => {
    while (next < j.cycles && errors < MAX_ERRORS) {
      const i = next++;
      try { await cycle(j.port, i % 3); } catch (e) { errors++; firstError ||= (e as Error).message; }
    }
  };
  await Promise.all(Array.from({ length: j.concurrency }, lane));
  process.send!({ done: next, errors, firstError, ms: performance.now() - t0 });
}

process.on('message', (j: Job | { exit: true }) => {
  if ('exit' in j) process.exit(0);
  void run(j);
});
// The bench went away (finished or interrupted): do not outlive it.
process.on('disconnect', () => process.exit(0));
