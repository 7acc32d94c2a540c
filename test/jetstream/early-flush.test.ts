// The early flush (server.noteWork, C.FLUSH_EARLY_WORK): a requester with many direct gets or API
// requests in one read gets its answers written every FLUSH_EARLY_WORK requests, not all at the end
// of the batch, so it can read them and ask for more while the server works on the rest. Observed on
// the server's side of the requester's socket (its writes), over a real TCP connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn } from '../helpers/raw.js';
import { withServer } from '../helpers/tsnats.js';
import { FLUSH_EARLY_WORK } from '../../src/const.js';
import type { Server } from '../../src/index.js';

/**
 * Counts the flushes the server makes to the connection named `name`: each ends with one write that
 * carries the completion callback (client.ts flush; the buffers before it go in the same corked
 * batch).
 */
function countFlushes(srv: Server, name: string): { n: number } {
  const c = [...srv.clients.values()].find((x) => x.opts.name === name);
  assert.ok(c, `server-side client ${name}`);
  const sock = c.sock as unknown as { write: (...a: unknown[]) => boolean };
  const write = sock.write.bind(sock);
  const counter = { n: 0 };
  sock.write = (...a: unknown[]) => {
    if (typeof a[1] === 'function') counter.n++;
    return write(...a);
  };
  return counter;
}

/** Reads `n` MSG/HMSG frames from `c`; returns their subjects in order. */
async function readFrames(c: RawConn, n: number): Promise<string[]> {
  const subjects: string[] = [];
  await c.until((b) => {
    let p = 0;
    subjects.length = 0;
    while (subjects.length < n) {
      const nl = b.indexOf('\r\n', p);
      if (nl < 0) return false;
      const parts = b.toString('latin1', p, nl).split(' ');
      if (parts[0] !== 'HMSG' && parts[0] !== 'MSG') {
        p = nl + 2;
        continue;
      }
      const size = Number(parts[parts.length - 1]);
      if (b.length < nl + 2 + size + 2) return false;
      subjects.push(parts[1]!);
      p = nl + 2 + size + 2;
    }
    return true;
  }, 10_000);
  return subjects;
}

test('direct gets: answers written every FLUSH_EARLY_WORK requests of one read, in order', async (t) => {
  const srv = await withServer(t, { jetstream: { memoryOnly: true } });
  const c = await RawConn.open(srv.port);
  t.after(() => c.close());
  c.send('CONNECT {"verbose":false,"headers":true,"name":"early"}\r\nSUB _INBOX.e.> 1\r\n');
  await c.roundTrip();
  const create = JSON.stringify({ name: 'D', subjects: ['d.>'], storage: 'memory', allow_direct: true });
  c.send(`PUB $JS.API.STREAM.CREATE.D _INBOX.e.create ${create.length}\r\n${create}\r\n`);
  for (let i = 1; i <= 10; i++) c.send(`PUB d.${i} _INBOX.e.ack 5\r\nhello\r\n`);
  await readFrames(c, 11);
  c.take();

  const writes = countFlushes(srv, 'early');
  const N = FLUSH_EARLY_WORK * 20;
  let batch = '';
  for (let i = 0; i < N; i++) {
    const body = `{"seq":${(i % 10) + 1}}`;
    batch += `PUB $JS.API.DIRECT.GET.D _INBOX.e.${i} ${body.length}\r\n${body}\r\n`;
  }
  assert.ok(batch.length < 64 * 1024, 'one read on the server');
  c.send(batch);
  const subjects = await readFrames(c, N);
  assert.deepEqual(subjects, Array.from({ length: N }, (_, i) => `_INBOX.e.${i}`));
  // At least one flush per FLUSH_EARLY_WORK answers, however the kernel split the batch into reads
  // (each turn of the loop flushes at least once per FLUSH_EARLY_WORK it worked on); without the early
  // flush, one per turn (1 here).
  assert.ok(writes.n >= N / FLUSH_EARLY_WORK, `server flushes for ${N} direct gets: ${writes.n}`);
});

test('API requests: answers written every FLUSH_EARLY_WORK requests of one read, in order', async (t) => {
  const srv = await withServer(t, { jetstream: { memoryOnly: true } });
  const c = await RawConn.open(srv.port);
  t.after(() => c.close());
  c.send('CONNECT {"verbose":false,"headers":true,"name":"early"}\r\nSUB _INBOX.a.> 1\r\n');
  await c.roundTrip();
  const create = JSON.stringify({ name: 'A', subjects: ['a.>'], storage: 'memory' });
  c.send(`PUB $JS.API.STREAM.CREATE.A _INBOX.a.create ${create.length}\r\n${create}\r\n`);
  await readFrames(c, 1);
  c.take();

  const writes = countFlushes(srv, 'early');
  const N = FLUSH_EARLY_WORK * 20;
  let batch = '';
  for (let i = 0; i < N; i++) batch += `PUB $JS.API.STREAM.INFO.A _INBOX.a.${i} 0\r\n\r\n`;
  assert.ok(batch.length < 64 * 1024, 'one read on the server');
  c.send(batch);
  const subjects = await readFrames(c, N);
  assert.deepEqual(subjects, Array.from({ length: N }, (_, i) => `_INBOX.a.${i}`));
  assert.ok(writes.n >= N / FLUSH_EARLY_WORK, `server flushes for ${N} STREAM.INFO requests: ${writes.n}`);
});
