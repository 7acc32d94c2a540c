// Memory after churn (issue 13 item 8): each server (a separate process, same flags) takes 3 rounds of
// 50,000 subscriptions on one connection (subscribed, then the connection closed) and 20,000
// connect/close cycles; its RSS is read before, at the peak, and 1, 3 and 6 s after the load ended.
//   node dist/bench/churn.js [--subs N] [--cycles N] [--servers nats-server,tsnats]
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBenchServer, unavailable, type Kind } from './servers.js';
import { rssBytes } from './proc.js';
import { connectLine } from './frames.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const SUBS = Number(arg('--subs', '50000'));
const CYCLES = Number(arg('--cycles', '20000'));
const kinds = arg('--servers', 'nats-server,tsnats').split(',') as Kind[];
const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes `text`, then PING, and resolves at the PONG (the server processed everything before it). */
function sync(s: Socket, text: string): Promise<void> {
  return new Promise((resolve) => {
    let got = '';
    const on = (d: Buffer) => {
      got = (got + d.toString('latin1')).slice(-16);
      if (got.includes('PONG\r\n')) { s.off('data', on); resolve(); }
    };
    s.on('data', on);
    s.write(text + 'PING\r\n');
  });
}

async function subscriptionRound(port: number): Promise<void> {
  const s = await open(port);
  await sync(s, connectLine('churn-subs'));
  const chunk = 5000;
  for (let i = 0; i < SUBS; i += chunk) {
    let t = '';
    for (let k = i; k < Math.min(SUBS, i + chunk); k++) t += `SUB churn.${k}.x ${k + 1}\r\n`;
    await sync(s, t);
  }
  s.destroy();
}

async function cycles(port: number, n: number, concurrency = 32): Promise<void> {
  let next = 0;
  const one = () => new Promise<void>((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    let sent = false;
    s.on('data', (d) => {
      if (!sent) { sent = true; s.write(connectLine('churn') + 'PING\r\n'); }
      else if (d.includes('PONG')) s.end();
    });
    s.on('error', () => {});
    s.on('close', () => resolve());
  });
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next++ < n) await one(); }));
}

for (const kind of kinds) {
  const why = unavailable(kind);
  if (why) { console.log(`${kind} skipped: ${why}`); continue; }
  const srv = await startBenchServer(kind);
  await sleep(500);
  const base = rssBytes(srv.pid);
  let peak = base;
  for (let r = 0; r < 3; r++) {
    await subscriptionRound(srv.port);
    peak = Math.max(peak, rssBytes(srv.pid));
  }
  await cycles(srv.port, CYCLES);
  peak = Math.max(peak, rssBytes(srv.pid));
  const after: string[] = [];
  let t = 0;
  for (const at of [1000, 3000, 6000, 10000, 15000]) {
    await sleep(at - t);
    t = at;
    after.push(`${at / 1000}s ${mb(rssBytes(srv.pid))}`);
  }
  console.log(`${kind.padEnd(12)} RSS before ${mb(base)}, peak ${mb(peak)}, after: ${after.join(', ')}`);
  await srv.stop();
}
process.exit(0);
