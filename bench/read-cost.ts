// `node dist/bench/read-cost.js [--ms 1500]`: what Node itself costs per socket read, whatever the
// server does with the bytes. A child process floods one TCP connection with 128 KB writes; this
// process receives them with a no-op consumer, twice: through 'data' events (Node allocates a new
// 64 KB buffer per read and pushes it through the Readable stream), then through `onread` into one
// reused 64 KB buffer (the mechanism tsnats uses for accepted sockets, src/server/read-buffer.ts).
// Prints the receiving process's user and system CPU per read for each.
import { connect } from 'node:net';
import { spawn } from 'node:child_process';

const i = process.argv.indexOf('--ms');
const ms = i > 0 ? Number(process.argv[i + 1]) : 1500;

async function run(mode: 'data' | 'onread'): Promise<string> {
  const sender = `const srv = require('net').createServer((s) => {
    const chunk = Buffer.alloc(131072, 120); const end = Date.now() + ${ms};
    const pump = () => { while (Date.now() < end) { if (!s.write(chunk)) return s.once('drain', pump); } s.end(); };
    pump();
  });
  srv.listen(0, '127.0.0.1', () => process.stdout.write(srv.address().port + '\\n'));`;
  const child = spawn(process.execPath, ['-e', sender], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve) => child.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
    let bytes = 0;
    let reads = 0;
    const buffer = Buffer.allocUnsafe(64 * 1024);
    const cpu0 = process.cpuUsage();
    const s = mode === 'onread'
      ? connect({ port, host: '127.0.0.1', onread: { buffer, callback: (n: number) => { bytes += n; reads++; return true; } } })
      : connect({ port, host: '127.0.0.1' }).on('data', (d: Buffer) => { bytes += d.length; reads++; });
    s.resume();
    await new Promise((resolve) => s.on('end', resolve));
    const c = process.cpuUsage(cpu0);
    return `${mode.padEnd(6)} ${(bytes / 1e6).toFixed(0)} MB in ${reads} reads (${(bytes / reads / 1024).toFixed(1)} KB each): ` +
      `user ${(c.user / reads).toFixed(1)} µs/read, system ${(c.system / reads).toFixed(1)} µs/read`;
  } finally {
    child.kill();
  }
}

console.log(await run('data'));
console.log(await run('onread'));
process.exit(0);
