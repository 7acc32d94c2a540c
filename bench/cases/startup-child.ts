// Fresh process for the in-process start-up case: time from the startServer() call to the first
// client's INFO line. Prints one JSON line on stdout.
import { connect } from 'node:net';

type Start = (o: object) => Promise<{ port: number; shutdown(): Promise<void> }>;

const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
const tImport = process.hrtime.bigint();
const mod = (await import('../../src/index.js')) as unknown as { startServer?: Start };
const importMs = Number(process.hrtime.bigint() - tImport) / 1e6;
if (typeof mod.startServer !== 'function') {
  out({ skip: 'dist/src/index.js does not export startServer yet' });
} else {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const srv = await mod.startServer({ host: '127.0.0.1', port: 0 });
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
