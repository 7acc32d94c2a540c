// Child of bench/isolation.ts: floods PUB <subject> <size> frames at 127.0.0.1:<port> as fast as the
// socket takes them (respecting backpressure) until killed. A separate process, so the flood's
// client-side CPU never delays the measuring process's event loop.
import { connect } from 'node:net';

const [port, subject, size] = [Number(process.argv[2]), process.argv[3] ?? 'flood', Number(process.argv[4] ?? 1024)];
const frame = Buffer.concat([Buffer.from(`PUB ${subject} ${size}\r\n`), Buffer.alloc(size, 0x61), Buffer.from('\r\n')]);
const batch = Buffer.concat(Array.from({ length: Math.max(1, Math.floor((64 * 1024) / frame.length)) }, () => frame));
const s = connect({ port, host: '127.0.0.1' }, () => {
  s.write('CONNECT {"verbose":false,"name":"flooder"}\r\n');
  const pump = () => {
    while (s.write(batch)) { /* until the socket pushes back */ }
  };
  s.on('drain', pump);
  pump();
});
s.on('data', () => {}); // PINGs and errors are read and dropped
s.on('error', () => process.exit(0));
s.on('close', () => process.exit(0));
