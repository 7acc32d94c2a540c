// Fresh process for the in-process start-up case: time from the startServer() call to the first
// client's INFO line (the client side warmed first). Prints one JSON line on stdout.
// With the argument `floor`: the same measurement of a bare node:net server that writes one INFO
// line per connection — the least any Node server can take in a fresh process (Node compiling its
// own listen, accept and write paths), measured so the tsnats figure can be read against it.
import { connect, createServer, type Server as NetServer } from 'node:net';

type Start = (o: object) => Promise<{ port: number; shutdown(): Promise<void> }>;

const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
const tImport = process.hrtime.bigint();
const mod = (await import('../../src/index.js')) as unknown as { startServer?: Start };
const importMs = Number(process.hrtime.bigint() - tImport) / 1e6;
if (typeof mod.startServer !== 'function') {
  out({ skip: 'dist/src/index.js does not export startServer yet' });
} else {
  // Warm this process's client side first (one refused connect): the nats-server figure is taken
  // with a warm client in the bench process, and the client's first connect in a fresh process
  // (~3 ms of Node compiling its own net code) is the harness's cost, not the server's.
  await new Promise<void>((resolve) => {
    const s = connect({ port: 1, host: '127.0.0.1' });
    s.on('error', () => resolve());
    s.on('connect', () => { s.destroy(); resolve(); });
  });
  const floor = process.argv[2] === 'floor';
  const bare = async () => {
    const ns: NetServer = createServer({ noDelay: true }, (s) => { s.on('error', () => {}); s.write('INFO {}\r\n'); });
    await new Promise<void>((resolve) => ns.listen({ host: '127.0.0.1', port: 0, exclusive: true }, resolve));
    return { port: (ns.address() as { port: number }).port, shutdown: () => new Promise<void>((r) => ns.close(() => r())) };
  };
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const srv = floor ? await bare() : await mod.startServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve, reject) => {
    const s = connect({ port: srv.port, host: '127.0.0.1' });
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (!buf.includes('\n')) return;
      s.destroy();
      if (buf.startsWith('INFO ')) resolve(); else reject(new Error(`expected INFO, got ${JSON.stringify(buf)}`));
    });
    s.on('error', reject);
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  out({ ms, importMs, cpuNs: (cpu.user + cpu.system) * 1000 });
  await srv.shutdown();
}
process.exit(0);
