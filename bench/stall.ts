// `node dist/bench/stall.js [--mb 8]`: how long one huge CONNECT (a client name of N MB, allowed with
// max_control_line 16 MB) stalls an in-process tsnats's event loop: the longest gap of a 10 ms
// interval timer while the CONNECT is read, parsed and answered. Other clients wait that long.
import { connect } from 'node:net';
import { startServer } from '../src/index.js';

const i = process.argv.indexOf('--mb');
const mb = i > 0 ? Number(process.argv[i + 1]) : 8;
const srv = await startServer({ port: 0, maxControlLine: 16 * 1024 * 1024 });
let maxLag = 0;
let last = Date.now();
const timer = setInterval(() => {
  const now = Date.now();
  maxLag = Math.max(maxLag, now - last - 10);
  last = now;
}, 10);
const s = connect({ port: srv.port, host: '127.0.0.1' });
const t0 = Date.now();
s.write(`CONNECT {"verbose":false,"name":"${'a'.repeat(mb * 1024 * 1024)}"}\r\nPING\r\n`);
let got = '';
s.on('data', (d) => {
  got += d.toString('latin1');
  if (!got.includes('PONG')) return;
  console.log(`${mb} MB CONNECT: PONG after ${Date.now() - t0} ms; longest event-loop stall ${maxLag} ms`);
  clearInterval(timer);
  s.destroy();
  void srv.shutdown().then(() => process.exit(0));
});
