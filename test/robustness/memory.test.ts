// Memory goes back after a burst (issue 13 item 8; bench/churn.ts has the full figures): the tsnats
// CLI takes 50,000 subscriptions on one connection (then closed) and 5,000 connect/close cycles; a
// few seconds after the load ends its RSS is within 2x of what it was before (V8 alone keeps the
// heap at its peak: src/server/reclaim.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { startServer } from '../helpers/servers.js';

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

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

test('RSS returns within 2x of its start a few seconds after a subscription and connection churn', async (t) => {
  const srv = await startServer('tsnats');
  t.after(() => srv.stop());
  const pid = srv.proc.pid!;
  await new Promise((r) => setTimeout(r, 300));
  const base = rssBytes(pid);
  const s = await new Promise<Socket>((resolve) => { const c = connect({ port: srv.port, host: '127.0.0.1' }, () => resolve(c)); });
  await sync(s, 'CONNECT {"verbose":false}\r\n');
  for (let i = 0; i < 50_000; i += 5000) {
    let text = '';
    for (let k = i; k < i + 5000; k++) text += `SUB churn.${k}.x ${k + 1}\r\n`;
    await sync(s, text);
  }
  s.destroy();
  let next = 0;
  const cycle = () => new Promise<void>((resolve) => {
    const c = connect({ port: srv.port, host: '127.0.0.1' });
    let sent = false;
    c.on('data', (d) => { if (!sent) { sent = true; c.write('CONNECT {"verbose":false}\r\nPING\r\n'); } else if (d.includes('PONG')) c.end(); });
    c.on('error', () => {});
    c.on('close', () => resolve());
  });
  await Promise.all(Array.from({ length: 16 }, async () => { while (next++ < 5000) await cycle(); }));
  const peak = rssBytes(pid);
  const deadline = Date.now() + 25_000;
  let now = rssBytes(pid);
  while (now > 2 * base && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    now = rssBytes(pid);
  }
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;
  assert.ok(now <= 2 * base, `RSS before ${mb(base)}, peak ${mb(peak)}, 25 s after the load ${mb(now)}`);
});
