// `node dist/bench/parse.js [--size 128]`: the server's own cost per PUB, without the kernel:
// 64 KB buffers of `PUB foo.bar.baz <size>` frames are handed straight to a connection's read
// handler (read → parse → processPubArgs → processMsg → match, no subscriber) of an in-process
// server. Prints ns per message: the best and the median of 7 timed batches after a warm-up.
import { PassThrough } from 'node:stream';
import { startServer } from '../src/index.js';
import type { Client } from '../src/server/client.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const size = arg('--size', 128);

const srv = await startServer({ port: 0, busyPoll: 0 });
const sock = new PassThrough();
sock.on('data', () => {}); // drain what the server writes (INFO)
const c: Client = srv.acceptConnection(sock, '127.0.0.1', 1)!;
sock.write('CONNECT {"verbose":false,"pedantic":false}\r\n');
await new Promise((r) => setTimeout(r, 20));

const frame = `PUB foo.bar.baz ${size}\r\n${'x'.repeat(size)}\r\n`;
const per = Math.max(1, Math.floor(65536 / frame.length));
const buf = Buffer.from(frame.repeat(per));
// The read handler is private: this is a benchmark of exactly that path.
const read = (c as unknown as { readBatch(b: Buffer): void }).readBatch.bind(c);
const batch = Math.max(1, Math.round(2_000_000 / per));
for (let i = 0; i < batch * 3; i++) read(buf);
const ns: number[] = [];
for (let k = 0; k < 7; k++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) read(buf);
  ns.push(Number(process.hrtime.bigint() - t0) / (batch * per));
}
ns.sort((a, b) => a - b);
console.log(`PUB ${size}B, no subscriber: ${ns[0].toFixed(1)} ns/msg best, ${ns[3].toFixed(1)} median (${per} messages per 64 KB read)`);
await srv.shutdown();
process.exit(0);
