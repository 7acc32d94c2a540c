// A client in a process of its own, for a hostile test to SIGKILL: connects over raw TCP, sends CONNECT
// and a SUB, and once the server has answered its PING prints its local port; then it waits to die.
import { connect } from 'node:net';

const port = Number(process.argv[2]);
const s = connect({ port, host: '127.0.0.1' }, () => {
  s.write('CONNECT {"verbose":false,"name":"doomed"}\r\nSUB hostile.killed 1\r\nPING\r\n');
});
let text = '';
s.on('data', (d) => {
  text += d.toString('latin1');
  if (text.includes('PONG\r\n')) {
    text = '';
    process.stdout.write(`ready ${s.localPort}\n`);
  }
});
setInterval(() => {}, 1 << 30);
