// Accepted TCP connections read into one shared buffer (src/server/read-buffer.ts). Nothing may keep
// a reference to it past the read: payloads and lines split across reads, bytes held during a bcrypt
// CONNECT check and stalled producers must all come out intact while other connections keep
// overwriting the buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import bcrypt from 'bcryptjs';
import { withServer } from '../helpers/tsnats.js';
import { sharedReadStats, SHARED_READ_BYTES } from '../../src/transport/read-buffer.js';

/** A payload that depends on publisher, sequence and size, so any mix-up shows. */
function payload(pub: number, seq: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = (pub * 7919 + seq * 104729 + size) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = 0x21 + (x % 90);
  }
  return b;
}

/** A raw subscriber that parses MSG frames and hands out [subject, payload]. */
function subscriber(port: number, hello: string, onMsg: (subject: string, data: Buffer) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    let ready = false;
    s.on('error', reject);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const lf = buf.indexOf(10);
        if (lf < 0) return;
        const line = buf.toString('latin1', 0, lf - 1);
        if (line.startsWith('MSG ')) {
          const parts = line.split(' ');
          const size = Number(parts[parts.length - 1]);
          if (buf.length < lf + 1 + size + 2) return;
          onMsg(parts[1], Buffer.from(buf.subarray(lf + 1, lf + 1 + size)));
          buf = buf.subarray(lf + 1 + size + 2);
          continue;
        }
        buf = buf.subarray(lf + 1);
        if (line === 'PONG' && !ready) {
          ready = true;
          resolve(s);
        } else if (line.startsWith('-ERR')) reject(new Error(line));
      }
    });
    s.write(`${hello}SUB p.> 1\r\nPING\r\n`);
  });
}

/** Writes `data` in random pieces, yielding to the event loop between them. */
async function writeInPieces(s: Socket, data: Buffer, rnd: () => number): Promise<void> {
  let pos = 0;
  while (pos < data.length) {
    const n = Math.min(data.length - pos, 1 + Math.floor(rnd() * 90_000));
    if (!s.write(data.subarray(pos, pos + n))) await new Promise((r) => s.once('drain', r));
    pos += n;
    await new Promise((r) => setImmediate(r));
  }
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 0x100000000;
  };
}

function openPub(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.on('error', reject);
  });
}

test('publishers interleaved with payloads larger than the shared buffer arrive intact and in order', { timeout: 30_000 }, async (t) => {
  const srv = await withServer(t, { maxPayload: 512 * 1024 });
  const before = sharedReadStats.sockets;
  const PUBS = 6;
  const N = 30;
  const got: { seq: number; data: Buffer }[][] = Array.from({ length: PUBS }, () => []);
  let total = 0;
  let allIn: () => void = () => {};
  const done = new Promise<void>((r) => (allIn = r));
  const sub = await subscriber(srv.port, 'CONNECT {"verbose":false}\r\n', (subject, data) => {
    const [, p, seq] = subject.split('.');
    got[Number(p)].push({ seq: Number(seq), data });
    if (++total === PUBS * N) allIn();
  });
  t.after(() => sub.destroy());
  const sizes = (p: number) => Array.from({ length: N }, (_, k) => [0, 1, 5, SHARED_READ_BYTES - 1, SHARED_READ_BYTES + 1, 3 * SHARED_READ_BYTES + 17][(p + k) % 6] + ((p * 31 + k * 7) % 13));
  await Promise.all(Array.from({ length: PUBS }, async (_, p) => {
    const s = await openPub(srv.port);
    t.after(() => s.destroy());
    const frames: Buffer[] = [Buffer.from('CONNECT {"verbose":false}\r\n')];
    sizes(p).forEach((size, seq) => {
      frames.push(Buffer.from(`PUB p.${p}.${seq} ${size}\r\n`), payload(p, seq, size), Buffer.from('\r\n'));
    });
    await writeInPieces(s, Buffer.concat(frames), rng(p + 1));
  }));
  await done;
  if (process.env.TSNATS_SHARED_READ_BUFFER !== '0') assert.ok(sharedReadStats.sockets - before >= PUBS + 1, 'the TCP connections read into the shared buffer');
  for (let p = 0; p < PUBS; p++) {
    const sz = sizes(p);
    assert.deepEqual(got[p].map((m) => m.seq), Array.from({ length: N }, (_, k) => k), `publisher ${p} in order`);
    for (const m of got[p]) assert.ok(m.data.equals(payload(p, m.seq, sz[m.seq])), `publisher ${p} message ${m.seq} intact`);
  }
});

test('bytes that arrive with a CONNECT under a bcrypt check survive other connections reading meanwhile', { timeout: 30_000 }, async (t) => {
  const hash = bcrypt.hashSync('pw', 10);
  const srv = await withServer(t, { users: [{ user: 'slow', password: hash }, { user: 'fast', password: 'f' }] });
  const seen: Buffer[] = [];
  let gotIt: () => void = () => {};
  let lost: (e: Error) => void = () => {};
  const arrived = new Promise<void>((resolve, reject) => { gotIt = resolve; lost = reject; });
  const sub = await subscriber(srv.port, 'CONNECT {"verbose":false,"user":"fast","pass":"f"}\r\n', (subject, data) => {
    if (subject === 'p.slow') {
      seen.push(data);
      gotIt();
    }
  });
  t.after(() => sub.destroy());
  // One write: CONNECT (checked in a worker thread, the parser holds the rest) + a PUB + PING.
  const body = payload(9, 9, 40_000);
  const slow = await openPub(srv.port);
  t.after(() => slow.destroy());
  let answer = '';
  slow.on('data', (d) => (answer += d.toString('latin1')));
  slow.on('close', () => lost(new Error(`the held connection was closed: ${JSON.stringify(answer)}`)));
  slow.write(Buffer.concat([Buffer.from('CONNECT {"verbose":false,"user":"slow","pass":"pw"}\r\nPUB p.slow 40000\r\n'), body, Buffer.from('\r\nPING\r\n')]));
  // Meanwhile another connection floods the shared buffer with different bytes.
  const flood = await openPub(srv.port);
  t.after(() => flood.destroy());
  flood.write('CONNECT {"verbose":false,"user":"fast","pass":"f"}\r\n');
  const junk = Buffer.alloc(60_000, 0x5a);
  let stop = false;
  void arrived.then(() => (stop = true), () => (stop = true));
  for (let i = 0; i < 400 && !stop; i++) {
    flood.write(Buffer.concat([Buffer.from('PUB other 60000\r\n'), junk, Buffer.from('\r\n')]));
    await new Promise((r) => setTimeout(r, 1));
  }
  await arrived;
  assert.equal(seen.length, 1);
  assert.ok(seen[0].equals(body), 'the held PUB came out as it was sent');
});
