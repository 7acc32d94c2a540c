// The floor of any Node TLS server's memory per idle connection: a bare `node:tls` server (no NATS,
// no tsnats code) holding N idle TLS 1.3 connections with an ECDSA P-256 certificate, its RSS before
// and after, as `npm run bench -- --only tlsconns` measures tsnats and nats-server. If this alone is
// above nats-server's figure, no Node server can meet "RSS per idle TLS connection ≤ 1.0×".
//   node dist/bench/tls-floor.js [--conns 2000]
import { fork, execFileSync } from 'node:child_process';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const i = process.argv.indexOf('--conns');
const N = i >= 0 ? Number(process.argv[i + 1]) : 2000;

if (process.argv[2] === '--child') {
  const dir = process.argv[3]!;
  const srv = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (c) => {
    c.on('data', () => {});
    c.on('error', () => {});
    c.write('PONG\r\n');
  });
  srv.listen(0, '127.0.0.1', () => process.send!({ port: (srv.address() as { port: number }).port }));
  process.on('message', (m) => {
    if (m === 'rss') process.send!({ rss: process.memoryUsage().rss });
    if (m === 'stop') process.exit(0);
  });
} else {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-tls-floor-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  const ca = readFileSync(join(dir, 'cert.pem'));
  const child = fork(fileURLToPath(import.meta.url), ['--child', dir]);
  const next = <T>() => new Promise<T>((r) => child.once('message', (m) => r(m as T)));
  const { port } = await next<{ port: number }>();
  await new Promise((r) => setTimeout(r, 500));
  child.send('rss');
  const before = (await next<{ rss: number }>()).rss;
  const socks: TLSSocket[] = [];
  for (let k = 0; k < N; k += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, N - k) }, () => new Promise<void>((res, rej) => {
        const s = connect({ port, host: '127.0.0.1', ca, servername: 'localhost' }, () => s.write('PING\r\n'));
        s.once('data', () => res());
        s.on('error', rej);
        socks.push(s);
      })),
    );
  }
  await new Promise((r) => setTimeout(r, 2000));
  child.send('rss');
  const after = (await next<{ rss: number }>()).rss;
  console.log(`bare node:tls server, ${N} idle TLS 1.3 connections (ECDSA P-256): ${((after - before) / N / 1024).toFixed(1)} KB/conn (Node ${process.version}, ${process.versions.openssl ? 'OpenSSL ' + process.versions.openssl : ''})`);
  for (const s of socks) s.destroy();
  child.send('stop');
  rmSync(dir, { recursive: true, force: true });
}
